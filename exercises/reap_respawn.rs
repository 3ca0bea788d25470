// EXERCISE `reap_respawn`: generated from solutions/reap_respawn.rs by `cargo xtask exercises`.
// Replace each `todo!()` with your code, then run `cargo xtask grade reap_respawn`.
// Everything outside the `todo!()`s is given: read it, it is part of the lesson.

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
    todo!("find the worker's slot, tell its siblings, free the row, and decide whether to start it again (the module's doc lists when not to)")
}

/// How a worker ended, in words.
pub fn describe(exit: Exit) -> String {
    match exit {
        Exit::Code(c) => format!("exited with status {c}"),
        Exit::Signal(0) => "was killed by a signal".to_string(),
        Exit::Signal(s) => format!("was killed by signal {s}"),
    }
}
