//! The master's supervision logic — nginx's `ngx_master_process_cycle` and
//! `ngx_reap_children` — separate from real processes, so that the same
//! code runs the real master (`proclab master`) and the model checked
//! under shuttle, where workers are threads, channels are queues and
//! crashes are random.
//!
//! The supervisor owns the process table and decides; a [`Host`] does:
//! it forks (or spawns a model worker), sends frames, sends signals and
//! writes the log. Events come in as method calls from the master's loop:
//! a child was reaped ([`Supervisor::reaped`]), a signal arrived
//! ([`Supervisor::quit`], [`Supervisor::terminate`],
//! [`Supervisor::reload`], [`Supervisor::reopen`],
//! [`Supervisor::stop_accepting`]), time passed ([`Supervisor::tick`]).
//!
//! The rules, as nginx has them:
//!
//! * a new worker is announced to every other worker with OPEN_CHANNEL
//!   (carrying the master's end of its channel, so that siblings can
//!   reach it); a reaped one with CLOSE_CHANNEL;
//! * a worker that dies is started again in the same slot — unless it was
//!   told to stop, the master is stopping, or it exited with
//!   [`FATAL_EXIT`] (it would only fail again: no respawn loop);
//! * QUIT asks every worker to finish and exit; TERMINATE asks them to
//!   exit now, then SIGTERM is repeated at growing intervals (50 ms,
//!   100 ms, …) and after [`KILL_AFTER`] the stragglers get SIGKILL;
//! * a reload starts a full set of new workers first, then asks the old
//!   ones to QUIT, so that something is always accepting;
//! * a worker whose heartbeat stops for longer than the heartbeat timeout
//!   is killed (and then respawned like any other dead worker).

use super::channel_codec::{Command, Frame, MAX_SLOTS};
use std::time::Duration;

/// A worker's process id.
pub type Pid = i32;

/// nginx's fatal exit status: a worker that cannot even start exits with
/// it, and is not started again.
pub const FATAL_EXIT: i32 = 2;

/// From TERMINATE to SIGKILL for the workers still alive.
pub const KILL_AFTER: Duration = Duration::from_millis(1000);

/// The first interval between repeated SIGTERMs; it doubles each time.
pub const FIRST_TERM_DELAY: Duration = Duration::from_millis(50);

/// How a reaped worker ended.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Exit {
    /// It exited with this status.
    Code(i32),
    /// A signal (this number; 0 if not known) killed it.
    Signal(i32),
}

/// A signal the supervisor sends to a worker itself (not a frame).
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Kill {
    /// SIGTERM: a stop the worker can still act on.
    Term,
    /// SIGKILL: the end of the escalation, or a hung worker.
    Kill,
}

/// A worker a new worker knows about from birth (it inherits the master's
/// ends of their channels across `fork`).
#[derive(Debug)]
pub struct Sibling<'a, C> {
    /// Its slot.
    pub slot: usize,
    /// Its pid.
    pub pid: Pid,
    /// The master's end of its channel.
    pub channel: &'a C,
}

/// What the supervisor needs done: by real processes, or by a model.
pub trait Host {
    /// The master's end of a channel to one worker.
    type Channel;

    /// Start a worker of configuration `generation` in `slot`, knowing
    /// `siblings`; its pid and the master's end of its channel.
    fn spawn(
        &mut self,
        slot: usize,
        generation: u64,
        siblings: &[Sibling<'_, Self::Channel>],
    ) -> Result<(Pid, Self::Channel), String>;

    /// Send `frame` on `to` (with `passing`, the channel end an
    /// OPEN_CHANNEL carries). False if the worker cannot be reached.
    fn send(&mut self, to: &Self::Channel, frame: &Frame, passing: Option<&Self::Channel>) -> bool;

    /// Signal worker `pid`.
    fn kill(&mut self, pid: Pid, how: Kill);

    /// When worker `slot` last showed it was alive (on the clock `tick`
    /// is given), if the host keeps heartbeats.
    fn heartbeat(&self, _slot: usize) -> Option<Duration> {
        None
    }

    /// Write `line` to the master's log.
    fn log(&mut self, line: &str);
}

/// One row of the master's process table (nginx's `ngx_process_t`).
///
/// nginx keeps a reaped worker's row with `exited` set until the loop
/// has dealt with it, because its SIGCHLD handler reaps; here the loop
/// itself reaps, so a reaped worker's row is emptied (or refilled by its
/// replacement) at once, and an occupied row is always a live process.
#[derive(Debug)]
pub struct Slot<C> {
    /// The worker's pid: positive, and in no other slot.
    pub pid: Pid,
    /// The master's end of the worker's channel.
    pub channel: C,
    /// Start it again if it dies. Cleared when it is told to stop, and
    /// after a fatal exit.
    pub respawn: bool,
    /// Told to stop (QUIT or TERMINATE): its exit is expected.
    pub exiting: bool,
    /// The configuration generation it runs: a reload starts the next.
    pub generation: u64,
    /// Killed for a stopped heartbeat (so it is killed once).
    pub hung: bool,
}

/// What an emptied row said (see `Supervisor::free`).
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Vacated {
    /// The reaped worker.
    pub pid: Pid,
    /// Its row's `respawn`.
    pub respawn: bool,
    /// Its row's `exiting`.
    pub exiting: bool,
    /// Its configuration generation.
    pub generation: u64,
}

/// What the master is doing.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Phase {
    /// Serving: dead workers are replaced.
    Running,
    /// QUIT: the workers finish and exit; then the master.
    Quitting,
    /// TERMINATE: the workers exit now, or are killed.
    Terminating {
        /// When the stop began.
        since: Duration,
        /// When to signal the survivors next.
        next: Duration,
        /// The interval after that.
        delay: Duration,
    },
}

/// The master's process table and its decisions.
#[derive(Debug)]
pub struct Supervisor<H: Host> {
    host: H,
    /// The table; `None` is a free slot. At most [`MAX_SLOTS`] rows.
    slots: Vec<Option<Slot<H::Channel>>>,
    /// Workers in a generation (the configuration's count).
    workers: usize,
    /// The newest configuration generation.
    generation: u64,
    phase: Phase,
    /// False after WINCH until the next reload: no workers, by request.
    accepting: bool,
    /// A worker silent for longer than this is killed (`None`: never).
    heartbeat_timeout: Option<Duration>,
    /// Workers started again after dying.
    pub respawns: u64,
    /// Workers reaped.
    pub reaped: u64,
}

impl<H: Host> Supervisor<H> {
    /// A supervisor for `workers` workers; nothing is started yet.
    pub fn new(host: H, workers: usize) -> Supervisor<H> {
        Supervisor {
            host,
            slots: Vec::new(),
            workers,
            generation: 0,
            phase: Phase::Running,
            accepting: true,
            heartbeat_timeout: None,
            respawns: 0,
            reaped: 0,
        }
    }

    /// Kill workers whose heartbeat is older than `timeout` (see
    /// [`Host::heartbeat`]).
    pub fn with_heartbeat_timeout(mut self, timeout: Duration) -> Supervisor<H> {
        self.heartbeat_timeout = Some(timeout);
        self
    }

    /// The host (for a model's bookkeeping, or the real master's sockets).
    pub fn host(&self) -> &H {
        &self.host
    }

    /// The host, mutably.
    pub fn host_mut(&mut self) -> &mut H {
        &mut self.host
    }

    /// What the master is doing.
    pub fn phase(&self) -> Phase {
        self.phase
    }

    /// The newest configuration generation.
    pub fn generation(&self) -> u64 {
        self.generation
    }

    /// The occupied rows: `(slot, row)`.
    pub fn table(&self) -> impl Iterator<Item = (usize, &Slot<H::Channel>)> {
        self.slots
            .iter()
            .enumerate()
            .filter_map(|(i, s)| s.as_ref().map(|s| (i, s)))
    }

    /// Live workers.
    pub fn live(&self) -> usize {
        self.table().count()
    }

    /// The master may exit: it is stopping and every worker is reaped.
    pub fn done(&self) -> bool {
        self.phase != Phase::Running && self.live() == 0
    }

    /// Start the first generation.
    pub fn start(&mut self) {
        self.start_generation();
    }

    /// Fill free slots with `workers` workers of the current generation.
    pub(crate) fn start_generation(&mut self) {
        for _ in 0..self.workers {
            match self.free_slot() {
                Some(slot) => {
                    self.spawn_into(slot);
                }
                None => {
                    self.host
                        .log("no free slot for a worker: the table is full");
                    break;
                }
            }
        }
    }

    /// The first free slot (a new row if none is free), if the table is
    /// not full.
    fn free_slot(&mut self) -> Option<usize> {
        if let Some(i) = self.slots.iter().position(Option::is_none) {
            return Some(i);
        }
        if self.slots.len() < MAX_SLOTS as usize {
            self.slots.push(None);
            return Some(self.slots.len() - 1);
        }
        None
    }

    /// Start a worker in the free `slot` and announce it to the others.
    /// False if it could not be started (logged).
    pub(crate) fn spawn_into(&mut self, slot: usize) -> bool {
        debug_assert!(
            self.slots[slot].is_none(),
            "spawn_into: slot {slot} is taken"
        );
        let siblings: Vec<Sibling<'_, H::Channel>> = self
            .slots
            .iter()
            .enumerate()
            .filter_map(|(i, s)| s.as_ref().map(|s| (i, s)))
            .map(|(i, s)| Sibling {
                slot: i,
                pid: s.pid,
                channel: &s.channel,
            })
            .collect();
        let (pid, channel) = match self.host.spawn(slot, self.generation, &siblings) {
            Ok(started) => started,
            Err(why) => {
                self.host
                    .log(&format!("cannot start a worker in slot {slot}: {why}"));
                return false;
            }
        };
        assert!(
            pid > 0 && self.table().all(|(_, s)| s.pid != pid),
            "spawn: pid {pid} is not a new process (one process, one slot)"
        );
        self.slots[slot] = Some(Slot {
            pid,
            channel,
            respawn: true,
            exiting: false,
            generation: self.generation,
            hung: false,
        });
        self.host.log(&format!(
            "started worker {pid} in slot {slot} (generation {})",
            self.generation
        ));
        self.broadcast_about(slot, Command::OpenChannel);
        true
    }

    /// Tell every worker but the one in `slot` that it started
    /// (OPEN_CHANNEL, passing its channel) or is gone (CLOSE_CHANNEL).
    /// For CLOSE_CHANNEL the row of `slot` must still be there.
    pub(crate) fn broadcast_about(&mut self, slot: usize, command: Command) {
        let Some(subject) = self.slots[slot].as_ref() else {
            return;
        };
        let frame = Frame::new(command, subject.pid, slot as u32)
            .expect("a table row holds a valid pid and slot");
        let passing = (command == Command::OpenChannel).then_some(&subject.channel);
        let mut unreachable = Vec::new();
        for (i, row) in self.slots.iter().enumerate() {
            let Some(row) = row else { continue };
            // A worker told to stop may be gone already: not news.
            if i != slot && !self.host.send(&row.channel, &frame, passing) && !row.exiting {
                unreachable.push(row.pid);
            }
        }
        for pid in unreachable {
            // It died and is about to be reaped; its own CLOSE_CHANNEL
            // will follow.
            self.host
                .log(&format!("worker {pid} did not take {command:?}"));
        }
    }

    /// Worker `pid` was reaped: empty its row, tell the others, and start
    /// it again if it should be (the exercise `reap_respawn`).
    pub fn reaped(&mut self, pid: Pid, exit: Exit) {
        super::reap_respawn::reaped(self, pid, exit)
    }

    /// The slot of worker `pid`, if it is in the table.
    pub(crate) fn slot_of(&self, pid: Pid) -> Option<usize> {
        self.table().find(|(_, s)| s.pid == pid).map(|(i, _)| i)
    }

    /// Empty `slot`'s row (its worker was reaped), close the master's end
    /// of its channel, and count the reaping; what the row said. Panics if
    /// the slot is free.
    ///
    /// The channel is closed here, before any replacement is forked: a
    /// channel still open across that `fork` would be inherited by the new
    /// worker, which would never close it.
    pub(crate) fn free(&mut self, slot: usize) -> Vacated {
        self.reaped += 1;
        let row = self.slots[slot]
            .take()
            .unwrap_or_else(|| panic!("free: slot {slot} is already free"));
        Vacated {
            pid: row.pid,
            respawn: row.respawn,
            exiting: row.exiting,
            generation: row.generation,
        }
    }

    /// Write `line` to the master's log.
    pub(crate) fn log(&mut self, line: &str) {
        self.host.log(line);
    }

    /// Start the next configuration generation, of `workers` workers: its
    /// number. (Starts no worker: see [`Supervisor::start_generation`].)
    pub(crate) fn next_generation(&mut self, workers: usize) -> u64 {
        self.generation += 1;
        self.workers = workers;
        self.accepting = true;
        self.host.log(&format!(
            "reloading: generation {} with {workers} worker(s)",
            self.generation
        ));
        self.generation
    }

    /// Ask the workers for which `pick` is true to stop with `command`
    /// (QUIT or TERMINATE): they will not be started again.
    pub(crate) fn tell_to_stop(
        &mut self,
        command: Command,
        pick: impl Fn(&Slot<H::Channel>) -> bool,
    ) {
        let mut lost = Vec::new();
        for (slot, row) in self.slots.iter_mut().enumerate() {
            let Some(row) = row.as_mut().filter(|r| pick(r)) else {
                continue;
            };
            row.exiting = true;
            row.respawn = false;
            let frame = Frame::new(command, row.pid, slot as u32).expect("a valid row");
            if !self.host.send(&row.channel, &frame, None) {
                lost.push(row.pid);
            }
        }
        for pid in lost {
            // The channel is gone (the worker is dying): a signal says the
            // same thing.
            self.host.kill(pid, Kill::Term);
        }
    }

    /// QUIT (graceful): every worker finishes what it has and exits; the
    /// master exits after the last one ([`Supervisor::done`]).
    pub fn quit(&mut self) {
        if self.phase != Phase::Running {
            return;
        }
        self.phase = Phase::Quitting;
        self.host.log("quitting: workers finish their connections");
        self.tell_to_stop(Command::Quit, |_| true);
    }

    /// TERM/INT (fast): every worker exits now; at `now`, the escalation
    /// starts (see [`Supervisor::tick`]).
    pub fn terminate(&mut self, now: Duration) {
        if matches!(self.phase, Phase::Terminating { .. }) {
            return;
        }
        self.phase = Phase::Terminating {
            since: now,
            next: now + FIRST_TERM_DELAY,
            delay: FIRST_TERM_DELAY,
        };
        self.host.log("terminating");
        self.tell_to_stop(Command::Terminate, |_| true);
        let pids: Vec<Pid> = self.table().map(|(_, s)| s.pid).collect();
        for pid in pids {
            self.host.kill(pid, Kill::Term);
        }
    }

    /// Time passed (`now`, on the same clock as for `terminate`): repeat
    /// SIGTERM to the survivors of a fast stop, at doubling intervals, and
    /// SIGKILL them after [`KILL_AFTER`]; kill workers whose heartbeat
    /// stopped.
    pub fn tick(&mut self, now: Duration) {
        if let Phase::Terminating { since, next, delay } = self.phase {
            if now >= next {
                let how = if now.saturating_sub(since) >= KILL_AFTER {
                    Kill::Kill
                } else {
                    Kill::Term
                };
                let pids: Vec<Pid> = self.table().map(|(_, s)| s.pid).collect();
                for pid in pids {
                    self.host.kill(pid, how);
                }
                // The next round: after twice the delay, but never later
                // than the SIGKILL is due.
                let due = since + KILL_AFTER;
                let next = if now < due {
                    (now + delay * 2).min(due)
                } else {
                    now + delay * 2
                };
                self.phase = Phase::Terminating {
                    since,
                    next,
                    delay: delay * 2,
                };
            }
        }
        let Some(timeout) = self.heartbeat_timeout else {
            return;
        };
        let mut hung = Vec::new();
        for (slot, row) in self.slots.iter_mut().enumerate() {
            // A worker told to stop may be busy finishing connections;
            // the shutdown timeout, not the heartbeat, bounds it.
            let Some(row) = row.as_mut().filter(|r| !r.hung && !r.exiting) else {
                continue;
            };
            if let Some(beat) = self.host.heartbeat(slot) {
                if now.saturating_sub(beat) > timeout {
                    row.hung = true;
                    hung.push((slot, row.pid, now.saturating_sub(beat)));
                }
            }
        }
        for (slot, pid, silent) in hung {
            self.host.log(&format!(
                "worker {pid} (slot {slot}) silent for {} ms: killed",
                silent.as_millis()
            ));
            self.host.kill(pid, Kill::Kill);
        }
    }

    /// HUP with a valid new configuration of `workers` workers: start a new
    /// generation, then ask the old one to QUIT (the exercise
    /// `graceful_reload`). An invalid configuration never gets here: the
    /// master logs why and keeps the old workers.
    pub fn reload(&mut self, workers: usize) {
        super::graceful_reload::reload(self, workers)
    }

    /// USR1: every worker reopens its log files (the master reopens its
    /// own).
    pub fn reopen(&mut self) {
        let mut frames = Vec::new();
        for (slot, row) in self.table() {
            frames.push((slot, Frame::new(Command::Reopen, row.pid, slot as u32)));
        }
        for (slot, frame) in frames {
            let (Ok(frame), Some(row)) = (frame, self.slots[slot].as_ref()) else {
                continue;
            };
            self.host.send(&row.channel, &frame, None);
        }
    }

    /// WINCH: the workers finish and exit, and are not replaced; the
    /// master stays (a reload starts workers again).
    pub fn stop_accepting(&mut self) {
        if self.phase != Phase::Running || !self.accepting {
            return;
        }
        self.accepting = false;
        self.host
            .log("no longer accepting: workers finish and exit");
        self.tell_to_stop(Command::Quit, |_| true);
    }
}
