//! The shuttle world: threads are tasks scheduled by shuttle's random and
//! PCT schedulers; every atomic access is a scheduling point.
//!
//! The atomics are wrapped so that, while a failing schedule is replayed
//! for its report, each access is written down (see `sync/trace.rs`).

pub use shuttle::thread;

/// Name of this world, as printed in test and grader output.
pub const WORLD: &str = "shuttle";

#[inline]
pub(super) fn spin_loop() {
    shuttle::hint::spin_loop();
}

/// The running task's number, for traces.
pub(super) fn thread_label() -> String {
    shuttle::current::get_current_task()
        .map(|t| {
            format!("{t:?}")
                .chars()
                .filter(char::is_ascii_digit)
                .collect()
        })
        .unwrap_or_else(|| "?".into())
}

/// shuttle's atomics, with the operations proclab uses traced.
pub mod atomic {
    crate::sync::trace::traced_atomics!(shuttle::sync::atomic);
}
