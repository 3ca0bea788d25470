//! `proclab master --config FILE`: the master process. Single-threaded:
//! it binds the listening sockets, forks the workers and then only
//! supervises — the [`Supervisor`] decides, this file does (forks, sends,
//! signals, logs) and turns signals into the supervisor's events.
//!
//! | signal | meaning (nginx's) |
//! |--------|-------------------|
//! | HUP | re-read the configuration; valid: new workers, then the old ones QUIT; invalid: log why, keep serving |
//! | QUIT | graceful stop: workers finish their connections, then the master exits (fast stop after `shutdown_timeout_ms`) |
//! | TERM, INT | fast stop: TERMINATE, SIGTERM repeated, SIGKILL after 1 s |
//! | USR1 | reopen the log files, in the master and every worker |
//! | WINCH | the workers finish and exit; the master stays (HUP starts workers again) |
//! | USR2 | binary upgrade: start the binary now on disk as a new master, handing it the listening sockets ([`super::upgrade`]) |
//! | CHLD | reap every exited child; start it again unless it was told to stop or exited fatally |
//!
//! The handlers only note the signal and poke a self-pipe
//! ([`StopSignal`]); everything happens in the loop.

use super::channel::Channel;
use super::config::Config;
use super::log::Log;
use super::supervisor::{Exit, Host, Kill, Pid, Sibling, Supervisor};
use super::upgrade::{self, Upgrade};
use super::worker::Worker;
use crate::serve::fork_server_reaping::reap_exited;
use crate::serve::listen::ListenConfig;
use crate::serve::shared::{monotonic_now, Shared};
use crate::serve::stop::StopSignal;
use nix::poll::{poll, PollFd, PollFlags};
use nix::sys::signal::{kill, sigprocmask, SigSet, SigmaskHow, Signal};
use nix::unistd::{fork, getpid, ForkResult};
use std::collections::BTreeMap;
use std::io::Write as _;
use std::net::TcpListener;
use std::os::fd::{AsFd, AsRawFd, FromRawFd, OwnedFd};
use std::path::{Path, PathBuf};
use std::process::ExitCode;
use std::time::Duration;

/// A worker's exit status after a panic (EX_SOFTWARE): a crash, respawned.
const WORKER_PANICKED: i32 = 70;

/// How often the master wakes when nothing happens.
const TICK_MS: u16 = 50;

/// The real [`Host`]: forks worker processes.
struct Processes {
    config: Config,
    /// The addresses of `listeners`, as the configuration wrote them.
    addrs: Vec<String>,
    /// One listening socket per `config.listen` address, in that order.
    listeners: Vec<TcpListener>,
    shared: Shared,
    log: Log,
    /// The master's signal pipe (closed in each worker).
    stop: StopSignal,
}

impl Host for Processes {
    type Channel = Channel;

    fn spawn(
        &mut self,
        slot: usize,
        _generation: u64,
        siblings: &[Sibling<'_, Channel>],
    ) -> Result<(Pid, Channel), String> {
        let (master_end, worker_end) = Channel::pair().map_err(|e| format!("socketpair: {e}"))?;
        // Born alive: the heartbeat clock of the slot starts now, not at
        // whatever the slot's last worker left there.
        self.shared.beat(slot, monotonic_now());
        let master = getpid().as_raw();
        let mut old = SigSet::empty();
        sigprocmask(
            SigmaskHow::SIG_BLOCK,
            Some(&StopSignal::handled()),
            Some(&mut old),
        )
        .map_err(|e| format!("sigprocmask: {e}"))?;
        // SAFETY: the master is single-threaded, so the child may do
        // anything the parent could.
        let forked = unsafe { fork() };
        match forked {
            Ok(ForkResult::Child) => {
                // A panic in the worker must not unwind into the master's
                // frames (and run its destructors) in this process: it ends
                // the worker like a crash, and the master respawns it.
                let code = std::panic::catch_unwind(std::panic::AssertUnwindSafe(|| {
                    self.become_worker(slot, master, master_end, worker_end, siblings, &old)
                }))
                .unwrap_or(WORKER_PANICKED);
                // SAFETY: end the worker without running the master's
                // destructors (its sockets, its pid file) a second time.
                unsafe { nix::libc::_exit(code) }
            }
            Ok(ForkResult::Parent { child }) => {
                let _ = sigprocmask(SigmaskHow::SIG_SETMASK, Some(&old), None);
                drop(worker_end);
                Ok((child.as_raw(), master_end))
            }
            Err(e) => {
                let _ = sigprocmask(SigmaskHow::SIG_SETMASK, Some(&old), None);
                Err(format!("fork: {e}"))
            }
        }
    }

    fn send(
        &mut self,
        to: &Channel,
        frame: &super::channel_codec::Frame,
        passing: Option<&Channel>,
    ) -> bool {
        to.send(frame, passing.map(|c| c.as_fd())).is_ok()
    }

    fn kill(&mut self, pid: Pid, how: Kill) {
        let signal = match how {
            Kill::Term => Signal::SIGTERM,
            Kill::Kill => Signal::SIGKILL,
        };
        let _ = kill(nix::unistd::Pid::from_raw(pid), signal);
    }

    fn heartbeat(&self, slot: usize) -> Option<Duration> {
        Some(self.shared.last_beat(slot))
    }

    fn log(&mut self, line: &str) {
        self.log.line(line);
    }
}

impl Processes {
    /// In the child of `spawn`: reset what the master set up, take the
    /// inherited descriptors, and run the worker; its exit status.
    fn become_worker(
        &self,
        slot: usize,
        master: Pid,
        master_end: Channel,
        worker_end: Channel,
        siblings: &[Sibling<'_, Channel>],
        mask: &SigSet,
    ) -> i32 {
        if self.stop.reset_in_child().is_err() {
            return super::supervisor::FATAL_EXIT;
        }
        self.stop.close_in_child();
        // The signals stay blocked until the worker has its own handlers
        // (Worker::setup restores `mask`): one arriving in between stays
        // pending instead of killing the worker with its default action.
        drop(master_end);
        let siblings = siblings
            .iter()
            .map(|s| {
                // SAFETY: the worker's copy of the master's end of a
                // sibling's channel, inherited across fork: this process
                // owns the descriptor from now on, and the master's objects
                // holding it are never dropped here (the worker `_exit`s).
                let fd = unsafe { OwnedFd::from_raw_fd(s.channel.as_fd().as_raw_fd()) };
                (s.slot, (s.pid, Channel::from_fd(fd)))
            })
            .collect::<BTreeMap<_, _>>();
        self.log.close_in_child();
        let log = match Log::open(self.config.log.clone()) {
            Ok(log) => log,
            Err(e) => {
                let _ = writeln!(
                    std::io::stderr(),
                    "proclab master: worker in slot {slot}: {e}"
                );
                return super::supervisor::FATAL_EXIT;
            }
        };
        Worker {
            slot,
            master,
            channel: worker_end,
            siblings,
            listeners: &self.listeners,
            handler: &self.config.handler,
            shared: &self.shared,
            log,
            mask: *mask,
        }
        .run()
    }

    /// Make `addrs`/`listeners` those of `config`: sockets already bound
    /// to an address it still lists are kept, the others bound now. On an
    /// error nothing changes.
    fn rebind(&mut self, config: &Config) -> Result<(), String> {
        let mut fresh = Vec::new();
        for addr in config.listen.iter().filter(|a| !self.addrs.contains(a)) {
            fresh.push((addr.clone(), listen(addr)?));
        }
        let mut old: Vec<(String, TcpListener)> = std::mem::take(&mut self.addrs)
            .into_iter()
            .zip(std::mem::take(&mut self.listeners))
            .collect();
        for addr in &config.listen {
            let from = if old.iter().any(|(a, _)| a == addr) {
                &mut old
            } else {
                &mut fresh
            };
            let i = from
                .iter()
                .position(|(a, _)| a == addr)
                .expect("bound above");
            let (a, l) = from.swap_remove(i);
            self.addrs.push(a);
            self.listeners.push(l);
        }
        // Addresses no longer listed: the master closes them now; old
        // workers keep their copies until they exit.
        Ok(())
    }
}

/// A non-blocking listening socket on `addr`.
fn listen(addr: &str) -> Result<TcpListener, String> {
    let l = ListenConfig::new(addr)
        .listen()
        .map_err(|e| e.to_string())?;
    l.set_nonblocking(true).map_err(|e| e.to_string())?;
    Ok(l)
}

/// `proclab master --config FILE`.
pub fn main(args: &[String]) -> ExitCode {
    const USAGE: &str =
        "usage: proclab master --config FILE [--daemon]   (see examples/master.toml)";
    let (path, daemon) = match args {
        [flag, path] if flag == "--config" => (PathBuf::from(path), false),
        [flag, path, d] | [d, flag, path] if flag == "--config" && d == "--daemon" => {
            (PathBuf::from(path), true)
        }
        [help] if help == "--help" || help == "-h" => {
            println!("{USAGE}");
            return ExitCode::SUCCESS;
        }
        _ => {
            eprintln!("proclab master: {USAGE}");
            return ExitCode::from(2);
        }
    };
    // Absolute: the path is used again on HUP and USR2.
    let path = path.canonicalize().unwrap_or(path);
    match run(&path, daemon) {
        Ok(()) => ExitCode::SUCCESS,
        Err(e) => {
            eprintln!("proclab master: {e}");
            ExitCode::from(2)
        }
    }
}

/// Start, supervise until stopped, clean up.
fn run(path: &Path, daemon: bool) -> Result<(), String> {
    let config = Config::load(path).map_err(|e| e.to_string())?;
    let mut log = Log::open(config.log.clone()).map_err(|e| e.to_string())?;
    let exe = std::env::current_exe().map_err(|e| format!("which binary is this? {e}"))?;
    // Sockets handed over by an old master (a binary upgrade), else bound.
    let mut inherited = upgrade::inherited()?;
    let listeners = config
        .listen
        .iter()
        .map(|a| match inherited.iter().position(|(i, _)| i == a) {
            Some(i) => Ok(inherited.swap_remove(i).1),
            None => listen(a),
        })
        .collect::<Result<Vec<_>, _>>()?;
    drop(inherited);
    if daemon && config.log.is_none() {
        return Err(format!(
            "--daemon needs a log file (set `log` in {}): a daemon has no terminal to write to",
            path.display()
        ));
    }
    if daemon {
        let addrs: Vec<String> = listeners
            .iter()
            .filter_map(|l| l.local_addr().ok().map(|a| a.to_string()))
            .collect();
        super::daemon::detach(&addrs.join(" "))?;
    }
    let stop = StopSignal::install().map_err(|e| format!("signals: {e}"))?;
    stop.catch(&[
        Signal::SIGHUP,
        Signal::SIGQUIT,
        Signal::SIGUSR1,
        Signal::SIGWINCH,
        Signal::SIGUSR2,
        Signal::SIGCHLD,
    ])
    .map_err(|e| format!("signals: {e}"))?;
    if let Some(pid_file) = &config.pid_file {
        std::fs::write(pid_file, format!("{}\n", std::process::id()))
            .map_err(|e| format!("pid file {}: {e}", pid_file.display()))?;
    }
    let addrs: Vec<String> = listeners
        .iter()
        .filter_map(|l| l.local_addr().ok().map(|a| a.to_string()))
        .collect();
    // Not println!: after a binary upgrade stdout may be a pipe nobody
    // reads any more, and a master must not die of that.
    let _ = writeln!(
        std::io::stdout(),
        "master {} listening on {} ({} worker(s), {} handler)",
        std::process::id(),
        addrs.join(" "),
        config.workers,
        config.handler
    );
    log.line(&format!("master started, listening on {}", addrs.join(" ")));
    let host = Processes {
        config: config.clone(),
        addrs: config.listen.clone(),
        listeners,
        shared: Shared::new().map_err(|e| format!("shared memory: {e}"))?,
        log,
        stop,
    };
    let mut master =
        Supervisor::new(host, config.workers).with_heartbeat_timeout(config.heartbeat_timeout);
    master.start();
    let mut upgrade = Upgrade::new(config.pid_file.clone());
    supervise(&mut master, path, &exe, &mut upgrade);
    let summary = format!(
        "master exits: {} worker(s) reaped, {} respawned",
        master.reaped, master.respawns
    );
    master.host_mut().log.line(&summary);
    let _ = writeln!(std::io::stderr(), "proclab master: {summary}");
    // This master's pid file: its `.oldbin` if a new master took over.
    if let Some(pid_file) = upgrade.own_pid_file() {
        let _ = std::fs::remove_file(pid_file);
    }
    Ok(())
}

/// The loop: wait for a signal or a tick, and turn it into the
/// supervisor's events, until the last worker is reaped after a stop.
fn supervise(master: &mut Supervisor<Processes>, path: &Path, exe: &Path, upgrade: &mut Upgrade) {
    let mut quit_since: Option<Duration> = None;
    while !master.done() {
        let now = monotonic_now();
        {
            let stop = &master.host().stop;
            let mut fds = [PollFd::new(stop.fd(), PollFlags::POLLIN)];
            let _ = poll(&mut fds, TICK_MS);
            stop.drain();
        }
        let now = monotonic_now().max(now);
        let took = |master: &Supervisor<Processes>, s: Signal| master.host().stop.take(s);
        if took(master, Signal::SIGTERM) | took(master, Signal::SIGINT) {
            master.terminate(now);
        }
        if took(master, Signal::SIGQUIT) {
            master.quit();
            quit_since.get_or_insert(now);
            // Stop accepting at once, as nginx does: with the workers'
            // copies closing too, the port refuses new connections instead
            // of queueing them for nobody.
            let host = master.host_mut();
            host.listeners.clear();
            host.addrs.clear();
        }
        if took(master, Signal::SIGHUP) {
            reload(master, path);
        }
        if took(master, Signal::SIGUSR1) {
            let host = master.host_mut();
            if let Err(e) = host.log.reopen() {
                host.log.line(&format!("reopen: {e}"));
            }
            master.reopen();
        }
        if took(master, Signal::SIGWINCH) {
            master.stop_accepting();
        }
        if took(master, Signal::SIGUSR2) {
            let host = master.host_mut();
            let fds: Vec<(String, std::os::fd::RawFd)> = host
                .addrs
                .iter()
                .cloned()
                .zip(host.listeners.iter().map(|l| l.as_raw_fd()))
                .collect();
            let line = match upgrade.start(exe, path, &fds) {
                Ok(pid) => format!("binary upgrade: started the new master {pid}"),
                Err(e) => format!("binary upgrade refused: {e}"),
            };
            host.log.line(&line);
        }
        // Reaped after the stop signals are read: a worker that exited on
        // a QUIT sent to the whole process group is then not respawned.
        if took(master, Signal::SIGCHLD) {
            reap_exited(false, |pid, code| {
                let exit = code.map_or(Exit::Signal(0), Exit::Code);
                if upgrade.reaped(pid.as_raw()) {
                    master.host_mut().log.line(&format!(
                        "the new master {pid} {}: rolled back, this master carries on",
                        super::reap_respawn::describe(exit)
                    ));
                } else {
                    master.reaped(pid.as_raw(), exit);
                }
            });
        }
        if let Some(since) = quit_since {
            if now.saturating_sub(since) > master.host().config.shutdown_timeout {
                master
                    .host_mut()
                    .log
                    .line("graceful stop took too long: terminating");
                master.terminate(now);
                quit_since = None;
            }
        }
        master.tick(now);
    }
}

/// HUP: a valid new configuration starts a new generation of workers
/// (with any new listening sockets); an invalid one changes nothing.
fn reload(master: &mut Supervisor<Processes>, path: &Path) {
    let host = master.host_mut();
    let config = match Config::load(path) {
        Ok(c) => c,
        Err(e) => {
            host.log.line(&format!(
                "reload refused, still serving with the running configuration: {e}"
            ));
            return;
        }
    };
    if let Err(e) = host.rebind(&config) {
        host.log.line(&format!(
            "reload refused, still serving with the running configuration: {e}"
        ));
        return;
    }
    let workers = config.workers;
    host.config = config;
    master.reload(workers);
}
