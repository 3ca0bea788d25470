//! The shuttle world: threads are tasks scheduled by shuttle's random and
//! PCT schedulers; every atomic access is a scheduling point.
//!
//! The atomics proclab uses are wrapped so that, while a failing schedule
//! is replayed for its report, each access is written down: which task,
//! which line of source, which operation, which value. That trace is the
//! interleaving a student reads (see [`trace`]).

pub use shuttle::thread;

/// Name of this world, as printed in test and grader output.
pub const WORLD: &str = "shuttle";

#[inline]
pub(super) fn spin_loop() {
    shuttle::hint::spin_loop();
}

/// Record a step of the run being traced, if one is.
#[track_caller]
pub(super) fn note(what: impl FnOnce() -> String) {
    trace::record(std::panic::Location::caller(), what);
}

shuttle::thread_local! {
    /// Set while the current task runs code whose steps are summed up by
    /// one note (a whole `lock()`), so its atomics are not traced one by one.
    static QUIET: std::cell::Cell<bool> = std::cell::Cell::new(false);
}

/// Run `f` without tracing its atomic operations.
pub(super) fn quietly<R>(f: impl FnOnce() -> R) -> R {
    let was = QUIET.with(|q| q.replace(true));
    let r = f();
    QUIET.with(|q| q.set(was));
    r
}

/// The step trace of a replayed run.
pub mod trace {
    use std::panic::Location;
    use std::sync::atomic::{AtomicBool, Ordering::Relaxed};
    use std::sync::Mutex;

    /// Steps kept: the end of a run is where it went wrong.
    const KEEP: usize = 60;

    /// Whether steps are being recorded. A std atomic, outside the model:
    /// Relaxed, since shuttle runs one task at a time on one OS thread.
    static ON: AtomicBool = AtomicBool::new(false);
    /// The recorded steps, oldest first (at most `KEEP`). A std mutex,
    /// outside the model, held only while a line is pushed, never across a
    /// scheduling point.
    static STEPS: Mutex<Vec<String>> = Mutex::new(Vec::new());

    /// Start recording (clearing any earlier trace).
    pub fn start() {
        STEPS.lock().unwrap_or_else(|e| e.into_inner()).clear();
        ON.store(true, Relaxed);
    }

    /// Stop recording and return the steps.
    pub fn finish() -> Vec<String> {
        ON.store(false, Relaxed);
        std::mem::take(&mut *STEPS.lock().unwrap_or_else(|e| e.into_inner()))
    }

    pub(crate) fn record(at: &Location<'_>, what: impl FnOnce() -> String) {
        if !ON.load(Relaxed) || super::QUIET.with(|q| q.get()) {
            return;
        }
        // Holder bookkeeping is not part of any algorithm a student writes.
        if at.file().ends_with("locks/owner.rs") {
            return;
        }
        let task: String = shuttle::current::get_current_task()
            .map(|t| {
                format!("{t:?}")
                    .chars()
                    .filter(char::is_ascii_digit)
                    .collect()
            })
            .unwrap_or_else(|| "?".into());
        let line = format!("thread {task:>2}  {:<30} {}", short(at), what());
        let mut steps = STEPS.lock().unwrap_or_else(|e| e.into_inner());
        // A spin loop repeats one step: count it instead of listing it.
        if let Some(last) = steps.last_mut() {
            let (base, times) = match last.rsplit_once("  (x") {
                Some((b, n)) => (
                    b.to_string(),
                    n.trim_end_matches(')').parse::<usize>().unwrap_or(1),
                ),
                None => (last.clone(), 1),
            };
            if base == line {
                *last = format!("{line}  (x{})", times + 1);
                return;
            }
        }
        if steps.len() == KEEP {
            steps.remove(0);
        }
        steps.push(line);
    }

    /// `file:line`, shortened to the part of the path a reader knows.
    fn short(at: &Location<'_>) -> String {
        let file = at.file();
        let file = ["/exercises/", "/solutions/", "/planted/", "tests/", "src/"]
            .iter()
            .find_map(|dir| file.rfind(dir).map(|i| file[i..].trim_start_matches('/')))
            .unwrap_or(file);
        format!("{file}:{}", at.line())
    }
}

/// shuttle's atomics, with the operations proclab uses traced.
pub mod atomic {
    pub use shuttle::sync::atomic::{fence, Ordering};
    pub use shuttle::sync::atomic::{AtomicI32, AtomicI64, AtomicIsize, AtomicU32, AtomicU64};

    use super::trace::record;
    use std::panic::Location;

    macro_rules! traced {
        ($name:ident, $value:ty $(, $arith:ident)*) => {
            #[doc = concat!("shuttle's `", stringify!($name), "`, traced when a failing run is replayed.")]
            #[derive(Debug, Default)]
            pub struct $name(shuttle::sync::atomic::$name);

            impl $name {
                #[doc = "A new atomic holding `v`."]
                pub const fn new(v: $value) -> Self {
                    Self(shuttle::sync::atomic::$name::new(v))
                }

                #[doc = "Consume the atomic, returning its value."]
                pub fn into_inner(self) -> $value {
                    self.0.into_inner()
                }

                #[doc = "Load the value."]
                #[track_caller]
                pub fn load(&self, order: Ordering) -> $value {
                    let v = self.0.load(order);
                    record(Location::caller(), || format!("load({order:?}) -> {v}"));
                    v
                }

                #[doc = "Store `v`."]
                #[track_caller]
                pub fn store(&self, v: $value, order: Ordering) {
                    self.0.store(v, order);
                    record(Location::caller(), || format!("store({v}, {order:?})"));
                }

                #[doc = "Store `v`, returning the old value."]
                #[track_caller]
                pub fn swap(&self, v: $value, order: Ordering) -> $value {
                    let old = self.0.swap(v, order);
                    record(Location::caller(), || format!("swap({v}, {order:?}) -> {old}"));
                    old
                }

                #[doc = "Compare-and-exchange."]
                #[track_caller]
                pub fn compare_exchange(
                    &self,
                    current: $value,
                    new: $value,
                    success: Ordering,
                    failure: Ordering,
                ) -> Result<$value, $value> {
                    let r = self.0.compare_exchange(current, new, success, failure);
                    record(Location::caller(), || format!("compare_exchange({current} -> {new}) -> {r:?}"));
                    r
                }

                #[doc = "Compare-and-exchange that may fail spuriously."]
                #[track_caller]
                pub fn compare_exchange_weak(
                    &self,
                    current: $value,
                    new: $value,
                    success: Ordering,
                    failure: Ordering,
                ) -> Result<$value, $value> {
                    let r = self.0.compare_exchange_weak(current, new, success, failure);
                    record(Location::caller(), || format!("compare_exchange_weak({current} -> {new}) -> {r:?}"));
                    r
                }

                $(
                    #[doc = concat!("`", stringify!($arith), "`, returning the old value.")]
                    #[track_caller]
                    pub fn $arith(&self, v: $value, order: Ordering) -> $value {
                        let old = self.0.$arith(v, order);
                        record(Location::caller(), || format!("{}({v}) -> {old}", stringify!($arith)));
                        old
                    }
                )*
            }
        };
    }

    traced!(AtomicBool, bool, fetch_or, fetch_and);
    traced!(AtomicUsize, usize, fetch_add, fetch_sub);
}
