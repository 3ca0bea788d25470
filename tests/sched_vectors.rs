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

/// Configurations that make no sense are errors naming the problem (the
/// simulator checks them before it starts; not part of the `mlfq`
/// exercise).
#[test]
fn bad_mlfq_configurations_are_errors_naming_the_problem() {
    let good = mlfq::Config {
        quantum: vec![1, 1],
        allotment: vec![1, 1],
        boost: 0,
        io_time: 0,
        stay: false,
        io_bump: false,
        jobs: vec![mlfq::Job {
            start: 0,
            run: 1,
            io_freq: 0,
        }],
    };
    assert!(mlfq::simulate(&good, false).is_ok());
    let mut c = good.clone();
    c.allotment.pop();
    assert!(mlfq::simulate(&c, false).unwrap_err().contains("allotment"));
    let mut c = good.clone();
    c.jobs.clear();
    assert!(mlfq::simulate(&c, false).unwrap_err().contains("no jobs"));
    let mut c = good;
    c.quantum[1] = 0;
    assert!(mlfq::simulate(&c, false)
        .unwrap_err()
        .contains("quantum of queue 1"));
}
