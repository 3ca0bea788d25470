//! The exercises, by name: the catalogue their tests import from.
//!
//! `proclab::graded::spinlock` is the crate's `spinlock` module. In a plain
//! build that module is the reference solution; when the grader grades
//! `spinlock`, the build script compiles the student's file as that module
//! *instead* (see `build.rs`), so the reference is absent from the build
//! and everything that uses spinlocks — the exercise's tests, and every
//! part of the library built on them — runs the student's code. Each
//! exercise is graded in a build of its own, so a bug in one submission
//! file never costs points in another exercise.
//!
//! A new exercise adds `solutions/<name>.rs`, one `crate::exercise!` line
//! in the module of its area, one line here, and an entry in
//! `course.toml`; `cargo xtask exercises --check` verifies that they agree.

macro_rules! catalogue {
    ($($(#[$attr:meta])* $exercise:ident => $($area:ident)::+;)*) => {
        $(
            $(#[$attr])*
            pub use crate::$($area::)+$exercise;
        )*
        /// The exercises this crate knows, in course order.
        pub const EXERCISES: &[&str] = &[$(stringify!($exercise)),*];
    };
}

catalogue! {
    tas_lock => locks;
    spinlock => locks;
    ttas_backoff => locks;
    ticket_lock => locks;
    mcs_lock => locks;
    rw_spinlock => locks;
    sleep_wakeup => sleep;
    condvar => sleep;
    semaphore => sleep;
    barrier => sleep;
    sleeplock => sleep;
    bounded_buffer => sleep;
    allocproc_fork => proc;
    exit_wait => proc;
    proc_sleep_wakeup => proc;
    kill => proc;
    scheduler_rr => proc;
    mlfq => schedsim;
    #[cfg(not(any(loom, shuttle)))]
    fork_server_reaping => serve;
    thread_pool => serve;
    accept_mutex => serve;
    channel_codec => master;
    reap_respawn => master;
    graceful_reload => master;
}
