//! Tests of the `spinlock` exercise (`solutions/spinlock.rs`).
//!
//! The invariant tests run in every world: `cargo test` (std),
//! `RUSTFLAGS="--cfg loom"` and `RUSTFLAGS="--cfg shuttle"` (see README).
//! The API tests run in the std world only.

#[macro_use]
mod common;

mod invariants {
    lock_invariant_tests!(proclab::graded::spinlock::RawSpinlock, "spinlock");
}

#[cfg(not(any(loom, shuttle)))]
mod api {
    lock_api_tests!(proclab::graded::spinlock::RawSpinlock);

    #[test]
    fn spinlock_alias_is_a_lock_over_raw_spinlock() {
        let lock: proclab::graded::spinlock::Spinlock<&str> = Lock::new("alias", "ok");
        assert_eq!(*lock.lock(), "ok");
        assert!(!lock.raw().is_locked());
    }
}
