//! Exercise `mlfq`: the multi-level feedback queue simulator must
//! reproduce every `mlfq.py` case of the textbook's vectors exactly —
//! per-job response and turnaround, the averages, and the execution trace
//! line for line (the first differing line is named). Plus the rules one
//! at a time, on small workloads whose answers can be worked out by hand.

#![cfg(not(any(loom, shuttle)))]

mod sched_common;

use proclab::graded::mlfq::{simulate, Config, Job};
use proclab::schedsim::{flags, Report};
use serde_json::Value;

/// The exercise's own `Config`, from the flag parser's.
fn config(c: &proclab::schedsim::mlfq::Config) -> Config {
    Config {
        quantum: c.quantum.clone(),
        allotment: c.allotment.clone(),
        boost: c.boost,
        io_time: c.io_time,
        stay: c.stay,
        io_bump: c.io_bump,
        jobs: c
            .jobs
            .iter()
            .map(|j| Job {
                start: j.start,
                run: j.run,
                io_freq: j.io_freq,
            })
            .collect(),
    }
}

fn run(case: &Value) -> Report {
    let args = sched_common::args(case);
    match flags::parse(&args) {
        Ok((flags::Simulation::Mlfq(c), _)) => simulate(&config(&c), true).expect("valid config"),
        other => panic!("{args:?}: not an MLFQ case: {other:?}"),
    }
}

#[test]
fn every_textbook_mlfq_case_is_reproduced_exactly() {
    let cases: Vec<Value> = sched_common::vectors()
        .into_iter()
        .filter(|c| c["sim"] == "mlfq")
        .collect();
    assert!(
        cases.len() >= 15,
        "the vectors hold {} MLFQ cases",
        cases.len()
    );
    sched_common::compare(&cases, run);
}

/// (response, turnaround) of each job.
fn figures(c: &Config) -> Vec<(f64, f64)> {
    simulate(c, false)
        .expect("valid config")
        .jobs
        .iter()
        .map(|j| (j.response, j.turnaround))
        .collect()
}

fn two_levels(allotment: u64, boost: u64, jobs: &[(u64, u64)]) -> Config {
    Config {
        quantum: vec![1, 1],
        allotment: vec![allotment, allotment],
        boost,
        io_time: 0,
        stay: false,
        io_bump: false,
        jobs: jobs
            .iter()
            .map(|&(start, run)| Job {
                start,
                run,
                io_freq: 0,
            })
            .collect(),
    }
}

/// A job that arrives late runs at once: new jobs enter the top queue and
/// the top queue runs first (rules 1 and 3).
#[test]
fn a_new_job_preempts_a_demoted_one() {
    // Job 0 uses its top-level allotment (1 tick) by t=1 and is demoted;
    // job 1 arrives at t=3 at the top and runs at once.
    let f = figures(&two_levels(1, 0, &[(0, 6), (3, 1)]));
    assert_eq!(
        f[1],
        (0.0, 1.0),
        "rule 3: a new job enters at the top and runs before demoted ones"
    );
}

/// The allotment counts quanta: with allotment 2 two jobs alternate twice
/// at the top before either is demoted (rule 4).
#[test]
fn the_allotment_is_counted_in_quanta() {
    // Top: 0 1 0 1 (each uses 2 quanta of 1 tick), then both below.
    let trace = simulate(&two_levels(2, 0, &[(0, 3), (0, 3)]), true)
        .expect("valid")
        .trace;
    let top_runs = trace.iter().filter(|l| l.contains("at PRIORITY 1")).count();
    assert_eq!(
        top_runs, 4,
        "rule 4: each job runs its whole allotment (2 quanta) at the top level"
    );
}

/// Without a boost a long job starves behind a stream of short ones; with
/// a boost it gets the CPU back at the top (rule 5).
#[test]
fn the_boost_lifts_every_job_to_the_top() {
    let c = two_levels(1, 4, &[(0, 4), (0, 8)]);
    let trace = simulate(&c, true).expect("valid").trace;
    let after_boost: Vec<&String> = trace
        .iter()
        .skip_while(|l| !l.contains("BOOST"))
        .filter(|l| l.contains("Run JOB"))
        .take(2)
        .collect();
    assert!(
        after_boost.iter().all(|l| l.contains("at PRIORITY 1")),
        "rule 5: after a boost the jobs run at the top level, got {after_boost:?}"
    );
}
