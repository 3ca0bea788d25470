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

#[test]
fn aligned_addresses_spread_over_the_buckets() {
    use proclab::sleep::WaitChannels;
    let chans = WaitChannels::new(64);
    let used: std::collections::HashSet<usize> = (0..64)
        .map(|i| chans.bucket_of(Chan(0x7f00_0000_1000 + 8 * i)))
        .collect();
    assert!(
        used.len() >= 32,
        "64 neighbouring 8-byte-aligned channels use only {} of 64 buckets",
        used.len()
    );
}
