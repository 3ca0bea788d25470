//! Running a binary that holds student code: every such process — a test,
//! and the `--list` that names the tests — runs here, never outside.
//!
//! A sandboxed run gets
//! * a clean environment ([`clean_env`]): nothing that changes what is
//!   checked (`LOOM_*`, `SHUTTLE_*`, `PROCLAB_*`, `RUST*`) reaches it;
//! * its own process group, a wall-clock limit, CPU-time, file-size and
//!   core limits, and, when the grader is root and caps processes, a fresh
//!   unprivileged uid;
//! * an end: its group is killed, then every process it left behind — the
//!   grader is a child subreaper, so a double-forked daemon comes back to
//!   it as an orphan — is killed and reaped;
//! * for a test, a verdict file in a fresh directory with an unguessable
//!   name, written by libtest itself (`--logfile`): a pass is that file
//!   saying `ok <test>`, never anything the process printed or its exit
//!   status alone.

use std::collections::BTreeSet;
use std::io::Read;
use std::os::unix::process::CommandExt;
use std::path::{Path, PathBuf};
use std::process::{Command, ExitStatus, Stdio};
use std::sync::atomic::{AtomicU32, Ordering};
use std::sync::Mutex;
use std::time::{Duration, Instant};

/// Output kept per run; the rest is read and thrown away.
pub const OUTPUT_CAP: usize = 64 * 1024;

/// Variables a build or a test may see; every other one is dropped.
const KEPT_ENV: &[&str] = &[
    "PATH",
    "HOME",
    "USER",
    "LANG",
    "LC_ALL",
    "TMPDIR",
    "CARGO_HOME",
    "RUSTUP_HOME",
    "RUSTUP_TOOLCHAIN",
];

/// Start `cmd` from an empty environment plus [`KEPT_ENV`]: a `LOOM_MAX_DURATION`
/// that ends loom's search early, a `PROCLAB_REPLAY` that replays one
/// passing schedule, a `RUSTFLAGS` with other cfgs — none of them reach a
/// build or a test.
pub fn clean_env(cmd: &mut Command) -> &mut Command {
    cmd.env_clear();
    for key in KEPT_ENV {
        if let Some(value) = std::env::var_os(key) {
            cmd.env(key, value);
        }
    }
    cmd
}

/// Limits and identity of one sandboxed run.
#[derive(Clone, Copy)]
pub struct Limits {
    pub timeout: Duration,
    /// RLIMIT_NPROC, if asked for: a per-user count (threads included), so
    /// it is opt-in.
    pub max_procs: Option<u64>,
}

/// How a sandboxed run ended.
pub struct Finished {
    /// `None`: killed at the wall-clock limit.
    pub status: Option<ExitStatus>,
    pub stdout: String,
    pub stderr: String,
    /// The verdict file's contents, for a run given one.
    pub verdict: Option<String>,
}

/// Make this process a child subreaper: orphans of the processes it starts
/// are re-parented to it, so none can escape the end of its run.
pub fn become_subreaper() {
    // SAFETY: prctl with PR_SET_CHILD_SUBREAPER takes an integer argument
    // and touches no memory of ours.
    unsafe {
        libc::prctl(libc::PR_SET_CHILD_SUBREAPER, 1, 0, 0, 0);
    }
}

/// The children this process started on purpose and still waits for; any
/// other child is an orphan adopted as subreaper. Held while spawning, so
/// an orphan sweep never sees a new child before it is recorded.
static OURS: Mutex<BTreeSet<u32>> = Mutex::new(BTreeSet::new());

/// Record `pid` as a child this process started on purpose (and will wait
/// for): orphan sweeps leave it alone.
pub fn keep_child(pid: u32) {
    OURS.lock().unwrap_or_else(|p| p.into_inner()).insert(pid);
}

/// Forget `pid` (waited for).
pub fn release_child(pid: u32) {
    OURS.lock().unwrap_or_else(|p| p.into_inner()).remove(&pid);
}

/// Run `exe args…` in the sandbox, in `cwd`. With `verdict`, libtest is
/// also given `--logfile` in a fresh directory and its contents returned.
pub fn run(
    exe: &Path,
    args: &[&str],
    cwd: &Path,
    limits: Limits,
    verdict: bool,
) -> Result<Finished, String> {
    // SAFETY: geteuid has no preconditions.
    let root_user = unsafe { libc::geteuid() } == 0;
    let uid = (limits.max_procs.is_some() && root_user).then(next_sandbox_uid);
    let verdict_dir = if verdict {
        Some(VerdictDir::new(uid)?)
    } else {
        None
    };
    let mut cmd = Command::new(exe);
    clean_env(&mut cmd)
        .current_dir(cwd)
        .args(args)
        .env("RUST_BACKTRACE", "0")
        .stdin(Stdio::null())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        // Its own process group, so the end of the run kills whatever it started.
        .process_group(0);
    if let Some(dir) = &verdict_dir {
        cmd.arg("--logfile").arg(dir.file());
    }
    let child_limits = ChildLimits {
        cpu_seconds: limits.timeout.as_secs() + 5,
        max_procs: limits.max_procs,
        uid,
    };
    // SAFETY: the closure runs in the child between fork and exec and only
    // makes async-signal-safe system calls (setrlimit, setgroups, setgid,
    // setuid) on a copied plain-data value.
    unsafe {
        cmd.pre_exec(move || child_limits.apply());
    }
    let mut child = {
        let mut ours = OURS.lock().unwrap_or_else(|p| p.into_inner());
        let child = cmd
            .spawn()
            .map_err(|e| format!("could not start {}: {e}", exe.display()))?;
        ours.insert(child.id());
        child
    };
    let pid = child.id();
    let stdout = child.stdout.take().map(drain);
    let stderr = child.stderr.take().map(drain);
    let started = Instant::now();
    let status = loop {
        match child.try_wait() {
            Ok(Some(status)) => break Some(status),
            Ok(None) if started.elapsed() > limits.timeout => {
                kill_group(pid);
                let _ = child.wait();
                break None;
            }
            Ok(None) => std::thread::sleep(Duration::from_millis(10)),
            Err(_) => break None,
        }
    };
    release_child(pid);
    // What the run started may still hold the pipes open: kill its group,
    // everything left under its uid, and every orphan it left to us.
    kill_group(pid);
    if let Some(uid) = uid {
        kill_user(uid);
    }
    sweep_orphans();
    let join = |h: Option<std::thread::JoinHandle<String>>| {
        h.map(|h| h.join().unwrap_or_default()).unwrap_or_default()
    };
    let (stdout, stderr) = (join(stdout), join(stderr));
    let verdict = verdict_dir.map(|d| d.read());
    Ok(Finished {
        status,
        stdout,
        stderr,
        verdict,
    })
}

/// Kill and reap every child of this process that it did not start on
/// purpose: orphans of sandboxed runs, adopted as their subreaper. Repeats
/// until none is left (a killed orphan's own children come back next).
pub fn sweep_orphans() {
    // SAFETY: getpid has no preconditions.
    let me = unsafe { libc::getpid() } as u32;
    for _ in 0..100 {
        let orphans: Vec<u32> = {
            let ours = OURS.lock().unwrap_or_else(|p| p.into_inner());
            children_of(me)
                .into_iter()
                .filter(|pid| !ours.contains(pid))
                .collect()
        };
        if orphans.is_empty() {
            return;
        }
        for pid in orphans {
            // SAFETY: kill and waitpid on a pid that is our child (so it
            // cannot be recycled before we reap it); no memory is involved.
            unsafe {
                libc::kill(pid as libc::pid_t, libc::SIGKILL);
                libc::waitpid(pid as libc::pid_t, std::ptr::null_mut(), 0);
            }
        }
    }
}

/// Pids whose parent is `parent`, from /proc.
fn children_of(parent: u32) -> Vec<u32> {
    let Ok(dir) = std::fs::read_dir("/proc") else {
        return vec![];
    };
    dir.filter_map(|e| e.ok()?.file_name().to_str()?.parse::<u32>().ok())
        .filter(|pid| {
            std::fs::read_to_string(format!("/proc/{pid}/stat"))
                .ok()
                .and_then(|stat| {
                    // "pid (comm) state ppid …": comm may hold spaces and ')'.
                    let after = &stat[stat.rfind(')')? + 1..];
                    after.split_whitespace().nth(1)?.parse::<u32>().ok()
                })
                == Some(parent)
        })
        .collect()
}

/// A directory only the run (and the grader) can write, with an
/// unguessable name, holding libtest's log of the one test it runs.
struct VerdictDir {
    dir: PathBuf,
}

impl VerdictDir {
    fn new(uid: Option<u32>) -> Result<VerdictDir, String> {
        let dir = std::env::temp_dir().join(format!("proclab-verdict-{}", random_hex()?));
        std::fs::create_dir(&dir).map_err(|e| format!("{}: {e}", dir.display()))?;
        if let Some(uid) = uid {
            std::os::unix::fs::chown(&dir, Some(uid), Some(uid))
                .map_err(|e| format!("{}: {e}", dir.display()))?;
        }
        Ok(VerdictDir { dir })
    }

    fn file(&self) -> PathBuf {
        self.dir.join("verdict")
    }

    fn read(self) -> String {
        let mut text = String::new();
        if let Ok(file) = std::fs::File::open(self.file()) {
            let _ = file.take(OUTPUT_CAP as u64).read_to_string(&mut text);
        }
        text
    }
}

impl Drop for VerdictDir {
    fn drop(&mut self) {
        let _ = std::fs::remove_dir_all(&self.dir);
    }
}

fn random_hex() -> Result<String, String> {
    let mut bytes = [0u8; 16];
    std::fs::File::open("/dev/urandom")
        .and_then(|mut f| f.read_exact(&mut bytes))
        .map_err(|e| format!("/dev/urandom: {e}"))?;
    Ok(bytes.iter().map(|b| format!("{b:02x}")).collect())
}

/// Kill every process running as `uid` (a sandbox uid, see `ChildLimits::uid`).
fn kill_user(uid: u32) {
    let mut cmd = Command::new("/bin/true");
    // SAFETY: between fork and exec only async-signal-safe calls: setgid,
    // setuid, kill, _exit.
    unsafe {
        cmd.pre_exec(move || {
            if libc::setgid(uid) == 0 && libc::setuid(uid) == 0 {
                // As `uid`, -1 reaches exactly uid's processes (not this one).
                libc::kill(-1, libc::SIGKILL);
            }
            libc::_exit(0);
        });
    }
    // Spawned and recorded under the lock, so another run's orphan sweep
    // never takes this helper for an orphan and kills it before it acts.
    let mut child = {
        let mut ours = OURS.lock().unwrap_or_else(|p| p.into_inner());
        let Ok(child) = cmd.spawn() else { return };
        ours.insert(child.id());
        child
    };
    let _ = child.wait();
    release_child(child.id());
}

/// Resource limits for one sandboxed process and everything it starts.
#[derive(Clone, Copy)]
struct ChildLimits {
    /// CPU seconds before SIGXCPU (a busy loop that the wall clock would
    /// also catch, but this holds even when the machine is idle-starved).
    cpu_seconds: u64,
    max_procs: Option<u64>,
    /// Root ignores RLIMIT_NPROC, so a grader running as root runs each
    /// process under a uid of its own, where the cap holds, one run's fork
    /// bomb cannot starve a neighbour's threads, whatever a run leaves
    /// behind can be found and killed, and files only root can read (a
    /// teacher's hidden tests) stay unreadable.
    uid: Option<u32>,
}

/// First of the unprivileged uids sandboxed runs use when the grader is
/// root and caps processes: a fresh one per run, because processes a killed
/// run leaves behind can linger as zombies until reaped, and they count
/// against their uid's RLIMIT_NPROC. Chosen outside the usual ranges of
/// system and login users.
const SANDBOX_UID: u32 = 61_000;
/// How many sandbox uids are used before they are reused.
const SANDBOX_UIDS: u32 = 20_000;

fn next_sandbox_uid() -> u32 {
    static NEXT: AtomicU32 = AtomicU32::new(0);
    // Relaxed: the counter only hands out distinct numbers.
    SANDBOX_UID + NEXT.fetch_add(1, Ordering::Relaxed) % SANDBOX_UIDS
}

impl ChildLimits {
    /// Apply in the child, before exec. Only async-signal-safe calls.
    fn apply(self) -> std::io::Result<()> {
        set(libc::RLIMIT_CPU, self.cpu_seconds, self.cpu_seconds + 5)?;
        // No file over 256 MiB, no core dumps.
        set(libc::RLIMIT_FSIZE, 256 << 20, 256 << 20)?;
        set(libc::RLIMIT_CORE, 0, 0)?;
        if let Some(n) = self.max_procs {
            set(libc::RLIMIT_NPROC, n, n)?;
        }
        if let Some(uid) = self.uid {
            // SAFETY: plain system calls on integers and a null list.
            unsafe {
                if libc::setgroups(0, std::ptr::null()) != 0
                    || libc::setgid(uid) != 0
                    || libc::setuid(uid) != 0
                {
                    return Err(std::io::Error::last_os_error());
                }
            }
        }
        Ok(())
    }
}

fn set(resource: libc::__rlimit_resource_t, soft: u64, hard: u64) -> std::io::Result<()> {
    let limit = libc::rlimit {
        rlim_cur: soft,
        rlim_max: hard,
    };
    // SAFETY: `limit` is a valid rlimit that outlives the call.
    if unsafe { libc::setrlimit(resource, &limit) } == 0 {
        Ok(())
    } else {
        Err(std::io::Error::last_os_error())
    }
}

fn kill_group(pid: u32) {
    // SAFETY: kill(2) with a negative pid signals a process group; no memory
    // is involved. The group id is the child's pid (process_group(0)).
    unsafe {
        libc::kill(-(pid as libc::pid_t), libc::SIGKILL);
    }
}

/// Read a pipe to the end, keeping its first and last `OUTPUT_CAP / 2`
/// bytes: libtest prints the failure report last, after whatever flood of
/// output the test made.
fn drain(mut pipe: impl Read + Send + 'static) -> std::thread::JoinHandle<String> {
    std::thread::spawn(move || {
        let half = OUTPUT_CAP / 2;
        let mut head = Vec::new();
        let mut tail: std::collections::VecDeque<u8> = std::collections::VecDeque::new();
        let mut dropped = 0usize;
        let mut buf = [0u8; 8192];
        while let Ok(n) = pipe.read(&mut buf) {
            if n == 0 {
                break;
            }
            let mut chunk = &buf[..n];
            let room = half.saturating_sub(head.len());
            if room > 0 {
                let take = room.min(chunk.len());
                head.extend_from_slice(&chunk[..take]);
                chunk = &chunk[take..];
            }
            tail.extend(chunk);
            while tail.len() > half {
                tail.pop_front();
                dropped += 1;
            }
        }
        let mut text = String::from_utf8_lossy(&head).into_owned();
        if dropped > 0 {
            text.push_str(&format!("\n[… {dropped} bytes of output dropped …]\n"));
        }
        text.push_str(&String::from_utf8_lossy(tail.make_contiguous()));
        text
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_environment_is_cleared_of_what_changes_a_check() {
        std::env::set_var("LOOM_MAX_DURATION", "1");
        std::env::set_var("PROCLAB_REPLAY", "x");
        let mut cmd = Command::new("/usr/bin/env");
        let out = clean_env(&mut cmd).output().unwrap();
        let text = String::from_utf8_lossy(&out.stdout);
        assert!(!text.contains("LOOM_"), "{text}");
        assert!(!text.contains("PROCLAB_"), "{text}");
        assert!(text.contains("PATH="), "{text}");
    }

    #[test]
    fn a_double_forked_daemon_does_not_outlive_its_run() {
        become_subreaper();
        let limits = Limits {
            timeout: Duration::from_secs(10),
            max_procs: None,
        };
        // The daemon leaves the group (setsid) and its parent exits at once.
        let seconds = 300 + std::process::id() % 1000;
        let marker = format!("sleep {seconds}");
        let script = format!("setsid {marker} </dev/null >/dev/null 2>&1 & exit 0");
        let done = run(
            Path::new("/bin/sh"),
            &["-c", &script],
            Path::new("/"),
            limits,
            false,
        )
        .unwrap();
        assert!(done.status.is_some_and(|s| s.success()));
        let left = Command::new("pgrep")
            .args(["-f", &marker])
            .output()
            .unwrap();
        assert!(left.stdout.is_empty(), "left running: {:?}", left.stdout);
    }
}
