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
//! The state is one word: the holder's thread number (0: free) shifted
//! left by one, and below it one bit, `PARKED`, set while some thread is
//! asleep waiting for the lock (the two-bit layout of `parking_lot`, with
//! the holder recorded in the same word, as in
//! [`RawSpinlock`](crate::locks::RawSpinlock)).
//!
//! Both paths that matter are one atomic operation: `lock` is a
//! compare-and-swap from 0 to "held by me", `unlock` one from "held by me"
//! back to 0. Only when `PARKED` is set does `unlock` take the slow path: it takes
//! the sleepers' lock, wakes the longest sleeper, and clears `PARKED` if
//! that was the last. A waiter sets `PARKED` and queues itself under that
//! same lock, and only while the lock is still held — exactly what the
//! futex system call checks under its hash-bucket lock, and for the same
//! reason: no lost wakeup. (A simpler three-state design — Drepper's
//! "Futexes Are Tricky" mutex 2 — never learns that the sleepers are all
//! gone, so once contended, every unlock takes the slow path.)

use crate::locks::{check_held, check_not_held, Backoff, Lock, RawLock, RawSpinlock};
use crate::sleep::Waiter;
use crate::sync::atomic::{AtomicUsize, Ordering::Acquire, Ordering::Relaxed, Ordering::Release};
use crate::sync::{const_fn, thread, thread_id, MODEL_CHECKED};
use std::collections::VecDeque;
use std::sync::Arc;

/// Data protected by a [`RawHybridLock`].
pub type HybridLock<T> = Lock<RawHybridLock, T>;

/// State bit: some thread sleeps in `sleepers` (set and cleared only under
/// the sleepers' lock).
const PARKED: usize = 1;

/// The state's holder part for the calling thread.
#[inline(always)]
fn held_by_me() -> usize {
    thread_id() << 1
}

/// The holder's thread number recorded in `state` (0: free).
#[inline(always)]
fn holder(state: usize) -> usize {
    state >> 1
}

/// How many rounds of exponential backoff a waiter spins before it starts
/// yielding: 1 + 2 + 4 = 7 spin hints, a few hundred nanoseconds — long
/// enough for a short critical section to end on another core.
const SPIN_ROUNDS: u32 = 3;

/// How many times a waiter then gives its core to another runnable thread
/// (`yield_now`) before it goes to sleep. When threads outnumber cores the
/// holder may be one of those runnable threads; a yield costs one system
/// call, a sleep and a wakeup two and a context switch.
const YIELD_ROUNDS: u32 = 7;

/// A lock that spins briefly, then parks its waiters.
///
/// Unlike a spinlock it is not counted in
/// [`spinlocks_held`](crate::locks::spinlocks_held): its holder may sleep
/// (on a condition variable, or waiting for another hybrid lock).
#[derive(Debug)]
pub struct RawHybridLock {
    /// For panics and debugging.
    name: &'static str,
    /// `holder << 1 | PARKED?`. The holder part is set by an Acquire
    /// compare-and-swap that saw it 0, and cleared by the holder with
    /// Release. Invariant: `PARKED` is set exactly while `sleepers` is not
    /// empty; it changes only under the sleepers' lock.
    state: AtomicUsize,
    /// Threads asleep waiting for the lock, oldest first. A thread adds
    /// itself only while the lock is held and `PARKED` set, under this
    /// lock; the unlock that sees `PARKED` takes the oldest out, under it.
    sleepers: Lock<RawSpinlock, VecDeque<Arc<Waiter>>>,
}

impl RawHybridLock {
    const_fn! {
        /// An unlocked hybrid lock called `name`.
        pub fn new(name: &'static str) -> Self {
            RawHybridLock {
                name,
                state: AtomicUsize::new(0),
                sleepers: Lock::from_raw(RawSpinlock::new("hybrid lock sleepers"), VecDeque::new()),
            }
        }
    }

    /// Is the lock held by some thread right now? (A snapshot.)
    pub fn is_locked(&self) -> bool {
        // Relaxed: a snapshot that orders nothing.
        holder(self.state.load(Relaxed)) != 0
    }

    /// How many threads are asleep waiting for the lock (a snapshot).
    pub fn sleepers(&self) -> usize {
        self.sleepers.lock().len()
    }

    /// The slow path of `lock`: spin a bounded while, then sleep until
    /// woken, and again, until the lock is ours.
    #[cold]
    fn lock_contended(&self, me: usize) {
        // In the model worlds a waiter goes to sleep at once: each spin or
        // yield there is a scheduling point at which the model runs the
        // holder, which would release the lock before the sleep path —
        // the part worth checking — were ever reached.
        let (spin_rounds, yield_rounds) = if MODEL_CHECKED {
            (0, 0)
        } else {
            (SPIN_ROUNDS, YIELD_ROUNDS)
        };
        let mut backoff = Backoff::new();
        let mut rounds = 0;
        loop {
            // Relaxed: only the compare-and-swap below synchronizes.
            let state = self.state.load(Relaxed);
            if holder(state) == 0 {
                // Free (perhaps with sleepers, whose bit we keep).
                if self
                    .state
                    .compare_exchange_weak(state, state | me, Acquire, Relaxed)
                    .is_ok()
                {
                    return;
                }
                continue;
            }
            // Held. Spin, then yield, while nobody sleeps yet and the budget
            // lasts: the holder is probably running and about to let go.
            if state & PARKED == 0 && rounds < spin_rounds + yield_rounds {
                if rounds < spin_rounds {
                    backoff.spin();
                } else {
                    thread::yield_now();
                }
                rounds += 1;
                continue;
            }
            if self.sleep_while_held() {
                // Woken by an unlock: spin again before sleeping again.
                backoff = Backoff::new();
                rounds = 0;
            }
        }
    }

    /// Queue up and sleep, if the lock is still held once the sleepers'
    /// lock is ours; `false` if it was released meanwhile (try again).
    fn sleep_while_held(&self) -> bool {
        let me = Waiter::current();
        {
            let mut sleepers = self.sleepers.lock();
            // Relaxed (load and exchange): the sleepers' lock orders this
            // against the unlock that will wake us, which takes it too; the
            // exchange only has to be atomic against the holder's
            // compare-and-swap from LOCKED to 0.
            let state = self.state.load(Relaxed);
            if holder(state) == 0 {
                return false;
            }
            if state & PARKED == 0
                && self
                    .state
                    .compare_exchange(state, state | PARKED, Relaxed, Relaxed)
                    .is_err()
            {
                return false;
            }
            sleepers.push_back(me.clone());
        }
        me.sleep();
        true
    }

    /// The slow path of `unlock` (`PARKED` is set): wake the longest
    /// sleeper, and release the lock — clearing `PARKED` if that sleeper
    /// was the last.
    #[cold]
    fn unlock_contended(&self) {
        let next = {
            let mut sleepers = self.sleepers.lock();
            let next = sleepers.pop_front();
            // A store suffices: while we hold the lock with PARKED set,
            // nobody else may change the state — acquirers need the holder
            // part 0, and PARKED changes only under the sleepers' lock,
            // which is ours. Release: the next holder sees our writes.
            let state = if sleepers.is_empty() { 0 } else { PARKED };
            self.state.store(state, Release);
            next
        };
        if let Some(waiter) = next {
            waiter.wake();
        }
    }
}

// SAFETY: the holder part leaves 0 only by an Acquire compare-and-swap
// that saw it 0 (one thread per release) and returns to 0 only by the
// holder, with Release: mutual exclusion plus release/acquire hand-off. A
// sleeper queues only while the lock is held and PARKED set, under the
// sleepers' lock; an unlock that finds PARKED set wakes one sleeper under
// that lock.
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
        let me = held_by_me();
        // The whole fast path: one compare-and-swap. (A thread that holds
        // the lock already fails it too, and is caught on the slow path.)
        if let Err(state) = self.state.compare_exchange(0, me, Acquire, Relaxed) {
            check_not_held(holder(state), self.name);
            self.lock_contended(me);
        }
    }

    #[inline]
    #[track_caller]
    fn try_lock(&self) -> bool {
        // Relaxed: only the compare-and-swap synchronizes.
        let state = self.state.load(Relaxed);
        check_not_held(holder(state), self.name);
        holder(state) == 0
            && self
                .state
                .compare_exchange(state, state | held_by_me(), Acquire, Relaxed)
                .is_ok()
    }

    #[inline]
    #[track_caller]
    unsafe fn unlock(&self) {
        // The whole fast path: one compare-and-swap from "held by me, no
        // sleepers" to 0. It fails if sleepers wait — or if the caller does
        // not hold the lock, which the slow path checks first.
        if let Err(state) = self
            .state
            .compare_exchange(held_by_me(), 0, Release, Relaxed)
        {
            check_held(holder(state), self.name);
            self.unlock_contended();
        }
    }

    #[inline]
    fn holding(&self) -> bool {
        // Relaxed: "is it me?" — only this thread writes its own number.
        holder(self.state.load(Relaxed)) == thread_id()
    }
}

crate::locks::impl_lock_api!(RawHybridLock);
