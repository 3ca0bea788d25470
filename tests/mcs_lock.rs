//! Tests of the `mcs_lock` exercise (`solutions/mcs_lock.rs`).
//!
//! The invariant tests, FIFO order and the hand-off model run in every
//! world; the API tests in the std world.

#[macro_use]
mod common;

mod invariants {
    use proclab::graded::mcs_lock::{McsLock, RawMcsLock};

    lock_invariant_tests!(RawMcsLock, "MCS lock");

    #[test]
    fn fifo_order() {
        Model::new("MCS lock: FIFO order").check(harness::fifo_order::<RawMcsLock>);
    }

    /// The MCS hand-off race: the holder releases while its successor has
    /// swapped itself into `tail` but may not have linked to the holder's
    /// node yet. The holder must wait for the link (not free the lock under
    /// the successor, not lose it), and the successor must see the
    /// holder's write.
    #[test]
    fn handoff_while_the_successor_links() {
        Model::new("MCS lock: hand-off while the successor links").check(|| {
            let lock = std::sync::Arc::new(McsLock::new("handoff", 0usize));
            let mut guard = lock.lock();
            let successor = {
                let lock = lock.clone();
                proclab::sync::thread::spawn(move || {
                    let mut value = lock.lock();
                    *value += 10;
                    *value
                })
            };
            *guard += 1;
            drop(guard);
            let seen = crate::common::join(successor);
            assert_eq!(
                seen, 11,
                "MCS hand-off: the successor (queued behind the holder) did not see the holder's write"
            );
            let final_value = *lock.lock();
            assert_eq!(final_value, 11, "MCS hand-off: an update was lost");
            assert!(
                !lock.raw().is_locked(),
                "MCS hand-off: every holder released, yet the queue is not empty"
            );
        });
    }
}

#[cfg(not(any(loom, shuttle)))]
mod api {
    lock_api_tests!(proclab::graded::mcs_lock::RawMcsLock);

    type McsLock<T> = proclab::graded::mcs_lock::McsLock<T>;

    #[test]
    fn has_waiters_sees_a_queued_thread() {
        use proclab::locks::FifoLock;
        let lock = McsLock::new("queue", ());
        assert!(!lock.raw().is_locked());
        let guard = lock.lock();
        assert!(lock.raw().is_locked());
        assert!(
            !lock.raw().has_waiters(),
            "has_waiters() with only the holder in the queue"
        );
        std::thread::scope(|s| {
            let waiter = s.spawn(|| drop(lock.lock()));
            while !lock.raw().has_waiters() {
                std::hint::spin_loop();
            }
            drop(guard);
            waiter.join().unwrap();
        });
        assert!(
            !lock.raw().is_locked(),
            "the queue is not empty after everyone left"
        );
    }

    #[test]
    fn nested_locks_released_in_any_order() {
        let (a, b, c) = (
            McsLock::new("a", 1),
            McsLock::new("b", 2),
            McsLock::new("c", 3),
        );
        for _ in 0..3 {
            let ga = a.lock();
            let gb = b.lock();
            let gc = c.lock();
            assert_eq!(*ga + *gb + *gc, 6);
            // Out of order: each lock must find its own holder's node.
            drop(gb);
            drop(ga);
            drop(gc);
        }
        assert!(!a.raw().is_locked() && !b.raw().is_locked() && !c.raw().is_locked());
    }

    #[test]
    fn four_threads_take_turns_in_order() {
        // The FIFO queue under real contention: with strict hand-off each
        // thread's acquisitions interleave, so nobody runs far ahead.
        let lock = McsLock::new("turns", Vec::new());
        std::thread::scope(|s| {
            for who in 0..4 {
                let lock = &lock;
                s.spawn(move || {
                    for _ in 0..500 {
                        lock.lock().push(who);
                    }
                });
            }
        });
        let order = lock.into_inner();
        assert_eq!(order.len(), 2000);
        for who in 0..4 {
            assert_eq!(order.iter().filter(|&&w| w == who).count(), 500);
        }
    }
}
