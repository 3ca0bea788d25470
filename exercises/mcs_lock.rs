// EXERCISE `mcs_lock`: generated from solutions/mcs_lock.rs by `cargo xtask exercises`.
// Replace each `todo!()` with your code, then run `cargo xtask grade mcs_lock`.
// Everything outside the `todo!()`s is given: read it, it is part of the lesson.

//! The MCS lock (Mellor-Crummey and Scott, 1991): a queue of waiters in
//! which each waiter spins on a flag of its own.
//!
//! The ticket lock is fair, but all its waiters watch one counter: every
//! release invalidates that cache line in every waiting core, and they all
//! fetch it again to learn that it is not their turn yet. The MCS lock
//! gives each waiter a *node* — its own cache line — and links the nodes
//! into a queue:
//!
//! * `lock`: swap my node into `tail`. The old tail is my predecessor; if
//!   there was none, the lock is mine. Otherwise I write my node's address
//!   into my predecessor's `next` and spin on my own `waiting` flag.
//! * `unlock`: if nobody is behind me, swing `tail` back to null (a
//!   compare-and-swap, because somebody may be swapping themselves in right
//!   now). If somebody is, or is about to link, I wait for the link, then
//!   clear my successor's `waiting` flag: one cache line, one core.
//!
//! Waiters enter in the order their swaps on `tail` happened: first come,
//! first served, like the ticket lock, with one cache-line transfer per
//! hand-off instead of one per waiter.
//!
//! The nodes live in a per-thread cache ([`RawMcsLock::lock`] takes one,
//! `unlock` gives it back), so the public API is the same safe
//! `lock`/`unlock` as every other proclab lock: no node to pass around.

use crate::locks::{FifoLock, Lock, Owner, RawLock};
use crate::sync::atomic::{AtomicBool, AtomicPtr, Ordering::*};
use crate::sync::{const_fn, spin_loop};
use std::cell::Cell;
use std::ptr::null_mut;

/// Data protected by a [`RawMcsLock`].
pub type McsLock<T> = Lock<RawMcsLock, T>;

/// One thread's place in an MCS queue, alone on its cache line(s).
///
/// 128 bytes, not 64: x86's adjacent-line prefetcher fetches cache lines in
/// pairs, and on Apple's and some ARM cores lines are 128 bytes, so two
/// nodes closer than that would still share traffic (crossbeam's
/// `CachePadded` makes the same choice).
#[repr(align(128))]
#[derive(Debug)]
pub struct Node {
    /// `true` while this node's thread must wait. Cleared once, by the
    /// predecessor handing the lock over (`Release`); read by the waiter
    /// (`Acquire`): the hand-off edge.
    waiting: AtomicBool,
    /// The successor's node, once the successor has linked itself in.
    /// Written once by the successor (`Release`), read by this node's
    /// thread in `unlock` (`Acquire`).
    next: AtomicPtr<Node>,
    /// The node below this one on its thread's spare stack, while the node
    /// is spare. A plain cell: a spare node belongs to its thread alone.
    below: Cell<*mut Node>,
}

/// A thread's spare nodes: a stack linked through their `below` fields.
/// A node in here is referenced by no queue, so freeing them when the
/// thread exits is safe; a node still in a queue is never in here.
struct SpareNodes(Cell<*mut Node>);

impl Drop for SpareNodes {
    fn drop(&mut self) {
        let mut spare = self.0.get();
        while !spare.is_null() {
            // SAFETY: every node on the stack came from `Box::into_raw` in
            // `take_node` and is referenced by nothing but this stack.
            let node = unsafe { Box::from_raw(spare) };
            spare = node.below.get();
        }
    }
}

crate::sync::per_thread! {
    /// Nodes this thread is not using, to be reused by its next `lock`.
    static SPARE_NODES: SpareNodes = const { SpareNodes(Cell::new(null_mut())) };
}

/// A node for the calling thread to queue with: `waiting`, no successor.
/// Owned by the caller until handed back with [`recycle`].
#[inline]
fn take_node() -> *mut Node {
    let spare = SPARE_NODES.with(|stack| {
        let top = stack.0.get();
        if !top.is_null() {
            // SAFETY: nodes on the stack are alive and ours alone.
            stack.0.set(unsafe { (*top).below.get() });
        }
        top
    });
    if spare.is_null() {
        return Box::into_raw(Box::new(Node {
            waiting: AtomicBool::new(true),
            next: AtomicPtr::new(null_mut()),
            below: Cell::new(null_mut()),
        }));
    }
    // Relaxed: the node is private until the swap into `tail`, whose
    // Release publishes these writes to whoever links behind it.
    crate::sync::quietly(|| {
        // SAFETY: popped off this thread's stack: alive and ours alone.
        let node = unsafe { &*spare };
        node.waiting.store(true, Relaxed);
        node.next.store(null_mut(), Relaxed);
    });
    spare
}

/// Give a node back to this thread's spare stack.
///
/// # Safety
///
/// `node` came from [`take_node`] on this thread and no queue refers to it
/// any more (the lock was handed over, or `tail` swung back to null).
#[inline]
unsafe fn recycle(node: *mut Node) {
    SPARE_NODES.with(|stack| {
        // SAFETY: by the caller's promise the node is ours alone again.
        unsafe { (*node).below.set(stack.0.get()) };
        stack.0.set(node);
    });
}

/// A queue lock: FIFO, and each waiter spins on its own cache line.
#[derive(Debug)]
pub struct RawMcsLock {
    /// For panics and debugging.
    name: &'static str,
    /// The last node in the queue — the holder's when nobody waits — or
    /// null when the lock is free. Changed only by swaps (joining) and by
    /// the holder's compare-and-swap back to null (leaving an empty queue).
    tail: AtomicPtr<Node>,
    /// The holder's node, so `unlock` can find it. Written by the holder
    /// right after acquiring and read by it in `unlock`; no other thread
    /// touches it, so Relaxed accesses suffice (as for [`Owner`]).
    holder_node: AtomicPtr<Node>,
    /// The holding thread; touched only by the holder.
    owner: Owner,
}

impl RawMcsLock {
    const_fn! {
        /// An unlocked MCS lock called `name`.
        pub fn new(name: &'static str) -> Self {
            RawMcsLock {
                name,
                tail: AtomicPtr::new(null_mut()),
                holder_node: AtomicPtr::new(null_mut()),
                owner: Owner::new(),
            }
        }
    }

    /// Is the lock held by some thread right now? (A snapshot.)
    pub fn is_locked(&self) -> bool {
        // Relaxed: a snapshot that orders nothing.
        !self.tail.load(Relaxed).is_null()
    }
}

// SAFETY: a thread returns from `lock` only if its swap found `tail` null
// (the lock was free) or after its predecessor cleared its `waiting` flag,
// which a holder does exactly once, in `unlock`; so there is one holder at
// a time. The holder's Release (the hand-off store, or the compare-and-swap
// of `tail` to null) is read with Acquire by the next holder (the `waiting`
// load, or the swap of `tail`).
unsafe impl RawLock for RawMcsLock {
    fn new(name: &'static str) -> Self {
        RawMcsLock::new(name)
    }

    fn name(&self) -> &'static str {
        self.name
    }

    #[inline]
    #[track_caller]
    fn lock(&self) {
        self.owner.check_not_held(self.name);
        let node = take_node();
        todo!("swap your node into `tail` (AcqRel). A null predecessor means the lock is yours; otherwise store your node into the predecessor's `next` (Release) and spin until your own node's `waiting` reads false (Acquire)");
        crate::sync::quietly(|| self.holder_node.store(node, Relaxed));
        self.owner.acquired();
    }

    #[inline]
    #[track_caller]
    fn try_lock(&self) -> bool {
        self.owner.check_not_held(self.name);
        let node = take_node();
        let taken = {
            todo!("join only an empty queue: compare_exchange `tail` from null to your node (AcqRel); never swap, which would queue you behind a holder")
        };
        if taken {
            crate::sync::quietly(|| self.holder_node.store(node, Relaxed));
            self.owner.acquired();
        } else {
            // SAFETY: the exchange failed, so no queue refers to the node.
            unsafe { recycle(node) };
        }
        taken
    }

    #[inline]
    #[track_caller]
    unsafe fn unlock(&self) {
        self.owner.releasing(self.name);
        let node = crate::sync::quietly(|| self.holder_node.load(Relaxed));
        todo!("no successor linked yet? compare_exchange `tail` from your node to null (Release); if that fails someone is joining: spin until your `next` is set (Acquire), then clear their `waiting` (Release)");
        // SAFETY: the lock was handed over or the queue emptied: nobody
        // refers to our node any more.
        unsafe { recycle(node) };
    }

    #[inline]
    fn holding(&self) -> bool {
        self.owner.holding()
    }
}

impl FifoLock for RawMcsLock {
    /// A snapshot, meaningful while the lock is held: right after an
    /// uncontended `lock`, before the new holder has recorded its node, it
    /// may briefly say `true`.
    fn has_waiters(&self) -> bool {
        // Relaxed: a snapshot. A thread has its place in the queue from the
        // moment its swap moved `tail` past the holder's node.
        let tail = self.tail.load(Relaxed);
        !tail.is_null() && tail != self.holder_node.load(Relaxed)
    }
}

crate::locks::impl_lock_api!(RawMcsLock);
