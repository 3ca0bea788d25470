//! Reading `/proc`: one process's `stat`, `cmdline` and `exe`, and the
//! boot time; a snapshot of every process.

use std::collections::BTreeMap;
use std::fmt;
use std::fs;
use std::io;
use std::path::Path;

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
