//! Tests of the `ticket_lock` exercise (`solutions/ticket_lock.rs`).
//!
//! The invariant tests, FIFO order among them, run in every world; the API
//! tests run in the std world only.

#[macro_use]
mod common;

mod invariants {
    lock_invariant_tests!(proclab::graded::ticket_lock::RawTicketLock, "ticket lock");

    #[test]
    fn fifo_order() {
        Model::new("ticket lock: FIFO order")
            .check(harness::fifo_order::<proclab::graded::ticket_lock::RawTicketLock>);
    }
}

#[cfg(not(any(loom, shuttle)))]
mod api {
    lock_api_tests!(proclab::graded::ticket_lock::RawTicketLock);

    #[test]
    fn queued_counts_holder_and_waiters() {
        use proclab::locks::FifoLock;
        let lock: proclab::graded::ticket_lock::TicketLock<()> = Lock::new("queue", ());
        assert_eq!(lock.raw().queued(), 0);
        let guard = lock.lock();
        assert_eq!(lock.raw().queued(), 1);
        assert!(
            !lock.raw().has_waiters(),
            "has_waiters() with only the holder queued"
        );
        assert!(lock.raw().is_locked());
        drop(guard);
        assert_eq!(lock.raw().queued(), 0);
    }
}
