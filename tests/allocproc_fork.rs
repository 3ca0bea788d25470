//! Exercise `allocproc_fork`: claiming a slot and starting a child.
//! Model-checked: forks at the same moment on two CPUs get distinct slots
//! and pids; a full table fails cleanly.

use proclab::check::procs;

#[test]
fn fork_until_full_then_reap_all() {
    procs::model(Some("allocproc_fork"), "proc: fork until the table is full").check(|| {
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
    procs::model(Some("allocproc_fork"), "proc: forks at the same moment").check(|| {
        procs::concurrent_forks(
            procs::model_cpus(),
            if proclab::sync::WORLD == "loom" { 1 } else { 2 },
        )
    });
}

#[test]
fn every_child_is_reaped_once() {
    procs::model(Some("allocproc_fork"), "proc: every child reaped once").check(|| {
        procs::reaped_once(
            procs::model_cpus(),
            if proclab::sync::WORLD == "loom" { 1 } else { 3 },
        )
    });
}
