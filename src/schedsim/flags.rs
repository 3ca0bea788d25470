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
//! The flag sets overlap (`-q`, `-l`), so the MLFQ is chosen by `-p MLFQ`
//! or by any flag only `mlfq.py` has (`-n -a -Q -A -B -i -S -I`). Random
//! job lists (`-s`, `-j`, `-m`, `-M`) are refused: they depend on Python's
//! random number generator; give the jobs with `-l`. `-c` is accepted and
//! ignored (the figures are always computed).
//!
//! Ours: `--json` (figures for machines), `--trace` (the textbook's
//! execution trace, line for line).

use super::mlfq::{self, Job};
use super::policies::Policy;

/// What to simulate.
#[derive(Clone, Debug, PartialEq)]
pub enum Simulation {
    /// A `scheduler.py` policy over job lengths.
    Simple {
        /// FIFO, SJF or RR.
        policy: Policy,
        /// Each job's length.
        lengths: Vec<f64>,
    },
    /// An `mlfq.py` run.
    Mlfq(mlfq::Config),
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
    for random in ["-s", "-j", "-m", "-M"] {
        if has(random) {
            return Err(format!(
                "sched: {random} asks for a random job list, which depends on Python's random \
                 number generator; give the jobs explicitly with -l"
            ));
        }
    }
    let policy_name = get("-p").map(|p| p.to_uppercase());
    let mlfq = policy_name.as_deref() == Some("MLFQ") || MLFQ_ONLY.iter().any(|f| has(f));
    let jobs = get("-l").ok_or("sched: no jobs: give them with -l")?;
    let simulation = if mlfq {
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
        let lengths = jobs
            .split(',')
            .map(|l| number(l, "-l"))
            .collect::<Result<Vec<f64>, String>>()?;
        if let Some(bad) = lengths.iter().find(|&&l| l <= 0.0) {
            return Err(format!(
                "sched: job lengths (-l) must be positive, not {bad}"
            ));
        }
        Simulation::Simple { policy, lengths }
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
                lengths: vec![5.0, 3.0, 8.0]
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
    fn bad_input_names_the_problem() {
        for (flags, needle) in [
            ("-p LIFO -l 1", "unknown policy"),
            ("-p RR -q 0 -l 1", "quantum"),
            ("-l 3,x", "not a number"),
            ("-p FIFO", "no jobs"),
            ("-s 3 -j 4", "random"),
            ("-n 2 -Q 1,2 -A 1 -l 0,5,0", "allotment"),
            ("-n 2 -l 0,5", "start,run,ioFreq"),
            ("-p RR -q", "needs a value"),
        ] {
            let err = parse(&args(flags)).unwrap_err();
            assert!(err.contains(needle), "`{flags}` gave `{err}`");
        }
    }
}
