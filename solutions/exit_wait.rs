//! `exit` and `wait`: how a process ends and is reaped (xv6's
//! `kernel/proc.c`).
//!
//! A process that exits cannot free its own slot — it is still running on
//! it — so it becomes a ZOMBIE holding its exit status, and its parent's
//! `wait` frees the slot ("reaps" it). Two more duties fall on `exit`:
//!
//! * its children must not be left without a parent to reap them: they are
//!   given to init (`reparent`), which waits for every process it inherits;
//! * its parent may be asleep in `wait`: it must be woken — on the channel
//!   of the parent's slot, the one `wait` sleeps on.
//!
//! The table's `wait_lock` makes this race-free. `wait` holds it while it
//! looks for a zombie child and until it sleeps (`sleep` releases it only
//! once the parent is SLEEPING); `exit` holds it while it wakes the parent
//! *and until it is a ZOMBIE*. So either the parent's scan finds the
//! zombie, or the parent is asleep when the wakeup comes. Lock order:
//! `wait_lock`, then a process's lock, never the other way.
//!
//! What the table gives you (see `src/proc/table.rs`): `table.procs[slot]`
//! with `lock`, `parent(&w)`, `set_parent(&w, parent, ppid)`,
//! `set_state(&mut g, state)` and `free_slot(&mut g)` (which returns the
//! dead process's thread); `table.wait_lock`;
//! `table.sched(slot, g, exiting)`; `table.join_process(thread)`;
//! `table.halt()`; `INIT`, init's slot; and `sleep` and `wakeup` (exercise
//! `proc_sleep_wakeup`).

use crate::proc::pieces::{sleep, wakeup};
use crate::proc::table::{ProcTable, WaitGuard, INIT};
use crate::proc::{Pid, ProcState, WaitError};
use crate::sleep::Chan;

/// The process in `slot` exits with `status`: its children go to init, its
/// parent is woken, it becomes a ZOMBIE and gives up its CPU for good.
/// xv6's `exit`.
pub(crate) fn exit(table: &ProcTable, slot: usize, status: i32) {
    let p = &table.procs[slot];
    let w = table.wait_lock.lock();
    if slot == INIT {
        // init returns only after reaping everything (boot's wrapper):
        // the machine halts.
        let mut g = p.lock.lock();
        g.xstate = status;
        p.set_state(&mut g, ProcState::Zombie);
        drop(w);
        table.halt();
        table.sched(slot, g, true);
        return;
    }
    // BEGIN SOLUTION hint: holding wait_lock: reparent the children, wake the parent (on the channel of its slot), and set xstate and ZOMBIE under p.lock — only then let go of wait_lock; finally sched(slot, g, true)
    reparent(table, &w, slot);
    if let Some(parent) = p.parent(&w) {
        wakeup(table, Chan::of(&table.procs[parent]), Some(slot));
    }
    let mut g = p.lock.lock();
    g.xstate = status;
    p.set_state(&mut g, ProcState::Zombie);
    drop(w);
    table.sched(slot, g, true);
    // END SOLUTION
}

/// Give the children of the process in `slot` to init, and wake init if
/// there were any. xv6's `reparent`.
pub(crate) fn reparent(table: &ProcTable, w: &WaitGuard<'_>, slot: usize) {
    // BEGIN SOLUTION hint: every process whose parent is `slot` gets INIT as parent (ppid 1); wake init on the channel of its slot
    let mut gave = false;
    for q in table.procs.iter() {
        if q.parent(w) == Some(slot) {
            q.set_parent(w, Some(INIT), 1);
            gave = true;
        }
    }
    if gave {
        wakeup(table, Chan::of(&table.procs[INIT]), Some(slot));
    }
    // END SOLUTION
}

/// Wait for a child of the process in `slot` to exit, reap it (its slot
/// becomes UNUSED) and return its pid and exit status. Errors: no children
/// at all, or the caller was killed while waiting. xv6's `wait`.
pub(crate) fn wait(table: &ProcTable, slot: usize) -> Result<(Pid, i32), WaitError> {
    let me = &table.procs[slot];
    let mut w = table.wait_lock.lock();
    loop {
        // BEGIN SOLUTION hint: scan for children (parent == slot); a ZOMBIE one: read pid and xstate, free_slot it (keep the thread it returns), clear its parent, drop wait_lock, join_process(thread), return; no children: NoChildren; killed: Killed; else sleep on Chan::of(me) with wait_lock
        let mut have_kids = false;
        for child in table.procs.iter() {
            if child.parent(&w) != Some(slot) {
                continue;
            }
            have_kids = true;
            let mut g = child.lock.lock();
            if g.state == ProcState::Zombie {
                let reaped = (g.pid, g.xstate);
                let thread = child.free_slot(&mut g);
                drop(g);
                child.set_parent(&w, None, 0);
                drop(w);
                table.join_process(thread);
                return Ok(reaped);
            }
        }
        if !have_kids {
            return Err(WaitError::NoChildren);
        }
        if me.lock.lock().killed {
            return Err(WaitError::Killed);
        }
        w = sleep(table, slot, Chan::of(me), w);
        // END SOLUTION
    }
}
