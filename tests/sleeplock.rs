//! Tests of the `sleeplock` exercise (`solutions/sleeplock.rs`): the lock
//! invariants every proclab lock keeps, plus what makes it a sleep lock.

#[macro_use]
mod common;

mod invariants {
    lock_invariant_tests!(
        proclab::graded::sleeplock::RawSleepLock,
        "sleep lock",
        preemptions = 1
    );
}

#[cfg(not(any(loom, shuttle)))]
mod api {
    lock_api_tests_without_counting!(proclab::graded::sleeplock::RawSleepLock);

    #[test]
    fn its_holder_holds_no_spinlock_and_may_sleep() {
        let lock: proclab::graded::sleeplock::SleepLock<u32> = Lock::new("disk buffer", 0);
        let before = spinlocks_held();
        let guard = lock.lock();
        assert_eq!(
            spinlocks_held(),
            before,
            "a held sleep lock must not count as a spinlock"
        );
        // Sleeping while holding it is allowed: wait on a semaphore that a
        // helper thread releases.
        let sem = Arc::new(proclab::sleep::Semaphore::new(0));
        let s2 = sem.clone();
        let h = std::thread::spawn(move || s2.release());
        sem.acquire();
        h.join().unwrap();
        drop(guard);
    }

    #[test]
    fn a_waiter_sleeps_while_the_holder_works() {
        let lock = Arc::new(Lock::<proclab::graded::sleeplock::RawSleepLock, u32>::new(
            "slow", 0,
        ));
        let guard = lock.lock();
        let l2 = lock.clone();
        let started = Arc::new(std::sync::atomic::AtomicBool::new(false));
        let s2 = started.clone();
        let h = std::thread::spawn(move || {
            s2.store(true, std::sync::atomic::Ordering::SeqCst);
            *l2.lock() += 1
        });
        // Give the waiter a chance to get in wrongly: first until it runs
        // (on a busy machine that may take a while), then a moment more.
        // Not a verdict on speed: a correct lock passes however long this
        // takes, since its waiter cannot finish while the guard is held.
        while !started.load(std::sync::atomic::Ordering::SeqCst) {
            std::thread::yield_now();
        }
        std::thread::sleep(std::time::Duration::from_millis(20));
        assert!(
            !h.is_finished(),
            "the waiter got in while the lock was held"
        );
        drop(guard);
        h.join().unwrap();
        assert_eq!(*lock.lock(), 1);
    }
}
