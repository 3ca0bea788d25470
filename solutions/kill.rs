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
    // BEGIN SOLUTION hint: find the used slot whose pid is `pid` (under its lock); set killed; SLEEPING → RUNNABLE and poke the idle CPUs; Ok. None found: Err(NoSuchProcess(pid))
    for p in table.procs.iter() {
        let mut g = p.lock.lock();
        if g.pid == pid && g.state != ProcState::Unused {
            g.killed = true;
            if g.state == ProcState::Sleeping {
                p.set_state(&mut g, ProcState::Runnable);
                drop(g);
                table.poke_idle_cpus();
            }
            return Ok(());
        }
    }
    Err(KillError::NoSuchProcess(pid))
    // END SOLUTION
}

/// Has the process in `slot` been killed? xv6's `killed`.
pub(crate) fn killed(table: &ProcTable, slot: usize) -> bool {
    // BEGIN SOLUTION hint: read the flag under the process's lock
    table.procs[slot].lock.lock().killed
    // END SOLUTION
}
