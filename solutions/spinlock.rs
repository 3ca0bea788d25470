//! The spinlock: one atomic flag, taken with compare-and-swap, released
//! with a store.
//!
//! This is xv6's `struct spinlock` (kernel/spinlock.c) for threads. As in
//! xv6, the lock knows its name and its holder, and misuse panics with the
//! rule it broke instead of hanging:
//!
//! * taking a lock the thread already holds — "acquire: NAME already held by
//!   this thread" (it would spin forever);
//! * releasing a lock the thread does not hold — "release: NAME not held by
//!   this thread".
//!
//! The memory ordering is the whole lesson: `Acquire` when the lock is
//! taken, `Release` when it is given back, so everything one holder wrote
//! inside the critical section is visible to the next holder.

use crate::locks::{Lock, Owner, RawLock};
use crate::sync::atomic::{AtomicBool, Ordering::Acquire, Ordering::Relaxed, Ordering::Release};
use crate::sync::{const_fn, spin_loop};

/// Data protected by a [`RawSpinlock`]: `let n = Spinlock::new("n", 0);`.
pub type Spinlock<T> = Lock<RawSpinlock, T>;

/// A test-and-test-and-set spinlock with xv6's bookkeeping.
#[derive(Debug)]
pub struct RawSpinlock {
    /// For panics and debugging.
    name: &'static str,
    /// `true` while some thread holds the lock. Set by a successful
    /// compare-exchange with `Acquire`, cleared by the holder's `Release`
    /// store: that pair orders every critical section after the previous one.
    locked: AtomicBool,
    /// The holding thread; touched only by the holder.
    owner: Owner,
}

impl RawSpinlock {
    const_fn! {
        /// An unlocked spinlock called `name`.
        pub fn new(name: &'static str) -> Self {
            RawSpinlock { name, locked: AtomicBool::new(false), owner: Owner::new() }
        }
    }

    /// Is the lock held by some thread right now? (A snapshot, for
    /// debugging and `lock_api`; never a reason to skip locking.)
    pub fn is_locked(&self) -> bool {
        // Relaxed: a snapshot that orders nothing.
        self.locked.load(Relaxed)
    }
}

// SAFETY: `locked` goes false -> true only by one successful compare-exchange
// (so one holder at a time) with Acquire, and true -> false only by the
// holder's Release store: mutual exclusion plus release/acquire hand-off.
unsafe impl RawLock for RawSpinlock {
    fn new(name: &'static str) -> Self {
        RawSpinlock::new(name)
    }

    fn name(&self) -> &'static str {
        self.name
    }

    #[inline]
    #[track_caller]
    fn lock(&self) {
        self.owner.check_not_held(self.name);
        // BEGIN SOLUTION hint: loop on compare_exchange_weak(false, true, Acquire, Relaxed); while it fails, spin reading the flag (load + spin_loop) until it looks free
        while self
            .locked
            // Acquire on success: see everything the previous holder wrote.
            // Relaxed on failure: a failed attempt takes nothing.
            .compare_exchange_weak(false, true, Acquire, Relaxed)
            .is_err()
        {
            // Wait by reading, not by writing: a load keeps the cache line
            // shared among the waiters instead of bouncing it. Relaxed: the
            // compare-exchange above does the synchronizing.
            while self.locked.load(Relaxed) {
                spin_loop();
            }
        }
        // END SOLUTION
        self.owner.acquired();
    }

    #[inline]
    #[track_caller]
    fn try_lock(&self) -> bool {
        self.owner.check_not_held(self.name);
        let taken = {
            // BEGIN SOLUTION hint: one compare_exchange (not _weak: a spurious failure would make try_lock lie) from false to true; Acquire on success
            self.locked
                .compare_exchange(false, true, Acquire, Relaxed)
                .is_ok()
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
        // BEGIN SOLUTION hint: publish the critical section's writes to the next holder: store false with Release
        self.locked.store(false, Release);
        // END SOLUTION
    }

    #[inline]
    fn holding(&self) -> bool {
        self.owner.holding()
    }
}

crate::locks::impl_lock_api!(RawSpinlock);
