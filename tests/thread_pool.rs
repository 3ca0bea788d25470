//! Exercise `thread_pool` (`solutions/thread_pool.rs`): a pool of worker
//! threads fed through a bounded queue. Model-checked (std, loom,
//! shuttle): every job runs exactly once and before `shutdown` returns;
//! `submit` waits while the queue is full (back-pressure); shutdown stops
//! every worker. In the ordinary world also: a panicking job does not cost
//! a worker, and the `pool` server built on it serves real connections.

#[macro_use]
mod common;
#[cfg(not(any(loom, shuttle)))]
mod serve_common;

use common::join;
use proclab::graded::thread_pool::ThreadPool;
use proclab::sync::atomic::{AtomicBool, AtomicUsize, Ordering::SeqCst};
use proclab::sync::model::Model;
use proclab::sync::{spin_loop, thread};
use std::sync::{Arc, Mutex};

/// `jobs` jobs through a pool of `workers` with a queue of `capacity`:
/// each job records its number; after `shutdown` every number is there
/// exactly once.
fn every_job_runs_once(workers: usize, capacity: usize, jobs: usize) {
    let ran = Arc::new(Mutex::new(Vec::new()));
    let log = ran.clone();
    let pool = ThreadPool::new(workers, capacity, move |job: usize| {
        log.lock().unwrap().push(job);
    });
    for job in 0..jobs {
        pool.submit(job);
    }
    let panicked = pool.shutdown();
    assert_eq!(
        panicked, 0,
        "no job panicked, but shutdown counted {panicked}"
    );
    let mut ran = ran.lock().unwrap().clone();
    ran.sort_unstable();
    assert_eq!(
        ran,
        (0..jobs).collect::<Vec<_>>(),
        "every job exactly once, before shutdown returns: these ran by then (sorted)"
    );
}

#[test]
fn every_job_runs_once_before_shutdown_returns() {
    // Under loom, whose state space grows fast with every blocking queue
    // operation: one worker and two jobs (the model's main thread submits).
    let (workers, jobs) = if cfg!(loom) { (1, 2) } else { (2, 4) };
    Model::new("thread pool: every job runs once")
        .preemptions(1)
        .check(move || every_job_runs_once(workers, 1, jobs));
}

#[cfg(not(loom))]
#[test]
fn three_workers_eight_jobs() {
    Model::new("thread pool: three workers").check(|| every_job_runs_once(3, 2, 8));
}

/// Back-pressure: one worker, a queue of one. Job 0 is held at a gate
/// (its worker is busy), job 1 fills the queue, so `submit(2)` can only
/// return after job 0 has finished and the worker has taken job 1. A
/// third thread opens the gate at some point of the schedule.
#[test]
fn submit_waits_while_the_queue_is_full() {
    Model::new("thread pool: back-pressure")
        .preemptions(1)
        .check(|| {
            let gate = Arc::new(AtomicBool::new(false));
            let finished = Arc::new(AtomicUsize::new(0));
            let (g, f) = (gate.clone(), finished.clone());
            let pool = ThreadPool::new(1, 1, move |job: usize| {
                if job == 0 {
                    while !g.load(SeqCst) {
                        spin_loop();
                    }
                }
                f.fetch_add(1, SeqCst);
            });
            let opener = thread::spawn(move || gate.store(true, SeqCst));
            for job in 0..3 {
                pool.submit(job);
            }
            let done = finished.load(SeqCst);
            assert!(
                done >= 1,
                "back-pressure: submit(2) returned with job 0 still running and job 1 queued — \
                 the queue of 1 held more than one job, or a job was dropped (finished: {done})"
            );
            pool.shutdown();
            join(opener);
            assert_eq!(finished.load(SeqCst), 3, "every job runs");
        });
}

/// A pool dropped without `shutdown` still runs what was queued and
/// joins its workers.
#[test]
fn drop_runs_the_queued_jobs_and_joins() {
    Model::new("thread pool: drop").preemptions(1).check(|| {
        let count = Arc::new(AtomicUsize::new(0));
        let c = count.clone();
        let workers = if cfg!(loom) { 1 } else { 2 };
        let pool = ThreadPool::new(workers, 2, move |_: ()| {
            c.fetch_add(1, SeqCst);
        });
        pool.submit(());
        pool.submit(());
        drop(pool);
        assert_eq!(count.load(SeqCst), 2, "jobs run before drop returns");
    });
}

#[cfg(not(any(loom, shuttle)))]
mod ordinary {
    use super::*;
    use std::time::Duration;

    #[test]
    fn a_panicking_job_does_not_cost_a_worker() {
        let ran = Arc::new(AtomicUsize::new(0));
        let r = ran.clone();
        let pool = ThreadPool::new(1, 4, move |job: usize| {
            if job == 0 {
                panic!("job 0 fails on purpose");
            }
            r.fetch_add(1, SeqCst);
        });
        for job in 0..3 {
            pool.submit(job);
        }
        let panicked = pool.shutdown();
        assert_eq!(
            (panicked, ran.load(SeqCst)),
            (1, 2),
            "(jobs that panicked, jobs that ran) with one worker: the worker must survive job 0's panic"
        );
    }

    #[test]
    fn many_jobs_through_a_small_queue() {
        let count = Arc::new(AtomicUsize::new(0));
        let c = count.clone();
        let pool = ThreadPool::new(4, 2, move |n: usize| {
            if n % 97 == 0 {
                std::thread::sleep(Duration::from_millis(1));
            }
            c.fetch_add(1, SeqCst);
        });
        for n in 0..20_000 {
            pool.submit(n);
            assert!(pool.queued() <= 2, "the queue holds more than its capacity");
        }
        pool.shutdown();
        let ran = count.load(SeqCst);
        assert_eq!(ran, 20_000, "jobs run by the time shutdown returned");
    }

    mod server {
        use crate::serve_common::{load, Server};
        use proclab::serve::load::Protocol;

        /// `proclab serve --model pool`: connections through the pool, no
        /// error, no descriptor kept, every connection counted at the stop.
        #[test]
        fn the_pool_server_serves_and_stops_cleanly() {
            let server = Server::start(&[
                "--model",
                "pool",
                "--workers",
                "2",
                "--listen",
                "127.0.0.1:0",
            ]);
            let baseline = server.fds();
            let report = load(server.addr, Protocol::Http, 2_000);
            assert_eq!((report.ok, report.errors), (2_000, 0), "{report}");
            let after = server.settles_to(baseline);
            assert!(
                after <= baseline,
                "descriptors: {baseline} before, {after} after"
            );
            let (code, err) = server.stop();
            assert_eq!(code, 0, "{err}");
            assert!(err.contains("2000 connection(s) served, 0 failed"), "{err}");
        }
    }
}
