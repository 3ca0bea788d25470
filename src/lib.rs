//! # proclab — concurrency from the bottom up
//!
//! A library and a course in one source tree: spinlocks, sleep and wakeup,
//! an xv6-style process table, servers and an nginx-style master/worker,
//! every primitive checked by the loom and shuttle model checkers.
//!
//! * [`sync`] — the facade that lets one source run under std, loom and
//!   shuttle; [`sync::model::Model`] runs a test body as a model.
//! * [`locks`] — the lock family, from the test-and-set lock to the MCS
//!   queue lock, the reader-writer spinlock and the spin-then-park
//!   [`locks::HybridLock`], all behind the [`locks::RawLock`] interface.
//! * [`sleep`] — sleeping primitives: xv6's sleep/wakeup, [`sleep::Condvar`],
//!   semaphores, barriers, sleep locks, the bounded buffer.
//! * [`proc`] — xv6's process table with CPUs and processes as threads:
//!   fork, exit, wait, kill, sleep and wakeup.
//! * [`schedsim`] — a deterministic scheduling-policy simulator that
//!   reproduces the OSTEP textbook's `scheduler.py` and `mlfq.py` (the
//!   `proclab sched` command).
//! * [`serve`] — servers: connection handlers (echo, strict HTTP/1.1),
//!   the server models from iterative to a pre-forked pool with nginx's
//!   accept mutex (`proclab serve`), and a load generator (`proclab load`).
//! * [`master`] — nginx's master/worker process model (in progress): the
//!   channel protocol's frames and channels with descriptor passing.
//! * [`check`] — reusable harnesses: the invariants a primitive must keep.
//! * [`graded`] — what the exercises' tests run against: the reference
//!   solution, or a student's file when the grader swaps it in.
//!
//! The course material — exercises, the grader, the book — is described in
//! the README.

/// Declare the module of exercise `$name` where it belongs in the crate.
/// Its source is `solutions/$name.rs`, or the student's file when the build
/// grades that exercise: `build.rs` writes the `mod` item, naming one file
/// or the other, and this includes it.
macro_rules! exercise {
    ($name:ident) => {
        include!(concat!(
            env!("OUT_DIR"),
            "/exercises/",
            stringify!($name),
            ".rs"
        ));
    };
}
pub(crate) use exercise;

pub mod check;
pub mod graded;
pub mod locks;
pub mod master;
pub mod proc;
pub mod schedsim;
pub mod serve;
pub mod sleep;
pub mod sync;
