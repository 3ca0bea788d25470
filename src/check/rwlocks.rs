//! Invariants of a reader-writer lock, as model-check bodies generic over
//! [`RawRwLock`].
//!
//! | harness              | invariant |
//! |----------------------|-----------|
//! | [`readers_share`]    | readers hold the lock together; a writer cannot join them |
//! | [`exclusion`]        | a writer is alone: no reader or other writer beside it, and readers never see a write in progress |
//! | [`writers_first`]    | once a writer waits, new readers wait behind it (no writer starvation) |
//!
//! The write side is a [`RawLock`](crate::locks::RawLock), so the harnesses
//! in [`check::locks`](super::locks) check it too.

use crate::locks::RawRwLock;
use crate::sync::atomic::{AtomicUsize, Ordering::Relaxed, Ordering::SeqCst};
use crate::sync::{spin_loop, thread, UnsafeCell};
use std::sync::Arc;

/// The lock under test, the data it protects, and instruments.
struct Arena<L> {
    lock: L,
    /// Readers and writers inside right now. Relaxed on purpose, as in
    /// `check::locks`: the instruments must not lend the lock ordering.
    readers_inside: AtomicUsize,
    writers_inside: AtomicUsize,
    /// Written under the write lock, read under either.
    data: UnsafeCell<usize>,
}

// SAFETY: `data` is written only by a writer holding the lock alone and read
// only by holders (the property under test, which loom checks) or after
// every thread joined.
unsafe impl<L: Sync> Sync for Arena<L> {}

impl<L: RawRwLock + 'static> Arena<L> {
    fn new(name: &'static str) -> Arc<Self> {
        Arc::new(Arena {
            lock: L::new(name),
            readers_inside: AtomicUsize::new(0),
            writers_inside: AtomicUsize::new(0),
            data: UnsafeCell::new(0),
        })
    }

    fn read_data(&self) -> usize {
        // SAFETY: called with the lock held (the property under test).
        self.data.with(|p| unsafe { *p })
    }

    /// A writer's turn: alone inside, read-yield-write the data.
    fn write(&self, who: &str) {
        self.lock.lock();
        let others = crate::sync::quietly(|| {
            let w = self.writers_inside.fetch_add(1, Relaxed);
            (w, self.readers_inside.load(Relaxed))
        });
        assert_eq!(
            others,
            (0, 0),
            "writers exclude: {who} got the write lock while {} writer(s) and {} reader(s) were inside",
            others.0,
            others.1
        );
        let seen = self.read_data();
        crate::sync::note(|| format!("reads the protected data: {seen}"));
        thread::yield_now();
        // SAFETY: inside the write lock.
        self.data.with_mut(|p| unsafe { *p = seen + 1 });
        crate::sync::note(|| format!("writes the protected data: {}", seen + 1));
        crate::sync::quietly(|| self.writers_inside.fetch_sub(1, Relaxed));
        // SAFETY: taken above on this thread.
        unsafe { self.lock.unlock() };
    }

    /// A reader's turn: read the data twice around a yield; no writer may
    /// be inside, so both reads agree.
    fn read(&self, who: &str) {
        self.lock.lock_shared();
        crate::sync::quietly(|| self.readers_inside.fetch_add(1, Relaxed));
        let writers = crate::sync::quietly(|| self.writers_inside.load(Relaxed));
        assert_eq!(
            writers, 0,
            "readers exclude writers: {who} got a read lock while a writer was inside"
        );
        let first = self.read_data();
        thread::yield_now();
        let second = self.read_data();
        assert_eq!(
            first, second,
            "readers exclude writers: {who} read {first}, then {second} under the same read lock: \
             a writer changed the data while a reader held the lock"
        );
        crate::sync::quietly(|| self.readers_inside.fetch_sub(1, Relaxed));
        // SAFETY: taken above on this thread.
        unsafe { self.lock.unlock_shared() };
    }
}

fn join_all(handles: Vec<thread::JoinHandle<()>>) {
    for h in handles {
        if let Err(p) = h.join() {
            std::panic::resume_unwind(p);
        }
    }
}

/// Readers hold the lock together, and a writer cannot take it from them.
///
/// The main thread takes a read lock; each of `readers` threads must then
/// get a read lock with `try_lock_shared` (it needs no waiting: only
/// readers are inside) and must fail `try_lock` (a writer would not be
/// alone); the readers release, and afterwards a writer gets in.
pub fn readers_share<L: RawRwLock + 'static>(readers: usize) {
    let lock = Arc::new(L::new("readers_share"));
    lock.lock_shared();
    let handles: Vec<_> = (0..readers)
        .map(|who| {
            let lock = lock.clone();
            thread::spawn(move || {
                assert!(
                    lock.try_lock_shared(),
                    "readers share: reader {who}'s try_lock_shared() failed while only the main \
                     thread held a read lock and no writer was waiting"
                );
                assert!(
                    !lock.try_lock(),
                    "writers exclude: a try_lock() (write) succeeded while readers held the lock"
                );
                // SAFETY: taken by the try_lock_shared above.
                unsafe { lock.unlock_shared() };
            })
        })
        .collect();
    join_all(handles);
    // SAFETY: taken at the start on this thread.
    unsafe { lock.unlock_shared() };
    assert!(
        lock.try_lock(),
        "readers share: every reader released, yet try_lock() (write) fails"
    );
    // SAFETY: taken just above.
    unsafe { lock.unlock() };
}

/// A writer is alone inside, and readers never see a write in progress.
///
/// `writers` threads each write `rounds` times (read, yield, write +1);
/// `readers` threads each read `rounds` times (twice, around a yield). The
/// data must end at `writers * rounds`.
pub fn exclusion<L: RawRwLock + 'static>(readers: usize, writers: usize, rounds: usize) {
    let arena = Arena::<L>::new("exclusion");
    let handles: Vec<_> = (0..readers + writers)
        .map(|i| {
            let arena = arena.clone();
            thread::spawn(move || {
                for _ in 0..rounds {
                    if i < writers {
                        arena.write(&format!("writer {i}"));
                    } else {
                        arena.read(&format!("reader {}", i - writers));
                    }
                }
            })
        })
        .collect();
    join_all(handles);
    let expected = writers * rounds;
    let got = arena.read_data();
    assert_eq!(
        got, expected,
        "writers exclude: {writers} writer(s) added 1 under the write lock {rounds} time(s) each, \
         so the data should be {expected}, but it is {got}: writes overlapped"
    );
}

/// Writers first: once a writer waits, a new reader waits behind it, so a
/// steady stream of readers cannot starve a writer.
///
/// The main thread holds a read lock; a writer thread asks for the lock and
/// waits. Once the lock reports the writer waiting, a new read lock must be
/// refused; and when the main thread lets go and asks again with
/// `lock_shared`, the writer must have been in and out first.
pub fn writers_first<L: RawRwLock + 'static>() {
    let lock = Arc::new(L::new("writers_first"));
    // SeqCst: an instrument, not part of the lock under test.
    let writer_done = Arc::new(AtomicUsize::new(0));
    lock.lock_shared();
    let writer = {
        let (lock, writer_done) = (lock.clone(), writer_done.clone());
        thread::spawn(move || {
            lock.lock();
            writer_done.store(1, SeqCst);
            // SAFETY: taken just above on this thread.
            unsafe { lock.unlock() };
        })
    };
    while !lock.writer_waiting() && writer_done.load(SeqCst) == 0 {
        spin_loop();
    }
    assert_eq!(
        writer_done.load(SeqCst),
        0,
        "readers exclude writers: the writer got the lock while the main thread held a read lock"
    );
    // A second reader arriving now (the main thread again: a recursive read
    // is exactly such a newcomer) must be turned away.
    let newcomer_got_in = lock.try_lock_shared();
    if newcomer_got_in {
        // SAFETY: taken just above.
        unsafe { lock.unlock_shared() };
    }
    assert!(
        !newcomer_got_in,
        "writers first: a new reader got in while a writer was waiting; a steady stream of \
         readers would starve the writer"
    );
    // SAFETY: taken at the start on this thread.
    unsafe { lock.unlock_shared() };
    lock.lock_shared();
    let done = writer_done.load(SeqCst);
    // SAFETY: taken just above.
    unsafe { lock.unlock_shared() };
    writer
        .join()
        .unwrap_or_else(|p| std::panic::resume_unwind(p));
    assert_eq!(
        done, 1,
        "writers first: the writer was waiting when the last reader left, but a new reader got \
         in before it"
    );
}
