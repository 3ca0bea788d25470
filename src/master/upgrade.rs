//! The binary upgrade (SIGUSR2), as nginx does it: the running master
//! starts the binary now on disk as a new master, handing it the
//! listening sockets, so the port never closes.
//!
//! 1. The old master renames its pid file to `<pid file>.oldbin`, clears
//!    close-on-exec on its listening sockets and runs the binary it was
//!    started from (its path, which now holds the new version) with the
//!    same configuration, naming the inherited descriptors in the
//!    environment: `PROCLAB_LISTENERS=127.0.0.1:8080=5;[::1]:8080=6`.
//! 2. The new master takes those sockets instead of binding (it could not
//!    bind: the old one still holds the port), writes its pid file and
//!    starts its workers. Old and new workers now accept side by side.
//! 3. The administrator stops the old workers (WINCH to the old master),
//!    checks the new ones, and QUITs the old master. To go back instead:
//!    HUP the old master (it starts workers again) and QUIT the new one.
//! 4. If the new master dies, the old one — its parent — reaps it, renames
//!    `.oldbin` back and carries on: the rollback.

use std::net::TcpListener;
use std::os::fd::{FromRawFd, RawFd};
use std::path::{Path, PathBuf};
use std::process::Command;

/// The environment variable naming the inherited listening sockets.
pub const LISTENERS_ENV: &str = "PROCLAB_LISTENERS";

/// The listening sockets a new master inherited from the old one
/// (address as the configuration wrote it → socket), and nothing if it
/// was started normally. The variable is removed, so that the next
/// upgrade does not see it.
pub fn inherited() -> Result<Vec<(String, TcpListener)>, String> {
    let Some(value) = std::env::var_os(LISTENERS_ENV) else {
        return Ok(Vec::new());
    };
    std::env::remove_var(LISTENERS_ENV);
    let value = value
        .into_string()
        .map_err(|_| format!("{LISTENERS_ENV}: not UTF-8"))?;
    let mut sockets = Vec::new();
    for item in value.split(';').filter(|i| !i.is_empty()) {
        let (addr, fd) = item
            .rsplit_once('=')
            .ok_or_else(|| format!("{LISTENERS_ENV}: `{item}` is not ADDR=FD"))?;
        let fd: RawFd = fd
            .parse()
            .map_err(|_| format!("{LISTENERS_ENV}: `{fd}` is not a descriptor number"))?;
        // SAFETY: fcntl(F_GETFD) on any number only asks whether it is an
        // open descriptor.
        if fd < 3 || unsafe { nix::libc::fcntl(fd, nix::libc::F_GETFD) } == -1 {
            return Err(format!("{LISTENERS_ENV}: descriptor {fd} is not open"));
        }
        // SAFETY: the descriptor is open (checked above) and was handed to
        // this process by the old master for exactly this: nothing else in
        // this process uses it.
        let listener = unsafe { TcpListener::from_raw_fd(fd) };
        listener
            .local_addr()
            .map_err(|e| format!("{LISTENERS_ENV}: descriptor {fd} is not a socket: {e}"))?;
        // Close-on-exec again (it was cleared for the exec), non-blocking
        // as the master's own sockets are.
        nix::fcntl::fcntl(
            &listener,
            nix::fcntl::FcntlArg::F_SETFD(nix::fcntl::FdFlag::FD_CLOEXEC),
        )
        .map_err(|e| format!("{LISTENERS_ENV}: {e}"))?;
        listener
            .set_nonblocking(true)
            .map_err(|e| format!("{LISTENERS_ENV}: {e}"))?;
        sockets.push((addr.to_string(), listener));
    }
    Ok(sockets)
}

/// An upgrade in progress, seen from the old master.
#[derive(Debug)]
pub struct Upgrade {
    /// The configured pid file.
    pid_file: Option<PathBuf>,
    /// The new master, while it runs.
    pub new_master: Option<i32>,
}

impl Upgrade {
    /// No upgrade yet; `pid_file` is the configured one.
    pub fn new(pid_file: Option<PathBuf>) -> Upgrade {
        Upgrade {
            pid_file,
            new_master: None,
        }
    }

    /// The pid file that is this master's: the configured one, or its
    /// `.oldbin` while a new master runs.
    pub fn own_pid_file(&self) -> Option<PathBuf> {
        let file = self.pid_file.as_ref()?;
        Some(if self.new_master.is_some() {
            oldbin(file)
        } else {
            file.clone()
        })
    }

    /// Start `exe master --config config` as the new master, handing it
    /// `listeners` (address, descriptor). Its pid.
    pub fn start(
        &mut self,
        exe: &Path,
        config: &Path,
        listeners: &[(String, RawFd)],
    ) -> Result<i32, String> {
        if let Some(pid) = self.new_master {
            return Err(format!("an upgrade is already running (new master {pid})"));
        }
        let named: Vec<String> = listeners
            .iter()
            .map(|(a, fd)| format!("{a}={fd}"))
            .collect();
        let fds: Vec<RawFd> = listeners.iter().map(|(_, fd)| *fd).collect();
        let mut command = Command::new(exe);
        command
            .arg("master")
            .arg("--config")
            .arg(config)
            .env(LISTENERS_ENV, named.join(";"));
        // SAFETY: runs in the child between fork and exec, and only calls
        // fcntl(2), which is async-signal-safe; `fds` is only read.
        unsafe {
            std::os::unix::process::CommandExt::pre_exec(&mut command, move || {
                for &fd in &fds {
                    if nix::libc::fcntl(fd, nix::libc::F_SETFD, 0) == -1 {
                        return Err(std::io::Error::last_os_error());
                    }
                }
                Ok(())
            });
        }
        if let Some(file) = &self.pid_file {
            std::fs::rename(file, oldbin(file))
                .map_err(|e| format!("renaming {} to .oldbin: {e}", file.display()))?;
        }
        match command.spawn() {
            Ok(child) => {
                // Reaped by the master's own waitpid loop, like a worker.
                let pid = child.id() as i32;
                self.new_master = Some(pid);
                Ok(pid)
            }
            Err(e) => {
                self.roll_back();
                Err(format!("starting {}: {e}", exe.display()))
            }
        }
    }

    /// The new master `pid` exited: if it was ours, take the pid file back
    /// (rollback) and say so.
    pub fn reaped(&mut self, pid: i32) -> bool {
        if self.new_master != Some(pid) {
            return false;
        }
        self.roll_back();
        true
    }

    fn roll_back(&mut self) {
        self.new_master = None;
        if let Some(file) = &self.pid_file {
            let _ = std::fs::rename(oldbin(file), file);
        }
    }
}

/// `<file>.oldbin`.
fn oldbin(file: &Path) -> PathBuf {
    let mut name = file.as_os_str().to_owned();
    name.push(".oldbin");
    PathBuf::from(name)
}
