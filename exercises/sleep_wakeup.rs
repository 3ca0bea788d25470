// EXERCISE `sleep_wakeup`: generated from solutions/sleep_wakeup.rs by `cargo xtask exercises`.
// Replace each `todo!()` with your code, then run `cargo xtask grade sleep_wakeup`.
// Everything outside the `todo!()`s is given: read it, it is part of the lesson.

//! Sleep and wakeup on wait channels, as xv6 does them (kernel/proc.c).
//!
//! A thread that must wait for a condition calls `sleep(chan, guard)`,
//! where `guard` holds the lock that protects the condition and `chan` is a
//! number naming what it waits for — in xv6 an address, such as the
//! address of the buffer it waits on. A thread that makes the condition
//! true calls `wakeup(chan)`, which wakes every thread sleeping on `chan`.
//!
//! The whole difficulty is the *lost wakeup*. If the sleeper let go of the
//! condition lock and only then put itself on the sleepers' list, a waker
//! could change the condition and call `wakeup` in between, find nobody to
//! wake, and the sleeper would then sleep forever. xv6's cure, copied here:
//! take the lock of the sleepers' list *before* releasing the condition
//! lock, so that the two are never both free while the sleeper is not yet
//! listed. A waker must hold the condition lock to change the condition,
//! and the list lock to wake, so it either runs entirely before the
//! sleeper checked the condition, or finds the sleeper listed.
//!
//! Sleepers are kept in a fixed table of buckets chosen by hashing the
//! channel, each with its own spinlock, so wakeups on different channels
//! rarely contend — not one global list scanned under one lock.

use crate::locks::{Lock, LockGuard, RawLock, Spinlock};
use crate::sleep::Waiter;
use std::sync::Arc;

/// What a sleeper waits for: an address or an explicit key.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub struct Chan(pub usize);

impl Chan {
    /// The channel named by the address of `thing`, as xv6 names them
    /// (`sleep(&ticks, …)`).
    pub fn of<T: ?Sized>(thing: &T) -> Chan {
        Chan(thing as *const T as *const () as usize)
    }
}

/// One bucket: the sleepers of every channel that hashes here.
type Bucket = Spinlock<Vec<(Chan, Arc<Waiter>)>>;

/// A table of sleepers, hashed by channel.
pub struct WaitChannels {
    /// Bucket `bucket_of(chan)` lists the threads sleeping on `chan`
    /// (among others). A sleeper is added while its condition lock
    /// is still held and removed only by a `wakeup` on its channel.
    buckets: Box<[Bucket]>,
}

impl Default for WaitChannels {
    fn default() -> Self {
        WaitChannels::new(64)
    }
}

impl std::fmt::Debug for WaitChannels {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("WaitChannels")
            .field("buckets", &self.buckets.len())
            .finish()
    }
}

impl WaitChannels {
    /// A table with `buckets` buckets (at least 1).
    pub fn new(buckets: usize) -> Self {
        WaitChannels {
            buckets: (0..buckets.max(1))
                .map(|_| Spinlock::new("wait channel bucket", Vec::new()))
                .collect(),
        }
    }

    /// The bucket `chan` hashes to. Addresses are multiples of their
    /// alignment, so `chan % buckets` would leave most buckets unused; a
    /// multiplicative (Fibonacci) hash spreads them, its high bits best mixed.
    pub fn bucket_of(&self, chan: Chan) -> usize {
        let mixed = (chan.0 as u64).wrapping_mul(0x9E37_79B9_7F4A_7C15);
        ((mixed >> 32) as usize) % self.buckets.len()
    }

    fn bucket(&self, chan: Chan) -> &Bucket {
        &self.buckets[self.bucket_of(chan)]
    }

    /// Atomically release `guard`'s lock and sleep on `chan`; relock before
    /// returning.
    ///
    /// Returns only after a [`WaitChannels::wakeup`] on `chan` that began
    /// after this thread was listed. Callers re-check their condition in a
    /// loop anyway (another thread may have run in between and made it false
    /// again). Panics if the thread holds any spinlock besides `guard`'s
    /// (xv6's "sched locks").
    #[track_caller]
    pub fn sleep<'a, R: RawLock, T: ?Sized>(
        &self,
        chan: Chan,
        guard: LockGuard<'a, R, T>,
    ) -> LockGuard<'a, R, T> {
        let lock: &'a Lock<R, T> = LockGuard::lock(&guard);
        let me = Waiter::current();
        todo!("list yourself in the channel's bucket while you still hold `guard`; only then drop `guard` (and then the bucket's lock), so no wakeup can slip in between");
        me.sleep();
        lock.lock()
    }

    /// Wake every thread sleeping on `chan`.
    pub fn wakeup(&self, chan: Chan) {
        todo!("under the bucket's lock, take out every sleeper whose channel is `chan` and wake it; leave the others listed")
    }

    /// How many threads sleep on `chan` right now (a snapshot).
    pub fn sleepers(&self, chan: Chan) -> usize {
        self.bucket(chan)
            .lock()
            .iter()
            .filter(|(c, _)| *c == chan)
            .count()
    }
}
