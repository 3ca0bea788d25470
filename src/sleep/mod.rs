//! Sleeping instead of spinning: the second layer of the course.
//!
//! * [`Waiter`] — one sleeping thread's wake-up slot (frame code).
//! * [`WaitChannels`] / [`Chan`] — xv6's `sleep(chan, lock)` and
//!   `wakeup(chan)` (exercise `sleep_wakeup`).
//! * [`Condvar`] — condition variables for proclab's lock guards
//!   (exercise `condvar`).
//! * [`Semaphore`], [`Barrier`], [`SleepLock`] and [`BoundedBuffer`] —
//!   built on the above (exercises `semaphore`, `barrier`, `sleeplock`,
//!   `bounded_buffer`).
//!
//! Every sleep in this module goes through [`Waiter::sleep`], which refuses
//! to block while the thread holds a spinlock (xv6's "sched locks" rule).

mod waiter;

crate::exercise!(barrier);
crate::exercise!(bounded_buffer);
crate::exercise!(condvar);
crate::exercise!(semaphore);
crate::exercise!(sleep_wakeup);
crate::exercise!(sleeplock);

pub use barrier::Barrier;
pub use bounded_buffer::BoundedBuffer;
pub use condvar::Condvar;
pub use semaphore::Semaphore;
pub use sleep_wakeup::{Chan, WaitChannels};
pub use sleeplock::{RawSleepLock, SleepLock};
pub use waiter::Waiter;
