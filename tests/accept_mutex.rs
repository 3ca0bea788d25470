//! Exercise `accept_mutex` (`solutions/accept_mutex.rs`): nginx's accept
//! mutex, a word holding its holder's pid. Model-checked with threads
//! standing in for worker processes (each with its own "pid"; the word is
//! the same atomic whether two threads or two processes share it):
//!
//! * one holder at a time, and what a holder wrote is seen by the next;
//! * a holder that dies is released by the master's `force_unlock`, and
//!   the others get in;
//! * `force_unlock` of a worker that died *after* letting go never frees
//!   the mutex of the live worker holding it now.
//!
//! In the ordinary world also the rules on bad calls, and the real thing:
//! a `proclab serve --model prefork` worker SIGKILLed while it holds the
//! mutex, after which the others must keep serving.

#[macro_use]
mod common;
#[cfg(not(any(loom, shuttle)))]
mod serve_common;

use common::join;
use proclab::graded::accept_mutex::AcceptMutex;
use proclab::sync::atomic::{AtomicUsize, Ordering::Relaxed};
use proclab::sync::model::Model;
use proclab::sync::{spin_loop, thread, UnsafeCell};
use std::sync::Arc;

/// The mutex and what it protects.
struct Arena {
    mutex: AcceptMutex,
    /// Workers inside right now. Relaxed on purpose: the instrument must
    /// not lend the mutex the ordering it is meant to provide.
    inside: AtomicUsize,
    /// Written only by the holder: loom reports an unsynchronized access.
    counter: UnsafeCell<usize>,
}

// SAFETY: `counter` is only touched by the mutex's holder (the property
// under test, which loom checks) or after every thread is joined.
unsafe impl Sync for Arena {}

impl Arena {
    fn new() -> Arc<Arena> {
        Arc::new(Arena {
            mutex: AcceptMutex::new(),
            inside: AtomicUsize::new(0),
            counter: UnsafeCell::new(0),
        })
    }

    /// Retry `try_lock` until it succeeds (a worker would serve its other
    /// connections in between).
    fn lock(&self, pid: u32) {
        while !self.mutex.try_lock(pid) {
            spin_loop();
        }
    }

    /// The critical section: alone inside, the holder named by the word,
    /// one increment of the protected counter.
    fn critical_section(&self, pid: u32) {
        let others = self.inside.fetch_add(1, Relaxed);
        assert_eq!(
            others, 0,
            "one holder at a time: pid {pid} got the mutex while {others} other worker(s) held it"
        );
        let holder = self.mutex.holder();
        assert_eq!(
            holder, pid,
            "the word names its holder: pid {pid} holds the mutex but the word says {holder}"
        );
        // SAFETY: this worker holds the mutex (checked above).
        let seen = self.counter.with(|p| unsafe { *p });
        thread::yield_now();
        // SAFETY: as above.
        self.counter.with_mut(|p| unsafe { *p = seen + 1 });
        self.inside.fetch_sub(1, Relaxed);
    }

    fn unlock(&self, pid: u32) {
        assert!(
            self.mutex.unlock(pid),
            "unlock by the holder: pid {pid} held the mutex, but unlock({pid}) said it did not \
             (someone freed or took it while pid {pid} held it)"
        );
    }

    fn total(&self) -> usize {
        // SAFETY: every thread has been joined.
        self.counter.with(|p| unsafe { *p })
    }
}

/// Workers with pids 100, 101, … each take the mutex `rounds` times.
fn one_holder_at_a_time(workers: usize, rounds: usize) {
    let arena = Arena::new();
    let handles: Vec<_> = (0..workers)
        .map(|w| {
            let arena = arena.clone();
            thread::spawn(move || {
                let pid = 100 + w as u32;
                for _ in 0..rounds {
                    arena.lock(pid);
                    arena.critical_section(pid);
                    arena.unlock(pid);
                }
            })
        })
        .collect();
    for h in handles {
        join(h);
    }
    assert_eq!(
        arena.total(),
        workers * rounds,
        "every critical section counted once"
    );
    assert_eq!(arena.mutex.holder(), 0, "free at the end");
}

#[test]
fn one_holder_at_a_time_and_each_sees_the_last() {
    let model = Model::new("accept mutex: one holder at a time");
    let workers = model.spawned_threads();
    model.check(move || one_holder_at_a_time(workers, 2));
}

/// Worker 7 takes the mutex and dies holding it. The master, once it has
/// reaped 7 (joined its thread), force-releases it; worker 8, trying all
/// along, then gets in.
#[test]
fn a_dead_holder_is_released_by_the_master() {
    Model::new("accept mutex: a dead holder").check(|| {
        let arena = Arena::new();
        assert!(arena.mutex.try_lock(7), "a free mutex can be taken");
        let dying = {
            let arena = arena.clone();
            // Dies holding the mutex: no unlock.
            thread::spawn(move || arena.critical_section(7))
        };
        let other = {
            let arena = arena.clone();
            thread::spawn(move || {
                arena.lock(8);
                arena.critical_section(8);
                arena.unlock(8);
            })
        };
        join(dying); // the master reaps worker 7 ...
        assert!(
            arena.mutex.force_unlock(7),
            "force_unlock(7) after 7 died holding the mutex must release it (and say so)"
        );
        join(other);
        assert_eq!(arena.total(), 2);
    });
}

/// Worker 7 takes the mutex, lets it go and dies; worker 8 may take it at
/// any moment. When the master reaps 7 and calls `force_unlock(7)`, it
/// must not free the mutex under 8.
#[test]
fn force_unlock_never_frees_a_live_holder() {
    Model::new("accept mutex: force_unlock spares a live holder").check(|| {
        let arena = Arena::new();
        let dying = {
            let arena = arena.clone();
            thread::spawn(move || {
                arena.lock(7);
                arena.critical_section(7);
                arena.unlock(7);
            })
        };
        let live = {
            let arena = arena.clone();
            thread::spawn(move || {
                arena.lock(8);
                arena.critical_section(8);
                arena.unlock(8);
            })
        };
        join(dying);
        let released = arena.mutex.force_unlock(7);
        assert!(
            !released,
            "force_unlock(7): worker 7 had let go before it died, yet force_unlock says it released the mutex"
        );
        join(live);
        assert_eq!(arena.total(), 2);
    });
}

#[cfg(not(any(loom, shuttle)))]
mod ordinary {
    use super::*;

    #[test]
    fn unlock_by_a_non_holder_changes_nothing() {
        let m = AcceptMutex::new();
        assert!(!m.unlock(5), "unlock of a free mutex: nothing to release");
        assert!(m.try_lock(5));
        assert!(!m.try_lock(6), "a held mutex cannot be taken");
        assert!(!m.unlock(6), "unlock(6) while 5 holds it must say no");
        assert_eq!(m.holder(), 5, "... and leave 5 holding it");
        assert!(
            !m.force_unlock(6),
            "force_unlock of a pid that does not hold it"
        );
        assert_eq!(m.holder(), 5);
        assert!(m.unlock(5));
        assert_eq!(m.holder(), 0);
        assert!(
            !m.force_unlock(5),
            "force_unlock of a free mutex releases nothing"
        );
    }

    #[test]
    #[should_panic(expected = "try_lock: pid 0 means free, not a process")]
    fn pid_zero_is_refused() {
        AcceptMutex::new().try_lock(0);
    }

    mod prefork {
        use crate::serve_common::{wait_for, Server, HANG_BOUND};
        use proclab::serve::load::{self, Load, Protocol};

        /// SIGKILL the worker that holds the accept mutex (the one waiting
        /// in poll; the other sleeps on a futex until the mutex is released): the
        /// master must release the dead holder's mutex and respawn it, and
        /// serving must go on without an error.
        #[test]
        fn a_worker_killed_holding_the_mutex_does_not_stop_the_others() {
            let server = Server::start(&[
                "--model",
                "prefork",
                "--workers",
                "2",
                "--listen",
                "127.0.0.1:0",
            ]);
            let holder = wait_for("a worker is waiting in poll (the mutex's holder)", || {
                server.children().into_iter().find_map(|(pid, _)| {
                    std::fs::read_to_string(format!("/proc/{pid}/wchan"))
                        .is_ok_and(|w| w.contains("poll"))
                        .then_some(pid)
                })
            });
            nix::sys::signal::kill(
                nix::unistd::Pid::from_raw(holder as i32),
                nix::sys::signal::Signal::SIGKILL,
            )
            .unwrap();
            // One connection per client first: a mutex left held fails here
            // after one hang bound, not after a thousand of them. Each
            // connection is given up on only after the hang bound: a slow
            // machine is not a held mutex.
            for connections in [4, 1000] {
                let report = load::run(&Load {
                    addr: server.addr,
                    clients: 4,
                    connections,
                    protocol: Protocol::Http,
                    linger_zero: true,
                    timeout: HANG_BOUND,
                });
                assert_eq!(
                    (report.ok, report.errors),
                    (connections, 0),
                    "after the holder's death (was the mutex released?): {report}"
                );
            }
            let (code, err) = server.stop();
            assert_eq!(code, 0, "{err}");
            let expected = "1 worker(s) respawned, 1 accept mutex(es) released from dead holders";
            assert!(
                err.contains(expected),
                "the master's summary should say `{expected}` (one holder killed, its mutex \
                 released once); it said: {err}"
            );
        }
    }
}
