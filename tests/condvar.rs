//! Tests of the `condvar` exercise (`solutions/condvar.rs`).

#[macro_use]
mod common;

use common::join;
use proclab::graded::condvar::Condvar;
use proclab::locks::Spinlock;
use proclab::sync::model::Model;
use proclab::sync::{spin_loop, thread};
use std::sync::Arc;

/// A count of available items under a lock, and the condvar announcing them.
struct Items {
    count: Spinlock<u32>,
    cv: Condvar,
}

fn items() -> Arc<Items> {
    Arc::new(Items {
        count: Spinlock::new("items", 0),
        cv: Condvar::new(),
    })
}

impl Items {
    /// Wait for an item and take it.
    fn take(&self) {
        let count = self.count.lock();
        let mut count = self.cv.wait_while(count, |n| *n == 0);
        assert!(
            *count > 0,
            "wait_while returned while its condition still held: a woken waiter must test again (while, not if)"
        );
        assert!(
            self.count.holding(),
            "wait returned without the lock held again"
        );
        *count -= 1;
    }

    fn put(&self, notify_all: bool) {
        *self.count.lock() += 1;
        if notify_all {
            self.cv.notify_all();
        } else {
            self.cv.notify_one();
        }
    }
}

#[test]
fn no_lost_notification() {
    Model::new("condvar: no lost notification")
        .preemptions(2)
        .check(|| {
            let items = items();
            let waiter = {
                let items = items.clone();
                thread::spawn(move || items.take())
            };
            items.put(false);
            join(waiter);
        });
}

// Three threads waiting on each other's spinlocks: too big a state space
// for loom (tens of seconds); shuttle and std cover it.
#[cfg(not(loom))]
#[test]
fn notify_all_wakes_every_waiter() {
    let model = Model::new("condvar: notify_all wakes all")
        .preemptions(1)
        .threads(3);
    let waiters = model.spawned_threads();
    model.check(move || {
        let items = items();
        let handles: Vec<_> = (0..waiters)
            .map(|_| {
                let items = items.clone();
                thread::spawn(move || items.take())
            })
            .collect();
        while items.cv.waiters() < waiters {
            spin_loop();
        }
        // Enough items for everyone, announced by one notify_all.
        *items.count.lock() += waiters as u32;
        items.cv.notify_all();
        for h in handles {
            join(h);
        }
    });
}

#[test]
fn notify_one_wakes_one_waiter_per_call() {
    let model = Model::new("condvar: notify_one wakes one")
        .preemptions(1)
        .threads(3);
    let waiters = model.spawned_threads();
    model.check(move || {
        let items = items();
        let handles: Vec<_> = (0..waiters)
            .map(|_| {
                let items = items.clone();
                thread::spawn(move || items.take())
            })
            .collect();
        for _ in 0..waiters {
            items.put(false);
        }
        for h in handles {
            join(h);
        }
        assert_eq!(*items.count.lock(), 0);
    });
}

#[test]
fn a_woken_waiter_checks_again() {
    // The main thread announces an item and then takes it back itself
    // before the woken waiter gets the lock; the waiter must go back to
    // waiting, and get the second item.
    Model::new("condvar: wait_while re-checks")
        .preemptions(1)
        .check(|| {
            let items = items();
            let waiter = {
                let items = items.clone();
                thread::spawn(move || items.take())
            };
            while items.cv.waiters() < 1 {
                spin_loop();
            }
            items.put(false);
            {
                let mut count = items.count.lock();
                if *count > 0 {
                    *count -= 1; // stolen
                }
            }
            items.put(false);
            join(waiter);
        });
}

#[cfg(not(any(loom, shuttle)))]
mod api {
    use super::*;
    use proclab::locks::TicketLock;

    #[test]
    fn works_with_any_proclab_lock() {
        let pair = Arc::new((TicketLock::new("ticket", false), Condvar::new()));
        let other = pair.clone();
        let h = std::thread::spawn(move || {
            *other.0.lock() = true;
            other.1.notify_one();
        });
        let guard = pair.1.wait_while(pair.0.lock(), |ready| !*ready);
        assert!(*guard);
        drop(guard);
        h.join().unwrap();
    }

    #[test]
    #[should_panic(expected = "sched locks")]
    fn waiting_while_holding_another_spinlock_panics() {
        let other = Spinlock::new("other", ());
        let items = items();
        let _held = other.lock();
        let count = items.count.lock();
        let _ = items.cv.wait(count);
    }
}

#[test]
fn notify_one_wakes_the_longest_waiting_thread() {
    // Two waiters queue one after the other; one item and one notify_one:
    // the first to have waited must be the one that gets it.
    Model::new("condvar: notify_one wakes the oldest waiter")
        .preemptions(1)
        .check(|| {
            // (items, who took one, in order)
            let shared = Arc::new((Spinlock::new("queue", (0u32, Vec::new())), Condvar::new()));
            let waiter = |id: u32| {
                let shared = shared.clone();
                thread::spawn(move || {
                    let (lock, cv) = &*shared;
                    let mut g = cv.wait_while(lock.lock(), |s| s.0 == 0);
                    g.0 -= 1;
                    g.1.push(id);
                })
            };
            let (lock, cv) = &*shared;
            let first = waiter(1);
            while cv.waiters() < 1 {
                spin_loop();
            }
            let second = waiter(2);
            while cv.waiters() < 2 {
                spin_loop();
            }
            lock.lock().0 += 1;
            cv.notify_one();
            while lock.lock().1.is_empty() {
                spin_loop();
            }
            assert_eq!(
                lock.lock().1,
                vec![1],
                "notify_one must wake the longest-waiting thread"
            );
            lock.lock().0 += 1;
            cv.notify_one();
            join(first);
            join(second);
        });
}
