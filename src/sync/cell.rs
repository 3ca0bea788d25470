//! `UnsafeCell` with loom's closure-based API, for the worlds that have no
//! checked cell of their own (std and shuttle).
//!
//! loom tracks every access to its `UnsafeCell` and reports two threads
//! touching the same cell without a happens-before edge between them as a
//! "causality violation". Its API hands out raw pointers inside a closure
//! (`with`, `with_mut`) so it can see where each access starts and ends.
//! This wrapper offers the same API over `core::cell::UnsafeCell`, so
//! primitives are written once.

#[cfg(loom)]
pub use loom::cell::UnsafeCell;

/// Interior mutability with loom's API: access the value through a raw
/// pointer inside a closure.
#[cfg(not(loom))]
#[derive(Debug, Default)]
#[repr(transparent)]
pub struct UnsafeCell<T: ?Sized>(core::cell::UnsafeCell<T>);

#[cfg(not(loom))]
impl<T> UnsafeCell<T> {
    /// Wrap `value`.
    pub const fn new(value: T) -> Self {
        Self(core::cell::UnsafeCell::new(value))
    }

    /// Unwrap the value.
    pub fn into_inner(self) -> T {
        self.0.into_inner()
    }
}

#[cfg(not(loom))]
impl<T: ?Sized> UnsafeCell<T> {
    /// Read access through a `*const T`; the caller guarantees that no
    /// thread writes the value meanwhile.
    #[inline]
    pub fn with<R>(&self, f: impl FnOnce(*const T) -> R) -> R {
        f(self.0.get())
    }

    /// Write access through a `*mut T`; the caller guarantees that no other
    /// thread reads or writes the value meanwhile.
    #[inline]
    pub fn with_mut<R>(&self, f: impl FnOnce(*mut T) -> R) -> R {
        f(self.0.get())
    }
}
