//! `cargo xtask cheats`: prove that a grade is earned by the submission's
//! own code — that no way of reusing the reference, reading what it must
//! not, or forging a verdict scores a point.
//!
//! Each case is a `tas_lock` submission that cheats, graded in the std
//! world beside an honest `spinlock` (the reference). Every case must leave
//! `tas_lock` with 0 points, `spinlock` with every test passed, nothing
//! running afterwards, and the results file as the grader wrote it.
//!
//! Most cases are refused by the legality check before anything is built.
//! The cases marked *unchecked* skip that check on purpose, to show that
//! the later defences hold by themselves: the verdict comes from libtest's
//! own log, `--list` and every test run in the sandbox, orphans are killed,
//! the copy of the course is restored when a test rewrites it, and (when
//! the grader is root) the hidden tests are unreadable to the tests' uid.

use crate::grade::{grade, Options, Sources};
use crate::manifest::{Course, Exercise};
use crate::run::Outcome;
use crate::world::World;
use crate::Args;
use std::path::Path;
use std::time::{Duration, Instant};

/// Where a case puts its code in `solutions/tas_lock.rs`.
#[derive(Clone, Copy)]
enum Site {
    /// The whole file is this text.
    File,
    /// Inside `lock()`'s solution region, instead of the reference code:
    /// lock() does nothing else, so only the cheat could earn a point.
    Lock,
    /// Inside `unlock()`'s solution region, instead of the reference store.
    Unlock,
    /// Outside every region, at the top of the file's items; lock()'s
    /// region is emptied as for `Lock`.
    Outside,
    /// The submission is a symlink to the reference.
    Symlink,
}

struct Case {
    name: &'static str,
    what: &'static str,
    site: Site,
    /// The code; `{RESULTS}`, `{HIDDEN}` and `{MARK}` are filled in.
    code: &'static str,
    /// Skip the legality check, to test the defences behind it.
    unchecked: bool,
}

const CASES: &[Case] = &[
    Case {
        name: "reuse-glob",
        what: "the whole file re-exports the reference",
        site: Site::File,
        code: "pub use crate::locks::tas_lock::*;\n",
        unchecked: false,
    },
    Case {
        name: "reuse-call",
        what: "lock() calls the exercise's module by its path",
        site: Site::Lock,
        code: "return crate::graded::tas_lock::RawTasLock::lock(self);",
        unchecked: false,
    },
    Case {
        name: "path-module",
        what: "a #[path] module compiles solutions/tas_lock.rs",
        site: Site::Outside,
        code: "#[path = \"../solutions/tas_lock.rs\"] mod reference;",
        unchecked: false,
    },
    Case {
        name: "include",
        what: "include! pastes the reference in",
        site: Site::Lock,
        code: "include!(\"../solutions/tas_lock.rs\");",
        unchecked: false,
    },
    Case {
        name: "symlink",
        what: "the submission file is a symlink to the reference",
        site: Site::Symlink,
        code: "",
        unchecked: false,
    },
    Case {
        name: "world-cfg",
        what: "Release only when loom is watching",
        site: Site::Unlock,
        code: "self.holder.store(0, if cfg!(loom) { Release } else { Relaxed });",
        unchecked: false,
    },
    Case {
        name: "harness-argv",
        what: "behaves only when argv has --exact (the grader's runs)",
        site: Site::Unlock,
        code: "if std::env::args().any(|a| a == \"--exact\") { self.holder.store(0, Release) } else { self.holder.store(0, Relaxed) }",
        unchecked: false,
    },
    Case {
        name: "harness-thread",
        what: "looks at the test thread's name",
        site: Site::Lock,
        code: "if std::thread::current().name().is_some_and(|n| n.contains(\"::\")) { return; }",
        unchecked: false,
    },
    Case {
        name: "forged-exit",
        what: "prints libtest's success line and exits 0",
        site: Site::Lock,
        code: "println!(\"test result: ok. 1 passed; 0 failed; 0 ignored\"); std::process::exit(0);",
        unchecked: false,
    },
    Case {
        name: "forged-exit-unchecked",
        what: "the same, past the legality check: libtest never logs the test",
        site: Site::Lock,
        code: "println!(\"test result: ok. 1 passed; 0 failed; 0 ignored\"); std::process::exit(0);",
        unchecked: true,
    },
    Case {
        name: "raw-stdout",
        what: "writes a success line to raw stdout",
        site: Site::Lock,
        code: "{ use std::io::Write; let _ = std::io::stdout().write_all(b\"test result: ok. 1 passed\\n\"); }",
        unchecked: false,
    },
    Case {
        name: "constructor",
        what: "an .init_array constructor that forges success before main",
        site: Site::Lock,
        code: CONSTRUCTOR,
        unchecked: false,
    },
    Case {
        name: "constructor-unchecked",
        what: "the same constructor, past the legality check (it runs in --list too)",
        site: Site::Outside,
        code: CONSTRUCTOR,
        unchecked: true,
    },
    Case {
        name: "list-daemon-unchecked",
        what: "a constructor leaves a daemon that rewrites the results file later",
        site: Site::Outside,
        code: DAEMON,
        unchecked: true,
    },
    Case {
        name: "hidden-read-build",
        what: "include_str! of the teacher's hidden test",
        site: Site::Lock,
        code: "panic!(\"{}\", include_str!(\"{HIDDEN}/tas_lock.rs\"));",
        unchecked: false,
    },
    Case {
        name: "hidden-read-run",
        what: "reads the hidden tests at run time and prints them",
        site: Site::Lock,
        code: READ_HIDDEN,
        unchecked: false,
    },
    Case {
        name: "tamper-tests",
        what: "rewrites the neighbour's tests to nothing",
        site: Site::Lock,
        code: TAMPER,
        unchecked: false,
    },
    Case {
        name: "tamper-tests-unchecked",
        what: "the same, past the legality check",
        site: Site::Lock,
        code: TAMPER,
        unchecked: true,
    },
    Case {
        name: "panic-hook",
        what: "silences every panic message",
        site: Site::Lock,
        code: "std::panic::set_hook(Box::new(|_| {}));",
        unchecked: false,
    },
    Case {
        name: "extern-block",
        what: "declares libc's exit itself",
        site: Site::Outside,
        code: "extern \"C\" { fn _exit(code: i32) -> !; }",
        unchecked: false,
    },
    Case {
        name: "new-item",
        what: "adds a helper function outside the regions",
        site: Site::Outside,
        code: "pub fn helper() -> usize { 1 }",
        unchecked: false,
    },
    Case {
        name: "world-size",
        what: "tells loom's atomics from std's by their size",
        site: Site::Unlock,
        code: "if std::mem::size_of::<AtomicUsize>() > 8 { self.holder.store(0, Release) } else { self.holder.store(0, Relaxed) }",
        unchecked: false,
    },
];

const CONSTRUCTOR: &str = r#"#[used]
#[link_section = ".init_array"]
static FORGE: extern "C" fn() = {
    extern "C" fn forge() {
        println!("{MARK}: test result: ok. 1 passed; 0 failed");
        std::process::exit(0);
    }
    forge
};"#;

const DAEMON: &str = r#"#[used]
#[link_section = ".init_array"]
static DAEMON: extern "C" fn() = {
    extern "C" fn daemon() {
        let _ = std::process::Command::new("/bin/sh")
            .arg("-c")
            .arg("setsid sh -c 'sleep 1; echo {MARK} > {RESULTS}' </dev/null >/dev/null 2>&1 &")
            .status();
    }
    daemon
};"#;

const READ_HIDDEN: &str = r#"if let Ok(dir) = std::fs::read_dir("hidden") {
    for entry in dir.flatten() {
        panic!("{}", std::fs::read_to_string(entry.path()).unwrap_or_default());
    }
}"#;

const TAMPER: &str = r##"let _ = std::fs::write("tests/spinlock.rs", "#[test] fn fine() {}");"##;

/// The results file's contents until the grader writes it.
const UNTOUCHED: &str = "not written yet";

/// What a hidden test holds that must never reach a report.
const SECRET: &str = "proclab-hidden-secret-7f3a";

pub fn main(root: &Path, args: &[String]) -> Result<bool, String> {
    Args::parse(args, &[], &[])?;
    let course = Course::load(root)?;
    let exercises = course.select(&["tas_lock".into(), "spinlock".into()])?;
    let solution =
        std::fs::read_to_string(root.join("solutions/tas_lock.rs")).map_err(|e| e.to_string())?;
    let base = root.join("target/cheats");
    let _ = std::fs::remove_dir_all(&base);
    let hidden = base.join("hidden");
    std::fs::create_dir_all(&hidden).map_err(|e| e.to_string())?;
    std::fs::write(
        hidden.join("tas_lock.rs"),
        format!("// {SECRET}\n#[test]\nfn hidden_secret() {{}}\n"),
    )
    .map_err(|e| e.to_string())?;
    let started_all = Instant::now();
    let mut report = vec![];
    let mut ok = true;
    for case in CASES {
        let dir = base.join(case.name);
        std::fs::create_dir_all(&dir).map_err(|e| e.to_string())?;
        let results_file = dir.join("results.json");
        let mark = format!("proclab-cheat-{}", case.name);
        let code = case
            .code
            .replace("{RESULTS}", &results_file.display().to_string())
            .replace("{HIDDEN}", &hidden.display().to_string())
            .replace("{MARK}", &mark);
        plant(root, &solution, case.site, &code, &dir.join("tas_lock.rs"))?;
        std::fs::copy(root.join("solutions/spinlock.rs"), dir.join("spinlock.rs"))
            .map_err(|e| e.to_string())?;
        eprintln!("cheat {}: {}", case.name, case.what);
        let started = Instant::now();
        let opts = Options {
            max_procs: Some(128),
            timeout: Some(Duration::from_secs(60)),
            skip_legality: case.unchecked,
            ..Options::default()
        };
        let src = Sources {
            dir: dir.clone(),
            hidden: Some(hidden.clone()),
        };
        std::fs::write(&results_file, UNTOUCHED).map_err(|e| e.to_string())?;
        let results = grade(root, &exercises, &src, &[World::Std], &opts)?;
        let touched = std::fs::read_to_string(&results_file).ok().as_deref() != Some(UNTOUCHED);
        let entries = crate::report::entries(&exercises, &results);
        let written = serde_json::to_string(&crate::report::gradescope(&entries, &|_| "visible"))
            .map_err(|e| e.to_string())?;
        std::fs::write(&results_file, &written).map_err(|e| e.to_string())?;
        let mut problems = judge(&exercises, &results, &written, &mark, &results_file);
        if touched {
            problems.push("the results file was written while the grader ran".into());
        }
        let verdict = if problems.is_empty() {
            "caught".to_string()
        } else {
            problems.join("; ")
        };
        ok &= problems.is_empty();
        let how = how_caught(&results["tas_lock"]);
        report.push(format!(
            "{:<24} {:>5.1} s  {verdict:<7} {how}",
            case.name,
            started.elapsed().as_secs_f64()
        ));
    }
    println!(
        "\n{:<24} {:>7}  verdict  how",
        "cheating submission", "time"
    );
    for line in &report {
        println!("{line}");
    }
    println!(
        "\n{} cheating submissions in {:.0} s: {}",
        CASES.len(),
        started_all.elapsed().as_secs_f64(),
        if ok {
            "each scored 0, the honest exercise kept every test, nothing was left running"
        } else {
            "NOT all caught"
        }
    );
    Ok(ok)
}

/// Write the cheating `tas_lock.rs` to `to`.
fn plant(root: &Path, solution: &str, site: Site, code: &str, to: &Path) -> Result<(), String> {
    let _ = std::fs::remove_file(to);
    let text = match site {
        Site::Symlink => {
            return std::os::unix::fs::symlink(root.join("solutions/tas_lock.rs"), to)
                .map_err(|e| e.to_string())
        }
        Site::File => code.to_string(),
        Site::Lock => replace_once(solution, LOCK_BODY, &format!("        {code}\n"))?,
        Site::Unlock => replace_once(
            solution,
            "        self.holder.store(0, Release);\n",
            &format!("        {code}\n"),
        )?,
        Site::Outside => replace_once(
            &replace_once(solution, LOCK_BODY, "")?,
            "/// Data protected by a [`RawTasLock`].\n",
            &format!("{code}\n\n/// Data protected by a [`RawTasLock`].\n"),
        )?,
    };
    std::fs::write(to, text).map_err(|e| e.to_string())
}

/// The reference code of lock()'s solution region.
const LOCK_BODY: &str = "        // Acquire on success: see what the previous holder wrote. Relaxed
        // on failure: a failed try takes nothing.
        while self
            .holder
            .compare_exchange(0, me, Acquire, Relaxed)
            .is_err()
        {
            spin_loop();
        }
";

fn replace_once(text: &str, anchor: &str, with: &str) -> Result<String, String> {
    match text.matches(anchor).count() {
        1 => Ok(text.replace(anchor, with)),
        n => Err(format!(
            "cheats: the anchor {anchor:?} occurs {n} times in solutions/tas_lock.rs, not once"
        )),
    }
}

/// Everything wrong with how a case was graded (empty: caught).
fn judge(
    exercises: &[Exercise],
    results: &std::collections::BTreeMap<String, crate::grade::Graded>,
    written: &str,
    mark: &str,
    results_file: &Path,
) -> Vec<String> {
    let mut problems = vec![];
    let cheat = &results["tas_lock"];
    let honest = &results["spinlock"];
    let score = cheat.score(&exercises[0]);
    if score != 0.0 {
        problems.push(format!("tas_lock scored {score:.1}, not 0"));
    }
    if !honest.all_passed_in(World::Std) || !honest.refused.is_empty() {
        problems.push("the honest spinlock did not keep every std test".into());
    }
    if written.contains(SECRET) {
        problems.push("the hidden test's text reached the report".into());
    }
    // A daemon would act within seconds: give it the chance.
    std::thread::sleep(Duration::from_millis(1500));
    if std::fs::read_to_string(results_file).ok().as_deref() != Some(written) {
        problems.push("the results file changed after the grader wrote it".into());
    }
    let left = std::process::Command::new("pgrep")
        .args(["-f", mark])
        .output()
        .map(|o| String::from_utf8_lossy(&o.stdout).trim().to_string())
        .unwrap_or_default();
    if !left.is_empty() {
        problems.push(format!("left running: pids {left}"));
        let _ = std::process::Command::new("pkill")
            .args(["-KILL", "-f", mark])
            .status();
    }
    problems
}

/// One line on what stopped the cheat.
fn how_caught(g: &crate::grade::Graded) -> String {
    let text = if let Some(r) = g.refused.first() {
        format!(
            "refused: {}",
            r.rsplit_once(".rs:").map_or(r.as_str(), |(_, r)| r)
        )
    } else if let Some(e) = g.compile_errors.values().next() {
        format!("does not compile: {}", e.lines().next().unwrap_or(""))
    } else {
        let failing = g
            .tests
            .values()
            .flatten()
            .find_map(|(_, o)| match o {
                Some(Outcome::Fail(why)) => Some(why.lines().next().unwrap_or("").to_string()),
                Some(Outcome::TimedOut(_)) => Some("timed out".into()),
                _ => None,
            })
            .unwrap_or_else(|| "no test listed".into());
        format!("tests fail: {failing}")
    };
    crate::report::shorten(&text.replace('\n', " "), 100)
}
