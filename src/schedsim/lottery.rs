//! Lottery scheduling, as the OSTEP simulator `lottery.py` runs it.
//!
//! Each job holds tickets. Every quantum the scheduler draws a number,
//! takes it modulo the tickets still in play, and walks the job list
//! adding up tickets until the sum passes the winning number: that job
//! runs for one quantum. A finished job's tickets leave the pot. The
//! draws come from Python's generator ([`PyRandom`]) seeded with `-s`, so
//! a run with the same flags picks the same winners as `lottery.py`, and
//! prints the same trace, line for line.
//!
//! `lottery.py` prints no figures; ours (response, turnaround, wait)
//! follow its clock, in which a winner holds the CPU for a whole quantum
//! even when it needs less.

use super::pyrandom::PyRandom;
use super::{JobStats, Report};

/// One job: how long it runs and how many tickets it holds.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Job {
    /// Run time, in ticks; at least 1.
    pub run: u64,
    /// Tickets; at least 1.
    pub tickets: u64,
}

/// Where the jobs come from.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum Jobs {
    /// Given with `-l run:tickets,...`.
    Listed(Vec<Job>),
    /// Drawn from the seed, as `lottery.py` does without `-l`: `count`
    /// jobs (`-j`), run times below `max_run` (`-m`), tickets below
    /// `max_tickets` (`-T`), both redrawn while 0.
    Random {
        /// `-j`.
        count: usize,
        /// `-m`.
        max_run: u64,
        /// `-T`.
        max_tickets: u64,
    },
}

/// A `lottery.py` run.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Config {
    /// `-s`: the seed of every draw.
    pub seed: i64,
    /// `-q`: ticks per win; at least 1.
    pub quantum: u64,
    /// The jobs.
    pub jobs: Jobs,
}

/// The largest number a draw takes before the modulo, plus one (`lottery.py`
/// draws `int(random() * 1000001)`).
const DRAW_RANGE: u64 = 1_000_001;

impl Config {
    /// Problems that would make the simulation meaningless, named.
    pub fn validate(&self) -> Result<(), String> {
        if self.quantum == 0 {
            return Err("sched: the quantum (-q) must be at least 1".into());
        }
        match &self.jobs {
            Jobs::Listed(jobs) => {
                if jobs.is_empty() {
                    return Err("sched: no jobs: give them with -l run:tickets,...".into());
                }
                if let Some((i, _)) = jobs.iter().enumerate().find(|(_, j)| j.run == 0) {
                    return Err(format!("sched: job {i} in -l has run time 0"));
                }
                if let Some((i, _)) = jobs.iter().enumerate().find(|(_, j)| j.tickets == 0) {
                    return Err(format!(
                        "sched: job {i} in -l has no tickets, so it could never run"
                    ));
                }
            }
            Jobs::Random {
                count,
                max_run,
                max_tickets,
            } => {
                if *count == 0 {
                    return Err("sched: -j must be at least 1".into());
                }
                // int(max * random()) is 0 for ever when max is 1 or less.
                if *max_run < 2 {
                    return Err(format!(
                        "sched: -m {max_run}: random run times are drawn below -m and \
                         never 0, so -m must be at least 2"
                    ));
                }
                if *max_tickets < 2 {
                    return Err(format!(
                        "sched: -T {max_tickets}: random ticket counts are drawn below -T \
                         and never 0, so -T must be at least 2"
                    ));
                }
            }
        }
        Ok(())
    }
}

/// Run `config`. The report's trace is `lottery.py -c`'s output from the
/// job list on, line for line.
pub fn simulate(config: &Config) -> Result<Report, String> {
    config.validate()?;
    let mut rng = PyRandom::new(config.seed);
    let jobs = match &config.jobs {
        Jobs::Listed(jobs) => jobs.clone(),
        Jobs::Random {
            count,
            max_run,
            max_tickets,
        } => (0..*count)
            .map(|_| {
                let run = redraw_while_zero(&mut rng, *max_run);
                let tickets = redraw_while_zero(&mut rng, *max_tickets);
                Job { run, tickets }
            })
            .collect(),
    };
    let mut report = Report::default();
    report
        .trace
        .push("Here is the job list, with the run time of each job: ".into());
    for (i, j) in jobs.iter().enumerate() {
        report.trace.push(format!(
            "  Job {i} ( length = {}, tickets = {} )",
            j.run, j.tickets
        ));
    }
    report
        .trace
        .extend(["".into(), "".into(), "** Solutions **".into(), "".into()]);

    let q = config.quantum;
    let mut left: Vec<u64> = jobs.iter().map(|j| j.run).collect();
    let mut tickets: Vec<u64> = jobs.iter().map(|j| j.tickets).collect();
    let mut pot: u64 = tickets.iter().sum();
    let mut first_run: Vec<Option<u64>> = vec![None; jobs.len()];
    let mut done_at: Vec<u64> = vec![0; jobs.len()];
    let mut held: Vec<u64> = vec![0; jobs.len()];
    let mut unfinished = jobs.len();
    let mut clock = 0;
    // Every win takes at least one tick off a job, so this many draws
    // always finish them all (lottery.py's own bound).
    let total_run: u64 = jobs.iter().map(|j| j.run).sum();
    for _ in 0..total_run {
        let draw = rng.below(DRAW_RANGE);
        let winning = draw % pot;
        let mut sum = 0;
        let winner = (0..jobs.len())
            .find(|&j| {
                sum += tickets[j];
                sum > winning
            })
            .expect("the winning number is below the tickets in play");
        report.trace.push(format!(
            "Random {draw} -> Winning ticket {winning} (of {pot}) -> Run {winner}"
        ));
        report.trace.push("  Jobs:".into());
        let line: String = (0..jobs.len())
            .map(|j| {
                let mark = if j == winner { '*' } else { ' ' };
                let tix = if left[j] > 0 {
                    tickets[j].to_string()
                } else {
                    "---".into()
                };
                format!(" ({mark} job:{j} timeleft:{} tix:{tix} ) ", left[j])
            })
            .collect();
        report.trace.push(line);
        first_run[winner].get_or_insert(clock);
        report.ran(winner, clock as f64, (clock + q) as f64);
        held[winner] += q;
        left[winner] = left[winner].saturating_sub(q);
        clock += q;
        if left[winner] == 0 {
            report
                .trace
                .push(format!("--> JOB {winner} DONE at time {clock}"));
            pot -= tickets[winner];
            tickets[winner] = 0;
            done_at[winner] = clock;
            unfinished -= 1;
        }
        if unfinished == 0 {
            report.trace.push(String::new());
            break;
        }
    }
    report.jobs = (0..jobs.len())
        .map(|j| JobStats {
            job: j,
            start: None,
            response: first_run[j].unwrap_or(0) as f64,
            turnaround: done_at[j] as f64,
            wait: Some((done_at[j] - held[j]) as f64),
        })
        .collect();
    Ok(report)
}

/// `lottery.py`'s `while x == 0: x = int(max * random())`.
fn redraw_while_zero(rng: &mut PyRandom, max: u64) -> u64 {
    loop {
        let x = rng.below(max);
        if x != 0 {
            return x;
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn listed(jobs: &[(u64, u64)], quantum: u64, seed: i64) -> Config {
        Config {
            seed,
            quantum,
            jobs: Jobs::Listed(
                jobs.iter()
                    .map(|&(run, tickets)| Job { run, tickets })
                    .collect(),
            ),
        }
    }

    #[test]
    fn every_job_finishes_and_the_figures_add_up() {
        let report = simulate(&listed(&[(10, 100), (20, 50), (5, 1)], 2, 7)).unwrap();
        let ran: f64 = report.timeline.iter().map(|s| s.to - s.from).sum();
        // Quantum 2: 10 and 20 take 5 and 10 wins, 5 takes 3 (the last one
        // held for a whole quantum although 1 tick was left).
        assert_eq!(ran, 36.0);
        let last_done = report.jobs.iter().map(|j| j.turnaround).fold(0.0, f64::max);
        assert_eq!(last_done, 36.0);
        for j in &report.jobs {
            assert!(j.response <= j.turnaround - 2.0, "{j:?}");
            assert!(j.wait.unwrap() >= 0.0);
        }
        assert_eq!(
            report.trace.iter().filter(|l| l.contains("DONE")).count(),
            3
        );
    }

    #[test]
    fn more_tickets_win_more_often() {
        // Two long jobs, 9:1 tickets: by the time the rich one finishes,
        // the poor one has had about a ninth as many wins.
        let report = simulate(&listed(&[(900, 90), (900, 10)], 1, 3)).unwrap();
        let rich_done = report.jobs[0].turnaround as usize;
        let poor_wins = report
            .timeline
            .iter()
            .filter(|s| s.job == 1 && (s.from as usize) < rich_done)
            .map(|s| (s.to - s.from) as usize)
            .sum::<usize>();
        assert!(
            (50..=160).contains(&poor_wins),
            "{poor_wins} of {rich_done}"
        );
    }

    #[test]
    fn bad_configurations_are_named() {
        for (config, needle) in [
            (listed(&[(1, 1)], 0, 0), "quantum"),
            (listed(&[], 1, 0), "no jobs"),
            (listed(&[(0, 5)], 1, 0), "run time 0"),
            (listed(&[(3, 0)], 1, 0), "no tickets"),
            (
                Config {
                    seed: 0,
                    quantum: 1,
                    jobs: Jobs::Random {
                        count: 3,
                        max_run: 1,
                        max_tickets: 100,
                    },
                },
                "-m must be at least 2",
            ),
        ] {
            let err = simulate(&config).unwrap_err();
            assert!(err.contains(needle), "{config:?}: {err}");
        }
    }
}
