//! The student's loop: `hint`, `watch`, `progress`, `solution`.
//!
//! State lives under `target/proclab/`: how many hints of each exercise
//! were shown, and the scores of the last grading of the student's own
//! files (written by `grade`), which `progress` prints and `solution`
//! consults — the reference code is shown only for exercises already passed.

use crate::manifest::Course;
use crate::Args;
use std::collections::BTreeMap;
use std::path::{Path, PathBuf};
use std::time::{Duration, SystemTime};

fn state_dir(root: &Path) -> PathBuf {
    root.join("target/proclab")
}

/// Record the scores of a grading of `exercises/` (exercise → (points, max)).
pub fn record_scores(root: &Path, scores: &BTreeMap<String, (f64, u32)>) {
    let path = state_dir(root).join("scores.json");
    let mut all: BTreeMap<String, (f64, u32)> = std::fs::read_to_string(&path)
        .ok()
        .and_then(|t| serde_json::from_str(&t).ok())
        .unwrap_or_default();
    all.extend(scores.iter().map(|(k, v)| (k.clone(), *v)));
    let _ = std::fs::create_dir_all(state_dir(root));
    let _ = std::fs::write(path, serde_json::to_string_pretty(&all).unwrap_or_default());
}

fn scores(root: &Path) -> BTreeMap<String, (f64, u32)> {
    std::fs::read_to_string(state_dir(root).join("scores.json"))
        .ok()
        .and_then(|t| serde_json::from_str(&t).ok())
        .unwrap_or_default()
}

/// `hint NAME [--reset]`: the next hint of the ladder, and those before it.
pub fn hint(root: &Path, args: &[String]) -> Result<bool, String> {
    let args = Args::parse(args, &["reset"], &[])?;
    let [name] = args.names.as_slice() else {
        return Err("usage: cargo xtask hint NAME [--reset]".into());
    };
    let course = Course::load(root)?;
    let ex = course.select(std::slice::from_ref(name))?.remove(0);
    let counter = state_dir(root).join(format!("hints-{}", ex.name));
    let shown: usize = if args.has("reset") {
        0
    } else {
        std::fs::read_to_string(&counter)
            .ok()
            .and_then(|t| t.trim().parse().ok())
            .unwrap_or(0)
    };
    let now = (shown + 1).min(ex.hints.len());
    println!("{} — hint {now} of {}:", ex.title, ex.hints.len());
    for (i, h) in ex.hints.iter().take(now).enumerate() {
        println!("  {}. {h}", i + 1);
    }
    if now == ex.hints.len() {
        println!("(that was the last hint; the chapter is {})", ex.chapter);
    }
    let _ = std::fs::create_dir_all(state_dir(root));
    std::fs::write(&counter, now.to_string()).map_err(|e| e.to_string())?;
    Ok(true)
}

/// `progress`: each exercise's last score, from the last `grade`.
pub fn progress(root: &Path, _args: &[String]) -> Result<bool, String> {
    let course = Course::load(root)?;
    let scores = scores(root);
    let (mut got, mut max, mut done) = (0.0, 0, 0);
    let w = crate::manifest::name_width(course.exercise.iter().map(|e| e.name.as_str()), 16);
    println!("{:<w$} {:>12}  status", "exercise", "last grade");
    for ex in &course.exercise {
        let (status, points) = match scores.get(&ex.name) {
            Some(&(p, m)) if p >= f64::from(m) => {
                done += 1;
                ("passed", p)
            }
            Some(&(p, _)) => ("in progress", p),
            None => ("not graded yet", 0.0),
        };
        got += points;
        max += ex.points;
        println!(
            "{:<w$} {:>12}  {status}",
            ex.name,
            format!("{points:.1}/{}", ex.points)
        );
    }
    println!(
        "{done} of {} exercises passed, {got:.1}/{max} points",
        course.exercise.len()
    );
    Ok(true)
}

/// `solution NAME`: the reference code, once the exercise is passed.
pub fn solution(root: &Path, args: &[String]) -> Result<bool, String> {
    let args = Args::parse(args, &[], &[])?;
    let [name] = args.names.as_slice() else {
        return Err("usage: cargo xtask solution NAME".into());
    };
    let course = Course::load(root)?;
    let ex = course.select(std::slice::from_ref(name))?.remove(0);
    match scores(root).get(&ex.name) {
        Some(&(p, m)) if p >= f64::from(m) => {
            let text = std::fs::read_to_string(root.join("solutions").join(format!("{}.rs", ex.name)))
                .map_err(|e| e.to_string())?;
            print!("{text}");
            Ok(true)
        }
        _ => Err(format!(
            "the solution of `{}` is shown once you have passed it: run `cargo xtask grade {}` first",
            ex.name, ex.name
        )),
    }
}

/// `watch NAME`: grade NAME again whenever `exercises/NAME.rs` is saved.
pub fn watch(root: &Path, args: &[String]) -> Result<bool, String> {
    let args = Args::parse(args, &[], &[])?;
    let [name] = args.names.as_slice() else {
        return Err("usage: cargo xtask watch NAME".into());
    };
    let course = Course::load(root)?;
    course.select(std::slice::from_ref(name))?;
    let file = root.join("exercises").join(format!("{name}.rs"));
    let modified = |f: &Path| {
        std::fs::metadata(f)
            .and_then(|m| m.modified())
            .unwrap_or(SystemTime::UNIX_EPOCH)
    };
    let mut last = None;
    loop {
        let now = modified(&file);
        if last != Some(now) {
            last = Some(now);
            println!(
                "\n== grading {name} (Ctrl-C to stop watching {})",
                file.display()
            );
            crate::grade::main(root, std::slice::from_ref(name))?;
        }
        std::thread::sleep(Duration::from_millis(500));
    }
}
