//! Decide which file each exercise's module is compiled from.
//!
//! Every exercise is a module of the crate whose source is
//! `solutions/<name>.rs` in a plain build. The grader builds the crate once
//! per graded exercise with the student's file *in place of* the reference:
//!
//! * `PROCLAB_STUDENT` — the exercise whose module comes from the student's
//!   file (e.g. `spinlock`); a comma-separated list swaps several at once,
//!   for a student trying their files together;
//! * `PROCLAB_STUDENT_DIR` — where those files are (default `exercises/`);
//! * `PROCLAB_HIDDEN_DIR` — a teacher's hidden tests, compiled into the
//!   `hidden` test target (see `hidden_tests` below).
//!
//! For every `solutions/<name>.rs` this script writes
//! `$OUT_DIR/exercises/<name>.rs`, one `mod` item naming the file to
//! compile; the crate's `exercise!` macro includes it where the module
//! belongs. A swapped exercise's reference is therefore not compiled at
//! all: nothing in that build — the library, the tests, the student's own
//! file — can name it, and everywhere the library uses the exercise it uses
//! the student's code. Only the proclab crate is rebuilt when the selection
//! changes; dependencies are not, which is why this is a build script and
//! not `RUSTFLAGS`.

use std::env;
use std::fmt::Write as _;
use std::path::{Path, PathBuf};

fn main() {
    println!("cargo::rerun-if-changed=build.rs");
    println!("cargo::rerun-if-changed=solutions");
    println!("cargo::rerun-if-env-changed=PROCLAB_STUDENT");
    println!("cargo::rerun-if-env-changed=PROCLAB_STUDENT_DIR");
    println!("cargo::rerun-if-env-changed=PROCLAB_HIDDEN_DIR");

    let root =
        PathBuf::from(env::var("CARGO_MANIFEST_DIR").expect("cargo sets CARGO_MANIFEST_DIR"));
    let out_dir = PathBuf::from(env::var("OUT_DIR").expect("cargo sets OUT_DIR"));
    let student_dir = match env::var("PROCLAB_STUDENT_DIR") {
        Ok(d) if !d.is_empty() => root.join(d),
        _ => root.join("exercises"),
    };
    let exercises = exercise_names(&root.join("solutions"));
    let selected = env::var("PROCLAB_STUDENT").unwrap_or_default();
    let selected: Vec<&str> = selected
        .split(',')
        .map(str::trim)
        .filter(|n| !n.is_empty())
        .collect();
    for name in &selected {
        if !exercises.iter().any(|e| e == name) {
            panic!(
                "PROCLAB_STUDENT: `{name}` is not an exercise (one of: {})",
                exercises.join(", ")
            );
        }
    }

    let modules = out_dir.join("exercises");
    std::fs::create_dir_all(&modules).expect("create $OUT_DIR/exercises");
    let mut built_student = vec![];
    for name in &exercises {
        let reference = root.join("solutions").join(format!("{name}.rs"));
        // A student's file identical to the reference compiles to the same
        // crate: build it as the reference, so that grading the solutions
        // reuses one build instead of making one per exercise.
        let swapped = selected.contains(&name.as_str()) && {
            let file = student_file(&student_dir, name);
            println!("cargo::rerun-if-changed={}", file.display());
            std::fs::read(&file).ok() != std::fs::read(&reference).ok()
        };
        let file = if swapped {
            built_student.push(name.as_str());
            student_file(&student_dir, name)
        } else {
            reference
        };
        let mut item = String::new();
        if swapped {
            // A stub full of `todo!()` has unused variables and unreachable
            // code by design.
            item.push_str("#[allow(unused, unreachable_code, dead_code)]\n");
        }
        // `{:?}` writes the path as a Rust string literal (quotes, escapes).
        writeln!(
            item,
            "#[path = {:?}]\npub mod {name};",
            file.display().to_string()
        )
        .expect("writing to a String cannot fail");
        write_if_changed(&modules.join(format!("{name}.rs")), &item);
    }
    // Let failure reports say how to rebuild exactly this selection: from
    // the student's own folder when the grader compiled a copy of it.
    println!("cargo::rerun-if-env-changed=PROCLAB_STUDENT_ORIGIN");
    let origin = match env::var("PROCLAB_STUDENT_ORIGIN") {
        _ if built_student.is_empty() => String::new(),
        Ok(dir) => dir,
        Err(_) => student_dir.display().to_string(),
    };
    println!(
        "cargo::rustc-env=PROCLAB_BUILT_STUDENT={}",
        built_student.join(",")
    );
    println!("cargo::rustc-env=PROCLAB_BUILT_STUDENT_DIR={origin}");
    write_if_changed(&out_dir.join("hidden.rs"), &hidden_tests(&exercises));
}

/// Write `text` to `path` unless it already holds it: cargo rebuilds what
/// includes a file whose modification time changed.
fn write_if_changed(path: &Path, text: &str) {
    if std::fs::read_to_string(path).ok().as_deref() != Some(text) {
        std::fs::write(path, text).unwrap_or_else(|e| panic!("{}: {e}", path.display()));
    }
}

/// The exercises: one per `solutions/<name>.rs`, sorted.
fn exercise_names(solutions: &Path) -> Vec<String> {
    let mut names: Vec<String> = std::fs::read_dir(solutions)
        .unwrap_or_else(|e| panic!("{}: {e}", solutions.display()))
        .filter_map(|entry| {
            let name = entry.ok()?.file_name().into_string().ok()?;
            name.strip_suffix(".rs").map(str::to_string)
        })
        .collect();
    names.sort();
    for name in &names {
        assert!(
            is_module_name(name),
            "solutions/{name}.rs: an exercise is named like a module (lowercase letters, digits, `_`)"
        );
    }
    names
}

fn is_module_name(name: &str) -> bool {
    !name.is_empty()
        && name
            .chars()
            .all(|c| c.is_ascii_lowercase() || c.is_ascii_digit() || c == '_')
}

/// The student's file for `name`: a regular file, never a symlink (a link
/// to `solutions/` would compile the reference under the student's name).
fn student_file(dir: &Path, name: &str) -> PathBuf {
    let file = dir.join(format!("{name}.rs"));
    match std::fs::symlink_metadata(&file) {
        Ok(meta) if meta.file_type().is_file() => file,
        Ok(_) => panic!(
            "PROCLAB_STUDENT: {} is not a regular file (a symlink?): a submission is copied, never linked",
            file.display()
        ),
        Err(e) => panic!("PROCLAB_STUDENT: {}: {e}", file.display()),
    }
}

/// A teacher's hidden tests: each `<exercise>.rs` in `PROCLAB_HIDDEN_DIR`
/// becomes `mod <exercise>` of the `hidden` test target (tests/hidden.rs),
/// so its tests are named `<exercise>::…` and the grader knows whose they
/// are.
fn hidden_tests(exercises: &[String]) -> String {
    let Ok(dir) = env::var("PROCLAB_HIDDEN_DIR") else {
        return String::new();
    };
    if dir.is_empty() {
        return String::new();
    }
    let dir = PathBuf::from(dir);
    println!("cargo::rerun-if-changed={}", dir.display());
    let mut out = String::new();
    for name in exercises {
        let file = dir.join(format!("{name}.rs"));
        if !file.is_file() {
            continue;
        }
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
