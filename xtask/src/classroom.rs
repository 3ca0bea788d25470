//! The GitHub Classroom workflow, generated from `course.toml` so that it
//! always has one grading step per scoring unit of every exercise (`cargo
//! xtask exercises` writes it; `--check` fails when it is stale), and
//! `cargo xtask unit`, which each step runs.
//!
//! Classroom's command grader gives a step all or nothing, so each step is
//! one unit of `crate::score` — the same units Gradescope's `results.json`
//! adds up — and a submission scores the same in both. The whole grade is
//! computed once, by the first step; the unit steps read its results.

use crate::manifest::Course;
use crate::Args;
use std::path::Path;

/// Where the first step writes every unit's result.
pub const UNITS_FILE: &str = "target/proclab/units.json";

/// Where the workflow lives in the repository.
pub const PATH: &str = "teaching/github-classroom.yml";

/// Everything before the per-exercise steps.
const HEAD: &str = r#"# GitHub Classroom autograding for a proclab assignment.
# Copy to .github/workflows/classroom.yml in the assignment template
# repository (the proclab repository with exercises/ as students start it).
# Generated from course.toml by `cargo xtask exercises`; do not edit by hand.
# The first step grades every exercise once (the same grading Gradescope
# runs); then each scoring unit of each exercise is one command-grader
# test, full points when `cargo xtask unit NAME/UNIT` says it passed:
# `invariants` (every model-checked test, loom and shuttle) and `behaviour`
# (every std-world test). The JUnit report is kept as an artifact so
# students can read every failing invariant.
name: Autograding
on: [push, workflow_dispatch, repository_dispatch]
permissions:
  checks: write
  actions: read
  contents: read
jobs:
  grade:
    runs-on: ubuntu-latest
    if: github.actor != 'github-classroom[bot]'
    timeout-minutes: 30
    steps:
      - uses: actions/checkout@v4
      - uses: dtolnay/rust-toolchain@stable
      - uses: actions/cache@v4
        with:
          path: |
            ~/.cargo/registry
            target
          key: proclab-${{ hashFiles('Cargo.lock') }}
      - name: Grade every exercise
        run: cargo xtask grade --junit target/grade.xml --units target/proclab/units.json || true
"#;

/// The workflow for `course`.
pub fn workflow(course: &Course) -> String {
    let mut out = String::from(HEAD);
    let mut steps = vec![];
    for ex in &course.exercise {
        for (unit, weight) in crate::score::unit_weights(ex) {
            let id = format!("{}_{unit}", ex.name);
            out.push_str(&format!(
                "      - name: {n}/{unit}\n        id: {id}\n        uses: classroom-resources/autograding-command-grader@v1\n        with:\n          test-name: {n}/{unit}\n          command: cargo xtask unit {n}/{unit}\n          timeout: 1\n          max-score: {weight}\n",
                n = ex.name,
            ));
            steps.push(id);
        }
    }
    out.push_str(
        "      - uses: actions/upload-artifact@v4\n        if: always()\n        with:\n          name: grade-report\n          path: target/grade.xml\n      - name: Autograding Reporter\n        uses: classroom-resources/autograding-grading-reporter@v1\n        env:\n",
    );
    for id in &steps {
        out.push_str(&format!(
            "          {}_RESULTS: \"${{{{ steps.{id}.outputs.result }}}}\"\n",
            id.to_uppercase(),
        ));
    }
    out.push_str(&format!(
        "        with:\n          runners: {}\n",
        steps.join(",")
    ));
    out
}

/// `unit NAME/UNIT [--units FILE]`: exit 0 when that unit passed in the
/// last grading's results (written by `grade --units`).
pub fn unit(root: &Path, args: &[String]) -> Result<bool, String> {
    let args = Args::parse(args, &["units"], &["units"])?;
    let [which] = args.names.as_slice() else {
        return Err("usage: cargo xtask unit NAME/UNIT [--units FILE]".into());
    };
    let (name, unit) = which
        .split_once('/')
        .ok_or_else(|| format!("`{which}` is not NAME/UNIT (e.g. spinlock/invariants)"))?;
    let file = root.join(args.value("units").unwrap_or(UNITS_FILE));
    let text = std::fs::read_to_string(&file).map_err(|e| {
        format!(
            "{}: {e} (run `cargo xtask grade --units FILE` first)",
            file.display()
        )
    })?;
    let doc: serde_json::Value =
        serde_json::from_str(&text).map_err(|e| format!("{}: {e}", file.display()))?;
    let entry = &doc[name][unit];
    if entry.is_null() {
        return Err(format!(
            "{}: no unit `{unit}` of exercise `{name}`",
            file.display()
        ));
    }
    let passed = entry["passed"].as_bool() == Some(true);
    if passed {
        println!("{name}/{unit}: passed");
    } else {
        println!(
            "{name}/{unit}: not passed — {}",
            entry["why"].as_str().unwrap_or("")
        );
    }
    Ok(passed)
}
