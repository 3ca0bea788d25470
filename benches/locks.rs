//! Lock hot paths: what a lock+unlock costs with nobody else around, and
//! what a tiny critical section costs when two threads fight for it.
//!
//! Run: `cargo bench --bench locks`. Every number is measured in this run
//! next to its baselines — `std::sync::Mutex`, `parking_lot::Mutex`,
//! `spin::Mutex` and the physical floor, a bare `swap(true, Acquire)` +
//! `store(false, Release)` on one `AtomicBool` — so compare ratios within a
//! run, not absolute times across machines.

// Benches measure the real world only; the model worlds (`--cfg loom`,
// `--cfg shuttle`, used with `--all-targets` by clippy) get an empty main.
#[cfg(any(loom, shuttle))]
fn main() {}

#[cfg(not(any(loom, shuttle)))]
criterion::criterion_main!(bench::locks);

#[cfg(not(any(loom, shuttle)))]
mod bench {
    use criterion::{criterion_group, Criterion};
    use proclab::locks::{Spinlock, TicketLock};
    use std::hint::black_box;
    use std::sync::atomic::{AtomicBool, Ordering};
    use std::sync::{Arc, Barrier};
    use std::time::{Duration, Instant};

    /// One way of running `f` under a lock, for the benches to be generic over.
    trait Counter: Send + Sync + 'static {
        const NAME: &'static str;
        fn new() -> Self;
        fn add(&self);
    }

    macro_rules! counter {
        ($ty:ty, $name:literal, $new:expr, |$c:ident| $add:expr) => {
            impl Counter for $ty {
                const NAME: &'static str = $name;
                fn new() -> Self {
                    $new
                }
                #[inline]
                fn add(&self) {
                    let $c = self;
                    $add
                }
            }
        };
    }

    /// The floor: the two atomic operations every spinlock needs, guarding
    /// nothing (no holder bookkeeping, no data).
    struct Floor(AtomicBool, std::cell::UnsafeCell<u64>);
    // SAFETY: the cell is only touched between the swap that takes the flag
    // and the store that releases it.
    unsafe impl Sync for Floor {}

    counter!(
        Floor,
        "swap+store floor",
        Floor(AtomicBool::new(false), 0.into()),
        |c| {
            // Acquire/Release: the least any lock needs, which is the point
            // of the floor.
            while c.0.swap(true, Ordering::Acquire) {
                std::hint::spin_loop();
            }
            // SAFETY: the flag is ours until the store below.
            unsafe { *c.1.get() += 1 };
            c.0.store(false, Ordering::Release);
        }
    );
    counter!(
        Spinlock<u64>,
        "proclab Spinlock",
        Spinlock::new("bench", 0),
        |c| *c.lock() += 1
    );
    counter!(
        TicketLock<u64>,
        "proclab TicketLock",
        TicketLock::new("bench", 0),
        |c| *c.lock() += 1
    );
    counter!(
        std::sync::Mutex<u64>,
        "std Mutex",
        std::sync::Mutex::new(0),
        |c| *c.lock().unwrap() += 1
    );
    counter!(
        parking_lot::Mutex<u64>,
        "parking_lot Mutex",
        parking_lot::Mutex::new(0),
        |c| *c.lock() += 1
    );
    counter!(spin::Mutex<u64>, "spin Mutex", spin::Mutex::new(0), |c| {
        *c.lock() += 1
    });

    fn uncontended<C: Counter>(c: &mut Criterion) {
        let counter = C::new();
        c.bench_function(&format!("uncontended/{}", C::NAME), |b| {
            b.iter(|| black_box(&counter).add())
        });
    }

    /// `threads` threads each do `iters` lock+increment+unlock; the time is
    /// the whole run (so the reported time per iteration is per *round* of all
    /// threads).
    fn contended<C: Counter>(c: &mut Criterion, threads: usize) {
        c.bench_function(&format!("contended-{threads}/{}", C::NAME), |b| {
            b.iter_custom(|iters| {
                let counter = Arc::new(C::new());
                let start = Arc::new(Barrier::new(threads + 1));
                let handles: Vec<_> = (0..threads)
                    .map(|_| {
                        let (counter, start) = (counter.clone(), start.clone());
                        std::thread::spawn(move || {
                            start.wait();
                            for _ in 0..iters {
                                counter.add();
                            }
                        })
                    })
                    .collect();
                start.wait();
                let began = Instant::now();
                for h in handles {
                    h.join().expect("bench thread panicked");
                }
                began.elapsed()
            })
        });
    }

    fn all(c: &mut Criterion) {
        uncontended::<Floor>(c);
        uncontended::<Spinlock<u64>>(c);
        uncontended::<TicketLock<u64>>(c);
        uncontended::<std::sync::Mutex<u64>>(c);
        uncontended::<parking_lot::Mutex<u64>>(c);
        uncontended::<spin::Mutex<u64>>(c);
        contended::<Floor>(c, 2);
        contended::<Spinlock<u64>>(c, 2);
        contended::<TicketLock<u64>>(c, 2);
        contended::<std::sync::Mutex<u64>>(c, 2);
        contended::<parking_lot::Mutex<u64>>(c, 2);
        contended::<spin::Mutex<u64>>(c, 2);
    }

    criterion_group! {
        name = locks;
        config = Criterion::default()
            .warm_up_time(Duration::from_millis(500))
            .measurement_time(Duration::from_secs(2));
        targets = all
    }
}
