//! Tests of the `rw_spinlock` exercise (`solutions/rw_spinlock.rs`).
//!
//! The write side is a `RawLock` and passes the lock harnesses; the
//! reader-writer harnesses check sharing, exclusion and the writers-first
//! policy. All run in every world; the API tests in the std world.

#[macro_use]
mod common;

mod invariants {
    use proclab::check::rwlocks;
    use proclab::graded::rw_spinlock::RawRwSpinlock;

    lock_invariant_tests!(RawRwSpinlock, "reader-writer spinlock (write side)");

    #[test]
    fn readers_share() {
        let model = Model::new("rw spinlock: readers share");
        let readers = model.spawned_threads();
        model.check(move || rwlocks::readers_share::<RawRwSpinlock>(readers));
    }

    #[test]
    fn writers_exclude_readers_and_writers() {
        let model = Model::new("rw spinlock: exclusion");
        // Under loom: one reader and one writer (2 threads); elsewhere
        // half and half.
        let threads = model.spawned_threads();
        let writers = threads / 2;
        model.check(move || rwlocks::exclusion::<RawRwSpinlock>(threads - writers, writers, 2));
    }

    #[cfg(not(loom))]
    #[test]
    fn two_writers_and_a_reader() {
        // Writers racing each other while a reader comes and goes: the
        // waiting flag is shared by all waiting writers. Not under loom
        // (three spinning threads).
        Model::new("rw spinlock: two writers and a reader")
            .check(|| rwlocks::exclusion::<RawRwSpinlock>(1, 2, 2));
    }

    #[test]
    fn writers_first() {
        Model::new("rw spinlock: writers first").check(rwlocks::writers_first::<RawRwSpinlock>);
    }
}

#[cfg(not(any(loom, shuttle)))]
mod api {
    lock_api_tests!(proclab::graded::rw_spinlock::RawRwSpinlock);

    use proclab::graded::rw_spinlock::RwSpinlock;
    use std::sync::atomic::{AtomicBool, AtomicUsize, Ordering::SeqCst};
    use std::time::{Duration, Instant};

    #[test]
    fn read_guards_share_and_count_as_spinlocks() {
        let lock = RwSpinlock::new("shared", 5);
        let before = spinlocks_held();
        let a = lock.read();
        let b = lock.try_read().expect("a second reader must get in");
        assert_eq!(*a + *b, 10);
        assert_eq!(lock.raw().readers(), 2);
        assert_eq!(
            spinlocks_held(),
            before + 2,
            "each read lock is a spinlock held"
        );
        assert!(
            lock.try_write().is_none(),
            "a writer got in beside two readers"
        );
        drop((a, b));
        assert_eq!(spinlocks_held(), before);
        *lock.write() += 1;
        assert_eq!(*lock.read(), 6);
        assert!(!lock.raw().is_locked());
    }

    #[test]
    fn a_writer_shuts_readers_out() {
        let lock = RwSpinlock::new("alone", ());
        let w = lock.write();
        assert!(lock.raw().is_locked_exclusive());
        let got = std::thread::scope(|s| s.spawn(|| lock.try_read().is_some()).join().unwrap());
        assert!(!got, "a reader got in while a writer held the lock");
        drop(w);
        assert!(lock.try_read().is_some());
    }

    #[test]
    #[should_panic(expected = "release: stray has no readers to release")]
    fn unlock_shared_without_readers_panics() {
        use proclab::locks::RawRwLock;
        let lock = proclab::graded::rw_spinlock::RawRwSpinlock::new("stray");
        lock.lock_shared();
        // SAFETY: the first release is right (taken just above); the second
        // is deliberately wrong, and the lock must refuse it rather than
        // corrupt its count.
        unsafe {
            lock.unlock_shared();
            lock.unlock_shared();
        }
    }

    #[test]
    #[should_panic(expected = "acquire: mine already held by this thread")]
    fn reading_what_you_write_locked_panics() {
        let lock = RwSpinlock::new("mine", ());
        let _w = lock.write();
        let _r = lock.read();
    }

    #[test]
    fn works_as_a_lock_api_rwlock_in_a_static() {
        static TABLE: lock_api::RwLock<proclab::graded::rw_spinlock::RawRwSpinlock, u32> =
            lock_api::RwLock::new(0);
        std::thread::scope(|s| {
            s.spawn(|| {
                for _ in 0..500 {
                    *TABLE.write() += 1;
                }
            });
            s.spawn(|| {
                for _ in 0..500 {
                    let seen = *TABLE.read();
                    assert!(seen <= 500);
                }
            });
        });
        assert_eq!(*TABLE.read(), 500);
    }

    #[test]
    fn a_steady_stream_of_readers_does_not_starve_a_writer() {
        // Two readers whose read locks overlap: each takes its next read
        // lock before the other lets go, so the reader count never drops to
        // zero by itself. Writers first means the writer still gets in.
        let lock = RwSpinlock::new("stream", 0u64);
        let stop = AtomicBool::new(false);
        let writes = AtomicUsize::new(0);
        // Writes done while the readers still streamed: counted before they
        // are told to stop, since once they stop the writer finishes anyway.
        let while_streaming = std::thread::scope(|s| {
            for _ in 0..2 {
                s.spawn(|| {
                    while !stop.load(SeqCst) {
                        let _r = lock.read();
                        std::thread::sleep(Duration::from_micros(50));
                    }
                });
            }
            let writer = s.spawn(|| {
                for _ in 0..50 {
                    *lock.write() += 1;
                    writes.fetch_add(1, SeqCst);
                }
            });
            // Not a speed target: a hang bound past which the writer is
            // starving (a correct lock lets it in as soon as the readers
            // inside leave, on a busy machine too). A writer that ended
            // early (a panic) is not waited for.
            let deadline = Instant::now() + crate::common::HANG_BOUND;
            while writes.load(SeqCst) < 50 && Instant::now() < deadline && !writer.is_finished() {
                std::thread::sleep(Duration::from_millis(5));
            }
            let done = writes.load(SeqCst);
            stop.store(true, SeqCst);
            done
        });
        assert_eq!(
            while_streaming,
            50,
            "writer starvation: under a steady stream of readers the writer finished only {} of 50 writes in {} s",
            while_streaming,
            crate::common::HANG_BOUND.as_secs()
        );
    }
}
