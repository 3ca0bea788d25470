//! Tests of the `tas_lock` exercise (`solutions/tas_lock.rs`).
//!
//! The invariant tests run in every world; the API tests in the std world.

#[macro_use]
mod common;

mod invariants {
    lock_invariant_tests!(proclab::graded::tas_lock::RawTasLock, "test-and-set lock");
}

#[cfg(not(any(loom, shuttle)))]
mod api {
    lock_api_tests!(proclab::graded::tas_lock::RawTasLock);

    #[test]
    fn is_locked_follows_the_guard() {
        let lock: proclab::graded::tas_lock::TasLock<u8> = Lock::new("flag", 7);
        assert!(!lock.raw().is_locked());
        let guard = lock.lock();
        assert!(
            lock.raw().is_locked(),
            "is_locked() is false while a guard is alive"
        );
        assert_eq!(*guard, 7);
        drop(guard);
        assert!(
            !lock.raw().is_locked(),
            "is_locked() is still true after the guard was dropped"
        );
    }
}
