//! Course tooling for proclab, run as `cargo xtask <command>`.
//!
//! * `exercises [--check]` — write `exercises/` from `solutions/` (or check
//!   that it is up to date and that `course.toml` agrees with the crate);
//! * `grade [NAME…] [--solutions | --dir DIR] [--expect full|stubs]` —
//!   grade exercises in every world and print the course table;
//! * `bugs [NAME…]` — prove every planted bug is rejected by its tests;
//! * `book [--built DIR]` — check the book's chapters against the course
//!   and the built book's links.

mod book;
mod bugs;
mod cheats;
mod classroom;
mod exercises;
mod grade;
mod hog;
mod hostile;
mod legality;
mod listing;
mod manifest;
mod report;
mod run;
mod sandbox;
mod score;
mod student;
mod workspace;
mod world;

use std::path::PathBuf;
use std::process::ExitCode;

const USAGE: &str = "\
usage: cargo xtask <command>

  grade [NAME...] [--solutions | --dir DIR] [--expect full|stubs]
        [--gradescope FILE] [--junit FILE] [--max-procs N] [--worlds W,W]
        [--timeout SECONDS]
        [--hidden DIR [--hidden-visibility hidden|after_due_date|after_published]]
        Grade exercises (all by default) in the std, loom and shuttle worlds
        and print the course table; optionally also write Gradescope's
        results.json and a JUnit XML report. Each test runs in its own
        process group with wall-clock, CPU-time, file-size and output
        limits; --max-procs also caps processes (RLIMIT_NPROC, per user).
        --hidden adds a teacher's tests (DIR/<exercise>.rs), counted in the
        exercise's points and marked with the given Gradescope visibility. Grades `exercises/` unless --solutions
        (the reference code) or --dir. Exit status 0 only when every graded
        exercise has full marks, or with --expect, when the result is what
        it names (stubs: every test fails on a todo!, none on anything else).
  hint NAME [--reset]
        Show the next hint of NAME's ladder (one more each time).
  watch NAME
        Grade NAME again each time exercises/NAME.rs is saved.
  progress
        Each exercise's score at its last grading.
  solution NAME
        Print the reference solution, once NAME is passed.
  bugs [NAME...]
        Build every planted bug from course.toml and prove the exercise's own
        tests reject it (in the worlds its `caught_by` names).
  cheats
        Grade cheating submissions (reusing the reference, #[path] and
        include!, a symlink, world or harness detection, forged output,
        constructors, a daemon that rewrites results, reading the hidden
        tests, rewriting the tests) and prove each scores 0 while the
        neighbouring exercise keeps every test and nothing is left running.
  unit NAME/UNIT [--units FILE]
        Exit 0 when that scoring unit (invariants, behaviour) passed in the
        results `grade --units FILE` wrote (GitHub Classroom's steps).
  hostile
        Grade hostile submissions (infinite loop, deadlock, panic in Drop,
        exit(0), fork bomb, stack overflow, 100 MB of output, no compile)
        and prove each is contained.
  hog [--per-core N] [--runs R] [--loaded-worlds W,W] [-- GRADE-ARGS...]
        Grade the reference solutions once on a quiet machine (building
        everything), then R times in a row (default 3) while N busy loops
        per core (default 6) load the machine, and print each run's score,
        time and load average: a correct submission must keep full marks on
        a slow, shared grader. GRADE-ARGS (exercise names, --worlds std,
        --gradescope FILE, ...) are passed to `grade`; the runs under load
        write no reports and, with --loaded-worlds, grade only those worlds.
        The busy loops are killed when it ends, however it ends. Exit status
        0 only if every run had full marks (with --worlds: every test
        passed, and only the worlds left out cost points).
  book [--built DIR]
        Check every exercise's chapter against course.toml (listed in
        SUMMARY.md; Goal, Background, Invariants, Hints, Grading, Bug zoo in
        order; the generated hint ladder; every planted bug named, one shown
        with what the checker printed), then every link and anchor of the
        built book (default book/build; run `mdbook build book` first).
  exercises [--check]
        Regenerate exercises/ from solutions/, or with --check fail if they
        differ or course.toml disagrees with the crate.
";

fn main() -> ExitCode {
    let args: Vec<String> = std::env::args().skip(1).collect();
    let root = project_root();
    let result = match args.first().map(String::as_str) {
        Some("grade") => grade::main(&root, &args[1..]),
        Some("book") => book::main(&root, &args[1..]),
        Some("bugs") => bugs::main(&root, &args[1..]),
        Some("hostile") => hostile::main(&root, &args[1..]),
        Some("cheats") => cheats::main(&root, &args[1..]),
        Some("hog") => hog::main(&root, &args[1..]),
        Some("exercises") => exercises::main(&root, &args[1..]),
        Some("hint") => student::hint(&root, &args[1..]),
        Some("watch") => student::watch(&root, &args[1..]),
        Some("progress") => student::progress(&root, &args[1..]),
        Some("unit") => classroom::unit(&root, &args[1..]),
        Some("solution") => student::solution(&root, &args[1..]),
        Some("help" | "--help" | "-h") => {
            print!("{USAGE}");
            Ok(true)
        }
        Some(other) => Err(format!("unknown command `{other}`\n\n{USAGE}")),
        None => Err(USAGE.to_string()),
    };
    match result {
        Ok(true) => ExitCode::SUCCESS,
        Ok(false) => ExitCode::FAILURE,
        Err(message) => {
            eprintln!("xtask: {message}");
            ExitCode::from(2)
        }
    }
}

/// The workspace root: the parent of this crate's directory.
fn project_root() -> PathBuf {
    let here = PathBuf::from(env!("CARGO_MANIFEST_DIR"));
    here.parent()
        .expect("xtask lives inside the workspace")
        .to_path_buf()
}

/// Split arguments into exercise names and `--flag [value]` options.
pub(crate) struct Args {
    pub names: Vec<String>,
    pub flags: Vec<(String, Option<String>)>,
}

impl Args {
    /// Parse `args`; `valued` lists the flags that take a value.
    pub fn parse(args: &[String], known: &[&str], valued: &[&str]) -> Result<Args, String> {
        let mut out = Args {
            names: vec![],
            flags: vec![],
        };
        let mut it = args.iter();
        while let Some(a) = it.next() {
            if let Some(flag) = a.strip_prefix("--") {
                if !known.contains(&flag) {
                    return Err(format!(
                        "unknown option `--{flag}` (known: {})",
                        known.join(", ")
                    ));
                }
                let value = if valued.contains(&flag) {
                    Some(
                        it.next()
                            .ok_or(format!("`--{flag}` needs a value"))?
                            .clone(),
                    )
                } else {
                    None
                };
                out.flags.push((flag.to_string(), value));
            } else {
                out.names.push(a.clone());
            }
        }
        Ok(out)
    }

    pub fn has(&self, flag: &str) -> bool {
        self.flags.iter().any(|(f, _)| f == flag)
    }

    pub fn value(&self, flag: &str) -> Option<&str> {
        self.flags
            .iter()
            .find(|(f, _)| f == flag)
            .and_then(|(_, v)| v.as_deref())
    }
}
