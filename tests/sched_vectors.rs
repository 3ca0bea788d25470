//! Every case of `tests/data/sched/textbook.jsonl` (produced by the OSTEP
//! simulators `scheduler.py` and `mlfq.py`; see the README beside it)
//! reproduced exactly: the per-job figures, the averages, and the
//! execution trace line for line.
//!
//! `PROCLAB_SCHED_VECTORS` may point at another copy. Missing vectors fail
//! the test: a silently skipped conformance test proves nothing.

#![cfg(not(any(loom, shuttle)))]

mod sched_common;

use proclab::schedsim::{flags, lottery, mlfq, policies, Report};
use serde_json::Value;

fn run(case: &Value) -> Report {
    let args = sched_common::args(case);
    let (simulation, _) = flags::parse(&args).unwrap_or_else(|e| panic!("{args:?}: {e}"));
    run_simulation(simulation)
}

fn run_simulation(simulation: flags::Simulation) -> Report {
    match simulation {
        flags::Simulation::Simple {
            policy, lengths, ..
        } => policies::simulate(policy, &lengths),
        flags::Simulation::Mlfq(config) => mlfq::simulate(&config, true).expect("valid config"),
        flags::Simulation::Lottery(config) => lottery::simulate(&config).expect("valid config"),
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

/// The lines of a JSON-lines file under `tests/data/sched/`.
fn data(name: &str) -> Vec<Value> {
    let path = format!("{}/tests/data/sched/{name}", env!("CARGO_MANIFEST_DIR"));
    let text = std::fs::read_to_string(&path).unwrap_or_else(|e| panic!("{path}: {e}"));
    let cases: Vec<Value> = text
        .lines()
        .map(|l| serde_json::from_str(l).expect("a vector line is JSON"))
        .collect();
    assert!(!cases.is_empty(), "{path} holds no cases");
    cases
}

fn words(case: &Value) -> Vec<String> {
    case["args"]
        .as_str()
        .expect("args")
        .split_whitespace()
        .map(String::from)
        .collect()
}

/// Every run of `tests/data/sched/lottery.jsonl` (`lottery.py -c` under
/// CPython 3.11, listed and random job lists, several seeds and quanta):
/// the job list, every draw, winner and job line, and every DONE, line
/// for line. lottery.py's output starts with its six `ARG` lines and a
/// blank one; ours starts at the job list.
#[test]
fn every_lottery_run_is_reproduced_line_for_line() {
    let cases = data("lottery.jsonl");
    assert_eq!(cases.len(), 16);
    for case in &cases {
        let mut args = words(case);
        args.extend(["-p".to_string(), "LOTTERY".to_string()]);
        let (simulation, _) = flags::parse(&args).unwrap_or_else(|e| panic!("{args:?}: {e}"));
        let report = run_simulation(simulation);
        let want: Vec<&str> = case["stdout"].as_str().unwrap().lines().skip(7).collect();
        let got: Vec<&str> = report.trace.iter().map(String::as_str).collect();
        if let Some(i) = (0..want.len().max(got.len())).find(|&i| want.get(i) != got.get(i)) {
            panic!(
                "lottery.py {}: line {i} differs:\n  lottery.py: {:?}\n  proclab:    {:?}",
                case["args"],
                want.get(i),
                got.get(i)
            );
        }
    }
}

/// `scheduler.py`'s random job lists (`-s -j -m`, no `-l`), as CPython
/// 3.11 draws them (`tests/data/sched/scheduler-random.jsonl`).
#[test]
fn random_job_lists_are_the_textbooks() {
    for case in data("scheduler-random.jsonl") {
        let (simulation, _) = flags::parse(&words(&case)).unwrap();
        let flags::Simulation::Simple { lengths, seed, .. } = simulation else {
            panic!("{}: not a scheduler.py run", case["args"]);
        };
        let want: Vec<f64> = case["lengths"]
            .as_array()
            .unwrap()
            .iter()
            .map(|l| l.as_f64().unwrap())
            .collect();
        assert_eq!(lengths, want, "scheduler.py {}", case["args"]);
        assert!(seed.is_some());
    }
}
