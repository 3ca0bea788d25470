//! A worker process of `proclab master`: it accepts on the listening
//! sockets it inherited, serves on a small thread pool, obeys the frames
//! on its channel, and shows it is alive with a heartbeat.
//!
//! One loop, nginx-style, polling three kinds of descriptor:
//!
//! * its channel — OPEN_CHANNEL/CLOSE_CHANNEL keep its list of siblings,
//!   QUIT stops accepting and finishes what it has, TERMINATE ends it now,
//!   REOPEN reopens its log; end-of-file means the master is gone;
//! * its stop pipe — SIGTERM or SIGINT end it now;
//! * the listening sockets — only while its pool has room: a full pool
//!   leaves new connections in the kernel's backlog, where another worker
//!   can take them (back-pressure, and no heartbeat missed waiting for
//!   room);
//! * a pipe the pool pokes each time a connection is done, so that the
//!   loop looks at the listening sockets again as soon as there is room.
//!
//! Every worker polls the same listening sockets and accepts without
//! blocking, so a connection may wake several of them and only one gets
//! it: nginx's default since 1.11.3 (`accept_mutex off`), without the
//! `EPOLLEXCLUSIVE` that `poll` cannot ask for.

use super::channel::{Channel, ChannelError};
use super::channel_codec::Command;
use super::log::Log;
use super::supervisor::Pid;
use crate::serve::handler::{by_name, Handler};
use crate::serve::models::{serve_one, Stats};
use crate::serve::shared::{monotonic_now, Shared};
use crate::serve::stop::StopSignal;
use crate::serve::thread_pool::ThreadPool;
use nix::poll::{poll, PollFd, PollFlags};
use nix::sys::signal::{sigaction, SaFlags, SigAction, SigHandler, SigSet, Signal};
use nix::unistd::getppid;
use std::collections::BTreeMap;
use std::io;
use std::net::TcpListener;
use std::os::fd::{AsFd, AsRawFd};
use std::sync::Arc;

/// Threads serving connections in one worker.
const THREADS: usize = 4;

/// Connections queued for those threads before the worker stops
/// accepting.
const QUEUE: usize = 2;

/// How often the loop wakes (and beats) when nothing happens, in ms.
const BEAT_MS: u16 = 100;

/// What a worker starts with (all inherited across `fork`).
pub struct Worker<'a> {
    /// Its slot in the master's table.
    pub slot: usize,
    /// The master's pid: when the parent is someone else, the master died.
    pub master: Pid,
    /// Its end of its channel.
    pub channel: Channel,
    /// Its siblings when it was born: slot → (pid, the master's end of
    /// their channel).
    pub siblings: BTreeMap<usize, (Pid, Channel)>,
    /// The listening sockets.
    pub listeners: &'a [TcpListener],
    /// The connection handler's name.
    pub handler: &'a str,
    /// Heartbeats (and the master's view of them).
    pub shared: &'a Shared,
    /// Its log.
    pub log: Log,
    /// The signal mask to restore once its handlers are installed (the
    /// master blocked its signals around `fork`).
    pub mask: SigSet,
}

/// How the worker's loop ended.
enum End {
    /// QUIT: stop accepting, finish what was accepted.
    Graceful,
    /// TERMINATE, a signal, or the master gone: end now.
    Now,
}

impl Worker<'_> {
    /// Run until told to stop; the exit status (0, or
    /// [`FATAL_EXIT`](super::supervisor::FATAL_EXIT) if it could not
    /// start).
    pub fn run(mut self) -> i32 {
        let stop = match self.setup() {
            Ok(stop) => stop,
            Err(e) => {
                self.log.line(&format!("worker cannot start: {e}"));
                return super::supervisor::FATAL_EXIT;
            }
        };
        let handler: Arc<dyn Handler> = match by_name(self.handler) {
            Ok(h) => Arc::from(h),
            Err(e) => {
                self.log.line(&format!("worker cannot start: {e}"));
                return super::supervisor::FATAL_EXIT;
            }
        };
        let room = match Room::new() {
            Ok(room) => Arc::new(room),
            Err(e) => {
                self.log.line(&format!("worker cannot start: {e}"));
                return super::supervisor::FATAL_EXIT;
            }
        };
        let stats = Arc::new(Stats::default());
        let (served, freed) = (stats.clone(), room.clone());
        let pool = ThreadPool::new(THREADS, QUEUE, move |stream| {
            serve_one(&*handler, stream, &served);
            freed.done();
        });
        match self.serve(&stop, &pool, &room) {
            End::Graceful => {
                // Every accepted connection is finished: the threads just
                // take their Stop.
                pool.shutdown();
                self.log.line("worker finished its connections and exits");
                0
            }
            End::Now => {
                // In-flight connections are cut when the process ends.
                std::mem::forget(pool);
                0
            }
        }
    }

    /// Its own signal handling, death with the master, non-blocking
    /// descriptors.
    fn setup(&mut self) -> io::Result<StopSignal> {
        // nginx's worker signals: TERM/INT end it now (StopSignal), QUIT
        // gracefully, USR1 reopens the log; the master's own signals (HUP,
        // WINCH, USR2), sent to the whole process group, are ignored.
        let stop = StopSignal::install()?;
        stop.catch(&[Signal::SIGQUIT, Signal::SIGUSR1])?;
        let ignore = SigAction::new(SigHandler::SigIgn, SaFlags::empty(), SigSet::empty());
        for signal in [Signal::SIGHUP, Signal::SIGWINCH, Signal::SIGUSR2] {
            // SAFETY: SIG_IGN runs no code.
            unsafe { sigaction(signal, &ignore) }?;
        }
        nix::sys::signal::sigprocmask(
            nix::sys::signal::SigmaskHow::SIG_SETMASK,
            Some(&self.mask),
            None,
        )?;
        nix::sys::prctl::set_pdeathsig(nix::sys::signal::Signal::SIGTERM)?;
        if getppid().as_raw() != self.master {
            return Err(io::Error::other(
                "the master died before the worker started",
            ));
        }
        self.channel.set_nonblocking(true)?;
        for l in self.listeners {
            l.set_nonblocking(true)?;
        }
        Ok(stop)
    }

    /// The loop: beat, poll, obey, accept. After QUIT it goes on beating
    /// and obeying (a TERMINATE or SIGTERM still ends it at once) until
    /// every accepted connection is finished.
    fn serve(
        &mut self,
        stop: &StopSignal,
        pool: &ThreadPool<std::net::TcpStream>,
        freed: &Room,
    ) -> End {
        let mut quitting = false;
        loop {
            if quitting && freed.idle() {
                return End::Graceful;
            }
            self.shared.beat(self.slot, monotonic_now());
            if getppid().as_raw() != self.master {
                self.log.line("the master is gone: worker exits");
                return End::Now;
            }
            let room = !quitting && pool.queued() == 0;
            let mut fds = vec![
                PollFd::new(self.channel.as_fd(), PollFlags::POLLIN),
                PollFd::new(stop.fd(), PollFlags::POLLIN),
                PollFd::new(freed.fd(), PollFlags::POLLIN),
            ];
            if room {
                fds.extend(
                    self.listeners
                        .iter()
                        .map(|l| PollFd::new(l.as_fd(), PollFlags::POLLIN)),
                );
            }
            if let Err(e) = poll(&mut fds, BEAT_MS) {
                if e != nix::errno::Errno::EINTR {
                    self.log.line(&format!("poll: {e}"));
                }
                continue;
            }
            let ready: Vec<bool> = fds.iter().map(|f| f.any().unwrap_or(false)).collect();
            drop(fds);
            if ready[2] {
                freed.drain();
            }
            if stop.requested() {
                return End::Now;
            }
            if stop.take(Signal::SIGUSR1) {
                self.reopen_log();
            }
            let mut told = if stop.take(Signal::SIGQUIT) {
                Some(End::Graceful)
            } else {
                None
            };
            if ready[0] {
                told = self.obey().or(told);
            }
            match told {
                Some(End::Now) => return End::Now,
                Some(End::Graceful) if !quitting => {
                    quitting = true;
                    self.stop_accepting();
                }
                _ => {}
            }
            if !quitting {
                for (i, l) in self.listeners.iter().enumerate() {
                    if ready.get(3 + i) == Some(&true) {
                        accept_some(l, pool, freed);
                    }
                }
            }
        }
    }

    /// Close this worker's copies of the listening sockets (the master and
    /// the other workers keep theirs).
    fn stop_accepting(&mut self) {
        for l in self.listeners {
            // SAFETY: the worker never uses the listeners again (it only
            // finishes its connections) and ends with `_exit`, so nothing
            // closes them twice.
            unsafe { nix::libc::close(l.as_raw_fd()) };
        }
    }

    fn reopen_log(&mut self) {
        if let Err(e) = self.log.reopen() {
            self.log.line(&format!("reopen: {e}"));
        }
    }

    /// Act on every frame waiting on the channel; how to end, if told.
    fn obey(&mut self) -> Option<End> {
        loop {
            match self.channel.recv() {
                Ok(None) => return None,
                Ok(Some((frame, fd))) => {
                    let (slot, pid) = (frame.slot() as usize, frame.pid());
                    match frame.command() {
                        Command::OpenChannel => {
                            if let Some(fd) = fd {
                                self.siblings.insert(slot, (pid, Channel::from_fd(fd)));
                            }
                        }
                        Command::CloseChannel => {
                            if self.siblings.get(&slot).is_some_and(|(p, _)| *p == pid) {
                                self.siblings.remove(&slot);
                            }
                        }
                        Command::Quit => return Some(End::Graceful),
                        Command::Terminate => return Some(End::Now),
                        Command::Reopen => self.reopen_log(),
                    }
                }
                Err(ChannelError::Closed) => {
                    self.log
                        .line("the channel to the master closed: worker exits");
                    return Some(End::Now);
                }
                Err(e) => {
                    self.log.line(&format!("channel: {e}"));
                    return None;
                }
            }
        }
    }
}

/// Accept what is waiting on `listener` (another worker may have taken
/// it: EAGAIN), while the pool has room.
fn accept_some(listener: &TcpListener, pool: &ThreadPool<std::net::TcpStream>, room: &Room) {
    while pool.queued() == 0 {
        match listener.accept() {
            // An accepted socket does not inherit O_NONBLOCK on Linux: it
            // blocks, as serve_one expects.
            Ok((stream, _)) => {
                room.taken();
                pool.submit(stream);
            }
            Err(e) if e.kind() == io::ErrorKind::Interrupted => continue,
            // Empty (EAGAIN), out of descriptors, or a connection reset
            // before it was accepted: try again on the next poll.
            Err(_) => return,
        }
    }
}

/// The connections a worker has accepted and not finished, and a pipe
/// the pool's threads poke when they finish one: the worker's loop polls
/// it to learn that its queue has room again (or, quitting, that it is
/// done).
struct Room {
    /// Accepted and not finished. SeqCst: a counter read by the loop after
    /// the pipe said something changed; no cleverness needed here.
    busy: std::sync::atomic::AtomicUsize,
    read: std::os::fd::OwnedFd,
    write: std::os::fd::OwnedFd,
}

impl Room {
    fn new() -> io::Result<Room> {
        let (read, write) = crate::serve::stop::wake_pipe()?;
        Ok(Room {
            busy: std::sync::atomic::AtomicUsize::new(0),
            read,
            write,
        })
    }

    /// A connection was accepted.
    fn taken(&self) {
        self.busy.fetch_add(1, std::sync::atomic::Ordering::SeqCst);
    }

    /// A connection is done; wake the loop (a full pipe already says so).
    fn done(&self) {
        self.busy.fetch_sub(1, std::sync::atomic::Ordering::SeqCst);
        let _ = nix::unistd::write(&self.write, &[1]);
    }

    /// Every accepted connection is finished.
    fn idle(&self) -> bool {
        self.busy.load(std::sync::atomic::Ordering::SeqCst) == 0
    }

    fn fd(&self) -> std::os::fd::BorrowedFd<'_> {
        self.read.as_fd()
    }

    fn drain(&self) {
        crate::serve::stop::drain(&self.read);
    }
}
