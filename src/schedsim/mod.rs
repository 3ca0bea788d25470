//! A deterministic scheduling-policy simulator: the three simulators that
//! come with *Operating Systems: Three Easy Pieces* (`scheduler.py` for
//! FIFO, SJF and RR; `mlfq.py` for the multi-level feedback queue;
//! `lottery.py` for lottery scheduling),
//! reimplemented so that, given the same flags, they produce the same
//! figures — and a timeline of who ran when.
//!
//! * [`policies`] — FIFO, SJF and round robin, all jobs arriving at time 0.
//! * [`mlfq`] — the multi-level feedback queue, with arrival times, I/O,
//!   per-level quanta and allotments, and priority boosts.
//! * [`lottery`] — lottery scheduling, as `lottery.py` draws it.
//! * [`pyrandom`] — Python's random number generator, for `-s SEED`.
//! * [`flags`] — the textbook simulators' command-line flags.
//! * [`render`] — the per-job table, the timeline, and JSON.
//!
//! `proclab sched` is the command-line front end:
//!
//! ```text
//! proclab sched -p RR -q 2 -l 5,3,8
//! proclab sched -n 3 -Q 2,4,8 -B 50 -i 2 -l 0,30,5:10,20,0
//! ```

pub mod flags;
pub mod lottery;
crate::exercise!(mlfq);
pub mod policies;
pub mod pyrandom;
pub mod render;

/// One job's figures, as the textbook simulators print them.
#[derive(Clone, Debug, PartialEq)]
pub struct JobStats {
    /// The job's number (its place in the `-l` list).
    pub job: usize,
    /// When the job arrived (MLFQ only; the other policies start all jobs
    /// at 0).
    pub start: Option<u64>,
    /// From arrival to first run.
    pub response: f64,
    /// From arrival to completion.
    pub turnaround: f64,
    /// Time spent ready but not running (FIFO, SJF, RR; `mlfq.py` does not
    /// report it).
    pub wait: Option<f64>,
}

/// A stretch of time during which one job ran without interruption.
#[derive(Clone, Copy, Debug, PartialEq)]
pub struct Slice {
    /// The job that ran.
    pub job: usize,
    /// When it started running.
    pub from: f64,
    /// When it stopped (exclusive).
    pub to: f64,
}

/// What a simulation produced.
#[derive(Clone, Debug, Default, PartialEq)]
pub struct Report {
    /// Per-job figures, in the order the textbook simulator prints them.
    pub jobs: Vec<JobStats>,
    /// Who ran when, in time order (adjacent ticks of one job merged).
    pub timeline: Vec<Slice>,
    /// The textbook simulator's execution trace, line for line.
    pub trace: Vec<String>,
}

impl Report {
    /// The mean response time.
    pub fn avg_response(&self) -> f64 {
        mean(self.jobs.iter().map(|j| j.response))
    }

    /// The mean turnaround time.
    pub fn avg_turnaround(&self) -> f64 {
        mean(self.jobs.iter().map(|j| j.turnaround))
    }

    /// The mean wait, where the policy reports waits.
    pub fn avg_wait(&self) -> Option<f64> {
        self.jobs
            .iter()
            .map(|j| j.wait)
            .collect::<Option<Vec<f64>>>()
            .map(|w| mean(w.into_iter()))
    }

    /// Record that `job` ran during `[from, to)`, merging with the previous
    /// slice when it continues it.
    pub(crate) fn ran(&mut self, job: usize, from: f64, to: f64) {
        if let Some(last) = self.timeline.last_mut() {
            if last.job == job && last.to == from {
                last.to = to;
                return;
            }
        }
        self.timeline.push(Slice { job, from, to });
    }
}

fn mean(xs: impl Iterator<Item = f64>) -> f64 {
    let (sum, n) = xs.fold((0.0, 0usize), |(s, n), x| (s + x, n + 1));
    if n == 0 {
        0.0
    } else {
        sum / n as f64
    }
}
