//! Exercise `exit_wait`: zombies, reaping and orphans. Model-checked: no
//! child reaped twice or never, no lost wakeup between `exit` and `wait`,
//! orphans reach init.

use proclab::check::procs;

#[test]
fn every_child_is_reaped_once_with_its_status() {
    procs::model("proc: every child reaped once with its status").check(|| {
        procs::reaped_once(
            procs::model_cpus(),
            if proclab::sync::WORLD == "loom" { 1 } else { 3 },
        )
    });
}

#[test]
fn orphans_reach_init() {
    procs::model("proc: orphans reach init")
        .check(|| procs::orphans_reach_init(procs::model_cpus()));
}

#[test]
fn a_killed_waiter_returns_killed() {
    procs::model("proc: a killed waiter").check(|| procs::killed_waiter(procs::model_cpus()));
}

/// Liveness: a ZOMBIE orphan given to init while init sleeps in `wait`
/// must wake init (`reparent`'s wakeup), or it is never reaped. Not under
/// loom: four processes are more threads than loom allows.
#[cfg(not(loom))]
#[test]
fn a_zombie_orphan_wakes_init() {
    procs::model("proc: a zombie orphan wakes init")
        .check(|| procs::zombie_orphan_wakes_init(procs::model_cpus()));
}
