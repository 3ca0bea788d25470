//! The interface every proclab lock implements.

/// A lock without data: the part of a lock that the harnesses, the
/// benchmarks and [`Lock`](super::Lock) are generic over.
///
/// # Safety
///
/// Implementors promise mutual exclusion: between a `lock` (or a `try_lock`
/// returning `true`) and the matching `unlock`, no other thread's `lock`
/// returns or `try_lock` succeeds, and everything the holder wrote before
/// `unlock` is visible to the next holder after its `lock` (release/acquire).
pub unsafe trait RawLock: Send + Sync {
    /// A new, unlocked lock. The name appears in every misuse panic.
    fn new(name: &'static str) -> Self;

    /// The name given at construction.
    fn name(&self) -> &'static str;

    /// Wait until the lock is ours.
    ///
    /// Panics ("acquire: NAME already held by this thread") if the calling
    /// thread holds it already: a spinlock taken twice by its holder would
    /// spin forever.
    fn lock(&self);

    /// Take the lock if that needs no waiting; `true` if it is now ours.
    ///
    /// Panics like [`RawLock::lock`] if the calling thread holds it already.
    fn try_lock(&self) -> bool;

    /// Release the lock.
    ///
    /// Panics ("release: NAME not held by this thread") if the calling
    /// thread does not hold it.
    ///
    /// # Safety
    ///
    /// The calling thread holds the lock, and stops touching what it
    /// protects before calling.
    unsafe fn unlock(&self);

    /// Does the calling thread hold this lock? (xv6's `holding()`.)
    fn holding(&self) -> bool;
}

/// A lock that lets threads in strictly in the order they arrived.
pub trait FifoLock: RawLock {
    /// Has some thread queued behind the holder? (A snapshot.)
    ///
    /// A thread that has called [`RawLock::lock`] counts from the moment
    /// its place in the queue is fixed, so a test can wait for a thread to
    /// be queued before starting the next.
    fn has_waiters(&self) -> bool;
}

/// A lock with a shared mode as well: readers hold it together, a writer
/// (the [`RawLock`] side) holds it alone.
///
/// # Safety
///
/// Implementors promise that while a writer holds the lock nobody else
/// does, that readers hold it only alongside other readers, and that each
/// release happens-before the next acquisition that excludes it (a
/// writer's release before any later holder; a reader's release before the
/// next writer).
pub unsafe trait RawRwLock: RawLock {
    /// Wait until the lock is held by readers only (or nobody), and join them.
    fn lock_shared(&self);

    /// Join the readers if that needs no waiting; `true` if it did.
    fn try_lock_shared(&self) -> bool;

    /// Leave the readers.
    ///
    /// # Safety
    ///
    /// The calling thread holds a shared lock taken with
    /// [`RawRwLock::lock_shared`] or [`RawRwLock::try_lock_shared`], and
    /// stops reading what it protects before calling.
    unsafe fn unlock_shared(&self);

    /// Is a writer waiting for the lock right now? (A snapshot; under a
    /// writer-preferring policy, new readers wait while it is true.)
    fn writer_waiting(&self) -> bool;
}
