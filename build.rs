//! Swap students' exercise files into the crate for grading.
//!
//! Plain builds compile only the reference code in `solutions/`. The grader
//! sets two variables:
//!
//! * `PROCLAB_STUDENT` — exercise names, comma-separated, to take from the
//!   student's files (e.g. `spinlock,ticket_lock`);
//! * `PROCLAB_STUDENT_DIR` — where those files are (default `exercises/`);
//! * `PROCLAB_HIDDEN_DIR` — a teacher's hidden tests, compiled into the
//!   `hidden` test target (see `hidden_tests` below).
//!
//! For each name this script declares `cfg(proclab_student = "NAME")` and
//! writes a `mod NAME` item pointing at `DIR/NAME.rs` into
//! `$OUT_DIR/student.rs`, which `src/graded.rs` includes. Only the proclab
//! crate itself is rebuilt when the selection changes; dependencies are not,
//! which is why this is a build script and not `RUSTFLAGS`.

use std::env;
use std::fmt::Write as _;
use std::path::PathBuf;

fn main() {
    println!("cargo::rerun-if-changed=build.rs");
    println!("cargo::rerun-if-env-changed=PROCLAB_STUDENT");
    println!("cargo::rerun-if-env-changed=PROCLAB_STUDENT_DIR");
    println!("cargo::rerun-if-env-changed=PROCLAB_HIDDEN_DIR");
    println!("cargo::rustc-check-cfg=cfg(proclab_student, values(any()))");

    let root =
        PathBuf::from(env::var("CARGO_MANIFEST_DIR").expect("cargo sets CARGO_MANIFEST_DIR"));
    let dir = match env::var("PROCLAB_STUDENT_DIR") {
        Ok(d) if !d.is_empty() => root.join(d),
        _ => root.join("exercises"),
    };
    let selected = env::var("PROCLAB_STUDENT").unwrap_or_default();

    let mut modules = String::new();
    for name in selected.split(',').map(str::trim).filter(|n| !n.is_empty()) {
        if !name
            .chars()
            .all(|c| c.is_ascii_lowercase() || c.is_ascii_digit() || c == '_')
        {
            panic!("PROCLAB_STUDENT: `{name}` is not an exercise name (lowercase letters, digits, `_`)");
        }
        println!("cargo::rustc-cfg=proclab_student=\"{name}\"");
        let file = dir.join(format!("{name}.rs"));
        // `{:?}` writes the path as a Rust string literal (quotes, escapes).
        writeln!(
            modules,
            "#[path = {:?}]\npub mod {name};",
            file.display().to_string()
        )
        .expect("writing to a String cannot fail");
    }
    // Let failure reports say how to rebuild exactly this selection.
    println!("cargo::rustc-env=PROCLAB_BUILT_STUDENT={selected}");
    println!(
        "cargo::rustc-env=PROCLAB_BUILT_STUDENT_DIR={}",
        dir.display()
    );
    let out_dir = PathBuf::from(env::var("OUT_DIR").expect("cargo sets OUT_DIR"));
    std::fs::write(out_dir.join("student.rs"), modules).expect("write $OUT_DIR/student.rs");
    std::fs::write(out_dir.join("hidden.rs"), hidden_tests(&selected))
        .expect("write $OUT_DIR/hidden.rs");
}

/// A teacher's hidden tests: each `<exercise>.rs` in `PROCLAB_HIDDEN_DIR`
/// whose exercise is selected becomes `mod <exercise>` of the `hidden` test
/// target (tests/hidden.rs), so its tests are named `<exercise>::…` and the
/// grader knows whose they are. Only selected exercises: when the grader
/// drops an exercise that does not compile, its hidden tests go with it.
fn hidden_tests(selected: &str) -> String {
    let Ok(dir) = env::var("PROCLAB_HIDDEN_DIR") else {
        return String::new();
    };
    if dir.is_empty() {
        return String::new();
    }
    let dir = PathBuf::from(dir);
    println!("cargo::rerun-if-changed={}", dir.display());
    let mut names: Vec<String> = std::fs::read_dir(&dir)
        .unwrap_or_else(|e| panic!("PROCLAB_HIDDEN_DIR={}: {e}", dir.display()))
        .filter_map(|entry| {
            let name = entry.ok()?.file_name().into_string().ok()?;
            name.strip_suffix(".rs").map(str::to_string)
        })
        .collect();
    names.sort();
    let selected: Vec<&str> = selected.split(',').map(str::trim).collect();
    let mut out = String::new();
    for name in names.into_iter().filter(|n| selected.contains(&n.as_str())) {
        if !name
            .chars()
            .all(|c| c.is_ascii_lowercase() || c.is_ascii_digit() || c == '_')
        {
            panic!("PROCLAB_HIDDEN_DIR: `{name}.rs` is not named after an exercise");
        }
        let file = dir.join(format!("{name}.rs"));
        println!("cargo::rerun-if-changed={}", file.display());
        writeln!(
            out,
            "#[path = {:?}]\nmod {name};",
            file.display().to_string()
        )
        .expect("writing to a String cannot fail");
    }
    out
}
