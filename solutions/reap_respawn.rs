//! What the master does when it reaps a worker (nginx's
//! `ngx_reap_children`): the row is emptied, every other worker is told
//! with CLOSE_CHANNEL, and the worker is started again in the same slot —
//! unless it should not be.
//!
//! It is not started again when:
//!
//! * it was told to stop (`exiting`: QUIT, TERMINATE, a reload, WINCH) or
//!   was marked not to be (`respawn` false);
//! * the master itself is stopping (its phase is not `Running`): a worker
//!   dying during a QUIT must not be replaced, or the master never ends;
//! * it exited with [`FATAL_EXIT`] without being told to stop: it could
//!   not even start (a bad handler name, say) and would fail again at
//!   once — respawning it would be a fork loop.

use crate::master::channel_codec::Command;
use crate::master::supervisor::{Exit, Host, Phase, Pid, Supervisor, FATAL_EXIT};

/// Worker `pid` was reaped with `exit`.
pub fn reaped<H: Host>(master: &mut Supervisor<H>, pid: Pid, exit: Exit) {
    // BEGIN SOLUTION hint: find the worker's slot, tell its siblings, free the row, and decide whether to start it again (the module's doc lists when not to)
    let Some(slot) = master.slot_of(pid) else {
        master.log(&format!("reaped {pid}, which is not a worker"));
        return;
    };
    master.broadcast_about(slot, Command::CloseChannel);
    let row = master.free(slot);
    let fatal = exit == Exit::Code(FATAL_EXIT) && !row.exiting;
    master.log(&format!(
        "worker {pid} (slot {slot}) {}{}",
        describe(exit),
        if fatal {
            "; a fatal exit, not started again"
        } else {
            ""
        }
    ));
    let respawn = row.respawn && !row.exiting && !fatal && master.phase() == Phase::Running;
    if respawn && master.spawn_into(slot) {
        master.respawns += 1;
    }
    // END SOLUTION
}

/// How a worker ended, in words.
pub fn describe(exit: Exit) -> String {
    match exit {
        Exit::Code(c) => format!("exited with status {c}"),
        Exit::Signal(0) => "was killed by a signal".to_string(),
        Exit::Signal(s) => format!("was killed by signal {s}"),
    }
}
