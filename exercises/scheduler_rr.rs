// EXERCISE `scheduler_rr`: generated from solutions/scheduler_rr.rs by `cargo xtask exercises`.
// Replace each `todo!()` with your code, then run `cargo xtask grade scheduler_rr`.
// Everything outside the `todo!()`s is given: read it, it is part of the lesson.

//! The CPU's scheduler loop and round-robin choice (xv6's `scheduler` in
//! `kernel/proc.c`).
//!
//! Each CPU runs `scheduler` forever (until the machine halts): ask the
//! policy for a RUNNABLE process, *dispatch* it — mark it RUNNING on this
//! CPU and hand it the CPU (xv6's `swtch`) — and wait until it gives the
//! CPU back by yielding, sleeping or exiting. With nothing to run, the CPU
//! sleeps until something becomes runnable (xv6 spins with interrupts on;
//! a thread can do better).
//!
//! The choice and the dispatch are one critical section of the process's
//! lock: the policy returns the process *locked*, with its state checked,
//! and `dispatch` marks it RUNNING before letting go. Another CPU looking
//! at the same moment then sees RUNNING and passes it by — if the lock
//! were dropped in between, both could dispatch it and one process would
//! run on two CPUs.
//!
//! Round robin, xv6's policy: each CPU scans the table circularly, starting
//! after the slot it ran last, so every runnable process gets its turn.
//!
//! What the table gives you (see `src/proc/table.rs`): `table.procs[slot]`
//! with `lock`, `set_state`, `dispatches` (a counter) and `baton`
//! (`give()` hands the process the CPU); `table.cpus[cpu]` (the CPU's
//! baton: `take()` waits until the process hands the CPU back);
//! `table.policy.pick`, `table.halted()`, `table.idle_generation()`,
//! `table.idle_wait(seen)`.

use crate::proc::policy::CpuLocal;
use crate::proc::table::{ProcGuard, ProcTable};
use crate::proc::ProcState;
use crate::sync::atomic::Ordering::Relaxed;

/// CPU `cpu`'s scheduler loop: run what the policy picks until the
/// machine halts.
pub(crate) fn scheduler(table: &ProcTable, cpu: usize) {
    let mut local = CpuLocal::new(&table.policy, cpu);
    loop {
        // Read before looking for work, so that a process made runnable
        // after the look wakes this CPU if it goes idle.
        let seen = table.idle_generation();
        if table.halted() {
            return;
        }
        match table.policy.pick(table, &mut local) {
            Some((slot, g)) => dispatch(table, cpu, slot, g),
            None => table.idle_wait(seen),
        }
    }
}

/// Run the process in `slot` — locked by the caller, RUNNABLE — on CPU
/// `cpu`, and return once it has given the CPU back. xv6's `swtch` and the
/// bookkeeping around it.
pub(crate) fn dispatch(table: &ProcTable, cpu: usize, slot: usize, mut g: ProcGuard<'_>) {
    let p = &table.procs[slot];
    todo!("still under the lock: set RUNNING and record g.cpu; count the dispatch; unlock; then give the process its baton and take this CPU's")
}

/// Round robin: starting at slot `*next` and wrapping around, the first
/// RUNNABLE process, returned locked; `*next` moves past it. `None` when
/// nothing is runnable.
pub(crate) fn pick_round_robin<'t>(
    table: &'t ProcTable,
    next: &mut usize,
) -> Option<(usize, ProcGuard<'t>)> {
    todo!("for k in 0..n, slot = (*next + k) % n: lock it; RUNNABLE → set *next = slot + 1 and return it still locked")
}
