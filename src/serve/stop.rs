//! Graceful stop on SIGINT and SIGTERM, the classic way: the signal
//! handler does only async-signal-safe things — it sets a flag and writes
//! a byte to a self-pipe — and the server's loop, which polls the pipe
//! beside its listening socket, does the work of stopping. SIGCHLD can be
//! watched the same way, for the servers that fork.

use nix::sys::signal::{sigaction, SaFlags, SigAction, SigHandler, SigSet, Signal};
use std::io;
use std::os::fd::{AsFd, AsRawFd, BorrowedFd, OwnedFd};
use std::sync::atomic::{AtomicBool, AtomicI32, AtomicU64, Ordering::SeqCst};

/// Set by the SIGINT/SIGTERM handler. SeqCst: read by the loop after poll
/// says the pipe is readable, and signal handlers are not the place to be
/// clever.
static STOP: AtomicBool = AtomicBool::new(false);
/// Signals received and not yet taken: bit `n` for signal number `n`.
static PENDING: AtomicU64 = AtomicU64::new(0);
/// Signals with our handler installed: bit `n` for signal number `n`.
static CAUGHT: AtomicU64 = AtomicU64::new(0);
/// The write end of the self-pipe, for the handler (-1: none yet).
static PIPE: AtomicI32 = AtomicI32::new(-1);

extern "C" fn on_signal(signal: nix::libc::c_int) {
    if signal == nix::libc::SIGINT || signal == nix::libc::SIGTERM {
        STOP.store(true, SeqCst);
    }
    PENDING.fetch_or(bit(signal), SeqCst);
    poke_pipe();
}

/// The bit of signal number `n` in the masks.
fn bit(n: nix::libc::c_int) -> u64 {
    1u64.checked_shl(n as u32).unwrap_or(0)
}

/// Make the self-pipe readable (from a signal handler: only write(2)).
fn poke_pipe() {
    let fd = PIPE.load(SeqCst);
    if fd >= 0 {
        let byte = 1u8;
        // SAFETY: write(2) is async-signal-safe; the buffer is a local
        // byte; a full pipe (EAGAIN) is fine — one byte is enough.
        unsafe {
            nix::libc::write(fd, (&byte as *const u8).cast(), 1);
        }
    }
}

/// A pipe for waking a poll loop: both ends non-blocking (a full pipe
/// already says "wake up"; an empty one must not block the loop) and
/// close-on-exec.
pub fn wake_pipe() -> io::Result<(OwnedFd, OwnedFd)> {
    let (read, write) = nix::unistd::pipe()?;
    for fd in [&read, &write] {
        nix::fcntl::fcntl(
            fd,
            nix::fcntl::FcntlArg::F_SETFL(nix::fcntl::OFlag::O_NONBLOCK),
        )?;
        nix::fcntl::fcntl(
            fd,
            nix::fcntl::FcntlArg::F_SETFD(nix::fcntl::FdFlag::FD_CLOEXEC),
        )?;
    }
    Ok((read, write))
}

/// Read everything waiting in the read end of a [`wake_pipe`].
pub fn drain(read: &OwnedFd) {
    let mut buf = [0u8; 64];
    while matches!(nix::unistd::read(read, &mut buf), Ok(n) if n > 0) {}
}

/// A stop request, delivered by SIGINT or SIGTERM (or [`StopSignal::request`]).
#[derive(Debug)]
pub struct StopSignal {
    read: OwnedFd,
    /// Kept open for the handler's sake while this value lives.
    write: OwnedFd,
}

impl StopSignal {
    /// Install the handlers for SIGINT and SIGTERM (once per process).
    pub fn install() -> io::Result<StopSignal> {
        let (read, write) = wake_pipe()?;
        PIPE.store(write.as_raw_fd(), SeqCst);
        let stop = StopSignal { read, write };
        stop.catch(&[Signal::SIGINT, Signal::SIGTERM])?;
        Ok(stop)
    }

    /// Catch `signals` too: each arrival is noted (see
    /// [`StopSignal::take`]) and makes the pipe readable. SIGINT and
    /// SIGTERM also request a stop.
    pub fn catch(&self, signals: &[Signal]) -> io::Result<()> {
        for &signal in signals {
            let mut flags = SaFlags::SA_RESTART;
            if signal == Signal::SIGCHLD {
                flags |= SaFlags::SA_NOCLDSTOP;
            }
            let action = SigAction::new(SigHandler::Handler(on_signal), flags, SigSet::empty());
            // SAFETY: the handler only updates atomics and calls write(2),
            // both async-signal-safe.
            unsafe { sigaction(signal, &action) }?;
            CAUGHT.fetch_or(bit(signal as nix::libc::c_int), SeqCst);
        }
        Ok(())
    }

    /// Also watch SIGCHLD: [`StopSignal::children_changed`] then reports
    /// that some child exited (reap them all: signals of the same kind
    /// merge, one SIGCHLD can stand for many children).
    pub fn watch_children(&self) -> io::Result<()> {
        self.catch(&[Signal::SIGCHLD])
    }

    /// Did `signal` arrive since the last time it was taken? (Clears it.)
    pub fn take(&self, signal: Signal) -> bool {
        let b = bit(signal as nix::libc::c_int);
        PENDING.fetch_and(!b, SeqCst) & b != 0
    }

    /// Did a SIGCHLD arrive since the last call? (Clears the flag.)
    pub fn children_changed(&self) -> bool {
        self.take(Signal::SIGCHLD)
    }

    /// Empty the self-pipe (after poll said it is readable).
    pub fn drain(&self) {
        drain(&self.read);
    }

    /// In a freshly forked child: the default disposition again for every
    /// signal caught here (a child serving one connection should die of
    /// SIGTERM, not set the parent's flags), and nothing pending.
    pub fn reset_in_child(&self) -> io::Result<()> {
        let default = SigAction::new(SigHandler::SigDfl, SaFlags::empty(), SigSet::empty());
        for signal in Self::handled().iter() {
            // SAFETY: installing SIG_DFL runs no code of ours.
            unsafe { sigaction(signal, &default) }?;
        }
        CAUGHT.store(0, SeqCst);
        PENDING.store(0, SeqCst);
        STOP.store(false, SeqCst);
        PIPE.store(-1, SeqCst);
        Ok(())
    }

    /// In a freshly forked child that will not use this stop signal: close
    /// the child's copies of the pipe. The child must not drop `self`
    /// afterwards (it ends with `_exit`, which runs no destructors).
    pub fn close_in_child(&self) {
        // SAFETY: closes this process's copies only; see above for why
        // they are not closed a second time.
        unsafe {
            nix::libc::close(self.read.as_raw_fd());
            nix::libc::close(self.write.as_raw_fd());
        }
    }

    /// The signals caught here, for blocking them around `fork`.
    pub fn handled() -> SigSet {
        let caught = CAUGHT.load(SeqCst);
        let mut set = SigSet::empty();
        for signal in Signal::iterator() {
            if caught & bit(signal as nix::libc::c_int) != 0 {
                set.add(signal);
            }
        }
        set
    }

    /// Has a stop been requested?
    pub fn requested(&self) -> bool {
        STOP.load(SeqCst)
    }

    /// Request a stop from inside the program (as the signal would).
    pub fn request(&self) {
        STOP.store(true, SeqCst);
        poke_pipe();
    }

    /// The pipe's read end: readable once a stop was requested.
    pub fn fd(&self) -> BorrowedFd<'_> {
        self.read.as_fd()
    }
}

impl Drop for StopSignal {
    fn drop(&mut self) {
        PIPE.store(-1, SeqCst);
        let _ = &self.write;
    }
}
