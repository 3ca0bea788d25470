//! The GitHub Classroom workflow, generated from `course.toml` so that it
//! always has one grading step per exercise (`cargo xtask exercises`
//! writes it; `--check` fails when it is stale).

use crate::manifest::Course;

/// Where the workflow lives in the repository.
pub const PATH: &str = "teaching/github-classroom.yml";

/// Everything before the per-exercise steps.
const HEAD: &str = r#"# GitHub Classroom autograding for a proclab assignment.
# Copy to .github/workflows/classroom.yml in the assignment template
# repository (the proclab repository with exercises/ as students start it).
# Generated from course.toml by `cargo xtask exercises`; do not edit by hand.
# Each exercise is one command-grader test: full points when
# `cargo xtask grade NAME --expect full` exits 0, i.e. every test of NAME
# passes in the std, loom and shuttle worlds. The JUnit report is kept as an
# artifact so students can read every failing invariant.
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
      - name: Build the three worlds once
        run: cargo xtask grade --junit target/grade.xml || true
"#;

/// The workflow for `course`.
pub fn workflow(course: &Course) -> String {
    let mut out = String::from(HEAD);
    for ex in &course.exercise {
        out.push_str(&format!(
            "      - name: {n}\n        id: {n}\n        uses: classroom-resources/autograding-command-grader@v1\n        with:\n          test-name: {n}\n          command: cargo xtask grade {n} --expect full\n          timeout: 10\n          max-score: {p}\n",
            n = ex.name,
            p = ex.points
        ));
    }
    out.push_str(
        "      - uses: actions/upload-artifact@v4\n        if: always()\n        with:\n          name: grade-report\n          path: target/grade.xml\n      - name: Autograding Reporter\n        uses: classroom-resources/autograding-grading-reporter@v1\n        env:\n",
    );
    for ex in &course.exercise {
        out.push_str(&format!(
            "          {}_RESULTS: \"${{{{ steps.{}.outputs.result }}}}\"\n",
            ex.name.to_uppercase(),
            ex.name
        ));
    }
    let names: Vec<&str> = course.exercise.iter().map(|e| e.name.as_str()).collect();
    out.push_str(&format!(
        "        with:\n          runners: {}\n",
        names.join(",")
    ));
    out
}
