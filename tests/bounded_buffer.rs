//! Tests of the `bounded_buffer` exercise (`solutions/bounded_buffer.rs`).

#[macro_use]
mod common;

use common::join;
use proclab::graded::bounded_buffer::BoundedBuffer;
use proclab::sync::model::Model;
use proclab::sync::thread;
use std::sync::Arc;

/// `producers` threads each push `per` items `(producer, seq)`;
/// `consumers` threads pop them all. Every item must arrive exactly once,
/// each consumer must see each producer's items in order, and the buffer
/// never holds more than its capacity.
fn exchange(producers: usize, consumers: usize, per: usize, capacity: usize) {
    let buf = Arc::new(BoundedBuffer::new(capacity));
    let total = producers * per;
    assert_eq!(
        total % consumers,
        0,
        "test setup: consumers share the items evenly"
    );
    let pushers: Vec<_> = (0..producers)
        .map(|p| {
            let buf = buf.clone();
            thread::spawn(move || {
                for seq in 0..per {
                    buf.push((p, seq));
                    let len = buf.len();
                    assert!(
                        len <= capacity,
                        "capacity: the buffer holds {len} items but its capacity is {capacity} (a producer did not wait while full)"
                    );
                }
            })
        })
        .collect();
    let poppers: Vec<_> = (0..consumers)
        .map(|_| {
            let buf = buf.clone();
            thread::spawn(move || {
                (0..total / consumers)
                    .map(|_| buf.pop())
                    .collect::<Vec<_>>()
            })
        })
        .collect();
    for h in pushers {
        join(h);
    }
    let mut seen = vec![vec![false; per]; producers];
    for h in poppers {
        let got = join(h);
        let mut last: Vec<Option<usize>> = vec![None; producers];
        for (p, seq) in got {
            assert!(
                last[p].is_none_or(|prev| prev < seq),
                "order per producer: a consumer got item {seq} of producer {p} after item {:?}",
                last[p]
            );
            last[p] = Some(seq);
            assert!(
                !seen[p][seq],
                "exactly once: item {seq} of producer {p} was delivered twice"
            );
            seen[p][seq] = true;
        }
    }
    for (p, items) in seen.iter().enumerate() {
        for (seq, &s) in items.iter().enumerate() {
            assert!(
                s,
                "exactly once: item {seq} of producer {p} was never delivered"
            );
        }
    }
    assert!(
        buf.is_empty(),
        "items left over after every one was consumed"
    );
}

#[test]
fn one_producer_one_consumer_through_one_slot() {
    Model::new("bounded buffer: 1 producer, 1 consumer, capacity 1")
        .preemptions(1)
        .check(|| exchange(1, 1, 3, 1));
}

#[test]
fn many_producers_many_consumers() {
    // Two producers and two consumers through one slot: the schedule
    // where a notification wakes the wrong kind of thread exists here.
    let model = Model::new("bounded buffer: 2 producers, 2 consumers")
        .preemptions(1)
        .threads(4);
    let pairs = (model.spawned_threads() / 2).max(1);
    model.check(move || exchange(pairs, pairs, 2, 1));
}

/// In the std world, give a just-spawned thread time to block in `pop` or
/// `push` before the main thread acts (the model worlds try every order).
/// Not a speed assertion: the test passes whatever the timing.
fn let_it_block() {
    if proclab::sync::WORLD == "std" {
        std::thread::sleep(std::time::Duration::from_millis(5));
    }
}

#[test]
fn try_push_wakes_a_waiting_consumer() {
    Model::new("bounded buffer: try_push wakes a consumer")
        .preemptions(1)
        .check(|| {
            let buf = Arc::new(BoundedBuffer::new(1));
            let consumer = {
                let buf = buf.clone();
                thread::spawn(move || buf.pop())
            };
            let_it_block();
            assert_eq!(buf.try_push(7), Ok(()), "the buffer is empty");
            assert_eq!(
                join(consumer),
                7,
                "a consumer asleep in pop gets the item try_push put in"
            );
        });
}

#[test]
fn try_pop_wakes_a_waiting_producer() {
    Model::new("bounded buffer: try_pop wakes a producer")
        .preemptions(1)
        .check(|| {
            let buf = Arc::new(BoundedBuffer::new(1));
            buf.push(1);
            let producer = {
                let buf = buf.clone();
                thread::spawn(move || buf.push(2))
            };
            let_it_block();
            let first = loop {
                if let Some(item) = buf.try_pop() {
                    break item;
                }
                proclab::sync::spin_loop();
            };
            assert_eq!(first, 1);
            // A producer asleep in push must be woken by the room try_pop made.
            join(producer);
            assert_eq!(buf.try_pop(), Some(2));
        });
}

#[cfg(not(any(loom, shuttle)))]
mod api {
    use super::*;

    #[test]
    fn try_push_and_try_pop_never_wait() {
        let buf = BoundedBuffer::new(2);
        assert_eq!(buf.try_pop(), None);
        buf.push(1);
        assert_eq!(buf.try_push(2), Ok(()));
        assert_eq!(
            buf.try_push(3),
            Err(3),
            "try_push into a full buffer must hand the item back"
        );
        assert_eq!((buf.len(), buf.capacity()), (2, 2));
        assert_eq!(buf.pop(), 1);
        assert_eq!(buf.try_pop(), Some(2));
        assert!(buf.is_empty());
    }

    #[test]
    fn a_busy_pipeline_on_real_threads() {
        Model::new("bounded buffer: 3 producers, 3 consumers, 100 items each")
            .preemptions(1)
            .rounds(3)
            .check(|| exchange(3, 3, 100, 4));
    }
}
