//! Graceful stop on SIGINT and SIGTERM, the classic way: the signal
//! handler does only async-signal-safe things — it sets a flag and writes
//! a byte to a self-pipe — and the server's loop, which polls the pipe
//! beside its listening socket, does the work of stopping.

use nix::sys::signal::{sigaction, SaFlags, SigAction, SigHandler, SigSet, Signal};
use std::io;
use std::os::fd::{AsFd, AsRawFd, BorrowedFd, OwnedFd};
use std::sync::atomic::{AtomicBool, AtomicI32, Ordering::SeqCst};

/// Set by the handler. SeqCst: read by the loop after poll says the pipe
/// is readable, and signal handlers are not the place to be clever.
static STOP: AtomicBool = AtomicBool::new(false);
/// The write end of the self-pipe, for the handler (-1: none yet).
static PIPE: AtomicI32 = AtomicI32::new(-1);

extern "C" fn on_stop_signal(_: nix::libc::c_int) {
    STOP.store(true, SeqCst);
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
