//! Exercise `scheduler_rr`: the scheduler loop's dispatch and the round
//! robin choice. Model-checked: a process never runs on two CPUs (the
//! table asserts it at every dispatch), every runnable process runs, turns
//! are taken in order.

use proclab::check::procs;

#[test]
fn yielders_take_turns_in_order() {
    procs::model(Some("scheduler_rr"), "proc: round robin order")
        .check(|| procs::yields_round_robin(if proclab::sync::WORLD == "loom" { 2 } else { 3 }, 2));
}

#[test]
fn yields_on_several_cpus() {
    procs::model(Some("scheduler_rr"), "proc: yields on several CPUs").check(|| {
        procs::yields_on_cpus(
            procs::model_cpus(),
            if proclab::sync::WORLD == "loom" { 1 } else { 3 },
            2,
        )
    });
}

#[test]
fn every_child_is_reaped_once() {
    procs::model(Some("scheduler_rr"), "proc: every child reaped once").check(|| {
        procs::reaped_once(
            procs::model_cpus(),
            if proclab::sync::WORLD == "loom" { 1 } else { 2 },
        )
    });
}
