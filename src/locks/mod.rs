//! Locks that spin, from the simplest to the fastest: the bottom layer of
//! the course.
//!
//! * [`RawLock`] — the interface every lock implements; harnesses and
//!   benchmarks are generic over it. [`FifoLock`] adds "first come, first
//!   served", [`RawRwLock`] a shared (reader) mode.
//! * [`Lock<R, T>`](Lock) and [`RwLock<R, T>`](RwLock) — a raw lock plus the
//!   data it protects, with guards released on drop.
//! * The spinlocks, one exercise each:
//!   [`TasLock`] (test-and-set, exercise `tas_lock`),
//!   [`Spinlock`] (xv6's, exercise `spinlock`),
//!   [`TtasLock`] (test-and-test-and-set with [`Backoff`], exercise `ttas_backoff`),
//!   [`TicketLock`] (FIFO, exercise `ticket_lock`),
//!   [`McsLock`] (FIFO queue, one cache line per waiter, exercise `mcs_lock`),
//!   [`RwSpinlock`] (readers share, writers first, exercise `rw_spinlock`).
//! * [`HybridLock`] — spins briefly, then parks: what `std` and
//!   `parking_lot` do, and what survives more threads than cores.
//! * [`Owner`] and [`spinlocks_held`] — holder bookkeeping shared by every
//!   lock, so misuse panics name the rule broken and sleeping primitives
//!   can refuse to sleep while a spinlock is held.
//!
//! Every raw lock also implements `lock_api::RawMutex` (lock_api 0.5, the
//! version parking_lot 0.13 uses) — [`RawRwSpinlock`] `lock_api::RawRwLock` —
//! so `lock_api::Mutex<RawSpinlock, T>` works and, its constructor being
//! `const`, can live in a `static`.

mod hybrid_lock;
mod lock;
mod owner;
mod raw;
mod rw_lock;

crate::exercise!(mcs_lock);
crate::exercise!(rw_spinlock);
crate::exercise!(spinlock);
crate::exercise!(tas_lock);
crate::exercise!(ticket_lock);
crate::exercise!(ttas_backoff);

pub use hybrid_lock::{HybridLock, RawHybridLock};
pub use lock::{Lock, LockGuard};
pub use mcs_lock::{McsLock, RawMcsLock};
pub use owner::{check_held, check_not_held, count_held, spinlocks_held, uncount_held, Owner};
pub use raw::{FifoLock, RawLock, RawRwLock};
pub use rw_lock::{ReadGuard, RwLock, WriteGuard};
pub use rw_spinlock::{RawRwSpinlock, RwSpinlock};
pub use spinlock::{RawSpinlock, Spinlock};
pub use tas_lock::{RawTasLock, TasLock};
pub use ticket_lock::{RawTicketLock, TicketLock};
pub use ttas_backoff::{Backoff, RawTtasLock, TtasLock};

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
