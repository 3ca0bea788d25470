// EXERCISE `kill`: generated from solutions/kill.rs by `cargo xtask exercises`.
// Replace each `todo!()` with your code, then run `cargo xtask grade kill`.
// Everything outside the `todo!()`s is given: read it, it is part of the lesson.

//! `kill`: asking a process to exit (xv6's `kernel/proc.c`).
//!
//! `kill` does not stop a process by force: it sets the target's `killed`
//! flag, and the process exits the next time it looks (`Sys::killed`, and
//! `wait`, which returns `WaitError::Killed`). A process asleep would never
//! look, so `kill` also wakes it — SLEEPING becomes RUNNABLE, whatever the
//! channel; the sleeper's loop sees the flag and gives up. A RUNNING or
//! RUNNABLE target is left in its state: it will look soon enough, and
//! making a RUNNING process RUNNABLE would let a second CPU dispatch it.
//!
//! A pid that names no live process is an error (`KillError::NoSuchProcess`):
//! a free slot keeps no pid.
//!
//! What the table gives you (see `src/proc/table.rs`): `table.procs`, each
//! with `lock` (fields `pid`, `state`, `killed`) and `set_state(&mut g,
//! state)`; `table.poke_idle_cpus()`.

use crate::proc::table::ProcTable;
use crate::proc::{KillError, Pid, ProcState};

/// Mark process `pid` killed and wake it if it sleeps. xv6's `kill`.
pub(crate) fn kill(table: &ProcTable, pid: Pid) -> Result<(), KillError> {
    todo!("find the used slot whose pid is `pid` (under its lock); set killed; SLEEPING → RUNNABLE and poke the idle CPUs; Ok. None found: Err(NoSuchProcess(pid))")
}

/// Has the process in `slot` been killed? xv6's `killed`.
pub(crate) fn killed(table: &ProcTable, slot: usize) -> bool {
    todo!("read the flag under the process's lock")
}
