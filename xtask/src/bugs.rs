//! `cargo xtask bugs`: every planted bug must be rejected by its exercise's
//! own tests — in each world its `caught_by` names (any world otherwise).
//!
//! Bugs are built in rounds: round k plants the k-th bug of every exercise
//! at once (exercises never share a build's fate, see `world::build`), so
//! the number of builds grows with the most bugs any exercise has, not with
//! the number of exercises. Worlds run model checkers first; a world is
//! skipped for a bug already proven caught.

use crate::grade::grade;
use crate::manifest::{Bug, Course, Exercise};
use crate::world::World;
use crate::Args;
use std::path::Path;

pub fn main(root: &Path, args: &[String]) -> Result<bool, String> {
    let args = Args::parse(args, &[], &[])?;
    let course = Course::load(root)?;
    let exercises = course.select(&args.names)?;
    let rounds = exercises.iter().map(|e| e.bug.len()).max().unwrap_or(0);
    let mut report: Vec<(String, Bug, Vec<World>, Option<String>)> = vec![];

    for round in 0..rounds {
        let dir = root.join("target/planted").join(format!("round-{round}"));
        let _ = std::fs::remove_dir_all(&dir);
        std::fs::create_dir_all(&dir).map_err(|e| format!("{}: {e}", dir.display()))?;
        let mut planted: Vec<(Exercise, Bug)> = vec![];
        for ex in &exercises {
            let Some(bug) = ex.bug.get(round) else {
                continue;
            };
            let solution =
                std::fs::read_to_string(root.join("solutions").join(format!("{}.rs", ex.name)))
                    .map_err(|e| format!("solutions/{}.rs: {e}", ex.name))?;
            let text = bug.apply(&ex.name, &solution)?;
            std::fs::write(dir.join(format!("{}.rs", ex.name)), text).map_err(|e| e.to_string())?;
            planted.push((ex.clone(), bug.clone()));
        }
        eprintln!(
            "round {round} (target/planted/round-{round}): {}",
            planted
                .iter()
                .map(|(e, b)| format!("{}/{}", e.name, b.name))
                .collect::<Vec<_>>()
                .join(", ")
        );
        let mut caught: Vec<Vec<World>> = vec![vec![]; planted.len()];
        let mut broken: Vec<Option<String>> = vec![None; planted.len()];
        for world in [World::Loom, World::Shuttle, World::Std] {
            // Exercises whose bug still needs this world.
            let wanted: Vec<usize> = (0..planted.len())
                .filter(|&i| broken[i].is_none() && !satisfied(&planted[i].1, &caught[i]))
                .filter(|&i| planted[i].0.worlds.iter().any(|w| World::parse(w) == world))
                .collect();
            if wanted.is_empty() {
                continue;
            }
            let subset: Vec<Exercise> = wanted.iter().map(|&i| planted[i].0.clone()).collect();
            let src = crate::world::Sources {
                dir: dir.clone(),
                hidden: None,
            };
            let opts = crate::grade::Options {
                stop_early: true,
                ..Default::default()
            };
            let results = grade(root, &subset, &src, &[world], &opts)?;
            for &i in &wanted {
                let g = &results[&planted[i].0.name];
                if let Some(err) = g.compile_errors.get(&world) {
                    broken[i] = Some(format!(
                        "the planted bug does not compile: {}",
                        err.lines().next().unwrap_or("")
                    ));
                } else if g.rejected_in(world) {
                    caught[i].push(world);
                }
            }
        }
        for (i, (ex, bug)) in planted.into_iter().enumerate() {
            report.push((ex.name, bug, caught[i].clone(), broken[i].clone()));
        }
    }

    let w = crate::manifest::name_width(report.iter().map(|r| r.0.as_str()), 14);
    println!(
        "\n{:<w$} {:<22} {:<22} {:<14} verdict",
        "exercise", "planted bug", "caught in", "must be"
    );
    let mut all_ok = true;
    for (ex, bug, caught, broken) in &report {
        let names: Vec<&str> = caught.iter().map(|w| w.name()).collect();
        let must = if bug.caught_by.is_empty() {
            "any".to_string()
        } else {
            bug.caught_by.join("+")
        };
        let verdict = match broken {
            Some(why) => format!("INVALID: {why}"),
            None if satisfied(bug, caught) => "rejected".to_string(),
            None => format!("SURVIVES: {}", bug.what),
        };
        all_ok &= verdict == "rejected";
        let shown = if names.is_empty() {
            "-".to_string()
        } else {
            names.join("+")
        };
        println!("{ex:<w$} {:<22} {shown:<22} {must:<14} {verdict}", bug.name);
    }
    println!(
        "\n{} planted bug(s), {}",
        report.len(),
        if all_ok {
            "every one rejected by its exercise's tests"
        } else {
            "NOT all rejected"
        }
    );
    Ok(all_ok)
}

fn satisfied(bug: &Bug, caught: &[World]) -> bool {
    if bug.caught_by.is_empty() {
        !caught.is_empty()
    } else {
        bug.caught_by
            .iter()
            .all(|w| caught.contains(&World::parse(w)))
    }
}
