//! `cargo xtask hostile`: prove the grader contains submissions that fight
//! it.
//!
//! Each case is the `spinlock` solution with hostile code planted at the top
//! of `lock()` (or `unlock()`), graded in the std world next to an intact
//! `ticket_lock`. Every case must score 0 on `spinlock` with a one-line
//! reason for every test, leave `ticket_lock` with full marks, and finish
//! within its time bound; nothing may be left running afterwards.

use crate::grade::Sources;
use crate::grade::{grade, Options};
use crate::manifest::Course;
use crate::run::Outcome;
use crate::world::World;
use crate::Args;
use std::path::Path;
use std::time::{Duration, Instant};

/// (name, what it does, anchor in solutions/spinlock.rs, code put after it)
const CASES: &[(&str, &str, &str, &str)] = &[
    (
        "infinite-loop",
        "lock() spins forever",
        LOCK,
        "loop { std::hint::spin_loop(); }",
    ),
    (
        "deadlock",
        "lock() parks forever",
        LOCK,
        "loop { std::thread::park(); }",
    ),
    (
        "panic-in-drop",
        "unlock(), called from the guard's Drop, panics",
        UNLOCK,
        "panic!(\"hostile: panic in unlock\");",
    ),
    (
        "exit-zero",
        "lock() exits the process with status 0",
        LOCK,
        "std::process::exit(0);",
    ),
    (
        "fork-bomb",
        "lock() starts processes until it cannot",
        LOCK,
        "loop { let _ = std::process::Command::new(\"/bin/sleep\").arg(\"600\").spawn(); }",
    ),
    (
        "stack-overflow",
        "lock() recurses without end",
        LOCK,
        "fn deep(n: u64) -> u64 { std::hint::black_box(n) + deep(n + 1) } deep(0);",
    ),
    (
        "output-flood",
        "lock() prints 100 MB, then returns without locking",
        LOCK,
        "let line = \"x\".repeat(999); for _ in 0..100_000 { println!(\"{line}\"); } return Default::default();",
    ),
    (
        "no-compile",
        "the file does not compile",
        LOCK,
        "let x: u32 = \"not a number\";",
    ),
];

/// Both `lock` and `try_lock` start with this line, so every test that
/// touches the lock runs the hostile code.
const LOCK: &str = "        check_not_held(self.holder.load(Relaxed), self.name);\n";
const UNLOCK: &str = "        check_held(self.holder.load(Relaxed), self.name);\n";

/// Per-test wall-clock limit here (hangs are what is being tested).
const TIMEOUT: Duration = Duration::from_secs(5);
/// Process cap (RLIMIT_NPROC; under a sandbox uid when the grader is root).
const MAX_PROCS: u64 = 128;
/// The most one case may take, builds included.
const CASE_BOUND: Duration = Duration::from_secs(120);

pub fn main(root: &Path, args: &[String]) -> Result<bool, String> {
    Args::parse(args, &[], &[])?;
    let course = Course::load(root)?;
    let exercises = course.select(&["spinlock".into(), "ticket_lock".into()])?;
    let solution =
        std::fs::read_to_string(root.join("solutions/spinlock.rs")).map_err(|e| e.to_string())?;
    // The hostile code sits outside the solution regions, where the
    // legality check would refuse it before it ever ran: these cases prove
    // the sandbox holds without that check.
    let opts = Options {
        max_procs: Some(MAX_PROCS),
        timeout: Some(TIMEOUT),
        skip_legality: true,
        ..Options::default()
    };
    let mut ok = true;
    let mut report = vec![];
    let started_all = Instant::now();
    for (name, what, anchor, code) in CASES {
        let dir = root.join("target/hostile").join(name);
        let _ = std::fs::remove_dir_all(&dir);
        std::fs::create_dir_all(&dir).map_err(|e| e.to_string())?;
        if !solution.contains(anchor) {
            return Err(format!(
                "hostile case `{name}`: its anchor is not in solutions/spinlock.rs"
            ));
        }
        let planted = solution.replace(anchor, &format!("{anchor}        {code}\n"));
        std::fs::write(dir.join("spinlock.rs"), planted).map_err(|e| e.to_string())?;
        std::fs::copy(
            root.join("solutions/ticket_lock.rs"),
            dir.join("ticket_lock.rs"),
        )
        .map_err(|e| e.to_string())?;
        eprintln!("hostile case {name}: {what}");
        let started = Instant::now();
        let src = Sources {
            dir: dir.clone(),
            hidden: None,
        };
        let results = grade(root, &exercises, &src, &[World::Std], &opts)?;
        let took = started.elapsed();

        let bad = &results["spinlock"];
        let good = &results["ticket_lock"];
        let mut problems = vec![];
        if bad.score(&exercises[0]) != 0.0 {
            problems.push(format!(
                "spinlock scored {:.1}, not 0",
                bad.score(&exercises[0])
            ));
        }
        let reasons: Vec<String> = if let Some(err) = bad.compile_errors.values().next() {
            vec![format!(
                "does not compile: {}",
                err.lines().next().unwrap_or("")
            )]
        } else {
            bad.tests
                .values()
                .flatten()
                .map(|(_, o)| match o {
                    Some(Outcome::Fail(why)) => why.clone(),
                    Some(Outcome::TimedOut(d)) => format!("timed out after {} s", d.as_secs()),
                    Some(Outcome::Pass) => "PASSED".into(),
                    None => "not run".into(),
                })
                .collect()
        };
        if reasons.is_empty() {
            problems.push("no test result for spinlock at all".into());
        }
        if let Some(r) = reasons
            .iter()
            .find(|r| r.lines().next().unwrap_or("").is_empty() || *r == "PASSED")
        {
            problems.push(format!(
                "a spinlock test has no one-line failure reason: {r:?}"
            ));
        }
        // Graded in the std world only, so "in full" is every std test.
        if !good.all_passed_in(World::Std) || !good.refused.is_empty() {
            problems.push("ticket_lock, untouched, did not pass every std test".into());
        }
        if took > CASE_BOUND {
            problems.push(format!(
                "took {:.0} s, over the {} s bound",
                took.as_secs_f64(),
                CASE_BOUND.as_secs()
            ));
        }
        let verdict = if problems.is_empty() {
            "contained".to_string()
        } else {
            problems.join("; ")
        };
        ok &= problems.is_empty();
        let sample = crate::report::shorten(reasons.first().map_or("", String::as_str), 90);
        report.push(format!(
            "{name:<15} {:>5.1} s  {verdict:<10}  e.g. {sample}",
            took.as_secs_f64()
        ));
    }
    println!("\n{:<15} {:>7}  verdict", "hostile case", "time");
    for line in &report {
        println!("{line}");
    }
    println!(
        "\n{} hostile submissions in {:.0} s: {}",
        CASES.len(),
        started_all.elapsed().as_secs_f64(),
        if ok {
            "each scored 0 with a reason, the other exercise was graded in full"
        } else {
            "NOT all contained"
        }
    );
    Ok(ok)
}
