//! Processes: xv6's process table in user space.
//!
//! CPUs are threads running a scheduler loop; processes are closures, each
//! on its own thread, that run only while a CPU has handed them control
//! and give it back when they yield, sleep or exit — xv6's
//! `sched`/`swtch` hand-off, so a process never runs on two CPUs and a CPU
//! runs one process at a time.
//!
//! ```
//! # extern crate proclab;
//! use proclab::proc::ProcTable;
//! let status = ProcTable::boot(2, 8, |sys| {
//!     let child = sys.fork("child", |_| 7).expect("a free slot");
//!     assert_eq!(sys.wait(), Ok((child, 7)));
//!     0
//! });
//! assert_eq!(status, Ok(0));
//! ```
//!
//! * [`ProcTable`] — boot a machine; the table and its CPUs.
//! * [`Sys`] — a process's system calls: `fork`, `wait`, `kill`, `sleep`,
//!   `wakeup`, `yield_now`, `getpid`, `procdump`; a process exits by
//!   returning its status.
//! * [`ProcState`] — the life cycle, with Linux `ps` letters.
//! * [`Policy`] — how the CPUs choose: round robin (xv6's, the default),
//!   FIFO, priority, MLFQ, lottery ([`ProcTable::boot_with`]).
//!
//! The operations students write are the modules [`allocproc_fork`],
//! [`exit_wait`], [`proc_sleep_wakeup`], [`kill`] and [`scheduler_rr`]
//! (each an exercise); the table reaches them through [`crate::graded`].

mod baton;
pub(crate) mod pieces;
pub mod policy;
mod state;
mod sys;
pub(crate) mod table;

crate::exercise!(allocproc_fork);
crate::exercise!(exit_wait);
crate::exercise!(kill);
crate::exercise!(proc_sleep_wakeup);
crate::exercise!(scheduler_rr);

pub use policy::{Mlfq, Policy};
pub use state::ProcState;
pub use sys::{KillError, Pid, PsEntry, Sys, WaitError};
pub use table::{Body, ForkError, ProcTable};

use crate::sync::atomic::Ordering::Relaxed;

impl ProcTable {
    /// Every used slot as `ps` would list it, read without taking any lock
    /// (as xv6's `procdump`, which must work even when the table is
    /// wedged): the lines may mix old and new values.
    pub fn procdump(&self) -> Vec<PsEntry> {
        self.procs
            .iter()
            .filter_map(|p| {
                // Relaxed: snapshots, read without synchronizing.
                let state = ProcState::from_code(p.snap_state.load(Relaxed));
                (state != ProcState::Unused).then(|| {
                    let bytes: Vec<u8> = p
                        .snap_name
                        .iter()
                        .flat_map(|half| half.load(Relaxed).to_le_bytes())
                        .take_while(|&b| b != 0)
                        .collect();
                    PsEntry {
                        pid: p.snap_pid.load(Relaxed),
                        ppid: p.snap_ppid.load(Relaxed),
                        state,
                        ticks: p.dispatches.load(Relaxed),
                        name: String::from_utf8_lossy(&bytes).into_owned(),
                    }
                })
            })
            .collect()
    }
}
