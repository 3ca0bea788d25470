//! Reusable model-check harnesses: the invariants every primitive of a
//! kind must keep, written once against the sync facade so the same body
//! runs under std, loom and shuttle.
//!
//! Each harness is an ordinary function meant to be the body of a
//! [`Model`](crate::sync::model::Model) check, and each failure message
//! starts with the invariant that broke, so a student reading a red test
//! knows what their code did wrong before reading how.
//!
//! ```
//! # extern crate proclab;
//! use proclab::check::locks;
//! use proclab::locks::RawSpinlock;
//! use proclab::sync::model::Model;
//!
//! let model = Model::new("spinlock: mutual exclusion");
//! let threads = model.spawned_threads();
//! model.check(move || locks::mutual_exclusion::<RawSpinlock>(threads, 2));
//! ```

pub mod locks;
pub mod master;
pub mod procs;
pub mod rwlocks;
