//! Test suites shared by every lock exercise.

/// How long a std-world test waits for something before calling it a hang
/// (a thread that never gets in, a writer starved forever). A hang
/// detector, never a speed target: far above what correct code needs on a
/// heavily loaded machine, and below the grader's per-test limit. (Model
/// checks have their own, per round: `proclab::sync::model::STD_HANG_BOUND`.)
#[allow(dead_code)] // not every suite waits
pub const HANG_BOUND: std::time::Duration = std::time::Duration::from_secs(30);

/// The model-checked invariants of a [`RawLock`](proclab::locks::RawLock),
/// as `#[test]`s that run in whichever world the build is for.
#[macro_export]
macro_rules! lock_invariant_tests {
    ($raw:ty, $label:literal) => {
        lock_invariant_tests!($raw, $label, preemptions = 2);
    };
    // Locks built from other locks (a sleep lock) have far more atomic
    // operations per run; loom needs a tighter preemption bound for them.
    ($raw:ty, $label:literal, preemptions = $p:literal) => {
        use proclab::check::locks as harness;
        use proclab::sync::model::Model;

        #[test]
        fn mutual_exclusion() {
            let model = Model::new(concat!($label, ": mutual exclusion")).preemptions($p);
            let threads = model.spawned_threads();
            model.check(move || harness::mutual_exclusion::<$raw>(threads, 2));
        }

        #[test]
        fn no_lost_update() {
            let model = Model::new(concat!($label, ": no lost update")).preemptions($p);
            let threads = model.spawned_threads();
            model.check(move || harness::no_lost_update::<$raw>(threads, 2));
        }

        #[test]
        fn progress() {
            let model = Model::new(concat!($label, ": progress")).preemptions($p);
            // The main thread holds the lock first, so it is one of the
            // contenders: spawn one thread fewer.
            let waiters = model.spawned_threads() - 1;
            model.check(move || harness::progress::<$raw>(waiters));
        }
    };
}

/// The API of [`Lock<R, T>`](proclab::locks::Lock) over a raw spinlock:
/// guards, misuse panics, held-spinlock counting, `lock_api`. Ordinary
/// world only (these tests panic on purpose and use real threads).
#[macro_export]
macro_rules! lock_api_tests {
    ($raw:ty) => {
        lock_api_tests_without_counting!($raw);

        #[test]
        fn each_thread_counts_the_spinlocks_it_holds() {
            let a = Locked::new("a", ());
            let b = Locked::new("b", ());
            let before = spinlocks_held();
            let ga = a.lock();
            assert_eq!(spinlocks_held(), before + 1);
            let gb = b.try_lock().unwrap();
            assert_eq!(spinlocks_held(), before + 2);
            let seen_elsewhere = std::thread::spawn(spinlocks_held).join().unwrap();
            assert_eq!(
                seen_elsewhere, 0,
                "another thread's count includes locks it does not hold"
            );
            drop(gb);
            drop(ga);
            assert_eq!(spinlocks_held(), before);
        }

        #[test]
        fn works_as_a_lock_api_mutex_in_a_static() {
            static TOTAL: lock_api::Mutex<$raw, u64> = lock_api::Mutex::new(0);
            let handles: Vec<_> = (0..2)
                .map(|_| {
                    std::thread::spawn(|| {
                        for _ in 0..1000 {
                            *TOTAL.lock() += 1
                        }
                    })
                })
                .collect();
            for h in handles {
                h.join().unwrap();
            }
            assert_eq!(*TOTAL.lock(), 2000);
            assert!(!TOTAL.is_locked());
        }
    };
}

/// The API tests every proclab lock passes, spinning or sleeping.
#[macro_export]
macro_rules! lock_api_tests_without_counting {
    ($raw:ty) => {
        #[allow(unused_imports)]
        use proclab::locks::{spinlocks_held, Lock, RawLock};
        use std::sync::Arc;

        type Locked<T> = Lock<$raw, T>;

        #[test]
        fn guard_gives_access_and_releases_on_drop() {
            let lock = Locked::new("counter", 1u32);
            {
                let mut guard = lock.lock();
                *guard += 41;
                assert!(lock.holding(), "holding() is false while this thread holds the guard");
                assert!(lock.raw().holding());
            }
            assert!(!lock.holding(), "holding() is still true after the guard was dropped");
            assert_eq!(*lock.lock(), 42);
            assert_eq!(lock.name(), "counter");
        }

        #[test]
        fn try_lock_fails_only_while_held() {
            let lock = Arc::new(Locked::new("flag", ()));
            let guard = lock.try_lock().expect("try_lock on a free lock must succeed");
            let other = lock.clone();
            let got = std::thread::spawn(move || other.try_lock().is_some()).join().unwrap();
            assert!(!got, "another thread's try_lock succeeded while the lock was held");
            drop(guard);
            let other = lock.clone();
            let got = std::thread::spawn(move || other.try_lock().is_some()).join().unwrap();
            assert!(got, "another thread's try_lock failed after the lock was released");
        }

        #[test]
        fn guard_is_released_when_a_panic_unwinds() {
            let lock = Arc::new(Locked::new("unwinding", 0));
            let l2 = lock.clone();
            let result = std::thread::spawn(move || {
                let _guard = l2.lock();
                panic!("boom inside the critical section");
            })
            .join();
            assert!(result.is_err());
            assert!(
                lock.try_lock().is_some(),
                "the lock stayed held after its holder panicked: the guard must release it while unwinding"
            );
        }

        #[test]
        #[should_panic(expected = "acquire: reentry already held by this thread")]
        fn relocking_on_the_same_thread_panics() {
            let lock = Locked::new("reentry", ());
            let _first = lock.lock();
            let _second = lock.lock();
        }

        #[test]
        #[should_panic(expected = "acquire: reentry already held by this thread")]
        fn try_lock_by_the_holder_panics() {
            let lock = Locked::new("reentry", ());
            let _first = lock.lock();
            let _second = lock.try_lock();
        }

        #[test]
        fn many_threads_count_to_the_right_total() {
            // Two threads, few rounds: on a 2-core machine a FIFO spinlock
            // whose next-in-line waiter is descheduled stalls everyone (a
            // convoy), so more threads measure the OS scheduler, not the lock.
            let lock = Arc::new(Locked::new("total", 0u64));
            let handles: Vec<_> = (0..2)
                .map(|_| {
                    let lock = lock.clone();
                    std::thread::spawn(move || {
                        for _ in 0..2_000 {
                            *lock.lock() += 1;
                        }
                    })
                })
                .collect();
            for h in handles {
                h.join().unwrap();
            }
            assert_eq!(*lock.lock(), 4_000);
        }
    };
}

/// Join a facade thread, re-raising its panic so the invariant it reported
/// reaches the model checker.
#[allow(dead_code)]
pub fn join<T>(handle: proclab::sync::thread::JoinHandle<T>) -> T {
    handle
        .join()
        .unwrap_or_else(|p| std::panic::resume_unwind(p))
}
