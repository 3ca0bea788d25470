// EXERCISE `ticket_lock`: generated from solutions/ticket_lock.rs by `cargo xtask exercises`.
// Replace each `todo!()` with your code, then run `cargo xtask grade ticket_lock`.
// Everything outside the `todo!()`s is given: read it, it is part of the lesson.

//! The ticket lock: a spinlock that serves waiters in the order they came,
//! like the numbered tickets at a deli counter.
//!
//! `lock` draws a ticket (`next_ticket.fetch_add(1)`) and waits until
//! `now_serving` shows that number; `unlock` calls the next number. No
//! waiter can be overtaken, so none can starve — the fairness a plain
//! [`RawSpinlock`](crate::locks::RawSpinlock) lacks. The price: every waiter
//! watches the same counter, and when the holder is descheduled everyone
//! behind it waits too.

use crate::locks::{FifoLock, Lock, Owner, RawLock};
use crate::sync::atomic::{AtomicUsize, Ordering::Acquire, Ordering::Relaxed, Ordering::Release};
use crate::sync::{const_fn, spin_loop};

/// Data protected by a [`RawTicketLock`].
pub type TicketLock<T> = Lock<RawTicketLock, T>;

/// A FIFO spinlock made of two counters.
#[derive(Debug)]
pub struct RawTicketLock {
    /// For panics and debugging.
    name: &'static str,
    /// The next ticket to hand out. Only ever incremented (wrapping), by
    /// `fetch_add` in `lock` or by a successful compare-exchange in
    /// `try_lock`, so no two threads draw the same ticket.
    next_ticket: AtomicUsize,
    /// The ticket allowed in. Written only by the holder, in `unlock`
    /// (`Release`), and read by waiters (`Acquire`): the hand-off edge.
    /// Invariant: `now_serving <= next_ticket` (modulo wrapping), and
    /// `next_ticket - now_serving` threads hold or wait for the lock.
    now_serving: AtomicUsize,
    /// The holding thread; touched only by the holder.
    owner: Owner,
}

impl RawTicketLock {
    const_fn! {
        /// An unlocked ticket lock called `name`.
        pub fn new(name: &'static str) -> Self {
            RawTicketLock {
                name,
                next_ticket: AtomicUsize::new(0),
                now_serving: AtomicUsize::new(0),
                owner: Owner::new(),
            }
        }
    }

    /// Is the lock held by some thread right now? (A snapshot.)
    pub fn is_locked(&self) -> bool {
        self.queued() != 0
    }

    /// How many threads hold the lock or have drawn a ticket for it (a
    /// snapshot).
    pub fn queued(&self) -> usize {
        // Acquire: the holder that stored this `now_serving` had drawn its
        // ticket before, so after this load `next_ticket` reads at least as
        // far and the difference cannot underflow. Relaxed for the second
        // load: a snapshot orders nothing else.
        let serving = self.now_serving.load(Acquire);
        self.next_ticket.load(Relaxed).wrapping_sub(serving)
    }
}

// SAFETY: tickets are unique (atomic increments of `next_ticket`), and only
// the thread whose ticket equals `now_serving` returns from `lock`; the
// holder's Release store to `now_serving` is read with Acquire by the next.
unsafe impl RawLock for RawTicketLock {
    fn new(name: &'static str) -> Self {
        RawTicketLock::new(name)
    }

    fn name(&self) -> &'static str {
        self.name
    }

    #[inline]
    #[track_caller]
    fn lock(&self) {
        self.owner.check_not_held(self.name);
        todo!("draw a ticket with one atomic fetch_add on next_ticket, then spin (spin_loop) until now_serving, loaded with Acquire, equals it");
        self.owner.acquired();
    }

    #[inline]
    #[track_caller]
    fn try_lock(&self) -> bool {
        self.owner.check_not_held(self.name);
        let taken = {
            todo!("the lock is free when next_ticket == now_serving; take the next ticket only if that still holds (compare_exchange), never draw a ticket you will not use")
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
        todo!("call the next ticket: now_serving + 1, stored with Release (only the holder writes now_serving, so a load and a store will do)")
    }

    #[inline]
    fn holding(&self) -> bool {
        self.owner.holding()
    }
}

impl FifoLock for RawTicketLock {
    fn has_waiters(&self) -> bool {
        self.queued() > 1
    }
}

crate::locks::impl_lock_api!(RawTicketLock);
