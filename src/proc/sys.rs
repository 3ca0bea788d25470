//! The system calls a process body makes: the handle a process gets.

use super::pieces;
use super::state::ProcState;
use super::table::{Body, ForkError, ProcTable};
use crate::locks::{LockGuard, RawLock};
use crate::sleep::Chan;
use std::num::NonZeroU32;
use std::sync::Arc;

/// A process id (init is 1).
pub type Pid = usize;

/// Why `wait` returned without a child.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum WaitError {
    /// The caller has no children (xv6 returns -1).
    NoChildren,
    /// The caller was killed while waiting.
    Killed,
}

impl std::fmt::Display for WaitError {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self {
            WaitError::NoChildren => f.write_str("wait: no children"),
            WaitError::Killed => f.write_str("wait: killed while waiting"),
        }
    }
}

impl std::error::Error for WaitError {}

/// Why `kill` failed.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum KillError {
    /// No live process has this pid.
    NoSuchProcess(Pid),
}

impl std::fmt::Display for KillError {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self {
            KillError::NoSuchProcess(pid) => write!(f, "kill: no process with pid {pid}"),
        }
    }
}

impl std::error::Error for KillError {}

/// A running process's view of the machine: its system calls.
///
/// A process *exits* by returning from its body; the value returned is its
/// exit status.
pub struct Sys {
    pub(crate) table: Arc<ProcTable>,
    pub(crate) slot: usize,
}

impl Sys {
    /// This process's pid.
    pub fn getpid(&self) -> Pid {
        self.table.procs[self.slot].lock.lock().pid
    }

    /// Start a child running `body`; its pid, or an error if the table is
    /// full.
    pub fn fork<F>(&self, name: &'static str, body: F) -> Result<Pid, ForkError>
    where
        F: FnOnce(&Sys) -> i32 + Send + 'static,
    {
        let body: Body = Box::new(body);
        pieces::fork(&self.table, Some(self.slot), name, body)
    }

    /// Wait for a child to exit; its pid and exit status.
    pub fn wait(&self) -> Result<(Pid, i32), WaitError> {
        pieces::wait(&self.table, self.slot)
    }

    /// Mark process `pid` killed (waking it if it sleeps).
    pub fn kill(&self, pid: Pid) -> Result<(), KillError> {
        pieces::kill(&self.table, pid)
    }

    /// Has this process been killed? (It should exit soon.)
    pub fn killed(&self) -> bool {
        pieces::killed(&self.table, self.slot)
    }

    /// Give up the CPU for a round (xv6's `yield`): RUNNABLE again, back
    /// in the policy's choice.
    pub fn yield_now(&self) {
        let p = &self.table.procs[self.slot];
        let mut g = p.lock.lock();
        p.set_state(&mut g, ProcState::Runnable);
        self.table.sched(self.slot, g, false);
    }

    /// Set this process's priority for [`Policy::Priority`](super::Policy::Priority):
    /// lower runs first (as Unix `nice`); every process starts at
    /// [`DEFAULT_PRIORITY`](super::policy::DEFAULT_PRIORITY). Other policies
    /// ignore it.
    pub fn set_priority(&self, priority: u8) {
        self.table.procs[self.slot].lock.lock().priority = priority;
    }

    /// Set this process's tickets for [`Policy::Lottery`](super::Policy::Lottery)
    /// (at least one: a process without tickets could never run). Other
    /// policies ignore them.
    pub fn set_tickets(&self, tickets: NonZeroU32) {
        self.table.procs[self.slot].lock.lock().tickets = tickets;
    }

    /// Atomically release `guard`'s lock and sleep on `chan` until a
    /// `wakeup(chan)` (or a `kill`); relock before returning. Callers loop
    /// on their condition.
    pub fn sleep<'a, R: RawLock, T: ?Sized>(
        &self,
        chan: Chan,
        guard: LockGuard<'a, R, T>,
    ) -> LockGuard<'a, R, T> {
        pieces::sleep(&self.table, self.slot, chan, guard)
    }

    /// Wake every process sleeping on `chan`.
    pub fn wakeup(&self, chan: Chan) {
        pieces::wakeup(&self.table, chan, Some(self.slot))
    }

    /// The table as `ps` would list it, read without taking any lock.
    pub fn procdump(&self) -> Vec<PsEntry> {
        self.table.procdump()
    }
}

/// One line of [`Sys::procdump`].
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct PsEntry {
    /// The process id.
    pub pid: Pid,
    /// The parent's pid (0: none).
    pub ppid: Pid,
    /// Its state.
    pub state: ProcState,
    /// How many times a CPU was handed to it.
    pub ticks: usize,
    /// Its name (the first 16 bytes, as xv6 keeps them).
    pub name: String,
}

impl PsEntry {
    /// The header line matching [`PsEntry`]'s `Display`.
    pub const HEADER: &'static str = "  PID  PPID S  TICKS NAME";
}

impl std::fmt::Display for PsEntry {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(
            f,
            "{:>5} {:>5} {} {:>6} {}",
            self.pid,
            self.ppid,
            self.state.ps_letter(),
            self.ticks,
            self.name
        )
    }
}
