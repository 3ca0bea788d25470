// EXERCISE `allocproc_fork`: generated from solutions/allocproc_fork.rs by `cargo xtask exercises`.
// Replace each `todo!()` with your code, then run `cargo xtask grade allocproc_fork`.
// Everything outside the `todo!()`s is given: read it, it is part of the lesson.

//! `allocproc` and `fork`: how a process comes to be (xv6's
//! `kernel/proc.c`).
//!
//! `allocproc` finds an UNUSED slot and claims it: under the slot's lock it
//! checks the state and, in the same critical section, gives the slot a
//! fresh pid and marks it USED. Checking and claiming under one lock is
//! the whole point — two CPUs forking at once must never claim the same
//! slot. When no slot is free, `fork` fails with an error naming the
//! table's size (xv6 returns -1).
//!
//! `fork` then starts the child's thread, records its parent under the
//! table's `wait_lock` (the parent link is `wait_lock`'s to guard), and
//! only then makes it RUNNABLE: from that moment a CPU may run it — and
//! it may exit at once, so everything `exit` and `wait` look at must be in
//! place first.
//!
//! What the table gives you (see `src/proc/table.rs`):
//! * `table.procs[slot]`: a `Proc`, with `lock` (its `ProcInner`: `state`,
//!   `pid`, …), `init_slot(&mut g, pid, name)` (fills the slot and sets
//!   USED), `set_state(&mut g, state)`, `set_parent(&w, parent, ppid)`
//!   and `snap_pid` (the pid, readable without the lock);
//! * `table.next_pid`, an `AtomicUsize` counter;
//! * `table.wait_lock`, `table.spawn_process(slot, body)`,
//!   `table.poke_idle_cpus()`.

use crate::proc::table::{Body, ForkError, ProcTable};
use crate::proc::{Pid, ProcState};
use crate::sync::atomic::Ordering::Relaxed;
use std::sync::Arc;

/// Claim a free slot: its index and the new process's pid, the slot left
/// USED. xv6's `allocproc`.
pub(crate) fn allocproc(table: &ProcTable, name: &'static str) -> Result<(usize, Pid), ForkError> {
    todo!("for each slot: lock it; if UNUSED, take a pid with next_pid.fetch_add and init_slot it before unlocking, and return; none free: Err(ForkError::TableFull)")
}

/// Create a process named `name` running `body`, a child of the process in
/// slot `parent` (`None`: init, which has no parent). Its pid, or an error
/// when the table is full. xv6's `fork`.
pub(crate) fn fork(
    table: &Arc<ProcTable>,
    parent: Option<usize>,
    name: &'static str,
    body: Body,
) -> Result<Pid, ForkError> {
    let (slot, pid) = allocproc(table, name)?;
    table.spawn_process(slot, body);
    let p = &table.procs[slot];
    todo!("under wait_lock, set the parent link (ppid: the parent's snap_pid, 0 for none); then, under p.lock, make the child RUNNABLE; then poke the idle CPUs");
    Ok(pid)
}
