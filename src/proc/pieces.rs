//! The table's operations that are exercises, each call routed to the
//! reference code or to a student's file.
//!
//! A plain build has only the reference: every function here is a direct
//! call. When the grader swaps a student's file in (see `crate::graded`),
//! a call goes to the student's version only if the running test binary
//! grades that exercise ([`crate::graded::focus`]). The grader builds all
//! of a submission's exercises together; without the focus, a `todo!()`
//! left in `allocproc_fork` would fail every test of `kill`, which forks.
//! With it, grading `kill` runs the student's `kill` inside an otherwise
//! reference table, and each exercise is judged on its own code.

use super::policy::CpuLocal;
use super::table::{Body, ForkError, ProcGuard, ProcTable};
use super::{KillError, Pid, WaitError};
use crate::locks::{LockGuard, RawLock};
use crate::sleep::Chan;
use std::sync::Arc;

use crate::graded::route;

/// `allocproc_fork::fork`.
pub(crate) fn fork(
    table: &Arc<ProcTable>,
    parent: Option<usize>,
    name: &'static str,
    body: Body,
) -> Result<Pid, ForkError> {
    route!(
        "allocproc_fork",
        allocproc_fork::fork(table, parent, name, body)
    )
}

/// `exit_wait::exit`.
pub(crate) fn exit(table: &ProcTable, slot: usize, status: i32) {
    route!("exit_wait", exit_wait::exit(table, slot, status))
}

/// `exit_wait::wait`.
pub(crate) fn wait(table: &ProcTable, slot: usize) -> Result<(Pid, i32), WaitError> {
    route!("exit_wait", exit_wait::wait(table, slot))
}

/// `proc_sleep_wakeup::sleep`.
pub(crate) fn sleep<'a, R: RawLock, T: ?Sized>(
    table: &ProcTable,
    slot: usize,
    chan: Chan,
    guard: LockGuard<'a, R, T>,
) -> LockGuard<'a, R, T> {
    route!(
        "proc_sleep_wakeup",
        proc_sleep_wakeup::sleep(table, slot, chan, guard)
    )
}

/// `proc_sleep_wakeup::wakeup`.
pub(crate) fn wakeup(table: &ProcTable, chan: Chan, me: Option<usize>) {
    route!(
        "proc_sleep_wakeup",
        proc_sleep_wakeup::wakeup(table, chan, me)
    )
}

/// `kill::kill`.
pub(crate) fn kill(table: &ProcTable, pid: Pid) -> Result<(), KillError> {
    route!("kill", kill::kill(table, pid))
}

/// `kill::killed`.
pub(crate) fn killed(table: &ProcTable, slot: usize) -> bool {
    route!("kill", kill::killed(table, slot))
}

/// `scheduler_rr::scheduler`.
pub(crate) fn scheduler(table: &ProcTable, cpu: usize) {
    route!("scheduler_rr", scheduler_rr::scheduler(table, cpu))
}

/// `scheduler_rr::pick_round_robin`.
pub(crate) fn pick_round_robin<'t>(
    table: &'t ProcTable,
    cpu: &mut CpuLocal,
) -> Option<(usize, ProcGuard<'t>)> {
    route!(
        "scheduler_rr",
        scheduler_rr::pick_round_robin(table, &mut cpu.next)
    )
}
