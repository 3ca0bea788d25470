//! Wake-up latency: two threads pass a turn back and forth, each sleeping
//! until it is its turn — the round trip of a sleep and a wakeup in each
//! direction.
//!
//! Run: `cargo bench --bench wakeup`. Rows: proclab's `Condvar` (over a
//! `Spinlock`), proclab's `Semaphore` (one per direction), and the
//! baselines measured in the same run, `std::sync::Condvar` and
//! `parking_lot::Condvar`. The report at the end prints each row's ratio to
//! `parking_lot::Condvar`.

// Benches measure the real world only; the model worlds get an empty main.
#[cfg(any(loom, shuttle))]
fn main() {}

#[cfg(not(any(loom, shuttle)))]
fn main() {
    bench::main();
}

#[cfg(not(any(loom, shuttle)))]
mod bench {
    use criterion::Criterion;
    use std::sync::Arc;
    use std::time::{Duration, Instant};

    /// One way for two threads to take turns.
    trait PingPong: Send + Sync + 'static {
        const NAME: &'static str;
        fn new() -> Self;
        /// Wait until the turn is `me` (0 or 1), then give it to the other.
        fn play(&self, me: u8);
    }

    struct ProclabCondvar(proclab::locks::Spinlock<u8>, proclab::sleep::Condvar);
    impl PingPong for ProclabCondvar {
        const NAME: &'static str = "proclab Condvar";
        fn new() -> Self {
            Self(
                proclab::locks::Spinlock::new("turn", 0),
                proclab::sleep::Condvar::new(),
            )
        }
        fn play(&self, me: u8) {
            let mut turn = self.1.wait_while(self.0.lock(), |t| *t != me);
            *turn = 1 - me;
            drop(turn);
            self.1.notify_one();
        }
    }

    /// Semaphore `i` holds the permit for player `i`'s turn.
    struct ProclabSemaphore([proclab::sleep::Semaphore; 2]);
    impl PingPong for ProclabSemaphore {
        const NAME: &'static str = "proclab Semaphore";
        fn new() -> Self {
            Self([
                proclab::sleep::Semaphore::new(1),
                proclab::sleep::Semaphore::new(0),
            ])
        }
        fn play(&self, me: u8) {
            self.0[usize::from(me)].acquire();
            self.0[usize::from(1 - me)].release();
        }
    }

    struct StdCondvar(std::sync::Mutex<u8>, std::sync::Condvar);
    impl PingPong for StdCondvar {
        const NAME: &'static str = "std Condvar";
        fn new() -> Self {
            Self(std::sync::Mutex::new(0), std::sync::Condvar::new())
        }
        fn play(&self, me: u8) {
            let guard = self.0.lock().unwrap();
            let mut turn = self.1.wait_while(guard, |t| *t != me).unwrap();
            *turn = 1 - me;
            drop(turn);
            self.1.notify_one();
        }
    }

    struct ParkingLotCondvar(parking_lot::Mutex<u8>, parking_lot::Condvar);
    impl PingPong for ParkingLotCondvar {
        const NAME: &'static str = "parking_lot Condvar";
        fn new() -> Self {
            Self(parking_lot::Mutex::new(0), parking_lot::Condvar::new())
        }
        fn play(&self, me: u8) {
            let mut turn = self.0.lock();
            self.1.wait_while(&mut turn, |t| *t != me);
            *turn = 1 - me;
            drop(turn);
            self.1.notify_one();
        }
    }

    /// Time `iters` round trips (player 0 here, player 1 on a helper).
    fn round_trips<P: PingPong>(iters: u64) -> Duration {
        let game = Arc::new(P::new());
        let other = game.clone();
        let helper = std::thread::spawn(move || {
            for _ in 0..iters {
                other.play(1);
            }
        });
        let began = Instant::now();
        for _ in 0..iters {
            game.play(0);
        }
        helper.join().expect("ping-pong helper panicked");
        began.elapsed()
    }

    fn row<P: PingPong>(c: &mut Criterion, means: &mut Vec<(&'static str, f64)>) {
        let mut total = Duration::ZERO;
        let mut count = 0u64;
        c.bench_function(&format!("round-trip/{}", P::NAME), |b| {
            b.iter_custom(|iters| {
                let t = round_trips::<P>(iters);
                total += t;
                count += iters;
                t
            })
        });
        means.push((P::NAME, total.as_nanos() as f64 / count.max(1) as f64));
    }

    pub fn main() {
        let mut c = Criterion::default()
            .warm_up_time(Duration::from_millis(500))
            .measurement_time(Duration::from_secs(3))
            .configure_from_args();
        let mut means = vec![];
        row::<ParkingLotCondvar>(&mut c, &mut means);
        row::<StdCondvar>(&mut c, &mut means);
        row::<ProclabCondvar>(&mut c, &mut means);
        row::<ProclabSemaphore>(&mut c, &mut means);
        c.final_summary();
        // Ratios from this run's own means (over every iteration criterion
        // timed, warm-up included) against the parking_lot baseline.
        let base = means[0].1;
        println!(
            "\n{:<22} {:>14} {:>18}",
            "round trip", "mean (ns)", "vs parking_lot"
        );
        for (name, mean) in &means {
            println!("{name:<22} {mean:>14.0} {:>17.2}x", mean / base);
        }
    }
}
