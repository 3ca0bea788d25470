//! The std world: real atomics and real threads.

pub use std::sync::atomic;
pub use std::thread;

/// Name of this world, as printed in test and grader output.
pub const WORLD: &str = "std";

#[inline]
pub(super) fn spin_loop() {
    std::hint::spin_loop();
}
