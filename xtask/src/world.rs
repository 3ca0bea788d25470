//! The three worlds, and building one exercise of a submission in each.
//!
//! Every exercise is built on its own: the crate compiled with the
//! student's file as that exercise's module and the reference for every
//! other (`PROCLAB_STUDENT`, read by `build.rs`), plus that exercise's test
//! target. So the graded exercise's reference is not in the build, and one
//! exercise's compile error or bug never reaches another's grade.
//! Dependencies are never rebuilt: the selection reaches only the proclab
//! crate.

use crate::sandbox;
use crate::workspace::Workspace;
use serde_json::Value;
use std::collections::BTreeMap;
use std::path::{Path, PathBuf};
use std::process::Command;
use std::time::Duration;

#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord)]
pub enum World {
    Std,
    Loom,
    Shuttle,
}

impl World {
    pub fn parse(name: &str) -> World {
        match name {
            "loom" => World::Loom,
            "shuttle" => World::Shuttle,
            _ => World::Std,
        }
    }

    pub fn name(self) -> &'static str {
        match self {
            World::Std => "std",
            World::Loom => "loom",
            World::Shuttle => "shuttle",
        }
    }

    /// Wall-clock limit for one test in this world.
    pub fn test_timeout(self) -> Duration {
        match self {
            // A hang detector only: correct code on a machine with a dozen
            // busy processes per core stays far below it.
            World::Std => Duration::from_secs(120),
            World::Loom | World::Shuttle => Duration::from_secs(300),
        }
    }
}

/// The test target that holds hidden tests.
pub const HIDDEN_TARGET: &str = "hidden";

/// What building one exercise produced.
pub enum Built {
    /// The exercise's test executable, and the hidden tests' if it has any.
    Tests {
        exe: PathBuf,
        hidden: Option<PathBuf>,
    },
    /// It does not compile: the compiler's messages, as a student reads them.
    Error(String),
}

/// Whose code a build compiles as the exercise's module.
#[derive(Clone, Copy, PartialEq, Eq)]
pub enum Code {
    /// The student's file, in place of the reference.
    Student,
    /// The course's reference: the build whose test binaries name the tests
    /// (`--list`), so no student code runs to say what will be graded.
    Course,
}

/// Build the crate with `code` as `exercise`'s module (see the crate's
/// `build.rs`), and that exercise's tests, in `world`, in the workspace's
/// copy. Each world has its own target folder under `target/grade/`, so
/// grading never touches the developer's own builds, nor replaces the
/// binaries their tests run; the course's build and the student's share
/// it, incremental compilation redoing only the module that differs.
pub fn build(ws: &Workspace, world: World, exercise: &str, code: Code) -> Result<Built, String> {
    let target = world.name();
    let student = if code == Code::Student { exercise } else { "" };
    let mut cmd = Command::new(std::env::var("CARGO").unwrap_or_else(|_| "cargo".into()));
    sandbox::clean_env(&mut cmd)
        .current_dir(&ws.dir)
        .args(["test", "--no-run", "--message-format=json", "--target-dir"])
        .arg(ws.root.join("target/grade").join(target))
        .env("PROCLAB_STUDENT", student)
        .env("PROCLAB_STUDENT_DIR", &ws.exercises)
        .env("PROCLAB_STUDENT_ORIGIN", &ws.origin)
        // Always set (empty = none), so the build script sees the same state.
        .env(
            "PROCLAB_HIDDEN_DIR",
            ws.hidden.as_deref().unwrap_or(Path::new("")),
        )
        .args(["--test", exercise]);
    match world {
        World::Std => {}
        World::Loom => {
            cmd.env("RUSTFLAGS", "--cfg loom").arg("--release");
        }
        World::Shuttle => {
            cmd.env("RUSTFLAGS", "--cfg shuttle").arg("--release");
        }
    }
    // Incremental release builds: one exercise's module changes between
    // two builds, so rustc redoes that module's code, not the crate's (a
    // build then takes a second or two instead of ten). The optimisation
    // level, and so how fast the model checkers run, stays the same.
    cmd.args(["--config", "profile.release.incremental=true"]);
    let has_hidden = ws
        .hidden
        .as_ref()
        .is_some_and(|h| h.join(format!("{exercise}.rs")).is_file());
    if has_hidden {
        cmd.args(["--test", HIDDEN_TARGET]);
    }
    let output = cmd
        .output()
        .map_err(|e| format!("cannot run cargo for the {} world: {e}", world.name()))?;
    let stdout = String::from_utf8_lossy(&output.stdout);
    let mut executables: BTreeMap<String, PathBuf> = BTreeMap::new();
    let mut errors: Vec<String> = vec![];
    for line in stdout.lines() {
        let Ok(msg) = serde_json::from_str::<Value>(line) else {
            continue;
        };
        match msg["reason"].as_str() {
            Some("compiler-artifact") => {
                let target = &msg["target"];
                let is_test = target["kind"]
                    .as_array()
                    .is_some_and(|k| k.iter().any(|k| k == "test"));
                if let (true, Some(name), Some(exe)) =
                    (is_test, target["name"].as_str(), msg["executable"].as_str())
                {
                    executables.insert(name.to_string(), PathBuf::from(exe));
                }
            }
            Some("compiler-message") if msg["message"]["level"] == "error" => {
                let rendered = msg["message"]["rendered"].as_str().unwrap_or("");
                errors.push(shown_paths(rendered, ws));
            }
            _ => {}
        }
    }
    if !output.status.success() {
        if errors.is_empty() {
            let stderr = String::from_utf8_lossy(&output.stderr);
            let tail: Vec<&str> = stderr.lines().rev().take(15).collect();
            errors.push(shown_paths(
                &tail.into_iter().rev().collect::<Vec<_>>().join("\n"),
                ws,
            ));
        }
        return Ok(Built::Error(errors.join("\n")));
    }
    let exe = executables.remove(exercise).ok_or_else(|| {
        format!(
            "cargo built no test executable `{exercise}` in the {} world",
            world.name()
        )
    })?;
    Ok(Built::Tests {
        exe,
        hidden: executables.remove(HIDDEN_TARGET),
    })
}

/// Compiler output names the copy's files; show the student's.
fn shown_paths(text: &str, ws: &Workspace) -> String {
    let copy = format!("{}/", ws.exercises.display());
    let shown = format!("{}/", ws.origin.display());
    let copy_root = format!("{}/", ws.dir.display());
    text.replace(&copy, &shown).replace(&copy_root, "")
}
