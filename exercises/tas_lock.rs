// EXERCISE `tas_lock`: generated from solutions/tas_lock.rs by `cargo xtask exercises`.
// Replace each `todo!()` with your code, then run `cargo xtask grade tas_lock`.
// Everything outside the `todo!()`s is given: read it, it is part of the lesson.

//! The test-and-set lock: the simplest lock there is, and the baseline the
//! others improve on.
//!
//! One atomic flag. `lock` tries, again and again, to set it from `false`
//! to `true` in one atomic step; the try that finds it `false` is the one
//! that took the lock. `unlock` stores `false`.
//!
//! It is correct, and uncontended it is as fast as a lock can be (one
//! atomic read-modify-write, one store). Contended it is the worst
//! spinlock in this course: every try is a read-modify-write, which needs
//! the flag's cache line *exclusive* — on x86 a `lock cmpxchg` takes the
//! line even when it fails — so the line bounces between the waiting cores,
//! and the holder's own `unlock` has to wait for it like everybody else.
//! The test-and-test-and-set lock (exercise `ttas_backoff`) cures that by
//! waiting with plain loads.
//!
//! The textbook writes the try as `swap(true)`. We write it as
//! `compare_exchange(false, true)`: the same test-and-set, and the same
//! cache traffic, but loom can check it — a loop of swaps writes a new
//! value into the flag on every turn, and loom's search never runs out of
//! orders in which to place those writes.

use crate::locks::{Lock, Owner, RawLock};
use crate::sync::atomic::{AtomicBool, Ordering::Acquire, Ordering::Relaxed, Ordering::Release};
use crate::sync::{const_fn, spin_loop};

/// Data protected by a [`RawTasLock`].
pub type TasLock<T> = Lock<RawTasLock, T>;

/// A test-and-set spinlock.
#[derive(Debug)]
pub struct RawTasLock {
    /// For panics and debugging.
    name: &'static str,
    /// `true` while some thread holds the lock. Only a compare-exchange
    /// from `false` takes it (with `Acquire`); only the holder clears it (with
    /// `Release`).
    locked: AtomicBool,
    /// The holding thread; touched only by the holder.
    owner: Owner,
}

impl RawTasLock {
    const_fn! {
        /// An unlocked test-and-set lock called `name`.
        pub fn new(name: &'static str) -> Self {
            RawTasLock { name, locked: AtomicBool::new(false), owner: Owner::new() }
        }
    }

    /// Is the lock held by some thread right now? (A snapshot.)
    pub fn is_locked(&self) -> bool {
        // Relaxed: a snapshot that orders nothing.
        self.locked.load(Relaxed)
    }
}

// SAFETY: `locked` goes false -> true only by a compare-exchange that saw
// `false` (one thread per release), with Acquire, and true -> false only by the holder's
// Release store: mutual exclusion plus release/acquire hand-off.
unsafe impl RawLock for RawTasLock {
    fn new(name: &'static str) -> Self {
        RawTasLock::new(name)
    }

    fn name(&self) -> &'static str {
        self.name
    }

    #[inline]
    #[track_caller]
    fn lock(&self) {
        self.owner.check_not_held(self.name);
        todo!("compare_exchange `locked` from false to true (Acquire on success) until it succeeds; spin_loop() between tries");
        self.owner.acquired();
    }

    #[inline]
    #[track_caller]
    fn try_lock(&self) -> bool {
        self.owner.check_not_held(self.name);
        let taken = {
            todo!("one compare_exchange from false to true (Acquire); it is yours if it succeeded")
        };
        if taken {
            self.owner.acquired();
        }
        taken
    }

    #[inline]
    #[track_caller]
    unsafe fn unlock(&self) {
        self.owner.releasing(self.name);
        todo!("store false with Release, so the next holder sees the critical section's writes")
    }

    #[inline]
    fn holding(&self) -> bool {
        self.owner.holding()
    }
}

crate::locks::impl_lock_api!(RawTasLock);
