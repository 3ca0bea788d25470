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

use std::collections::{BTreeMap, BTreeSet};
use std::fmt::{self, Write as _};
use std::fs;
use std::io;
use std::path::Path;
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

/// The fields of `/proc/PID/stat` that `proclab ps` uses.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct StatFields {
    /// Field 1: the process id.
    pub pid: i32,
    /// Field 2: the executable's name as the kernel keeps it (at most 15
    /// bytes), without the parentheses around it.
    pub comm: String,
    /// Field 3: the state letter (`R`, `S`, `D`, `Z`, `T`, …).
    pub state: char,
    /// Field 4: the parent's pid.
    pub ppid: i32,
    /// Field 14: user-mode CPU time, in clock ticks.
    pub utime: u64,
    /// Field 15: kernel-mode CPU time, in clock ticks.
    pub stime: u64,
    /// Field 22: the start time, in clock ticks since boot.
    pub starttime: u64,
}

/// Why a `/proc/PID/stat` line could not be read.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct StatError(pub String);

impl fmt::Display for StatError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "malformed /proc/PID/stat line: {}", self.0)
    }
}

impl std::error::Error for StatError {}

/// Parse one `/proc/PID/stat` line.
///
/// The `comm` field sits between the first `(` and the *last* `)`: it may
/// hold spaces and parentheses itself (`prctl(PR_SET_NAME)` accepts any
/// bytes), so splitting the whole line on spaces would misnumber every
/// later field. The fields after the last `)` are numbered from 3.
pub fn parse_stat(line: &str) -> Result<StatFields, StatError> {
    let open = line
        .find('(')
        .ok_or_else(|| StatError("no `(` before comm".into()))?;
    let close = line
        .rfind(')')
        .filter(|&c| c > open)
        .ok_or_else(|| StatError("no `)` after comm".into()))?;
    let pid = line[..open]
        .trim()
        .parse()
        .map_err(|_| StatError(format!("pid {:?} is not a number", line[..open].trim())))?;
    let comm = line[open + 1..close].to_string();
    // rest[0] is field 3 (state), rest[i] is field i + 3.
    let rest: Vec<&str> = line[close + 1..].split_whitespace().collect();
    let field = |n: usize| {
        rest.get(n - 3)
            .copied()
            .ok_or_else(|| StatError(format!("field {n} missing")))
    };
    let number = |n: usize| -> Result<u64, StatError> {
        let text = field(n)?;
        text.parse()
            .map_err(|_| StatError(format!("field {n} {text:?} is not a number")))
    };
    let state_text = field(3)?;
    let mut letters = state_text.chars();
    let state = match (letters.next(), letters.next()) {
        (Some(c), None) => c,
        _ => return Err(StatError(format!("state {state_text:?} is not one letter"))),
    };
    let ppid_text = field(4)?;
    let ppid = ppid_text
        .parse()
        .map_err(|_| StatError(format!("ppid {ppid_text:?} is not a number")))?;
    Ok(StatFields {
        pid,
        comm,
        state,
        ppid,
        utime: number(14)?,
        stime: number(15)?,
        starttime: number(22)?,
    })
}

/// The arguments in a `/proc/PID/cmdline`: NUL-terminated strings (the
/// last terminator may be missing when a process rewrote its arguments).
/// Not valid UTF-8 is shown with replacement characters.
pub fn parse_cmdline(bytes: &[u8]) -> Vec<String> {
    let bytes = bytes.strip_suffix(&[0]).unwrap_or(bytes);
    if bytes.is_empty() {
        return Vec::new();
    }
    bytes
        .split(|&b| b == 0)
        .map(|arg| String::from_utf8_lossy(arg).into_owned())
        .collect()
}

/// The boot time, in seconds since the epoch, from `/proc/stat`'s
/// `btime SECONDS` line.
pub fn parse_btime(proc_stat: &str) -> Option<u64> {
    proc_stat.lines().find_map(|line| {
        let mut words = line.split_whitespace();
        (words.next() == Some("btime"))
            .then(|| words.next()?.parse().ok())
            .flatten()
    })
}

/// What `readlink /proc/PID/exe` returns for an executable removed or
/// replaced on disk after the process started it.
pub const DELETED_SUFFIX: &str = " (deleted)";

/// Whether a `/proc/PID/exe` link target says the executable was removed
/// or replaced on disk ([`DELETED_SUFFIX`]).
pub fn exe_deleted(link: &str) -> bool {
    link.ends_with(DELETED_SUFFIX)
}

/// The executable's file name, from a `/proc/PID/exe` link target (with
/// its [`DELETED_SUFFIX`], if any, removed) or an `argv[0]`.
pub fn exe_name(path: &str) -> &str {
    let path = path.strip_suffix(DELETED_SUFFIX).unwrap_or(path);
    path.rsplit('/').next().unwrap_or(path)
}

/// One process, as `/proc` showed it.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct ProcInfo {
    /// The process id.
    pub pid: i32,
    /// The parent's pid.
    pub ppid: i32,
    /// The state letter from `/proc/PID/stat`.
    pub state: char,
    /// The kernel's name for it (`comm`).
    pub comm: String,
    /// When it started, in clock ticks since boot.
    pub start_ticks: u64,
    /// CPU time used (`utime + stime`), in clock ticks.
    pub cpu_ticks: u64,
    /// The target of `/proc/PID/exe`, when readable (not for other users'
    /// processes, nor for zombies and kernel threads).
    pub exe: Option<String>,
    /// Its arguments (empty for zombies and kernel threads).
    pub cmdline: Vec<String>,
}

impl ProcInfo {
    /// Built from the parsed `stat` line, the `exe` link and the arguments.
    pub fn new(stat: StatFields, exe: Option<String>, cmdline: Vec<String>) -> ProcInfo {
        ProcInfo {
            pid: stat.pid,
            ppid: stat.ppid,
            state: stat.state,
            comm: stat.comm,
            start_ticks: stat.starttime,
            cpu_ticks: stat.utime + stat.stime,
            exe,
            cmdline,
        }
    }

    /// Whether its executable was removed or replaced on disk.
    pub fn exe_deleted(&self) -> bool {
        self.exe.as_deref().is_some_and(exe_deleted)
    }

    /// The arguments joined with spaces, or `[comm]` when there are none
    /// (as `ps` shows zombies and kernel threads).
    pub fn command(&self) -> String {
        if self.cmdline.is_empty() {
            format!("[{}]", self.comm)
        } else {
            self.cmdline.join(" ")
        }
    }
}

/// Whether an error reading `/proc/PID/…` means the process is gone
/// (`ENOENT`; `ESRCH` for a file opened just before the exit).
pub fn vanished(e: &io::Error) -> bool {
    e.kind() == io::ErrorKind::NotFound || e.raw_os_error() == Some(nix::libc::ESRCH)
}

/// Read one process from `/proc/PID/`. Its `stat` must be readable (an
/// error that [`vanished`] recognises if the process is gone); `exe` and
/// `cmdline` are read if they can be.
pub fn read_proc(pid: i32) -> io::Result<ProcInfo> {
    read_proc_in(Path::new("/proc"), pid)
}

/// [`read_proc`] under another `/proc` (a test's copy).
pub fn read_proc_in(proc_root: &Path, pid: i32) -> io::Result<ProcInfo> {
    let dir = proc_root.join(pid.to_string());
    let line = fs::read_to_string(dir.join("stat"))?;
    let stat =
        parse_stat(&line).map_err(|e| io::Error::new(io::ErrorKind::InvalidData, e.to_string()))?;
    let exe = fs::read_link(dir.join("exe"))
        .ok()
        .map(|p| p.to_string_lossy().into_owned());
    let cmdline = fs::read(dir.join("cmdline"))
        .map(|b| parse_cmdline(&b))
        .unwrap_or_default();
    Ok(ProcInfo::new(stat, exe, cmdline))
}

/// Every process in `/proc` that could be read, by pid. Processes that
/// exit while the directory is read are left out.
pub fn snapshot() -> BTreeMap<i32, ProcInfo> {
    let Ok(dir) = fs::read_dir("/proc") else {
        return BTreeMap::new();
    };
    dir.filter_map(|entry| {
        let pid: i32 = entry.ok()?.file_name().to_str()?.parse().ok()?;
        // Gone (or unreadable) since the directory listed it: skip it.
        read_proc(pid).ok().map(|p| (pid, p))
    })
    .collect()
}

/// Whether a process is a proclab server: its executable (or, when
/// `/proc/PID/exe` is unreadable, its `argv[0]`) is named `proclab`, and
/// one of its arguments is `serve` or `master`.
pub fn is_server(p: &ProcInfo) -> bool {
    let name = match (&p.exe, p.cmdline.first()) {
        (Some(exe), _) => exe_name(exe),
        (None, Some(argv0)) => exe_name(argv0),
        (None, None) => return false,
    };
    name == "proclab"
        && p.cmdline
            .iter()
            .skip(1)
            .any(|a| a == "serve" || a == "master")
}

/// A process's part in the master/worker model.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Role {
    /// A server process whose parent is not one.
    Master,
    /// A server process forked from a server running the same executable.
    Worker,
    /// Anything else: a child that `exec`ed another program, a new master
    /// started by a binary upgrade, any process that is not a server.
    Other,
}

impl Role {
    /// `master`, `worker` or `other`.
    pub fn name(self) -> &'static str {
        match self {
            Role::Master => "master",
            Role::Worker => "worker",
            Role::Other => "other",
        }
    }
}

/// The role of `p`, whose parent is `parent` (if it could be read).
///
/// A worker is forked, not `exec`ed: it runs its parent's executable, so
/// the two `/proc/PID/exe` links read the same (both ending in
/// `(deleted)` after an upgrade). A new master started by the old one for
/// an upgrade `exec`s the new binary: a different link.
pub fn role(p: &ProcInfo, parent: Option<&ProcInfo>) -> Role {
    if !is_server(p) {
        return Role::Other;
    }
    match parent.filter(|q| is_server(q)) {
        None => Role::Master,
        Some(q) => match (&p.exe, &q.exe) {
            (Some(a), Some(b)) if a != b => Role::Other,
            _ => Role::Worker,
        },
    }
}

/// One line of the listing: a process, its role, and where it sits in the
/// tree.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Entry {
    /// The process.
    pub info: ProcInfo,
    /// Its role.
    pub role: Role,
    /// 0 for a root of the listing, 1 for its children, and so on.
    pub depth: usize,
    /// Its children's pids, in increasing order.
    pub children: Vec<i32>,
}

/// The default roots: every server process whose parent is not a server
/// (the masters), in pid order.
pub fn masters(procs: &BTreeMap<i32, ProcInfo>) -> Vec<i32> {
    procs
        .values()
        .filter(|p| is_server(p) && !procs.get(&p.ppid).is_some_and(is_server))
        .map(|p| p.pid)
        .collect()
}

/// The processes under `roots`, each followed by its descendants
/// (children in pid order, depth-first): the order `proclab ps` prints
/// them in. A pid that is not in `procs` is skipped; a process is listed
/// once even if several roots reach it.
pub fn tree(procs: &BTreeMap<i32, ProcInfo>, roots: &[i32]) -> Vec<Entry> {
    let mut children: BTreeMap<i32, Vec<i32>> = BTreeMap::new();
    for p in procs.values() {
        // The kernel's idle task (pid 0) parents pids 1 and 2; no loops.
        if p.ppid != p.pid {
            children.entry(p.ppid).or_default().push(p.pid);
        }
    }
    let mut listed = BTreeSet::new();
    let mut entries = Vec::new();
    for &root in roots {
        let mut stack = vec![(root, 0)];
        while let Some((pid, depth)) = stack.pop() {
            let Some(info) = procs.get(&pid) else {
                continue;
            };
            if !listed.insert(pid) {
                continue;
            }
            let kids = children.get(&pid).cloned().unwrap_or_default();
            stack.extend(kids.iter().rev().map(|&k| (k, depth + 1)));
            entries.push(Entry {
                info: info.clone(),
                role: role(info, procs.get(&info.ppid)),
                depth,
                children: kids,
            });
        }
    }
    entries
}

/// The clock that turns `stat`'s tick counts into seconds and wall-clock
/// times.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Clock {
    /// Clock ticks per second (`sysconf(_SC_CLK_TCK)`).
    pub ticks_per_second: u64,
    /// When the system booted, in seconds since the epoch (`btime`).
    pub boot_time: u64,
}

impl Clock {
    /// This system's clock: the tick rate from `sysconf`, the boot time
    /// from `/proc/stat`.
    pub fn system() -> io::Result<Clock> {
        // SAFETY: sysconf reads a configuration value; it takes no
        // pointers and has no preconditions.
        let ticks = unsafe { nix::libc::sysconf(nix::libc::_SC_CLK_TCK) };
        let ticks_per_second = u64::try_from(ticks)
            .ok()
            .filter(|&t| t > 0)
            .ok_or_else(|| io::Error::other("sysconf(_SC_CLK_TCK) failed"))?;
        let boot_time = parse_btime(&fs::read_to_string("/proc/stat")?)
            .ok_or_else(|| io::Error::other("/proc/stat has no btime line"))?;
        Ok(Clock {
            ticks_per_second,
            boot_time,
        })
    }

    /// Ticks as seconds.
    pub fn seconds(&self, ticks: u64) -> f64 {
        ticks as f64 / self.ticks_per_second as f64
    }

    /// A `starttime` (ticks since boot) as seconds since the epoch.
    pub fn start_time(&self, start_ticks: u64) -> f64 {
        self.boot_time as f64 + self.seconds(start_ticks)
    }
}

/// CPU time as `M:SS.cc` (minutes, seconds, hundredths), as `ps` and
/// `time` show it.
pub fn format_cpu(ticks: u64, ticks_per_second: u64) -> String {
    let hundredths = ticks * 100 / ticks_per_second.max(1);
    format!(
        "{}:{:02}.{:02}",
        hundredths / 6000,
        hundredths / 100 % 60,
        hundredths % 100
    )
}

/// A broken-down calendar time.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct CivilTime {
    /// The year, e.g. 2024.
    pub year: i64,
    /// 1 to 12.
    pub month: u32,
    /// 1 to 31.
    pub day: u32,
    /// 0 to 23.
    pub hour: u32,
    /// 0 to 59.
    pub minute: u32,
    /// 0 to 60.
    pub second: u32,
}

impl CivilTime {
    /// Seconds since the epoch in UTC (days to civil date by Howard
    /// Hinnant's algorithm).
    pub fn utc(epoch: i64) -> CivilTime {
        let days = epoch.div_euclid(86_400);
        let secs = epoch.rem_euclid(86_400);
        let z = days + 719_468;
        let era = z.div_euclid(146_097);
        let doe = z.rem_euclid(146_097);
        let yoe = (doe - doe / 1460 + doe / 36_524 - doe / 146_096) / 365;
        let doy = doe - (365 * yoe + yoe / 4 - yoe / 100);
        let mp = (5 * doy + 2) / 153;
        let day = (doy - (153 * mp + 2) / 5 + 1) as u32;
        let month = if mp < 10 { mp + 3 } else { mp - 9 } as u32;
        let year = yoe + era * 400 + i64::from(month <= 2);
        CivilTime {
            year,
            month,
            day,
            hour: (secs / 3600) as u32,
            minute: (secs / 60 % 60) as u32,
            second: (secs % 60) as u32,
        }
    }

    /// Seconds since the epoch in the local time zone (`localtime_r`), or
    /// in UTC if that fails.
    pub fn local(epoch: i64) -> CivilTime {
        // time_t is 64 bits wherever this course runs.
        let t = epoch as nix::libc::time_t;
        // SAFETY: `tm` is a C struct of integers and one pointer
        // (`tm_zone`), for all of which all-zero bytes are a valid value.
        let mut tm: nix::libc::tm = unsafe { std::mem::zeroed() };
        // SAFETY: both pointers are to live locals, `&mut tm` exclusive;
        // localtime_r reads `t`, writes only `tm` and, unlike localtime,
        // shares no static buffer with other threads.
        let result = unsafe { nix::libc::localtime_r(&t, &mut tm) };
        if result.is_null() {
            return CivilTime::utc(epoch);
        }
        CivilTime {
            year: i64::from(tm.tm_year) + 1900,
            month: (tm.tm_mon + 1) as u32,
            day: tm.tm_mday as u32,
            hour: tm.tm_hour as u32,
            minute: tm.tm_min as u32,
            second: tm.tm_sec as u32,
        }
    }
}

/// A start time as `HH:MM:SS` if it is on the same day as `now`, else as
/// `YYYY-MM-DDTHH:MM` (one word, so that the columns split on spaces).
pub fn format_start(start: CivilTime, now: CivilTime) -> String {
    if (start.year, start.month, start.day) == (now.year, now.month, now.day) {
        format!("{:02}:{:02}:{:02}", start.hour, start.minute, start.second)
    } else {
        format!(
            "{:04}-{:02}-{:02}T{:02}:{:02}",
            start.year, start.month, start.day, start.hour, start.minute
        )
    }
}

/// The seconds since the epoch, now.
fn now_epoch() -> i64 {
    SystemTime::now()
        .duration_since(UNIX_EPOCH)
        .map(|d| d.as_secs() as i64)
        .unwrap_or(0)
}

/// The `EXE` column: `deleted`, `-`, or `?` when unreadable.
fn exe_column(p: &ProcInfo) -> &'static str {
    match &p.exe {
        None => "?",
        Some(_) if p.exe_deleted() => "deleted",
        Some(_) => "-",
    }
}

/// The table `proclab ps` prints: a header, one line per entry (commands
/// indented by depth, `ps f` style), and a footnote if an executable was
/// deleted. Start times are shown in the local time zone, relative to
/// `now` (seconds since the epoch).
pub fn render_table(entries: &[Entry], clock: &Clock, now: i64) -> String {
    let today = CivilTime::local(now);
    let rows: Vec<[String; 8]> = entries
        .iter()
        .map(|e| {
            let p = &e.info;
            let start = clock.start_time(p.start_ticks) as i64;
            let indent = if e.depth == 0 {
                String::new()
            } else {
                format!("{}\\_ ", "   ".repeat(e.depth - 1))
            };
            [
                p.pid.to_string(),
                p.ppid.to_string(),
                p.state.to_string(),
                format_start(CivilTime::local(start), today),
                format_cpu(p.cpu_ticks, clock.ticks_per_second),
                e.role.name().to_string(),
                exe_column(p).to_string(),
                indent + &p.command(),
            ]
        })
        .collect();
    let header = [
        "PID", "PPID", "S", "START", "TIME", "ROLE", "EXE", "COMMAND",
    ];
    let mut widths = header.map(str::len);
    for row in &rows {
        for (w, cell) in widths.iter_mut().zip(row) {
            *w = (*w).max(cell.chars().count());
        }
    }
    let mut out = String::new();
    let mut line = |cells: [&str; 8]| {
        let mut text = format!(
            "{:>w0$} {:>w1$} ",
            cells[0],
            cells[1],
            w0 = widths[0],
            w1 = widths[1]
        );
        for (cell, w) in cells[2..7].iter().zip(&widths[2..7]) {
            let _ = write!(text, "{cell:<w$} ");
        }
        text.push_str(cells[7]);
        out.push_str(text.trim_end());
        out.push('\n');
    };
    line(header);
    for row in &rows {
        line(row.each_ref().map(String::as_str));
    }
    if entries.iter().any(|e| e.info.exe_deleted()) {
        out.push_str(
            "\ndeleted: /proc/PID/exe ends in \" (deleted)\": the executable was removed or \
             replaced on disk after the process started it (as after an in-place binary \
             upgrade); the process still runs the old code.\n",
        );
    }
    out
}

/// A JSON string literal.
fn json_string(s: &str) -> String {
    let mut out = String::with_capacity(s.len() + 2);
    out.push('"');
    for c in s.chars() {
        match c {
            '"' => out.push_str("\\\""),
            '\\' => out.push_str("\\\\"),
            '\n' => out.push_str("\\n"),
            '\t' => out.push_str("\\t"),
            '\r' => out.push_str("\\r"),
            c if (c as u32) < 0x20 => {
                let _ = write!(out, "\\u{:04x}", c as u32);
            }
            c => out.push(c),
        }
    }
    out.push('"');
    out
}

/// The listing as a JSON array, one object per line: `pid`, `ppid`,
/// `state` (the letter), `role`, `comm`, `start_time` (seconds since the
/// epoch, to the clock tick), `cpu_seconds`, `exe` (the link target, or
/// `null` when unreadable), `exe_deleted`, `cmdline` (the arguments joined
/// with spaces), `argv` (the arguments), `depth` and `children` (pids).
pub fn render_json(entries: &[Entry], clock: &Clock) -> String {
    let objects: Vec<String> = entries
        .iter()
        .map(|e| {
            let p = &e.info;
            let argv: Vec<String> = p.cmdline.iter().map(|a| json_string(a)).collect();
            let children: Vec<String> = e.children.iter().map(i32::to_string).collect();
            format!(
                "{{\"pid\": {}, \"ppid\": {}, \"state\": {}, \"role\": {}, \"comm\": {}, \
                 \"start_time\": {:.2}, \"cpu_seconds\": {:.2}, \"exe\": {}, \
                 \"exe_deleted\": {}, \"cmdline\": {}, \"argv\": [{}], \"depth\": {}, \
                 \"children\": [{}]}}",
                p.pid,
                p.ppid,
                json_string(&p.state.to_string()),
                json_string(e.role.name()),
                json_string(&p.comm),
                clock.start_time(p.start_ticks),
                clock.seconds(p.cpu_ticks),
                p.exe.as_deref().map_or("null".to_string(), json_string),
                p.exe_deleted(),
                json_string(&p.cmdline.join(" ")),
                argv.join(", "),
                e.depth,
                children.join(", "),
            )
        })
        .collect();
    if objects.is_empty() {
        "[]\n".to_string()
    } else {
        format!("[\n  {}\n]\n", objects.join(",\n  "))
    }
}

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
