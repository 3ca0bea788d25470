//! Memory shared between a master and the workers it forks: nginx's
//! `ngx_shmtx` accept mutex and per-worker counters, in one anonymous
//! `MAP_SHARED` page mapped before `fork`, so that every process sees the
//! same bytes.

use crate::graded::accept_mutex::AcceptMutex;
use nix::sys::mman::{mmap_anonymous, munmap, MapFlags, ProtFlags};
use std::io;
use std::num::NonZeroUsize;
use std::ptr::NonNull;
use std::sync::atomic::{AtomicU64, Ordering::Relaxed};

/// Workers a shared page has counters for.
pub const MAX_WORKERS: usize = 64;

/// The layout of the page.
#[repr(C)]
struct Page {
    /// The accept mutex (the exercise `accept_mutex`): zeroed, it is free.
    accept: AcceptMutex,
    /// Connections each worker slot has served. Relaxed: statistics.
    served: [AtomicU64; MAX_WORKERS],
}

/// A mapping of one shared page (the accept mutex and the per-worker
/// counters), shared with every process forked after it
/// was made.
#[derive(Debug)]
pub struct Shared {
    page: NonNull<Page>,
}

// SAFETY: the page holds only atomics, usable from any thread.
unsafe impl Send for Shared {}
// SAFETY: as above.
unsafe impl Sync for Shared {}

impl Shared {
    /// Map a zeroed shared page.
    pub fn new() -> io::Result<Shared> {
        let len = NonZeroUsize::new(std::mem::size_of::<Page>()).expect("a page is not empty");
        // SAFETY: a fresh anonymous mapping, not aliased by anything.
        let ptr = unsafe {
            mmap_anonymous(
                None,
                len,
                ProtFlags::PROT_READ | ProtFlags::PROT_WRITE,
                MapFlags::MAP_SHARED,
            )
        }?;
        // Anonymous mappings are zero-filled: all-zero atomics are valid
        // (a free mutex, zero counts).
        Ok(Shared { page: ptr.cast() })
    }

    fn page(&self) -> &Page {
        // SAFETY: the mapping lives as long as `self` and holds a Page
        // (zero-initialized atomics).
        unsafe { self.page.as_ref() }
    }

    /// The accept mutex every worker shares.
    pub fn accept_mutex(&self) -> &AcceptMutex {
        &self.page().accept
    }

    /// Count a connection served by worker `slot`.
    pub fn count_served(&self, slot: usize) {
        if let Some(c) = self.page().served.get(slot) {
            c.fetch_add(1, Relaxed);
        }
    }

    /// Connections served by each of the first `slots` worker slots.
    pub fn served(&self, slots: usize) -> Vec<u64> {
        self.page().served[..slots.min(MAX_WORKERS)]
            .iter()
            .map(|c| c.load(Relaxed))
            .collect()
    }
}

impl Drop for Shared {
    fn drop(&mut self) {
        // SAFETY: the mapping was made by `new` with this length and is
        // not used after this.
        let _ = unsafe { munmap(self.page.cast(), std::mem::size_of::<Page>()) };
    }
}
