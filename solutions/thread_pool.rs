//! A pool of worker threads fed through proclab's [`BoundedBuffer`]: the
//! thread-pool server hands each accepted connection to it.
//!
//! The queue is bounded on purpose. When every worker is busy and the
//! queue is full, [`submit`](ThreadPool::submit) waits — the accepting
//! thread stops accepting, and new connections wait in the kernel's listen
//! backlog instead of piling up in the server's memory (back-pressure).
//!
//! Stopping is a message like any other: [`shutdown`](ThreadPool::shutdown)
//! queues one [`Task::Stop`] per worker *behind* the jobs already queued,
//! so every job submitted before it still runs (the queue is FIFO), and
//! each worker takes exactly one `Stop` and ends. Then it joins them all.
//!
//! A job that panics is caught and counted; its worker carries on, so the
//! pool never shrinks (a panic in one request must not cost the server a
//! worker).

use crate::sleep::BoundedBuffer;
use crate::sync::atomic::{AtomicUsize, Ordering::Relaxed};
use crate::sync::thread::{self, JoinHandle};
use std::panic::{catch_unwind, AssertUnwindSafe};
use std::sync::Arc;

/// What a worker takes from the queue.
#[derive(Debug)]
pub enum Task<J> {
    /// A job to run.
    Run(J),
    /// Stop: end the worker that takes it. One per worker, after the jobs.
    Stop,
}

/// `workers` threads running `work` on the jobs submitted to it.
#[derive(Debug)]
pub struct ThreadPool<J: Send + 'static> {
    /// Jobs waiting for a worker, oldest first; at shutdown, one `Stop`
    /// per worker behind them. Never more than its capacity: `submit`
    /// waits while it is full.
    queue: Arc<BoundedBuffer<Task<J>>>,
    /// The worker threads; empty once they have been stopped and joined.
    workers: Vec<JoinHandle<()>>,
    /// Jobs that panicked (their workers carried on). Relaxed: a count,
    /// read after the workers are joined.
    panicked: Arc<AtomicUsize>,
}

impl<J: Send + 'static> ThreadPool<J> {
    /// Start `workers` threads, fed through a queue of `capacity` jobs,
    /// each running `work` on one job at a time.
    ///
    /// Panics if `workers` or `capacity` is 0.
    pub fn new(
        workers: usize,
        capacity: usize,
        work: impl Fn(J) + Send + Sync + 'static,
    ) -> ThreadPool<J> {
        assert!(
            workers > 0,
            "ThreadPool::new: a pool needs at least one worker"
        );
        let queue: Arc<BoundedBuffer<Task<J>>> = Arc::new(BoundedBuffer::new(capacity));
        let work = Arc::new(work);
        let panicked = Arc::new(AtomicUsize::new(0));
        let workers: Vec<JoinHandle<()>> = (0..workers)
            .map(|_| {
                let (queue, work, panicked) = (queue.clone(), work.clone(), panicked.clone());
                thread::spawn(move || {
                    // BEGIN SOLUTION hint: the worker's life: pop tasks from the queue until one is a Stop, running each job with `run_job(&*work, job, &panicked)`
                    while let Task::Run(job) = queue.pop() {
                        run_job(&*work, job, &panicked);
                    }
                    // END SOLUTION
                })
            })
            .collect();
        ThreadPool {
            queue,
            workers,
            panicked,
        }
    }

    /// Hand `job` to the pool, waiting while the queue is full.
    pub fn submit(&self, job: J) {
        // BEGIN SOLUTION hint: put the job in the queue; a full queue makes this wait, which is the back-pressure
        self.queue.push(Task::Run(job));
        // END SOLUTION
    }

    /// Run every job submitted so far, then stop the workers and wait for
    /// them. Returns how many jobs panicked.
    ///
    /// Panics if a worker thread died of a panic (a bug in the pool: a job's
    /// panic is caught).
    pub fn shutdown(mut self) -> usize {
        assert!(
            self.stop_workers(),
            "ThreadPool::shutdown: a worker thread died of a panic (a job's panic escaped \
             run_job, or the pool's own code panicked)"
        );
        self.panicked.load(Relaxed)
    }

    /// Jobs in the queue, waiting for a worker.
    pub fn queued(&self) -> usize {
        self.queue.len()
    }

    /// Queue one `Stop` per worker and join them all; false if a worker
    /// thread panicked. Does nothing the second time.
    fn stop_workers(&mut self) -> bool {
        let mut all_fine = true;
        // BEGIN SOLUTION hint: push one Stop per worker (behind the queued jobs, so they all run first), then join every worker (drain `self.workers`)
        for _ in 0..self.workers.len() {
            self.queue.push(Task::Stop);
        }
        for worker in self.workers.drain(..) {
            all_fine &= worker.join().is_ok();
        }
        // END SOLUTION
        all_fine
    }
}

impl<J: Send + 'static> Drop for ThreadPool<J> {
    /// A pool dropped without `shutdown` still runs its queued jobs and
    /// joins its workers: no thread outlives the pool.
    fn drop(&mut self) {
        self.stop_workers();
    }
}

/// Run one job; a panic is caught and counted, so the worker lives on.
fn run_job<J>(work: &(impl Fn(J) + ?Sized), job: J, panicked: &AtomicUsize) {
    // BEGIN SOLUTION hint: run work(job) inside catch_unwind (wrap it in AssertUnwindSafe); if it panicked, add one to `panicked`
    if catch_unwind(AssertUnwindSafe(|| work(job))).is_err() {
        panicked.fetch_add(1, Relaxed);
    }
    // END SOLUTION
}
