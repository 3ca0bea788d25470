// EXERCISE `fork_server_reaping`: generated from solutions/fork_server_reaping.rs by `cargo xtask exercises`.
// Replace each `todo!()` with your code, then run `cargo xtask grade fork_server_reaping`.
// Everything outside the `todo!()`s is given: read it, it is part of the lesson.

//! Fork per connection, as the classic recipe goes (Stevens, *Unix Network
//! Programming*, ch. 5):
//!
//! 1. The parent accepts; it blocks SIGINT, SIGTERM and SIGCHLD around
//!    `fork`, so that no handler runs in the child before it has reset
//!    them.
//! 2. The child resets those signals to their defaults, unblocks them,
//!    closes the *listening* socket and the parent's self-pipe, serves the
//!    connection and `_exit`s — its status says whether serving went well.
//! 3. The parent closes the *connected* socket (or the connection would
//!    stay open until the parent exits) and goes back to `accept`.
//! 4. SIGCHLD only sets a flag and pokes the self-pipe; the main loop then
//!    calls `waitpid(-1, WNOHANG)` until nothing is left, because one
//!    SIGCHLD may stand for many exited children. No zombie survives.
//! 5. On SIGINT/SIGTERM the parent stops accepting and closes the
//!    listening socket — from then on the port refuses connections, unless
//!    a child kept a copy of it — waits for every child (each bounded by
//!    the idle timeout) and exits.
//!
//! The exercise `fork_server_reaping` is steps 2 to 4: what the child sets
//! up, which descriptor each side closes, and the reaping loop.
//!
//! `fork` is only safe here because the process has one thread: run it
//! from `proclab serve --model fork`, never from a threaded program.

use crate::serve::handler::Handler;
use crate::serve::models::{accept_loop_with, serve_one, Stats};
use crate::serve::stop::StopSignal;
use nix::errno::Errno;
use nix::sys::signal::{sigprocmask, SigSet, SigmaskHow};
use nix::sys::wait::{waitpid, WaitPidFlag, WaitStatus};
use nix::unistd::{fork, ForkResult, Pid};
use std::cell::Cell;
use std::io;
use std::net::TcpListener;
use std::os::fd::AsRawFd;
use std::sync::atomic::Ordering::Relaxed;

/// Serve each connection in a child process of its own, until a stop is
/// requested; then close `listener` and wait for every child.
pub fn fork_per_connection(
    listener: TcpListener,
    handler: &dyn Handler,
    stop: &StopSignal,
    stats: &Stats,
) -> io::Result<()> {
    stop.watch_children()?;
    let live = Cell::new(0usize);
    let reap = |block: bool| reap_children(&live, stats, block);
    let result = accept_loop_with(
        &listener,
        stop,
        stats,
        |stream| {
            let mut old = SigSet::empty();
            if sigprocmask(
                SigmaskHow::SIG_BLOCK,
                Some(&StopSignal::handled()),
                Some(&mut old),
            )
            .is_err()
            {
                stats.failed.fetch_add(1, Relaxed);
                return;
            }
            // SAFETY: this process has a single thread (the fork model runs
            // nothing else), so the child may do anything the parent could.
            match unsafe { fork() } {
                Ok(ForkResult::Child) => {
                    let code = match child_setup(&listener, stop, &old) {
                        Ok(()) => {
                            let child_stats = Stats::default();
                            serve_one(handler, stream, &child_stats);
                            i32::from(child_stats.failed.load(Relaxed) > 0)
                        }
                        Err(_) => 2,
                    };
                    // SAFETY: _exit ends the child without running the
                    // parent's atexit handlers or flushing its stdio buffers
                    // a second time.
                    unsafe { nix::libc::_exit(code) }
                }
                Ok(ForkResult::Parent { .. }) => {
                    live.set(live.get() + 1);
                    todo!("the child has its own copy of the connection now; close the parent's (drop it), or the client never sees the connection end")
                }
                Err(_) => {
                    // No process to be had (EAGAIN): the connection closes.
                    stats.failed.fetch_add(1, Relaxed);
                    drop(stream);
                }
            }
            let _ = sigprocmask(SigmaskHow::SIG_SETMASK, Some(&old), None);
        },
        || {
            if stop.children_changed() {
                reap(false);
            }
        },
    );
    // Graceful stop: no new connections (the port now refuses them), and
    // every child finishes its connection and is reaped.
    drop(listener);
    while live.get() > 0 {
        reap(true);
    }
    result
}

/// In the child, before it serves: the signal dispositions back to their
/// defaults and the parent's signal mask (`mask`) back, so that SIGTERM
/// ends the child; and the descriptors only the parent needs closed — the
/// listening socket and the parent's self-pipe.
fn child_setup(listener: &TcpListener, stop: &StopSignal, mask: &SigSet) -> io::Result<()> {
    todo!("stop.reset_in_child() (default dispositions), then sigprocmask(SIG_SETMASK, Some(mask), None); then stop.close_in_child() and close the listener's raw fd with libc::close (the child `_exit`s, so nothing closes it twice)");
    Ok(())
}

/// `waitpid(-1, WNOHANG)` until no exited child is left (`block`: wait
/// for one first), calling `exited` with each reaped child's pid and exit
/// code (`None`: a signal killed it). One SIGCHLD may stand for many
/// children, hence the loop. Shared by every server that forks.
pub fn reap_exited(block: bool, mut exited: impl FnMut(Pid, Option<i32>)) {
    todo!("loop on waitpid(None, flags): Exited(pid, code) → exited(pid, Some(code)); Signaled → exited(pid, None); StillAlive or ECHILD → return; EINTR or other statuses → wait again. After the first reap, always WNOHANG")
}

/// Reap the connection children that exited, counting each one's result.
fn reap_children(live: &Cell<usize>, stats: &Stats, block: bool) {
    reap_exited(block, |_, code| {
        live.set(live.get().saturating_sub(1));
        if code == Some(0) {
            stats.served.fetch_add(1, Relaxed);
        } else {
            stats.failed.fetch_add(1, Relaxed);
        }
    });
}
