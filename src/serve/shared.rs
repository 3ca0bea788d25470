//! Memory shared between a master and the workers it forks: nginx's
//! `ngx_shmtx` accept mutex and per-worker counters, in one anonymous
//! `MAP_SHARED` page mapped before `fork`, so that every process sees the
//! same bytes.
//!
//! A worker that finds the accept mutex taken has nothing else to do (it
//! serves one connection at a time), so it sleeps until the mutex is
//! released — on a futex, the kernel's wait queue keyed by an address,
//! which works across processes on a shared mapping. nginx's `ngx_shmtx`
//! sleeps on a POSIX semaphore in the same place for the same reason.
//! The futex word is a release counter beside the mutex: a waiter reads
//! it, tries the mutex, and sleeps only while the counter still has the
//! value it read, so a release between the try and the sleep is never
//! missed.

use super::accept_mutex::AcceptMutex;
use nix::sys::mman::{mmap_anonymous, munmap, MapFlags, ProtFlags};
use std::io;
use std::num::NonZeroUsize;
use std::ptr::NonNull;
use std::sync::atomic::{AtomicU32, AtomicU64, Ordering::Relaxed, Ordering::SeqCst};
use std::time::Duration;

/// Workers a shared page has counters for.
pub const MAX_WORKERS: usize = 64;

/// The layout of the page.
#[repr(C)]
struct Page {
    /// The accept mutex (the exercise `accept_mutex`): zeroed, it is free.
    accept: AcceptMutex,
    /// Bumped after every release of `accept` (and every forced one): the
    /// futex word workers sleep on while the mutex is taken.
    releases: AtomicU32,
    /// Workers asleep (or about to be) on `releases`; a release makes the
    /// wake-up system call only when there is one.
    sleepers: AtomicU32,
    /// Connections each worker slot has served. Relaxed: statistics.
    served: [AtomicU64; MAX_WORKERS],
    /// Each slot's last heartbeat, in milliseconds of the monotonic clock
    /// (one clock for every process). Relaxed: a timestamp read by the
    /// master to spot a silent worker, ordering nothing else.
    beats: [AtomicU64; MAX_BEATS],
}

/// Slots with a heartbeat (a master's table has at most this many rows).
pub const MAX_BEATS: usize = 1024;

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

    /// The release counter, read before trying the mutex: the value to
    /// pass to [`Shared::sleep_until_released`] if the try fails.
    pub fn releases(&self) -> u32 {
        self.page().releases.load(SeqCst)
    }

    /// Sleep until the accept mutex is released after the release count
    /// `seen` was read, or `timeout` passes, or a signal arrives. Returns at
    /// once if a release already happened.
    pub fn sleep_until_released(&self, seen: u32, timeout: Duration) {
        let page = self.page();
        // SeqCst, here and in `released`: the sleeper announces itself and
        // then (in the kernel) reads `releases`; the releaser bumps
        // `releases` and then reads `sleepers`. In one total order at least
        // one of them sees the other's write, so no sleeper is missed.
        page.sleepers.fetch_add(1, SeqCst);
        let timeout = nix::libc::timespec {
            tv_sec: timeout.as_secs() as nix::libc::time_t,
            tv_nsec: timeout.subsec_nanos() as nix::libc::c_long,
        };
        // SAFETY: FUTEX_WAIT on a 4-byte aligned word of a mapping that
        // lives as long as `self`; the kernel only reads it and the
        // timeout. Not FUTEX_PRIVATE: the word is shared across processes.
        // Errors (EAGAIN: released already; EINTR; ETIMEDOUT) all mean
        // "look again", which the caller does.
        unsafe {
            nix::libc::syscall(
                nix::libc::SYS_futex,
                page.releases.as_ptr(),
                nix::libc::FUTEX_WAIT,
                seen,
                &timeout as *const nix::libc::timespec,
                std::ptr::null::<u32>(),
                0u32,
            );
        }
        page.sleepers.fetch_sub(1, SeqCst);
    }

    /// After the accept mutex was released (by its holder, or by the master
    /// for a dead one): bump the release count and wake one sleeper, if any.
    pub fn released(&self) {
        let page = self.page();
        page.releases.fetch_add(1, SeqCst);
        if page.sleepers.load(SeqCst) > 0 {
            // SAFETY: FUTEX_WAKE on the same word; it reads nothing else.
            unsafe {
                nix::libc::syscall(
                    nix::libc::SYS_futex,
                    page.releases.as_ptr(),
                    nix::libc::FUTEX_WAKE,
                    1u32,
                );
            }
        }
    }

    /// Worker `slot` is alive at `now` (see [`monotonic_now`]).
    pub fn beat(&self, slot: usize, now: std::time::Duration) {
        if let Some(b) = self.page().beats.get(slot) {
            b.store(now.as_millis() as u64, Relaxed);
        }
    }

    /// When worker `slot` last beat (zero: never).
    pub fn last_beat(&self, slot: usize) -> std::time::Duration {
        let ms = self.page().beats.get(slot).map_or(0, |b| b.load(Relaxed));
        std::time::Duration::from_millis(ms)
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

/// The monotonic clock (`CLOCK_MONOTONIC`): the same in every process of
/// the machine, unlike an [`std::time::Instant`], whose value is opaque.
pub fn monotonic_now() -> std::time::Duration {
    nix::time::clock_gettime(nix::time::ClockId::CLOCK_MONOTONIC)
        .map(std::time::Duration::from)
        .unwrap_or_default()
}
