//! Who holds a lock, and how many spinlocks each thread holds.
//!
//! xv6 keeps these in `struct spinlock`'s `cpu` field and in `struct cpu`'s
//! `noff` (the depth of `push_off`). Here a thread plays the CPU: an
//! [`Owner`] records the holder's [`thread_id`], and a per-thread count
//! ([`spinlocks_held`]) lets later primitives refuse to sleep while a
//! spinlock is held, as xv6's `sched` refuses with "sched locks".

use crate::sync::atomic::{AtomicUsize, Ordering::Relaxed};
use crate::sync::{const_fn, thread_id};
use std::cell::Cell;

crate::sync::per_thread! {
    /// Spinlocks the current thread holds (xv6's `noff`).
    static HELD: Cell<usize> = const { Cell::new(0) };
}

/// How many proclab spinlocks the calling thread holds right now.
pub fn spinlocks_held() -> usize {
    HELD.with(Cell::get)
}

/// The holder of one lock: a thread id, or 0 when nobody holds it.
#[derive(Debug)]
pub struct Owner {
    /// Written only by the thread that holds the lock: set just after it
    /// acquires, cleared just before it releases.
    ///
    /// All accesses are `Relaxed`: the only question ever asked is "is it
    /// me?", and a thread always sees its own latest write to a location
    /// (read-write coherence), so once it has cleared the field it can never
    /// read its own id there again, whatever other threads do.
    holder: AtomicUsize,
}

impl Default for Owner {
    fn default() -> Self {
        Owner::new()
    }
}

impl Owner {
    const_fn! {
        /// Nobody holds the lock.
        pub fn new() -> Self {
            Owner { holder: AtomicUsize::new(0) }
        }
    }

    /// Does the calling thread hold the lock?
    #[inline]
    pub fn holding(&self) -> bool {
        // Bookkeeping, not the algorithm: kept out of step traces.
        crate::sync::quietly(|| self.holder.load(Relaxed) == thread_id())
    }

    /// Call before trying to acquire lock `name`: taking a spinlock the
    /// thread already holds would spin forever, so it panics instead.
    #[track_caller]
    #[inline]
    pub fn check_not_held(&self, name: &'static str) {
        check_not_held(crate::sync::quietly(|| self.holder.load(Relaxed)), name);
    }

    /// Call right after acquiring: record the holder, count the lock.
    #[inline]
    pub fn acquired(&self) {
        self.acquired_blocking();
        count_held();
    }

    /// Call right before releasing lock `name`: forget the holder, uncount
    /// the lock. Panics if the calling thread is not the holder.
    #[track_caller]
    #[inline]
    pub fn releasing(&self, name: &'static str) {
        self.releasing_blocking(name);
        uncount_held();
    }

    /// [`Owner::acquired`] for a lock whose holder may block (one that
    /// parks its waiters): record the holder, but do not count the lock in
    /// [`spinlocks_held`].
    #[inline]
    pub fn acquired_blocking(&self) {
        crate::sync::quietly(|| self.holder.store(thread_id(), Relaxed));
    }

    /// [`Owner::releasing`] for a lock taken with [`Owner::acquired_blocking`].
    #[track_caller]
    #[inline]
    pub fn releasing_blocking(&self, name: &'static str) {
        check_held(crate::sync::quietly(|| self.holder.load(Relaxed)), name);
        crate::sync::quietly(|| self.holder.store(0, Relaxed));
    }
}

/// The acquire-side misuse check, for a lock that knows its `holder`'s
/// thread number (0: nobody): panics "acquire: NAME already held by this
/// thread" if that is the calling thread — it would wait for itself forever.
#[track_caller]
#[inline(always)]
pub fn check_not_held(holder: usize, name: &'static str) {
    if holder == thread_id() {
        already_held(name);
    }
}

/// The panic of [`check_not_held`], kept out of line so that the hot path
/// carries no formatting code (nor the stack traffic that comes with it).
#[cold]
#[inline(never)]
#[track_caller]
fn already_held(name: &'static str) -> ! {
    panic!("acquire: {name} already held by this thread");
}

/// The panic of [`check_held`], out of line like [`already_held`].
#[cold]
#[inline(never)]
#[track_caller]
fn not_held(name: &'static str) -> ! {
    panic!("release: {name} not held by this thread");
}

/// The release-side misuse check: panics "release: NAME not held by this
/// thread" unless `holder` is the calling thread's number.
#[track_caller]
#[inline(always)]
pub fn check_held(holder: usize, name: &'static str) {
    if holder != thread_id() {
        not_held(name);
    }
}

/// Count one more spinlock held by the calling thread, for a lock that
/// keeps its own holder record (or, like a reader's hold, has no single
/// holder) instead of an [`Owner`].
#[inline(always)]
pub fn count_held() {
    HELD.with(|n| n.set(n.get() + 1));
}

/// Uncount a spinlock counted by [`count_held`].
#[inline(always)]
pub fn uncount_held() {
    HELD.with(|n| n.set(n.get() - 1));
}
