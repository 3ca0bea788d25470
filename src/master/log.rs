//! The master's and workers' log: lines appended to one file (or to
//! stderr), each stamped with the time and the writer's pid, and reopened
//! on request (SIGUSR1, REOPEN) so that a rotated file is let go.

use std::fs::{File, OpenOptions};
use std::io::{self, Write};
use std::path::PathBuf;

/// A log file, by path.
#[derive(Debug)]
pub struct Log {
    path: Option<PathBuf>,
    /// The open file (`None`: stderr).
    file: Option<File>,
}

impl Log {
    /// Append to `path` (`None`: stderr).
    pub fn open(path: Option<PathBuf>) -> io::Result<Log> {
        let file = path.as_ref().map(append).transpose()?;
        Ok(Log { path, file })
    }

    /// Open the path again: after a rotation, the old file is let go and a
    /// new one is created. On failure the old file is kept.
    pub fn reopen(&mut self) -> io::Result<()> {
        if let Some(p) = &self.path {
            self.file = Some(append(p)?);
        }
        Ok(())
    }

    /// In a freshly forked child that opens its own log: close the child's
    /// copy of this one (so that a rotated file is really let go). The
    /// child must not use or drop `self` afterwards (it ends with `_exit`).
    pub fn close_in_child(&self) {
        if let Some(f) = &self.file {
            // SAFETY: closes this process's copy only; the child never
            // touches `self` again, so nothing closes it twice.
            unsafe { nix::libc::close(std::os::fd::AsRawFd::as_raw_fd(f)) };
        }
    }

    /// Write one line: `HH:MM:SS.mmm [pid] text`.
    pub fn line(&mut self, text: &str) {
        let now = std::time::SystemTime::now()
            .duration_since(std::time::UNIX_EPOCH)
            .unwrap_or_default();
        let (secs, ms) = (now.as_secs() % 86_400, now.subsec_millis());
        let stamped = format!(
            "{:02}:{:02}:{:02}.{ms:03} [{}] {text}\n",
            secs / 3600,
            secs / 60 % 60,
            secs % 60,
            std::process::id()
        );
        // A log that cannot be written must not stop the server.
        let _ = match &mut self.file {
            Some(f) => f.write_all(stamped.as_bytes()),
            None => io::stderr().write_all(stamped.as_bytes()),
        };
    }
}

fn append(path: &PathBuf) -> io::Result<File> {
    OpenOptions::new()
        .create(true)
        .append(true)
        .open(path)
        .map_err(|e| io::Error::new(e.kind(), format!("log {}: {e}", path.display())))
}
