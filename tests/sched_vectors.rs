//! Every case of `tests/data/sched/textbook.jsonl` (produced by the OSTEP
//! simulators `scheduler.py` and `mlfq.py`; see the README beside it)
//! reproduced exactly: the per-job figures, the averages, and the
//! execution trace line for line.
//!
//! `PROCLAB_SCHED_VECTORS` may point at another copy. Missing vectors fail
//! the test: a silently skipped conformance test proves nothing.

#![cfg(not(any(loom, shuttle)))]

mod sched_common;

use proclab::schedsim::{flags, mlfq, policies, Report};
use serde_json::Value;

fn run(case: &Value) -> Report {
    let args = sched_common::args(case);
    let (simulation, _) = flags::parse(&args).unwrap_or_else(|e| panic!("{args:?}: {e}"));
    match simulation {
        flags::Simulation::Simple { policy, lengths } => policies::simulate(policy, &lengths),
        flags::Simulation::Mlfq(config) => mlfq::simulate(&config, true).expect("valid config"),
    }
}

#[test]
fn every_textbook_vector_is_reproduced_exactly() {
    let cases = sched_common::vectors();
    assert_eq!(cases.len(), 40, "the vector file should hold 40 cases");
    sched_common::compare(&cases, run);
}
