//! Scheduling policies for the CPUs' scheduler loop.
//!
//! A CPU asks its policy for the next process to run. Every policy answers
//! the same way: a RUNNABLE process *with its lock held*, so that the state
//! it chose by cannot change before the CPU marks it RUNNING (another CPU
//! may be choosing at the same moment). Policies that compare processes
//! (FIFO, priority, MLFQ, lottery) look at every runnable process first,
//! one lock at a time, then lock the chosen one again and check that it is
//! still runnable; if another CPU took it meanwhile they choose again.
//!
//! There is no timer interrupt: a process runs until it yields, sleeps or
//! exits. So "a time slice" is one dispatch, and MLFQ's allotment is
//! counted in dispatches.

use super::state::ProcState;
use super::table::{ProcGuard, ProcInner, ProcTable};
use crate::sync::atomic::Ordering::Relaxed;
use std::num::NonZeroU32;

/// How a CPU chooses the next process.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum Policy {
    /// xv6's: each CPU scans the table circularly from the slot after the
    /// one it ran last and runs the first RUNNABLE process (exercise
    /// `scheduler_rr`).
    RoundRobin,
    /// The process that has been RUNNABLE longest runs first.
    Fifo,
    /// The lowest priority value runs first (as Unix `nice`: 0 is the most
    /// urgent; every process starts at [`DEFAULT_PRIORITY`]); ties go to
    /// the one runnable longest. Starvation is possible, as in any strict
    /// priority scheduler.
    Priority,
    /// A multi-level feedback queue (OSTEP chapter 8): see [`Mlfq`].
    Mlfq(Mlfq),
    /// Lottery scheduling (Waldspurger and Weihl): each choice draws a
    /// ticket among the runnable processes' tickets; a process holding
    /// twice the tickets runs about twice as often. The draws are
    /// pseudo-random from a per-CPU generator seeded with `seed` and the
    /// CPU's number, so runs are reproducible.
    Lottery {
        /// Seeds the CPUs' generators.
        seed: u64,
    },
}

/// Every process's priority until it calls [`Sys::set_priority`](super::Sys::set_priority).
pub const DEFAULT_PRIORITY: u8 = 20;

/// Every process's lottery tickets until it calls
/// [`Sys::set_tickets`](super::Sys::set_tickets).
pub const DEFAULT_TICKETS: NonZeroU32 = NonZeroU32::MIN;

/// MLFQ's parameters. Level 0 is the highest priority; a new process
/// starts there.
///
/// * The highest non-empty level runs first; within a level, the process
///   runnable longest (round robin among equals).
/// * A process that has been dispatched `allotment[level]` times at its
///   level moves one level down, however it gave the CPU up (OSTEP's rule
///   4: sleeping just before the end of a slice does not keep a process
///   at the top).
/// * Every `boost` dispatches (machine-wide) every process goes back to
///   level 0 with a fresh allotment (0: never).
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Mlfq {
    /// Dispatches a process may have at each level, highest level first;
    /// its length is the number of levels.
    pub allotment: Vec<u32>,
    /// Dispatches between priority boosts (0: no boost).
    pub boost: u64,
}

impl Default for Mlfq {
    /// Three levels with allotments 1, 2 and 4; a boost every 64 dispatches.
    fn default() -> Self {
        Mlfq {
            allotment: vec![1, 2, 4],
            boost: 64,
        }
    }
}

impl Policy {
    /// The name `boot` errors and listings use.
    pub fn name(&self) -> &'static str {
        match self {
            Policy::RoundRobin => "round robin",
            Policy::Fifo => "FIFO",
            Policy::Priority => "priority",
            Policy::Mlfq(_) => "MLFQ",
            Policy::Lottery { .. } => "lottery",
        }
    }

    /// Check the parameters, naming what is wrong.
    pub fn validate(&self) -> Result<(), String> {
        if let Policy::Mlfq(m) = self {
            if m.allotment.is_empty() {
                return Err("MLFQ: at least one level is needed (allotment is empty)".into());
            }
            if let Some(level) = m.allotment.iter().position(|&a| a == 0) {
                return Err(format!("MLFQ: the allotment of level {level} is 0"));
            }
        }
        Ok(())
    }

    /// Choose a runnable process for the CPU whose state is `cpu`; it is
    /// returned with its lock held. `None`: nothing is runnable.
    pub(crate) fn pick<'t>(
        &self,
        table: &'t ProcTable,
        cpu: &mut CpuLocal,
    ) -> Option<(usize, ProcGuard<'t>)> {
        match self {
            Policy::RoundRobin => super::pieces::pick_round_robin(table, cpu),
            Policy::Fifo => pick_least(table, |p| p.since),
            Policy::Priority => pick_least(table, |p| (p.priority, p.since)),
            Policy::Mlfq(m) => {
                if m.boost > 0 {
                    // Relaxed: counters; the boost itself takes the locks.
                    // The CPU that moves `boosted_at` forward does the boost.
                    let done = table.dispatch_count.load(Relaxed);
                    let last = table.boosted_at.load(Relaxed);
                    if done >= last + m.boost
                        && table
                            .boosted_at
                            .compare_exchange(last, done, Relaxed, Relaxed)
                            .is_ok()
                    {
                        boost(table);
                    }
                }
                let picked = pick_least(table, |p| (p.level, p.since));
                if picked.is_some() {
                    table.dispatch_count.fetch_add(1, Relaxed);
                }
                picked
            }
            Policy::Lottery { .. } => pick_lottery(table, &mut cpu.rng),
        }
    }

    /// The process in `p` is giving its CPU back (its new state is set):
    /// charge the dispatch to its MLFQ allotment.
    pub(crate) fn charge(&self, p: &mut ProcInner) {
        if let Policy::Mlfq(m) = self {
            p.used += 1;
            if p.used >= m.allotment[p.level] && p.level + 1 < m.allotment.len() {
                p.level += 1;
                p.used = 0;
            }
        }
    }
}

/// A CPU's own scheduling state, kept by its scheduler loop.
#[derive(Debug)]
pub struct CpuLocal {
    /// Round robin: the slot to look at first next time.
    pub next: usize,
    /// Lottery: the generator's state (xorshift64, never 0).
    rng: u64,
}

impl CpuLocal {
    /// The state of CPU `cpu` under `policy`.
    pub(crate) fn new(policy: &Policy, cpu: usize) -> CpuLocal {
        let seed = match policy {
            Policy::Lottery { seed } => *seed,
            _ => 0,
        };
        // splitmix64 of seed and CPU: distinct, well-mixed, never 0.
        let mut z = seed
            ^ (cpu as u64)
                .wrapping_add(1)
                .wrapping_mul(0x9E37_79B9_7F4A_7C15);
        z = (z ^ (z >> 30)).wrapping_mul(0xBF58_476D_1CE4_E5B9);
        z = (z ^ (z >> 27)).wrapping_mul(0x94D0_49BB_1331_11EB);
        CpuLocal {
            next: 0,
            rng: (z ^ (z >> 31)) | 1,
        }
    }
}

/// The runnable process with the least `key`, locked. Keys include the
/// runnable-since stamp, so there are no ties.
fn pick_least<'t, K: Ord>(
    table: &'t ProcTable,
    key: impl Fn(&ProcInner) -> K,
) -> Option<(usize, ProcGuard<'t>)> {
    loop {
        let mut best: Option<(K, usize)> = None;
        for (slot, p) in table.procs.iter().enumerate() {
            let g = p.lock.lock();
            if g.state == ProcState::Runnable {
                let k = key(&g);
                if best.as_ref().is_none_or(|(b, _)| k < *b) {
                    best = Some((k, slot));
                }
            }
        }
        let (_, slot) = best?;
        let g = table.procs[slot].lock.lock();
        if g.state == ProcState::Runnable {
            return Some((slot, g));
        }
        // Another CPU dispatched it meanwhile: choose again.
    }
}

/// Draw a ticket among the runnable processes; the holder, locked.
fn pick_lottery<'t>(table: &'t ProcTable, rng: &mut u64) -> Option<(usize, ProcGuard<'t>)> {
    loop {
        let total: u64 = table
            .procs
            .iter()
            .map(|p| {
                let g = p.lock.lock();
                if g.state == ProcState::Runnable {
                    u64::from(g.tickets.get())
                } else {
                    0
                }
            })
            .sum();
        if total == 0 {
            return None;
        }
        // xorshift64.
        *rng ^= *rng << 13;
        *rng ^= *rng >> 7;
        *rng ^= *rng << 17;
        let mut draw = *rng % total;
        for (slot, p) in table.procs.iter().enumerate() {
            let g = p.lock.lock();
            if g.state != ProcState::Runnable {
                continue;
            }
            let tickets = u64::from(g.tickets.get());
            if draw < tickets {
                return Some((slot, g));
            }
            draw -= tickets;
        }
        // The runnable set shrank between the count and the walk: draw again.
    }
}

/// MLFQ's priority boost: every process back to the top level.
fn boost(table: &ProcTable) {
    for p in table.procs.iter() {
        let mut g = p.lock.lock();
        g.level = 0;
        g.used = 0;
    }
}
