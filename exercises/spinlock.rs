// EXERCISE `spinlock`: generated from solutions/spinlock.rs by `cargo xtask exercises`.
// Replace each `todo!()` with your code, then run `cargo xtask grade spinlock`.
// Everything outside the `todo!()`s is given: read it, it is part of the lesson.

//! The spinlock: one atomic word, taken with compare-and-swap, released
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
//! xv6 keeps two fields, `locked` and `cpu`. Here they are one word: 0 when
//! the lock is free, otherwise the holder's thread number. Taking the lock
//! and recording who took it are then one atomic step, and nothing else
//! about the lock is written while threads wait for it — which keeps the
//! uncontended path at the physical floor and the contended one from
//! bouncing a second field between cores.
//!
//! The memory ordering is the whole lesson: `Acquire` when the lock is
//! taken, `Release` when it is given back, so everything one holder wrote
//! inside the critical section is visible to the next holder.

use crate::locks::{check_held, check_not_held, count_held, uncount_held, Lock, RawLock};
use crate::sync::atomic::{AtomicUsize, Ordering::Acquire, Ordering::Relaxed, Ordering::Release};
use crate::sync::{const_fn, spin_loop, thread_id};

/// Data protected by a [`RawSpinlock`]: `let n = Spinlock::new("n", 0);`.
pub type Spinlock<T> = Lock<RawSpinlock, T>;

/// A test-and-test-and-set spinlock with xv6's bookkeeping.
#[derive(Debug)]
pub struct RawSpinlock {
    /// For panics and debugging.
    name: &'static str,
    /// 0 while the lock is free, otherwise the holder's [`thread_id`]. Goes
    /// from 0 to a thread's number only by that thread's successful
    /// compare-exchange with `Acquire`, and back to 0 only by the holder's
    /// `Release` store: that pair orders every critical section after the
    /// previous one. A thread may read it `Relaxed` to ask "is it me?": it
    /// always sees its own latest write.
    holder: AtomicUsize,
}

impl RawSpinlock {
    const_fn! {
        /// An unlocked spinlock called `name`.
        pub fn new(name: &'static str) -> Self {
            RawSpinlock { name, holder: AtomicUsize::new(0) }
        }
    }

    /// Is the lock held by some thread right now? (A snapshot, for
    /// debugging and `lock_api`; never a reason to skip locking.)
    pub fn is_locked(&self) -> bool {
        // Relaxed: a snapshot that orders nothing.
        self.holder.load(Relaxed) != 0
    }
}

// SAFETY: `holder` goes 0 -> nonzero only by one successful compare-exchange
// (so one holder at a time) with Acquire, and back to 0 only by the holder's
// Release store: mutual exclusion plus release/acquire hand-off.
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
        let me = thread_id();
        check_not_held(self.holder.load(Relaxed), self.name);
        todo!("loop on compare_exchange_weak(0, me, Acquire, Relaxed); while it fails, spin reading the word (load + spin_loop) until it looks free (0)");
        count_held();
    }

    #[inline]
    #[track_caller]
    fn try_lock(&self) -> bool {
        let me = thread_id();
        check_not_held(self.holder.load(Relaxed), self.name);
        let taken = {
            todo!("one compare_exchange (not _weak: a spurious failure would make try_lock lie) from 0 to me; Acquire on success")
        };
        if taken {
            count_held();
        }
        taken
    }

    #[inline]
    #[track_caller]
    unsafe fn unlock(&self) {
        check_held(self.holder.load(Relaxed), self.name);
        uncount_held();
        todo!("publish the critical section's writes to the next holder: store 0 with Release")
    }

    #[inline]
    fn holding(&self) -> bool {
        // Relaxed: "is it me?" — only this thread ever writes its own number.
        self.holder.load(Relaxed) == thread_id()
    }
}

crate::locks::impl_lock_api!(RawSpinlock);
