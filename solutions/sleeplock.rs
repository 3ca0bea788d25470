//! The sleep lock: a lock whose waiters sleep instead of spinning, and whose
//! holder may itself block (xv6's kernel/sleeplock.c, which guards disk
//! buffers held across slow I/O).
//!
//! It is built from the parts before it: a spinlock guards the sleep
//! lock's state (is it taken, and by whom), and a waiter sleeps on the
//! sleep lock's own wait channel until a release wakes it. Unlike a
//! spinlock it is not counted in [`spinlocks_held`](crate::locks::spinlocks_held),
//! so its holder may sleep — on a condition variable, on I/O, on another
//! sleep lock.

use crate::locks::{check_held, check_not_held, Lock, RawLock, Spinlock};
use crate::sleep::{Chan, WaitChannels};
use crate::sync::thread_id;

/// Data protected by a [`RawSleepLock`].
pub type SleepLock<T> = Lock<RawSleepLock, T>;

/// xv6's `struct sleeplock`.
#[derive(Debug)]
pub struct RawSleepLock {
    name: &'static str,
    /// `(locked, holder)`: whether the sleep lock is taken, and the id of
    /// the thread holding it (0 if none). Only changed under this spinlock.
    state: Spinlock<(bool, usize)>,
    /// Where waiters sleep; the channel is this lock's address.
    sleepers: WaitChannels,
}

impl RawSleepLock {
    fn chan(&self) -> Chan {
        Chan::of(self)
    }
}

// SAFETY: `locked` goes false -> true only under the `state` spinlock by a
// thread that saw it false, and true -> false only by its holder, also
// under the spinlock, whose release/acquire orders the critical sections.
unsafe impl RawLock for RawSleepLock {
    fn new(name: &'static str) -> Self {
        RawSleepLock {
            name,
            state: Spinlock::new("sleep lock state", (false, 0)),
            sleepers: WaitChannels::new(1),
        }
    }

    fn name(&self) -> &'static str {
        self.name
    }

    #[track_caller]
    fn lock(&self) {
        let me = thread_id();
        let mut state = self.state.lock();
        check_not_held(state.1, self.name);
        // BEGIN SOLUTION hint: while it is taken, sleep on this lock's channel (sleep gives back the state lock and returns it); then mark it taken and record yourself as holder
        while state.0 {
            state = self.sleepers.sleep(self.chan(), state);
        }
        *state = (true, me);
        // END SOLUTION
    }

    #[track_caller]
    fn try_lock(&self) -> bool {
        let me = thread_id();
        let mut state = self.state.lock();
        check_not_held(state.1, self.name);
        if state.0 {
            return false;
        }
        *state = (true, me);
        true
    }

    #[track_caller]
    unsafe fn unlock(&self) {
        let mut state = self.state.lock();
        check_held(state.1, self.name);
        // BEGIN SOLUTION hint: mark it free (and forget the holder) and wake the sleepers on this lock's channel, all while holding the state lock
        *state = (false, 0);
        self.sleepers.wakeup(self.chan());
        // END SOLUTION
    }

    fn holding(&self) -> bool {
        let state = self.state.lock();
        state.0 && state.1 == thread_id()
    }
}
