//! The hybrid lock: spin a little, then sleep — the futex idea, which is
//! how `std::sync::Mutex` and `parking_lot::Mutex` work.
//!
//! Pure spinlocks assume the holder is running on another core and will
//! let go soon. Give them more threads than cores and the assumption
//! breaks: a waiter spins away its whole time slice while the holder sits
//! descheduled, unable to release. A hybrid lock spins for a short, bounded
//! while (most critical sections are short, and sleeping costs two system
//! calls), then gives its core up and sleeps until the holder wakes it.
//!
//! The state is one word with three values (Drepper, "Futexes Are Tricky",
//! mutex 2):
//!
//! | state | meaning |
//! |-------|---------|
//! | `FREE` | nobody holds the lock |
//! | `LOCKED` | held, and nobody is asleep waiting for it |
//! | `CONTENDED` | held, and some thread may be asleep waiting |
//!
//! The uncontended path is one compare-and-swap to lock and one swap to
//! unlock, never touching the sleepers' queue. A waiter that gives up
//! spinning swaps in `CONTENDED` (so the holder's unlock knows to wake
//! somebody) and sleeps, if the state is still `CONTENDED`, checked under
//! the queue's lock — exactly what the futex system call checks under its
//! hash-bucket lock, and for the same reason: no lost wakeup.

use crate::locks::{Lock, Owner, RawLock, RawSpinlock};
use crate::sleep::Waiter;
use crate::sync::atomic::{AtomicUsize, Ordering::Acquire, Ordering::Relaxed, Ordering::Release};
use crate::sync::{const_fn, spin_budget, spin_loop};
use std::collections::VecDeque;
use std::sync::Arc;

/// Data protected by a [`RawHybridLock`].
pub type HybridLock<T> = Lock<RawHybridLock, T>;

/// Nobody holds the lock.
const FREE: usize = 0;
/// Held; nobody sleeps waiting for it.
const LOCKED: usize = 1;
/// Held; some thread may sleep waiting for it (its unlock must wake one).
const CONTENDED: usize = 2;

/// How many times a waiter checks the lock before going to sleep. About as
/// long as a short critical section and a cache-line transfer (a few
/// microseconds of `pause`), far shorter than a sleep and a wakeup.
const SPINS: u32 = 100;

/// A lock that spins briefly, then parks its waiters.
///
/// Unlike a spinlock it is not counted in
/// [`spinlocks_held`](crate::locks::spinlocks_held): its holder may sleep
/// (on a condition variable, or waiting for another hybrid lock).
#[derive(Debug)]
pub struct RawHybridLock {
    /// For panics and debugging.
    name: &'static str,
    /// `FREE`, `LOCKED` or `CONTENDED`. Taken by an Acquire compare-and-swap
    /// from `FREE` (or swap, from any state, on the slow path); released by
    /// the holder's Release swap to `FREE`. Invariant: if a thread is in
    /// `sleepers`, the state has been `CONTENDED` since it was added, until
    /// an unlock takes it out.
    state: AtomicUsize,
    /// Threads asleep waiting for the lock, oldest first. A sleeper adds
    /// itself only after seeing `state == CONTENDED` under this lock; an
    /// unlock that swapped `CONTENDED` out wakes the oldest, under it.
    sleepers: Lock<RawSpinlock, VecDeque<Arc<Waiter>>>,
    /// The holding thread; touched only by the holder.
    owner: Owner,
}

impl RawHybridLock {
    const_fn! {
        /// An unlocked hybrid lock called `name`.
        pub fn new(name: &'static str) -> Self {
            RawHybridLock {
                name,
                state: AtomicUsize::new(FREE),
                sleepers: Lock::from_raw(RawSpinlock::new("hybrid lock sleepers"), VecDeque::new()),
                owner: Owner::new(),
            }
        }
    }

    /// Is the lock held by some thread right now? (A snapshot.)
    pub fn is_locked(&self) -> bool {
        // Relaxed: a snapshot that orders nothing.
        self.state.load(Relaxed) != FREE
    }

    /// How many threads are asleep waiting for the lock (a snapshot).
    pub fn sleepers(&self) -> usize {
        self.sleepers.lock().len()
    }

    /// The slow path: spin a bounded while, then sleep until woken, until
    /// the lock is ours.
    #[cold]
    fn lock_contended(&self) {
        for _ in 0..spin_budget(SPINS) {
            // Relaxed: only the compare-and-swap synchronizes.
            let state = self.state.load(Relaxed);
            if state == FREE
                && self
                    .state
                    .compare_exchange(FREE, LOCKED, Acquire, Relaxed)
                    .is_ok()
            {
                return;
            }
            if state == CONTENDED {
                // Others already sleep: join them rather than burn a core.
                break;
            }
            spin_loop();
        }
        // From here on we may sleep, so mark the lock CONTENDED; if the swap
        // finds it FREE we took it (as CONTENDED: we cannot know whether
        // others still sleep, so our unlock will wake one to find out).
        while self.state.swap(CONTENDED, Acquire) != FREE {
            self.sleep_while_contended();
        }
    }

    /// Sleep until an unlock wakes us — unless the lock stopped being
    /// `CONTENDED` already, which is checked under the sleepers' lock that
    /// every waking unlock also takes.
    fn sleep_while_contended(&self) {
        let me = Waiter::current();
        {
            let mut sleepers = self.sleepers.lock();
            // Relaxed: the sleepers' lock orders this check against the
            // waking unlock, which swaps the state before taking that lock.
            if self.state.load(Relaxed) != CONTENDED {
                return;
            }
            sleepers.push_back(me.clone());
        }
        me.sleep();
    }

    /// Wake the longest sleeper, if any.
    #[cold]
    fn wake_one(&self) {
        let next = self.sleepers.lock().pop_front();
        if let Some(waiter) = next {
            waiter.wake();
        }
    }
}

// SAFETY: the state leaves FREE only by an Acquire read-modify-write that
// saw FREE (one thread per release) and returns to FREE only by the holder's
// Release swap: mutual exclusion plus release/acquire hand-off. A sleeper
// sleeps only after seeing CONTENDED under the sleepers' lock, and every
// unlock that replaces CONTENDED wakes one sleeper under that lock.
unsafe impl RawLock for RawHybridLock {
    fn new(name: &'static str) -> Self {
        RawHybridLock::new(name)
    }

    fn name(&self) -> &'static str {
        self.name
    }

    #[inline]
    #[track_caller]
    fn lock(&self) {
        self.owner.check_not_held(self.name);
        if self
            .state
            .compare_exchange(FREE, LOCKED, Acquire, Relaxed)
            .is_err()
        {
            self.lock_contended();
        }
        self.owner.acquired_blocking();
    }

    #[inline]
    #[track_caller]
    fn try_lock(&self) -> bool {
        self.owner.check_not_held(self.name);
        let taken = self
            .state
            .compare_exchange(FREE, LOCKED, Acquire, Relaxed)
            .is_ok();
        if taken {
            self.owner.acquired_blocking();
        }
        taken
    }

    #[inline]
    #[track_caller]
    unsafe fn unlock(&self) {
        self.owner.releasing_blocking(self.name);
        if self.state.swap(FREE, Release) == CONTENDED {
            self.wake_one();
        }
    }

    #[inline]
    fn holding(&self) -> bool {
        self.owner.holding()
    }
}

crate::locks::impl_lock_api!(RawHybridLock);
