// EXERCISE `semaphore`: generated from solutions/semaphore.rs by `cargo xtask exercises`.
// Replace each `todo!()` with your code, then run `cargo xtask grade semaphore`.
// Everything outside the `todo!()`s is given: read it, it is part of the lesson.

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
        todo!("lock the count, wait on `available` while it is 0 (wait_while), then take one")
    }

    /// Take a permit if one is free now; `true` if taken.
    pub fn try_acquire(&self) -> bool {
        todo!("under the lock: if the count is positive, take one and say so; never wait, never go below zero")
    }

    /// Give a permit back, waking one waiter.
    pub fn release(&self) {
        todo!("add one under the lock, then notify one waiter (a permit is enough for exactly one)")
    }

    /// Permits free right now (a snapshot).
    pub fn available(&self) -> usize {
        *self.permits.lock()
    }
}
