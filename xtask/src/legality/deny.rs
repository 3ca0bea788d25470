//! What the code a student writes may not contain, and why: the policy.
//!
//! The grader builds a submission in each world (std, loom, shuttle) and
//! runs the exercise's tests against it. Code that can tell those runs
//! apart, end them early, reach outside the process or pull the reference
//! into the build could pass without being right; the constructs below are
//! how it would. Each refusal names the construct and the reason, since a
//! student reads it.
//!
//! An exercise whose reference solution needs one of them in its own
//! regions (`unsafe` and `libc` to close a descriptor after `fork`) may use
//! it: see `allowed` in the parent module.

use super::pattern::{Kind, Pos, Tree};
use proc_macro2::Delimiter;

const WORLD: &str = "code may not ask which world (std, loom, shuttle) or build it runs in";
const BUILD_INPUT: &str = "it reads files or the environment while the code is compiled";
const MODULE: &str =
    "a module declaration can compile another file (the reference, for one) into yours";
const MACRO: &str = "a macro can hide any code from this check";
const FOREIGN: &str = "it links to code that is not Rust, which no world can check";
const UNSAFE: &str = "this exercise needs no `unsafe` code";
const ASM: &str = "assembly is out of reach of every checker the course uses";
const ENDS_PROCESS: &str =
    "it ends the process, and a test that ends the process early passes without checking anything";
const SYSTEM: &str =
    "files, sockets and raw system calls are not part of this exercise (and can reach the grader)";
const STREAMS: &str =
    "the raw standard streams belong to the test harness; `println!` and `eprintln!` are fine";
const HOOK: &str = "the panic hook is how a test's failure is seen and reported";
const PROBE: &str =
    "it probes which world's types are in use (loom's and shuttle's differ from std's)";
const RUN: &str = "it can tell a grading run from another by the clock or the command line";
const REFERENCE: &str = "the reference of this exercise is not part of the build that grades it: \
                         name your own code, not a module path to it";
const THREAD_NAME: &str = "the current thread's name tells which test is running";

/// Identifiers refused in a student's code, each with the reason.
pub const DENIED: &[(&str, &str)] = &[
    ("cfg", WORLD),
    ("cfg_attr", WORLD),
    ("include", BUILD_INPUT),
    ("include_str", BUILD_INPUT),
    ("include_bytes", BUILD_INPUT),
    ("env", BUILD_INPUT),
    ("option_env", BUILD_INPUT),
    ("mod", MODULE),
    ("macro_rules", MACRO),
    ("extern", FOREIGN),
    ("unsafe", UNSAFE),
    ("asm", ASM),
    ("global_asm", ASM),
    ("naked_asm", ASM),
    ("process", ENDS_PROCESS),
    ("exit", ENDS_PROCESS),
    ("abort", ENDS_PROCESS),
    ("fs", SYSTEM),
    ("File", SYSTEM),
    ("OpenOptions", SYSTEM),
    ("os", SYSTEM),
    ("net", SYSTEM),
    ("libc", SYSTEM),
    ("nix", SYSTEM),
    ("stdout", STREAMS),
    ("stderr", STREAMS),
    ("stdin", STREAMS),
    ("set_hook", HOOK),
    ("take_hook", HOOK),
    ("WORLD", PROBE),
    ("type_name", PROBE),
    ("type_name_of_val", PROBE),
    ("TypeId", PROBE),
    ("size_of", PROBE),
    ("size_of_val", PROBE),
    ("align_of", PROBE),
    ("align_of_val", PROBE),
    ("args", RUN),
    ("current_exe", RUN),
    ("Instant", RUN),
    ("SystemTime", RUN),
    ("graded", REFERENCE),
    ("solutions", REFERENCE),
    ("proclab", REFERENCE),
];

/// Attributes a student may write: they only tune lints and inlining.
/// Every other one (`#[path]`, `#[cfg]`, `#[used]`, `#[link_section]`,
/// `#[no_mangle]`, `#[test]`, …) changes what is compiled, linked or run.
const ALLOWED_ATTRIBUTES: &[&str] = &["allow", "expect", "inline", "must_use"];

/// One refused construct in a run of trees.
pub struct Finding {
    pub pos: Pos,
    /// What allows it when the reference uses it too: the identifier,
    /// `#[name]` for an attribute, or `thread::current`.
    pub key: String,
    pub rule: String,
}

/// Every refused construct in `trees` (and the groups inside them, macro
/// arguments included), for exercise `exercise`. An attribute's contents
/// are not looked at: a refused attribute is one finding, and an allowed
/// one holds only lint names or inlining hints.
pub fn scan(trees: &[Tree], exercise: &str, out: &mut Vec<Finding>) {
    let mut i = 0;
    while i < trees.len() {
        match &trees[i].kind {
            Kind::Punct('#', _) => {
                i = attribute(trees, i, out);
                continue;
            }
            Kind::Ident(name) => {
                let name = name.strip_prefix("r#").unwrap_or(name);
                // The exercise's own name is refused only as a path segment
                // (`crate::locks::tas_lock::…`): a local variable may share it.
                let colon =
                    |t: Option<&Tree>| matches!(t.map(|t| &t.kind), Some(Kind::Punct(':', _)));
                let after_colon = i > 0 && colon(trees.get(i - 1));
                let in_path = colon(trees.get(i + 1)) || after_colon;
                // `thread::current()` however `thread` was named (`use
                // std::thread as t; t::current()`); a local `current` is fine.
                if name == "current" && after_colon {
                    out.push(Finding {
                        pos: trees[i].pos,
                        key: "thread::current".to_string(),
                        rule: format!("`::current` is not allowed in your code: {THREAD_NAME}"),
                    });
                }
                if let Some(why) = denied(name, exercise, in_path) {
                    out.push(Finding {
                        pos: trees[i].pos,
                        key: name.to_string(),
                        rule: format!("`{name}` is not allowed in your code: {why}"),
                    });
                }
                if name == "thread" && names_current(&trees[i + 1..]) {
                    out.push(Finding {
                        pos: trees[i].pos,
                        key: "thread::current".to_string(),
                        rule: format!(
                            "`thread::current` is not allowed in your code: {THREAD_NAME}"
                        ),
                    });
                }
            }
            Kind::Group { children, .. } => scan(children, exercise, out),
            Kind::Punct(..) | Kind::Literal(_) | Kind::Hole => {}
        }
        i += 1;
    }
}

fn denied(name: &str, exercise: &str, in_path: bool) -> Option<&'static str> {
    let module = in_path && name == exercise;
    DENIED
        .iter()
        .find(|(ident, _)| *ident == name)
        .map(|(_, why)| *why)
        .or(module.then_some(REFERENCE))
}

/// The attribute starting with the `#` at `trees[i]`: a finding unless it
/// is allowed. Returns the index after it.
fn attribute(trees: &[Tree], i: usize, out: &mut Vec<Finding>) -> usize {
    let inner = matches!(trees.get(i + 1).map(|t| &t.kind), Some(Kind::Punct('!', _)));
    let at = i + 1 + usize::from(inner);
    let Some(Tree {
        kind:
            Kind::Group {
                delim: Delimiter::Bracket,
                children,
                ..
            },
        ..
    }) = trees.get(at)
    else {
        out.push(Finding {
            pos: trees[i].pos,
            key: "#".to_string(),
            rule: "`#` is not allowed in your code outside an attribute written in full"
                .to_string(),
        });
        return i + 1;
    };
    let path = attribute_path(children);
    if !ALLOWED_ATTRIBUTES.contains(&path.as_str()) {
        let bang = if inner { "!" } else { "" };
        out.push(Finding {
            pos: trees[i].pos,
            key: format!("#[{path}]"),
            rule: format!(
                "the attribute `#{bang}[{path}]` is not allowed in your code: only `#[allow]`, \
                 `#[expect]`, `#[inline]` and `#[must_use]` are; other attributes change what \
                 is compiled, linked or run"
            ),
        });
    }
    at + 1
}

/// An attribute's name: its leading path (`inline`, `rustfmt::skip`,
/// `unsafe` in `#[unsafe(no_mangle)]`).
fn attribute_path(contents: &[Tree]) -> String {
    let mut path = String::new();
    for tree in contents {
        match &tree.kind {
            Kind::Ident(name) => path.push_str(name),
            Kind::Punct(':', _) => path.push(':'),
            _ => break,
        }
    }
    path
}

/// Do the trees after a `thread` go on `::current`, or `::{…current…}`
/// as in a `use`?
fn names_current(rest: &[Tree]) -> bool {
    let is_current = |t: &Tree| matches!(&t.kind, Kind::Ident(n) if &**n == "current");
    match rest {
        [Tree {
            kind: Kind::Punct(':', _),
            ..
        }, Tree {
            kind: Kind::Punct(':', _),
            ..
        }, next, ..] => match &next.kind {
            Kind::Group {
                delim: Delimiter::Brace,
                children,
                ..
            } => children.iter().any(is_current),
            _ => is_current(next),
        },
        _ => false,
    }
}
