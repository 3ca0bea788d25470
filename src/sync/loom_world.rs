//! The loom world: every atomic access and every spawn is a point where
//! loom's model explores the alternatives.

pub use loom::sync::atomic;
pub use loom::thread;

/// Name of this world, as printed in test and grader output.
pub const WORLD: &str = "loom";

#[inline]
pub(super) fn spin_loop() {
    loom::hint::spin_loop();
}

#[inline]
pub(super) fn note(_what: impl FnOnce() -> String) {}

#[inline]
pub(super) fn quietly<R>(f: impl FnOnce() -> R) -> R {
    f()
}
