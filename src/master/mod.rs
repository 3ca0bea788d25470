//! Master and workers: nginx's process model (in progress).
//!
//! * [`channel_codec`] (exercise) — the frame of the channel protocol:
//!   command, pid, slot, and whether a descriptor travels with it; a
//!   decoder that refuses every malformed frame with a reason.
//! * `channel` (ordinary world only) — a channel end: a sequenced-packet
//!   Unix socket carrying frames, with descriptors passed as `SCM_RIGHTS`.
//! * [`supervisor`] — the master's process table and decisions (respawn,
//!   broadcasts, graceful and fast stop, reload, heartbeats), separate from
//!   real processes so that shuttle can check it with thread workers.
//! * `ps` (ordinary world only) — `proclab ps`: masters and their workers
//!   from `/proc`, flagging a replaced executable.

#[cfg(not(any(loom, shuttle)))]
pub mod channel;
crate::exercise!(channel_codec);
#[cfg(not(any(loom, shuttle)))]
pub mod config;
#[cfg(not(any(loom, shuttle)))]
pub mod daemon;
crate::exercise!(graceful_reload);
#[cfg(not(any(loom, shuttle)))]
pub mod log;
#[cfg(not(any(loom, shuttle)))]
pub mod ps;
crate::exercise!(reap_respawn);
#[cfg(not(any(loom, shuttle)))]
pub mod run;
pub mod supervisor;
#[cfg(not(any(loom, shuttle)))]
pub mod upgrade;
#[cfg(not(any(loom, shuttle)))]
pub mod worker;
