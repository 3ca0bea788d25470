// EXERCISE `graceful_reload`: generated from solutions/graceful_reload.rs by `cargo xtask exercises`.
// Replace each `todo!()` with your code, then run `cargo xtask grade graceful_reload`.
// Everything outside the `todo!()`s is given: read it, it is part of the lesson.

//! A reload (SIGHUP with a valid configuration), as nginx does it: the
//! new workers first, then the old ones are asked to QUIT.
//!
//! The order is the point. Started first, the new generation is accepting
//! before the old one stops, so there is no moment without a worker
//! taking connections. Asked to QUIT (not TERMINATE), the old workers
//! finish the connections they have — no request is cut. Old workers are
//! those of an older generation: the new ones must not be told to stop.
//! A master that is already stopping does not reload: it would start
//! workers it is about to stop.

use crate::master::channel_codec::Command;
use crate::master::supervisor::{Host, Phase, Supervisor};

/// Replace the workers with a new generation of `workers`.
pub fn reload<H: Host>(master: &mut Supervisor<H>, workers: usize) {
    todo!("a reload in the right order, and only when it makes sense (see the module's doc and the hints)")
}
