//! Tests of the frame around the sleeping exercises, on the reference
//! code. Not graded: nothing here is student code.
#![cfg(not(any(loom, shuttle)))]

use proclab::locks::Spinlock;
use proclab::sleep::{BoundedBuffer, Chan, Waiter};

#[test]
fn chan_of_names_a_channel_by_address() {
    let (a, b) = (0u8, 0u8);
    assert_eq!(Chan::of(&a), Chan::of(&a));
    assert_ne!(Chan::of(&a), Chan::of(&b));
}

#[test]
#[should_panic(expected = "capacity must be at least 1")]
fn a_zero_capacity_buffer_is_refused() {
    let _ = BoundedBuffer::<u8>::new(0);
}

#[test]
fn a_waiter_woken_before_it_sleeps_does_not_sleep() {
    let w = Waiter::current();
    w.wake();
    assert!(w.is_woken());
    w.sleep(); // returns at once
}

#[test]
#[should_panic(expected = "sleep: going to sleep with 1 spinlock(s) held (xv6: sched locks)")]
fn a_waiter_refuses_to_sleep_holding_a_spinlock() {
    let lock = Spinlock::new("held", ());
    let _g = lock.lock();
    Waiter::current().sleep();
}
