//! Exercise `scheduler_rr`: the scheduler loop's dispatch and the round
//! robin choice. Model-checked: a process never runs on two CPUs (the
//! table asserts it at every dispatch), every runnable process runs, turns
//! are taken in order.

use proclab::check::procs;

#[test]
fn yielders_take_turns_in_order() {
    procs::model("proc: round robin order")
        .check(|| procs::yields_round_robin(if proclab::sync::WORLD == "loom" { 2 } else { 3 }, 2));
}

#[test]
fn yields_on_several_cpus() {
    procs::model("proc: yields on several CPUs").check(|| {
        procs::yields_on_cpus(
            procs::model_cpus(),
            if proclab::sync::WORLD == "loom" { 1 } else { 3 },
            2,
        )
    });
}

#[test]
fn every_child_is_reaped_once() {
    procs::model("proc: every child reaped once").check(|| {
        procs::reaped_once(
            procs::model_cpus(),
            if proclab::sync::WORLD == "loom" { 1 } else { 2 },
        )
    });
}

/// Liveness: a CPU that found nothing to run must not sleep through work
/// that became runnable while it looked (the idle generation is read
/// before the look). Each process here keeps its CPU busy until another
/// has run on the other CPU. Not under loom: it takes two CPUs.
#[cfg(not(loom))]
#[test]
fn an_idle_cpu_never_misses_work() {
    procs::model("proc: an idle CPU never misses work").check(|| {
        procs::fork_wakes_idle_cpu(2);
        procs::wakeup_wakes_idle_cpu(2);
    });
}

#[test]
fn every_dispatch_is_counted() {
    procs::model("proc: ticks count dispatches")
        .check(|| procs::ticks_count_dispatches(procs::model_cpus(), 2));
}
