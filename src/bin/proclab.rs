//! `proclab`: the course's command-line tools.
//!
//! ```text
//! proclab sched [flags]   simulate a scheduling policy (OSTEP's scheduler.py / mlfq.py / lottery.py flags)
//! proclab serve [flags]   serve connections (iterative, thread, pool models)
//! proclab load  [flags]   a load generator for `serve`
//! ```

use proclab::schedsim::{flags, lottery, mlfq, policies, render};
use std::process::ExitCode;

const USAGE: &str = "\
usage: proclab <command> [flags]

  sched [scheduler.py flags | mlfq.py flags] [--json | --trace]
        Simulate a scheduling policy exactly as the OSTEP textbook's
        simulators do, and print each job's figures and a timeline.
        FIFO/SJF/RR:  proclab sched -p RR -q 2 -l 5,3,8
        MLFQ:         proclab sched -n 3 -q 10 -B 100 -i 5 -l 0,120,0:50,20,5
                      (-n -q -a -Q -A -B -i -S -I -l; see `proclab sched --help`)
        Lottery:      proclab sched -p LOTTERY -s 1 -l 10:100,10:50 --trace

  serve [--model iterative|fork|thread|pool|prefork|prefork-reuseport]
        [--workers N] [--listen ADDR] [--handler echo|http]
        Serve connections until SIGINT/SIGTERM (see `proclab serve --help`).

  load --connect ADDR [--clients N] [--connections N] [--handler echo|http] [--linger0]
        Open short connections and report connections/s, latency, errors.

  master --config FILE [--daemon]
        nginx's process model: a master supervising workers (see examples/master.toml);
        --daemon detaches it from the terminal (double fork, a new session).

  ps [--pid PID] [--json]
        List the running proclab masters and their workers, from /proc.";

const SCHED_HELP: &str = "\
proclab sched: the OSTEP scheduling simulators' flags.

FIFO, SJF, RR (scheduler.py): every job arrives at time 0.
  -p FIFO|SJF|RR   policy (default FIFO; -p MLFQ and -p LOTTERY pick the simulators below)
  -l L,L,...       job lengths
  -q Q             RR time slice (default 1)

MLFQ (mlfq.py), chosen by -p MLFQ or any of -n -a -Q -A -B -i -S -I:
  -n N             number of queues (default 3)
  -q Q             time slice at every level (default 10)
  -a A             allotment (quanta per level) at every level (default 1)
  -Q Q,Q,...       time slice per level, highest priority first (sets -n)
  -A A,A,...       allotment per level, highest priority first
  -B B             boost every job to the top queue every B ticks (0: never)
  -i I             an I/O takes I ticks (default 5)
  -S               a job that issues an I/O keeps its level (quantum and allotment refilled)
  -I               a job whose I/O completes goes to the front of its queue
  -l S,R,F:...     jobs: start time, run time, I/O every F ticks of CPU (0: never)

Lottery (lottery.py), chosen by -p LOTTERY or -T:
  -l R:T,R:T,...   jobs: run time and tickets
  -q Q             ticks per win (default 1)
  -s S             the seed of the draws (default 0), as Python's random.seed(S)

Random job lists, for scheduler.py and lottery.py when -l is not given:
  -s S -j J -m M   J jobs (default 3), lengths below M (default 10), drawn as the
                   textbook simulator draws them from seed S, so the same flags
                   give the same jobs; -T T: tickets below T (lottery, default 100)

Output: the per-job table and a timeline; --json for the figures as JSON,
--trace for the textbook simulator's execution trace, line for line
(the lottery: its job list, draws and winners, as lottery.py -c prints them).";

fn main() -> ExitCode {
    let args: Vec<String> = std::env::args().skip(1).collect();
    match args.first().map(String::as_str) {
        Some("sched") => sched(&args[1..]),
        #[cfg(not(any(loom, shuttle)))]
        Some("serve") => proclab::serve::cli::serve(&args[1..]),
        #[cfg(not(any(loom, shuttle)))]
        Some("load") => proclab::serve::cli::load(&args[1..]),
        #[cfg(not(any(loom, shuttle)))]
        Some("ps") => proclab::master::ps::main(&args[1..]),
        #[cfg(not(any(loom, shuttle)))]
        Some("master") => proclab::master::run::main(&args[1..]),
        Some("help" | "--help" | "-h") | None => {
            println!("{USAGE}");
            ExitCode::SUCCESS
        }
        Some(other) => {
            eprintln!("proclab: unknown command `{other}`\n\n{USAGE}");
            ExitCode::from(2)
        }
    }
}

fn sched(args: &[String]) -> ExitCode {
    if args.iter().any(|a| a == "--help" || a == "-h") {
        println!("{SCHED_HELP}");
        return ExitCode::SUCCESS;
    }
    let (simulation, output) = match flags::parse(args) {
        Ok(parsed) => parsed,
        Err(e) => {
            eprintln!("{e}\n(see `proclab sched --help`)");
            return ExitCode::from(2);
        }
    };
    let trace = output == flags::Output::Trace;
    let report = match &simulation {
        flags::Simulation::Simple {
            policy,
            lengths,
            seed,
        } => {
            if let (Some(seed), flags::Output::Table) = (seed, output) {
                let list: Vec<String> = lengths.iter().map(f64::to_string).collect();
                println!("jobs drawn from seed {seed}: lengths {}\n", list.join(","));
            }
            Ok(policies::simulate(*policy, lengths))
        }
        flags::Simulation::Mlfq(config) => mlfq::simulate(config, trace),
        flags::Simulation::Lottery(config) => lottery::simulate(config),
    };
    let report = match report {
        Ok(r) => r,
        Err(e) => {
            eprintln!("{e}");
            return ExitCode::from(2);
        }
    };
    if let (flags::Simulation::Lottery(_), flags::Output::Table) = (&simulation, output) {
        // The job list, which a random one is the only place to see.
        for line in report.trace.iter().take_while(|l| !l.is_empty()) {
            println!("{line}");
        }
        println!();
    }
    let text = match output {
        flags::Output::Json => render::json(&report),
        flags::Output::Trace => {
            // lottery.py's own lines say what they are; the others get
            // the heading their simulator prints.
            let mut text = match simulation {
                flags::Simulation::Lottery(_) => String::new(),
                _ => String::from("Execution trace:\n"),
            };
            for line in &report.trace {
                text.push_str(line);
                text.push('\n');
            }
            text.push('\n');
            text + &render::table(&report)
        }
        flags::Output::Table => {
            format!("{}\n{}", render::table(&report), render::timeline(&report))
        }
    };
    emit(&text)
}

/// Write `text` to stdout. A reader that went away (`| head`) is not an
/// error worth a panic: stop quietly, as other Unix tools do.
fn emit(text: &str) -> ExitCode {
    use std::io::Write;
    let mut out = std::io::stdout().lock();
    match out.write_all(text.as_bytes()).and_then(|()| out.flush()) {
        Ok(()) => ExitCode::SUCCESS,
        Err(e) if e.kind() == std::io::ErrorKind::BrokenPipe => ExitCode::SUCCESS,
        Err(e) => {
            eprintln!("proclab: cannot write the output: {e}");
            ExitCode::FAILURE
        }
    }
}
