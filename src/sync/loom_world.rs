//! The loom world: every atomic access and every spawn is a point where
//! loom's model explores the alternatives.

pub use loom::thread;

/// Name of this world, as printed in test and grader output.
pub const WORLD: &str = "loom";

#[inline]
pub(super) fn spin_loop() {
    loom::hint::spin_loop();
}

/// The running thread's number, for traces.
pub(super) fn thread_label() -> String {
    format!("{:?}", loom::thread::current().id())
        .chars()
        .filter(char::is_ascii_digit)
        .collect()
}

/// loom's atomics, with the operations proclab uses traced.
pub mod atomic {
    crate::sync::trace::traced_atomics!(loom::sync::atomic);
}
