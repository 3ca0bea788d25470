//! The counting semaphore: a number of permits; `acquire` takes one,
//! waiting while there are none, and `release` gives one back.
//!
//! Built from a spinlock guarding the count and a [`Condvar`] for the
//! threads waiting for it to become positive. The count never goes below
//! zero: a thread decrements it only while holding the lock and only after
//! seeing it positive.

use crate::locks::Spinlock;
use crate::sleep::Condvar;

/// A counting semaphore.
#[derive(Debug)]
pub struct Semaphore {
    /// Permits available. Changed only under this lock; never negative.
    permits: Spinlock<usize>,
    /// Signalled whenever `permits` goes up.
    available: Condvar,
}

impl Semaphore {
    /// A semaphore holding `permits` permits.
    pub fn new(permits: usize) -> Self {
        Semaphore {
            permits: Spinlock::new("semaphore", permits),
            available: Condvar::new(),
        }
    }

    /// Take a permit, waiting while there are none.
    pub fn acquire(&self) {
        // BEGIN SOLUTION hint: lock the count, wait on `available` while it is 0 (wait_while), then take one
        let permits = self.permits.lock();
        let mut permits = self.available.wait_while(permits, |n| *n == 0);
        *permits -= 1;
        // END SOLUTION
    }

    /// Take a permit if one is free now; `true` if taken.
    pub fn try_acquire(&self) -> bool {
        // BEGIN SOLUTION hint: under the lock: if the count is positive, take one and say so; never wait, never go below zero
        let mut permits = self.permits.lock();
        if *permits == 0 {
            return false;
        }
        *permits -= 1;
        true
        // END SOLUTION
    }

    /// Give a permit back, waking one waiter.
    pub fn release(&self) {
        // BEGIN SOLUTION hint: add one under the lock, then notify one waiter (a permit is enough for exactly one)
        *self.permits.lock() += 1;
        self.available.notify_one();
        // END SOLUTION
    }

    /// Permits free right now (a snapshot).
    pub fn available(&self) -> usize {
        *self.permits.lock()
    }
}
