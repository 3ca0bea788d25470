//! The sync facade: the one place that knows which world the crate is
//! compiled for.
//!
//! Every primitive in proclab takes its atomics, [`UnsafeCell`], threads and
//! spin hints from here, never from `std` directly. The same source then
//! runs in three worlds:
//!
//! | world   | selected by         | what it is for |
//! |---------|---------------------|----------------|
//! | std     | (default)           | the real library, benchmarks, stress tests |
//! | loom    | `--cfg loom`        | exhaustive search of small models under the C++ memory model: finds missing `Acquire`/`Release` |
//! | shuttle | `--cfg shuttle`     | randomized and PCT scheduling of bigger models (3–8 threads): finds interleaving bugs |
//!
//! The model worlds are switched on with `RUSTFLAGS`, each in its own target
//! directory so its dependency builds stay cached (see the README). No other
//! module of the crate mentions `loom` or `shuttle`: when a primitive needs
//! something world-specific, this module grows an item for it.
//!
//! [`Model::check`](model::Model::check) runs a closure as a model: exhaustively under loom,
//! under random and PCT schedulers under shuttle, and repeatedly on real
//! threads under std, so one test body serves all three worlds.

#[cfg(all(loom, shuttle))]
compile_error!("proclab: choose one model world, `--cfg loom` or `--cfg shuttle`, not both");

#[cfg(not(any(loom, shuttle)))]
#[path = "std_world.rs"]
mod world;

#[cfg(loom)]
#[path = "loom_world.rs"]
mod world;

#[cfg(shuttle)]
#[path = "shuttle_world.rs"]
mod world;

mod cell;
mod identity;
pub mod model;
#[cfg(any(loom, shuttle))]
mod trace;

pub use cell::UnsafeCell;
pub use identity::thread_id;
pub use world::{atomic, thread, WORLD};

/// Tell the processor (and, in the model worlds, the scheduler) that this
/// thread is busy-waiting.
///
/// Every wait loop in proclab calls this: on real hardware it emits a pause
/// instruction; under loom and shuttle it is a scheduling point, without which
/// a spinning thread would starve the thread it waits for and the model would
/// never finish.
#[inline]
pub fn spin_loop() {
    world::spin_loop();
}

/// Is this build a model world (loom or shuttle)? For the rare primitive
/// whose fast paths would keep a model from ever reaching its slow path.
pub const MODEL_CHECKED: bool = cfg!(any(loom, shuttle));

/// How many times a bounded spin may go round before giving up and
/// parking: `on_hardware` in the std world, 1 in the model worlds, where
/// every spin is a scheduling point and a long spin only multiplies the
/// schedules to explore without showing anything new.
#[inline]
pub const fn spin_budget(on_hardware: u32) -> u32 {
    if cfg!(any(loom, shuttle)) {
        1
    } else {
        on_hardware
    }
}

/// Note a step for the trace of a replayed failing run (shuttle world; a
/// no-op elsewhere). `what` is only called while a trace is recorded.
#[track_caller]
#[inline(always)]
pub(crate) fn note(what: impl FnOnce() -> String) {
    #[cfg(any(loom, shuttle))]
    trace::record(std::panic::Location::caller(), what);
    #[cfg(not(any(loom, shuttle)))]
    let _ = what;
}

/// Run `f` with its atomic operations left out of a replay trace, when
/// one note sums them up (shuttle world; elsewhere just runs `f`).
#[inline(always)]
pub(crate) fn quietly<R>(f: impl FnOnce() -> R) -> R {
    #[cfg(any(loom, shuttle))]
    return trace::quietly(f);
    #[cfg(not(any(loom, shuttle)))]
    f()
}

/// `per_thread! { static NAME: T = const { init }; }` — a `thread_local!`
/// whose values are per *modelled* thread.
///
/// loom and shuttle run all their threads on one OS thread, so `std`'s
/// thread locals would be shared between them; this picks the world's own.
/// In the std world the initializer is `const`, which makes each access a
/// plain load from thread-local storage with no lazy-initialization check
/// (this sits on every lock's hot path).
macro_rules! per_thread {
    ($(#[$attr:meta])* $vis:vis static $name:ident: $t:ty = const { $init:expr };) => {
        #[cfg(not(any(loom, shuttle)))]
        std::thread_local! { $(#[$attr])* $vis static $name: $t = const { $init }; }
        #[cfg(loom)]
        loom::thread_local! { $(#[$attr])* $vis static $name: $t = $init; }
        #[cfg(shuttle)]
        shuttle::thread_local! { $(#[$attr])* $vis static $name: $t = $init; }
    };
}
pub(crate) use per_thread;

/// Define a function that is `const` wherever the world allows it.
///
/// loom's atomics have no `const` constructors, so under loom the function is
/// an ordinary `fn`; in std and shuttle it is a `const fn` (which is what lets
/// proclab's raw locks provide `lock_api`'s `const INIT`).
macro_rules! const_fn {
    ($(#[$attr:meta])* $vis:vis fn $($rest:tt)*) => {
        #[cfg(not(loom))]
        $(#[$attr])* $vis const fn $($rest)*
        #[cfg(loom)]
        $(#[$attr])* $vis fn $($rest)*
    };
}
pub(crate) use const_fn;

/// Items that exist only where constructors can be `const` (std, shuttle):
/// e.g. the `lock_api` impls, whose `INIT` must be a constant.
macro_rules! not_under_loom {
    ($($item:item)*) => { $( #[cfg(not(loom))] $item )* };
}
pub(crate) use not_under_loom;
