//! Small per-thread identities, the user-space stand-in for xv6's
//! `mycpu()`: a lock records which thread holds it, and `holding()` compares.

use std::cell::Cell;
#[cfg(any(loom, shuttle))]
use std::sync::atomic::{AtomicUsize, Ordering::Relaxed};

/// Source of identities in the model worlds. A plain std atomic even there:
/// it only has to hand out distinct numbers, which `fetch_add` does under
/// any ordering, and keeping it out of the model keeps the model small.
#[cfg(any(loom, shuttle))]
static NEXT_ID: AtomicUsize = AtomicUsize::new(1);

super::per_thread! {
    /// In the std world its address is the thread's number; in the model
    /// worlds (whose threads may share addresses) it holds a number drawn
    /// from `NEXT_ID`.
    static ID: Cell<usize> = const { Cell::new(0) };
}

/// A number identifying the calling thread, never 0 (0 means "nobody").
///
/// Distinct live threads have distinct numbers. In the std world the number
/// is the address of a thread-local: no branch, no lazy initialization —
/// this sits on every lock's hot path — and a thread started after this
/// one exits may get the same number.
#[inline(always)]
pub fn thread_id() -> usize {
    #[cfg(not(any(loom, shuttle)))]
    return ID.with(|id| id as *const Cell<usize> as usize);
    #[cfg(any(loom, shuttle))]
    ID.with(|id| {
        if id.get() == 0 {
            // Relaxed: uniqueness comes from the RMW's atomicity alone.
            id.set(NEXT_ID.fetch_add(1, Relaxed));
        }
        id.get()
    })
}
