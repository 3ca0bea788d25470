//! Invariants of the process table, as model-check bodies: each boots a
//! machine, runs a small workload of processes, and asserts what xv6
//! promises. The table itself asserts that no process runs on two CPUs at
//! once and that nobody gives up a CPU holding a spinlock, so every
//! harness checks those too.
//!
//! | harness | invariant |
//! |---------|-----------|
//! | [`reaped_once`] | every child is reaped exactly once, with its own status; then `wait` reports no children |
//! | [`orphans_reach_init`] | a child whose parent exits first is given to init and reaped by it |
//! | [`fork_until_full`] | a full table makes `fork` fail with `TableFull`, without corrupting a slot; reaping frees slots |
//! | [`concurrent_forks`] | processes forking at the same moment get distinct slots and pids |
//! | [`sleep_hands_over`] | a value handed over with sleep/wakeup is never lost (no lost wakeup) |
//! | [`ping_pong`] | two processes taking turns with sleep/wakeup, many times |
//! | [`wakeup_wakes_all`] | one wakeup wakes every sleeper on the channel |
//! | [`kill_wakes_sleeper`] | `kill` wakes a sleeper, which sees it and exits |
//! | [`killed_waiter`] | a parent killed while in `wait` gets `WaitError::Killed`; its orphan still ends |
//! | [`kill_running`] | a running process sees a kill and exits, and is never dispatched twice |
//! | [`kill_errors`] | `kill` of a pid that is not live is an error |
//! | [`yields_round_robin`] | on one CPU, yielding processes run in turn, in slot order |
//! | [`yields_on_cpus`] | yielding processes all finish, on any number of CPUs |
//! | [`fork_wakes_idle_cpu`] | a forked child runs on an idle CPU while its parent keeps its own (fork wakes idle CPUs) |
//! | [`wakeup_wakes_idle_cpu`] | a woken sleeper runs on an idle CPU while its waker keeps its own |
//! | [`kill_wakes_idle_cpu`] | a killed sleeper runs on an idle CPU while its killer keeps its own |
//! | [`zombie_orphan_wakes_init`] | a ZOMBIE given to init while init sleeps in `wait` wakes it, and is reaped |
//! | [`ticks_count_dispatches`] | `procdump`'s ticks count every dispatch |
//! | [`ppid_is_the_parents_pid`] | `procdump` shows the parent's pid as ppid |

use crate::locks::Spinlock;
use crate::proc::{ForkError, KillError, Pid, ProcTable, Sys, WaitError};
use crate::sleep::Chan;
use crate::sync::model::Model;
use std::sync::Arc;

/// CPUs for a model of the table: one under loom (with two its search
/// runs for many minutes; the shuttle suite covers the two-CPU races), two
/// elsewhere — a process gives up its CPU only at yield, sleep or exit, so
/// races between processes need two CPUs to happen.
pub fn model_cpus() -> usize {
    if crate::sync::WORLD == "loom" {
        1
    } else {
        2
    }
}

/// A model for a process-table harness. loom's preemption bound is 1: a run of the table is long (every hand-off
/// between a CPU and a process is a few atomic operations on each side),
/// and with bound 2 loom needs minutes per harness; the two-CPU races are
/// shuttle's to find.
pub fn model(name: &'static str) -> Model {
    Model::new(name).preemptions(1)
}

/// Boot and expect init's status to be 0 (anything else: the workload's
/// own assertion failed, or the machine did not halt cleanly).
fn run(cpus: usize, slots: usize, init: impl FnOnce(&Sys) -> i32 + Send + 'static) {
    assert_eq!(
        ProcTable::boot(cpus, slots, init),
        Ok(0),
        "boot: the machine must halt cleanly with every process reaped"
    );
}

/// Init forks `children` children with distinct statuses and reaps them.
pub fn reaped_once(cpus: usize, children: i32) {
    run(cpus, children as usize + 2, move |sys| {
        let mut forked = Vec::new();
        for k in 0..children {
            let pid = sys.fork("child", move |_| 10 + k).expect("fork");
            forked.push((pid, 10 + k));
        }
        let mut reaped = Vec::new();
        for _ in 0..children {
            match sys.wait() {
                Ok(r) => reaped.push(r),
                Err(e) => panic!(
                    "wait: every child must be reaped once, got {e} after reaping {reaped:?} of {forked:?}"
                ),
            }
        }
        reaped.sort();
        assert_eq!(
            reaped, forked,
            "wait: each child must be reaped once, with the status it exited with"
        );
        assert_eq!(
            sys.wait(),
            Err(WaitError::NoChildren),
            "wait: with every child reaped, wait must report no children"
        );
        0
    });
}

/// A parent forks a child that yields, and exits at once; init must end
/// up reaping both.
pub fn orphans_reach_init(cpus: usize) {
    run(cpus, 4, |sys| {
        let orphan_pid = Arc::new(Spinlock::new("orphan pid", 0));
        let published = orphan_pid.clone();
        let parent = sys
            .fork("parent", move |sys| {
                let pid = sys.fork("orphan", |sys| {
                    sys.yield_now();
                    42
                });
                *published.lock() = pid.expect("fork");
                0 // exits at once, orphaning its child
            })
            .expect("fork");
        let mut reaped = Vec::new();
        while let Ok(r) = sys.wait() {
            reaped.push(r);
        }
        reaped.sort();
        let orphan = *orphan_pid.lock();
        assert_eq!(
            reaped,
            vec![(parent, 0), (orphan, 42)],
            "exit: the orphan must be given to init and reaped by it"
        );
        0
    });
}

/// Init fills every slot, checks the error, reaps all, forks again.
pub fn fork_until_full(cpus: usize, slots: usize) {
    run(cpus, slots, move |sys| {
        let mut pids = Vec::new();
        let err = loop {
            match sys.fork("filler", |sys| sys.getpid() as i32) {
                Ok(pid) => pids.push(pid),
                Err(e) => break e,
            }
            // Let the child run: it exits, a ZOMBIE still holding its
            // slot (and its status) until init reaps it.
            sys.yield_now();
            assert!(
                pids.len() < slots,
                "fork: {} children forked into a table of {slots} slots",
                pids.len()
            );
        };
        assert_eq!(
            err,
            ForkError::TableFull { slots },
            "fork: a full table must fail with TableFull"
        );
        assert_eq!(
            pids.len(),
            slots - 1,
            "fork: every slot but init's must be usable"
        );
        let mut unique = pids.clone();
        unique.sort();
        unique.dedup();
        assert_eq!(unique.len(), pids.len(), "fork: pids must be unique");
        for _ in &pids {
            let (pid, status) = sys.wait().expect("wait: a child to reap");
            assert_eq!(
                pid as i32, status,
                "fork: a child's slot holds another's pid (its status is its own getpid)"
            );
        }
        let again = sys
            .fork("again", |_| 3)
            .expect("fork: a slot is free again");
        assert_eq!(sys.wait(), Ok((again, 3)), "wait: the slot reused");
        0
    });
}

/// Two workers fork `each` children apiece at the same time; every pid
/// is distinct and every child reaped by its own parent with its status.
pub fn concurrent_forks(cpus: usize, each: i32) {
    run(cpus, 3 + 2 * each as usize, move |sys| {
        let all = Arc::new(Spinlock::new("every pid forked", Vec::new()));
        let workers: Vec<Pid> = (0..2)
            .map(|w| {
                let all = all.clone();
                sys.fork("forker", move |sys| {
                    let mut mine = Vec::new();
                    for k in 0..each {
                        let status = 10 * (w + 1) + k;
                        let pid = sys.fork("child", move |_| status).expect("fork");
                        all.lock().push(pid);
                        mine.push((pid, status));
                    }
                    let mut reaped = Vec::new();
                    for _ in 0..each {
                        reaped.push(sys.wait().expect("wait: my child"));
                    }
                    reaped.sort();
                    mine.sort();
                    assert_eq!(
                        reaped, mine,
                        "fork: a child forked at the same moment as another's was lost or swapped"
                    );
                    w
                })
                .expect("fork")
            })
            .collect();
        let mut reaped: Vec<Pid> = Vec::new();
        while let Ok((pid, _)) = sys.wait() {
            reaped.push(pid);
        }
        reaped.sort();
        let mut expected = workers.clone();
        expected.sort();
        assert_eq!(reaped, expected, "wait: init reaps exactly its two workers");
        let mut pids = all.lock().clone();
        pids.extend(&workers);
        pids.push(sys.getpid());
        let n = pids.len();
        pids.sort();
        pids.dedup();
        assert_eq!(pids.len(), n, "fork: two processes were given the same pid");
        0
    });
}

/// A receiver sleeps until init has put a value in a mailbox.
pub fn sleep_hands_over(cpus: usize) {
    run(cpus, 4, |sys| {
        let mailbox = Arc::new(Spinlock::new("mailbox", None::<i32>));
        let m = mailbox.clone();
        let child = sys
            .fork("receiver", move |sys| {
                let mut slot = m.lock();
                while slot.is_none() {
                    slot = sys.sleep(Chan::of(&*m), slot);
                }
                slot.take().expect("a value")
            })
            .expect("fork");
        *mailbox.lock() = Some(5);
        sys.wakeup(Chan::of(&*mailbox));
        assert_eq!(
            sys.wait(),
            Ok((child, 5)),
            "sleep: the receiver must wake and get the value"
        );
        0
    });
}

/// Two processes take `rounds` turns each: each waits (sleeping) for its
/// turn, takes it, passes the turn and wakes the other.
pub fn ping_pong(cpus: usize, rounds: usize) {
    run(cpus, 4, move |sys| {
        // (whose turn, turns taken)
        let turn = Arc::new(Spinlock::new("turn", (0usize, 0usize)));
        let players: Vec<Pid> = (0..2)
            .map(|me| {
                let t = turn.clone();
                sys.fork("player", move |sys| {
                    for _ in 0..rounds {
                        let mut g = t.lock();
                        while g.0 != me {
                            g = sys.sleep(Chan::of(&*t), g);
                        }
                        g.0 = 1 - me;
                        g.1 += 1;
                        drop(g);
                        sys.wakeup(Chan::of(&*t));
                    }
                    0
                })
                .expect("fork")
            })
            .collect();
        for _ in &players {
            sys.wait().expect("wait: a player");
        }
        assert_eq!(
            turn.lock().1,
            2 * rounds,
            "sleep: every turn must be taken exactly once"
        );
        0
    });
}

/// `sleepers` processes sleep on one channel until a gate opens; one
/// wakeup must release them all.
pub fn wakeup_wakes_all(cpus: usize, sleepers: i32) {
    run(cpus, sleepers as usize + 2, move |sys| {
        // (gate open, sleepers that have checked in)
        let gate = Arc::new(Spinlock::new("gate", (false, 0)));
        // Init sleeps here until every sleeper has checked in.
        let checked_in = Chan(Chan::of(&*gate).0 + 1);
        for k in 0..sleepers {
            let g2 = gate.clone();
            sys.fork("sleeper", move |sys| {
                let mut g = g2.lock();
                g.1 += 1;
                sys.wakeup(checked_in);
                while !g.0 {
                    g = sys.sleep(Chan::of(&*g2), g);
                }
                k
            })
            .expect("fork");
        }
        {
            // Open the gate once every sleeper is in, so that all of them
            // are (or are about to be) asleep on it.
            let mut g = gate.lock();
            while g.1 < sleepers {
                g = sys.sleep(checked_in, g);
            }
            g.0 = true;
        }
        sys.wakeup(Chan::of(&*gate));
        let mut total = 0;
        for _ in 0..sleepers {
            total += sys
                .wait()
                .expect("wakeup: every sleeper must wake and exit")
                .1;
        }
        assert_eq!(total, (0..sleepers).sum::<i32>());
        0
    });
}

/// A process sleeps on a channel nobody wakes, until killed.
pub fn kill_wakes_sleeper(cpus: usize) {
    run(cpus, 4, |sys| {
        let never = Arc::new(Spinlock::new("never", ()));
        let n = never.clone();
        let victim = sys
            .fork("sleeper", move |sys| {
                let mut g = n.lock();
                while !sys.killed() {
                    g = sys.sleep(Chan::of(&*n), g);
                }
                9
            })
            .expect("fork");
        // Give the victim a chance to be between its check of `killed`
        // and its sleep when the kill lands.
        sys.yield_now();
        assert_eq!(sys.kill(victim), Ok(()), "kill: the victim is alive");
        assert_eq!(
            sys.wait(),
            Ok((victim, 9)),
            "kill: the sleeper must wake, see it was killed, and exit"
        );
        0
    });
}

/// A parent waits for a child that never exits by itself; init kills the
/// parent, whose `wait` must report it; then init kills and reaps the
/// orphan.
pub fn killed_waiter(cpus: usize) {
    run(cpus, 4, |sys| {
        let stuck_pid = Arc::new(Spinlock::new("stuck pid", 0));
        let published = stuck_pid.clone();
        let parent = sys
            .fork("waiter", move |sys| {
                let bed = Arc::new(Spinlock::new("bed", ()));
                let pid = sys
                    .fork("stuck", move |sys| {
                        let mut g = bed.lock();
                        while !sys.killed() {
                            g = sys.sleep(Chan::of(&*bed), g);
                        }
                        1
                    })
                    .expect("fork");
                *published.lock() = pid;
                match sys.wait() {
                    Err(WaitError::Killed) => 7,
                    other => panic!("wait: a killed waiter must get Killed, got {other:?}"),
                }
            })
            .expect("fork");
        sys.kill(parent).expect("kill: the waiter is alive");
        assert_eq!(sys.wait(), Ok((parent, 7)), "wait: the killed waiter exits");
        // Its child is now init's, still asleep: kill and reap it.
        let orphan = *stuck_pid.lock();
        sys.kill(orphan).expect("kill: the orphan is alive");
        assert_eq!(
            sys.wait(),
            Ok((orphan, 1)),
            "exit: the orphan must reach init and exit when killed"
        );
        0
    });
}

/// A process that never sleeps — it yields until it sees it was killed —
/// is killed while it runs or waits for a CPU: it must exit, and it must
/// never be made runnable while it runs.
pub fn kill_running(cpus: usize) {
    run(cpus, 4, |sys| {
        let victim = sys
            .fork("spinner", |sys| {
                while !sys.killed() {
                    sys.yield_now();
                }
                3
            })
            .expect("fork");
        sys.yield_now();
        assert_eq!(sys.kill(victim), Ok(()), "kill: the victim is alive");
        assert_eq!(
            sys.wait(),
            Ok((victim, 3)),
            "kill: a running process must see the kill and exit"
        );
        0
    });
}

/// `kill` of pid 0 (never a process), of a reaped process, and of a pid
/// never handed out: each an error, and no live process is touched.
pub fn kill_errors(cpus: usize) {
    run(cpus, 4, |sys| {
        let child = sys.fork("short", |_| 0).expect("fork");
        assert_eq!(sys.wait(), Ok((child, 0)));
        for pid in [0, child, 1000] {
            assert_eq!(
                sys.kill(pid),
                Err(KillError::NoSuchProcess(pid)),
                "kill: pid {pid} is not a live process"
            );
        }
        assert!(!sys.killed(), "kill: a failed kill must not kill init");
        0
    });
}

/// One CPU, `kids` processes yielding `rounds` times each: they must run
/// in turn — each yield passes the CPU to the next runnable slot.
pub fn yields_round_robin(kids: usize, rounds: usize) {
    run(1, kids + 1, move |sys| {
        let order = Arc::new(Spinlock::new("order", Vec::new()));
        for k in 0..kids {
            let o = order.clone();
            sys.fork("yielder", move |sys| {
                for _ in 0..rounds {
                    o.lock().push(k);
                    sys.yield_now();
                }
                0
            })
            .expect("fork");
        }
        while sys.wait().is_ok() {}
        let seen = order.lock().clone();
        let expected: Vec<usize> = (0..rounds).flat_map(|_| 0..kids).collect();
        assert_eq!(
            seen, expected,
            "round robin: on one CPU, yielding processes must take turns in slot order"
        );
        0
    });
}

/// `kids` processes yielding `rounds` times each on `cpus` CPUs.
pub fn yields_on_cpus(cpus: usize, kids: i32, rounds: usize) {
    run(cpus, kids as usize + 1, move |sys| {
        for k in 0..kids {
            sys.fork("yielder", move |sys| {
                for _ in 0..rounds {
                    sys.yield_now();
                }
                k
            })
            .expect("fork");
        }
        let mut total = 0;
        while let Ok((_, s)) = sys.wait() {
            total += s;
        }
        assert_eq!(
            total,
            (0..kids).sum::<i32>(),
            "scheduler: every yielding process must finish"
        );
        0
    });
}

/// Busy-wait, keeping this process's CPU (no `yield_now`, no `sleep`),
/// until `flag` is set: only another CPU can set it, so the harnesses
/// below that use it finish only if that CPU was woken to run the work.
fn spin_until(flag: &crate::sync::atomic::AtomicBool) {
    use crate::sync::atomic::Ordering::SeqCst;
    while !flag.load(SeqCst) {
        crate::sync::spin_loop();
    }
}

/// Init forks a child and, without giving up its CPU, busy-waits until
/// the child has run: `fork` must wake an idle CPU to run it (needs two
/// CPUs or more).
pub fn fork_wakes_idle_cpu(cpus: usize) {
    use crate::sync::atomic::{AtomicBool, Ordering::SeqCst};
    assert!(
        cpus >= 2,
        "fork_wakes_idle_cpu: the child needs a CPU of its own"
    );
    run(cpus, 3, |sys| {
        let ran = Arc::new(AtomicBool::new(false));
        let r = ran.clone();
        let child = sys
            .fork("child", move |_| {
                r.store(true, SeqCst);
                4
            })
            .expect("fork");
        // A hang here: the child became RUNNABLE but no idle CPU was told.
        spin_until(&ran);
        assert_eq!(sys.wait(), Ok((child, 4)), "wait: the child");
        0
    });
}

/// A child sleeps until init opens a gate; init opens it, wakes the
/// child and, without giving up its CPU, busy-waits until the child has
/// run: `wakeup` must wake an idle CPU to run it (needs two CPUs or more).
pub fn wakeup_wakes_idle_cpu(cpus: usize) {
    use crate::sync::atomic::{AtomicBool, Ordering::SeqCst};
    assert!(
        cpus >= 2,
        "wakeup_wakes_idle_cpu: the sleeper needs a CPU of its own"
    );
    run(cpus, 3, |sys| {
        // (gate open, the child is in)
        let gate = Arc::new(Spinlock::new("gate", (false, false)));
        let checked_in = Chan(Chan::of(&*gate).0 + 1);
        let ran = Arc::new(AtomicBool::new(false));
        let (g2, r) = (gate.clone(), ran.clone());
        let child = sys
            .fork("sleeper", move |sys| {
                let mut g = g2.lock();
                g.1 = true;
                sys.wakeup(checked_in);
                while !g.0 {
                    g = sys.sleep(Chan::of(&*g2), g);
                }
                drop(g);
                r.store(true, SeqCst);
                6
            })
            .expect("fork");
        {
            let mut g = gate.lock();
            while !g.1 {
                g = sys.sleep(checked_in, g);
            }
            g.0 = true;
        }
        sys.wakeup(Chan::of(&*gate));
        // A hang here: the sleeper became RUNNABLE but no idle CPU was told.
        spin_until(&ran);
        assert_eq!(sys.wait(), Ok((child, 6)), "wait: the sleeper");
        0
    });
}

/// A child sleeps on a channel nobody wakes until it is killed; init
/// kills it and, without giving up its CPU, busy-waits until the child
/// has seen the kill: `kill` must wake an idle CPU to run it (needs two
/// CPUs or more).
pub fn kill_wakes_idle_cpu(cpus: usize) {
    use crate::sync::atomic::{AtomicBool, Ordering::SeqCst};
    assert!(
        cpus >= 2,
        "kill_wakes_idle_cpu: the victim needs a CPU of its own"
    );
    run(cpus, 3, |sys| {
        // The victim is in (about to sleep).
        let bed = Arc::new(Spinlock::new("bed", false));
        let checked_in = Chan(Chan::of(&*bed).0 + 1);
        let saw = Arc::new(AtomicBool::new(false));
        let (b2, s) = (bed.clone(), saw.clone());
        let victim = sys
            .fork("sleeper", move |sys| {
                let mut g = b2.lock();
                *g = true;
                sys.wakeup(checked_in);
                while !sys.killed() {
                    g = sys.sleep(Chan::of(&*b2), g);
                }
                drop(g);
                s.store(true, SeqCst);
                9
            })
            .expect("fork");
        {
            let mut g = bed.lock();
            while !*g {
                g = sys.sleep(checked_in, g);
            }
        }
        assert_eq!(sys.kill(victim), Ok(()), "kill: the victim is alive");
        // A hang here: the victim became RUNNABLE but no idle CPU was told.
        spin_until(&saw);
        assert_eq!(sys.wait(), Ok((victim, 9)), "wait: the victim");
        0
    });
}

/// A grandchild exits, a ZOMBIE, before its parent does: when the
/// parent exits, the zombie goes to init, which must be woken to reap it
/// (init is asleep in `wait` for its own child, which waits for init to
/// reap the orphan before it exits).
pub fn zombie_orphan_wakes_init(cpus: usize) {
    use crate::sync::atomic::{AtomicBool, AtomicUsize, Ordering::SeqCst};
    run(cpus, 5, |sys| {
        let orphan = Arc::new(AtomicUsize::new(0));
        let reaped = Arc::new(AtomicBool::new(false));
        let (o, r) = (orphan.clone(), reaped.clone());
        let keeper = sys
            .fork("keeper", move |sys| {
                let middle = sys
                    .fork("middle", move |sys| {
                        let pid = sys.fork("orphan", |_| 42).expect("fork");
                        o.store(pid, SeqCst);
                        // Exit only once the orphan is a ZOMBIE.
                        while !sys
                            .procdump()
                            .iter()
                            .any(|e| e.pid == pid && e.state == crate::proc::ProcState::Zombie)
                        {
                            sys.yield_now();
                        }
                        0
                    })
                    .expect("fork");
                assert_eq!(sys.wait(), Ok((middle, 0)), "wait: the middle process");
                // Init is asleep in wait for this process: only the
                // orphan's arrival can wake it.
                while !r.load(SeqCst) {
                    sys.yield_now();
                }
                0
            })
            .expect("fork");
        let first = sys.wait();
        let pid = orphan.load(SeqCst);
        assert_eq!(
            first,
            Ok((pid, 42)),
            "exit: a zombie given to init must be reaped by it (init must be woken)"
        );
        reaped.store(true, SeqCst);
        assert_eq!(sys.wait(), Ok((keeper, 0)), "wait: the keeper");
        0
    });
}

/// A process that yields `yields` times has been handed a CPU exactly
/// `yields + 1` times: `procdump`'s ticks count every dispatch.
pub fn ticks_count_dispatches(cpus: usize, yields: usize) {
    run(cpus, 3, move |sys| {
        let child = sys
            .fork("ticker", move |sys| {
                for _ in 0..yields {
                    sys.yield_now();
                }
                let me = sys.getpid();
                let ticks = sys
                    .procdump()
                    .into_iter()
                    .find(|e| e.pid == me)
                    .map(|e| e.ticks);
                assert_eq!(
                    ticks,
                    Some(yields + 1),
                    "dispatch: a process that yielded {yields} times was handed a CPU {} times",
                    yields + 1
                );
                0
            })
            .expect("fork");
        assert_eq!(sys.wait(), Ok((child, 0)), "wait: the ticker");
        0
    });
}

/// `procdump` shows each process's parent by pid: init's child has ppid
/// 1, a grandchild its parent's pid.
pub fn ppid_is_the_parents_pid(cpus: usize) {
    fn ppid_of(sys: &Sys, pid: Pid) -> Option<Pid> {
        sys.procdump()
            .into_iter()
            .find(|e| e.pid == pid)
            .map(|e| e.ppid)
    }
    run(cpus, 4, |sys| {
        let child = sys
            .fork("child", |sys| {
                let me = sys.getpid();
                assert_eq!(
                    ppid_of(sys, me),
                    Some(1),
                    "fork: init's child must show ppid 1 (the parent's pid, not its slot)"
                );
                let grandchild = sys
                    .fork("grandchild", move |sys| {
                        let ppid = ppid_of(sys, sys.getpid());
                        assert_eq!(
                            ppid,
                            Some(me),
                            "fork: a grandchild must show its parent's pid as ppid"
                        );
                        0
                    })
                    .expect("fork");
                assert_eq!(sys.wait(), Ok((grandchild, 0)), "wait: the grandchild");
                0
            })
            .expect("fork");
        assert_eq!(sys.wait(), Ok((child, 0)), "wait: the child");
        0
    });
}
