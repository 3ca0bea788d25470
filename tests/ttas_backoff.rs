//! Tests of the `ttas_backoff` exercise (`solutions/ttas_backoff.rs`).
//!
//! The invariant tests run in every world; the API and backoff tests in the
//! std world.

#[macro_use]
mod common;

mod invariants {
    lock_invariant_tests!(proclab::graded::ttas_backoff::RawTtasLock, "TTAS lock");
}

#[cfg(not(any(loom, shuttle)))]
mod api {
    use proclab::graded::ttas_backoff::Backoff;

    lock_api_tests!(proclab::graded::ttas_backoff::RawTtasLock);

    #[test]
    fn backoff_doubles_each_wait_up_to_the_cap() {
        let mut backoff = Backoff::new();
        let mut seen = vec![backoff.next_spins()];
        for _ in 0..12 {
            backoff.spin();
            seen.push(backoff.next_spins());
        }
        let cap = 1 << Backoff::MAX_STEP;
        let expected: Vec<u32> = (0..13)
            .map(|i| (1u32 << i.min(Backoff::MAX_STEP)).min(cap))
            .collect();
        assert_eq!(
            seen, expected,
            "exponential backoff: the waits should go 1, 2, 4, ... and stay at 2^MAX_STEP = {cap}"
        );
    }

    #[test]
    fn backoff_stays_capped_however_long_it_waits() {
        let mut backoff = Backoff::new();
        for wait in 0..100 {
            // Checked before each wait, so a backoff without a cap fails at
            // once instead of spinning 2^100 times.
            assert!(
                backoff.next_spins() <= 1 << Backoff::MAX_STEP,
                "wait {wait} would spin {} times, past the cap of {}",
                backoff.next_spins(),
                1u64 << Backoff::MAX_STEP
            );
            backoff.spin();
        }
        assert_eq!(
            backoff.next_spins(),
            1 << Backoff::MAX_STEP,
            "after 100 waits the backoff should sit at its cap"
        );
    }

    #[test]
    fn try_lock_on_a_held_lock_leaves_it_held() {
        let lock: proclab::graded::ttas_backoff::TtasLock<()> = Lock::new("held", ());
        let guard = lock.lock();
        let raw = lock.raw();
        let got = std::thread::scope(|s| s.spawn(|| raw.try_lock()).join().unwrap());
        assert!(!got, "try_lock succeeded on a held lock");
        assert!(
            raw.is_locked(),
            "a failed try_lock released someone else's lock"
        );
        drop(guard);
    }
}
