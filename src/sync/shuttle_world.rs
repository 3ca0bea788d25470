//! The shuttle world: threads are tasks scheduled by shuttle's random and
//! PCT schedulers; every atomic access is a scheduling point.

pub use shuttle::sync::atomic;
pub use shuttle::thread;

/// Name of this world, as printed in test and grader output.
pub const WORLD: &str = "shuttle";

#[inline]
pub(super) fn spin_loop() {
    shuttle::hint::spin_loop();
}
