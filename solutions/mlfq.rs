//! The multi-level feedback queue, as `mlfq.py` runs it, tick by tick.
//!
//! Queues are numbered from 0 (lowest priority) to `queues - 1` (highest);
//! a job starts in the highest. Each tick the front job of the highest
//! non-empty queue runs. A job that has used up its quantum at a level
//! goes to the back of that level's queue; once it has used up its
//! *allotment* of quanta there, it moves one level down. A job that issues
//! an I/O leaves the queues until the I/O completes `io_time` ticks later.
//! Every `boost` ticks every job moves back to the top level.
//!
//! Faithful to `mlfq.py` down to its quirks, because the point is to
//! reproduce its figures exactly:
//!
//! * a boost moves the jobs of the lower queues to the back of the top
//!   queue lowest level first, and refills every unfinished job's quantum
//!   and allotment — also a job in the middle of its top-level quantum;
//! * with `stay` (`-S`), issuing an I/O refills the job's quantum and
//!   allotment at its level, yet the tick that issued the I/O still counts
//!   against the allotment if it also ended the quantum;
//! * arrivals are processed like I/O completions, after the boost of the
//!   same tick.

use crate::schedsim::{JobStats, Report};
use std::cmp::Reverse;
use std::collections::{BinaryHeap, VecDeque};

/// One job of the `-l` list: `start,run,io_freq`.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Job {
    /// When it enters the system.
    pub start: u64,
    /// CPU time it needs.
    pub run: u64,
    /// It issues an I/O after every `io_freq` ticks of CPU (0: never).
    pub io_freq: u64,
}

/// The simulation's parameters: `mlfq.py`'s flags.
#[derive(Clone, Debug, PartialEq)]
pub struct Config {
    /// Time slice per level, highest priority first (`-Q`, or `-n` times `-q`).
    pub quantum: Vec<u64>,
    /// Quanta a job may use at a level before moving down, highest first
    /// (`-A`, or `-n` times `-a`).
    pub allotment: Vec<u64>,
    /// Move every job to the top level every `boost` ticks (0: never; `-B`).
    pub boost: u64,
    /// How long an I/O takes (`-i`).
    pub io_time: u64,
    /// Refill quantum and allotment when a job issues an I/O (`-S`).
    pub stay: bool,
    /// A job whose I/O completes goes to the front of its queue (`-I`).
    pub io_bump: bool,
    /// The jobs (`-l`).
    pub jobs: Vec<Job>,
}

impl Config {
    /// Check the parameters, naming the first one that makes no sense.
    pub fn validate(&self) -> Result<(), String> {
        if self.quantum.is_empty() {
            return Err("mlfq: at least one queue is needed (-n, -Q)".into());
        }
        if self.allotment.len() != self.quantum.len() {
            return Err(format!(
                "mlfq: {} quantum length(s) (-Q) but {} allotment(s) (-A): give one of each per queue",
                self.quantum.len(),
                self.allotment.len()
            ));
        }
        if let Some(level) = self.quantum.iter().position(|&q| q == 0) {
            return Err(format!(
                "mlfq: the quantum of queue {level} (counted from the top) is 0"
            ));
        }
        if let Some(level) = self.allotment.iter().position(|&a| a == 0) {
            return Err(format!(
                "mlfq: the allotment of queue {level} (counted from the top) is 0"
            ));
        }
        if self.jobs.is_empty() {
            return Err("mlfq: no jobs (-l start,run,io:...)".into());
        }
        if let Some(j) = self.jobs.iter().position(|j| j.run == 0) {
            return Err(format!("mlfq: job {j} has a run time of 0"));
        }
        Ok(())
    }
}

/// What becomes of a job at a given tick, in the order `mlfq.py` lists
/// them for that tick.
#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord)]
enum Event {
    /// The job enters the system.
    Arrives,
    /// The job's I/O completes.
    IoDone,
}

/// A job's state during the run.
#[derive(Clone, Debug)]
struct State {
    /// Its level (0 lowest).
    level: usize,
    /// Ticks left of the current quantum.
    ticks_left: u64,
    /// Quanta left of the allotment at this level.
    allot_left: u64,
    /// CPU time still needed.
    time_left: u64,
    /// Off the queues, waiting for an I/O.
    doing_io: bool,
    first_run: Option<u64>,
    end: u64,
}

/// Run `config`; `trace` also records `mlfq.py`'s execution trace, line for
/// line (slower: leave it off for long runs).
pub fn simulate(config: &Config, trace: bool) -> Result<Report, String> {
    config.validate()?;
    let levels = config.quantum.len();
    let top = levels - 1;
    // Index by level (0 lowest); the config lists the highest first.
    let quantum: Vec<u64> = config.quantum.iter().rev().copied().collect();
    let allotment: Vec<u64> = config.allotment.iter().rev().copied().collect();
    let mut jobs: Vec<State> = config
        .jobs
        .iter()
        .map(|j| State {
            level: top,
            ticks_left: quantum[top],
            allot_left: allotment[top],
            time_left: j.run,
            doing_io: false,
            first_run: None,
            end: 0,
        })
        .collect();
    let mut queues: Vec<VecDeque<usize>> = vec![VecDeque::new(); levels];
    // Future arrivals and I/O completions, earliest first; `seq` keeps the
    // order in which they were scheduled, as `mlfq.py`'s per-tick lists do.
    let mut events: BinaryHeap<Reverse<(u64, u64, usize, Event)>> = BinaryHeap::new();
    let mut seq = 0u64;
    for (j, job) in config.jobs.iter().enumerate() {
        events.push(Reverse((job.start, seq, j, Event::Arrives)));
        seq += 1;
    }
    let mut report = Report::default();
    let note = |report: &mut Report, line: String| {
        if trace {
            report.trace.push(line);
        }
    };
    let mut now = 0u64;
    let mut finished = 0;
    // The next boost (never, without boosts): a comparison per tick
    // instead of a division.
    let mut next_boost = if config.boost > 0 {
        config.boost
    } else {
        u64::MAX
    };
    while finished < jobs.len() {
        if now == next_boost {
            next_boost += config.boost;
            if trace {
                note(
                    &mut report,
                    format!("[ time {now} ] BOOST ( every {} )", config.boost),
                );
            }
            boost(&mut queues, &mut jobs, &quantum, &allotment);
        }
        while let Some(&Reverse((when, _, j, event))) = events.peek() {
            if when != now {
                break;
            }
            events.pop();
            if trace {
                let what = match event {
                    Event::Arrives => "JOB BEGINS",
                    Event::IoDone => "IO_DONE",
                };
                note(&mut report, format!("[ time {now} ] {what} by JOB {j}"));
            }
            jobs[j].doing_io = false;
            let level = jobs[j].level;
            if config.io_bump && event == Event::IoDone {
                queues[level].push_front(j);
            } else {
                queues[level].push_back(j);
            }
        }
        let Some(level) = highest_nonempty(&queues) else {
            if trace {
                note(&mut report, format!("[ time {now} ] IDLE"));
            }
            now += 1;
            continue;
        };
        let j = queues[level][0];
        let job = &mut jobs[j];
        job.time_left -= 1;
        job.ticks_left -= 1;
        job.first_run.get_or_insert(now);
        let (ticks_left, time_left) = (job.ticks_left, job.time_left);
        if trace {
            let line = format!(
                "[ time {now} ] Run JOB {j} at PRIORITY {level} [ TICKS {ticks_left} ALLOT {} TIME {time_left} (of {}) ]",
                job.allot_left, config.jobs[j].run
            );
            note(&mut report, line);
        }
        report.ran(j, now as f64, (now + 1) as f64);
        now += 1;

        if time_left == 0 {
            if trace {
                note(&mut report, format!("[ time {now} ] FINISHED JOB {j}"));
            }
            finished += 1;
            jobs[j].end = now;
            queues[level].pop_front();
            continue;
        }

        let io_freq = config.jobs[j].io_freq;
        let issued_io = io_freq > 0 && (config.jobs[j].run - time_left) % io_freq == 0;
        if issued_io {
            if trace {
                note(&mut report, format!("[ time {now} ] IO_START by JOB {j}"));
                note(&mut report, "IO DONE".into());
            }
            queues[level].pop_front();
            let job = &mut jobs[j];
            job.doing_io = true;
            if config.stay {
                job.ticks_left = quantum[level];
                job.allot_left = allotment[level];
            }
            events.push(Reverse((now + config.io_time, seq, j, Event::IoDone)));
            seq += 1;
        }

        // The quantum at this level is used up (the value from before any
        // refill by `stay`, as in `mlfq.py`).
        if ticks_left == 0 {
            if !issued_io {
                queues[level].pop_front();
            }
            let next = end_of_quantum(&mut jobs[j], &quantum, &allotment);
            if !issued_io {
                queues[next].push_back(j);
            }
        }
    }
    report.jobs = config
        .jobs
        .iter()
        .zip(&jobs)
        .enumerate()
        .map(|(j, (input, state))| JobStats {
            job: j,
            start: Some(input.start),
            response: (state.first_run.unwrap_or(input.start) - input.start) as f64,
            turnaround: (state.end - input.start) as f64,
            wait: None,
        })
        .collect();
    Ok(report)
}

/// The level to run from: the highest (`queues.len() - 1` is the top) whose
/// queue is not empty; `None` when every queue is empty (the CPU idles).
fn highest_nonempty(queues: &[VecDeque<usize>]) -> Option<usize> {
    // BEGIN SOLUTION hint: search the levels from the top down for a non-empty queue
    (0..queues.len()).rev().find(|&l| !queues[l].is_empty())
    // END SOLUTION
}

/// The job has used up its quantum at its level: charge one quantum to its
/// allotment there; once the allotment is used up it moves one level down
/// (not below 0) with a fresh quantum and allotment, otherwise it gets a
/// fresh quantum at the same level. Returns the level it is now at.
/// `quantum` and `allotment` are indexed by level, 0 lowest.
fn end_of_quantum(job: &mut State, quantum: &[u64], allotment: &[u64]) -> usize {
    // BEGIN SOLUTION hint: allot_left -= 1; at 0: level down (saturating), refill ticks_left and allot_left for the new level; else refill ticks_left only. Return job.level
    job.allot_left -= 1;
    if job.allot_left == 0 {
        job.level = job.level.saturating_sub(1);
        job.ticks_left = quantum[job.level];
        job.allot_left = allotment[job.level];
    } else {
        job.ticks_left = quantum[job.level];
    }
    job.level
    // END SOLUTION
}

/// The priority boost: the jobs waiting in the lower queues move to the
/// back of the top queue, lowest level first (a job doing I/O is in no
/// queue: it rejoins at its level, now the top, when the I/O completes); every
/// unfinished job gets the top level's full quantum and allotment — also a
/// job in the middle of a top-level quantum (`mlfq.py` does the same).
fn boost(queues: &mut [VecDeque<usize>], jobs: &mut [State], quantum: &[u64], allotment: &[u64]) {
    let top = queues.len() - 1;
    // BEGIN SOLUTION hint: move every job of queues 0..top (in that order) to the back of queues[top]; then every job with time left: level top, fresh ticks_left and allot_left
    for level in 0..top {
        let moved = std::mem::take(&mut queues[level]);
        queues[top].extend(moved);
    }
    for job in jobs.iter_mut().filter(|j| j.time_left > 0) {
        job.level = top;
        job.ticks_left = quantum[top];
        job.allot_left = allotment[top];
    }
    // END SOLUTION
}
