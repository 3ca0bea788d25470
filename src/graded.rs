//! The implementations each exercise's tests run against.
//!
//! `proclab::graded::spinlock` is the reference solution in a plain build,
//! and the student's `exercises/spinlock.rs` when the grader builds with
//! `PROCLAB_STUDENT=spinlock` (see `build.rs`). Only the graded module is
//! swapped: every other part of the crate — including primitives built on
//! top of the exercise — keeps using the reference code, so one exercise's
//! bug never costs points in another.
//!
//! The process table is the one exception: its exercises are pieces of
//! one machine (a student's `exit` can only be tested inside a running
//! table), so the table calls them through `proc::pieces`, which routes a
//! call to a student's file only when the running test binary grades that
//! exercise — it says so with [`focus`]. Grading `exit_wait` thus runs the
//! reference table with the student's `exit`/`wait` and the reference for
//! the rest, even when the grader has built every exercise of a submission
//! together, so a bug still costs points in one exercise only.
//!
//! A new exercise adds one line to the `graded!` list below and an entry in
//! `course.toml`; `cargo xtask exercises --check` verifies the two agree.

/// Students' modules, compiled only when selected by `PROCLAB_STUDENT`.
/// Lints are relaxed: a stub full of `todo!()` has unused variables and
/// unreachable code by design.
#[allow(unused, unreachable_code, dead_code, missing_docs, clippy::all)]
mod student {
    include!(concat!(env!("OUT_DIR"), "/student.rs"));
}

macro_rules! graded {
    // The name is written twice because `cfg` takes only a string literal.
    // Attributes (a `cfg` for an exercise of the ordinary world only) go
    // on both imports.
    ($($(#[$attr:meta])* $exercise:ident $name:literal => $($reference:ident)::+;)*) => {
        $(
            $(#[$attr])*
            #[cfg(not(proclab_student = $name))]
            pub use crate::$($reference)::+ as $exercise;
            $(#[$attr])*
            #[cfg(proclab_student = $name)]
            pub use student::$exercise;
        )*
        /// The exercises this crate knows, in course order.
        pub const EXERCISES: &[&str] = &[$($name),*];
    };
}

graded! {
    tas_lock "tas_lock" => locks::tas_lock;
    spinlock "spinlock" => locks::spinlock;
    ttas_backoff "ttas_backoff" => locks::ttas_backoff;
    ticket_lock "ticket_lock" => locks::ticket_lock;
    mcs_lock "mcs_lock" => locks::mcs_lock;
    rw_spinlock "rw_spinlock" => locks::rw_spinlock;
    sleep_wakeup "sleep_wakeup" => sleep::sleep_wakeup;
    condvar "condvar" => sleep::condvar;
    semaphore "semaphore" => sleep::semaphore;
    barrier "barrier" => sleep::barrier;
    sleeplock "sleeplock" => sleep::sleeplock;
    bounded_buffer "bounded_buffer" => sleep::bounded_buffer;
    allocproc_fork "allocproc_fork" => proc::allocproc_fork;
    exit_wait "exit_wait" => proc::exit_wait;
    proc_sleep_wakeup "proc_sleep_wakeup" => proc::proc_sleep_wakeup;
    kill "kill" => proc::kill;
    scheduler_rr "scheduler_rr" => proc::scheduler_rr;
    mlfq "mlfq" => schedsim::mlfq;
    #[cfg(not(any(loom, shuttle)))]
    fork_server_reaping "fork_server_reaping" => serve::fork;
    thread_pool "thread_pool" => serve::thread_pool;
    accept_mutex "accept_mutex" => serve::accept_mutex;
    channel_codec "channel_codec" => master::channel_codec;
    reap_respawn "reap_respawn" => master::reap_respawn;
    graceful_reload "graceful_reload" => master::graceful_reload;
}

/// The exercise this test binary grades, once declared (see [`focus`]).
static FOCUS: std::sync::OnceLock<&'static str> = std::sync::OnceLock::new();

/// Declare that this test binary grades `exercise`: the process table then
/// runs the student's version of that exercise's piece (when the grader
/// has compiled it in) and the reference for the others. The suites of the
/// table's exercises do this through
/// [`check::procs::model`](crate::check::procs::model); a teacher's hidden
/// test for one of them should too.
///
/// Panics if the binary already declared another exercise: one test binary
/// grades one exercise.
pub fn focus(exercise: &'static str) {
    let declared = *FOCUS.get_or_init(|| exercise);
    assert_eq!(
        declared, exercise,
        "graded::focus: this test binary already grades `{declared}`, not `{exercise}`"
    );
}

/// Does this test binary grade `exercise`?
// Called only in builds with a student's file of the table compiled in.
#[allow(dead_code)]
pub(crate) fn focused(exercise: &str) -> bool {
    FOCUS.get().is_some_and(|f| *f == exercise)
}

/// Call `$module::$f(args)` in the student's version when this test
/// binary grades `$exercise` (see [`focus`]) and the student's file is
/// compiled in, else in the reference module `super::$module` of the
/// caller. Used where the crate itself calls an exercise's code (the
/// process table's pieces, the master's supervisor), so that a
/// submission's other exercises never reach into the one being graded.
macro_rules! route {
    ($exercise:literal, $module:ident :: $f:ident ( $($arg:expr),* $(,)? )) => {{
        #[cfg(proclab_student = $exercise)]
        {
            if crate::graded::focused($exercise) {
                return crate::graded::$module::$f($($arg),*);
            }
        }
        super::$module::$f($($arg),*)
    }};
}
pub(crate) use route;
