//! The table's operations that are exercises: the one place where the
//! table calls them.
//!
//! Each function here is a direct call into an exercise module. When the
//! grader grades one of them, that module is the student's file (see
//! `crate::graded`) and the rest of the table is the reference, so grading
//! `kill` runs the student's `kill` inside an otherwise reference table.

use super::policy::CpuLocal;
use super::table::{Body, ForkError, ProcGuard, ProcTable};
use super::{KillError, Pid, WaitError};
use crate::locks::{LockGuard, RawLock};
use crate::sleep::Chan;
use std::sync::Arc;

/// `allocproc_fork::fork`.
pub(crate) fn fork(
    table: &Arc<ProcTable>,
    parent: Option<usize>,
    name: &'static str,
    body: Body,
) -> Result<Pid, ForkError> {
    super::allocproc_fork::fork(table, parent, name, body)
}

/// `exit_wait::exit`.
pub(crate) fn exit(table: &ProcTable, slot: usize, status: i32) {
    super::exit_wait::exit(table, slot, status)
}

/// `exit_wait::wait`.
pub(crate) fn wait(table: &ProcTable, slot: usize) -> Result<(Pid, i32), WaitError> {
    super::exit_wait::wait(table, slot)
}

/// `proc_sleep_wakeup::sleep`.
pub(crate) fn sleep<'a, R: RawLock, T: ?Sized>(
    table: &ProcTable,
    slot: usize,
    chan: Chan,
    guard: LockGuard<'a, R, T>,
) -> LockGuard<'a, R, T> {
    super::proc_sleep_wakeup::sleep(table, slot, chan, guard)
}

/// `proc_sleep_wakeup::wakeup`.
pub(crate) fn wakeup(table: &ProcTable, chan: Chan, me: Option<usize>) {
    super::proc_sleep_wakeup::wakeup(table, chan, me)
}

/// `kill::kill`.
pub(crate) fn kill(table: &ProcTable, pid: Pid) -> Result<(), KillError> {
    super::kill::kill(table, pid)
}

/// `kill::killed`.
pub(crate) fn killed(table: &ProcTable, slot: usize) -> bool {
    super::kill::killed(table, slot)
}

/// `scheduler_rr::scheduler`.
pub(crate) fn scheduler(table: &ProcTable, cpu: usize) {
    super::scheduler_rr::scheduler(table, cpu)
}

/// `scheduler_rr::pick_round_robin`.
pub(crate) fn pick_round_robin<'t>(
    table: &'t ProcTable,
    cpu: &mut CpuLocal,
) -> Option<(usize, ProcGuard<'t>)> {
    super::scheduler_rr::pick_round_robin(table, &mut cpu.next)
}
