//! Exercise `kill`: the killed flag and waking a sleeper. Model-checked:
//! a kill is never lost, a running process is never made runnable, bad
//! pids are errors.

use proclab::check::procs;

#[test]
fn kill_wakes_a_sleeper() {
    procs::model("proc: kill wakes a sleeper")
        .check(|| procs::kill_wakes_sleeper(procs::model_cpus()));
}

#[test]
fn a_killed_waiter_returns_killed() {
    procs::model("proc: a killed waiter").check(|| procs::killed_waiter(procs::model_cpus()));
}

#[test]
fn kill_of_a_dead_pid_is_an_error() {
    procs::model("proc: kill errors").check(|| procs::kill_errors(procs::model_cpus()));
}

#[test]
fn kill_while_running() {
    procs::model("proc: kill of a running process")
        .check(|| procs::kill_running(procs::model_cpus()));
}

/// Liveness: the killer keeps its CPU busy until the victim has seen the
/// kill, so the victim needs the other, idle CPU — `kill` must wake it.
/// Not under loom: it takes two CPUs.
#[cfg(not(loom))]
#[test]
fn kill_wakes_an_idle_cpu() {
    procs::model("proc: kill wakes an idle CPU").check(|| procs::kill_wakes_idle_cpu(2));
}
