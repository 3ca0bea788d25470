//! The three worlds, and building students' code in each.
//!
//! A build compiles the proclab crate with the selected exercises swapped
//! for the student's files (`PROCLAB_STUDENT`, `PROCLAB_STUDENT_DIR`, read
//! by `build.rs`) plus those exercises' test targets, and returns each test
//! executable. Dependencies are never rebuilt: the selection reaches only
//! the proclab crate. A compile error is charged to the exercise whose file
//! (or test target) it is in, and the build is retried without it, so one
//! broken exercise never zeroes another.

use serde_json::Value;
use std::collections::BTreeMap;
use std::path::{Path, PathBuf};
use std::process::Command;
use std::time::{Duration, Instant};

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

    /// The same command a person types to run this world's tests.
    fn cargo(self, root: &Path) -> Command {
        let mut cmd = Command::new(std::env::var("CARGO").unwrap_or_else(|_| "cargo".into()));
        cmd.current_dir(root)
            .args(["test", "--no-run", "--message-format=json"]);
        match self {
            World::Std => {
                cmd.env_remove("RUSTFLAGS");
            }
            World::Loom => {
                cmd.env("RUSTFLAGS", "--cfg loom")
                    .args(["--release", "--target-dir"])
                    .arg(root.join("target/loom"));
            }
            World::Shuttle => {
                cmd.env("RUSTFLAGS", "--cfg shuttle")
                    .args(["--release", "--target-dir"])
                    .arg(root.join("target/shuttle"));
            }
        }
        cmd
    }

    /// Wall-clock limit for one test in this world.
    pub fn test_timeout(self) -> Duration {
        match self {
            World::Std => Duration::from_secs(30),
            World::Loom | World::Shuttle => Duration::from_secs(120),
        }
    }
}

/// Where the code under grade comes from.
pub struct Sources {
    /// The student's exercise files (`<exercise>.rs`).
    pub dir: PathBuf,
    /// A teacher's hidden tests (`<exercise>.rs`), built as the `hidden`
    /// test target.
    pub hidden: Option<PathBuf>,
}

/// The test target that holds hidden tests.
pub const HIDDEN_TARGET: &str = "hidden";

/// What a build produced.
#[derive(Default)]
pub struct Built {
    /// Exercise name → its test executable.
    pub executables: BTreeMap<String, PathBuf>,
    /// Exercise name → the first compiler error charged to it.
    pub errors: BTreeMap<String, String>,
}

/// Build `exercises` (student versions from `dir`) and their tests in `world`.
pub fn build(
    root: &Path,
    world: World,
    exercises: &[String],
    src: &Sources,
) -> Result<Built, String> {
    let mut built = Built::default();
    let mut remaining: Vec<String> = exercises.to_vec();
    while !remaining.is_empty() {
        let started = Instant::now();
        let attempt = build_once(root, world, &remaining, src)?;
        eprintln!(
            "  {:<8} built {} exercise(s) in {:.1} s{}",
            world.name(),
            remaining.len(),
            started.elapsed().as_secs_f64(),
            if attempt.ok { "" } else { " (with errors)" }
        );
        if attempt.ok {
            built.executables = attempt.executables;
            break;
        }
        let charged: Vec<String> = attempt.errors.keys().cloned().collect();
        if charged.is_empty() {
            // Nothing points at a student's file: the failure is elsewhere.
            if remaining.len() > 1 {
                // Find the culprit one exercise at a time.
                for ex in &remaining {
                    let single = build(root, world, std::slice::from_ref(ex), src)?;
                    built.executables.extend(single.executables);
                    built.errors.extend(single.errors);
                }
                return Ok(built);
            }
            built
                .errors
                .insert(remaining[0].clone(), attempt.unattributed);
            break;
        }
        for ex in charged {
            remaining.retain(|r| *r != ex);
            built.errors.insert(ex.clone(), attempt.errors[&ex].clone());
        }
    }
    Ok(built)
}

struct Attempt {
    ok: bool,
    executables: BTreeMap<String, PathBuf>,
    errors: BTreeMap<String, String>,
    unattributed: String,
}

fn build_once(
    root: &Path,
    world: World,
    exercises: &[String],
    src: &Sources,
) -> Result<Attempt, String> {
    let mut cmd = world.cargo(root);
    cmd.env("PROCLAB_STUDENT", exercises.join(","))
        .env("PROCLAB_STUDENT_DIR", &src.dir)
        // Always set (empty = none), so the build script sees the same state.
        .env(
            "PROCLAB_HIDDEN_DIR",
            src.hidden.as_deref().unwrap_or(Path::new("")),
        );
    for ex in exercises {
        cmd.args(["--test", ex]);
    }
    if src.hidden.is_some() {
        cmd.args(["--test", HIDDEN_TARGET]);
    }
    let output = cmd
        .output()
        .map_err(|e| format!("cannot run cargo for the {} world: {e}", world.name()))?;
    let stdout = String::from_utf8_lossy(&output.stdout);
    let mut attempt = Attempt {
        ok: output.status.success(),
        executables: BTreeMap::new(),
        errors: BTreeMap::new(),
        unattributed: String::new(),
    };
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
                    attempt
                        .executables
                        .insert(name.to_string(), PathBuf::from(exe));
                }
            }
            Some("compiler-message") if msg["message"]["level"] == "error" => {
                let rendered = msg["message"]["rendered"]
                    .as_str()
                    .unwrap_or("")
                    .to_string();
                match charge(&msg, exercises, src) {
                    Some(ex) => {
                        attempt.errors.entry(ex).or_insert(rendered);
                    }
                    None if attempt.unattributed.is_empty() => attempt.unattributed = rendered,
                    None => {}
                }
            }
            _ => {}
        }
    }
    if !attempt.ok && attempt.errors.is_empty() && attempt.unattributed.is_empty() {
        let stderr = String::from_utf8_lossy(&output.stderr);
        let tail: Vec<&str> = stderr.lines().rev().take(15).collect();
        attempt.unattributed = tail.into_iter().rev().collect::<Vec<_>>().join("\n");
    }
    Ok(attempt)
}

/// The exercise a compiler error belongs to: the test target being
/// compiled, or the student file a span points into.
fn charge(msg: &Value, exercises: &[String], src: &Sources) -> Option<String> {
    let target = msg["target"]["name"].as_str().unwrap_or("");
    let is_test = msg["target"]["kind"]
        .as_array()
        .is_some_and(|k| k.iter().any(|k| k == "test"));
    if is_test && exercises.iter().any(|e| e == target) {
        return Some(target.to_string());
    }
    let spans = msg["message"]["spans"].as_array()?;
    spans.iter().find_map(|span| {
        let file = Path::new(span["file_name"].as_str()?);
        let dirs = std::iter::once(src.dir.as_path()).chain(src.hidden.as_deref());
        let in_dirs = dirs.filter(|d| file.starts_with(d)).count() > 0;
        exercises
            .iter()
            .find(|ex| {
                in_dirs && file.file_name() == Some(std::ffi::OsStr::new(&format!("{ex}.rs")))
            })
            .cloned()
    })
}
