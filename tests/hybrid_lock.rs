//! Tests of the hybrid (spin-then-park) lock, `src/locks/hybrid_lock.rs`.
//!
//! Not an exercise: the library's own lock, checked by the same harnesses
//! in every world, plus a model of its sleep/wake hand-off.

#[macro_use]
mod common;

mod invariants {
    use proclab::locks::{HybridLock, RawHybridLock};

    lock_invariant_tests!(RawHybridLock, "hybrid lock", preemptions = 1);

    /// The futex race: a waiter decides to sleep while the holder releases.
    /// The waiter checks the state under the sleepers' lock, and the holder
    /// wakes under it, so either the waiter sees the lock free and does not
    /// sleep, or the holder finds it listed: never a sleep with nobody left
    /// to wake it (a deadlock the checkers report).
    #[test]
    fn release_while_a_waiter_goes_to_sleep() {
        Model::new("hybrid lock: release while a waiter goes to sleep")
            .preemptions(2)
            .check(|| {
                let lock = std::sync::Arc::new(HybridLock::new("handoff", 0usize));
                let guard = lock.lock();
                let waiter = {
                    let lock = lock.clone();
                    proclab::sync::thread::spawn(move || *lock.lock() += 1)
                };
                drop(guard);
                crate::common::join(waiter);
                assert_eq!(*lock.lock(), 1);
                assert!(
                    !lock.raw().is_locked(),
                    "hybrid lock: held after everyone left"
                );
                assert_eq!(
                    lock.raw().sleepers(),
                    0,
                    "hybrid lock: a sleeper was left behind"
                );
            });
    }

    /// Three waiters queue up (two may sleep) and each release wakes one:
    /// nobody is left asleep. Not under loom (three contending threads).
    #[cfg(not(loom))]
    #[test]
    fn every_sleeper_is_woken() {
        Model::new("hybrid lock: every sleeper is woken").check(|| {
            let lock = std::sync::Arc::new(HybridLock::new("sleepers", 0usize));
            let guard = lock.lock();
            let waiters: Vec<_> = (0..3)
                .map(|_| {
                    let lock = lock.clone();
                    proclab::sync::thread::spawn(move || *lock.lock() += 1)
                })
                .collect();
            drop(guard);
            for w in waiters {
                crate::common::join(w);
            }
            assert_eq!(*lock.lock(), 3);
            assert_eq!(
                lock.raw().sleepers(),
                0,
                "hybrid lock: a sleeper was left behind"
            );
        });
    }
}

#[cfg(not(any(loom, shuttle)))]
mod api {
    lock_api_tests_without_counting!(proclab::locks::RawHybridLock);

    use proclab::locks::HybridLock;
    use proclab::sleep::Condvar;

    #[test]
    fn is_not_counted_as_a_spinlock() {
        let lock = HybridLock::new("blocking", ());
        let before = spinlocks_held();
        let _g = lock.lock();
        assert_eq!(
            spinlocks_held(),
            before,
            "a hybrid lock's holder may sleep: not a spinlock"
        );
    }

    #[test]
    fn its_holder_may_wait_on_a_condvar() {
        let ready = Arc::new((HybridLock::new("ready", false), Condvar::new()));
        let r2 = ready.clone();
        let setter = std::thread::spawn(move || {
            *r2.0.lock() = true;
            r2.1.notify_all();
        });
        let mut g = ready.0.lock();
        while !*g {
            g = ready.1.wait(g);
        }
        drop(g);
        setter.join().unwrap();
    }

    #[test]
    fn more_threads_than_cores_all_finish() {
        // Eight threads on this machine's two cores: waiters that cannot get
        // the lock soon go to sleep instead of spinning away the holder's CPU.
        let lock = Arc::new(HybridLock::new("oversubscribed", 0u64));
        let handles: Vec<_> = (0..8)
            .map(|_| {
                let lock = lock.clone();
                std::thread::spawn(move || {
                    for _ in 0..5_000 {
                        *lock.lock() += 1;
                    }
                })
            })
            .collect();
        for h in handles {
            h.join().unwrap();
        }
        assert_eq!(*lock.lock(), 40_000);
        assert_eq!(lock.raw().sleepers(), 0);
    }

    #[test]
    #[should_panic(expected = "sleep: going to sleep with 1 spinlock(s) held")]
    fn waiting_while_holding_a_spinlock_panics() {
        // Sleeping with a spinlock held is the rule xv6's sched enforces.
        let hybrid = Arc::new(HybridLock::new("hybrid", ()));
        let held = hybrid.lock();
        let h2 = hybrid.clone();
        let result = std::thread::spawn(move || {
            let spin = proclab::locks::Spinlock::new("spin", ());
            let _s = spin.lock();
            let _h = h2.lock(); // must sleep: the hybrid lock is held
        })
        .join();
        drop(held);
        if let Err(p) = result {
            std::panic::resume_unwind(p);
        }
    }
}
