// EXERCISE `proc_sleep_wakeup`: generated from solutions/proc_sleep_wakeup.rs by `cargo xtask exercises`.
// Replace each `todo!()` with your code, then run `cargo xtask grade proc_sleep_wakeup`.
// Everything outside the `todo!()`s is given: read it, it is part of the lesson.

//! `sleep` and `wakeup` inside the process table (xv6's `kernel/proc.c`).
//!
//! The same idea as the `sleep_wakeup` exercise, now with the scheduler in
//! the picture: a sleeping process is a slot in state SLEEPING with its
//! channel recorded, and it gives its CPU back (`sched`) until a `wakeup`
//! on that channel makes it RUNNABLE and some CPU dispatches it again.
//!
//! The lost wakeup is avoided as xv6 does: the sleeper takes its own
//! `p.lock` *before* releasing the condition lock, and keeps it until it
//! is SLEEPING and has given up its CPU (`sched` releases it). A waker
//! changes the condition under the condition lock and then takes each
//! process's `p.lock` to look at it, so it either ran before the sleeper
//! checked the condition or finds it SLEEPING.
//!
//! Two rules besides:
//! * `wakeup` only touches processes that are SLEEPING on that channel: a
//!   RUNNING process made RUNNABLE would be dispatched by a second CPU
//!   while it still runs on the first;
//! * a killed process does not go to sleep (it would otherwise sleep
//!   through a `kill` that landed between its `killed()` check and its
//!   `sleep`; Linux's interruptible sleeps refuse the same way).
//!
//! What the table gives you (see `src/proc/table.rs`): `table.procs[slot]`
//! with `lock` (fields `state`, `chan`, `killed`) and
//! `set_state(&mut g, state)`; `table.sched(slot, g, false)` (gives the CPU
//! back and returns once dispatched again); `table.poke_idle_cpus()`.

use crate::locks::{LockGuard, RawLock};
use crate::proc::table::ProcTable;
use crate::proc::ProcState;
use crate::sleep::Chan;

/// The process in `slot` atomically releases `guard`'s lock and sleeps on
/// `chan`; it relocks before returning. Returns at once if the process has
/// been killed. xv6's `sleep`.
pub(crate) fn sleep<'a, R: RawLock, T: ?Sized>(
    table: &ProcTable,
    slot: usize,
    chan: Chan,
    guard: LockGuard<'a, R, T>,
) -> LockGuard<'a, R, T> {
    let p = &table.procs[slot];
    let lock = LockGuard::lock(&guard);
    todo!("lock p.lock first; if killed, return guard as is; else drop guard, record chan, set SLEEPING, sched(slot, g, false); once back, clear chan under p.lock");
    lock.lock()
}

/// Make every process sleeping on `chan` RUNNABLE, except the process in
/// slot `me` (the caller, which is running). xv6's `wakeup`.
pub(crate) fn wakeup(table: &ProcTable, chan: Chan, me: Option<usize>) {
    todo!("for every slot but `me`: under its lock, if SLEEPING on chan, set RUNNABLE; if any woke, poke the idle CPUs")
}
