// EXERCISE `barrier`: generated from solutions/barrier.rs by `cargo xtask exercises`.
// Replace each `todo!()` with your code, then run `cargo xtask grade barrier`.
// Everything outside the `todo!()`s is given: read it, it is part of the lesson.

//! The reusable barrier: `n` threads call `wait`, and none returns until
//! all `n` have arrived; then the barrier is ready for the next round.
//!
//! Counting arrivals is not enough. The last thread of a round resets the
//! count and wakes the others, but a woken thread might not run until a fast
//! thread has already come back for the *next* round and bumped the count
//! again — so "wait while the count is not zero" can strand threads or let
//! them through early. Each round therefore has a number, the generation:
//! a thread waits until the generation it arrived in has ended.

use crate::locks::Spinlock;
use crate::sleep::Condvar;

/// A barrier for a fixed number of threads, reusable round after round.
#[derive(Debug)]
pub struct Barrier {
    /// Threads per round (at least 1).
    parties: usize,
    state: Spinlock<Round>,
    /// Signalled when a round ends.
    round_over: Condvar,
}

/// Guarded by `Barrier::state`.
#[derive(Debug)]
struct Round {
    /// Threads that have arrived in the current round: `0..parties`.
    arrived: usize,
    /// Number of the current round; goes up by one when a round ends.
    generation: u64,
}

impl Barrier {
    /// A barrier for `parties` threads (0 behaves as 1, like std's).
    pub fn new(parties: usize) -> Self {
        Barrier {
            parties: parties.max(1),
            state: Spinlock::new(
                "barrier",
                Round {
                    arrived: 0,
                    generation: 0,
                },
            ),
            round_over: Condvar::new(),
        }
    }

    /// Wait until all parties have arrived. Returns `true` in exactly one
    /// thread per round (the last to arrive, which opened the barrier).
    pub fn wait(&self) -> bool {
        let mut state = self.state.lock();
        todo!("count yourself in; the last arrival resets the count, starts a new generation and notifies all; the others wait while the generation they arrived in is still current")
    }
}
