//! `cargo xtask bugs`: every planted bug must be rejected by its exercise's
//! own tests — in each world its `caught_by` names (any world otherwise).
//!
//! Each bug is graded like a submission: the solution with the bug planted
//! is built in place of the exercise's module, one world at a time, model
//! checkers first; a world is skipped once the bug is proven caught.
//! Planted bugs are the course's own code, so the legality check is not
//! what rejects them: they are graded without it, by the tests alone.

use crate::grade::{grade, Options, Sources};
use crate::manifest::{Bug, Course};
use crate::world::World;
use crate::Args;
use std::path::Path;

pub fn main(root: &Path, args: &[String]) -> Result<bool, String> {
    let args = Args::parse(args, &[], &[])?;
    let course = Course::load(root)?;
    let exercises = course.select(&args.names)?;
    let mut report: Vec<(String, Bug, Vec<World>, Option<String>)> = vec![];
    let opts = Options {
        stop_early: true,
        skip_legality: true,
        ..Options::default()
    };

    for ex in &exercises {
        let solution =
            std::fs::read_to_string(root.join("solutions").join(format!("{}.rs", ex.name)))
                .map_err(|e| format!("solutions/{}.rs: {e}", ex.name))?;
        for bug in &ex.bug {
            let dir = root.join("target/planted").join(&ex.name).join(&bug.name);
            let _ = std::fs::remove_dir_all(&dir);
            std::fs::create_dir_all(&dir).map_err(|e| format!("{}: {e}", dir.display()))?;
            let text = bug.apply(&ex.name, &solution)?;
            std::fs::write(dir.join(format!("{}.rs", ex.name)), text).map_err(|e| e.to_string())?;
            eprintln!("{}/{} ({})", ex.name, bug.name, dir.display());
            let src = Sources {
                dir: dir.clone(),
                hidden: None,
            };
            let mut caught: Vec<World> = vec![];
            let mut broken: Option<String> = None;
            for world in [World::Loom, World::Shuttle, World::Std] {
                if broken.is_some() || satisfied(bug, &caught) {
                    break;
                }
                if !ex.worlds.iter().any(|w| World::parse(w) == world) {
                    continue;
                }
                let results = grade(root, std::slice::from_ref(ex), &src, &[world], &opts)?;
                let g = &results[&ex.name];
                if let Some(err) = g.compile_errors.get(&world) {
                    broken = Some(format!(
                        "the planted bug does not compile: {}",
                        err.lines().next().unwrap_or("")
                    ));
                } else if g.rejected_in(world) {
                    caught.push(world);
                }
            }
            report.push((ex.name.clone(), bug.clone(), caught, broken));
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
