//! The process table: xv6's `kernel/proc.c`, with CPUs and processes as
//! threads.
//!
//! The table is the frame; the operations students write live in the
//! exercises and are reached through `pieces`: `allocproc`/`fork`
//! (`allocproc_fork`), `exit`/`wait` (`exit_wait`), `sleep`/`wakeup`
//! (`proc_sleep_wakeup`), `kill` (`kill`), the dispatch and round-robin
//! choice of the scheduler loop (`scheduler_rr`). Grading one of them runs
//! this table with the student's piece and the reference for the rest.
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
use super::pieces;
use super::policy::{Policy, DEFAULT_PRIORITY, DEFAULT_TICKETS};
use super::state::ProcState;
use super::sys::{Pid, Sys};
use crate::locks::{LockGuard, RawSpinlock, Spinlock};
use crate::sleep::Condvar;
use crate::sync::atomic::{
    AtomicBool, AtomicU64, AtomicUsize, Ordering::Relaxed, Ordering::SeqCst,
};
use crate::sync::thread::{self, JoinHandle};
use crate::sync::UnsafeCell;
use std::num::NonZeroU32;
use std::sync::Arc;

/// A process body: runs on the process's own thread, while a CPU has
/// handed it control; its return value is the exit status.
pub type Body = Box<dyn FnOnce(&Sys) -> i32 + Send + 'static>;

/// Proof of holding the table's `wait_lock`.
pub(crate) type WaitGuard<'a> = LockGuard<'a, RawSpinlock, ()>;

/// Proof of holding a process's `p.lock`, and the way to its fields.
pub(crate) type ProcGuard<'a> = LockGuard<'a, RawSpinlock, ProcInner>;

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
    pub(crate) chan: Option<crate::sleep::Chan>,
    /// The CPU running it, while RUNNING.
    pub(crate) cpu: usize,
    pub(crate) name: &'static str,
    /// When it last became RUNNABLE, as a machine-wide order (FIFO and the
    /// tie-breaks of the other policies).
    pub(crate) since: u64,
    /// Priority policy: lower runs first.
    pub(crate) priority: u8,
    /// Lottery policy: its share of the draws.
    pub(crate) tickets: NonZeroU32,
    /// MLFQ: its level (0 highest) and dispatches used there.
    pub(crate) level: usize,
    pub(crate) used: u32,
}

/// Orders "became runnable" events. Only the order matters and it is not
/// synchronization (it is always written under a process lock), so one
/// plain std counter serves every table in every world.
static RUNNABLE_STAMP: std::sync::atomic::AtomicU64 = std::sync::atomic::AtomicU64::new(0);

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
                    since: 0,
                    priority: DEFAULT_PRIORITY,
                    tickets: DEFAULT_TICKETS,
                    level: 0,
                    used: 0,
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

    /// Set the parent link (and its `ppid` snapshot); the guard proves
    /// `wait_lock` is held.
    pub(crate) fn set_parent(&self, _w: &WaitGuard<'_>, parent: Option<usize>, ppid: Pid) {
        // SAFETY: `wait_lock` is held, so no one else accesses `parent`.
        self.parent.with_mut(|p| unsafe { *p = parent });
        // Relaxed: a snapshot for procdump.
        self.snap_ppid.store(ppid, Relaxed);
    }

    /// Update the state, and its snapshot (call with `p.lock` held). A
    /// process becoming RUNNABLE is stamped for the policies' FIFO order.
    pub(crate) fn set_state(&self, inner: &mut ProcInner, state: ProcState) {
        if state == ProcState::Runnable && inner.state != ProcState::Runnable {
            // Relaxed: only the order of stamps matters, see RUNNABLE_STAMP.
            inner.since = RUNNABLE_STAMP.fetch_add(1, Relaxed);
        }
        inner.state = state;
        // Relaxed: a snapshot for procdump.
        self.snap_state.store(state.code(), Relaxed);
    }

    /// Fill a newly claimed slot (call with `p.lock` held, state UNUSED):
    /// its pid, name and fresh accounting.
    pub(crate) fn init_slot(&self, inner: &mut ProcInner, pid: Pid, name: &'static str) {
        inner.pid = pid;
        inner.killed = false;
        inner.xstate = 0;
        inner.chan = None;
        inner.name = name;
        inner.priority = DEFAULT_PRIORITY;
        inner.tickets = DEFAULT_TICKETS;
        inner.level = 0;
        inner.used = 0;
        // Relaxed: snapshots for procdump.
        self.snap_pid.store(pid, Relaxed);
        self.dispatches.store(0, Relaxed);
        let mut bytes = [0u8; 16];
        let n = name.len().min(16);
        bytes[..n].copy_from_slice(&name.as_bytes()[..n]);
        for (half, chunk) in self.snap_name.iter().zip(bytes.chunks_exact(8)) {
            let word = u64::from_le_bytes(chunk.try_into().expect("8 bytes"));
            half.store(word, Relaxed);
        }
        self.set_state(inner, ProcState::Used);
    }

    /// xv6's `freeproc` (call with `p.lock` held, state ZOMBIE): the slot
    /// is UNUSED again. Returns the dead process's thread, to be joined
    /// with [`ProcTable::join_process`] once no lock is held: it is taken
    /// here, before the slot can be claimed by a `fork` that records its
    /// own thread in it.
    #[must_use = "join the dead process's thread with join_process"]
    pub(crate) fn free_slot(&self, inner: &mut ProcInner) -> Option<JoinHandle<()>> {
        inner.pid = 0;
        inner.name = "";
        inner.killed = false;
        inner.chan = None;
        self.set_state(inner, ProcState::Unused);
        self.thread.lock().take()
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
    /// How CPUs choose what to run.
    pub(crate) policy: Policy,
    /// Dispatches so far, machine-wide (MLFQ's boost clock), and its value
    /// at the last boost. Relaxed: counters.
    pub(crate) dispatch_count: AtomicU64,
    pub(crate) boosted_at: AtomicU64,
    /// The next pid to hand out (`fetch_add`). Relaxed: it only has to be
    /// unique.
    pub(crate) next_pid: AtomicUsize,
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
    /// Boot a machine with `cpus` CPU threads and `slots` process slots
    /// under xv6's round-robin scheduler; see [`ProcTable::boot_with`].
    pub fn boot<F>(cpus: usize, slots: usize, init: F) -> Result<i32, String>
    where
        F: FnOnce(&Sys) -> i32 + Send + 'static,
    {
        ProcTable::boot_with(Policy::RoundRobin, cpus, slots, init)
    }

    /// Boot a machine with `cpus` CPU threads scheduling by `policy` and
    /// `slots` process slots, run `init` as pid 1, and return its exit
    /// status once it has returned and every remaining process has been
    /// reaped (init reaps orphans, as xv6's init does).
    ///
    /// Errors name the bad argument. Panics in a process or CPU thread are
    /// re-raised here.
    pub fn boot_with<F>(policy: Policy, cpus: usize, slots: usize, init: F) -> Result<i32, String>
    where
        F: FnOnce(&Sys) -> i32 + Send + 'static,
    {
        if cpus == 0 {
            return Err("boot: a machine needs at least one CPU".into());
        }
        if slots == 0 {
            return Err("boot: the process table needs at least one slot (for init)".into());
        }
        policy.validate().map_err(|e| format!("boot: {e}"))?;
        let table = Arc::new(ProcTable {
            procs: (0..slots).map(|_| Proc::new()).collect(),
            wait_lock: Spinlock::new("wait_lock", ()),
            cpus: (0..cpus).map(|_| Baton::new()).collect(),
            policy,
            dispatch_count: AtomicU64::new(0),
            boosted_at: AtomicU64::new(0),
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
        match pieces::fork(&table, None, "init", init_body) {
            Ok(1) if table.procs[INIT].lock.lock().pid == 1 => {}
            other => {
                return Err(format!(
                    "boot: init must be pid 1 in slot {INIT}, fork gave {other:?}"
                ))
            }
        }
        let cpu_threads: Vec<_> = (0..cpus)
            .map(|c| {
                let table = table.clone();
                thread::spawn(move || {
                    table.cpus[c].set_owner(thread::current());
                    pieces::scheduler(&table, c)
                })
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

    /// Start the thread of the process in `slot` (claimed, not yet
    /// runnable): it waits for its first dispatch, then runs `body`.
    pub(crate) fn spawn_process(self: &Arc<Self>, slot: usize, body: Body) {
        let table = self.clone();
        let handle = thread::spawn(move || table.run_process(slot, body));
        let p = &self.procs[slot];
        p.baton.set_owner(handle.thread().clone());
        *p.thread.lock() = Some(handle);
    }

    /// Join the thread of a reaped process, as `free_slot` returned it
    /// (call without holding any lock). It has handed its CPU back and ends
    /// without touching the table again.
    pub(crate) fn join_process(&self, thread: Option<JoinHandle<()>>) {
        if let Some(h) = thread {
            if let Err(p) = h.join() {
                std::panic::resume_unwind(p);
            }
        }
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
            Ok(status) => pieces::exit(&self, slot, status),
            Err(payload) => self.crash(slot, payload),
        }
    }

    /// Has the machine halted? (CPUs then leave their loops.)
    pub(crate) fn halted(&self) -> bool {
        self.halted.load(SeqCst)
    }

    /// Init has exited, everything reaped: stop the CPUs.
    pub(crate) fn halt(&self) {
        self.halted.store(true, SeqCst);
        self.poke_idle_cpus();
    }

    /// The idle generation, read before a CPU looks for work: pass it to
    /// [`ProcTable::idle_wait`].
    pub(crate) fn idle_generation(&self) -> u64 {
        *self.idle.lock()
    }

    /// Sleep until something became runnable (or the machine halted) after
    /// `seen` was read: a CPU that found nothing to run.
    pub(crate) fn idle_wait(&self, seen: u64) {
        let mut gen = self.idle.lock();
        while *gen == seen && !self.halted() {
            gen = self.idle_cv.wait(gen);
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
    pub(crate) fn sched(&self, slot: usize, mut g: ProcGuard<'_>, exiting: bool) {
        assert!(
            g.state != ProcState::Running,
            "sched: still RUNNING (set the new state before giving up the CPU)"
        );
        self.policy.charge(&mut g);
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

    /// A process body panicked: halt the machine so that `boot` can return
    /// and re-raise the panic, instead of every CPU waiting forever.
    fn crash(&self, slot: usize, payload: Box<dyn std::any::Any + Send>) {
        *self.panic.lock() = Some(payload);
        self.halt();
        let p = &self.procs[slot];
        let mut g = p.lock.lock();
        g.xstate = -1;
        p.set_state(&mut g, ProcState::Zombie);
        self.sched(slot, g, true);
    }
}
