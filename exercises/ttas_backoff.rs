// EXERCISE `ttas_backoff`: generated from solutions/ttas_backoff.rs by `cargo xtask exercises`.
// Replace each `todo!()` with your code, then run `cargo xtask grade ttas_backoff`.
// Everything outside the `todo!()`s is given: read it, it is part of the lesson.

//! The test-and-test-and-set lock with exponential backoff.
//!
//! Two cures for the test-and-set lock's cache-line ping-pong:
//!
//! * **Test, then test-and-set.** A waiter waits by *reading* the lock word. A
//!   read leaves the cache line shared, so all the waiters spin in their own
//!   caches without traffic; only when the holder's release invalidates the
//!   line do they try the test-and-set (a `compare_exchange(0, me)`,
//!   as in [`RawTasLock`](crate::locks::RawTasLock)) again.
//! * **Back off after losing.** When the lock is released, every waiter
//!   sees it free at once and all of them try to take it; one wins, the others lost a
//!   race that cost a round of cache-line transfers. A loser waits a while
//!   before looking again, twice as long each time it loses (up to a cap),
//!   so under heavy contention fewer threads collide on each release.
//!
//! The backoff is our own, not crossbeam-utils' `Backoff`: that one starts
//! yielding the thread to the OS after a few rounds, which makes it a
//! different lock (a spin-then-yield hybrid). Here a spinlock spins; the
//! lock that gives up the CPU is [`HybridLock`](crate::locks::HybridLock),
//! and the book compares the two.

use crate::locks::{check_held, check_not_held, count_held, uncount_held, Lock, RawLock};
use crate::sync::atomic::{AtomicUsize, Ordering::Acquire, Ordering::Relaxed, Ordering::Release};
use crate::sync::{const_fn, spin_budget, spin_loop, thread_id};

/// Data protected by a [`RawTtasLock`].
pub type TtasLock<T> = Lock<RawTtasLock, T>;

/// Exponential backoff: each call to [`Backoff::spin`] waits twice as long
/// as the one before, up to `2^Backoff::MAX_STEP` spins.
#[derive(Debug, Default)]
pub struct Backoff {
    /// The next wait is `2^step` spins. Starts at 0, grows by one per
    /// [`Backoff::spin`], never past [`Backoff::MAX_STEP`].
    step: u32,
}

impl Backoff {
    /// The cap: at most `2^6 = 64` spin hints (a few hundred nanoseconds
    /// to a few microseconds, depending on the processor's pause) per wait.
    pub const MAX_STEP: u32 = 6;

    /// A backoff that has not waited yet.
    pub const fn new() -> Self {
        Backoff { step: 0 }
    }

    /// How many spin hints the next [`Backoff::spin`] issues on hardware.
    pub fn next_spins(&self) -> u32 {
        1 << self.step
    }

    /// Wait, then double the next wait (up to the cap).
    #[inline]
    pub fn spin(&mut self) {
        // In the model worlds every spin is a scheduling point: one is
        // enough to let other threads run.
        for _ in 0..spin_budget(self.next_spins()) {
            spin_loop();
        }
        todo!("make the next wait twice as long: one more step, but never past MAX_STEP")
    }
}

/// A test-and-test-and-set spinlock with exponential backoff.
#[derive(Debug)]
pub struct RawTtasLock {
    /// For panics and debugging.
    name: &'static str,
    /// 0 while free, otherwise the holder's [`thread_id`] (as in
    /// [`RawSpinlock`](crate::locks::RawSpinlock)). Only a compare-exchange
    /// from 0 takes it (with `Acquire`); only the holder clears it (with
    /// `Release`). Waiters only read it.
    holder: AtomicUsize,
}

impl RawTtasLock {
    const_fn! {
        /// An unlocked TTAS lock called `name`.
        pub fn new(name: &'static str) -> Self {
            RawTtasLock { name, holder: AtomicUsize::new(0) }
        }
    }

    /// Is the lock held by some thread right now? (A snapshot.)
    pub fn is_locked(&self) -> bool {
        // Relaxed: a snapshot that orders nothing.
        self.holder.load(Relaxed) != 0
    }
}

// SAFETY: `holder` leaves 0 only by a compare-exchange that saw 0, with
// Acquire, and returns to 0 only by the holder's Release store: mutual
// exclusion plus release/acquire hand-off. The waiting loads take nothing.
unsafe impl RawLock for RawTtasLock {
    fn new(name: &'static str) -> Self {
        RawTtasLock::new(name)
    }

    fn name(&self) -> &'static str {
        self.name
    }

    #[inline]
    #[track_caller]
    fn lock(&self) {
        let me = thread_id();
        check_not_held(self.holder.load(Relaxed), self.name);
        todo!("try the test-and-set (compare_exchange 0 -> me, Acquire) first — uncontended that is all; each time it fails, back off, then wait with Relaxed loads (spin_loop) until the word reads 0, and try again");
        count_held();
    }

    #[inline]
    #[track_caller]
    fn try_lock(&self) -> bool {
        let me = thread_id();
        let holder = self.holder.load(Relaxed);
        check_not_held(holder, self.name);
        let taken = {
            todo!("do not write a held lock's line: if `holder` (just read) is not 0, fail; otherwise one compare_exchange 0 -> me (Acquire) decides")
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
        todo!("store 0 with Release")
    }

    #[inline]
    fn holding(&self) -> bool {
        // Relaxed: "is it me?" — only this thread ever writes its own number.
        self.holder.load(Relaxed) == thread_id()
    }
}

crate::locks::impl_lock_api!(RawTtasLock);
