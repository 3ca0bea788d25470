//! The process table: fork, exit, wait, kill, sleep and wakeup on real
//! CPU threads, as model checks (every world) and as scenario tests in the
//! spirit of xv6's usertests (std world).

use proclab::locks::Spinlock;
use proclab::proc::{ProcTable, WaitError};
use proclab::sleep::Chan;
use proclab::sync::model::Model;
use std::sync::Arc;

/// CPUs for a model whose busiest moment has `processes` processes
/// (init included): two, since a process gives up its CPU only at yield,
/// sleep or exit, so the races between processes need two CPUs to
/// happen. Under loom one: with two CPUs its search runs for many minutes
/// (the shuttle suite covers the two-CPU races).
fn cpus(_processes: usize) -> usize {
    if proclab::sync::WORLD == "loom" {
        1
    } else {
        2
    }
}

/// Every child is reaped exactly once, with its own status.
#[test]
fn every_child_is_reaped_once_with_its_status() {
    Model::new("proc: every child reaped once with its status").check(|| {
        let children = if proclab::sync::WORLD == "loom" { 1 } else { 3 };
        let status = ProcTable::boot(cpus(1 + children as usize), 8, move |sys| {
            let mut forked = Vec::new();
            for k in 0..children {
                let pid = sys.fork("child", move |_| 10 + k).expect("fork");
                forked.push((pid, 10 + k));
            }
            let mut reaped = Vec::new();
            for _ in 0..children {
                reaped.push(sys.wait().expect("a child to reap"));
            }
            reaped.sort();
            assert_eq!(
                reaped, forked,
                "wait: each child must be reaped once, with the status it exited with"
            );
            assert_eq!(
                sys.wait(),
                Err(WaitError::NoChildren),
                "wait: children were left over"
            );
            0
        });
        assert_eq!(status, Ok(0));
    });
}

/// A child whose parent exits first is given to init, which reaps it.
#[test]
fn orphans_reach_init() {
    Model::new("proc: orphans reach init").check(|| {
        let grandchild_pid = Arc::new(Spinlock::new("gc pid", 0usize));
        let seen = grandchild_pid.clone();
        let status = ProcTable::boot(cpus(3), 8, move |sys| {
            let g = grandchild_pid.clone();
            let child = sys
                .fork("parent", move |sys| {
                    let pid = sys.fork("orphan", |sys| {
                        sys.yield_now();
                        42
                    });
                    *g.lock() = pid.expect("fork");
                    0 // exits at once, orphaning its child
                })
                .expect("fork");
            let mut reaped = vec![sys.wait().expect("reap")];
            // The orphan is now init's: init's own wait finds it.
            if let Ok(r) = sys.wait() {
                reaped.push(r);
            }
            reaped.sort();
            let orphan = *grandchild_pid.lock();
            assert_eq!(
                reaped,
                vec![(child, 0), (orphan, 42)],
                "exit: the orphan must be given to init and reaped by it"
            );
            0
        });
        assert_eq!(status, Ok(0));
        assert_ne!(*seen.lock(), 0);
    });
}

/// Sleep/wakeup through the table: no lost wakeup.
#[test]
fn sleep_and_wakeup_hand_over_a_value() {
    Model::new("proc: sleep and wakeup").check(|| {
        let status = ProcTable::boot(cpus(2), 4, |sys| {
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
        assert_eq!(status, Ok(0));
    });
}

/// Kill wakes a sleeping process, which then exits; a waiting parent that
/// is killed sees it in `wait`.
#[test]
fn kill_wakes_a_sleeper() {
    Model::new("proc: kill wakes a sleeper").check(|| {
        let status = ProcTable::boot(cpus(2), 4, |sys| {
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
            sys.kill(victim).expect("the victim exists");
            assert_eq!(
                sys.wait(),
                Ok((victim, 9)),
                "kill: the sleeper must wake and exit"
            );
            0
        });
        assert_eq!(status, Ok(0));
    });
}

/// Processes yield back and forth on several CPUs: every process runs,
/// none on two CPUs at once (the table asserts that itself).
#[test]
fn yields_on_several_cpus() {
    Model::new("proc: yields on several CPUs").check(|| {
        let kids = if proclab::sync::WORLD == "loom" { 1 } else { 3 };
        let status = ProcTable::boot(cpus(1 + kids as usize), 6, move |sys| {
            for k in 0..kids {
                sys.fork("yielder", move |sys| {
                    for _ in 0..2 {
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
            assert_eq!(total, (0..kids).sum::<i32>());
            0
        });
        assert_eq!(status, Ok(0));
    });
}

/// Three CPUs, seven processes: workers fork sleepers, init kills the
/// sleepers, one worker leaves its sleeper an orphan. Every process is
/// reaped once with its status and nothing is left over. Not under loom
/// (its thread limit).
#[cfg(not(loom))]
#[test]
fn kills_waits_and_orphans_on_three_cpus() {
    Model::new("proc: kills, waits and orphans on three CPUs").check(|| {
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

#[cfg(not(any(loom, shuttle)))]
mod usertests {
    use super::*;
    use proclab::proc::{ForkError, ProcState, Sys};

    #[test]
    fn fork_until_full_then_reap_all() {
        let status = ProcTable::boot(2, 16, |sys| {
            let mut pids = Vec::new();
            let err = loop {
                match sys.fork("filler", |sys| sys.getpid() as i32) {
                    Ok(pid) => pids.push(pid),
                    Err(e) => break e,
                }
            };
            assert_eq!(err, ForkError::TableFull { slots: 16 });
            assert_eq!(
                err.to_string(),
                "fork: the process table is full (16 slots in use)"
            );
            assert_eq!(
                pids.len(),
                15,
                "every slot but init's should have been filled"
            );
            for _ in &pids {
                let (pid, status) = sys.wait().expect("reap");
                assert_eq!(pid as i32, status, "a child's status is its pid");
            }
            // The table is usable again.
            let again = sys.fork("again", |_| 3).expect("a slot is free again");
            assert_eq!(sys.wait(), Ok((again, 3)));
            0
        });
        assert_eq!(status, Ok(0));
    }

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
    fn a_killed_parent_sees_it_in_wait() {
        let status = ProcTable::boot(2, 6, |sys| {
            let gate = Arc::new(Spinlock::new("gate", ()));
            let g2 = gate.clone();
            let parent = sys
                .fork("waiter", move |sys| {
                    let g3 = g2.clone();
                    sys.fork("stuck", move |sys| {
                        let mut g = g3.lock();
                        while !sys.killed() {
                            g = sys.sleep(Chan::of(&*g3), g);
                        }
                        1
                    })
                    .expect("fork");
                    match sys.wait() {
                        Err(WaitError::Killed) => 7,
                        other => panic!("wait should report the kill, got {other:?}"),
                    }
                })
                .expect("fork");
            // Wait until the waiter sleeps in wait(), then kill it.
            while !sys
                .procdump()
                .iter()
                .any(|e| e.pid == parent && e.state == ProcState::Sleeping)
            {
                sys.yield_now();
            }
            sys.kill(parent).unwrap();
            assert_eq!(sys.wait(), Ok((parent, 7)));
            // Its child, now init's, is still asleep: kill and reap it.
            let orphan = sys
                .procdump()
                .into_iter()
                .find(|e| e.pid != 1)
                .expect("the orphan")
                .pid;
            sys.kill(orphan).unwrap();
            assert_eq!(sys.wait(), Ok((orphan, 1)));
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
