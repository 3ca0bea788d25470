//! Tests of the `barrier` exercise (`solutions/barrier.rs`).

#[macro_use]
mod common;

use common::join;
use proclab::graded::barrier::Barrier;
use proclab::sync::atomic::{AtomicUsize, Ordering::SeqCst};
use proclab::sync::model::Model;
use proclab::sync::thread;
use std::sync::Arc;

const ROUNDS: usize = 2;

/// `parties` threads go through `ROUNDS` rounds; in each, every thread must
/// see all parties arrived once it leaves the barrier, and exactly one
/// thread is told it was the last.
fn rounds(parties: usize) {
    let barrier = Arc::new(Barrier::new(parties));
    // SeqCst instruments: what the barrier must order is checked by the
    // arrival counts, not lent by them.
    let arrived: Arc<Vec<AtomicUsize>> =
        Arc::new((0..ROUNDS).map(|_| AtomicUsize::new(0)).collect());
    let leaders: Arc<Vec<AtomicUsize>> =
        Arc::new((0..ROUNDS).map(|_| AtomicUsize::new(0)).collect());
    let handles: Vec<_> = (0..parties)
        .map(|who| {
            let (barrier, arrived, leaders) = (barrier.clone(), arrived.clone(), leaders.clone());
            thread::spawn(move || {
                for round in 0..ROUNDS {
                    arrived[round].fetch_add(1, SeqCst);
                    if barrier.wait() {
                        leaders[round].fetch_add(1, SeqCst);
                    }
                    let here = arrived[round].load(SeqCst);
                    assert_eq!(
                        here, parties,
                        "barrier never releases early: thread {who} left round {round} when only {here} of {parties} had arrived"
                    );
                }
            })
        })
        .collect();
    for h in handles {
        join(h);
    }
    for (round, l) in leaders.iter().enumerate() {
        assert_eq!(
            l.load(SeqCst),
            1,
            "exactly one thread per round is told it opened the barrier (round {round})"
        );
    }
}

#[test]
fn no_thread_leaves_early_and_rounds_repeat() {
    let model = Model::new("barrier: reusable, never early")
        .preemptions(1)
        .threads(3);
    let parties = model.spawned_threads();
    model.check(move || rounds(parties));
}

#[test]
fn many_rounds_on_real_threads() {
    // Fast threads lap slow ones here if the generation is missing.
    let model = Model::new("barrier: many rounds")
        .preemptions(1)
        .threads(4)
        .rounds(20);
    let parties = model.spawned_threads();
    model.check(move || {
        let barrier = Arc::new(Barrier::new(parties));
        let handles: Vec<_> = (0..parties)
            .map(|_| {
                let barrier = barrier.clone();
                thread::spawn(move || (0..5).filter(|_| barrier.wait()).count())
            })
            .collect();
        let leaders: usize = handles.into_iter().map(join).sum();
        assert_eq!(leaders, 5, "exactly one leader per round");
    });
}

#[cfg(not(any(loom, shuttle)))]
mod api {
    use super::*;

    #[test]
    fn a_barrier_for_one_never_waits() {
        let b = Barrier::new(1);
        assert!(b.wait());
        assert!(b.wait());
        let zero = Barrier::new(0);
        assert!(zero.wait(), "Barrier::new(0) behaves like Barrier::new(1)");
    }
}
