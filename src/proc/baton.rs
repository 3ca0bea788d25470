//! The hand-off of a CPU between a scheduler and a process: xv6's `swtch`,
//! between threads.
//!
//! Every process runs on its own thread, and every CPU is a thread running
//! the scheduler loop. A CPU "switches to" a process by giving the
//! process's baton and then waiting on its own; the process gives the
//! CPU's baton back when it yields, sleeps or exits. So of a CPU and the
//! process it runs, exactly one is ever executing.

use crate::locks::{spinlocks_held, Spinlock};
use crate::sync::atomic::{AtomicBool, Ordering::Acquire, Ordering::Relaxed, Ordering::Release};
use crate::sync::thread::{self, Thread};

/// A wake-up flag owned by one thread: others `give` it, the owner `take`s
/// it, sleeping until it has been given.
#[derive(Debug)]
pub(crate) struct Baton {
    /// The thread that takes this baton, once known: set before the first
    /// `give` can happen (a new process's thread is recorded by `fork`
    /// before the process becomes runnable).
    owner: Spinlock<Option<Thread>>,
    /// Set by `give` (Release), cleared by the owner in `take` after an
    /// Acquire load saw it set: everything the giver did before giving is
    /// visible to the owner after taking. At most one give is outstanding
    /// (the protocol of `ProcTable` guarantees it), so clearing after the
    /// load loses nothing.
    given: AtomicBool,
}

impl Baton {
    /// A baton whose owner is recorded later, with [`Baton::set_owner`].
    pub(crate) fn new() -> Baton {
        Baton {
            owner: Spinlock::new("baton owner", None),
            given: AtomicBool::new(false),
        }
    }

    /// Record the thread that will take this baton.
    pub(crate) fn set_owner(&self, owner: Thread) {
        *self.owner.lock() = Some(owner);
    }

    /// Hand the baton to its owner (who may be asleep, or not yet waiting).
    ///
    /// Panics if it was given already and not yet taken: two threads
    /// handed the same process (or CPU) control at once — a process
    /// dispatched by two CPUs, or a CPU given back by two processes.
    #[track_caller]
    pub(crate) fn give(&self) {
        // Release: publishes the giver's writes to the taker. The value read
        // is only checked: a swap always reads the latest value.
        let twice = self.given.swap(true, Release);
        assert!(
            !twice,
            "sched: a CPU was handed over twice before it was taken (one process dispatched by two CPUs, or one CPU given back by two processes)"
        );
        if let Some(owner) = &*self.owner.lock() {
            owner.unpark();
        }
    }

    /// Wait until the baton is given (at once if it was), and take it.
    ///
    /// Panics ("sched: …") if the thread holds a spinlock: it would keep
    /// it while off the CPU, as xv6's `sched` refuses to.
    #[track_caller]
    pub(crate) fn take(&self) {
        let held = spinlocks_held();
        if held != 0 {
            panic!("sched: switching away with {held} spinlock(s) held (xv6: sched locks)");
        }
        while !self.given.load(Acquire) {
            thread::park();
        }
        // Relaxed: only the owner clears the flag, after the Acquire above.
        self.given.store(false, Relaxed);
    }
}
