//! Small per-thread identities, the user-space stand-in for xv6's
//! `mycpu()`: a lock records which thread holds it, and `holding()` compares.

use std::cell::Cell;
use std::sync::atomic::{AtomicUsize, Ordering::Relaxed};

/// Source of identities. A plain std atomic even in the model worlds: it
/// only has to hand out distinct numbers, which `fetch_add` does under any
/// ordering, and keeping it out of the model keeps the model small.
static NEXT_ID: AtomicUsize = AtomicUsize::new(1);

super::per_thread! {
    static ID: Cell<usize> = const { Cell::new(0) };
}

/// A number identifying the calling thread, never 0 (0 means "nobody").
///
/// Distinct live threads have distinct numbers. Numbers are not reused
/// within a process.
#[inline]
pub fn thread_id() -> usize {
    ID.with(|id| {
        if id.get() == 0 {
            // Relaxed: uniqueness comes from the RMW's atomicity alone.
            id.set(NEXT_ID.fetch_add(1, Relaxed));
        }
        id.get()
    })
}
