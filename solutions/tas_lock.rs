//! The test-and-set lock: the simplest lock there is, and the baseline the
//! others improve on.
//!
//! One atomic flag. `lock` swaps `true` into it until the swap returns
//! `false` — the value it replaced — which means this thread is the one
//! that turned the lock from free to taken. `unlock` stores `false`.
//!
//! It is correct, and uncontended it is as fast as a lock can be (one swap,
//! one store). Contended it is the worst spinlock in this course: every
//! waiter *writes* the flag on every try, so the cache line holding it
//! bounces between the waiting cores, and the holder's own `unlock` has to
//! wait for that line like everybody else. The test-and-test-and-set lock
//! (exercise `ttas_backoff`) cures that by waiting with loads.

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
    /// `true` while some thread holds the lock. Only a swap that returns
    /// `false` takes it (with `Acquire`); only the holder clears it (with
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

// SAFETY: `locked` goes false -> true only by a swap that saw `false` (one
// thread per release), with Acquire, and true -> false only by the holder's
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
        // BEGIN SOLUTION hint: swap true into `locked` (Acquire) until the swap returns false, i.e. until you were the one who took it; spin_loop() between tries
        while self.locked.swap(true, Acquire) {
            spin_loop();
        }
        // END SOLUTION
        self.owner.acquired();
    }

    #[inline]
    #[track_caller]
    fn try_lock(&self) -> bool {
        self.owner.check_not_held(self.name);
        let taken = {
            // BEGIN SOLUTION hint: one swap of true (Acquire); it is yours if the old value was false
            !self.locked.swap(true, Acquire)
            // END SOLUTION
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
        // BEGIN SOLUTION hint: store false with Release, so the next holder sees the critical section's writes
        self.locked.store(false, Release);
        // END SOLUTION
    }

    #[inline]
    fn holding(&self) -> bool {
        self.owner.holding()
    }
}

crate::locks::impl_lock_api!(RawTasLock);
