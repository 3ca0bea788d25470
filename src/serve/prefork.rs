//! The pre-forked pool: a master forks N worker processes up front, each
//! of which accepts and serves connections itself; the master only
//! supervises (reaps and respawns, stops them on SIGTERM).
//!
//! Who accepts, when N processes could:
//!
//! * **accept mutex** — one listening socket shared by every worker, and
//!   nginx's answer to the thundering herd: a worker may wait for
//!   connections only while it holds a mutex in shared memory (see
//!   [`Shared`]), so one worker at a time is woken per connection. The
//!   mutex stores its holder's pid; when the master reaps a worker that
//!   died holding it, it force-releases it, or every other worker would
//!   wait for it forever.
//! * **`SO_REUSEPORT`** — one listening socket per worker, bound to the
//!   same port; the kernel spreads incoming connections over them, and no
//!   worker ever waits for another.
//!
//! Workers exit when the master dies (`PR_SET_PDEATHSIG`, and a
//! `getppid` check in case the master died before that was set).

use super::fork_server_reaping::reap_exited;
use super::handler::Handler;
use super::listen::ListenConfig;
use super::models::{is_out_of_fds, serve_one, Stats, FD_BACKOFF};
use super::shared::{Shared, MAX_WORKERS};
use super::stop::StopSignal;
use nix::errno::Errno;
use nix::poll::{poll, PollFd, PollFlags};
use nix::sys::signal::{kill, sigprocmask, SigSet, SigmaskHow, Signal};
use nix::unistd::{fork, getpid, getppid, ForkResult, Pid};
use std::io;
use std::net::TcpListener;
use std::os::fd::{AsFd, AsRawFd};
use std::time::Duration;

/// How the workers share the accepting.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Variant {
    /// One listening socket and an accept mutex in shared memory.
    AcceptMutex,
    /// One `SO_REUSEPORT` listening socket per worker.
    ReusePort,
}

/// A worker exits with this when it cannot even start (no respawn: it
/// would fail again at once — nginx's "fatal" exit code).
const FATAL: i32 = 2;

/// The longest a worker sleeps waiting for the accept mutex before it
/// looks again (a release wakes it sooner): bounds how long a stop or a
/// lost wake-up could go unnoticed.
const MUTEX_WAIT: Duration = Duration::from_millis(250);

/// The master's view of the workers and what they served.
#[derive(Debug)]
pub struct Prefork {
    variant: Variant,
    listeners: Vec<TcpListener>,
    shared: Shared,
    /// The pid in each worker slot (`None`: not running).
    slots: Vec<Option<Pid>>,
    /// Workers that died holding the accept mutex, which the master
    /// released.
    pub forced_unlocks: u64,
    /// Workers started again after dying.
    pub respawns: u64,
}

impl Prefork {
    /// Bind the listening socket(s) for `workers` workers.
    pub fn bind(config: &ListenConfig, variant: Variant, workers: usize) -> io::Result<Prefork> {
        if workers == 0 || workers > MAX_WORKERS {
            return Err(io::Error::new(
                io::ErrorKind::InvalidInput,
                format!("--workers {workers}: a pre-forked pool has 1 to {MAX_WORKERS} workers"),
            ));
        }
        let listeners = match variant {
            Variant::AcceptMutex => vec![config.listen()?],
            Variant::ReusePort => {
                let mut config = config.clone();
                config.reuse_port = true;
                let first = config.listen()?;
                // Port 0 picked a port: the others must bind the same one.
                config.addr = first.local_addr()?.to_string();
                let mut all = vec![first];
                for _ in 1..workers {
                    all.push(config.listen()?);
                }
                all
            }
        };
        for l in &listeners {
            // Shared by master and workers (one open file description):
            // workers poll, then accept without blocking.
            l.set_nonblocking(true)?;
        }
        Ok(Prefork {
            variant,
            listeners,
            shared: Shared::new()?,
            slots: vec![None; workers],
            forced_unlocks: 0,
            respawns: 0,
        })
    }

    /// The address the pool listens on.
    pub fn local_addr(&self) -> io::Result<std::net::SocketAddr> {
        self.listeners[0].local_addr()
    }

    /// Connections each worker slot served.
    pub fn served(&self) -> Vec<u64> {
        self.shared.served(self.slots.len())
    }

    /// Fork the workers, supervise them until a stop is requested, then
    /// stop them (SIGTERM: each finishes its connection) and reap them.
    pub fn run(&mut self, handler: &dyn Handler, stop: &StopSignal) -> io::Result<()> {
        stop.watch_children()?;
        for slot in 0..self.slots.len() {
            self.spawn(slot, handler, stop)?;
        }
        while !stop.requested() {
            let mut fds = [PollFd::new(stop.fd(), PollFlags::POLLIN)];
            match poll(&mut fds, 1000u16) {
                Ok(_) | Err(Errno::EINTR) => {}
                Err(e) => return Err(e.into()),
            }
            stop.drain();
            if stop.children_changed() {
                self.reap(false, Some((handler, stop)));
            }
        }
        for pid in self.slots.iter().flatten() {
            let _ = kill(*pid, Signal::SIGTERM);
        }
        while self.slots.iter().any(Option::is_some) {
            self.reap(true, None);
        }
        Ok(())
    }

    /// Fork the worker of `slot`.
    fn spawn(&mut self, slot: usize, handler: &dyn Handler, stop: &StopSignal) -> io::Result<()> {
        let master = getpid();
        let mut old = SigSet::empty();
        sigprocmask(
            SigmaskHow::SIG_BLOCK,
            Some(&StopSignal::handled()),
            Some(&mut old),
        )?;
        // SAFETY: the master has a single thread, so the child may do
        // anything the parent could.
        match unsafe { fork() } {
            Ok(ForkResult::Child) => {
                let code = match self.worker_setup(slot, master, stop, &old) {
                    Ok(own_stop) => self.worker(slot, handler, &own_stop),
                    Err(_) => FATAL,
                };
                // SAFETY: end the worker without running the master's
                // destructors or atexit handlers.
                unsafe { nix::libc::_exit(code) }
            }
            Ok(ForkResult::Parent { child }) => {
                self.slots[slot] = Some(child);
                sigprocmask(SigmaskHow::SIG_SETMASK, Some(&old), None)?;
                Ok(())
            }
            Err(e) => {
                sigprocmask(SigmaskHow::SIG_SETMASK, Some(&old), None)?;
                Err(e.into())
            }
        }
    }

    /// In a new worker: default signals, its own stop pipe, the parent's
    /// mask back, death with the master, and only its own listener open.
    fn worker_setup(
        &self,
        slot: usize,
        master: Pid,
        master_stop: &StopSignal,
        mask: &SigSet,
    ) -> io::Result<StopSignal> {
        master_stop.reset_in_child()?;
        master_stop.close_in_child();
        let own = StopSignal::install()?;
        sigprocmask(SigmaskHow::SIG_SETMASK, Some(mask), None)?;
        nix::sys::prctl::set_pdeathsig(Signal::SIGTERM)?;
        if getppid() != master {
            // The master died before the death signal was set up.
            return Err(io::Error::other("the master is gone"));
        }
        if self.variant == Variant::ReusePort {
            for (i, l) in self.listeners.iter().enumerate() {
                if i != slot {
                    // SAFETY: the worker never uses the other workers'
                    // listeners (and `_exit`s without dropping them).
                    unsafe { nix::libc::close(l.as_raw_fd()) };
                }
            }
        }
        Ok(own)
    }

    /// A worker's loop: accept (under the accept mutex, or on its own
    /// socket) and serve, until told to stop. Its exit status.
    fn worker(&self, slot: usize, handler: &dyn Handler, stop: &StopSignal) -> i32 {
        let me = std::process::id();
        let master = getppid();
        let listener = match self.variant {
            Variant::AcceptMutex => &self.listeners[0],
            Variant::ReusePort => &self.listeners[slot],
        };
        let stats = Stats::default();
        while !stop.requested() {
            let locked = self.variant == Variant::AcceptMutex;
            if locked {
                let seen = self.shared.releases();
                if !self.shared.accept_mutex().try_lock(me) {
                    self.shared.sleep_until_released(seen, MUTEX_WAIT);
                    continue;
                }
            }
            let accepted = accept_one(listener, stop, master);
            if locked {
                self.shared.accept_mutex().unlock(me);
                self.shared.released();
            }
            match accepted {
                Ok(Some(stream)) => {
                    serve_one(handler, stream, &stats);
                    self.shared.count_served(slot);
                }
                Ok(None) => {}
                Err(e) if is_out_of_fds(&e) => std::thread::sleep(FD_BACKOFF),
                Err(_) => {}
            }
        }
        0
    }

    /// Reap exited workers (`block`: wait for one first); release the
    /// accept mutex of one that died holding it; respawn into the same slot
    /// when `respawn` gives the means (not while stopping, not after a
    /// fatal exit).
    fn reap(&mut self, block: bool, respawn: Option<(&dyn Handler, &StopSignal)>) {
        reap_exited(block, |pid, code| {
            if self.shared.accept_mutex().force_unlock(pid.as_raw() as u32) {
                self.forced_unlocks += 1;
                self.shared.released();
            }
            let Some(slot) = self.slots.iter().position(|s| *s == Some(pid)) else {
                return;
            };
            self.slots[slot] = None;
            if let Some((handler, stop)) = respawn {
                let fatal = code == Some(FATAL);
                if !fatal && !stop.requested() && self.spawn(slot, handler, stop).is_ok() {
                    self.respawns += 1;
                }
            }
        });
    }
}

/// Wait (up to a second) for a connection on `listener` or a stop, and
/// accept one if there is one.
fn accept_one(
    listener: &TcpListener,
    stop: &StopSignal,
    master: Pid,
) -> io::Result<Option<std::net::TcpStream>> {
    let mut fds = [
        PollFd::new(listener.as_fd(), PollFlags::POLLIN),
        PollFd::new(stop.fd(), PollFlags::POLLIN),
    ];
    match poll(&mut fds, 1000u16) {
        Ok(_) | Err(Errno::EINTR) => {}
        Err(e) => return Err(e.into()),
    }
    if getppid() != master {
        // Orphaned: the master is gone.
        stop.request();
    }
    if stop.requested() {
        return Ok(None);
    }
    match listener.accept() {
        Ok((stream, _)) => {
            stream.set_nonblocking(false)?;
            Ok(Some(stream))
        }
        // Another worker took it (SO_REUSEPORT never; a shared socket can
        // be readable for several pollers), or it was reset: try again.
        Err(e) if e.kind() == io::ErrorKind::WouldBlock => Ok(None),
        Err(e) if e.kind() == io::ErrorKind::Interrupted => Ok(None),
        Err(e) => Err(e),
    }
}
