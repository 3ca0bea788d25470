//! A reader-writer lock plus the data it protects, and its two guards.

use super::RawRwLock;
use crate::sync::UnsafeCell;
use std::fmt;
use std::marker::PhantomData;
use std::ops::{Deref, DerefMut};

/// Data of type `T` protected by the reader-writer lock `R`: many
/// [`ReadGuard`]s at once, or one [`WriteGuard`].
///
/// [`RwSpinlock<T>`](super::RwSpinlock) is this type with proclab's
/// reader-writer spinlock.
///
/// ```
/// # extern crate proclab;
/// use proclab::locks::RwSpinlock;
/// let routes = RwSpinlock::new("routes", vec!["/"]);
/// {
///     let (a, b) = (routes.read(), routes.read()); // readers share
///     assert_eq!(a.len() + b.len(), 2);
/// }
/// routes.write().push("/about"); // a writer is alone
/// assert_eq!(routes.read().len(), 2);
/// ```
pub struct RwLock<R: RawRwLock, T: ?Sized> {
    raw: R,
    /// Read only under a shared or exclusive hold of `raw`; written only
    /// under an exclusive one.
    data: UnsafeCell<T>,
}

// SAFETY: moving the lock moves the data: `T: Send` suffices.
unsafe impl<R: RawRwLock, T: ?Sized + Send> Send for RwLock<R, T> {}
// SAFETY: sharing the lock hands out `&mut T` to one writer at a time
// (needs `T: Send`) and `&T` to many readers at once (needs `T: Sync`),
// the same bounds as `std::sync::RwLock`.
unsafe impl<R: RawRwLock, T: ?Sized + Send + Sync> Sync for RwLock<R, T> {}

impl<R: RawRwLock, T> RwLock<R, T> {
    /// A lock called `name` protecting `value`.
    pub fn new(name: &'static str, value: T) -> Self {
        RwLock {
            raw: R::new(name),
            data: UnsafeCell::new(value),
        }
    }

    /// Consume the lock and return the data.
    pub fn into_inner(self) -> T {
        self.data.into_inner()
    }
}

impl<R: RawRwLock, T: ?Sized> RwLock<R, T> {
    /// Wait until no writer holds or (under a writer-first policy) waits
    /// for the lock, then share it with the other readers.
    #[track_caller]
    pub fn read(&self) -> ReadGuard<'_, R, T> {
        crate::sync::quietly(|| self.raw.lock_shared());
        crate::sync::note(|| format!("read-locks `{}`", self.name()));
        ReadGuard {
            lock: self,
            not_send: PhantomData,
        }
    }

    /// Join the readers if that needs no waiting.
    #[track_caller]
    pub fn try_read(&self) -> Option<ReadGuard<'_, R, T>> {
        let taken = crate::sync::quietly(|| self.raw.try_lock_shared());
        taken.then(|| ReadGuard {
            lock: self,
            not_send: PhantomData,
        })
    }

    /// Wait until nobody else holds the lock, and hold it alone.
    #[track_caller]
    pub fn write(&self) -> WriteGuard<'_, R, T> {
        crate::sync::quietly(|| self.raw.lock());
        crate::sync::note(|| format!("write-locks `{}`", self.name()));
        WriteGuard {
            lock: self,
            not_send: PhantomData,
        }
    }

    /// Hold the lock alone if that needs no waiting.
    #[track_caller]
    pub fn try_write(&self) -> Option<WriteGuard<'_, R, T>> {
        let taken = crate::sync::quietly(|| self.raw.try_lock());
        taken.then(|| WriteGuard {
            lock: self,
            not_send: PhantomData,
        })
    }

    /// The lock's name.
    pub fn name(&self) -> &'static str {
        self.raw.name()
    }

    /// The raw lock underneath.
    pub fn raw(&self) -> &R {
        &self.raw
    }

    /// Mutable access without locking: `&mut self` proves nobody else can
    /// reach the data.
    pub fn get_mut(&mut self) -> &mut T {
        // SAFETY: `&mut self` is an exclusive borrow of the whole lock.
        self.data.with_mut(|p| unsafe { &mut *p })
    }
}

impl<R: RawRwLock, T: ?Sized + fmt::Debug> fmt::Debug for RwLock<R, T> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let mut d = f.debug_struct("RwLock");
        d.field("name", &self.name());
        if self.raw.holding() {
            return d.field("data", &"<write-locked by this thread>").finish();
        }
        match self.try_read() {
            Some(guard) => d.field("data", &&*guard),
            None => d.field("data", &"<locked>"),
        };
        d.finish()
    }
}

/// Proof that the current thread shares a [`RwLock`] as a reader.
#[must_use = "the read lock is released as soon as the guard is dropped"]
pub struct ReadGuard<'a, R: RawRwLock, T: ?Sized> {
    lock: &'a RwLock<R, T>,
    /// Not `Send`: each reader is counted in its own thread's
    /// `spinlocks_held`.
    not_send: PhantomData<*const ()>,
}

// SAFETY: sharing `&ReadGuard` shares only `&T`.
unsafe impl<R: RawRwLock, T: ?Sized + Sync> Sync for ReadGuard<'_, R, T> {}

impl<R: RawRwLock, T: ?Sized> Deref for ReadGuard<'_, R, T> {
    type Target = T;
    fn deref(&self) -> &T {
        // SAFETY: while a read guard exists no writer holds the lock.
        self.lock.data.with(|p| unsafe { &*p })
    }
}

impl<R: RawRwLock, T: ?Sized> Drop for ReadGuard<'_, R, T> {
    fn drop(&mut self) {
        crate::sync::note(|| format!("read-unlocks `{}`", self.lock.name()));
        // SAFETY: the guard proves this thread holds a shared lock.
        crate::sync::quietly(|| unsafe { self.lock.raw.unlock_shared() })
    }
}

/// Proof that the current thread holds a [`RwLock`] alone.
#[must_use = "the write lock is released as soon as the guard is dropped"]
pub struct WriteGuard<'a, R: RawRwLock, T: ?Sized> {
    lock: &'a RwLock<R, T>,
    /// Not `Send`: the lock records its writer's thread.
    not_send: PhantomData<*const ()>,
}

// SAFETY: sharing `&WriteGuard` shares only `&T`.
unsafe impl<R: RawRwLock, T: ?Sized + Sync> Sync for WriteGuard<'_, R, T> {}

impl<R: RawRwLock, T: ?Sized> Deref for WriteGuard<'_, R, T> {
    type Target = T;
    fn deref(&self) -> &T {
        // SAFETY: while the write guard exists nobody else holds the lock.
        self.lock.data.with(|p| unsafe { &*p })
    }
}

impl<R: RawRwLock, T: ?Sized> DerefMut for WriteGuard<'_, R, T> {
    fn deref_mut(&mut self) -> &mut T {
        // SAFETY: as in `deref`, and `&mut self` makes this the only
        // reference handed out through the guard.
        self.lock.data.with_mut(|p| unsafe { &mut *p })
    }
}

impl<R: RawRwLock, T: ?Sized> Drop for WriteGuard<'_, R, T> {
    fn drop(&mut self) {
        crate::sync::note(|| format!("write-unlocks `{}`", self.lock.name()));
        // SAFETY: the guard proves this thread holds the lock alone.
        crate::sync::quietly(|| unsafe { self.lock.raw.unlock() })
    }
}
