//! A raw lock plus the data it protects, and the guard that proves it is held.

use super::RawLock;
use crate::sync::UnsafeCell;
use std::fmt;
use std::marker::PhantomData;
use std::ops::{Deref, DerefMut};

/// Data of type `T` protected by the raw lock `R`.
///
/// [`Spinlock<T>`](super::Spinlock) and [`TicketLock<T>`](super::TicketLock)
/// are this type with proclab's raw locks. The data is reachable only
/// through a [`LockGuard`], which releases the lock when dropped, also while
/// unwinding from a panic.
///
/// ```
/// # extern crate proclab;
/// use proclab::locks::Spinlock;
/// let ticks = Spinlock::new("ticks", 0u64);
/// *ticks.lock() += 1;
/// assert_eq!(ticks.into_inner(), 1);
/// ```
pub struct Lock<R: RawLock, T: ?Sized> {
    raw: R,
    /// Accessed only by the thread holding `raw`.
    data: UnsafeCell<T>,
}

// SAFETY: moving the lock to another thread moves the data with it, which is
// fine when `T: Send`; the raw lock is `Send` by `RawLock`'s bound.
unsafe impl<R: RawLock, T: ?Sized + Send> Send for Lock<R, T> {}
// SAFETY: sharing the lock lets any thread obtain `&mut T` (one at a time,
// by the `RawLock` contract), i.e. it sends the data between threads: that
// needs `T: Send`, and no more, just as for `std::sync::Mutex`.
unsafe impl<R: RawLock, T: ?Sized + Send> Sync for Lock<R, T> {}

impl<R: RawLock, T> Lock<R, T> {
    /// A lock called `name` protecting `value`.
    pub fn new(name: &'static str, value: T) -> Self {
        Lock {
            raw: R::new(name),
            data: UnsafeCell::new(value),
        }
    }

    crate::sync::const_fn! {
        /// A lock made of `raw` (unlocked) and `value`; `const` outside loom,
        /// for locks inside other locks' `const` constructors.
        pub fn from_raw(raw: R, value: T) -> Self {
            Lock { raw, data: UnsafeCell::new(value) }
        }
    }

    /// Consume the lock and return the data.
    pub fn into_inner(self) -> T {
        self.data.into_inner()
    }
}

impl<R: RawLock, T: ?Sized> Lock<R, T> {
    /// Wait for the lock; the guard gives access to the data and releases
    /// the lock when dropped.
    ///
    /// Panics ("acquire: NAME already held by this thread") if the calling
    /// thread holds this lock already.
    #[track_caller]
    #[inline]
    pub fn lock(&self) -> LockGuard<'_, R, T> {
        crate::sync::quietly(|| self.raw.lock());
        crate::sync::note(|| format!("locks `{}`", self.name()));
        LockGuard {
            lock: self,
            not_send: PhantomData,
        }
    }

    /// Take the lock if it is free now; `None` if another thread holds it.
    ///
    /// Panics like [`Lock::lock`] if the calling thread holds it already.
    #[track_caller]
    pub fn try_lock(&self) -> Option<LockGuard<'_, R, T>> {
        // `then`, not `then_some`: the guard must not even be built (and
        // then dropped, releasing someone else's lock) when the try fails.
        let taken = crate::sync::quietly(|| self.raw.try_lock());
        crate::sync::note(|| format!("try_lock `{}` -> {taken}", self.name()));
        taken.then(|| LockGuard {
            lock: self,
            not_send: PhantomData,
        })
    }

    /// Does the calling thread hold this lock? (xv6's `holding()`.)
    pub fn holding(&self) -> bool {
        self.raw.holding()
    }

    /// The lock's name.
    pub fn name(&self) -> &'static str {
        self.raw.name()
    }

    /// The raw lock underneath.
    pub fn raw(&self) -> &R {
        &self.raw
    }

    /// Mutable access without locking: `&mut self` already proves nobody
    /// else can reach the data.
    pub fn get_mut(&mut self) -> &mut T {
        // SAFETY: `&mut self` is an exclusive borrow of the whole lock, so no
        // guard exists and no other thread can reach the data.
        self.data.with_mut(|p| unsafe { &mut *p })
    }
}

impl<R: RawLock, T: Default> Default for Lock<R, T> {
    fn default() -> Self {
        Lock::new("default", T::default())
    }
}

impl<R: RawLock, T: ?Sized + fmt::Debug> fmt::Debug for Lock<R, T> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let mut d = f.debug_struct("Lock");
        d.field("name", &self.name());
        if self.holding() {
            d.field("data", &"<held by this thread>");
        } else {
            match self.try_lock() {
                Some(guard) => d.field("data", &&*guard),
                None => d.field("data", &"<locked>"),
            };
        }
        d.finish()
    }
}

/// Proof that the current thread holds a [`Lock`]; gives access to its
/// data and releases the lock when dropped.
///
/// Not `Send`: the lock records its holder's thread, and a guard released
/// on another thread would break that record (and xv6's rule that the CPU
/// that acquired a spinlock releases it).
#[must_use = "the lock is released as soon as the guard is dropped"]
pub struct LockGuard<'a, R: RawLock, T: ?Sized> {
    lock: &'a Lock<R, T>,
    not_send: PhantomData<*const ()>,
}

// SAFETY: sharing `&LockGuard` across threads shares only `&T`, which is
// fine when `T: Sync`.
unsafe impl<R: RawLock, T: ?Sized + Sync> Sync for LockGuard<'_, R, T> {}

impl<'a, R: RawLock, T: ?Sized> LockGuard<'a, R, T> {
    /// The lock this guard holds (what xv6's `sleep` needs to give it up).
    pub fn lock(guard: &Self) -> &'a Lock<R, T> {
        guard.lock
    }
}

impl<R: RawLock, T: ?Sized> Deref for LockGuard<'_, R, T> {
    type Target = T;
    fn deref(&self) -> &T {
        // SAFETY: the guard exists only while this thread holds the lock, so
        // no other thread accesses the data.
        self.lock.data.with(|p| unsafe { &*p })
    }
}

impl<R: RawLock, T: ?Sized> DerefMut for LockGuard<'_, R, T> {
    fn deref_mut(&mut self) -> &mut T {
        // SAFETY: as in `deref`, and `&mut self` makes this the only
        // reference handed out through the guard.
        self.lock.data.with_mut(|p| unsafe { &mut *p })
    }
}

impl<R: RawLock, T: ?Sized> Drop for LockGuard<'_, R, T> {
    #[inline]
    fn drop(&mut self) {
        crate::sync::note(|| format!("unlocks `{}`", self.lock.name()));
        // SAFETY: the guard's existence proves this thread holds the lock,
        // and the guard's borrows of the data end here.
        crate::sync::quietly(|| unsafe { self.lock.raw.unlock() })
    }
}

impl<R: RawLock, T: ?Sized + fmt::Debug> fmt::Debug for LockGuard<'_, R, T> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        fmt::Debug::fmt(&**self, f)
    }
}

impl<R: RawLock, T: ?Sized + fmt::Display> fmt::Display for LockGuard<'_, R, T> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        fmt::Display::fmt(&**self, f)
    }
}
