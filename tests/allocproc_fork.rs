//! Exercise `allocproc_fork`: claiming a slot and starting a child.
//! Model-checked: forks at the same moment on two CPUs get distinct slots
//! and pids; a full table fails cleanly.

use proclab::check::procs;

#[test]
fn fork_until_full_then_reap_all() {
    procs::model("proc: fork until the table is full").check(|| {
        procs::fork_until_full(
            procs::model_cpus(),
            match proclab::sync::WORLD {
                "std" => 16,
                "shuttle" => 4,
                _ => 2,
            },
        )
    });
}

/// Not under loom: two forkers and their children are more threads than
/// loom allows, and with its single CPU they would not run at the same
/// moment anyway.
#[cfg(not(loom))]
#[test]
fn forks_at_the_same_moment() {
    procs::model("proc: forks at the same moment").check(|| {
        procs::concurrent_forks(
            procs::model_cpus(),
            if proclab::sync::WORLD == "loom" { 1 } else { 2 },
        )
    });
}

#[test]
fn every_child_is_reaped_once() {
    procs::model("proc: every child reaped once").check(|| {
        procs::reaped_once(
            procs::model_cpus(),
            if proclab::sync::WORLD == "loom" { 1 } else { 3 },
        )
    });
}

/// Liveness: the parent keeps its CPU busy until its child has run, so the
/// child needs the other, idle CPU — `fork` must wake it. Not under loom:
/// it takes two CPUs (a hang here is found as a deadline in std, as a run
/// that never ends under shuttle).
#[cfg(not(loom))]
#[test]
fn fork_wakes_an_idle_cpu() {
    procs::model("proc: fork wakes an idle CPU").check(|| procs::fork_wakes_idle_cpu(2));
}

#[test]
fn the_parent_is_recorded_by_pid() {
    procs::model("proc: ppid is the parent's pid")
        .check(|| procs::ppid_is_the_parents_pid(procs::model_cpus()));
}
