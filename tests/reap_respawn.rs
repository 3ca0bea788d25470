//! Exercise `reap_respawn` (`solutions/reap_respawn.rs`): what the master
//! does with a reaped worker. Model-checked (std, shuttle) inside the
//! master's supervisor with thread workers and a crasher: every live
//! worker in one slot, siblings told with CLOSE_CHANNEL, no respawn after
//! QUIT or TERM, every child reaped once. Then each rule on a scripted
//! host, step by step.

#![cfg(not(loom))]

use proclab::check::master::{supervise, Order};
use proclab::sync::model::Model;

fn model(name: &'static str) -> Model {
    Model::new(name)
}

#[test]
fn crashed_workers_are_replaced_until_quit() {
    model("reap_respawn: crashes, then QUIT").check(|| supervise(2, 2, &[Order::Quit]));
}

#[test]
fn crashes_during_a_reload() {
    model("reap_respawn: crashes during a reload")
        .check(|| supervise(2, 2, &[Order::Reload, Order::Quit]));
}

#[test]
fn crashes_during_a_fast_stop() {
    model("reap_respawn: crashes, then TERM").check(|| supervise(2, 3, &[Order::Terminate]));
}

#[cfg(not(shuttle))]
mod steps {
    use proclab::check::master::{Call, Script};
    use proclab::master::channel_codec::Command;
    use proclab::master::supervisor::{Exit, Supervisor};

    /// A master of two workers (pids 100 and 101, slots 0 and 1), its script
    /// cleared.
    fn two_workers() -> Supervisor<Script> {
        let mut master = Supervisor::new(Script::new(), 2);
        master.start();
        master.host_mut().calls.clear();
        master
    }

    fn rows(master: &Supervisor<Script>) -> Vec<(usize, i32)> {
        master.table().map(|(slot, row)| (slot, row.pid)).collect()
    }

    fn without_logs(master: &Supervisor<Script>) -> Vec<Call> {
        master
            .host()
            .calls
            .iter()
            .filter(|c| !matches!(c, Call::Log(_)))
            .cloned()
            .collect()
    }

    #[test]
    fn a_dead_worker_is_announced_then_replaced_in_its_slot() {
        let mut master = two_workers();
        master.reaped(100, Exit::Signal(9));
        assert_eq!(
            without_logs(&master),
            vec![
                Call::Send {
                    to: 101,
                    command: Command::CloseChannel,
                    about: 100,
                    slot: 0,
                    passing: None
                },
                Call::Spawn {
                    slot: 0,
                    pid: 102,
                    generation: 0,
                    siblings: vec![(1, 101)]
                },
                Call::Send {
                    to: 101,
                    command: Command::OpenChannel,
                    about: 102,
                    slot: 0,
                    passing: Some(102)
                },
            ],
            "CLOSE_CHANNEL to the sibling, a new worker in the same slot, OPEN_CHANNEL for it"
        );
        assert_eq!(rows(&master), vec![(0, 102), (1, 101)]);
        assert_eq!(
            (master.reaped, master.respawns),
            (1, 1),
            "(reaped, respawns)"
        );
    }

    #[test]
    fn a_fatal_exit_is_not_respawned() {
        let mut master = two_workers();
        master.reaped(101, Exit::Code(2));
        assert!(
            !without_logs(&master)
                .iter()
                .any(|c| matches!(c, Call::Spawn { .. })),
            "a worker that exited 2 (fatal) must not be started again: {:?}",
            master.host().calls
        );
        assert_eq!(rows(&master), vec![(0, 100)]);
        let logged = master
            .host()
            .calls
            .iter()
            .any(|c| matches!(c, Call::Log(l) if l.contains("fatal")));
        assert!(logged, "the fatal exit is logged");
        // Any other status is a crash, and is respawned.
        master.reaped(100, Exit::Code(1));
        assert_eq!(
            rows(&master).len(),
            1,
            "status 1 is respawned: {:?}",
            rows(&master)
        );
    }

    #[test]
    fn nothing_is_respawned_while_quitting() {
        let mut master = two_workers();
        master.quit();
        master.host_mut().calls.clear();
        master.reaped(100, Exit::Code(0));
        master.reaped(101, Exit::Signal(9));
        assert!(
            !without_logs(&master)
                .iter()
                .any(|c| matches!(c, Call::Spawn { .. })),
            "after QUIT no worker is started: {:?}",
            master.host().calls
        );
        assert!(
            master.done(),
            "the master is done when the last worker is reaped"
        );
    }

    #[test]
    fn a_worker_that_is_not_ours_changes_nothing() {
        let mut master = two_workers();
        master.reaped(4242, Exit::Code(0));
        assert_eq!(rows(&master), vec![(0, 100), (1, 101)]);
        assert!(
            without_logs(&master).is_empty(),
            "{:?}",
            master.host().calls
        );
        assert_eq!(master.reaped, 0);
    }
}

/// A respawn that fails (the host cannot start a worker) is not counted,
/// and leaves the slot free.
#[cfg(not(shuttle))]
mod failed_respawn {
    use proclab::check::master::Script;
    use proclab::master::channel_codec::Frame;
    use proclab::master::supervisor::{Exit, Host, Kill, Pid, Sibling, Supervisor};

    /// The script host, whose spawns fail once `broken` is set.
    struct Flaky {
        script: Script,
        broken: bool,
    }

    impl Host for Flaky {
        type Channel = Pid;

        fn spawn(
            &mut self,
            slot: usize,
            generation: u64,
            siblings: &[Sibling<'_, Pid>],
        ) -> Result<(Pid, Pid), String> {
            if self.broken {
                return Err("fork: out of memory".into());
            }
            self.script.spawn(slot, generation, siblings)
        }

        fn send(&mut self, to: &Pid, frame: &Frame, passing: Option<&Pid>) -> bool {
            self.script.send(to, frame, passing)
        }

        fn kill(&mut self, pid: Pid, how: Kill) {
            self.script.kill(pid, how)
        }

        fn log(&mut self, line: &str) {
            self.script.log(line)
        }
    }

    #[test]
    fn a_respawn_that_fails_is_not_counted() {
        let mut master = Supervisor::new(
            Flaky {
                script: Script::new(),
                broken: false,
            },
            2,
        );
        master.start();
        master.host_mut().broken = true;
        master.reaped(100, Exit::Signal(9));
        let rows: Vec<(usize, i32)> = master.table().map(|(slot, row)| (slot, row.pid)).collect();
        assert_eq!(
            rows,
            vec![(1, 101)],
            "the failed respawn leaves slot 0 free"
        );
        assert_eq!(
            (master.reaped, master.respawns),
            (1, 0),
            "(reaped, respawns): a worker that could not be started is not a respawn"
        );
    }
}
