//! Invariants of a lock, as model-check bodies generic over [`RawLock`].
//!
//! | harness              | invariant |
//! |----------------------|-----------|
//! | [`mutual_exclusion`] | at most one thread in the critical section; `holding()` names it |
//! | [`no_lost_update`]   | every increment made under the lock survives |
//! | [`progress`]         | a free lock can be taken, a held one cannot, and every waiter gets in once it is released |
//! | [`fifo_order`]       | ([`FifoLock`]s) threads enter in the order they queued |

use crate::locks::{FifoLock, RawLock};
use crate::sync::atomic::{AtomicUsize, Ordering::Relaxed, Ordering::SeqCst};
use crate::sync::{spin_loop, thread, UnsafeCell};
use std::sync::Arc;

/// The lock under test plus instruments that notice when it fails.
struct Arena<L> {
    lock: L,
    /// Threads inside the critical section right now. Updated with Relaxed
    /// read-modify-writes on purpose: a checker using SeqCst here would lend
    /// the lock the synchronization it is supposed to provide itself, and
    /// hide a missing Acquire/Release from loom.
    inside: AtomicUsize,
    /// Protected by `lock`; loom reports any unsynchronized access to it.
    counter: UnsafeCell<usize>,
}

// SAFETY: `counter` is only accessed by the holder of `lock` (that is the
// property under test, and loom checks it) or after every thread joined.
unsafe impl<L: Sync> Sync for Arena<L> {}

impl<L: RawLock + 'static> Arena<L> {
    fn new(name: &'static str) -> Arc<Self> {
        Arc::new(Arena {
            lock: L::new(name),
            inside: AtomicUsize::new(0),
            counter: UnsafeCell::new(0),
        })
    }

    /// Take the lock: even-numbered threads with `lock()`, odd ones by
    /// retrying `try_lock()`, so both paths are checked against each other.
    fn enter(&self, who: usize) {
        if who % 2 == 0 {
            self.lock.lock();
        } else {
            while !self.lock.try_lock() {
                spin_loop();
            }
        }
    }

    /// Checked after touching the protected data, so that under loom a
    /// missing Acquire/Release shows up first as the data race it is.
    fn check_holder(&self, who: usize) {
        assert!(
            self.lock.holding(),
            "holder identity: thread {who} got the lock ({}) but holding() says it does not \
             (under loom alone this means the previous holder's bookkeeping was not ordered \
             before this thread's entry: a missing Release or Acquire)",
            how(who)
        );
    }

    fn leave(&self, who: usize) {
        // SAFETY: `enter` returned on this thread and nothing released since.
        unsafe { self.lock.unlock() };
        assert!(
            !self.lock.holding(),
            "holder identity: thread {who} released the lock but holding() still says it holds it"
        );
    }

    /// A critical section that checks exclusion and adds 1 to the counter
    /// with a read, a scheduling point, and a write.
    fn critical_section(&self, who: usize) {
        // Instrument operations stay out of step traces.
        let others = crate::sync::quietly(|| self.inside.fetch_add(1, Relaxed));
        assert_eq!(
            others,
            0,
            "mutual exclusion: thread {who} got in ({}) while {others} other thread(s) were inside",
            how(who)
        );
        // SAFETY: this thread holds the lock; a second thread in here at the
        // same time is exactly the bug being looked for.
        let seen = self.counter.with(|p| unsafe { *p });
        crate::sync::note(|| format!("reads the protected counter: {seen}"));
        thread::yield_now();
        // SAFETY: as above.
        self.counter.with_mut(|p| unsafe { *p = seen + 1 });
        crate::sync::note(|| format!("writes the protected counter: {}", seen + 1));
        self.check_holder(who);
        crate::sync::quietly(|| self.inside.fetch_sub(1, Relaxed));
    }

    fn total(&self) -> usize {
        // SAFETY: called only after every thread has been joined.
        self.counter.with(|p| unsafe { *p })
    }

    /// Spawn `threads` threads running `work(arena, who)` and join them,
    /// re-raising the first panic.
    fn run(self: &Arc<Self>, threads: usize, work: impl Fn(&Self, usize) + Send + Sync + 'static) {
        let work = Arc::new(work);
        let handles: Vec<_> = (0..threads)
            .map(|who| {
                let (arena, work) = (self.clone(), work.clone());
                thread::spawn(move || work(&arena, who))
            })
            .collect();
        for h in handles {
            if let Err(p) = h.join() {
                std::panic::resume_unwind(p);
            }
        }
    }
}

fn how(who: usize) -> &'static str {
    if who % 2 == 0 {
        "with lock()"
    } else {
        "with try_lock()"
    }
}

/// No two threads are ever inside the critical section together, and
/// `holding()` is true exactly for the thread inside.
///
/// `threads` threads each enter `rounds` times, half of them through
/// `lock()` and half by retrying `try_lock()`.
pub fn mutual_exclusion<L: RawLock + 'static>(threads: usize, rounds: usize) {
    let arena = Arena::<L>::new("mutual_exclusion");
    arena.run(threads, move |a, who| {
        for _ in 0..rounds {
            a.enter(who);
            a.critical_section(who);
            a.leave(who);
        }
    });
}

/// Every increment made under the lock survives: after `threads` threads
/// each add 1 `rounds` times (read, yield, write), the counter shows all.
pub fn no_lost_update<L: RawLock + 'static>(threads: usize, rounds: usize) {
    let arena = Arena::<L>::new("no_lost_update");
    arena.run(threads, move |a, who| {
        for _ in 0..rounds {
            a.enter(who);
            // Deliberately no occupancy check: this harness judges only the
            // final count.
            // SAFETY: inside the lock (the property under test).
            let seen = a.counter.with(|p| unsafe { *p });
            thread::yield_now();
            // SAFETY: as above.
            a.counter.with_mut(|p| unsafe { *p = seen + 1 });
            a.check_holder(who);
            a.leave(who);
        }
    });
    let expected = threads * rounds;
    let got = arena.total();
    assert_eq!(
        got, expected,
        "no lost update: {threads} threads added 1 under the lock {rounds} time(s) each, \
         so the counter should be {expected}, but it is {got}: increments overlapped"
    );
}

/// A held lock cannot be taken, and once released every waiter gets in.
///
/// The main thread takes the lock; each of `waiters` threads checks that
/// `try_lock()` fails while it is held, then waits in `lock()`; the main
/// thread releases; every thread must get in exactly once. A waiter that
/// never gets in shows up as a deadlock (loom, shuttle) or a deadline (std).
///
/// The main thread contends too: under loom pass one waiter (loom's state
/// space explodes with three threads spinning on one lock).
pub fn progress<L: RawLock + 'static>(waiters: usize) {
    let arena = Arena::<L>::new("progress");
    assert!(
        arena.lock.try_lock(),
        "progress: try_lock() on a lock nobody holds returned false"
    );
    // Instruments, not part of the lock: SeqCst keeps them simple and
    // orders nothing the lock must order.
    let tried = Arc::new(AtomicUsize::new(0));
    let entered = Arc::new(AtomicUsize::new(0));
    let main = thread::current();
    let handles: Vec<_> = (0..waiters)
        .map(|who| {
            let (a, tried, entered, main) = (arena.clone(), tried.clone(), entered.clone(), main.clone());
            thread::spawn(move || {
                let got = a.lock.try_lock();
                tried.fetch_add(1, SeqCst);
                main.unpark();
                assert!(
                    !got,
                    "mutual exclusion: thread {who}'s try_lock() succeeded while the main thread held the lock"
                );
                a.lock.lock();
                // Only count the entry: exclusion is `mutual_exclusion`'s
                // job, and a lean body keeps the loom model small.
                entered.fetch_add(1, SeqCst);
                a.leave(who);
            })
        })
        .collect();
    // Release only after every thread saw the lock held. The main thread
    // parks rather than spins: under loom a third spinning thread makes the
    // model explode.
    while tried.load(SeqCst) < waiters {
        thread::park();
    }
    // SAFETY: the main thread took the lock with try_lock above.
    unsafe { arena.lock.unlock() };
    for h in handles {
        if let Err(p) = h.join() {
            std::panic::resume_unwind(p);
        }
    }
    assert_eq!(
        entered.load(SeqCst),
        waiters,
        "progress: {waiters} waiter(s) should each have entered once after the release"
    );
    assert!(
        arena.lock.try_lock(),
        "progress: after every thread released the lock, try_lock() still fails"
    );
    // SAFETY: taken by the try_lock just above.
    unsafe { arena.lock.unlock() };
}

/// Threads enter a [`FifoLock`] in the order they queued: a waiter is not
/// overtaken, not even by the thread that just released the lock and
/// comes straight back for it (the way a plain spinlock starves waiters).
///
/// The main thread holds the lock; thread A queues for it; once the lock
/// reports A queued, the main thread releases and immediately queues again.
/// A must enter first. (Two contending threads, so loom can check it.)
pub fn fifo_order<L: FifoLock + 'static>() {
    let lock = Arc::new(L::new("fifo_order"));
    // SeqCst: an instrument recording entry order, not part of the lock.
    let entries = Arc::new(AtomicUsize::new(0));
    lock.lock();
    let waiter = {
        let (lock, entries) = (lock.clone(), entries.clone());
        thread::spawn(move || {
            lock.lock();
            let place = entries.fetch_add(1, SeqCst);
            // SAFETY: acquired just above on this thread.
            unsafe { lock.unlock() };
            place
        })
    };
    while !lock.has_waiters() {
        spin_loop();
    }
    // SAFETY: locked by the main thread at the start.
    unsafe { lock.unlock() };
    lock.lock();
    let main_place = entries.fetch_add(1, SeqCst);
    // SAFETY: acquired just above on this thread.
    unsafe { lock.unlock() };
    let waiter_place = waiter
        .join()
        .unwrap_or_else(|p| std::panic::resume_unwind(p));
    assert!(
        waiter_place < main_place,
        "FIFO order: thread A queued while the main thread held the lock, but the main thread \
         released and re-acquired the lock before A got in"
    );
}
