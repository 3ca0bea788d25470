//! Points: what a grading run proves, in units that pass or fail whole.
//!
//! An exercise checked by the model checkers has two units:
//! * **invariants** — 60 % of its points: every model-checked test in every
//!   model world it lists (loom, shuttle) passed. One broken invariant in
//!   one world — a lock whose every ordering is `Relaxed`, say — costs all
//!   of it: a proof with a counterexample is no proof.
//! * **behaviour** — 40 %: every test of the ordinary (std) world passed.
//!
//! An exercise of the std world only has one unit, behaviour, worth all its
//! points. A refused file or a compile error fails every unit; a world the
//! run did not grade (`--worlds`) fails the units it belongs to, so a grade
//! is full only when every world the exercise lists was run. Gradescope's
//! `results.json`, the JUnit report, GitHub Classroom's steps and the table
//! all add up these same units, so they give the same score.

use crate::grade::Graded;
use crate::manifest::Exercise;
use crate::world::World;

/// Share of an exercise's points for its model-checked invariants.
const INVARIANT_SHARE: f64 = 0.6;

/// One unit of an exercise's points.
pub struct Unit {
    /// `invariants` or `behaviour`.
    pub name: &'static str,
    /// Points it is worth.
    pub weight: f64,
    pub passed: bool,
    /// Why it failed ("" when it passed).
    pub why: String,
}

impl Unit {
    pub fn points(&self) -> f64 {
        if self.passed {
            self.weight
        } else {
            0.0
        }
    }
}

/// The units of `ex` for the results `g`.
pub fn units(ex: &Exercise, g: &Graded) -> Vec<Unit> {
    let points = f64::from(ex.points);
    let listed: Vec<World> = ex.worlds.iter().map(|w| World::parse(w)).collect();
    let model: Vec<World> = listed
        .iter()
        .copied()
        .filter(|w| *w != World::Std)
        .collect();
    let blocked = if let Some(first) = g.refused.first() {
        Some(format!("refused: {first}"))
    } else {
        g.compile_errors
            .keys()
            .next()
            .map(|w| format!("does not compile in the {} world", w.name()))
    };
    let unit = |name, weight, worlds: &[World]| {
        let why = match &blocked {
            Some(why) => why.clone(),
            None => worlds
                .iter()
                .find_map(|&w| why_not(g, w))
                .unwrap_or_default(),
        };
        Unit {
            name,
            weight,
            passed: why.is_empty(),
            why,
        }
    };
    if model.is_empty() {
        return vec![unit("behaviour", points, &[World::Std])];
    }
    let invariants = (points * INVARIANT_SHARE * 100.0).round() / 100.0;
    vec![
        unit("invariants", invariants, &model),
        unit("behaviour", points - invariants, &[World::Std]),
    ]
}

/// The units of `ex` and the points each is worth, in report order.
pub fn unit_weights(ex: &Exercise) -> Vec<(&'static str, f64)> {
    units(ex, &Graded::default())
        .into_iter()
        .map(|u| (u.name, u.weight))
        .collect()
}

/// Why `world` does not count as passed ("" never: `None` when it does).
fn why_not(g: &Graded, world: World) -> Option<String> {
    if g.all_passed_in(world) {
        return None;
    }
    let Some(tests) = g.tests.get(&world) else {
        return Some(format!(
            "the {} world was not graded in this run",
            world.name()
        ));
    };
    let failed = tests
        .iter()
        .filter(|(_, o)| !o.as_ref().is_some_and(crate::run::Outcome::passed))
        .count();
    Some(format!(
        "{failed} of {} test(s) of the {} world did not pass",
        tests.len(),
        world.name()
    ))
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::run::Outcome;

    fn exercise(worlds: &[&str]) -> Exercise {
        Exercise {
            name: "x".into(),
            title: "x".into(),
            points: 10,
            worlds: worlds.iter().map(|w| w.to_string()).collect(),
            chapter: String::new(),
            hints: vec![],
            bug: vec![],
        }
    }

    fn results(per_world: &[(World, &[bool])]) -> Graded {
        let mut g = Graded::default();
        for (w, outcomes) in per_world {
            g.tests.insert(
                *w,
                outcomes
                    .iter()
                    .enumerate()
                    .map(|(i, ok)| {
                        let o = if *ok {
                            Outcome::Pass
                        } else {
                            Outcome::Fail("no".into())
                        };
                        (format!("t{i}"), Some(o))
                    })
                    .collect(),
            );
        }
        g
    }

    #[test]
    fn one_broken_invariant_costs_every_invariant_point() {
        let ex = exercise(&["std", "loom", "shuttle"]);
        // Every ordering Relaxed: loom finds it once, shuttle and std pass.
        let g = results(&[
            (World::Std, &[true; 8]),
            (World::Loom, &[true, true, false]),
            (World::Shuttle, &[true; 3]),
        ]);
        assert_eq!(g.score(&ex), 4.0);
        let full = results(&[
            (World::Std, &[true; 8]),
            (World::Loom, &[true; 3]),
            (World::Shuttle, &[true; 3]),
        ]);
        assert_eq!(full.score(&ex), 10.0);
    }

    #[test]
    fn a_run_of_fewer_worlds_than_listed_is_not_full_marks() {
        let ex = exercise(&["std", "loom", "shuttle"]);
        let g = results(&[(World::Std, &[true; 8])]);
        assert_eq!(g.score(&ex), 4.0);
        let u = units(&ex, &g);
        assert!(
            u[0].why.contains("loom world was not graded"),
            "{}",
            u[0].why
        );
    }

    #[test]
    fn refused_or_broken_files_score_nothing() {
        let ex = exercise(&["std"]);
        let mut g = results(&[(World::Std, &[true; 4])]);
        assert_eq!(g.score(&ex), 10.0);
        g.refused.push("x.rs:1:1: no".into());
        assert_eq!(g.score(&ex), 0.0);
        let mut g = results(&[(World::Std, &[true; 4])]);
        g.compile_errors.insert(World::Std, "error".into());
        assert_eq!(g.score(&ex), 0.0);
    }
}
