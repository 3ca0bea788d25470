//! Exercise `proc_sleep_wakeup`: sleeping and waking processes through
//! the table. Model-checked: no lost wakeup, no process woken while it
//! runs, every sleeper woken.

use proclab::check::procs;

#[test]
fn sleep_and_wakeup_hand_over_a_value() {
    procs::model("proc: sleep and wakeup hand over a value")
        .check(|| procs::sleep_hands_over(procs::model_cpus()));
}

#[test]
fn two_processes_take_turns() {
    procs::model("proc: ping-pong with sleep and wakeup").check(|| {
        procs::ping_pong(
            procs::model_cpus(),
            if proclab::sync::WORLD == "loom" { 1 } else { 3 },
        )
    });
}

#[test]
fn one_wakeup_wakes_every_sleeper() {
    procs::model("proc: one wakeup wakes every sleeper")
        .check(|| procs::wakeup_wakes_all(procs::model_cpus(), 2));
}

#[test]
fn a_killed_sleeper_wakes() {
    procs::model("proc: kill wakes a sleeper")
        .check(|| procs::kill_wakes_sleeper(procs::model_cpus()));
}

#[test]
fn a_killed_waiter_returns_killed() {
    procs::model("proc: a killed waiter").check(|| procs::killed_waiter(procs::model_cpus()));
}

/// Liveness: the waker keeps its CPU busy until the sleeper has run, so
/// the sleeper needs the other, idle CPU — `wakeup` must wake it. Not
/// under loom: it takes two CPUs.
#[cfg(not(loom))]
#[test]
fn wakeup_wakes_an_idle_cpu() {
    procs::model("proc: wakeup wakes an idle CPU").check(|| procs::wakeup_wakes_idle_cpu(2));
}
