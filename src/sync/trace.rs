//! Step traces of failing model runs (loom and shuttle worlds).
//!
//! When a model checker rejects a run, the runner runs it once more with
//! recording on: every traced atomic operation, and every [`note`]
//! (`super::note`) a primitive makes ("locks `ready`", "parks"), is written
//! down with the thread, the source line and the value seen. The last steps
//! are the interleaving printed under the failure: what a student reads to
//! see how their code broke.

use std::panic::Location;
use std::sync::atomic::{AtomicBool, Ordering::Relaxed};
use std::sync::Mutex;

/// Steps kept: the end of a run is where it went wrong.
const KEEP: usize = 60;

/// Whether steps are being recorded. A std atomic, outside the model:
/// Relaxed, since the model worlds run one modelled thread at a time on
/// one OS thread.
static ON: AtomicBool = AtomicBool::new(false);
/// The recorded steps, oldest first (at most `KEEP`). A std mutex, outside
/// the model, held only while a line is pushed, never across a scheduling
/// point.
static STEPS: Mutex<Vec<String>> = Mutex::new(Vec::new());

super::per_thread! {
    /// Set while the current thread runs code whose steps one note sums up
    /// (a whole `lock()`), so its atomics are not traced one by one.
    static QUIET: std::cell::Cell<bool> = const { std::cell::Cell::new(false) };
}

/// Start recording, dropping earlier steps (called again at the start of
/// each run, so what is left at a failure is the failing run).
pub fn start() {
    STEPS.lock().unwrap_or_else(|e| e.into_inner()).clear();
    POINTERS.lock().unwrap_or_else(|e| e.into_inner()).clear();
    ON.store(true, Relaxed);
}

/// Stop recording and return the steps.
pub fn finish() -> Vec<String> {
    ON.store(false, Relaxed);
    std::mem::take(&mut *STEPS.lock().unwrap_or_else(|e| e.into_inner()))
}

/// Run `f` without tracing its atomic operations.
pub fn quietly<R>(f: impl FnOnce() -> R) -> R {
    let was = QUIET.with(|q| q.replace(true));
    let r = f();
    QUIET.with(|q| q.set(was));
    r
}

/// Record one step, if a trace is being recorded.
pub fn record(at: &Location<'_>, what: impl FnOnce() -> String) {
    if !ON.load(Relaxed) || QUIET.with(|q| q.get()) {
        return;
    }
    let line = format!(
        "thread {:>2}  {:<30} {}",
        super::world::thread_label(),
        short(at),
        what()
    );
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

/// Wrap a model world's atomic type so the operations proclab uses are
/// traced: `traced!(inner::Path, Name, value_type, extra_rmw_ops...)`.
macro_rules! traced {
    ($inner:path, $name:ident, $value:ty $(, $arith:ident)*) => {
        #[doc = concat!("The model world's `", stringify!($name), "`, traced when a failing run is replayed.")]
        pub struct $name($inner);

        impl std::fmt::Debug for $name {
            fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
                f.write_str(stringify!($name))
            }
        }

        impl Default for $name {
            fn default() -> Self {
                Self::new(Default::default())
            }
        }

        impl $name {
            $crate::sync::const_fn! {
                #[doc = "A new atomic holding `v`."]
                pub fn new(v: $value) -> Self {
                    Self(<$inner>::new(v))
                }
            }

            #[doc = "Consume the atomic, returning its value."]
            pub fn into_inner(self) -> $value {
                self.0.into_inner()
            }

            #[doc = "Load the value."]
            #[track_caller]
            pub fn load(&self, order: Ordering) -> $value {
                let v = self.0.load(order);
                $crate::sync::trace::record(std::panic::Location::caller(), || format!("load({order:?}) -> {v}"));
                v
            }

            #[doc = "Store `v`."]
            #[track_caller]
            pub fn store(&self, v: $value, order: Ordering) {
                self.0.store(v, order);
                $crate::sync::trace::record(std::panic::Location::caller(), || format!("store({v}, {order:?})"));
            }

            #[doc = "Store `v`, returning the old value."]
            #[track_caller]
            pub fn swap(&self, v: $value, order: Ordering) -> $value {
                let old = self.0.swap(v, order);
                $crate::sync::trace::record(std::panic::Location::caller(), || format!("swap({v}, {order:?}) -> {old}"));
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
                $crate::sync::trace::record(std::panic::Location::caller(), || {
                    format!("compare_exchange({current} -> {new}, {success:?}) -> {r:?}")
                });
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
                $crate::sync::trace::record(std::panic::Location::caller(), || {
                    format!("compare_exchange_weak({current} -> {new}, {success:?}) -> {r:?}")
                });
                r
            }

            $(
                #[doc = concat!("`", stringify!($arith), "`, returning the old value.")]
                #[track_caller]
                pub fn $arith(&self, v: $value, order: Ordering) -> $value {
                    let old = self.0.$arith(v, order);
                    $crate::sync::trace::record(std::panic::Location::caller(), || {
                        format!("{}({v}, {order:?}) -> {old}", stringify!($arith))
                    });
                    old
                }
            )*
        }
    };
}
pub(crate) use traced;

/// The `atomic` module of a model world: its atomics, with `AtomicBool`,
/// `AtomicUsize` and `AtomicU32` (the ones proclab uses) traced.
/// `traced_atomics!(loom::sync::atomic)`.
macro_rules! traced_atomics {
    ($($world:ident)::+) => {
        pub use $($world)::+::{fence, Ordering};
        pub use $($world)::+::{AtomicI32, AtomicI64, AtomicIsize, AtomicU64};

        $crate::sync::trace::traced!($($world)::+::AtomicBool, AtomicBool, bool, fetch_or, fetch_and);
        $crate::sync::trace::traced!($($world)::+::AtomicUsize, AtomicUsize, usize, fetch_add, fetch_sub, fetch_or, fetch_and);
        $crate::sync::trace::traced!($($world)::+::AtomicU32, AtomicU32, u32, fetch_add, fetch_sub, fetch_or, fetch_and);
        $crate::sync::trace::traced_ptr!($($world)::+);
    };
}
pub(crate) use traced_atomics;

/// The addresses a trace has shown, in order of first appearance: a trace
/// names pointers by their place here (`ptr#1`, `ptr#2`, …), not by their
/// address, which changes from run to run and would make two gradings of
/// one submission differ.
static POINTERS: Mutex<Vec<usize>> = Mutex::new(Vec::new());

/// A pointer as a trace shows it: `null`, or `ptr#N`, numbered in the
/// order the trace first met them.
pub fn show_ptr<T>(p: *mut T) -> String {
    if p.is_null() {
        return "null".into();
    }
    let addr = p as usize;
    let mut seen = POINTERS.lock().unwrap_or_else(|e| e.into_inner());
    let n = match seen.iter().position(|&a| a == addr) {
        Some(i) => i + 1,
        None => {
            seen.push(addr);
            seen.len()
        }
    };
    format!("ptr#{n}")
}

/// Wrap a model world's `AtomicPtr<T>` (generic, so not covered by
/// `traced!`): `traced_ptr!(loom::sync::atomic)`, with the operations proclab uses traced.
macro_rules! traced_ptr {
    ($($world:ident)::+) => {
        /// The model world's `AtomicPtr`, traced when a failing run is replayed.
        pub struct AtomicPtr<T>($($world)::+::AtomicPtr<T>);

        impl<T> std::fmt::Debug for AtomicPtr<T> {
            fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
                f.write_str("AtomicPtr")
            }
        }

        impl<T> Default for AtomicPtr<T> {
            fn default() -> Self {
                Self::new(std::ptr::null_mut())
            }
        }

        impl<T> AtomicPtr<T> {
            $crate::sync::const_fn! {
                /// A new atomic holding `p`.
                pub fn new(p: *mut T) -> Self {
                    Self($($world)::+::AtomicPtr::new(p))
                }
            }

            /// Load the pointer.
            #[track_caller]
            pub fn load(&self, order: Ordering) -> *mut T {
                let v = self.0.load(order);
                $crate::sync::trace::record(std::panic::Location::caller(), || {
                    format!("load({order:?}) -> {}", $crate::sync::trace::show_ptr(v))
                });
                v
            }

            /// Store `p`.
            #[track_caller]
            pub fn store(&self, p: *mut T, order: Ordering) {
                self.0.store(p, order);
                $crate::sync::trace::record(std::panic::Location::caller(), || {
                    format!("store({}, {order:?})", $crate::sync::trace::show_ptr(p))
                });
            }

            /// Store `p`, returning the old pointer.
            #[track_caller]
            pub fn swap(&self, p: *mut T, order: Ordering) -> *mut T {
                let old = self.0.swap(p, order);
                $crate::sync::trace::record(std::panic::Location::caller(), || {
                    format!(
                        "swap({}, {order:?}) -> {}",
                        $crate::sync::trace::show_ptr(p),
                        $crate::sync::trace::show_ptr(old)
                    )
                });
                old
            }

            /// Compare-and-exchange.
            #[track_caller]
            pub fn compare_exchange(
                &self,
                current: *mut T,
                new: *mut T,
                success: Ordering,
                failure: Ordering,
            ) -> Result<*mut T, *mut T> {
                let r = self.0.compare_exchange(current, new, success, failure);
                $crate::sync::trace::record(std::panic::Location::caller(), || {
                    let shown = match r {
                        Ok(p) => format!("Ok({})", $crate::sync::trace::show_ptr(p)),
                        Err(p) => format!("Err({})", $crate::sync::trace::show_ptr(p)),
                    };
                    format!(
                        "compare_exchange({} -> {}, {success:?}) -> {shown}",
                        $crate::sync::trace::show_ptr(current),
                        $crate::sync::trace::show_ptr(new)
                    )
                });
                r
            }
        }
    };
}
pub(crate) use traced_ptr;
