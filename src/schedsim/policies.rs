//! FIFO, SJF and round robin, as `scheduler.py` runs them: every job
//! arrives at time 0, and a job's figures are measured from there.

use super::{JobStats, Report};

/// A policy of `scheduler.py`.
#[derive(Clone, Copy, Debug, PartialEq)]
pub enum Policy {
    /// First in, first out: run each job to completion, in list order.
    Fifo,
    /// Shortest job first: FIFO over the jobs sorted by length (a stable
    /// sort, so equal lengths keep list order).
    Sjf,
    /// Round robin: run the front job for at most `quantum`, then send it
    /// to the back of the queue.
    Rr {
        /// The time slice.
        quantum: f64,
    },
}

/// Run `lengths` (job `i` needs `lengths[i]` of CPU) under `policy`.
pub fn simulate(policy: Policy, lengths: &[f64]) -> Report {
    match policy {
        Policy::Fifo => run_to_completion((0..lengths.len()).collect(), lengths),
        Policy::Sjf => {
            let mut order: Vec<usize> = (0..lengths.len()).collect();
            // Stable, as Python's `sorted`: equal lengths keep list order.
            order.sort_by(|&a, &b| lengths[a].total_cmp(&lengths[b]));
            run_to_completion(order, lengths)
        }
        Policy::Rr { quantum } => round_robin(quantum, lengths),
    }
}

/// FIFO over `order`: each job starts when the previous one ends.
fn run_to_completion(order: Vec<usize>, lengths: &[f64]) -> Report {
    let mut report = Report::default();
    let mut now = 0.0;
    for job in order {
        let len = lengths[job];
        report.trace.push(format!(
            "  [ time {:3} ] Run job {job} for {len:.2} secs ( DONE at {:.2} )",
            now as i64,
            now + len
        ));
        report.ran(job, now, now + len);
        report.jobs.push(JobStats {
            job,
            start: None,
            response: now,
            turnaround: now + len,
            wait: Some(now),
        });
        now += len;
    }
    report
}

/// Round robin with a FIFO run queue of `(job, time left)`.
fn round_robin(quantum: f64, lengths: &[f64]) -> Report {
    let n = lengths.len();
    let mut report = Report::default();
    let mut response = vec![None; n];
    let mut turnaround = vec![0.0; n];
    let mut wait = vec![0.0; n];
    // When each job last stopped running (0: it has been ready since 0).
    let mut last_ran = vec![0.0; n];
    let mut queue: std::collections::VecDeque<(usize, f64)> =
        lengths.iter().copied().enumerate().collect();
    let mut now: f64 = 0.0;
    while let Some((job, left)) = queue.pop_front() {
        response[job].get_or_insert(now);
        wait[job] += now - last_ran[job];
        let ran_for = if left > quantum {
            report.trace.push(format!(
                "  [ time {:3} ] Run job {job:3} for {quantum:.2} secs",
                now as i64
            ));
            queue.push_back((job, left - quantum));
            quantum
        } else {
            report.trace.push(format!(
                "  [ time {:3} ] Run job {job:3} for {left:.2} secs ( DONE at {:.2} )",
                now as i64,
                now + left
            ));
            turnaround[job] = now + left;
            left
        };
        report.ran(job, now, now + ran_for);
        now += ran_for;
        last_ran[job] = now;
    }
    report.jobs = (0..n)
        .map(|job| JobStats {
            job,
            start: None,
            response: response[job].unwrap_or(0.0),
            turnaround: turnaround[job],
            wait: Some(wait[job]),
        })
        .collect();
    report
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn rr_slices_and_waits() {
        let r = simulate(Policy::Rr { quantum: 2.0 }, &[5.0, 3.0, 8.0]);
        let order: Vec<usize> = r.timeline.iter().map(|s| s.job).collect();
        assert_eq!(order, [0, 1, 2, 0, 1, 2, 0, 2]);
        assert_eq!(r.jobs[1].turnaround, 9.0);
        // Job 0 waits 4 (behind 1 and 2), then 3 (behind 1 and 2's slices).
        assert_eq!(r.jobs[0].wait, Some(4.0 + 3.0));
    }

    #[test]
    fn sjf_is_stable_on_ties() {
        let r = simulate(Policy::Sjf, &[3.0, 1.0, 3.0]);
        let order: Vec<usize> = r.jobs.iter().map(|j| j.job).collect();
        assert_eq!(order, [1, 0, 2]);
    }
}
