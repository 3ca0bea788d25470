// EXERCISE `tas_lock`: generated from solutions/tas_lock.rs by `cargo xtask exercises`.
// Replace each `todo!()` with your code, then run `cargo xtask grade tas_lock`.
// Everything outside the `todo!()`s is given: read it, it is part of the lesson.

//! The test-and-set lock: the simplest lock there is, and the baseline the
//! others improve on.
//!
//! One atomic word: 0 when free, otherwise the holder's thread number (as
//! in [`RawSpinlock`](crate::locks::RawSpinlock), xv6's `locked` and `cpu`
//! folded into one). `lock` tries, again and again, to set it from 0 to
//! its own number in one atomic step; the try that finds it 0 is the one
//! that took the lock. `unlock` stores 0.
//!
//! It is correct, and uncontended it is as fast as a lock can be (one
//! atomic read-modify-write, one store). Contended it is the worst
//! spinlock in this course: every try is a read-modify-write, which needs
//! the lock word's cache line *exclusive* — on x86 a `lock cmpxchg` takes the
//! line even when it fails — so the line bounces between the waiting cores,
//! and the holder's own `unlock` has to wait for it like everybody else.
//! The test-and-test-and-set lock (exercise `ttas_backoff`) cures that by
//! waiting with plain loads.
//!
//! The textbook writes the try as a swap (`xchg`) of a flag. We write it as
//! `compare_exchange(0, me)`: the same test-and-set, and the same cache
//! traffic, but it records the holder too, and loom can check it — a loop
//! of swaps writes a new value on every turn, and loom's search never runs
//! out of orders in which to place those writes.

use crate::locks::{check_held, check_not_held, count_held, uncount_held, Lock, RawLock};
use crate::sync::atomic::{AtomicUsize, Ordering::Acquire, Ordering::Relaxed, Ordering::Release};
use crate::sync::{const_fn, spin_loop, thread_id};

/// Data protected by a [`RawTasLock`].
pub type TasLock<T> = Lock<RawTasLock, T>;

/// A test-and-set spinlock.
#[derive(Debug)]
pub struct RawTasLock {
    /// For panics and debugging.
    name: &'static str,
    /// 0 while free, otherwise the holder's [`thread_id`]. Only a
    /// compare-exchange from 0 takes it (with `Acquire`); only the holder
    /// clears it (with `Release`).
    holder: AtomicUsize,
}

impl RawTasLock {
    const_fn! {
        /// An unlocked test-and-set lock called `name`.
        pub fn new(name: &'static str) -> Self {
            RawTasLock { name, holder: AtomicUsize::new(0) }
        }
    }

    /// Is the lock held by some thread right now? (A snapshot.)
    pub fn is_locked(&self) -> bool {
        // Relaxed: a snapshot that orders nothing.
        self.holder.load(Relaxed) != 0
    }
}

// SAFETY: `holder` leaves 0 only by a compare-exchange that saw 0 (one
// thread per release), with Acquire, and returns to 0 only by the holder's
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
        let me = thread_id();
        check_not_held(self.holder.load(Relaxed), self.name);
        todo!("compare_exchange `holder` from 0 to me (Acquire on success) until it succeeds; spin_loop() between tries");
        count_held();
    }

    #[inline]
    #[track_caller]
    fn try_lock(&self) -> bool {
        let me = thread_id();
        check_not_held(self.holder.load(Relaxed), self.name);
        let taken = {
            todo!("one compare_exchange from 0 to me (Acquire); it is yours if it succeeded")
        };
        if taken {
            count_held();
        }
        taken
    }

    #[inline]
    #[track_caller]
    unsafe fn unlock(&self) {
        check_held(self.holder.load(Relaxed), self.name);
        uncount_held();
        todo!("store 0 with Release, so the next holder sees the critical section's writes")
    }

    #[inline]
    fn holding(&self) -> bool {
        // Relaxed: "is it me?" — only this thread ever writes its own number.
        self.holder.load(Relaxed) == thread_id()
    }
}

crate::locks::impl_lock_api!(RawTasLock);
