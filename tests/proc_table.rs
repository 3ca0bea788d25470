//! The process table as a whole: bigger workloads on three and four CPUs
//! (shuttle and std), the scheduling policies, and scenario tests in the
//! spirit of xv6's usertests (std world). Each exercise's own suite is in
//! `tests/<exercise>.rs`; the invariants are `proclab::check::procs`.
//!
//! Not under loom: these machines have more threads than loom allows
//! (the exercise suites run the table under loom, on small machines).

#![cfg(not(loom))]

use proclab::check::procs;
use proclab::locks::Spinlock;
use proclab::proc::{ProcTable, WaitError};
use proclab::sleep::Chan;
use std::sync::Arc;

/// Three CPUs, seven processes: workers fork sleepers, init kills the
/// sleepers, one worker leaves its sleeper an orphan. Every process is
/// reaped once with its status and nothing is left over. Not under loom
/// (its thread limit).
#[test]
fn kills_waits_and_orphans_on_three_cpus() {
    procs::model("proc: kills, waits and orphans on three CPUs").check(|| {
        let status = ProcTable::boot(3, 8, |sys| {
            let sleepers = Arc::new(Spinlock::new("sleeper pids", Vec::new()));
            let mut expected = Vec::new();
            for k in 0..3 {
                let published = sleepers.clone();
                let worker = sys
                    .fork("worker", move |sys| {
                        let bed = Arc::new(Spinlock::new("bed", ()));
                        let pid = sys
                            .fork("sleeper", move |sys| {
                                let mut g = bed.lock();
                                while !sys.killed() {
                                    g = sys.sleep(Chan::of(&*bed), g);
                                }
                                100 + k
                            })
                            .expect("fork");
                        published.lock().push(pid);
                        sys.wakeup(Chan::of(&*published));
                        if k == 2 {
                            return 200 + k; // orphans its sleeper
                        }
                        match sys.wait() {
                            Ok((child, s)) if child == pid && s == 100 + k => 200 + k,
                            other => panic!("worker {k}: wait gave {other:?}"),
                        }
                    })
                    .expect("fork");
                expected.push((worker, 200 + k));
            }
            let pids = {
                let mut list = sleepers.lock();
                while list.len() < 3 {
                    list = sys.sleep(Chan::of(&*sleepers), list);
                }
                list.clone()
            };
            for &pid in &pids {
                sys.kill(pid).expect("a sleeper to kill");
            }
            let mut reaped = Vec::new();
            while let Ok(r) = sys.wait() {
                reaped.push(r);
            }
            // The orphaned sleeper of worker 2 ends up init's child.
            let orphan = pids
                .iter()
                .copied()
                .find(|pid| reaped.iter().any(|(p, s)| p == pid && *s == 102));
            assert!(
                orphan.is_some(),
                "exit: the orphan was not reaped by init: {reaped:?}"
            );
            expected.push((orphan.unwrap(), 102));
            reaped.sort();
            expected.sort();
            assert_eq!(
                reaped, expected,
                "wait: each process reaped once with its status"
            );
            0
        });
        assert_eq!(status, Ok(0));
    });
}

/// Four CPUs, ten processes: three workers each fork a sleeper and a
/// yielder and wait for them, while init kills whichever processes it
/// happens to see in `procdump` — which ones depends on the interleaving,
/// so each schedule kills a different set. Then init kills every sleeper
/// left. Every process must be reaped exactly once, by its parent or by
/// init, with a status its story allows. Not under loom (its thread limit).
#[test]
fn random_kills_on_four_cpus() {
    procs::model("proc: random kills on four CPUs").check(|| {
        let status = ProcTable::boot(4, 12, |sys| {
            // Every (pid, status) any wait returned, and every pid forked
            // with the statuses it may exit with.
            let reaped = Arc::new(Spinlock::new("reaped", Vec::new()));
            let forked = Arc::new(Spinlock::new("forked", Vec::new()));
            let sleepers = Arc::new(Spinlock::new("sleepers", Vec::new()));
            for _ in 0..3 {
                let (r, f, s) = (reaped.clone(), forked.clone(), sleepers.clone());
                let worker = sys
                    .fork("worker", move |sys| {
                        let bed = Arc::new(Spinlock::new("bed", ()));
                        let sleeper = sys
                            .fork("sleeper", move |sys| {
                                let mut g = bed.lock();
                                while !sys.killed() {
                                    g = sys.sleep(Chan::of(&*bed), g);
                                }
                                100
                            })
                            .expect("fork");
                        s.lock().push(sleeper);
                        let yielder = sys
                            .fork("yielder", |sys| {
                                for _ in 0..3 {
                                    if sys.killed() {
                                        return 201;
                                    }
                                    sys.yield_now();
                                }
                                200
                            })
                            .expect("fork");
                        f.lock()
                            .extend([(sleeper, vec![100]), (yielder, vec![200, 201])]);
                        loop {
                            match sys.wait() {
                                Ok(got) => r.lock().push(got),
                                Err(WaitError::Killed) => return 1,
                                Err(WaitError::NoChildren) => return 0,
                            }
                        }
                    })
                    .expect("fork");
                forked.lock().push((worker, vec![0, 1]));
            }
            // Kill whatever is listed right now (not init).
            for e in sys.procdump() {
                if e.pid != 1 {
                    let _ = sys.kill(e.pid);
                }
            }
            // Sleepers nobody killed yet would sleep forever.
            let mut killed_sleepers = 0;
            while killed_sleepers < 3 {
                let list = sleepers.lock().clone();
                for &pid in &list[killed_sleepers..] {
                    let _ = sys.kill(pid);
                }
                killed_sleepers = list.len();
                if killed_sleepers < 3 {
                    sys.yield_now();
                }
            }
            while let Ok(got) = sys.wait() {
                reaped.lock().push(got);
            }
            let reaped = reaped.lock().clone();
            let forked = forked.lock().clone();
            assert_eq!(
                reaped.len(),
                forked.len(),
                "wait: {} reaped, {} forked: {reaped:?}",
                reaped.len(),
                forked.len()
            );
            for (pid, allowed) in &forked {
                let mine: Vec<_> = reaped.iter().filter(|(p, _)| p == pid).collect();
                assert_eq!(mine.len(), 1, "wait: pid {pid} reaped {} times", mine.len());
                assert!(
                    allowed.contains(&mine[0].1),
                    "exit: pid {pid} exited with {}, expected one of {allowed:?}",
                    mine[0].1
                );
            }
            assert!(
                sys.procdump().iter().all(|e| e.pid == 1),
                "no zombie is left once init has reaped"
            );
            0
        });
        assert_eq!(status, Ok(0));
    });
}

#[cfg(not(any(loom, shuttle)))]
mod policies {
    use proclab::locks::Spinlock;
    use proclab::proc::{Mlfq, Policy, ProcTable, Sys};
    use proclab::sleep::Chan;
    use std::num::NonZeroU32;
    use std::sync::Arc;

    type Log = Arc<Spinlock<Vec<&'static str>>>;

    fn record(log: &Log, what: &'static str) {
        log.lock().push(what);
    }

    /// Boot one CPU under `policy`; return what the processes logged.
    fn run_logged(
        policy: Policy,
        init: impl FnOnce(&Sys, Log) + Send + 'static,
    ) -> Vec<&'static str> {
        let log: Log = Arc::new(Spinlock::new("log", Vec::new()));
        let l = log.clone();
        let status = ProcTable::boot_with(policy, 1, 8, move |sys| {
            init(sys, l);
            0
        });
        assert_eq!(status, Ok(0));
        let out = log.lock().clone();
        out
    }

    /// A (slot 1) and C (slot 2) sleep on their own gates; init opens C's
    /// gate first, then A's: FIFO runs C first (runnable longer), round
    /// robin runs A first (the scan starts after init's slot 0).
    fn woken_out_of_slot_order(sys: &Sys, log: Log) {
        let gates = Arc::new(Spinlock::new("gates", [false; 2]));
        for (k, name) in [(0, "a"), (1, "c")] {
            let (g, l) = (gates.clone(), log.clone());
            sys.fork(name, move |sys| {
                let mut open = g.lock();
                while !open[k] {
                    open = sys.sleep(Chan::of(&open[k]), open);
                }
                drop(open);
                record(&l, name);
                0
            })
            .expect("fork");
        }
        sys.yield_now(); // both run and fall asleep
        for k in [1, 0] {
            let mut open = gates.lock();
            open[k] = true;
            let chan = Chan::of(&open[k]);
            drop(open);
            sys.wakeup(chan);
        }
    }

    #[test]
    fn fifo_runs_the_longest_runnable_first() {
        assert_eq!(
            run_logged(Policy::Fifo, woken_out_of_slot_order),
            ["c", "a"]
        );
        assert_eq!(
            run_logged(Policy::RoundRobin, woken_out_of_slot_order),
            ["a", "c"],
            "round robin scans from the slot after the last one run"
        );
    }

    #[test]
    fn priority_runs_the_most_urgent_first() {
        let order = run_logged(Policy::Priority, |sys, log| {
            for (name, prio) in [("low", 30), ("mid", 20), ("high", 5)] {
                let l = log.clone();
                sys.fork(name, move |sys| {
                    sys.set_priority(prio);
                    sys.yield_now();
                    record(&l, name);
                    0
                })
                .expect("fork");
            }
        });
        assert_eq!(order, ["high", "mid", "low"]);
    }

    /// Two CPU hogs sink to the bottom level; a newcomer starts at the top
    /// and keeps the CPU while it is above them.
    fn hogs_and_newcomer(sys: &Sys, log: Log) {
        for name in ["a", "b"] {
            let l = log.clone();
            sys.fork(name, move |sys| {
                for round in 0..8 {
                    record(&l, name);
                    if name == "b" && round == 4 {
                        let lc = l.clone();
                        sys.fork("c", move |sys| {
                            for _ in 0..3 {
                                record(&lc, "c");
                                sys.yield_now();
                            }
                            0
                        })
                        .expect("fork");
                    }
                    sys.yield_now();
                }
                0
            })
            .expect("fork");
        }
    }

    fn c_runs_back_to_back(log: &[&str]) -> bool {
        log.windows(3).any(|w| w == ["c", "c", "c"])
    }

    #[test]
    fn mlfq_keeps_a_newcomer_above_the_hogs() {
        let mlfq = Policy::Mlfq(Mlfq {
            allotment: vec![1, 2, 1],
            boost: 0,
        });
        let log = run_logged(mlfq, hogs_and_newcomer);
        assert!(c_runs_back_to_back(&log), "MLFQ: {log:?}");
        let rr = run_logged(Policy::RoundRobin, hogs_and_newcomer);
        assert!(!c_runs_back_to_back(&rr), "round robin interleaves: {rr:?}");
    }

    #[test]
    fn mlfq_parameters_are_checked_at_boot() {
        let bad = Policy::Mlfq(Mlfq {
            allotment: vec![1, 0],
            boost: 0,
        });
        let err = ProcTable::boot_with(bad, 1, 2, |_| 0).unwrap_err();
        assert!(err.contains("allotment of level 1 is 0"), "{err}");
        let empty = Policy::Mlfq(Mlfq {
            allotment: vec![],
            boost: 0,
        });
        assert!(ProcTable::boot_with(empty, 1, 2, |_| 0).is_err());
    }

    #[test]
    fn lottery_shares_the_cpu_by_tickets() {
        let counts = Arc::new(Spinlock::new("counts", [0u32; 2]));
        let c = counts.clone();
        let status = ProcTable::boot_with(Policy::Lottery { seed: 7 }, 1, 4, move |sys| {
            for (k, tickets) in [(0usize, 3u32), (1, 1)] {
                let c = c.clone();
                sys.fork("player", move |sys| {
                    sys.set_tickets(NonZeroU32::new(tickets).unwrap());
                    loop {
                        {
                            let mut n = c.lock();
                            if n[0] + n[1] >= 2000 {
                                return 0;
                            }
                            n[k] += 1;
                        }
                        sys.yield_now();
                    }
                })
                .expect("fork");
            }
            0
        });
        assert_eq!(status, Ok(0));
        let [a, b] = *counts.lock();
        let ratio = f64::from(a) / f64::from(b);
        assert!(
            (2.5..3.5).contains(&ratio),
            "lottery: 3 tickets against 1 should run about 3 times as often, ran {a} vs {b}"
        );
    }
}

#[cfg(not(any(loom, shuttle)))]
mod usertests {
    use super::*;
    use proclab::proc::{ProcState, Sys};

    #[test]
    fn exit_and_wait_many_times() {
        let status = ProcTable::boot(2, 4, |sys| {
            for i in 0..300 {
                let pid = sys.fork("short", move |_| i % 256).expect("fork");
                assert_eq!(sys.wait(), Ok((pid, i % 256)));
            }
            0
        });
        assert_eq!(status, Ok(0));
    }

    #[test]
    fn procdump_shows_ps_letters() {
        let status = ProcTable::boot(1, 4, |sys| {
            let lock = Arc::new(Spinlock::new("park", ()));
            let l = lock.clone();
            let sleeper = sys
                .fork("sleeper", move |sys| {
                    let mut g = l.lock();
                    while !sys.killed() {
                        g = sys.sleep(Chan::of(&*l), g);
                    }
                    0
                })
                .expect("fork");
            // Let it run and fall asleep.
            while !sys
                .procdump()
                .iter()
                .any(|e| e.pid == sleeper && e.state == ProcState::Sleeping)
            {
                sys.yield_now();
            }
            let ps = sys.procdump();
            let me = ps.iter().find(|e| e.pid == 1).expect("init listed");
            assert_eq!(me.state.ps_letter(), 'R');
            let s = ps
                .iter()
                .find(|e| e.pid == sleeper)
                .expect("sleeper listed");
            assert_eq!((s.state.ps_letter(), s.ppid), ('S', 1));
            assert_eq!((me.name.as_str(), s.name.as_str()), ("init", "sleeper"));
            assert!(s.to_string().contains(" S "), "ps line: {s}");
            assert!(s.to_string().ends_with(" sleeper"), "ps line: {s}");
            sys.kill(sleeper).unwrap();
            sys.wait().unwrap();
            assert_eq!(
                sys.kill(sleeper),
                Err(proclab::proc::KillError::NoSuchProcess(sleeper))
            );
            0
        });
        assert_eq!(status, Ok(0));
    }

    #[test]
    fn a_panicking_process_fails_boot_instead_of_hanging() {
        let result = std::panic::catch_unwind(|| {
            ProcTable::boot(2, 4, |sys| {
                sys.fork("bad", |_| panic!("boom in a process")).unwrap();
                let _ = sys.wait();
                0
            })
        });
        let payload = result.expect_err("the process's panic must reach boot's caller");
        let text = payload
            .downcast_ref::<&str>()
            .map(|s| s.to_string())
            .or_else(|| payload.downcast_ref::<String>().cloned())
            .unwrap_or_default();
        assert!(text.contains("boom in a process"), "got: {text}");
    }

    #[test]
    fn bad_boot_arguments_are_errors() {
        assert!(ProcTable::boot(0, 4, |_| 0).unwrap_err().contains("CPU"));
        assert!(ProcTable::boot(1, 0, |_| 0).unwrap_err().contains("slot"));
    }

    #[test]
    fn init_status_is_returned() {
        assert_eq!(
            ProcTable::boot(1, 1, |sys: &Sys| sys.getpid() as i32 + 40),
            Ok(41)
        );
    }
}
