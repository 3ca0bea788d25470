//! Tests of the frame around the lock exercises — `Lock<R, T>`, its guard,
//! `Owner` — on the reference raw locks. Not graded: nothing here is
//! student code, so these pass even on untouched stubs.
#![cfg(not(any(loom, shuttle)))]

use proclab::locks::{Lock, RawLock, RawSpinlock, RawTicketLock, Spinlock, TicketLock};

#[test]
#[should_panic(expected = "release: stray not held by this thread")]
fn unlocking_a_free_spinlock_panics() {
    let raw = RawSpinlock::new("stray");
    // SAFETY: deliberately wrong to check the panic; the lock is free, so
    // nothing is corrupted.
    unsafe { RawLock::unlock(&raw) };
}

#[test]
#[should_panic(expected = "release: stray not held by this thread")]
fn unlocking_a_ticket_lock_held_by_another_thread_panics() {
    let raw = std::sync::Arc::new(<RawTicketLock as RawLock>::new("stray"));
    let other = raw.clone();
    std::thread::spawn(move || RawLock::lock(&*other))
        .join()
        .unwrap();
    // SAFETY: deliberately wrong; the panic fires before anything changes.
    unsafe { RawLock::unlock(&*raw) };
}

#[test]
fn get_mut_and_into_inner_bypass_the_lock() {
    let mut lock = Spinlock::new("owned", vec![1]);
    lock.get_mut().push(2);
    assert_eq!(lock.into_inner(), vec![1, 2]);
}

#[test]
fn debug_shows_the_data_or_that_it_is_locked() {
    let lock = TicketLock::new("shown", 7);
    assert_eq!(format!("{lock:?}"), "Lock { name: \"shown\", data: 7 }");
    let guard = lock.lock();
    assert_eq!(
        format!("{lock:?}"),
        "Lock { name: \"shown\", data: \"<held by this thread>\" }"
    );
    assert_eq!(format!("{guard:?} {guard}"), "7 7");
}

#[test]
fn lock_and_guard_have_the_right_auto_traits() {
    fn send_sync<T: Send + Sync>() {}
    send_sync::<Spinlock<u32>>();
    send_sync::<TicketLock<u32>>();
    send_sync::<RawSpinlock>();
    // Like std's Mutex, a lock makes a `Send` but `!Sync` type shareable:
    // only one thread at a time reaches it.
    send_sync::<Lock<RawSpinlock, std::cell::Cell<u32>>>();
}
