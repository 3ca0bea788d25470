//! The textbook simulators' command-line flags.
//!
//! `scheduler.py`: `-p FIFO|SJF|RR` (default FIFO), `-l len,len,...`,
//! `-q quantum` (default 1).
//!
//! `mlfq.py`: `-n queues` (default 3), `-q quantum` (10), `-a allotment`
//! (1), `-Q q,q,...` and `-A a,a,...` (per level, highest first; they
//! override `-n`, `-q`, `-a`), `-B boost` (0: never), `-i ioTime` (5), `-S`
//! (stay after I/O), `-I` (I/O bump), `-l start,run,io:start,run,io:...`.
//!
//! `lottery.py`: `-p LOTTERY`, `-l run:tickets,...`, `-q quantum` (1),
//! `-s seed` (0), and without `-l`, `-j jobs` (3), `-m maxlen` (10) and
//! `-T maxticket` (100).
//!
//! The flag sets overlap (`-q`, `-l`), so the MLFQ is chosen by `-p MLFQ`
//! or by any flag only `mlfq.py` has (`-n -a -Q -A -B -i -S -I -M`), and
//! the lottery by `-p LOTTERY` or `-T`. Without `-l`, `scheduler.py` and
//! `lottery.py` draw a random job list from `-s`, and so do we, with
//! Python's generator ([`super::pyrandom`]); `mlfq.py`'s random job lists
//! are refused: give those jobs with `-l`. `-c` is accepted and ignored
//! (the figures are always computed).
//!
//! Ours: `--json` (figures for machines), `--trace` (the textbook's
//! execution trace, line for line).

use super::lottery;
use super::mlfq::{self, Job};
use super::policies::Policy;
use super::pyrandom::PyRandom;

/// What to simulate.
#[derive(Clone, Debug, PartialEq)]
pub enum Simulation {
    /// A `scheduler.py` policy over job lengths.
    Simple {
        /// FIFO, SJF or RR.
        policy: Policy,
        /// Each job's length.
        lengths: Vec<f64>,
        /// The seed the lengths were drawn from, when not given with `-l`.
        seed: Option<i64>,
    },
    /// An `mlfq.py` run.
    Mlfq(mlfq::Config),
    /// A `lottery.py` run.
    Lottery(lottery::Config),
}

/// How to print the result.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub enum Output {
    /// The per-job table and the timeline.
    #[default]
    Table,
    /// JSON figures.
    Json,
    /// The textbook simulator's execution trace, then the table.
    Trace,
}

/// Flags only `mlfq.py` has.
const MLFQ_ONLY: &[&str] = &["-n", "-a", "-Q", "-A", "-B", "-i", "-S", "-I", "-M"];

/// Parse the flags (without the program and subcommand names).
pub fn parse(args: &[String]) -> Result<(Simulation, Output), String> {
    let mut output = Output::Table;
    let mut values: Vec<(String, Option<String>)> = Vec::new();
    let mut it = args.iter();
    while let Some(arg) = it.next() {
        match arg.as_str() {
            "--json" => output = Output::Json,
            "--trace" => output = Output::Trace,
            "-c" => {}
            "-S" | "-I" => values.push((arg.clone(), None)),
            flag if flag.starts_with('-') && flag.len() == 2 => {
                let value = it
                    .next()
                    .ok_or_else(|| format!("sched: {flag} needs a value"))?;
                values.push((flag.to_string(), Some(value.clone())));
            }
            other => return Err(format!("sched: unexpected argument `{other}`")),
        }
    }
    let get = |flag: &str| {
        values
            .iter()
            .rev()
            .find(|(f, _)| f == flag)
            .and_then(|(_, v)| v.clone())
    };
    let has = |flag: &str| values.iter().any(|(f, _)| f == flag);
    let policy_name = get("-p").map(|p| p.to_uppercase());
    let mlfq = policy_name.as_deref() == Some("MLFQ") || MLFQ_ONLY.iter().any(|f| has(f));
    let lottery = policy_name.as_deref() == Some("LOTTERY") || has("-T");
    if mlfq && lottery {
        return Err(
            "sched: -T and -p LOTTERY are the lottery's, the other flags the MLFQ's: \
                    choose one simulator"
                .into(),
        );
    }
    let seed = match get("-s") {
        Some(s) => s
            .trim()
            .parse::<i64>()
            .map_err(|_| format!("sched: -s: `{s}` is not a whole number"))?,
        None => 0,
    };
    // A whole-number flag, or the textbook simulator's default for it.
    let whole_or =
        |flag: &str, default: &str| whole(&get(flag).unwrap_or_else(|| default.into()), flag);
    let jobs = get("-l");
    if lottery {
        let jobs = match jobs {
            Some(list) => lottery::Jobs::Listed(lottery_jobs(&list)?),
            None => lottery::Jobs::Random {
                count: whole_or("-j", "3")? as usize,
                max_run: whole_or("-m", "10")?,
                max_tickets: whole_or("-T", "100")?,
            },
        };
        let config = lottery::Config {
            seed,
            quantum: whole_or("-q", "1")?,
            jobs,
        };
        config.validate()?;
        return Ok((Simulation::Lottery(config), output));
    }
    let simulation = if mlfq {
        for random in ["-s", "-j", "-m", "-M"] {
            if has(random) {
                return Err(format!(
                    "sched: {random} asks mlfq.py for a random job list, which proclab does \
                     not draw; give the jobs explicitly with -l"
                ));
            }
        }
        let jobs = jobs.ok_or("sched: no jobs: give them with -l")?;
        Simulation::Mlfq(mlfq_config(&get, &has, &jobs)?)
    } else {
        let policy = match policy_name.as_deref().unwrap_or("FIFO") {
            "FIFO" => Policy::Fifo,
            "SJF" => Policy::Sjf,
            "RR" => Policy::Rr {
                quantum: number(&get("-q").unwrap_or_else(|| "1".into()), "-q")?,
            },
            other => {
                return Err(format!(
                    "sched: unknown policy `{other}` (-p FIFO, SJF, RR or MLFQ)"
                ))
            }
        };
        if let Policy::Rr { quantum } = policy {
            if quantum <= 0.0 {
                return Err(format!(
                    "sched: the quantum (-q) must be positive, not {quantum}"
                ));
            }
        }
        let (lengths, seed) = match jobs {
            Some(list) => (
                list.split(',')
                    .map(|l| number(l, "-l"))
                    .collect::<Result<Vec<f64>, String>>()?,
                None,
            ),
            None => (
                random_lengths(seed, whole_or("-j", "3")?, whole_or("-m", "10")?)?,
                Some(seed),
            ),
        };
        if let Some(bad) = lengths.iter().find(|&&l| l <= 0.0) {
            return Err(format!(
                "sched: job lengths (-l) must be positive, not {bad}"
            ));
        }
        Simulation::Simple {
            policy,
            lengths,
            seed,
        }
    };
    Ok((simulation, output))
}

fn mlfq_config(
    get: &dyn Fn(&str) -> Option<String>,
    has: &dyn Fn(&str) -> bool,
    jobs: &str,
) -> Result<mlfq::Config, String> {
    let levels: usize = whole(&get("-n").unwrap_or_else(|| "3".into()), "-n")? as usize;
    let quantum = match get("-Q") {
        Some(list) => list_of(&list, "-Q")?,
        None => vec![whole(&get("-q").unwrap_or_else(|| "10".into()), "-q")?; levels],
    };
    let allotment = match get("-A") {
        Some(list) => list_of(&list, "-A")?,
        None => vec![whole(&get("-a").unwrap_or_else(|| "1".into()), "-a")?; quantum.len()],
    };
    let jobs = jobs
        .split(':')
        .enumerate()
        .map(|(i, spec)| {
            let parts = list_of(spec, "-l")?;
            match parts[..] {
                [start, run, io_freq] => Ok(Job {
                    start,
                    run,
                    io_freq,
                }),
                _ => Err(format!(
                    "sched: job {i} in -l is `{spec}`; an MLFQ job is start,run,ioFreq"
                )),
            }
        })
        .collect::<Result<Vec<Job>, String>>()?;
    let config = mlfq::Config {
        quantum,
        allotment,
        boost: whole(&get("-B").unwrap_or_else(|| "0".into()), "-B")?,
        io_time: whole(&get("-i").unwrap_or_else(|| "5".into()), "-i")?,
        stay: has("-S"),
        io_bump: has("-I"),
        jobs,
    };
    config.validate()?;
    Ok(config)
}

/// `scheduler.py`'s random job list: `count` lengths, each
/// `int(max_len * random()) + 1`.
fn random_lengths(seed: i64, count: u64, max_len: u64) -> Result<Vec<f64>, String> {
    if count == 0 || max_len == 0 {
        return Err("sched: -j and -m must be at least 1 for a random job list".into());
    }
    let mut rng = PyRandom::new(seed);
    Ok((0..count)
        .map(|_| (rng.below(max_len) + 1) as f64)
        .collect())
}

/// `-l run:tickets,...` for the lottery.
fn lottery_jobs(list: &str) -> Result<Vec<lottery::Job>, String> {
    list.split(',')
        .enumerate()
        .map(|(i, spec)| match spec.split(':').collect::<Vec<_>>()[..] {
            [run, tickets] => Ok(lottery::Job {
                run: whole(run, "-l")?,
                tickets: whole(tickets, "-l")?,
            }),
            _ => Err(format!(
                "sched: job {i} in -l is `{spec}`; a lottery job is run:tickets"
            )),
        })
        .collect()
}

fn number(text: &str, flag: &str) -> Result<f64, String> {
    text.trim()
        .parse::<f64>()
        .ok()
        .filter(|x| x.is_finite())
        .ok_or_else(|| format!("sched: {flag}: `{text}` is not a number"))
}

fn whole(text: &str, flag: &str) -> Result<u64, String> {
    text.trim()
        .parse::<u64>()
        .map_err(|_| format!("sched: {flag}: `{text}` is not a whole number ≥ 0"))
}

fn list_of(text: &str, flag: &str) -> Result<Vec<u64>, String> {
    text.split(',').map(|x| whole(x, flag)).collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    fn args(s: &str) -> Vec<String> {
        s.split_whitespace().map(String::from).collect()
    }

    #[test]
    fn scheduler_flags() {
        let (sim, out) = parse(&args("-p RR -q 2 -l 5,3,8")).unwrap();
        assert_eq!(out, Output::Table);
        assert_eq!(
            sim,
            Simulation::Simple {
                policy: Policy::Rr { quantum: 2.0 },
                lengths: vec![5.0, 3.0, 8.0],
                seed: None,
            }
        );
    }

    #[test]
    fn mlfq_flags_pick_the_mlfq() {
        let (sim, _) = parse(&args("-n 2 -Q 7,4 -A 2,1 -i 8 -S -l 31,20,2:1,7,13 --json")).unwrap();
        let Simulation::Mlfq(c) = sim else {
            panic!("not an MLFQ")
        };
        assert_eq!(c.quantum, [7, 4]);
        assert!(c.stay && !c.io_bump);
        assert_eq!(
            c.jobs[1],
            Job {
                start: 1,
                run: 7,
                io_freq: 13
            }
        );
    }

    #[test]
    fn random_job_lists_are_drawn_as_the_textbook_draws_them() {
        // The lengths themselves are checked against scheduler.py's in
        // tests/sched_vectors.rs; here, the flags and the shape.
        let (sim, _) = parse(&args("-s 3 -j 4 -m 9")).unwrap();
        let Simulation::Simple { lengths, seed, .. } = sim else {
            panic!("not scheduler.py")
        };
        assert_eq!(seed, Some(3));
        assert_eq!(lengths.len(), 4);
        assert!(lengths.iter().all(|&l| (1.0..=9.0).contains(&l)));
        let (sim, _) = parse(&args("-T 50 -j 2 -s 1")).unwrap();
        assert!(matches!(
            sim,
            Simulation::Lottery(lottery::Config {
                seed: 1,
                quantum: 1,
                jobs: lottery::Jobs::Random {
                    count: 2,
                    max_run: 10,
                    max_tickets: 50
                }
            })
        ));
    }

    #[test]
    fn bad_input_names_the_problem() {
        for (flags, needle) in [
            ("-p LIFO -l 1", "unknown policy"),
            ("-p RR -q 0 -l 1", "quantum"),
            ("-l 3,x", "not a number"),
            ("-n 2", "no jobs"),
            ("-n 2 -s 3 -j 4", "random job list"),
            ("-p LOTTERY -l 3:1,x:2", "not a whole number"),
            ("-p LOTTERY -l 3", "run:tickets"),
            ("-T 10 -n 2", "choose one simulator"),
            ("-p LOTTERY -l 3:0", "no tickets"),
            ("-s x -j 2", "-s"),
            ("-n 2 -Q 1,2 -A 1 -l 0,5,0", "allotment"),
            ("-n 2 -l 0,5", "start,run,ioFreq"),
            ("-p RR -q", "needs a value"),
        ] {
            let err = parse(&args(flags)).unwrap_err();
            assert!(err.contains(needle), "`{flags}` gave `{err}`");
        }
    }
}
