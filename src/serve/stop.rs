//! Graceful stop on SIGINT and SIGTERM, the classic way: the signal
//! handler does only async-signal-safe things — it sets a flag and writes
//! a byte to a self-pipe — and the server's loop, which polls the pipe
//! beside its listening socket, does the work of stopping. SIGCHLD can be
//! watched the same way, for the servers that fork.

use nix::sys::signal::{sigaction, SaFlags, SigAction, SigHandler, SigSet, Signal};
use std::io;
use std::os::fd::{AsFd, AsRawFd, BorrowedFd, OwnedFd};
use std::sync::atomic::{AtomicBool, AtomicI32, Ordering::SeqCst};

/// Set by the handler. SeqCst: read by the loop after poll says the pipe
/// is readable, and signal handlers are not the place to be clever.
static STOP: AtomicBool = AtomicBool::new(false);
/// Set by the SIGCHLD handler (when watched): some child changed state.
static CHILD: AtomicBool = AtomicBool::new(false);
/// The write end of the self-pipe, for the handler (-1: none yet).
static PIPE: AtomicI32 = AtomicI32::new(-1);

extern "C" fn on_stop_signal(_: nix::libc::c_int) {
    STOP.store(true, SeqCst);
    poke_pipe();
}

extern "C" fn on_child_signal(_: nix::libc::c_int) {
    CHILD.store(true, SeqCst);
    poke_pipe();
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
        PIPE.store(write.as_raw_fd(), SeqCst);
        let action = SigAction::new(
            SigHandler::Handler(on_stop_signal),
            SaFlags::SA_RESTART,
            SigSet::empty(),
        );
        for signal in [Signal::SIGINT, Signal::SIGTERM] {
            // SAFETY: the handler only stores to atomics and calls write(2),
            // both async-signal-safe.
            unsafe { sigaction(signal, &action) }?;
        }
        Ok(StopSignal { read, write })
    }

    /// Also watch SIGCHLD: [`StopSignal::children_changed`] then reports
    /// that some child exited (reap them all: signals of the same kind
    /// merge, one SIGCHLD can stand for many children).
    pub fn watch_children(&self) -> io::Result<()> {
        let action = SigAction::new(
            SigHandler::Handler(on_child_signal),
            SaFlags::SA_RESTART | SaFlags::SA_NOCLDSTOP,
            SigSet::empty(),
        );
        // SAFETY: the handler only stores to atomics and calls write(2).
        unsafe { sigaction(Signal::SIGCHLD, &action) }?;
        Ok(())
    }

    /// Did a SIGCHLD arrive since the last call? (Clears the flag.)
    pub fn children_changed(&self) -> bool {
        CHILD.swap(false, SeqCst)
    }

    /// Empty the self-pipe (after poll said it is readable).
    pub fn drain(&self) {
        let mut buf = [0u8; 64];
        while matches!(nix::unistd::read(&self.read, &mut buf), Ok(n) if n > 0) {}
    }

    /// In a freshly forked child: the default dispositions for SIGINT,
    /// SIGTERM and SIGCHLD again (a child serving one connection should
    /// die of SIGTERM, not set the parent's flags).
    pub fn reset_in_child(&self) -> io::Result<()> {
        let default = SigAction::new(SigHandler::SigDfl, SaFlags::empty(), SigSet::empty());
        for signal in [Signal::SIGINT, Signal::SIGTERM, Signal::SIGCHLD] {
            // SAFETY: installing SIG_DFL runs no code of ours.
            unsafe { sigaction(signal, &default) }?;
        }
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

    /// The signals this module handles, for blocking them around `fork`.
    pub fn handled() -> SigSet {
        let mut set = SigSet::empty();
        for s in [Signal::SIGINT, Signal::SIGTERM, Signal::SIGCHLD] {
            set.add(s);
        }
        set
    }

    /// Has a stop been requested?
    pub fn requested(&self) -> bool {
        STOP.load(SeqCst)
    }

    /// Request a stop from inside the program (as the signal would).
    pub fn request(&self) {
        on_stop_signal(0);
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
