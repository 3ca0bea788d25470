//! One sleeping thread's wake-up slot: what a wait queue holds.

use crate::locks::spinlocks_held;
use crate::sync::atomic::{AtomicBool, Ordering::Acquire, Ordering::Release};
use crate::sync::thread::{self, Thread};
use std::sync::Arc;

/// A thread that is (about to be) asleep, and the flag that wakes it.
///
/// The sleeper creates it, puts a clone in some queue *while the condition
/// it waits for is still protected by a lock*, gives the lock up, and calls
/// [`Waiter::sleep`]; a waker takes it out of the queue and calls
/// [`Waiter::wake`]. Parking is only a hint to the OS: a thread can return
/// from `park` without an `unpark` (a spurious return), so the flag, not
/// the return from `park`, decides when the sleep is over.
#[derive(Debug)]
pub struct Waiter {
    thread: Thread,
    /// Set once, by the waker, with Release; read by the sleeper with
    /// Acquire so that whatever the waker did before waking is visible.
    woken: AtomicBool,
}

impl Waiter {
    /// A waiter for the calling thread.
    pub fn current() -> Arc<Waiter> {
        Arc::new(Waiter {
            thread: thread::current(),
            woken: AtomicBool::new(false),
        })
    }

    /// Block until [`Waiter::wake`] has been called (at once if it was).
    ///
    /// Panics ("sleep: … spinlock(s) held (xv6: sched locks)") if the thread
    /// still holds a spinlock: a thread that blocks holding a spinlock makes
    /// every thread spinning on it burn its CPU until it wakes — and if its
    /// waker needs that lock, nobody ever does.
    #[track_caller]
    pub fn sleep(&self) {
        let held = spinlocks_held();
        if held != 0 {
            panic!(
                "sleep: going to sleep with {held} spinlock(s) held (xv6: sched locks); \
                 only the lock guarding the condition may be held, and sleep gives it up"
            );
        }
        while !self.woken.load(Acquire) {
            crate::sync::note(|| "parks (sleeps until woken)".into());
            thread::park();
        }
    }

    /// Wake the sleeper (or let it not sleep at all, if it has not yet
    /// parked: `unpark` before `park` makes the `park` return at once).
    #[track_caller]
    pub fn wake(&self) {
        crate::sync::note(|| format!("wakes {:?}", self.thread.id()));
        self.woken.store(true, Release);
        self.thread.unpark();
    }

    /// Has [`Waiter::wake`] been called?
    pub fn is_woken(&self) -> bool {
        self.woken.load(Acquire)
    }
}
