// EXERCISE `ttas_backoff`: generated from solutions/ttas_backoff.rs by `cargo xtask exercises`.
// Replace each `todo!()` with your code, then run `cargo xtask grade ttas_backoff`.
// Everything outside the `todo!()`s is given: read it, it is part of the lesson.

//! The test-and-test-and-set lock with exponential backoff.
//!
//! Two cures for the test-and-set lock's cache-line ping-pong:
//!
//! * **Test, then test-and-set.** A waiter waits by *reading* the flag. A
//!   read leaves the cache line shared, so all the waiters spin in their own
//!   caches without traffic; only when the holder's release invalidates the
//!   line do they try the test-and-set (a `compare_exchange(false, true)`,
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

use crate::locks::{Lock, Owner, RawLock};
use crate::sync::atomic::{AtomicBool, Ordering::Acquire, Ordering::Relaxed, Ordering::Release};
use crate::sync::{const_fn, spin_budget, spin_loop};

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
    /// `true` while some thread holds the lock. Only a compare-exchange
    /// from `false` takes it (with `Acquire`); only the holder clears it (with
    /// `Release`). Waiters only read it.
    locked: AtomicBool,
    /// The holding thread; touched only by the holder.
    owner: Owner,
}

impl RawTtasLock {
    const_fn! {
        /// An unlocked TTAS lock called `name`.
        pub fn new(name: &'static str) -> Self {
            RawTtasLock { name, locked: AtomicBool::new(false), owner: Owner::new() }
        }
    }

    /// Is the lock held by some thread right now? (A snapshot.)
    pub fn is_locked(&self) -> bool {
        // Relaxed: a snapshot that orders nothing.
        self.locked.load(Relaxed)
    }
}

// SAFETY: `locked` goes false -> true only by a compare-exchange that saw
// `false`, with Acquire, and true -> false only by the holder's Release store: mutual
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
        self.owner.check_not_held(self.name);
        todo!("try the test-and-set (compare_exchange false -> true, Acquire) first — uncontended that is all; each time it fails, back off, then wait with Relaxed loads (spin_loop) until the flag reads false, and try again");
        self.owner.acquired();
    }

    #[inline]
    #[track_caller]
    fn try_lock(&self) -> bool {
        self.owner.check_not_held(self.name);
        let taken = {
            todo!("do not write a held lock's line: if the flag reads true, fail; otherwise one compare_exchange (Acquire) decides")
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
        todo!("store false with Release")
    }

    #[inline]
    fn holding(&self) -> bool {
        self.owner.holding()
    }
}

crate::locks::impl_lock_api!(RawTtasLock);
