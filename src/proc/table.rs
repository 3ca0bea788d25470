//! The process table: xv6's `kernel/proc.c`, with CPUs and processes as
//! threads.
//!
//! **Lock order** (as in xv6): the table's `wait_lock` before any
//! process's lock; a condition lock passed to `sleep` before the sleeper's
//! process lock. No code holds two process locks at once.
//!
//! **One deviation from xv6**, forced by threads: xv6 holds `p->lock`
//! across `swtch` — taken on the way out by the process, released on the
//! other side by the scheduler — so that no other CPU can pick the process
//! up while its kernel stack is still in use. Here a process has its own
//! thread (and stack), and a lock is released by the thread that took it.
//! So `sched` releases `p.lock` just before handing the CPU back. Another
//! CPU may then already dispatch the process (after a `wakeup`), but all it
//! can do is give the process's baton; the process takes it only after it
//! has handed its old CPU back, so it never runs on two CPUs (Linux keeps
//! `p->on_cpu` for the same window).

use super::baton::Baton;
use super::state::ProcState;
use super::sys::{Pid, Sys};
use crate::locks::{LockGuard, RawLock, RawSpinlock, Spinlock};
use crate::sleep::{Chan, Condvar};
use crate::sync::atomic::{
    AtomicBool, AtomicU64, AtomicUsize, Ordering::Relaxed, Ordering::SeqCst,
};
use crate::sync::thread::{self, JoinHandle};
use crate::sync::UnsafeCell;
use std::sync::Arc;

/// A process body: runs on the process's own thread, while a CPU has
/// handed it control; its return value is the exit status.
pub type Body = Box<dyn FnOnce(&Sys) -> i32 + Send + 'static>;

/// Proof of holding the table's `wait_lock`.
pub(crate) type WaitGuard<'a> = LockGuard<'a, RawSpinlock, ()>;

/// What `p.lock` guards (xv6: "p->lock must be held when using these").
#[derive(Debug)]
pub(crate) struct ProcInner {
    pub(crate) state: ProcState,
    pub(crate) pid: Pid,
    /// Set by `kill`; the process should exit when it sees it.
    pub(crate) killed: bool,
    /// Exit status, for the parent's `wait`.
    pub(crate) xstate: i32,
    /// What it sleeps on, while SLEEPING.
    pub(crate) chan: Option<Chan>,
    /// The CPU running it, while RUNNING.
    pub(crate) cpu: usize,
    pub(crate) name: &'static str,
}

/// One slot of the table.
pub(crate) struct Proc {
    /// xv6's `p->lock`.
    pub(crate) lock: Spinlock<ProcInner>,
    /// The parent's slot. Guarded by the table's `wait_lock` (xv6: "wait_lock
    /// must be held when using this"), hence reachable only with a
    /// [`WaitGuard`].
    parent: UnsafeCell<Option<usize>>,
    /// Given by the CPU that dispatches this process; taken by its thread.
    pub(crate) baton: Baton,
    /// The process's thread, joined by whoever reaps it.
    thread: Spinlock<Option<JoinHandle<()>>>,
    /// Lock-free copies for `procdump`, which takes no locks (as xv6's):
    /// written under the lock of what they copy, read without. A reader
    /// may see a mix of old and new values; that is the price.
    pub(crate) snap_state: AtomicUsize,
    pub(crate) snap_pid: AtomicUsize,
    pub(crate) snap_ppid: AtomicUsize,
    /// The name's first 16 bytes (xv6's `char name[16]`), packed.
    pub(crate) snap_name: [AtomicU64; 2],
    /// Times dispatched (its "CPU ticks").
    pub(crate) dispatches: AtomicUsize,
    /// True while the process's thread runs its body, i.e. between taking
    /// its baton and handing its CPU back: the check that it never runs on
    /// two CPUs at once. SeqCst: an instrument, kept simple.
    executing: AtomicBool,
}

// SAFETY: `parent` is only accessed with the table's `wait_lock` held (the
// accessors demand a `WaitGuard`); every other field is Sync.
unsafe impl Sync for Proc {}

impl Proc {
    fn new() -> Proc {
        Proc {
            lock: Spinlock::new(
                "proc",
                ProcInner {
                    state: ProcState::Unused,
                    pid: 0,
                    killed: false,
                    xstate: 0,
                    chan: None,
                    cpu: 0,
                    name: "",
                },
            ),
            parent: UnsafeCell::new(None),
            baton: Baton::new(),
            thread: Spinlock::new("proc thread", None),
            snap_state: AtomicUsize::new(0),
            snap_pid: AtomicUsize::new(0),
            snap_ppid: AtomicUsize::new(0),
            snap_name: [AtomicU64::new(0), AtomicU64::new(0)],
            dispatches: AtomicUsize::new(0),
            executing: AtomicBool::new(false),
        }
    }

    /// The process has been handed a CPU: it runs from now on.
    fn now_running(&self) {
        let twice = self.executing.swap(true, SeqCst);
        assert!(
            !twice,
            "sched: pid {} was handed a CPU while already running on another",
            self.snap_pid.load(Relaxed)
        );
    }

    /// The parent's slot; the guard proves `wait_lock` is held.
    pub(crate) fn parent(&self, _w: &WaitGuard<'_>) -> Option<usize> {
        // SAFETY: `wait_lock` is held, so no one writes `parent` meanwhile.
        self.parent.with(|p| unsafe { *p })
    }

    fn set_parent(&self, _w: &WaitGuard<'_>, parent: Option<usize>, ppid: Pid) {
        // SAFETY: `wait_lock` is held, so no one else accesses `parent`.
        self.parent.with_mut(|p| unsafe { *p = parent });
        // Relaxed: a snapshot for procdump.
        self.snap_ppid.store(ppid, Relaxed);
    }

    /// Update the state, and its snapshot (call with `p.lock` held).
    pub(crate) fn set_state(&self, inner: &mut ProcInner, state: ProcState) {
        inner.state = state;
        // Relaxed: a snapshot for procdump.
        self.snap_state.store(state.code(), Relaxed);
    }
}

/// Why `fork` failed.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum ForkError {
    /// Every slot of the table is in use.
    TableFull {
        /// The table's size.
        slots: usize,
    },
}

impl std::fmt::Display for ForkError {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self {
            ForkError::TableFull { slots } => {
                write!(f, "fork: the process table is full ({slots} slots in use)")
            }
        }
    }
}

impl std::error::Error for ForkError {}

/// The table, its CPUs, and the machine's life.
pub struct ProcTable {
    pub(crate) procs: Box<[Proc]>,
    /// xv6's `wait_lock`: taken before any process lock; guards every
    /// `parent` link and makes a parent's check for zombie children and
    /// its sleep one step with respect to a child's exit.
    pub(crate) wait_lock: Spinlock<()>,
    /// The CPUs' batons, given back by the process a CPU ran.
    pub(crate) cpus: Box<[Baton]>,
    /// The next pid to hand out. Relaxed: it only has to be unique.
    next_pid: AtomicUsize,
    /// Set once init has exited and reaped everything: CPUs stop.
    /// SeqCst: read in the CPUs' idle check together with `idle`.
    halted: AtomicBool,
    /// Bumped (under its lock) whenever a process becomes runnable or the
    /// machine halts; idle CPUs sleep on `idle_cv` until it changes.
    idle: Spinlock<u64>,
    idle_cv: Condvar,
    /// The first panic of a process body, re-raised by `boot`.
    panic: Spinlock<Option<Box<dyn std::any::Any + Send>>>,
}

/// The slot of init (pid 1), the ancestor orphans are given to.
pub(crate) const INIT: usize = 0;

impl ProcTable {
    /// Boot a machine with `cpus` CPU threads and `slots` process slots,
    /// run `init` as pid 1, and return its exit status once it has
    /// returned and every remaining process has been reaped (init reaps
    /// orphans, as xv6's init does).
    ///
    /// Errors name the bad argument. Panics in a process or CPU thread are
    /// re-raised here.
    pub fn boot<F>(cpus: usize, slots: usize, init: F) -> Result<i32, String>
    where
        F: FnOnce(&Sys) -> i32 + Send + 'static,
    {
        if cpus == 0 {
            return Err("boot: a machine needs at least one CPU".into());
        }
        if slots == 0 {
            return Err("boot: the process table needs at least one slot (for init)".into());
        }
        let table = Arc::new(ProcTable {
            procs: (0..slots).map(|_| Proc::new()).collect(),
            wait_lock: Spinlock::new("wait_lock", ()),
            cpus: (0..cpus).map(|_| Baton::new()).collect(),
            next_pid: AtomicUsize::new(1),
            halted: AtomicBool::new(false),
            idle: Spinlock::new("idle", 0),
            idle_cv: Condvar::new(),
            panic: Spinlock::new("panic", None),
        });
        let status = Arc::new(AtomicUsize::new(0));
        let init_body: Body = {
            let status = status.clone();
            Box::new(move |sys: &Sys| {
                let code = init(sys);
                // init reaps whatever is left, orphans included, then halts.
                while sys.wait().is_ok() {}
                status.store(code as u32 as usize, SeqCst);
                code
            })
        };
        let pid = table.alloc(INIT, "init").expect("slot 0 is free at boot");
        debug_assert_eq!(pid, 1);
        table.start(INIT, None, init_body);
        let cpu_threads: Vec<_> = (0..cpus)
            .map(|c| {
                let table = table.clone();
                thread::spawn(move || table.scheduler(c))
            })
            .collect();
        for h in cpu_threads {
            if let Err(p) = h.join() {
                std::panic::resume_unwind(p);
            }
        }
        let crashed = table.panic.lock().take();
        if let Some(payload) = crashed {
            std::panic::resume_unwind(payload);
        }
        let init_thread = table.procs[INIT].thread.lock().take();
        if let Some(h) = init_thread {
            if let Err(p) = h.join() {
                std::panic::resume_unwind(p);
            }
        }
        let left: Vec<String> = table
            .procs
            .iter()
            .enumerate()
            .skip(1)
            .filter_map(|(i, p)| {
                let g = p.lock.lock();
                (g.state != ProcState::Unused)
                    .then(|| format!("slot {i}: pid {} {:?}", g.pid, g.state))
            })
            .collect();
        if !left.is_empty() {
            return Err(format!(
                "halt: init exited but {} process(es) were never reaped: {}",
                left.len(),
                left.join(", ")
            ));
        }
        Ok(status.load(SeqCst) as u32 as i32)
    }

    /// xv6's `allocproc` for a given slot: claim it if UNUSED.
    fn alloc(&self, slot: usize, name: &'static str) -> Option<Pid> {
        let p = &self.procs[slot];
        let mut g = p.lock.lock();
        if g.state != ProcState::Unused {
            return None;
        }
        let pid = self.next_pid.fetch_add(1, Relaxed);
        g.pid = pid;
        g.killed = false;
        g.xstate = 0;
        g.chan = None;
        g.name = name;
        // Relaxed: snapshots for procdump.
        p.snap_pid.store(pid, Relaxed);
        p.dispatches.store(0, Relaxed);
        let mut bytes = [0u8; 16];
        let n = name.len().min(16);
        bytes[..n].copy_from_slice(&name.as_bytes()[..n]);
        for (half, chunk) in p.snap_name.iter().zip(bytes.chunks_exact(8)) {
            let word = u64::from_le_bytes(chunk.try_into().expect("8 bytes"));
            half.store(word, Relaxed);
        }
        p.set_state(&mut g, ProcState::Used);
        Some(pid)
    }

    /// Claim any free slot (xv6's `allocproc`).
    pub(crate) fn alloc_any(&self, name: &'static str) -> Result<(usize, Pid), ForkError> {
        (1..self.procs.len())
            .find_map(|slot| self.alloc(slot, name).map(|pid| (slot, pid)))
            .ok_or(ForkError::TableFull {
                slots: self.procs.len(),
            })
    }

    /// Give an allocated slot its thread and parent, and make it runnable.
    pub(crate) fn start(self: &Arc<Self>, slot: usize, parent: Option<usize>, body: Body) {
        let table = self.clone();
        let handle = thread::spawn(move || table.run_process(slot, body));
        let p = &self.procs[slot];
        p.baton.set_owner(handle.thread().clone());
        *p.thread.lock() = Some(handle);
        {
            let w = self.wait_lock.lock();
            let ppid = parent.map_or(0, |q| self.procs[q].snap_pid.load(Relaxed));
            p.set_parent(&w, parent, ppid);
        }
        let mut g = p.lock.lock();
        p.set_state(&mut g, ProcState::Runnable);
        drop(g);
        self.poke_idle_cpus();
    }

    /// The body of a process's thread: wait to be dispatched, run, exit.
    fn run_process(self: Arc<Self>, slot: usize, body: Body) {
        self.procs[slot].baton.take();
        self.procs[slot].now_running();
        let sys = Sys {
            table: self.clone(),
            slot,
        };
        match std::panic::catch_unwind(std::panic::AssertUnwindSafe(|| body(&sys))) {
            Ok(status) => self.exit(slot, status),
            Err(payload) => self.crash(slot, payload),
        }
    }

    /// A CPU's scheduler loop (xv6's `scheduler`): run each runnable
    /// process in turn, round robin, until the machine halts.
    fn scheduler(self: Arc<Self>, cpu: usize) {
        self.cpus[cpu].set_owner(thread::current());
        let mut next = 0;
        loop {
            let seen = *self.idle.lock();
            if self.halted.load(SeqCst) {
                return;
            }
            let mut ran = false;
            for k in 0..self.procs.len() {
                let slot = (next + k) % self.procs.len();
                let p = &self.procs[slot];
                let mut g = p.lock.lock();
                if g.state != ProcState::Runnable {
                    continue;
                }
                p.set_state(&mut g, ProcState::Running);
                g.cpu = cpu;
                // Relaxed: a statistic.
                p.dispatches.fetch_add(1, Relaxed);
                drop(g);
                // swtch: hand the CPU to the process, wait for it back.
                p.baton.give();
                self.cpus[cpu].take();
                next = slot + 1;
                ran = true;
                break;
            }
            if !ran {
                // Nothing to run: sleep until something becomes runnable
                // (or the machine halts) after `seen` was read.
                let mut gen = self.idle.lock();
                while *gen == seen && !self.halted.load(SeqCst) {
                    gen = self.idle_cv.wait(gen);
                }
            }
        }
    }

    /// Wake idle CPUs: something became runnable, or the machine halted.
    pub(crate) fn poke_idle_cpus(&self) {
        let mut gen = self.idle.lock();
        *gen += 1;
        drop(gen);
        self.idle_cv.notify_all();
    }

    /// xv6's `sched`: give the CPU back. The caller has set its state
    /// (not RUNNING) under `p.lock`, passed here as `g`; unless it is
    /// exiting, it waits until a CPU dispatches it again.
    pub(crate) fn sched(
        &self,
        slot: usize,
        g: LockGuard<'_, RawSpinlock, ProcInner>,
        exiting: bool,
    ) {
        assert!(
            g.state != ProcState::Running,
            "sched: still RUNNING (set the new state before giving up the CPU)"
        );
        let cpu = g.cpu;
        drop(g);
        let p = &self.procs[slot];
        p.executing.store(false, SeqCst);
        self.cpus[cpu].give();
        if !exiting {
            p.baton.take();
            p.now_running();
        }
    }

    /// xv6's `exit`: give children to init, wake the parent, become a
    /// zombie, and leave the CPU for good.
    fn exit(&self, slot: usize, status: i32) {
        let p = &self.procs[slot];
        let w = self.wait_lock.lock();
        if slot == INIT {
            // Everything is reaped (init's wrapper waited): halt.
            self.halted.store(true, SeqCst);
        } else {
            self.reparent(&w, slot);
            if let Some(parent) = p.parent(&w) {
                self.wakeup(Chan::of(&self.procs[parent]), Some(slot));
            }
        }
        let mut g = p.lock.lock();
        g.xstate = status;
        p.set_state(&mut g, ProcState::Zombie);
        drop(w);
        if slot == INIT {
            self.poke_idle_cpus();
        }
        self.sched(slot, g, true);
    }

    /// A process body panicked: halt the machine so that `boot` can return
    /// and re-raise the panic, instead of every CPU waiting forever.
    fn crash(&self, slot: usize, payload: Box<dyn std::any::Any + Send>) {
        *self.panic.lock() = Some(payload);
        self.halted.store(true, SeqCst);
        self.poke_idle_cpus();
        let p = &self.procs[slot];
        let mut g = p.lock.lock();
        g.xstate = -1;
        p.set_state(&mut g, ProcState::Zombie);
        self.sched(slot, g, true);
    }

    /// Give `slot`'s children to init (xv6's `reparent`), waking init.
    fn reparent(&self, w: &WaitGuard<'_>, slot: usize) {
        for q in &self.procs[1..] {
            if q.parent(w) == Some(slot) {
                q.set_parent(w, Some(INIT), 1);
                self.wakeup(Chan::of(&self.procs[INIT]), Some(slot));
            }
        }
    }

    /// xv6's `wakeup`: make every process sleeping on `chan` runnable
    /// (except `me`, which is running).
    pub(crate) fn wakeup(&self, chan: Chan, me: Option<usize>) {
        let mut woke = false;
        for (slot, p) in self.procs.iter().enumerate() {
            if Some(slot) == me {
                continue;
            }
            let mut g = p.lock.lock();
            if g.state == ProcState::Sleeping && g.chan == Some(chan) {
                p.set_state(&mut g, ProcState::Runnable);
                woke = true;
            }
        }
        if woke {
            self.poke_idle_cpus();
        }
    }

    /// xv6's `wait`, for the process in `slot`.
    pub(crate) fn wait(&self, slot: usize) -> Result<(Pid, i32), super::sys::WaitError> {
        let me = &self.procs[slot];
        let mut w = self.wait_lock.lock();
        loop {
            let mut have_kids = false;
            for (q, child) in self.procs.iter().enumerate() {
                if child.parent(&w) != Some(slot) {
                    continue;
                }
                have_kids = true;
                let mut g = child.lock.lock();
                if g.state == ProcState::Zombie {
                    let reaped = (g.pid, g.xstate);
                    // xv6's freeproc.
                    g.pid = 0;
                    g.name = "";
                    g.killed = false;
                    child.set_state(&mut g, ProcState::Unused);
                    drop(g);
                    child.set_parent(&w, None, 0);
                    let handle = self.procs[q].thread.lock().take();
                    drop(w);
                    // The child's thread has handed its CPU back and ends
                    // without touching the table again.
                    if let Some(h) = handle {
                        if let Err(p) = h.join() {
                            std::panic::resume_unwind(p);
                        }
                    }
                    return Ok(reaped);
                }
            }
            if !have_kids {
                return Err(super::sys::WaitError::NoChildren);
            }
            if me.lock.lock().killed {
                return Err(super::sys::WaitError::Killed);
            }
            w = self.sleep(slot, Chan::of(me), w);
        }
    }

    /// xv6's `sleep`: atomically release `guard`'s lock and sleep on
    /// `chan`; relock before returning.
    pub(crate) fn sleep<'a, R: RawLock, T: ?Sized>(
        &self,
        slot: usize,
        chan: Chan,
        guard: LockGuard<'a, R, T>,
    ) -> LockGuard<'a, R, T> {
        let p = &self.procs[slot];
        let lock = LockGuard::lock(&guard);
        // Take p.lock before letting go of the condition lock: a wakeup
        // needs p.lock to see us, so it cannot slip in between.
        let mut g = p.lock.lock();
        if g.killed {
            // A killed process does not go to sleep (Linux's interruptible
            // sleep does the same). xv6 checks `killed` only before its
            // sleeps, so a `kill` landing between that check and the sleep
            // is lost until some later wakeup — forever, for a channel
            // nobody else wakes (shuttle found this).
            return guard;
        }
        drop(guard);
        g.chan = Some(chan);
        p.set_state(&mut g, ProcState::Sleeping);
        self.sched(slot, g, false);
        p.lock.lock().chan = None;
        lock.lock()
    }

    /// xv6's `yield`.
    pub(crate) fn yield_cpu(&self, slot: usize) {
        let p = &self.procs[slot];
        let mut g = p.lock.lock();
        p.set_state(&mut g, ProcState::Runnable);
        self.sched(slot, g, false);
    }

    /// xv6's `kill`: mark `pid` killed, and wake it if it sleeps.
    pub(crate) fn kill(&self, pid: Pid) -> Result<(), super::sys::KillError> {
        for p in self.procs.iter() {
            let mut g = p.lock.lock();
            if g.pid == pid && g.state != ProcState::Unused {
                g.killed = true;
                if g.state == ProcState::Sleeping {
                    p.set_state(&mut g, ProcState::Runnable);
                    drop(g);
                    self.poke_idle_cpus();
                }
                return Ok(());
            }
        }
        Err(super::sys::KillError::NoSuchProcess(pid))
    }
}
