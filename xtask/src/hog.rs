//! `cargo xtask hog`: grade the reference solutions on a machine kept busy
//! on purpose.
//!
//! A correct submission must never lose a point because the grading
//! machine is slow or shared. This command makes the machine that slow:
//! it grades the solutions once on a quiet machine (which builds every
//! exercise), then starts busy loops (by default 6 per core, a load average
//! of about 12 on 2 cores, as a shared grader was seen at), lets them take
//! hold, and runs `cargo xtask grade --solutions --expect full` several
//! times in a row, printing each run's score, time and load average. Every run must
//! give full marks — or, when the arguments passed on to `grade` restrict
//! its worlds (`--worlds std`), every test must pass and only the worlds
//! left out may cost points.
//!
//! The busy loops are child processes (`sh -c 'while :; do :; done'`) in a
//! process group of their own. A guard kills and reaps them when the
//! command ends, however it ends (an error, a panic); and each asks the
//! kernel to kill it when this process dies (`PR_SET_PDEATHSIG`), which
//! covers what no destructor sees: a SIGKILL, or a Ctrl-C (the loops'
//! own group is out of the terminal's reach). None is ever left running.

use crate::Args;
use std::os::unix::process::CommandExt;
use std::path::{Path, PathBuf};
use std::process::{Child, Command, Stdio};
use std::time::{Duration, Instant};

/// Busy loops per core, unless `--per-core` says otherwise.
const DEFAULT_PER_CORE: usize = 6;
/// Grading runs, unless `--runs` says otherwise.
const DEFAULT_RUNS: usize = 3;
/// How long the loops run before the first grading starts.
const SETTLE: Duration = Duration::from_secs(3);

pub fn main(root: &Path, args: &[String]) -> Result<bool, String> {
    // Everything after `--` goes to `grade` as it is.
    let (own, extra) = match args.iter().position(|a| a == "--") {
        Some(i) => (&args[..i], &args[i + 1..]),
        None => (args, &[][..]),
    };
    const VALUED: &[&str] = &["per-core", "runs", "loaded-worlds"];
    let parsed = Args::parse(own, VALUED, VALUED)?;
    let number = |flag: &str, default: usize| -> Result<usize, String> {
        match parsed.value(flag) {
            None => Ok(default),
            Some(v) => match v.parse::<usize>() {
                Ok(n) if n > 0 => Ok(n),
                _ => Err(format!("--{flag} takes a whole number above 0, not `{v}`")),
            },
        }
    };
    let per_core = number("per-core", DEFAULT_PER_CORE)?;
    let runs = number("runs", DEFAULT_RUNS)?;
    // Exercise names before `--` are passed on too, ahead of the rest.
    let passed_on: Vec<String> = parsed.names.iter().chain(extra).cloned().collect();
    // The runs under load write no report of the caller's (the warm-up's
    // stay as they are) and, with `--loaded-worlds`, grade only those.
    let mut loaded_on = without_reports(&passed_on);
    if let Some(worlds) = parsed.value("loaded-worlds") {
        loaded_on.retain_worlds(worlds);
    }
    let loaded_on = loaded_on.0;

    let reports = root.join("target/hog");
    std::fs::create_dir_all(&reports).map_err(|e| format!("{}: {e}", reports.display()))?;
    // One grading before the loops start: it builds every exercise, so the
    // runs under load rebuild nothing and measure what load does to tests
    // (the point) rather than to the compiler; it must give full marks too.
    println!("\nhog: warm-up run without busy loops (builds what the runs under load reuse)");
    let (warm_ok, warm_line) = one_run(root, "warm-up", &passed_on, &reports)?;
    println!("hog: {warm_line}");

    let cores = std::thread::available_parallelism().map_or(1, |n| n.get());
    let hogs = Hogs::start(per_core * cores)?;
    println!(
        "hog: {} busy loop(s) ({per_core} per core, {cores} core(s)); grading starts in {} s",
        hogs.len(),
        SETTLE.as_secs()
    );
    std::thread::sleep(SETTLE);
    println!("hog: load average now {}", load_average());

    let mut lines = vec![warm_line];
    let mut all_full = warm_ok;
    for run in 1..=runs {
        // `hogs` drops on an early return: every loop killed and reaped.
        let (ok, line) = one_run(root, &format!("{run}/{runs}"), &loaded_on, &reports)?;
        all_full &= ok;
        println!("hog: {line}");
        lines.push(line);
    }
    drop(hogs);

    println!(
        "\nhog: {runs} grading run(s) of the solutions under {per_core} busy loop(s) per core:"
    );
    for line in &lines {
        println!("  {line}");
    }
    println!(
        "hog: {}",
        if all_full {
            "every run had full marks"
        } else {
            "NOT every run had full marks: a correct submission lost points to a busy machine"
        }
    );
    Ok(all_full)
}

/// What a grading run's Gradescope report says.
struct Report {
    score: f64,
    max: f64,
    /// Tests run (entries named `exercise/world/test`) and how many passed.
    tests: usize,
    passed: usize,
    /// Why each unit of points that failed did (entries `exercise/unit`).
    failed_units: Vec<String>,
}

impl Report {
    fn read(path: &Path) -> Option<Report> {
        let json: serde_json::Value =
            serde_json::from_str(&std::fs::read_to_string(path).ok()?).ok()?;
        let mut report = Report {
            score: json["score"].as_f64()?,
            max: 0.0,
            tests: 0,
            passed: 0,
            failed_units: Vec::new(),
        };
        for entry in json["tests"].as_array()? {
            report.max += entry["max_score"].as_f64().unwrap_or(0.0);
            let passed = entry["status"] == "passed";
            if entry["name"].as_str()?.split('/').count() >= 3 {
                report.tests += 1;
                report.passed += usize::from(passed);
            } else if !passed {
                report
                    .failed_units
                    .push(entry["output"].as_str().unwrap_or("").to_string());
            }
        }
        Some(report)
    }

    /// Every test that ran passed, and every unit of points lost was lost
    /// only to a world the run did not grade.
    fn full_for_worlds_graded(&self) -> bool {
        self.tests > 0
            && self.passed == self.tests
            && self
                .failed_units
                .iter()
                .all(|why| why.contains("was not graded in this run"))
    }

    fn summary(&self) -> String {
        format!(
            "{:.1}/{:.0} points, {}/{} tests passed",
            self.score, self.max, self.passed, self.tests
        )
    }
}

/// The three load averages of /proc/loadavg, and its running/total
/// scheduling entities.
fn load_average() -> String {
    std::fs::read_to_string("/proc/loadavg")
        .map(|s| s.split_whitespace().take(4).collect::<Vec<_>>().join(" "))
        .unwrap_or_else(|_| "unknown".into())
}

/// Arguments for `grade`, being edited.
struct GradeArgs(Vec<String>);

/// `args` without the report flags (`--gradescope`, `--junit`, `--units`)
/// and their values.
fn without_reports(args: &[String]) -> GradeArgs {
    let mut kept = vec![];
    let mut it = args.iter();
    while let Some(a) = it.next() {
        if ["--gradescope", "--junit", "--units"].contains(&a.as_str()) {
            it.next();
        } else {
            kept.push(a.clone());
        }
    }
    GradeArgs(kept)
}

impl GradeArgs {
    /// Grade only `worlds` (replacing any `--worlds` given).
    fn retain_worlds(&mut self, worlds: &str) {
        if let Some(i) = self.0.iter().position(|a| a == "--worlds") {
            self.0.drain(i..(i + 2).min(self.0.len()));
        }
        self.0.push("--worlds".into());
        self.0.push(worlds.into());
    }
}

/// One grading of the solutions with `passed_on`; (full marks?, a line).
fn one_run(
    root: &Path,
    label: &str,
    passed_on: &[String],
    reports: &Path,
) -> Result<(bool, String), String> {
    // The score comes from grade's Gradescope report: ours, unless the
    // arguments passed on ask for one of their own.
    let asked = passed_on
        .iter()
        .position(|a| a == "--gradescope")
        .and_then(|i| passed_on.get(i + 1))
        .map(PathBuf::from);
    let mut grade_args: Vec<String> = vec!["--solutions".into(), "--expect".into(), "full".into()];
    let report = match asked {
        Some(path) => path,
        None => {
            let path = reports.join(format!("run-{}.json", label.replace('/', "-of-")));
            grade_args.push("--gradescope".into());
            grade_args.push(path.display().to_string());
            path
        }
    };
    let _ = std::fs::remove_file(&report);
    grade_args.extend(passed_on.iter().cloned());
    println!(
        "\nhog: run {label}: cargo xtask grade {}",
        grade_args.join(" ")
    );
    let started = Instant::now();
    let graded = crate::grade::main(root, &grade_args);
    let seconds = started.elapsed().as_secs_f64();
    let load = load_average();
    let full = graded.map_err(|e| {
        format!("run {label}: grading failed after {seconds:.1} s (load average {load}): {e}")
    })?;
    let result = Report::read(&report);
    // With `--worlds`, the worlds left out cost their points by design:
    // such a run counts as full if nothing else cost any.
    let restricted = passed_on.iter().any(|a| a == "--worlds");
    let ok = full || (restricted && result.as_ref().is_some_and(Report::full_for_worlds_graded));
    let verdict = match (full, ok) {
        (true, _) => "full marks",
        (false, true) => "full marks for the worlds graded",
        (false, false) => "NOT full marks",
    };
    let line = format!(
        "run {label}: {} ({verdict}), {seconds:.1} s, load average {load}",
        result.map_or_else(
            || format!("score unknown (no report at {})", report.display()),
            |r| r.summary()
        ),
    );
    Ok((ok, line))
}

/// The busy loops; dropping this kills and reaps every one of them.
struct Hogs {
    children: Vec<Child>,
    /// Their process group (the first loop's pid).
    group: Option<libc::pid_t>,
}

impl Hogs {
    fn start(n: usize) -> Result<Hogs, String> {
        let mut hogs = Hogs {
            children: Vec::new(),
            group: None,
        };
        let parent = std::process::id() as libc::pid_t;
        for _ in 0..n {
            let mut cmd = Command::new("sh");
            cmd.args(["-c", "while :; do :; done"])
                .stdin(Stdio::null())
                .stdout(Stdio::null())
                .stderr(Stdio::null())
                // A group of their own (the first one's), killed at once.
                .process_group(hogs.group.unwrap_or(0));
            // SAFETY: between fork and exec the closure only makes two
            // async-signal-safe system calls (prctl, getppid) and, at
            // worst, _exit.
            unsafe {
                cmd.pre_exec(move || {
                    // Die with the process that started us, however it dies.
                    if libc::prctl(libc::PR_SET_PDEATHSIG, libc::SIGKILL) != 0 {
                        return Err(std::io::Error::last_os_error());
                    }
                    // ... including before the line above took effect.
                    if libc::getppid() != parent {
                        libc::_exit(0);
                    }
                    Ok(())
                });
            }
            // On an error `hogs` drops here, killing the loops started so far.
            let child = cmd
                .spawn()
                .map_err(|e| format!("start a busy loop (sh -c 'while :; do :; done'): {e}"))?;
            hogs.group.get_or_insert(child.id() as libc::pid_t);
            // Ours on purpose: the grader's orphan sweeps leave it alone.
            crate::sandbox::keep_child(child.id());
            hogs.children.push(child);
        }
        Ok(hogs)
    }

    fn len(&self) -> usize {
        self.children.len()
    }
}

impl Drop for Hogs {
    fn drop(&mut self) {
        // Each loop is still our unreaped child here, so the group id
        // cannot have been reused.
        if let Some(group) = self.group {
            // SAFETY: a plain system call on a process group we created.
            unsafe {
                libc::killpg(group, libc::SIGKILL);
            }
        }
        for child in &mut self.children {
            let _ = child.kill();
            let _ = child.wait();
            crate::sandbox::release_child(child.id());
        }
        if !self.children.is_empty() {
            println!("hog: {} busy loop(s) killed", self.children.len());
        }
    }
}
