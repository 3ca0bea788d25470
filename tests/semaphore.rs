//! Tests of the `semaphore` exercise (`solutions/semaphore.rs`).

#[macro_use]
mod common;

use common::join;
use proclab::graded::semaphore::Semaphore;
use proclab::sync::atomic::{AtomicUsize, Ordering::Relaxed};
use proclab::sync::model::Model;
use proclab::sync::thread;
use std::sync::Arc;

#[test]
fn permits_are_never_exceeded() {
    let model = Model::new("semaphore: at most `permits` holders")
        .preemptions(2)
        .threads(4);
    let threads = model.spawned_threads();
    let permits = threads - 1;
    model.check(move || {
        let sem = Arc::new(Semaphore::new(permits));
        // Relaxed on purpose: an instrument must not add synchronization.
        let holders = Arc::new(AtomicUsize::new(0));
        let handles: Vec<_> = (0..threads)
            .map(|_| {
                let (sem, holders) = (sem.clone(), holders.clone());
                thread::spawn(move || {
                    sem.acquire();
                    let others = holders.fetch_add(1, Relaxed);
                    assert!(
                        others < permits,
                        "count never negative: {} threads hold permits of a semaphore with {permits}",
                        others + 1
                    );
                    thread::yield_now();
                    holders.fetch_sub(1, Relaxed);
                    sem.release();
                })
            })
            .collect();
        for h in handles {
            join(h);
        }
        assert_eq!(sem.available(), permits, "permits were lost or invented");
    });
}

#[test]
fn release_wakes_a_waiter() {
    Model::new("semaphore: no lost release")
        .preemptions(2)
        .check(|| {
            let sem = Arc::new(Semaphore::new(0));
            let waiter = {
                let sem = sem.clone();
                thread::spawn(move || sem.acquire())
            };
            sem.release();
            join(waiter);
            assert_eq!(sem.available(), 0);
        });
}

#[test]
fn a_stolen_permit_sends_the_waiter_back_to_sleep() {
    // The main thread releases a permit and immediately takes it back
    // (try_acquire) if the waiter has not; the waiter, if woken, must not
    // take a permit that is no longer there.
    Model::new("semaphore: count never negative")
        .preemptions(2)
        .check(|| {
            let sem = Arc::new(Semaphore::new(0));
            let waiter = {
                let sem = sem.clone();
                thread::spawn(move || sem.acquire())
            };
            sem.release();
            let stolen = sem.try_acquire();
            if stolen {
                sem.release();
            }
            join(waiter);
            assert_eq!(
                sem.available(),
                0,
                "count never negative: permits left after every acquire matched a release"
            );
        });
}

#[cfg(not(any(loom, shuttle)))]
mod api {
    use super::*;

    #[test]
    fn try_acquire_takes_only_what_is_there() {
        let sem = Semaphore::new(1);
        assert!(sem.try_acquire(), "try_acquire failed with a permit free");
        assert!(
            !sem.try_acquire(),
            "try_acquire succeeded with no permit free"
        );
        assert_eq!(sem.available(), 0);
        sem.release();
        assert_eq!(sem.available(), 1);
        assert!(sem.try_acquire());
    }

    #[test]
    fn a_pool_of_threads_shares_two_permits() {
        let sem = Arc::new(Semaphore::new(2));
        let handles: Vec<_> = (0..4)
            .map(|_| {
                let sem = sem.clone();
                std::thread::spawn(move || {
                    for _ in 0..500 {
                        sem.acquire();
                        sem.release();
                    }
                })
            })
            .collect();
        for h in handles {
            h.join().unwrap();
        }
        assert_eq!(sem.available(), 2);
    }
}
