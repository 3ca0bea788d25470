//! Running tests: one sandboxed process per test (see `crate::sandbox`), a
//! few at a time, and reading why a test failed from libtest's output.

use crate::sandbox::{self, Limits};
use std::path::{Path, PathBuf};
use std::sync::atomic::{AtomicBool, AtomicUsize, Ordering};
use std::sync::Mutex;
use std::time::Duration;

#[derive(Clone, Debug)]
pub enum Outcome {
    Pass,
    /// Failed: a one-line reason, then (for a shuttle failure) the
    /// interleaving that broke it, one step per line.
    Fail(String),
    TimedOut(Duration),
}

impl Outcome {
    pub fn passed(&self) -> bool {
        matches!(self, Outcome::Pass)
    }
}

/// The tests in a libtest executable, listed by that executable in the
/// sandbox (its code is the student's too).
pub fn list(exe: &Path, cwd: &Path, limits: Limits) -> Result<Vec<String>, String> {
    let done = sandbox::run(exe, &["--list", "--format", "terse"], cwd, limits, false)?;
    if !done.status.is_some_and(|s| s.success()) {
        return Err(format!(
            "{} --list failed: {}",
            exe.display(),
            done.stderr.lines().last().unwrap_or("")
        ));
    }
    Ok(done
        .stdout
        .lines()
        .filter_map(|l| l.strip_suffix(": test"))
        .map(str::to_string)
        .collect())
}

/// One test to run.
pub struct Job {
    /// Jobs sharing a group stop early together (see [`run_all`]).
    pub group: String,
    pub exe: PathBuf,
    /// The libtest name, as `--exact` wants it.
    pub test: String,
    /// The name reports show (hidden tests are marked).
    pub label: String,
    pub limits: Limits,
}

/// Run `jobs` on `parallel` workers; results in job order. With
/// `stop_group_on_failure`, once a job fails the not-yet-started jobs of its
/// group are skipped (reported as `None`).
pub fn run_all(
    cwd: &Path,
    jobs: &[Job],
    parallel: usize,
    stop_group_on_failure: bool,
) -> Vec<Option<Outcome>> {
    let next = AtomicUsize::new(0);
    let results: Mutex<Vec<Option<Outcome>>> = Mutex::new(vec![None; jobs.len()]);
    let failed_groups: Mutex<Vec<String>> = Mutex::new(vec![]);
    let done = AtomicUsize::new(0);
    let printing = AtomicBool::new(false);
    std::thread::scope(|s| {
        for _ in 0..parallel.max(1) {
            let (next, results, failed_groups, done, printing) =
                (&next, &results, &failed_groups, &done, &printing);
            s.spawn(move || loop {
                // Relaxed: a ticket dispenser; the RMW alone makes tickets
                // unique, and results travel through the Mutex.
                let i = next.fetch_add(1, Ordering::Relaxed);
                let Some(job) = jobs.get(i) else { break };
                if stop_group_on_failure && failed_groups.lock().unwrap().contains(&job.group) {
                    continue;
                }
                let outcome = run_one(cwd, job);
                if !outcome.passed() {
                    failed_groups.lock().unwrap().push(job.group.clone());
                }
                results.lock().unwrap()[i] = Some(outcome);
                // Relaxed: a progress count for display only.
                let n = done.fetch_add(1, Ordering::Relaxed) + 1;
                progress(printing, n, jobs.len());
            });
        }
    });
    // Relaxed: read after the scope joined every worker (join orders it).
    if printing.load(Ordering::Relaxed) {
        eprintln!();
    }
    results.into_inner().unwrap()
}

/// A progress counter on stderr when it is a terminal.
fn progress(printing: &AtomicBool, done: usize, total: usize) {
    use std::io::IsTerminal;
    if std::io::stderr().is_terminal() {
        // Relaxed: a flag read only after the workers are joined.
        printing.store(true, Ordering::Relaxed);
        eprint!("\r  ran {done}/{total} tests");
    }
}

fn run_one(cwd: &Path, job: &Job) -> Outcome {
    let args = ["--exact", job.test.as_str(), "--test-threads", "1"];
    let done = match sandbox::run(&job.exe, &args, cwd, job.limits, true) {
        Ok(done) => done,
        Err(e) => return Outcome::Fail(e),
    };
    let Some(status) = done.status else {
        return Outcome::TimedOut(job.limits.timeout);
    };
    // The verdict is libtest's own log line for this very test; what the
    // process printed and its exit status alone prove nothing (the code
    // under test can print "test result: ok" and exit 0).
    let said_ok = done
        .verdict
        .as_deref()
        .is_some_and(|log| log.lines().any(|l| l == format!("ok {}", job.test)));
    if status.success() && said_ok {
        return Outcome::Pass;
    }
    if status.success() {
        return Outcome::Fail(
            "the test process ended with status 0 but the test harness never reported this test passed (the process was ended early: std::process::exit in the code?)".into(),
        );
    }
    // Fill in the model runner's replay command for this very test.
    let why = reason(&done.stdout, &done.stderr, status.code(), &job.test)
        .replace("<exercise>", &job.group)
        .replace("<test>", &job.test);
    Outcome::Fail(match interleaving(&done.stdout) {
        Some(steps) => format!("{why}\n{steps}"),
        None => why,
    })
}

/// One line saying why a test failed, from libtest's output.
/// The interleaving a shuttle failure report lists after its header
/// (see `proclab::sync::model::INTERLEAVING_HEADER`), if any.
pub fn interleaving(stdout: &str) -> Option<String> {
    let mut lines = stdout
        .lines()
        .skip_while(|l| !l.starts_with("The interleaving that broke it"));
    let header = lines.next()?;
    let steps: Vec<&str> = lines.take_while(|l| l.starts_with("    ")).collect();
    (!steps.is_empty()).then(|| format!("{header}\n{}", steps.join("\n")))
}

/// `test` is the libtest name; libtest runs each test on a thread named after it.
pub fn reason(stdout: &str, stderr: &str, code: Option<i32>, test: &str) -> String {
    let text = format!("{stdout}\n{stderr}");
    if text.contains("note: test did not panic as expected") {
        return "expected a panic, but the code did not panic".into();
    }
    let panics = panic_messages(&text);
    if text.contains("panic did not contain expected string") {
        let got = text
            .lines()
            .find_map(|l| l.trim().strip_prefix("panic message: "))
            .unwrap_or("?");
        let want = text
            .lines()
            .find_map(|l| l.trim().strip_prefix("expected substring: "))
            .unwrap_or("?");
        return format!("panicked with {got} but the rule says {want}");
    }
    // A `todo!` left in student code is the root cause whatever else it
    // set off (a thread waiting forever for the one that panicked, say).
    if let Some((_, todo)) = panics
        .iter()
        .find(|(_, p)| p.starts_with("not yet implemented"))
    {
        return todo.clone();
    }
    // A model check's report names the invariant and how to replay.
    if let Some((_, model)) = panics
        .iter()
        .find(|(_, p)| p.contains("[loom") || p.contains("[shuttle") || p.contains("[std"))
    {
        return model.clone();
    }
    // Else the test's own thread says what it checked (other threads may
    // panic on purpose); failing that, the first panic is the cause and
    // later ones (a join's unwrap, say) its echoes.
    // (A join's `unwrap` re-raising another thread's panic only echoes it.)
    if let Some((_, own)) = panics
        .iter()
        .find(|(thread, p)| thread == test && !is_echo(p))
    {
        return in_course_words(own);
    }
    if let Some((_, cause)) = panics.iter().find(|(_, p)| !is_echo(p)) {
        return in_course_words(cause);
    }
    if let Some((_, first)) = panics.first() {
        return in_course_words(first);
    }
    match code {
        Some(c) => format!("exited with status {c} without a panic message"),
        None => {
            "killed by a signal (stack overflow, abort, or a resource limit: CPU time, file size)"
                .into()
        }
    }
}

/// A panic that only reports another thread's panic: `join().unwrap()`.
fn is_echo(panic: &str) -> bool {
    panic.starts_with("called `Result::unwrap()` on an `Err` value: Any")
}

/// A model checker's raw finding that reached the output without the
/// model runner's report (loom aborts the process when its own check fires
/// while another thread is already unwinding), said as the invariant.
fn in_course_words(panic: &str) -> String {
    if panic.contains("Causality violation") {
        format!(
            "data race: two threads touched lock-protected data with no happens-before edge \
             between them (a missing Release/Acquire pair) [loom: {panic}]"
        )
    } else {
        panic.to_string()
    }
}

/// Each panic in libtest output, as (thread name, "message (location)"),
/// the model checker's own report condensed to the invariant and replay hint.
fn panic_messages(text: &str) -> Vec<(String, String)> {
    let lines: Vec<&str> = text.lines().collect();
    let mut found = vec![];
    for (i, line) in lines.iter().enumerate() {
        let Some(pos) = line.find("panicked at ") else {
            continue;
        };
        // "thread 'NAME' (TID) panicked at LOCATION:"
        let thread = line
            .split_once('\'')
            .and_then(|(_, rest)| rest.split_once('\''))
            .map_or(String::new(), |(name, _)| name.to_string());
        let location = line[pos + "panicked at ".len()..]
            .trim_end_matches(':')
            .to_string();
        let body: Vec<&str> = lines[i + 1..]
            .iter()
            .take_while(|l| {
                !l.starts_with("note:") && !l.starts_with("stack backtrace") && !l.is_empty()
            })
            .copied()
            .collect();
        let message = condense(&body);
        let short_location = location
            .rsplit_once("/exercises/")
            .map(|(_, f)| format!("exercises/{f}"));
        found.push((
            thread,
            match short_location {
                Some(loc) => format!("{message} ({loc})"),
                None => message,
            },
        ));
    }
    found
}

/// A model-check report is several lines; keep the invariant line and
/// the replay line.
fn condense(body: &[&str]) -> String {
    if body.first().is_some_and(|l| l.starts_with("model check")) {
        let invariant = body.get(1).map(|l| l.trim()).unwrap_or("");
        let replay = body
            .iter()
            .find(|l| l.contains("PROCLAB_REPLAY="))
            .map(|l| l.trim());
        let world = body[0]
            .rsplit_once(" in the ")
            .map_or("", |(_, w)| w)
            .trim_end_matches(':');
        return match replay {
            Some(r) => format!("{invariant} [{world}; replay: {r}]"),
            None => format!("{invariant} [{world}]"),
        };
    }
    body.join(" ").trim().to_string()
}

#[cfg(test)]
mod tests {
    use super::reason;

    #[test]
    fn a_joins_unwrap_does_not_hide_the_panic_it_echoes() {
        let out = "thread '<unnamed>' (7) panicked at src/locks/owner.rs:1:1:\n\
                   release: total not held by this thread\n\n\
                   thread 'api::t' (6) panicked at tests/t.rs:9:9:\n\
                   called `Result::unwrap()` on an `Err` value: Any { .. }\n";
        let r = reason(out, "", Some(101), "api::t");
        assert_eq!(r, "release: total not held by this thread");
    }

    #[test]
    fn a_raw_loom_causality_violation_is_named_as_a_data_race() {
        let out = "thread 'main' (9) panicked at /r/loom-0.7.3/src/rt/location.rs:115:9:\n\
                   Causality violation: Concurrent write accesses to `UnsafeCell`.\n";
        let r = reason(out, "", Some(101), "main");
        assert!(r.starts_with("data race:"), "{r}");
        assert!(r.contains("Causality violation"), "{r}");
    }

    #[test]
    fn reason_prefers_the_model_report_and_shortens_student_paths() {
        let out = "\
---- invariants::no_lost_update stdout ----

thread 'x' panicked at /home/s/proclab/exercises/spinlock.rs:71:9:
called `Option::unwrap()` on a `None` value
note: run with `RUST_BACKTRACE=1`

thread 'y' panicked at src/sync/model.rs:137:13:
model check `spinlock: no lost update` failed in the shuttle world:
  no lost update: counter is 3, expected 4
shuttle's random scheduler found a failing schedule. Replay exactly that run with:
  PROCLAB_REPLAY='91ab' RUSTFLAGS=\"--cfg shuttle\" cargo test
";
        assert_eq!(
            reason(out, "", Some(101), "t"),
            "no lost update: counter is 3, expected 4 [shuttle world; replay: PROCLAB_REPLAY='91ab' RUSTFLAGS=\"--cfg shuttle\" cargo test]"
        );
        let todo =
            "thread 'x' panicked at /h/exercises/spinlock.rs:71:9:\nnot yet implemented: spin\n";
        assert_eq!(
            reason(todo, "", Some(101), "t"),
            "not yet implemented: spin (exercises/spinlock.rs:71:9)"
        );
    }

    #[test]
    fn the_interleaving_is_cut_out_of_a_shuttle_report() {
        let out = "x\nThe interleaving that broke it (...):\n    thread  1  a.rs:1  locks\n    thread  0  a.rs:2  parks\nstack backtrace:\n";
        assert_eq!(
            super::interleaving(out).unwrap(),
            "The interleaving that broke it (...):\n    thread  1  a.rs:1  locks\n    thread  0  a.rs:2  parks"
        );
        assert_eq!(super::interleaving("no report"), None);
    }

    #[test]
    fn reason_prefers_the_test_threads_own_panic_over_deliberate_ones() {
        let out = "thread '<unnamed>' (5) panicked at tests/x.rs:1:1:\nboom on purpose\n\n\
                   thread 'api::released' (4) panicked at tests/x.rs:9:9:\nthe lock stayed held\n";
        assert_eq!(
            reason(out, "", Some(101), "api::released"),
            "the lock stayed held"
        );
    }

    #[test]
    fn reason_explains_should_panic_mismatches_and_silent_deaths() {
        let out = "note: panic did not contain expected string\n      panic message: \"todo\"\n expected substring: \"acquire: x\"\n";
        assert_eq!(
            reason(out, "", Some(101), "t"),
            "panicked with \"todo\" but the rule says \"acquire: x\""
        );
        assert!(reason("", "", None, "t").starts_with("killed by a signal ("));
        assert_eq!(
            reason("", "", Some(0), "t"),
            "exited with status 0 without a panic message"
        );
    }
}
