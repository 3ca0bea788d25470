//! Servers: the fourth layer of the course (in progress).
//!
//! * [`handler`] — what a server does with an accepted connection: the
//!   [`Handler`] interface, [`Echo`] (raw TCP) and [`Http`], a strict
//!   HTTP/1.1 responder.
//! * [`http`] — the incremental request parser behind [`Http`]: never
//!   panics on input, refuses with 400/413/431/501/505.
//!
//! The server models (iterative, fork per connection, threads, a pool, a
//! pre-forked pool with an accept mutex), `proclab serve` and the load
//! generator come next.

pub mod handler;
pub mod http;

pub use handler::{Conn, Echo, Handler, Http, Served};
