//! Locks that spin: the bottom layer of the course.
//!
//! * [`RawLock`] — the interface every lock implements; harnesses and
//!   benchmarks are generic over it.
//! * [`Lock<R, T>`](Lock) — a raw lock plus the data it protects, with a
//!   guard released on drop.
//! * [`Spinlock`] / [`RawSpinlock`] — xv6's spinlock (exercise `spinlock`).
//! * [`TicketLock`] / [`RawTicketLock`] — FIFO-fair (exercise `ticket_lock`).
//! * [`Owner`] and [`spinlocks_held`] — holder bookkeeping shared by every
//!   spinlock, so misuse panics name the rule broken and sleeping
//!   primitives can refuse to sleep while a spinlock is held.
//!
//! Every raw lock also implements `lock_api::RawMutex` (lock_api 0.5, the
//! version parking_lot 0.13 uses), so `lock_api::Mutex<RawSpinlock, T>`
//! works — and, its constructor being `const`, can live in a `static`.

mod lock;
mod owner;
mod raw;

#[path = "../../solutions/spinlock.rs"]
pub mod spinlock;
#[path = "../../solutions/ticket_lock.rs"]
pub mod ticket_lock;

pub use lock::{Lock, LockGuard};
pub use owner::{spinlocks_held, Owner};
pub use raw::{FifoLock, RawLock};
pub use spinlock::{RawSpinlock, Spinlock};
pub use ticket_lock::{RawTicketLock, TicketLock};

/// Implement `lock_api::RawMutex` for a proclab raw lock that has a
/// `const fn new(name)` and an `is_locked()` snapshot, by delegating to its
/// [`RawLock`] impl.
macro_rules! impl_lock_api {
    ($raw:ty) => {
        $crate::sync::not_under_loom! {
            // SAFETY: delegates to the `RawLock` impl, whose contract is
            // mutual exclusion with release/acquire hand-off.
            unsafe impl lock_api::RawMutex for $raw {
                #[allow(clippy::declare_interior_mutable_const)]
                const INIT: Self = <$raw>::new("lock_api");
                // Not `Send`: the lock records its holder's thread, so the
                // guard must be released where it was taken.
                type Guard = lock_api::GuardNoSend;

                fn lock(&self) -> Self::Guard {
                    $crate::locks::RawLock::lock(self);
                    lock_api::GuardNoSend::new()
                }

                fn try_lock(&self) -> Option<Self::Guard> {
                    $crate::locks::RawLock::try_lock(self).then(lock_api::GuardNoSend::new)
                }

                unsafe fn unlock(&self, _guard: Self::Guard) {
                    // SAFETY: lock_api passes the guard of a successful
                    // `lock`/`try_lock` on this thread (the guard is not Send).
                    unsafe { $crate::locks::RawLock::unlock(self) }
                }

                fn is_locked(&self) -> bool {
                    <$raw>::is_locked(self)
                }
            }
        }
    };
}
pub(crate) use impl_lock_api;
