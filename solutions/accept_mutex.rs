//! nginx's accept mutex (`ngx_shmtx`): a spinlock word in memory shared by
//! the worker processes of a pre-forked pool, which stores its holder's
//! *pid* rather than a flag.
//!
//! A worker may wait for new connections only while it holds the mutex,
//! so one worker at a time is woken per connection (no thundering herd).
//! It takes the mutex with [`try_lock`](AcceptMutex::try_lock) — never
//! waiting for it: a worker that misses it goes back to its own
//! connections — and gives it back with [`unlock`](AcceptMutex::unlock)
//! before serving what it accepted.
//!
//! Why a pid: a worker can die holding the mutex (a crash, `kill -9`).
//! Nothing in that worker will ever release it, and every other worker
//! would wait for it forever. The master learns of the death when it reaps
//! the worker, and then calls [`force_unlock`](AcceptMutex::force_unlock)
//! with the dead pid. That must release the mutex only if the dead worker
//! *still* holds it: by then another worker may have taken it, fairly.
//!
//! Zeroed memory is a free `AcceptMutex` (the shared page is mapped
//! zero-filled before the workers are forked).

use crate::sync::atomic::{
    AtomicU32,
    Ordering::{Acquire, Relaxed, Release},
};

/// The accept mutex: one word, shared by every worker.
#[derive(Debug)]
#[repr(transparent)]
pub struct AcceptMutex {
    /// 0 when free; otherwise the pid of the process holding the mutex.
    /// Only two stores ever put 0 over a pid: `unlock` by that pid, and
    /// `force_unlock` of that pid after it died — both by compare-and-set,
    /// so neither can free a mutex someone else has taken since.
    holder: AtomicU32,
}

impl AcceptMutex {
    /// A free mutex.
    pub fn new() -> AcceptMutex {
        AcceptMutex {
            holder: AtomicU32::new(0),
        }
    }

    /// Take the mutex for process `pid` if it is free; true if it was taken.
    /// Never waits.
    ///
    /// Panics with "try_lock: pid 0 means free, not a process" if `pid` is
    /// 0: a holder 0 would look free to everyone.
    pub fn try_lock(&self, pid: u32) -> bool {
        // BEGIN SOLUTION hint: refuse pid 0 with a panic naming the rule (see the doc comment); then one compare-and-set from 0 (free) to `pid`, Acquire if it succeeds, so the new holder sees what the last one did
        assert_ne!(pid, 0, "try_lock: pid 0 means free, not a process");
        self.holder
            .compare_exchange(0, pid, Acquire, Relaxed)
            .is_ok()
        // END SOLUTION
    }

    /// Give the mutex back; `pid` is the caller's. True if `pid` held it;
    /// false (and nothing changes) if it did not — for instance because the
    /// master force-released it and another worker has taken it since.
    pub fn unlock(&self, pid: u32) -> bool {
        // BEGIN SOLUTION hint: free it only if `pid` is the holder: compare-and-set from `pid` to 0, Release so the next holder sees this one's work
        self.holder
            .compare_exchange(pid, 0, Release, Relaxed)
            .is_ok()
        // END SOLUTION
    }

    /// The master's repair after reaping process `dead`: if `dead` still
    /// holds the mutex, free it (nginx's `ngx_shmtx_force_unlock`). True if
    /// it did. A mutex held by anyone else — or free — is left alone.
    pub fn force_unlock(&self, dead: u32) -> bool {
        // BEGIN SOLUTION hint: the same compare-and-set as unlock, from the dead pid to 0: a plain store would free a mutex a live worker took after the dead one let go
        self.holder
            .compare_exchange(dead, 0, Release, Relaxed)
            .is_ok()
        // END SOLUTION
    }

    /// The pid holding the mutex, 0 if it is free. Relaxed: a report that
    /// may be stale by the time it is read; nothing is ordered by it.
    pub fn holder(&self) -> u32 {
        self.holder.load(Relaxed)
    }
}

impl Default for AcceptMutex {
    fn default() -> AcceptMutex {
        AcceptMutex::new()
    }
}
