//! Run one test body as a model in whichever world the crate was built for.
//!
//! ```
//! # extern crate proclab;
//! use proclab::sync::model::Model;
//! Model::new("two threads add").check(|| {
//!     use proclab::sync::{atomic::{AtomicUsize, Ordering::SeqCst}, thread};
//!     use std::sync::Arc;
//!     let n = Arc::new(AtomicUsize::new(0));
//!     let n2 = n.clone();
//!     let t = thread::spawn(move || { n2.fetch_add(1, SeqCst); });
//!     n.fetch_add(1, SeqCst);
//!     t.join().unwrap();
//!     assert_eq!(n.load(SeqCst), 2);
//! });
//! ```
//!
//! * **loom** explores every interleaving (and every weak-memory outcome)
//!   up to the model's preemption bound. Bounds are set here, in code, not
//!   taken from the environment: an unbounded 3-thread spinlock model was
//!   seen to grow past 24 GiB.
//! * **shuttle** runs the body under its random scheduler and then its PCT
//!   scheduler, both seeded so a grade is reproducible, and on failure
//!   reports the schedule and how to replay it (`PROCLAB_REPLAY`).
//! * **std** runs the body repeatedly on real threads: up to
//!   [`Model::rounds`] rounds, fewer once [`STD_WORK_BUDGET`] of wall-clock
//!   time has gone into them (always at least one). The verdict does not
//!   depend on the machine's speed: a slow or busy machine runs fewer
//!   rounds, it does not fail. Only a round that makes no progress for the
//!   hang bound ([`Model::deadline`], default 30 s) fails, so that a
//!   deadlock fails the test instead of hanging it.
//!
//! Whatever the world, a failure panics with the model's name, the world,
//! the invariant the body reported, and what to do next.

use std::any::Any;
use std::time::Duration;

/// std world: once this much wall-clock time has gone into a model's rounds,
/// no further round starts (the model passes with the rounds it ran; at
/// least one always runs). The std world scales its *work* to the time it
/// gets, never its verdict: on a busy machine fewer rounds run, none fails.
pub const STD_WORK_BUDGET: Duration = Duration::from_secs(2);

/// std world: the default hang bound of one round ([`Model::deadline`]). A
/// hang detector, not a speed target: far above what a correct body needs
/// on a heavily loaded machine, and below the grader's per-test limit so
/// that a deadlock is reported as one, with this module's message.
pub const STD_HANG_BOUND: Duration = Duration::from_secs(30);

/// std world: once some thread has panicked (a `todo!()`, a failed
/// assertion), how long a round may go on without finishing before the
/// panic is reported as the failure. The panic is the cause of whatever
/// wait follows it, so there is no need to sit out the hang bound; still a
/// hang detector (a body may panic on purpose and go on), far above what a
/// round needs on a loaded machine.
#[cfg(not(any(loom, shuttle)))]
const STD_AFTER_PANIC: Duration = Duration::from_secs(10);

/// Environment variable holding a shuttle schedule to replay instead of
/// searching (shuttle world only).
pub const REPLAY_ENV: &str = "PROCLAB_REPLAY";

/// First line of the interleaving in a shuttle failure report; the steps
/// follow, one per line, indented.
pub const INTERLEAVING_HEADER: &str =
    "The interleaving that broke it (last steps of the failing run: thread, source line, operation -> value):";

/// A model check: a name for messages and the bounds of the search.
///
/// Every bound has a small default fit for the 2-core machines the course
/// runs on; each setter documents the world it affects. No bound is a speed
/// target: a correct body passes however slow or busy the machine is.
#[derive(Clone, Debug)]
pub struct Model {
    name: &'static str,
    threads: usize,
    // Each bound below is read by one world only.
    #[cfg_attr(not(loom), allow(dead_code))]
    preemptions: usize,
    #[cfg_attr(not(loom), allow(dead_code))]
    branches: usize,
    #[cfg_attr(not(shuttle), allow(dead_code))]
    iterations: usize,
    #[cfg_attr(not(shuttle), allow(dead_code))]
    pct_depth: usize,
    #[cfg_attr(not(shuttle), allow(dead_code))]
    seed: u64,
    #[cfg_attr(any(loom, shuttle), allow(dead_code))]
    rounds: usize,
    #[cfg_attr(any(loom, shuttle), allow(dead_code))]
    deadline: Duration,
}

impl Model {
    /// A model called `name` (say, the invariant it checks) with default bounds.
    pub fn new(name: &'static str) -> Self {
        Model {
            name,
            threads: 4,
            preemptions: 2,
            branches: 20_000,
            iterations: 1_000,
            pct_depth: 3,
            seed: 0x5eed_c0de,
            rounds: 50,
            deadline: STD_HANG_BOUND,
        }
    }

    /// How many threads a test body should spawn in this world.
    ///
    /// loom allows 5 threads including the model's main thread, and its
    /// state space explodes past 2 spawned threads, so under loom this is
    /// always 2; elsewhere it is the value given to [`Model::threads`]
    /// (default 4).
    pub fn spawned_threads(&self) -> usize {
        if super::WORLD == "loom" {
            2
        } else {
            self.threads
        }
    }

    /// Threads to spawn in the std and shuttle worlds (ignored by loom, see
    /// [`Model::spawned_threads`]).
    pub fn threads(mut self, n: usize) -> Self {
        self.threads = n;
        self
    }

    /// loom: preemptions per execution (default 2; 3 at most for 2 threads).
    pub fn preemptions(mut self, n: usize) -> Self {
        self.preemptions = n;
        self
    }

    /// loom: branches per execution before the model is declared to loop
    /// forever (a waiter that never gets in).
    pub fn branches(mut self, n: usize) -> Self {
        self.branches = n;
        self
    }

    /// shuttle: schedules tried by each of the random and PCT schedulers
    /// (default 1000).
    pub fn iterations(mut self, n: usize) -> Self {
        self.iterations = n;
        self
    }

    /// std: at most how many times the body runs on real threads (default
    /// 50). Fewer run once [`STD_WORK_BUDGET`] has been spent on them, but
    /// always at least one (for `n` ≥ 1).
    pub fn rounds(mut self, n: usize) -> Self {
        self.rounds = n;
        self
    }

    /// std: the hang bound — how long one round may go without finishing
    /// before the model fails as a deadlock (default [`STD_HANG_BOUND`],
    /// 30 s). It bounds each round on its own, not all rounds together, and
    /// is a hang detector, not a speed target: keep it far above what a
    /// correct round needs on a busy machine, and below the grader's
    /// per-test limit.
    pub fn deadline(mut self, bound: Duration) -> Self {
        self.deadline = bound;
        self
    }

    /// The name given to [`Model::new`].
    pub fn name(&self) -> &'static str {
        self.name
    }

    /// Run `body` as this model; panic with a report if any run fails.
    pub fn check<F>(&self, body: F)
    where
        F: Fn() + Send + Sync + 'static,
    {
        if let Err((payload, next_step)) = run(self, body) {
            panic!(
                "model check `{}` failed in the {} world:\n  {}\n{}",
                self.name,
                super::WORLD,
                panic_text(payload.as_ref()),
                next_step
            );
        }
    }
}

/// The text of a panic payload (`&str` and `String` payloads; anything else
/// is reported as opaque).
pub fn panic_text(payload: &(dyn Any + Send)) -> &str {
    if let Some(s) = payload.downcast_ref::<&str>() {
        s
    } else if let Some(s) = payload.downcast_ref::<String>() {
        s
    } else {
        "(a panic with a non-string payload)"
    }
}

type Failure = (Box<dyn Any + Send>, String);

/// A model checker's own finding, said as the invariant it breaks; other
/// panics (the harnesses' assertions) pass through unchanged.
#[cfg_attr(not(any(loom, shuttle)), allow(dead_code))]
fn in_course_words(payload: Box<dyn Any + Send>) -> Box<dyn Any + Send> {
    let text = panic_text(payload.as_ref());
    let invariant = if text.contains("Causality violation") {
        "data race: two threads touched lock-protected data with no happens-before edge \
         between them (the unlock must be a Release that the next lock's Acquire reads)"
    } else if text.starts_with("deadlock") {
        "no lost wakeup / no deadlock: every thread is blocked and none will wake the others \
         (a wakeup sent before its sleeper was listed, or never sent)"
    } else if text.contains("maximum number of branches") || text.contains("max_steps") {
        "progress: a thread kept waiting and the run never finished (a waiter never let in, \
         or a spin loop without spin_loop())"
    } else {
        return payload;
    };
    Box::new(format!("{invariant} — {} said: {text}", super::WORLD))
}

/// The environment that rebuilds this very selection of student files
/// (empty for a plain build), so a replay command tests the same code.
#[cfg_attr(not(any(loom, shuttle)), allow(dead_code))]
fn selection_env() -> String {
    let selected = env!("PROCLAB_BUILT_STUDENT");
    if selected.is_empty() {
        String::new()
    } else {
        format!(
            "PROCLAB_STUDENT={selected} PROCLAB_STUDENT_DIR='{}' ",
            env!("PROCLAB_BUILT_STUDENT_DIR")
        )
    }
}

#[cfg(loom)]
fn run<F: Fn() + Send + Sync + 'static>(model: &Model, body: F) -> Result<(), Failure> {
    use super::trace;
    use std::panic::{catch_unwind, AssertUnwindSafe};
    use std::sync::Arc;

    let builder = || {
        let mut builder = loom::model::Builder::new();
        builder.preemption_bound = Some(model.preemptions);
        builder.max_branches = model.branches;
        // Bounds are in code on purpose: never let the environment unbound them.
        builder.max_permutations = None;
        builder
    };
    let body = Arc::new(body);
    let first = body.clone();
    catch_unwind(AssertUnwindSafe(|| builder().check(move || first()))).map_err(|p| {
        let p = in_course_words(p);
        // loom explores in the same order every time: search again with
        // every run traced (each run restarts the trace), and what is left
        // at the failure is the failing run.
        let traced = body.clone();
        let _ = catch_unwind(AssertUnwindSafe(|| {
            builder().check(move || {
                trace::start();
                traced()
            })
        }));
        let steps = indent(trace::finish());
        let next = format!(
            "loom searched every interleaving with at most {} preemptions and found this one.\n\
             {INTERLEAVING_HEADER}\n{steps}\n\
             loom's own log of it (large) comes from running this one test alone:\n  \
             {}LOOM_LOG=trace LOOM_LOCATION=1 RUSTFLAGS=\"--cfg loom\" cargo test --release \
             --target-dir target/loom --test <exercise> -- --exact <test> --nocapture",
            model.preemptions,
            selection_env()
        );
        (p, next)
    })
}

/// Steps as the report lists them: indented, one per line.
#[cfg(any(loom, shuttle))]
fn indent(steps: Vec<String>) -> String {
    if steps.is_empty() {
        return "    (no traced steps)".into();
    }
    steps
        .iter()
        .map(|s| format!("    {s}"))
        .collect::<Vec<_>>()
        .join("\n")
}

#[cfg(shuttle)]
fn run<F: Fn() + Send + Sync + 'static>(model: &Model, body: F) -> Result<(), Failure> {
    use shuttle::scheduler::{PctScheduler, RandomScheduler, Scheduler};
    use shuttle::{Config, FailurePersistence, MaxSteps, Runner};
    use std::panic::{catch_unwind, AssertUnwindSafe};
    use std::sync::Arc;

    if let Ok(schedule) = std::env::var(REPLAY_ENV) {
        shuttle::replay(body, &one_line(&schedule));
        return Ok(());
    }

    static SCRATCH: std::sync::atomic::AtomicUsize = std::sync::atomic::AtomicUsize::new(0);
    // Relaxed: the counter only has to hand out distinct numbers.
    let dir = std::env::temp_dir().join(format!(
        "proclab-shuttle-{}-{}",
        std::process::id(),
        SCRATCH.fetch_add(1, std::sync::atomic::Ordering::Relaxed)
    ));
    let _ = std::fs::create_dir_all(&dir);
    let mut config = Config::new();
    config.failure_persistence = FailurePersistence::File(Some(dir.clone()));
    // A spinning waiter that is never let in shows up as a run that never ends.
    config.max_steps = MaxSteps::FailAfter(200_000);

    let body = Arc::new(body);
    let attempt = |scheduler: Box<dyn Scheduler + Send>, what: &str| {
        let runner = Runner::new(scheduler, config.clone());
        let run_body = body.clone();
        catch_unwind(AssertUnwindSafe(|| {
            runner.run(move || run_body());
        }))
        .map_err(|p| {
            // shuttle wraps a long schedule over several lines: one line,
            // so that the replay command can be copied whole.
            let schedule = last_schedule(&dir)
                .map(|s| one_line(&s))
                .unwrap_or_else(|| "(schedule not recorded; see shuttle's output above)".into());
            let p = in_course_words(p);
            let steps = trace_of(&body, schedule.trim());
            let next = format!(
                "shuttle's {what} scheduler found a failing schedule. Replay exactly that run with:\n  \
                 {}{REPLAY_ENV}='{}' RUSTFLAGS=\"--cfg shuttle\" cargo test --release \
                 --target-dir target/shuttle --test <exercise> -- --exact <test>\n\
                 {INTERLEAVING_HEADER}\n{steps}",
                selection_env(),
                schedule.trim()
            );
            (p, next)
        })
    };
    let result = attempt(
        Box::new(RandomScheduler::new_from_seed(model.seed, model.iterations)),
        "random",
    )
    .and_then(|()| {
        attempt(
            Box::new(PctScheduler::new_from_seed(
                model.seed,
                model.pct_depth,
                model.iterations,
            )),
            "PCT",
        )
    });
    let _ = std::fs::remove_dir_all(&dir);
    result
}

/// The schedule of the run that failed: the last one shuttle saved in
/// `dir`. shuttle saves one (`schedule000.txt`, `schedule001.txt`, …) at
/// every panic, including panics the code under test catches, so the
/// first file may belong to an earlier, caught panic (a test that checks
/// a misuse panics, or a crash handler that halts a machine before it
/// deadlocks); the failure is always the last.
#[cfg(shuttle)]
fn last_schedule(dir: &std::path::Path) -> Option<String> {
    let index = |name: &str| -> Option<u32> {
        name.strip_prefix("schedule")?
            .strip_suffix(".txt")?
            .parse()
            .ok()
    };
    let last = std::fs::read_dir(dir)
        .ok()?
        .filter_map(|e| e.ok()?.file_name().into_string().ok())
        .filter_map(|name| Some((index(&name)?, name)))
        .max()?;
    std::fs::read_to_string(dir.join(last.1)).ok()
}

/// Replay `schedule` once more with every traced operation written down,
/// and return the steps of that run, indented, one per line.
#[cfg(shuttle)]
fn trace_of<F: Fn() + Send + Sync + 'static>(body: &std::sync::Arc<F>, schedule: &str) -> String {
    use super::trace;
    let body = body.clone();
    trace::start();
    let _ = std::panic::catch_unwind(std::panic::AssertUnwindSafe(|| {
        shuttle::replay(move || body(), schedule);
    }));
    indent(trace::finish())
}

#[cfg(not(any(loom, shuttle)))]
fn run<F: Fn() + Send + Sync + 'static>(model: &Model, body: F) -> Result<(), Failure> {
    use std::sync::mpsc::{self, RecvTimeoutError};
    use std::time::Instant;

    let (rounds, hang_bound) = (model.rounds, model.deadline);
    // The body runs on a helper thread so a deadlock can be reported
    // instead of hanging the test; a helper stuck forever is left behind
    // and dies with the test process. The helper reports every round it
    // finishes, so the hang bound applies to one round at a time; it stops
    // after `rounds` rounds or once the work budget is spent, whichever
    // comes first, and hangs up (drops `finished`) when it stops.
    let (finished, round_done) = mpsc::channel::<()>();
    let helper = std::thread::spawn(move || {
        std::panic::catch_unwind(std::panic::AssertUnwindSafe(|| {
            let started = Instant::now();
            for _ in 0..rounds {
                body();
                let _ = finished.send(());
                if started.elapsed() >= STD_WORK_BUDGET {
                    break;
                }
            }
        }))
    });
    let panics_before = std_panics::count();
    let mut done = 0usize;
    let mut waiting_since = Instant::now();
    let mut panic_seen: Option<Instant> = None;
    loop {
        match round_done.recv_timeout(Duration::from_millis(100)) {
            Ok(()) => {
                done += 1;
                waiting_since = Instant::now();
            }
            // The helper stopped: every round it ran passed, or one panicked.
            Err(RecvTimeoutError::Disconnected) => break,
            Err(RecvTimeoutError::Timeout) => {
                if std_panics::count() > panics_before {
                    let seen = *panic_seen.get_or_insert_with(Instant::now);
                    if seen.elapsed() >= STD_AFTER_PANIC
                        && waiting_since.elapsed() >= STD_AFTER_PANIC
                    {
                        return Err((
                            Box::new(format!(
                                "a thread panicked (its message is above), and round {} then made \
                                 no progress for {STD_AFTER_PANIC:?}",
                                done + 1
                            )),
                            "the panic is the cause: fix it first".into(),
                        ));
                    }
                }
                if waiting_since.elapsed() < hang_bound {
                    continue;
                }
                return Err((
                    Box::new(format!(
                        "progress: round {} (of at most {rounds}) made no progress for {hang_bound:?}, \
                         the hang bound of one round ({done} round(s) had finished); some thread \
                         never got past a wait (deadlock, or a lock never handed to its waiter)",
                        done + 1
                    )),
                    "the loom and shuttle worlds report the same bug with an interleaving to read"
                        .into(),
                ));
            }
        }
    }
    match helper.join() {
        Ok(Ok(())) => Ok(()),
        Ok(Err(p)) | Err(p) => Err((
            p,
            "on real threads: rerun the model worlds (loom, shuttle) for a replayable interleaving"
                .into(),
        )),
    }
}

/// std world: how many panics this process has seen, in any thread.
#[cfg(not(any(loom, shuttle)))]
mod std_panics {
    use std::sync::atomic::{AtomicUsize, Ordering::Relaxed};
    use std::sync::Once;

    static PANICS: AtomicUsize = AtomicUsize::new(0);

    /// Panics so far (counting starts at the first call).
    pub(super) fn count() -> usize {
        static HOOK: Once = Once::new();
        HOOK.call_once(|| {
            let previous = std::panic::take_hook();
            std::panic::set_hook(Box::new(move |info| {
                // Relaxed: a tally read by polling; it orders nothing.
                PANICS.fetch_add(1, Relaxed);
                previous(info);
            }));
        });
        // Relaxed: see above.
        PANICS.load(Relaxed)
    }
}

/// A shuttle schedule without the line breaks shuttle writes into it (its
/// encoding has no whitespace of its own).
#[cfg(shuttle)]
fn one_line(schedule: &str) -> String {
    schedule.split_whitespace().collect()
}

#[cfg(all(test, not(any(loom, shuttle))))]
mod std_world_tests {
    use super::{panic_text, run, Model};
    use std::sync::atomic::{AtomicUsize, Ordering::SeqCst};
    use std::sync::Arc;
    use std::time::Duration;

    #[test]
    fn a_slow_body_runs_fewer_rounds_and_still_passes() {
        let ran = Arc::new(AtomicUsize::new(0));
        let counter = ran.clone();
        Model::new("slow but correct").rounds(1_000).check(move || {
            counter.fetch_add(1, SeqCst);
            std::thread::sleep(Duration::from_millis(200));
        });
        let ran = ran.load(SeqCst);
        assert!(
            (1..1_000).contains(&ran),
            "the work budget should stop a slow model early, after at least one round: {ran} rounds"
        );
    }

    #[test]
    fn a_round_that_never_finishes_fails_naming_the_hang_bound() {
        let model = Model::new("stuck").deadline(Duration::from_millis(300));
        // The stuck helper is left behind and dies with the test process.
        let (payload, next) = run(&model, || std::thread::sleep(Duration::from_secs(3_600)))
            .expect_err("a round that never finishes must fail");
        let text = panic_text(payload.as_ref());
        assert!(
            text.starts_with("progress: round 1 (of at most 50) made no progress for 300ms")
                && text.contains("some thread never got past a wait"),
            "{text}"
        );
        assert!(next.contains("loom and shuttle"), "{next}");
    }

    #[test]
    fn a_panic_in_a_round_is_reported_as_it_is() {
        let (payload, _) = run(&Model::new("panics"), || panic!("invariant broken"))
            .expect_err("a panicking body must fail");
        assert_eq!(panic_text(payload.as_ref()), "invariant broken");
    }

    #[test]
    fn a_wait_left_by_a_panicked_thread_ends_at_the_panic_not_the_hang_bound() {
        let started = std::time::Instant::now();
        // The stuck helper is left behind and dies with the test process.
        let (payload, _) = run(&Model::new("todo in a thread"), || {
            let _ = std::thread::spawn(|| panic!("not yet implemented: the wake-up"));
            std::thread::sleep(Duration::from_secs(3_600));
        })
        .expect_err("a round stuck after a panic must fail");
        assert!(
            panic_text(payload.as_ref()).starts_with("a thread panicked"),
            "{}",
            panic_text(payload.as_ref())
        );
        assert!(
            started.elapsed() < super::STD_HANG_BOUND,
            "waited {:?}",
            started.elapsed()
        );
    }
}

#[cfg(all(test, shuttle))]
mod tests {
    use super::last_schedule;

    #[test]
    fn the_failure_is_the_last_schedule_saved() {
        let dir =
            std::env::temp_dir().join(format!("proclab-last-schedule-{}", std::process::id()));
        std::fs::create_dir_all(&dir).unwrap();
        for (name, text) in [
            ("schedule000.txt", "caught"),
            ("schedule002.txt", "also caught"),
            ("schedule010.txt", "the failure"),
            ("schedule.txt", "not shuttle's"),
            ("notes.txt", "not shuttle's"),
        ] {
            std::fs::write(dir.join(name), text).unwrap();
        }
        assert_eq!(last_schedule(&dir).as_deref(), Some("the failure"));
        std::fs::remove_dir_all(&dir).unwrap();
        assert_eq!(last_schedule(&dir), None);
    }
}
