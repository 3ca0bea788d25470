//! Tests of the `sleep_wakeup` exercise (`solutions/sleep_wakeup.rs`).

#[macro_use]
mod common;

use common::join;
use proclab::graded::sleep_wakeup::{Chan, WaitChannels};
use proclab::locks::Spinlock;
use proclab::sync::model::Model;
use proclab::sync::{spin_loop, thread};
use std::sync::Arc;

/// A condition (a flag under a spinlock), its channel, and sleepers on it.
struct Event {
    ready: Spinlock<bool>,
    chans: WaitChannels,
}

impl Event {
    fn new(buckets: usize) -> Arc<Self> {
        Arc::new(Event {
            ready: Spinlock::new("ready", false),
            chans: WaitChannels::new(buckets),
        })
    }

    /// Sleep on `chan` until the flag is set; check the lock is held after.
    fn await_ready(&self, chan: Chan) {
        let mut ready = self.ready.lock();
        while !*ready {
            ready = self.chans.sleep(chan, ready);
            assert!(
                self.ready.holding(),
                "sleep returned without the condition lock held again"
            );
        }
    }

    fn set_and_wake(&self, chan: Chan) {
        *self.ready.lock() = true;
        self.chans.wakeup(chan);
    }
}

const CHAN: Chan = Chan(7);

#[test]
fn no_lost_wakeup() {
    // The sleeper and the waker race: whatever the interleaving, the
    // sleeper must not sleep through the one wakeup it gets.
    Model::new("sleep/wakeup: no lost wakeup")
        .preemptions(2)
        .check(|| {
            let event = Event::new(4);
            let sleeper = {
                let event = event.clone();
                thread::spawn(move || event.await_ready(CHAN))
            };
            event.set_and_wake(CHAN);
            join(sleeper);
        });
}

// Three threads waiting on each other's spinlocks: too big a state space
// for loom (tens of seconds); shuttle and std cover it.
#[cfg(not(loom))]
#[test]
fn wakeup_wakes_every_sleeper_on_the_channel() {
    let model = Model::new("sleep/wakeup: wakeup wakes all")
        .preemptions(1)
        .threads(3);
    let sleepers = model.spawned_threads();
    model.check(move || {
        let event = Event::new(4);
        let handles: Vec<_> = (0..sleepers)
            .map(|_| {
                let event = event.clone();
                thread::spawn(move || event.await_ready(CHAN))
            })
            .collect();
        // Wake only once all are asleep, so one wakeup must reach them all.
        while event.chans.sleepers(CHAN) < sleepers {
            spin_loop();
        }
        event.set_and_wake(CHAN);
        for h in handles {
            join(h);
        }
    });
}

#[test]
fn wakeup_leaves_other_channels_asleep() {
    Model::new("sleep/wakeup: other channels stay asleep").preemptions(1).check(|| {
        // Two channels that share a bucket of the 4.
        let event = Event::new(4);
        let mine = Chan(1);
        let other = (2..)
            .map(Chan)
            .find(|&c| event.chans.bucket_of(c) == event.chans.bucket_of(mine))
            .expect("some channel shares a bucket");
        let sleeper = {
            let event = event.clone();
            thread::spawn(move || event.await_ready(mine))
        };
        while event.chans.sleepers(mine) < 1 {
            spin_loop();
        }
        assert_eq!(
            event.chans.sleepers(other),
            0,
            "sleepers counts only the channel asked for, not its whole bucket"
        );
        event.chans.wakeup(other);
        assert_eq!(
            event.chans.sleepers(mine),
            1,
            "wakeup on another channel of the same bucket took a sleeper of channel 1 off the list: wake only the channel asked for"
        );
        event.set_and_wake(mine);
        join(sleeper);
        assert_eq!(event.chans.sleepers(mine), 0, "a woken sleeper is still listed");
    });
}

#[cfg(not(any(loom, shuttle)))]
mod api {
    use super::*;

    #[test]
    #[should_panic(expected = "sched locks")]
    fn sleeping_while_holding_another_spinlock_panics() {
        let other = Spinlock::new("other", ());
        let event = Event::new(1);
        let _held = other.lock();
        let ready = event.ready.lock();
        let _ = event.chans.sleep(CHAN, ready);
    }

    #[test]
    fn a_table_of_zero_buckets_has_one() {
        let event = Arc::new(Event {
            ready: Spinlock::new("ready", false),
            chans: WaitChannels::new(0),
        });
        assert_eq!(event.chans.bucket_of(CHAN), 0);
        let sleeper = {
            let event = event.clone();
            std::thread::spawn(move || event.await_ready(CHAN))
        };
        // Until it is listed, or it ended without ever being (a panic,
        // re-raised by the join below).
        while event.chans.sleepers(CHAN) < 1 && !sleeper.is_finished() {
            std::thread::yield_now();
        }
        event.set_and_wake(CHAN);
        sleeper.join().unwrap();
    }

    #[test]
    fn many_rounds_of_ping_pong_on_real_threads() {
        // A counter passed back and forth: each side sleeps until it is its
        // turn. A lost wakeup hangs, which the model runner's deadline reports.
        Model::new("sleep/wakeup: ping-pong")
            .preemptions(1)
            .rounds(1)
            .check(ping_pong);
    }

    fn ping_pong() {
        let turn = Arc::new((Spinlock::new("turn", 0u32), WaitChannels::default()));
        let other = {
            let turn = turn.clone();
            std::thread::spawn(move || {
                for i in 0..500 {
                    let mut t = turn.0.lock();
                    while *t != 2 * i + 1 {
                        t = turn.1.sleep(CHAN, t);
                    }
                    *t += 1;
                    drop(t);
                    turn.1.wakeup(CHAN);
                }
            })
        };
        for i in 0..500 {
            let mut t = turn.0.lock();
            while *t != 2 * i {
                t = turn.1.sleep(CHAN, t);
            }
            *t += 1;
            drop(t);
            turn.1.wakeup(CHAN);
        }
        other.join().unwrap();
        assert_eq!(*turn.0.lock(), 1000);
    }
}
