//! The bounded buffer: producers put items in, consumers take them out, in
//! order; a producer waits while the buffer is full and a consumer while it
//! is empty.
//!
//! Two condition variables, one per reason to wait. With a single one, a
//! `notify_one` meant for a consumer can wake another producer instead
//! (which finds the buffer still full and goes back to sleep), and with
//! the consumer never woken, everyone ends up asleep: the textbook deadlock.

use crate::locks::Spinlock;
use crate::sleep::Condvar;
use std::collections::VecDeque;

/// A multi-producer, multi-consumer FIFO queue of fixed capacity.
#[derive(Debug)]
pub struct BoundedBuffer<T> {
    capacity: usize,
    /// The items, oldest first; never more than `capacity`.
    items: Spinlock<VecDeque<T>>,
    /// Signalled when an item is taken out (room for a producer).
    not_full: Condvar,
    /// Signalled when an item is put in (work for a consumer).
    not_empty: Condvar,
}

impl<T> BoundedBuffer<T> {
    /// An empty buffer for up to `capacity` items.
    ///
    /// Panics if `capacity` is 0: nothing could ever be put in.
    pub fn new(capacity: usize) -> Self {
        assert!(
            capacity > 0,
            "BoundedBuffer::new: capacity must be at least 1"
        );
        BoundedBuffer {
            capacity,
            items: Spinlock::new("bounded buffer", VecDeque::with_capacity(capacity)),
            not_full: Condvar::new(),
            not_empty: Condvar::new(),
        }
    }

    /// Put `item` at the back, waiting while the buffer is full.
    pub fn push(&self, item: T) {
        // BEGIN SOLUTION hint: wait on not_full while the buffer is full; push_back; then notify one consumer on not_empty
        let items = self.items.lock();
        let mut items = self
            .not_full
            .wait_while(items, |q| q.len() == self.capacity);
        items.push_back(item);
        drop(items);
        self.not_empty.notify_one();
        // END SOLUTION
    }

    /// Take the front item, waiting while the buffer is empty.
    pub fn pop(&self) -> T {
        // BEGIN SOLUTION hint: wait on not_empty while the buffer is empty; pop_front; then notify one producer on not_full
        let items = self.items.lock();
        let mut items = self.not_empty.wait_while(items, |q| q.is_empty());
        let item = items
            .pop_front()
            .expect("not empty: checked under the lock");
        drop(items);
        self.not_full.notify_one();
        item
        // END SOLUTION
    }

    /// Put `item` in if there is room now; give it back if not.
    pub fn try_push(&self, item: T) -> Result<(), T> {
        let mut items = self.items.lock();
        if items.len() == self.capacity {
            return Err(item);
        }
        items.push_back(item);
        drop(items);
        self.not_empty.notify_one();
        Ok(())
    }

    /// Take the front item if there is one now.
    pub fn try_pop(&self) -> Option<T> {
        let item = self.items.lock().pop_front();
        if item.is_some() {
            self.not_full.notify_one();
        }
        item
    }

    /// Items in the buffer right now (a snapshot).
    pub fn len(&self) -> usize {
        self.items.lock().len()
    }

    /// Is the buffer empty right now (a snapshot)?
    pub fn is_empty(&self) -> bool {
        self.len() == 0
    }

    /// The most items the buffer holds.
    pub fn capacity(&self) -> usize {
        self.capacity
    }
}
