//! `proclab ps`: the running proclab masters and their workers, read from
//! `/proc` — like `ps f`, but only the processes this course is about.
//!
//! Everything comes from four files per process, and two for the system:
//!
//! * `/proc/PID/stat` — one line, `pid (comm) state ppid … utime stime …
//!   starttime …` (see proc(5)); [`parse_stat`] reads the fields used here:
//!   - `comm` (field 2): the executable's name, at most 15 bytes, in
//!     parentheses. It is chosen by the program (`prctl(PR_SET_NAME)`) and
//!     may hold spaces and parentheses of its own, so the fields after it
//!     are found after the *last* `)` of the line.
//!   - `state` (field 3): one letter — `R` running or runnable, `S`
//!     sleeping (interruptible), `D` waiting in uninterruptible sleep
//!     (usually disk I/O), `Z` zombie (exited, not yet reaped by its
//!     parent), `T` stopped by a signal, `t` stopped by a tracer, `I` an
//!     idle kernel thread, `X` dead.
//!   - `ppid` (field 4): the parent's pid (the reaper's, 1 or a subreaper,
//!     once the parent has exited).
//!   - `utime`, `stime` (fields 14, 15): CPU time spent in user and in
//!     kernel mode, in clock ticks (`sysconf(_SC_CLK_TCK)` per second,
//!     100 on Linux).
//!   - `starttime` (field 22): when the process started, in clock ticks
//!     since the system booted.
//! * `/proc/PID/cmdline` — the arguments, each ended by a NUL byte (empty
//!   for a zombie: its memory is gone); [`parse_cmdline`].
//! * `/proc/PID/exe` — a symbolic link to the executable the process runs.
//!   When that file has been removed or replaced on disk since — as by an
//!   in-place binary upgrade, which renames a new binary over the old one —
//!   the link still reaches the old inode, and `readlink` returns the old
//!   path followed by `" (deleted)"` ([`exe_deleted`]). Every worker of a
//!   master started before an upgrade shows it: the old code runs on until
//!   the process is replaced. Unreadable for other users' processes.
//! * `/proc/stat`'s `btime` line — the boot time, in seconds since the
//!   epoch ([`parse_btime`]); with the clock tick, [`Clock`] turns a
//!   `starttime` into a wall-clock time.
//!
//! Processes come and go while `/proc` is read: a pid listed by
//! `read_dir("/proc")` may be gone when its files are opened (`ENOENT`,
//! or `ESRCH` for a file opened just before the exit). [`snapshot`] skips
//! them silently; that is not an error.
//!
//! Which processes are listed ([`is_server`], [`role`], [`masters`], [`tree`]): a
//! *server* process runs the `proclab` executable with a `serve` or
//! `master` argument; a server whose parent is not a server is a
//! **master**, a server forked from a server running the same executable
//! is a **worker**, and any other child is **other** — a child that
//! `exec`ed another program, or a new master started by a binary upgrade
//! (its executable differs from its parent's). A worker whose master was
//! killed is adopted by init (or a subreaper) and then counts as a master:
//! `/proc` keeps no trace of the parent it had.

mod clock;
mod procfs;
mod render;
mod tree;

pub use clock::{format_cpu, format_start, CivilTime, Clock};
pub use procfs::{
    exe_deleted, exe_name, parse_btime, parse_cmdline, parse_stat, read_proc, read_proc_in,
    snapshot, vanished, ProcInfo, StatError, StatFields, DELETED_SUFFIX,
};
pub use render::{render_json, render_table};
pub use tree::{is_server, masters, role, tree, Entry, Role};

use std::collections::BTreeMap;
use std::io;
use std::process::ExitCode;
use std::time::{SystemTime, UNIX_EPOCH};

/// `proclab ps`'s help.
pub const PS_HELP: &str = "\
proclab ps: the running proclab masters and their workers, from /proc.

  (no flags)   every `proclab serve`/`proclab master` process whose parent
               is not one, with its descendants indented below it
  --pid PID    that process and its descendants
  --json       a JSON array, one object per process: pid, ppid, state,
               role, comm, start_time (seconds since the epoch),
               cpu_seconds, exe, exe_deleted, cmdline, argv, depth,
               children

Columns: PID, PPID, S (state: R running, S sleeping, D disk wait, Z zombie,
T stopped), START (HH:MM:SS today, else YYYY-MM-DDTHH:MM), TIME (CPU,
user + system, M:SS.cc), ROLE (master, worker, other), EXE (`deleted`:
the executable was removed or replaced on disk since the process started,
as after an in-place binary upgrade; `?`: unreadable), COMMAND.";

/// `proclab ps`'s flags.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct Options {
    /// `--pid PID`: list that process and its descendants.
    pub pid: Option<i32>,
    /// `--json`.
    pub json: bool,
}

/// Parse `proclab ps`'s flags (`--pid PID`, `--pid=PID`, `--json`).
pub fn parse_args(args: &[String]) -> Result<Options, String> {
    let mut options = Options::default();
    let mut it = args.iter();
    while let Some(arg) = it.next() {
        let value = match arg.as_str() {
            "--json" => {
                options.json = true;
                continue;
            }
            "--pid" => it.next().ok_or("--pid needs a process id")?.as_str(),
            a => match a.strip_prefix("--pid=") {
                Some(v) => v,
                None => return Err(format!("unknown argument `{a}`")),
            },
        };
        if options.pid.is_some() {
            return Err("--pid given twice".into());
        }
        let pid = value
            .parse::<i32>()
            .ok()
            .filter(|&p| p > 0)
            .ok_or_else(|| format!("--pid {value}: not a process id (a positive number)"))?;
        options.pid = Some(pid);
    }
    Ok(options)
}

/// The entries `options` select from `procs`; an error naming the pid if
/// `--pid` names no process.
pub fn select(
    procs: &mut BTreeMap<i32, ProcInfo>,
    options: &Options,
) -> Result<Vec<Entry>, String> {
    let roots = match options.pid {
        None => masters(procs),
        Some(pid) => {
            if let std::collections::btree_map::Entry::Vacant(slot) = procs.entry(pid) {
                // Not in the snapshot: started since, or no such process.
                match read_proc(pid) {
                    Ok(p) => {
                        slot.insert(p);
                    }
                    Err(e) if vanished(&e) => {
                        return Err(format!("--pid {pid}: no such process"));
                    }
                    Err(e) => return Err(format!("--pid {pid}: reading /proc/{pid}: {e}")),
                }
            }
            vec![pid]
        }
    };
    Ok(tree(procs, &roots))
}

/// The seconds since the epoch, now.
fn now_epoch() -> i64 {
    SystemTime::now()
        .duration_since(UNIX_EPOCH)
        .map(|d| d.as_secs() as i64)
        .unwrap_or(0)
}

/// `proclab ps [--pid PID] [--json]`: exit status 0, or 2 with a message
/// on stderr for a bad flag or a pid that names no process.
pub fn main(args: &[String]) -> ExitCode {
    if args.iter().any(|a| a == "--help" || a == "-h") {
        println!("{PS_HELP}");
        return ExitCode::SUCCESS;
    }
    let options = match parse_args(args) {
        Ok(o) => o,
        Err(e) => {
            eprintln!("proclab ps: {e}\n(see `proclab ps --help`)");
            return ExitCode::from(2);
        }
    };
    let clock = match Clock::system() {
        Ok(c) => c,
        Err(e) => {
            eprintln!("proclab ps: cannot read the system clock: {e}");
            return ExitCode::FAILURE;
        }
    };
    let mut procs = snapshot();
    let entries = match select(&mut procs, &options) {
        Ok(e) => e,
        Err(e) => {
            eprintln!("proclab ps: {e}");
            return ExitCode::from(2);
        }
    };
    let text = if options.json {
        render_json(&entries, &clock)
    } else {
        render_table(&entries, &clock, now_epoch())
    };
    emit(&text)
}

/// Write `text` to stdout; a reader that went away (`| head`) ends the
/// output quietly.
fn emit(text: &str) -> ExitCode {
    use std::io::Write;
    let mut out = io::stdout().lock();
    match out.write_all(text.as_bytes()).and_then(|()| out.flush()) {
        Ok(()) => ExitCode::SUCCESS,
        Err(e) if e.kind() == io::ErrorKind::BrokenPipe => ExitCode::SUCCESS,
        Err(e) => {
            eprintln!("proclab ps: cannot write the output: {e}");
            ExitCode::FAILURE
        }
    }
}
