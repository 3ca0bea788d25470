// EXERCISE `rw_spinlock`: generated from solutions/rw_spinlock.rs by `cargo xtask exercises`.
// Replace each `todo!()` with your code, then run `cargo xtask grade rw_spinlock`.
// Everything outside the `todo!()`s is given: read it, it is part of the lesson.

//! The reader-writer spinlock: any number of readers together, or one
//! writer alone.
//!
//! The whole state is one word: bit 0 says a writer holds the lock, bit 1
//! says a writer is waiting for it, and the bits above count the readers
//! inside. Readers join with a compare-and-swap that adds one reader;
//! writers take the lock with a compare-and-swap from "nobody inside".
//!
//! **Policy: writers first.** A reader may join only while no writer holds
//! the lock *and none is waiting*. Without that rule a steady stream of
//! readers — each arriving before the last one left — keeps the count above
//! zero forever, and a writer never gets in. The price is the opposite
//! risk: a steady stream of writers can keep readers out. So a thread that
//! already holds a read lock must not take another one: with a writer
//! waiting between the two, the second would wait for the writer, which
//! waits for the first. (`std::sync::RwLock` says the same: recursive read
//! locks may deadlock.)

use crate::locks::{count_held, uncount_held, Owner, RawLock, RawRwLock, RwLock};
use crate::sync::atomic::{AtomicUsize, Ordering::Acquire, Ordering::Relaxed, Ordering::Release};
use crate::sync::{const_fn, spin_loop};

/// Data protected by a [`RawRwSpinlock`]: `read()` shares, `write()` excludes.
pub type RwSpinlock<T> = RwLock<RawRwSpinlock, T>;

/// Bit 0 of the state: a writer holds the lock.
const WRITER: usize = 1;
/// Bit 1 of the state: a writer is waiting; readers must not join.
const WRITER_WAITING: usize = 2;
/// One reader inside: the reader count lives in the bits above the two flags.
const READER: usize = 4;

/// A writer-preferring reader-writer spinlock.
#[derive(Debug)]
pub struct RawRwSpinlock {
    /// For panics and debugging.
    name: &'static str,
    /// `readers * READER | WRITER_WAITING? | WRITER?`.
    ///
    /// Invariants: `WRITER` set ⇒ no readers. Readers join (Acquire) only
    /// while `WRITER` and `WRITER_WAITING` are clear; a writer takes the
    /// lock (Acquire) only from a state with no readers and no writer.
    /// Every release is a Release read-modify-write, so it is ordered
    /// before whoever acquires next.
    state: AtomicUsize,
    /// The writer holding the lock; touched only by it.
    owner: Owner,
}

impl RawRwSpinlock {
    const_fn! {
        /// An unlocked reader-writer spinlock called `name`.
        pub fn new(name: &'static str) -> Self {
            RawRwSpinlock { name, state: AtomicUsize::new(0), owner: Owner::new() }
        }
    }

    /// How many readers hold the lock right now (a snapshot).
    pub fn readers(&self) -> usize {
        // Relaxed: a snapshot that orders nothing.
        self.state.load(Relaxed) / READER
    }

    /// Is the lock held by a writer or by readers? (A snapshot.)
    pub fn is_locked(&self) -> bool {
        self.state.load(Relaxed) & !WRITER_WAITING != 0
    }

    /// Is the lock held by a writer? (A snapshot.)
    pub fn is_locked_exclusive(&self) -> bool {
        self.state.load(Relaxed) & WRITER != 0
    }
}

// SAFETY: see the invariants on `state`: a writer enters only from "no
// readers, no writer" and readers only while no writer holds it, each by a
// compare-and-swap with Acquire; every exit is a Release read-modify-write.
unsafe impl RawLock for RawRwSpinlock {
    fn new(name: &'static str) -> Self {
        RawRwSpinlock::new(name)
    }

    fn name(&self) -> &'static str {
        self.name
    }

    #[inline]
    #[track_caller]
    fn lock(&self) {
        self.owner.check_not_held(self.name);
        todo!("loop: if nobody is inside (ignoring the waiting bit), compare_exchange the state to WRITER (Acquire); otherwise announce yourself by setting WRITER_WAITING (fetch_or) if it is not set, and spin");
        self.owner.acquired();
    }

    #[inline]
    #[track_caller]
    fn try_lock(&self) -> bool {
        self.owner.check_not_held(self.name);
        let taken = {
            todo!("succeed only from a state with no readers and no writer (the waiting bit may be set): one compare_exchange to WRITER with Acquire")
        };
        if taken {
            self.owner.acquired();
        }
        taken
    }

    #[inline]
    #[track_caller]
    unsafe fn unlock(&self) {
        self.owner.releasing(self.name);
        todo!("clear only the WRITER bit (fetch_and, Release): a waiting writer's flag must survive")
    }

    #[inline]
    fn holding(&self) -> bool {
        self.owner.holding()
    }
}

// SAFETY: as for the `RawLock` impl above.
unsafe impl RawRwLock for RawRwSpinlock {
    #[inline]
    #[track_caller]
    fn lock_shared(&self) {
        self.owner.check_not_held(self.name);
        todo!("loop: when neither WRITER nor WRITER_WAITING is set, compare_exchange the state to state + READER (Acquire); otherwise spin");
        count_held();
    }

    #[inline]
    #[track_caller]
    fn try_lock_shared(&self) -> bool {
        self.owner.check_not_held(self.name);
        let taken = {
            todo!("like lock_shared, but give up (false) as soon as a writer holds or waits; retry only when the exchange lost to another reader")
        };
        if taken {
            count_held();
        }
        taken
    }

    #[inline]
    #[track_caller]
    unsafe fn unlock_shared(&self) {
        if self.readers() == 0 {
            panic!("release: {} has no readers to release", self.name);
        }
        uncount_held();
        todo!("subtract one READER with Release, so a writer that enters next sees that you are done reading")
    }

    fn writer_waiting(&self) -> bool {
        self.state.load(Relaxed) & WRITER_WAITING != 0
    }
}

// The write side alone is a mutex: `lock_api::Mutex<RawRwSpinlock, T>`.
crate::locks::impl_lock_api!(RawRwSpinlock);

crate::sync::not_under_loom! {
    // SAFETY: delegates to the `RawLock` and `RawRwLock` impls above.
    unsafe impl lock_api::RawRwLock for RawRwSpinlock {
        #[allow(clippy::declare_interior_mutable_const)]
        const INIT: Self = RawRwSpinlock::new("lock_api");
        // Not `Send`: the writer is recorded by thread, and every holder is
        // counted in its own thread's `spinlocks_held`.
        type SharedGuard = lock_api::GuardNoSend;
        type ExclusiveGuard = lock_api::GuardNoSend;

        fn lock_shared(&self) -> Self::SharedGuard {
            RawRwLock::lock_shared(self);
            lock_api::GuardNoSend::new()
        }

        fn try_lock_shared(&self) -> Option<Self::SharedGuard> {
            RawRwLock::try_lock_shared(self).then(lock_api::GuardNoSend::new)
        }

        unsafe fn unlock_shared(&self, _guard: Self::SharedGuard) {
            // SAFETY: lock_api passes the guard of a shared lock this thread
            // holds (the guard is not Send).
            unsafe { RawRwLock::unlock_shared(self) }
        }

        fn lock_exclusive(&self) -> Self::ExclusiveGuard {
            RawLock::lock(self);
            lock_api::GuardNoSend::new()
        }

        fn try_lock_exclusive(&self) -> Option<Self::ExclusiveGuard> {
            RawLock::try_lock(self).then(lock_api::GuardNoSend::new)
        }

        unsafe fn unlock_exclusive(&self, _guard: Self::ExclusiveGuard) {
            // SAFETY: lock_api passes the guard of the exclusive lock this
            // thread holds.
            unsafe { RawLock::unlock(self) }
        }

        fn is_locked(&self) -> bool {
            RawRwSpinlock::is_locked(self)
        }

        fn is_locked_exclusive(&self) -> bool {
            RawRwSpinlock::is_locked_exclusive(self)
        }
    }
}
