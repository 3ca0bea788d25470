//! The master's supervision logic ([`Supervisor`]) in a model world:
//! workers are threads, channels are queues, SIGCHLD + `waitpid` is an
//! event queue, and a crasher kills workers at moments the scheduler
//! picks. One harness, [`supervise`], runs a scenario and checks what
//! nginx's master promises:
//!
//! | invariant | how it is checked |
//! |-----------|-------------------|
//! | every live worker is in exactly one slot | after every event, the pids in the table are exactly the workers started and not yet reaped, each in one row |
//! | each worker's view of its siblings matches the table | when a worker takes its QUIT/TERMINATE, its sibling list (from birth, OPEN_CHANNEL and CLOSE_CHANNEL) equals the table the master had when it sent it |
//! | no respawn after QUIT or TERM | the model host refuses to start a worker once the master is stopping |
//! | every child is reaped | every worker started is reaped exactly once, and the master ends with an empty table |

use crate::locks::Spinlock;
use crate::master::channel_codec::{Command, Frame};
use crate::master::supervisor::{Exit, Host, Kill, Phase, Pid, Sibling, Supervisor};
use crate::sleep::BoundedBuffer;
use crate::sync::atomic::{AtomicBool, Ordering::SeqCst};
use crate::sync::thread::{self, JoinHandle};
use std::collections::BTreeMap;
use std::sync::Arc;

/// Room in a model queue: far more than a scenario ever has in flight.
const QUEUE: usize = 64;

/// What a model channel carries.
enum Item {
    /// A frame, and the channel end an OPEN_CHANNEL passes.
    Frame(Frame, Option<Inbox>),
    /// A signal: the worker dies at once (SIGKILL, or a crash).
    Killed,
}

/// A worker's end of its channel: a FIFO queue, closed when the worker
/// is gone (a send then fails, like EPIPE).
#[derive(Clone)]
pub struct Inbox {
    items: Arc<BoundedBuffer<Item>>,
    closed: Arc<AtomicBool>,
}

impl Inbox {
    fn new() -> Inbox {
        Inbox {
            items: Arc::new(BoundedBuffer::new(QUEUE)),
            closed: Arc::new(AtomicBool::new(false)),
        }
    }

    fn push(&self, item: Item) -> bool {
        !self.closed.load(SeqCst) && self.items.try_push(item).is_ok()
    }
}

/// What the model master learns: a reaped child, or an order (a signal).
enum Event {
    Reaped(Pid, Exit),
    Order(Order),
}

/// The signals of the scenarios.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Order {
    /// HUP with a valid configuration of the same size.
    Reload,
    /// QUIT.
    Quit,
    /// TERM.
    Terminate,
}

/// Shared bookkeeping of a run, for the checks at the end.
#[derive(Default)]
struct Record {
    /// Every worker ever started.
    started: Vec<Pid>,
    /// Every worker reaped, in order.
    reaped: Vec<Pid>,
    /// Live workers and their inboxes (for the crasher and for `kill`).
    live: BTreeMap<Pid, Inbox>,
    /// A worker's stop frame (QUIT or TERMINATE) and its siblings
    /// (slot → pid) when it took it.
    views_at_stop: BTreeMap<Pid, (Command, BTreeMap<usize, Pid>)>,
    /// What the master did, in order: workers started, stop frames sent.
    ops: Vec<Op>,
}

/// One thing the master did, for checking the order of a reload.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
enum Op {
    /// A worker started.
    Spawned(Pid),
    /// A stop frame sent to a worker.
    Told(Pid, Command),
}

/// The model's [`Host`]: spawns worker threads.
pub struct ModelHost {
    next_pid: Pid,
    events: Arc<BoundedBuffer<Event>>,
    record: Arc<Spinlock<Record>>,
    /// Set just before the master is told QUIT or TERM: from then on a
    /// spawn is a respawn after a stop, which must never happen.
    stopping: bool,
    workers: Vec<JoinHandle<()>>,
}

impl Host for ModelHost {
    type Channel = Inbox;

    fn spawn(
        &mut self,
        slot: usize,
        _generation: u64,
        siblings: &[Sibling<'_, Inbox>],
    ) -> Result<(Pid, Inbox), String> {
        assert!(
            !self.stopping,
            "no worker is started once the master is stopping (QUIT or TERM): it started one in slot {slot}"
        );
        let pid = self.next_pid;
        self.next_pid += 1;
        let inbox = Inbox::new();
        let view: BTreeMap<usize, Pid> = siblings.iter().map(|s| (s.slot, s.pid)).collect();
        {
            let mut record = self.record.lock();
            record.started.push(pid);
            record.live.insert(pid, inbox.clone());
            record.ops.push(Op::Spawned(pid));
        }
        let (mine, events, record) = (inbox.clone(), self.events.clone(), self.record.clone());
        self.workers.push(thread::spawn(move || {
            worker(pid, slot, mine, view, events, record)
        }));
        Ok((pid, inbox))
    }

    fn send(&mut self, to: &Inbox, frame: &Frame, passing: Option<&Inbox>) -> bool {
        if matches!(frame.command(), Command::Quit | Command::Terminate) {
            let told = Op::Told(frame.pid(), frame.command());
            self.record.lock().ops.push(told);
        }
        to.push(Item::Frame(*frame, passing.cloned()))
    }

    fn kill(&mut self, pid: Pid, _how: Kill) {
        let inbox = self.record.lock().live.get(&pid).cloned();
        if let Some(inbox) = inbox {
            inbox.push(Item::Killed);
        }
    }

    fn log(&mut self, _line: &str) {}
}

/// A model worker: keeps its view of its siblings from the frames it
/// gets, until it is told to stop or is killed; then it is "reaped".
fn worker(
    pid: Pid,
    slot: usize,
    inbox: Inbox,
    mut view: BTreeMap<usize, Pid>,
    events: Arc<BoundedBuffer<Event>>,
    record: Arc<Spinlock<Record>>,
) {
    let exit = loop {
        match inbox.items.pop() {
            Item::Frame(frame, passed) => match frame.command() {
                Command::OpenChannel => {
                    assert!(
                        passed.is_some(),
                        "OPEN_CHANNEL for worker {} reached worker {pid} without its channel",
                        frame.pid()
                    );
                    assert_ne!(
                        frame.slot() as usize,
                        slot,
                        "worker {pid} was told about a new worker in its own slot {slot}"
                    );
                    view.insert(frame.slot() as usize, frame.pid());
                }
                Command::CloseChannel => {
                    if view.get(&(frame.slot() as usize)) == Some(&frame.pid()) {
                        view.remove(&(frame.slot() as usize));
                    }
                }
                command @ (Command::Quit | Command::Terminate) => {
                    let seen = (command, view.clone());
                    record.lock().views_at_stop.insert(pid, seen);
                    break Exit::Code(0);
                }
                Command::Reopen => {}
            },
            Item::Killed => break Exit::Signal(9),
        }
    };
    inbox.closed.store(true, SeqCst);
    record.lock().live.remove(&pid);
    events.push(Event::Reaped(pid, exit));
}

/// `workers` workers; `crashes` times a crasher kills whichever worker is
/// live at that moment; meanwhile `orders` are given to the master in
/// order (end with `Quit` or `Terminate`). Checks the invariants in the
/// module's table.
pub fn supervise(workers: usize, crashes: usize, orders: &[Order]) {
    assert!(
        matches!(orders.last(), Some(Order::Quit | Order::Terminate)),
        "a scenario ends with QUIT or TERM"
    );
    let events: Arc<BoundedBuffer<Event>> = Arc::new(BoundedBuffer::new(QUEUE));
    let record: Arc<Spinlock<Record>> = Arc::new(Spinlock::new("model record", Record::default()));
    let host = ModelHost {
        next_pid: 100,
        events: events.clone(),
        record: record.clone(),
        stopping: false,
        workers: Vec::new(),
    };
    let mut master = Supervisor::new(host, workers);
    master.start();

    let crasher = {
        let record = record.clone();
        thread::spawn(move || {
            for _ in 0..crashes {
                let victim = record.lock().live.values().next().cloned();
                if let Some(inbox) = victim {
                    inbox.push(Item::Killed);
                }
                thread::yield_now();
            }
        })
    };
    let admin = {
        let (events, orders) = (events.clone(), orders.to_vec());
        thread::spawn(move || {
            for order in orders {
                events.push(Event::Order(order));
                thread::yield_now();
            }
        })
    };

    // The stop frame and the sibling list each worker told to stop should
    // see.
    let mut expected: BTreeMap<Pid, (Command, BTreeMap<usize, Pid>)> = BTreeMap::new();
    while !master.done() {
        match events.pop() {
            Event::Reaped(pid, exit) => {
                record.lock().reaped.push(pid);
                master.reaped(pid, exit);
            }
            Event::Order(order) => {
                let told_before: Vec<Pid> = told(&master);
                let ops_before = record.lock().ops.len();
                match order {
                    Order::Reload => {
                        let old: Vec<(Pid, bool)> =
                            master.table().map(|(_, s)| (s.pid, s.exiting)).collect();
                        master.reload(workers);
                        let ops = record.lock().ops[ops_before..].to_vec();
                        reloaded(&master, &ops, &old, workers);
                    }
                    Order::Quit => {
                        master.host_mut().stopping = true;
                        master.quit();
                    }
                    Order::Terminate => {
                        master.host_mut().stopping = true;
                        master.terminate(std::time::Duration::ZERO);
                    }
                }
                let table: BTreeMap<usize, Pid> = master.table().map(|(i, s)| (i, s.pid)).collect();
                let command = match order {
                    Order::Terminate => Command::Terminate,
                    Order::Reload | Order::Quit => Command::Quit,
                };
                for pid in told(&master)
                    .into_iter()
                    .filter(|p| !told_before.contains(p))
                {
                    let mut view = table.clone();
                    view.retain(|_, p| *p != pid);
                    expected.insert(pid, (command, view));
                }
            }
        }
        one_slot_each(&master, &record);
    }

    for h in [crasher, admin] {
        join(h);
    }
    let handles = std::mem::take(&mut master.host_mut().workers);
    for h in handles {
        join(h);
    }
    let record = record.lock();
    let mut started = record.started.clone();
    let mut reaped = record.reaped.clone();
    started.sort_unstable();
    reaped.sort_unstable();
    assert_eq!(
        reaped, started,
        "every child reaped exactly once: reaped (sorted) vs started (sorted)"
    );
    assert_eq!(master.live(), 0, "the master ends with an empty table");
    for (pid, (command, view)) in &record.views_at_stop {
        if let Some((want_command, want_view)) = expected.get(pid) {
            assert_eq!(
                command, want_command,
                "worker {pid} was stopped with the wrong frame"
            );
            assert_eq!(
                view, want_view,
                "worker {pid}'s siblings (slot → pid) when it stopped differ from the master's \
                 table when it told it to stop: an OPEN_CHANNEL or CLOSE_CHANNEL went missing"
            );
        }
    }
}

/// What a reload must have done: started `workers` new workers before
/// telling any old one to stop; told every old one still serving (and
/// perhaps those already stopping — `old` says which were), with QUIT,
/// and no new one; and left `workers` workers not told to stop.
fn reloaded(master: &Supervisor<ModelHost>, ops: &[Op], old: &[(Pid, bool)], workers: usize) {
    if master.phase() != Phase::Running {
        assert!(
            ops.is_empty(),
            "a reload while stopping does nothing, yet the master did {ops:?}"
        );
        return;
    }
    let first_told = ops.iter().position(|op| matches!(op, Op::Told(..)));
    let last_spawn = ops.iter().rposition(|op| matches!(op, Op::Spawned(_)));
    if let (Some(told), Some(spawned)) = (first_told, last_spawn) {
        assert!(
            spawned < told,
            "reload: the new workers start before any old one is told to stop \
             (else for a while nothing accepts); the master did {ops:?}"
        );
    }
    let told: Vec<Pid> = ops
        .iter()
        .filter_map(|op| match op {
            Op::Told(pid, command) => {
                assert_eq!(
                    *command,
                    Command::Quit,
                    "reload: old workers get QUIT (finish their connections), not {command:?}"
                );
                Some(*pid)
            }
            Op::Spawned(_) => None,
        })
        .collect();
    for (pid, stopping) in old {
        assert!(
            *stopping || told.contains(pid),
            "reload: old worker {pid} was not told to stop (told: {told:?})"
        );
    }
    for pid in &told {
        assert!(
            old.iter().any(|(p, _)| p == pid),
            "reload: worker {pid} of the new generation was told to stop"
        );
    }
    let serving = master.table().filter(|(_, s)| !s.exiting).count();
    assert_eq!(
        serving, workers,
        "reload: {workers} new workers serving, none of them told to stop"
    );
}

/// Workers told to stop (their rows are `exiting`).
fn told(master: &Supervisor<ModelHost>) -> Vec<Pid> {
    master
        .table()
        .filter(|(_, s)| s.exiting)
        .map(|(_, s)| s.pid)
        .collect()
}

/// Every worker started and not yet reaped is in exactly one row, and
/// no row holds anything else.
fn one_slot_each(master: &Supervisor<ModelHost>, record: &Spinlock<Record>) {
    let mut seen: BTreeMap<Pid, usize> = BTreeMap::new();
    for (slot, row) in master.table() {
        if let Some(other) = seen.insert(row.pid, slot) {
            panic!(
                "one slot per worker: worker {} is in slots {other} and {slot}",
                row.pid
            );
        }
    }
    let record = record.lock();
    let unreaped: Vec<Pid> = record
        .started
        .iter()
        .copied()
        .filter(|p| !record.reaped.contains(p))
        .collect();
    let in_table: Vec<Pid> = seen.into_keys().collect();
    assert_eq!(
        in_table, unreaped,
        "one slot per worker: the table's pids (left) are not the workers started and not yet reaped (right)"
    );
}

fn join(h: JoinHandle<()>) {
    if let Err(p) = h.join() {
        std::panic::resume_unwind(p);
    }
}

/// A [`Host`] that only writes down what it is asked, with no threads and
/// no processes: deterministic tests of the supervisor's decisions. A
/// worker's channel is its pid.
#[derive(Debug, Default)]
pub struct Script {
    next_pid: Pid,
    /// Everything asked of the host, in order.
    pub calls: Vec<Call>,
}

/// One thing asked of a [`Script`] host.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum Call {
    /// A worker started: its slot, pid, generation and siblings (slot, pid).
    Spawn {
        /// Its slot.
        slot: usize,
        /// Its pid.
        pid: Pid,
        /// Its configuration generation.
        generation: u64,
        /// The workers it knows from birth: (slot, pid).
        siblings: Vec<(usize, Pid)>,
    },
    /// A frame sent to worker `to`, about worker `about` in `slot`,
    /// passing the channel of `passing`.
    Send {
        /// The receiving worker.
        to: Pid,
        /// The frame's command.
        command: Command,
        /// The frame's pid.
        about: Pid,
        /// The frame's slot.
        slot: u32,
        /// The channel passed along (OPEN_CHANNEL), as its worker's pid.
        passing: Option<Pid>,
    },
    /// A signal sent to a worker.
    Kill(Pid, Kill),
    /// A log line.
    Log(String),
}

impl Script {
    /// A fresh script host; its first worker will be pid 100.
    pub fn new() -> Script {
        Script {
            next_pid: 100,
            calls: Vec::new(),
        }
    }
}

impl Host for Script {
    type Channel = Pid;

    fn spawn(
        &mut self,
        slot: usize,
        generation: u64,
        siblings: &[Sibling<'_, Pid>],
    ) -> Result<(Pid, Pid), String> {
        let pid = self.next_pid.max(100);
        self.next_pid = pid + 1;
        self.calls.push(Call::Spawn {
            slot,
            pid,
            generation,
            siblings: siblings.iter().map(|s| (s.slot, s.pid)).collect(),
        });
        Ok((pid, pid))
    }

    fn send(&mut self, to: &Pid, frame: &Frame, passing: Option<&Pid>) -> bool {
        self.calls.push(Call::Send {
            to: *to,
            command: frame.command(),
            about: frame.pid(),
            slot: frame.slot(),
            passing: passing.copied(),
        });
        true
    }

    fn kill(&mut self, pid: Pid, how: Kill) {
        self.calls.push(Call::Kill(pid, how));
    }

    fn log(&mut self, line: &str) {
        self.calls.push(Call::Log(line.to_string()));
    }
}
