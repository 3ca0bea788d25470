//! Condition variables: wait for a condition on data behind a lock.
//!
//! `wait(guard)` gives up the lock, sleeps until notified, and takes the
//! lock back; `notify_one` wakes the longest waiter, `notify_all` every
//! waiter. It works with any proclab lock guard.
//!
//! As with sleep/wakeup, the lock must not be given up before the waiter is
//! queued, or a notification sent in between is lost. And a woken waiter
//! must check its condition again before trusting it, which is what
//! [`Condvar::wait_while`] does: between the notification and the moment
//! the waiter has the lock again, another thread may have taken what it was
//! waiting for. This Condvar never wakes a waiter without a notification,
//! but callers must not rely on that — std's may (spurious wakeups), and
//! code written with `wait_while` works with both.

use crate::locks::{Lock, LockGuard, RawLock, Spinlock};
use crate::sleep::Waiter;
use std::collections::VecDeque;
use std::sync::Arc;

/// A condition variable for proclab's locks.
#[derive(Debug)]
pub struct Condvar {
    /// Threads waiting to be notified, oldest first. A waiter is queued
    /// while it still holds the caller's lock.
    waiters: Spinlock<VecDeque<Arc<Waiter>>>,
}

impl Default for Condvar {
    fn default() -> Self {
        Condvar::new()
    }
}

impl Condvar {
    /// A condition variable nobody waits on.
    pub fn new() -> Self {
        Condvar {
            waiters: Spinlock::new("condvar waiters", VecDeque::new()),
        }
    }

    /// Release `guard`'s lock, sleep until notified, relock and return.
    #[track_caller]
    pub fn wait<'a, R: RawLock, T: ?Sized>(
        &self,
        guard: LockGuard<'a, R, T>,
    ) -> LockGuard<'a, R, T> {
        let lock: &'a Lock<R, T> = LockGuard::lock(&guard);
        let me = Waiter::current();
        // BEGIN SOLUTION hint: queue yourself (push_back a clone of `me`) before you give up `guard`; then drop the guard
        self.waiters.lock().push_back(me.clone());
        drop(guard);
        // END SOLUTION
        me.sleep();
        lock.lock()
    }

    /// Wait while `condition` holds; return with the lock held and the
    /// condition false.
    #[track_caller]
    pub fn wait_while<'a, R: RawLock, T: ?Sized>(
        &self,
        guard: LockGuard<'a, R, T>,
        mut condition: impl FnMut(&mut T) -> bool,
    ) -> LockGuard<'a, R, T> {
        let mut guard = guard;
        // BEGIN SOLUTION hint: a woken waiter must test the condition again: loop, not `if`
        while condition(&mut guard) {
            guard = self.wait(guard);
        }
        // END SOLUTION
        guard
    }

    /// Wake the longest-waiting thread, if any.
    pub fn notify_one(&self) {
        // BEGIN SOLUTION hint: take the oldest waiter out of the queue (under its lock) and wake it
        let first = self.waiters.lock().pop_front();
        if let Some(waiter) = first {
            waiter.wake();
        }
        // END SOLUTION
    }

    /// Wake every waiting thread.
    pub fn notify_all(&self) {
        // BEGIN SOLUTION hint: take all waiters out of the queue at once and wake each
        let all = std::mem::take(&mut *self.waiters.lock());
        for waiter in all {
            waiter.wake();
        }
        // END SOLUTION
    }

    /// How many threads wait right now (a snapshot).
    pub fn waiters(&self) -> usize {
        self.waiters.lock().len()
    }
}
