//! `--daemon`: detach from the terminal the classic way (Stevens, APUE
//! ch. 13), once the listening sockets are bound — so that an address in
//! use is still reported to whoever started the master.
//!
//! 1. fork; the original process waits to hear the daemon's pid through a
//!    pipe, prints it, and exits — the shell gets its prompt back and an
//!    exit status that means something;
//! 2. the child calls `setsid`: a new session, no controlling terminal;
//! 3. it forks again and exits: the grandchild is not a session leader, so
//!    opening a terminal can never make it one's controlling process;
//! 4. the grandchild — the daemon — points stdin, stdout and stderr at
//!    `/dev/null`, reports its pid through the pipe, and goes on to be the
//!    master. Its log file is where it speaks from now on.

use nix::sys::wait::waitpid;
use nix::unistd::{fork, pipe, setsid, ForkResult};
use std::io::{Read, Write};
use std::os::fd::AsRawFd;

/// In the process that becomes the daemon: `Ok(())`. The original process
/// never returns from here: it prints `master PID listening on ADDRS
/// (daemon)` and exits (status 0 once the daemon reported in, 1 if it did
/// not). Call it while the process has a single thread.
pub fn detach(addrs: &str) -> Result<(), String> {
    let (read, write) = pipe().map_err(|e| format!("daemon: pipe: {e}"))?;
    // SAFETY: called before any thread is started (see above).
    match unsafe { fork() }.map_err(|e| format!("daemon: fork: {e}"))? {
        ForkResult::Parent { child } => {
            drop(write);
            let mut pid = String::new();
            let _ = std::fs::File::from(read).read_to_string(&mut pid);
            // The session leader in between exits at once: reap it.
            let _ = waitpid(child, None);
            let code = if pid.trim().is_empty() {
                eprintln!("proclab master: the daemon did not start (see its log)");
                1
            } else {
                println!("master {} listening on {addrs} (daemon)", pid.trim());
                0
            };
            std::process::exit(code)
        }
        ForkResult::Child => {}
    }
    drop(read);
    setsid().map_err(|e| format!("daemon: setsid: {e}"))?;
    // SAFETY: still a single thread.
    let second = unsafe { fork() }.map_err(|e| format!("daemon: fork: {e}"))?;
    if let ForkResult::Parent { .. } = second {
        // SAFETY: the session leader leaves without running destructors or
        // flushing anything twice.
        unsafe { nix::libc::_exit(0) }
    }
    let null = std::fs::OpenOptions::new()
        .read(true)
        .write(true)
        .open("/dev/null")
        .map_err(|e| format!("daemon: /dev/null: {e}"))?;
    for fd in 0..3 {
        // SAFETY: dup2 onto the standard descriptors; `null` stays open
        // until the end of this function.
        if unsafe { nix::libc::dup2(null.as_raw_fd(), fd) } == -1 {
            return Err(format!("daemon: dup2: {}", std::io::Error::last_os_error()));
        }
    }
    let mut write = std::fs::File::from(write);
    let _ = write!(write, "{}", std::process::id());
    Ok(())
}
