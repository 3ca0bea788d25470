//! Exercise `graceful_reload` (`solutions/graceful_reload.rs`): SIGHUP
//! with a valid configuration. Model-checked (std, shuttle) inside the
//! master's supervisor with thread workers and crashes: the new
//! generation starts before any old worker is told to stop; old workers
//! get QUIT, new ones nothing; nothing restarts after QUIT or TERM. Then
//! on a scripted host, step by step.

#![cfg(not(loom))]

use proclab::check::master::{supervise, Order};
use proclab::sync::model::Model;

fn model(name: &'static str) -> Model {
    Model::new(name)
}

#[test]
fn a_reload_under_crashes() {
    model("graceful_reload: reload under crashes, then QUIT")
        .check(|| supervise(2, 1, &[Order::Reload, Order::Quit]));
}

#[test]
fn reloads_back_to_back_then_terminate() {
    model("graceful_reload: two reloads, then TERM")
        .check(|| supervise(2, 1, &[Order::Reload, Order::Reload, Order::Terminate]));
}

#[test]
fn a_reload_that_may_come_after_quit() {
    model("graceful_reload: QUIT, maybe a reload, QUIT")
        .check(|| supervise(2, 0, &[Order::Quit, Order::Reload, Order::Quit]));
}

#[cfg(not(shuttle))]
mod steps {
    use proclab::check::master::{Call, Script};
    use proclab::master::channel_codec::Command;
    use proclab::master::supervisor::Supervisor;

    fn master(workers: usize) -> Supervisor<Script> {
        let mut master = Supervisor::new(Script::new(), workers);
        master.start();
        master.host_mut().calls.clear();
        master
    }

    /// The spawns and stop frames of the script, in order.
    fn plan(master: &Supervisor<Script>) -> Vec<String> {
        master
            .host()
            .calls
            .iter()
            .filter_map(|c| match c {
                Call::Spawn {
                    pid, generation, ..
                } => Some(format!("start {pid} (gen {generation})")),
                Call::Send { to, command, .. }
                    if matches!(command, Command::Quit | Command::Terminate) =>
                {
                    Some(format!("{command:?} {to}"))
                }
                _ => None,
            })
            .collect()
    }

    #[test]
    fn new_workers_first_then_quit_for_the_old() {
        let mut master = master(2);
        master.reload(3);
        assert_eq!(
            plan(&master),
            [
                "start 102 (gen 1)",
                "start 103 (gen 1)",
                "start 104 (gen 1)",
                "Quit 100",
                "Quit 101"
            ],
            "the new generation starts, then the old one is asked to QUIT"
        );
        let serving: Vec<i32> = master
            .table()
            .filter(|(_, r)| !r.exiting)
            .map(|(_, r)| r.pid)
            .collect();
        assert_eq!(
            serving,
            [102, 103, 104],
            "the new workers are not told to stop"
        );
        assert!(
            master
                .table()
                .filter(|(_, r)| r.exiting)
                .all(|(_, r)| !r.respawn),
            "old workers are not started again when they exit"
        );
        assert_eq!(master.generation(), 1);
    }

    #[test]
    fn a_second_reload_retires_both_older_generations() {
        let mut master = master(1);
        master.reload(1);
        master.reload(1);
        let serving: Vec<(i32, u64)> = master
            .table()
            .filter(|(_, r)| !r.exiting)
            .map(|(_, r)| (r.pid, r.generation))
            .collect();
        assert_eq!(
            serving,
            [(102, 2)],
            "(pid, generation) of the workers not told to stop"
        );
    }

    #[test]
    fn a_stopping_master_does_not_reload() {
        let mut master = master(2);
        master.quit();
        master.host_mut().calls.clear();
        master.reload(2);
        assert!(
            plan(&master).is_empty(),
            "a master that is stopping does not reload (it would start workers it is about to stop), yet it did {:?}",
            plan(&master)
        );
        assert_eq!(master.generation(), 0);
    }
}
