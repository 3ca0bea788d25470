//! Servers: the fourth layer of the course.
//!
//! * [`handler`] — what a server does with an accepted connection: the
//!   [`Handler`] interface, [`Echo`] (raw TCP) and [`Http`], a strict
//!   HTTP/1.1 responder.
//! * [`http`] — the incremental request parser behind [`Http`]: never
//!   panics on input, refuses with 400/413/431/501/505.
//! * [`accept_mutex`] (exercise) — nginx's accept mutex, a lock word that
//!   holds its holder's pid; [`thread_pool`] (exercise) — worker threads
//!   fed through a bounded queue.
//! * `listen`, `stop`, `models` (ordinary world only) — the listening
//!   socket, graceful stop on SIGINT/SIGTERM through a self-pipe, and the
//!   in-process models: iterative, thread per connection, thread pool.
//!   `proclab serve` runs them (`cli`); `load` is the load generator
//!   (`proclab load`).
//! * `fork_server_reaping` (the exercise of that name) — fork per connection;
//!   `prefork` and `shared` — the pre-forked pool, with the accept mutex
//!   in shared memory or one `SO_REUSEPORT` socket per worker.

crate::exercise!(accept_mutex);
#[cfg(not(any(loom, shuttle)))]
pub mod cli;
#[cfg(not(any(loom, shuttle)))]
crate::exercise!(fork_server_reaping);
pub mod handler;
pub mod http;
#[cfg(not(any(loom, shuttle)))]
pub mod listen;
#[cfg(not(any(loom, shuttle)))]
pub mod load;
#[cfg(not(any(loom, shuttle)))]
pub mod models;
#[cfg(not(any(loom, shuttle)))]
pub mod prefork;
#[cfg(not(any(loom, shuttle)))]
pub mod shared;
#[cfg(not(any(loom, shuttle)))]
pub mod stop;
crate::exercise!(thread_pool);

pub use handler::{Conn, Echo, Handler, Http, Served};
