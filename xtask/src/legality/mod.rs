//! Is a student's submission legal? It may differ from its skeleton
//! (`exercises/<name>.rs`) only inside the holes, the `todo!()`s — comments
//! and whitespace anywhere are free — and what it writes in the holes may
//! not use the constructs of [`deny`] unless the reference solution's own
//! regions do.
//!
//! The tests grade behaviour; this check keeps the behaviour honest. A
//! submission that rewrites given code, re-exports the reference, asks
//! which world it is built for or ends the process early could pass tests
//! without solving anything, so it is refused before it is graded, with
//! the line and the reason.
//!
//! A submission is hostile input. It is read by a real lexer and parser
//! (proc_macro2, syn), never executed; the checker runs in a thread of its
//! own with a known stack, refuses what it cannot check in bounded time and
//! memory (over [`MAX_BYTES`], nested past [`MAX_DEPTH`], too far from its
//! skeleton to match in the matcher's budget), and never panics on any
//! input.

mod deny;
mod pattern;

use pattern::{Outcome, Pos};
use proc_macro2::{TokenStream, TokenTree};
use std::collections::hash_map::RandomState;
use std::collections::HashSet;
use std::str::FromStr;

/// The largest submission checked. Exercise files are a few KiB.
const MAX_BYTES: usize = 1 << 20;

/// How deep a submission may nest, counted as syn recurses: through each
/// enclosing group, the tokens since the last `;` at that level. syn parses
/// by recursive descent (a type like `&&&&…u8` or `V<V<…>>` recurses once
/// per token, up to ~32 KiB of stack each in a debug build), so this bound
/// is what keeps a crafted file from overflowing the stack — an abort, not
/// a panic. The course's own sources peak near 420.
const MAX_DEPTH: usize = 2048;

/// The checker thread's stack: room for syn at [`MAX_DEPTH`] with margin.
/// Only what is used is ever touched.
const STACK_BYTES: usize = 128 << 20;

/// Refused constructs listed before the rest are summed up in one line.
const MAX_LISTED: usize = 100;

const BEGIN: &str = "// BEGIN SOLUTION";
const END: &str = "// END SOLUTION";

/// One refused construct: where, and the rule it breaks.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Violation {
    /// 1-based line of the submission.
    pub line: usize,
    /// 1-based column (in characters).
    pub column: usize,
    pub rule: String,
}

impl Violation {
    fn at(pos: Pos, rule: impl Into<String>) -> Violation {
        Violation {
            line: pos.0,
            column: pos.1 + 1,
            rule: rule.into(),
        }
    }
}

impl std::fmt::Display for Violation {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "{}:{}: {}", self.line, self.column, self.rule)
    }
}

/// Check `submission` (the student's file for exercise `exercise`) against
/// `skeleton` (`exercises/<exercise>.rs`) and `reference` (`solutions/<exercise>.rs`).
/// Empty = legal.
pub fn check(exercise: &str, skeleton: &str, reference: &str, submission: &str) -> Vec<Violation> {
    if submission.len() > MAX_BYTES {
        let rule = format!(
            "the file is {} bytes; a submission may be at most {MAX_BYTES}",
            submission.len()
        );
        return vec![Violation::at((1, 0), rule)];
    }
    // Spans live in a thread-local source map: lexing, parsing and matching
    // all happen on this thread, whose map goes with it.
    std::thread::scope(|scope| {
        let checker = std::thread::Builder::new()
            .name("legality".to_string())
            .stack_size(STACK_BYTES)
            .spawn_scoped(scope, || {
                check_here(exercise, skeleton, reference, submission)
            });
        match checker.map(|thread| thread.join()) {
            Ok(Ok(violations)) => violations,
            Ok(Err(_)) => vec![Violation::at(
                (1, 0),
                "the legality check failed on this file (a bug in the checker): ask your teacher",
            )],
            Err(e) => vec![Violation::at(
                (1, 0),
                format!("the legality check could not start: {e}"),
            )],
        }
    })
}

fn check_here(exercise: &str, skeleton: &str, reference: &str, submission: &str) -> Vec<Violation> {
    let tokens = match TokenStream::from_str(submission) {
        Ok(tokens) => tokens,
        Err(e) => return vec![not_rust(&syn::Error::from(e))],
    };
    if let Some(pos) = too_deep(&tokens) {
        let rule = format!(
            "the code nests too deeply to be checked (more than {MAX_DEPTH} tokens deep, \
             counted from each enclosing statement): break it up with `let`s"
        );
        return vec![Violation::at(pos, rule)];
    }
    if let Err(e) = syn::parse_file(submission) {
        return vec![not_rust(&e)];
    }
    let Ok(skeleton) = TokenStream::from_str(skeleton) else {
        let rule = format!("exercises/{exercise}.rs does not lex: the course is broken");
        return vec![Violation::at((1, 0), rule)];
    };
    let hasher = RandomState::new();
    let pattern = pattern::build(skeleton, true, &hasher);
    let text = pattern::build(tokens, false, &hasher);
    let holes = match pattern::match_file(&pattern, &text, end_of(submission)) {
        Outcome::Match(holes) => holes,
        Outcome::Mismatch(pos, what) => {
            let rule = format!("outside the `todo!()` regions the file must stay as given: {what}");
            return vec![Violation::at(pos, rule)];
        }
        Outcome::TooBig => {
            let rule = "the file is too far from its skeleton to be checked: \
                        keep the given code and write yours in place of each `todo!()`";
            return vec![Violation::at((1, 0), rule)];
        }
    };
    let allowed = allowed(exercise, reference, &hasher);
    let mut found = vec![];
    for hole in holes {
        deny::scan(hole, exercise, &mut found);
    }
    found.retain(|f| !allowed.contains(&f.key));
    found.sort_by_key(|f| f.pos);
    let mut violations: Vec<Violation> = found
        .iter()
        .take(MAX_LISTED)
        .map(|f| Violation::at(f.pos, f.rule.clone()))
        .collect();
    if let Some(next) = found.get(MAX_LISTED) {
        let rule = format!(
            "and {} more refused constructs from here on",
            found.len() - MAX_LISTED
        );
        violations.push(Violation::at(next.pos, rule));
    }
    violations
}

fn not_rust(e: &syn::Error) -> Violation {
    Violation::at(
        pattern::pos(e.span()),
        format!("does not parse as Rust: {e}"),
    )
}

/// The first token past [`MAX_DEPTH`], if any. Walks with its own stack,
/// since nothing recursive may look at the file before this says it can.
fn too_deep(tokens: &TokenStream) -> Option<Pos> {
    // One frame per open group: its tokens, and how many were since the
    // last `;` (the group's own token counts in its parent's frame).
    let mut frames = vec![(tokens.clone().into_iter(), 0usize)];
    let mut depth = 0;
    while let Some((level, since)) = frames.last_mut() {
        let Some(token) = level.next() else {
            depth -= *since;
            frames.pop();
            continue;
        };
        *since += 1;
        depth += 1;
        if depth > MAX_DEPTH {
            return Some(pattern::pos(token.span()));
        }
        match token {
            TokenTree::Punct(p) if p.as_char() == ';' => {
                depth -= *since;
                *since = 0;
            }
            TokenTree::Group(g) => frames.push((g.stream().into_iter(), 0)),
            _ => {}
        }
    }
    None
}

/// Where the file ends, as a token position.
fn end_of(source: &str) -> Pos {
    let line = source.matches('\n').count() + 1;
    let last = source.rfind('\n').map_or(source, |i| &source[i + 1..]);
    (line, last.chars().count())
}

/// What the reference's own regions use of the refused constructs: the
/// exercise needs it, so its students may use it too.
fn allowed(exercise: &str, reference: &str, hasher: &RandomState) -> HashSet<String> {
    let Ok(tokens) = TokenStream::from_str(reference) else {
        return HashSet::new();
    };
    let regions = regions(reference);
    let mut found = vec![];
    deny::scan(&pattern::build(tokens, false, hasher), exercise, &mut found);
    found
        .into_iter()
        .filter(|f| regions.iter().any(|&(b, e)| b < f.pos.0 && f.pos.0 < e))
        .map(|f| f.key)
        .collect()
}

/// The reference's regions, as (`BEGIN` line, `END` line) pairs: the lines
/// strictly between are the code a student writes.
fn regions(reference: &str) -> Vec<(usize, usize)> {
    let mut regions = vec![];
    let mut open = None;
    for (i, line) in reference.lines().enumerate() {
        let line_no = i + 1;
        let line = line.trim_start();
        if line.starts_with(BEGIN) {
            open = Some(line_no);
        } else if line.starts_with(END) {
            if let Some(begin) = open.take() {
                regions.push((begin, line_no));
            }
        }
    }
    regions
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::path::PathBuf;

    fn root() -> PathBuf {
        PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("..")
    }

    fn read(dir: &str, name: &str) -> String {
        let path = root().join(dir).join(format!("{name}.rs"));
        std::fs::read_to_string(&path).unwrap_or_else(|e| panic!("{}: {e}", path.display()))
    }

    /// Every exercise, from `exercises/*.rs`.
    fn exercises() -> Vec<String> {
        let mut names: Vec<String> = std::fs::read_dir(root().join("exercises"))
            .unwrap()
            .filter_map(|e| {
                let name = e.unwrap().file_name().into_string().unwrap();
                name.strip_suffix(".rs").map(str::to_string)
            })
            .collect();
        names.sort();
        assert!(names.len() > 20, "{names:?}");
        names
    }

    fn check_file(name: &str, submission: &str) -> Vec<Violation> {
        check(
            name,
            &read("exercises", name),
            &read("solutions", name),
            submission,
        )
    }

    /// `name`'s skeleton with the `n`th hole (from 0) replaced by `code`.
    fn fill(name: &str, n: usize, code: &str) -> String {
        let skeleton = read("exercises", name);
        let mut lines: Vec<String> = skeleton.lines().map(str::to_string).collect();
        let line = lines
            .iter()
            .enumerate()
            .filter(|(_, l)| l.trim_start().starts_with("todo!("))
            .map(|(i, _)| i)
            .nth(n)
            .unwrap();
        lines[line] = code.to_string();
        lines.join("\n") + "\n"
    }

    /// The 1-based line of `fill`'s `n`th hole.
    fn hole_line(name: &str, n: usize) -> usize {
        let skeleton = read("exercises", name);
        skeleton
            .lines()
            .enumerate()
            .filter(|(_, l)| l.trim_start().starts_with("todo!("))
            .nth(n)
            .unwrap()
            .0
            + 1
    }

    fn refused(name: &str, submission: &str, rule_part: &str) -> Vec<Violation> {
        let violations = check_file(name, submission);
        assert!(
            violations.iter().any(|v| v.rule.contains(rule_part)),
            "expected a violation containing {rule_part:?}, got {violations:#?}"
        );
        violations
    }

    fn refused_in_hole(name: &str, n: usize, code: &str, rule_part: &str) {
        let violations = refused(name, &fill(name, n, code), rule_part);
        let line = hole_line(name, n);
        assert!(
            violations.iter().all(|v| v.line == line),
            "every violation on line {line}: {violations:#?}"
        );
    }

    fn legal(name: &str, submission: &str) {
        let violations = check_file(name, submission);
        assert!(violations.is_empty(), "{name}: {violations:#?}");
    }

    #[test]
    fn every_reference_solution_and_skeleton_is_legal() {
        for name in exercises() {
            legal(&name, &read("solutions", &name));
            legal(&name, &read("exercises", &name));
        }
    }

    #[test]
    fn comments_and_whitespace_are_free() {
        let skeleton = read("exercises", "tas_lock");
        let reflowed = skeleton
            .replace("    ", "\t")
            .replace("/// A test-and-set spinlock.", "// plain\n/** block doc */")
            .replace("pub fn new(", "pub fn new /* here */ (")
            .replace("fn name(&self)", "fn name(\n&self\n)");
        legal(
            "tas_lock",
            &format!("//! An inner doc comment.\n{reflowed}"),
        );
        let solved = fill(
            "tas_lock",
            0,
            "/// doc in a hole\n#[allow(clippy::all)] while self.holder.compare_exchange(0, me, \
             Acquire, Relaxed).is_err() { spin_loop() } // done",
        );
        legal("tas_lock", &solved);
        legal("tas_lock", &fill("tas_lock", 0, ""));
    }

    #[test]
    fn code_outside_the_holes_must_stay_as_given() {
        let v = refused(
            "tas_lock",
            "pub use crate::locks::tas_lock::*;\n",
            "outside the `todo!()` regions the file must stay as given: found `pub use crate`, \
             expected `use crate::locks`",
        );
        assert_eq!((v.len(), v[0].line, v[0].column), (1, 1, 1), "{v:?}");

        let skeleton = read("exercises", "tas_lock");
        let path = skeleton.replacen(
            "\nuse crate::locks",
            "\n#[path = \"../solutions/tas_lock.rs\"] mod r;\nuse crate::locks",
            1,
        );
        refused(
            "tas_lock",
            &path,
            "found `#[…] mod`, expected `use crate::locks`",
        );

        let helper = format!("{skeleton}\nfn helper() {{}}\n");
        let v = refused(
            "tas_lock",
            &helper,
            "found `fn helper()`, expected the end of the file",
        );
        assert_eq!(v[0].line, skeleton.lines().count() + 2);

        let signature = skeleton.replace("fn lock(&self) {", "fn lock(&self) -> bool {");
        let v = refused(
            "tas_lock",
            &signature,
            "found `-> bool {…}`, expected `{…} #[…]`",
        );
        let line = skeleton
            .lines()
            .position(|l| l.contains("fn lock(&self)"))
            .unwrap()
            + 1;
        assert_eq!(v[0].line, line);

        let inner = format!("#![allow(unused)]\n{skeleton}");
        refused(
            "tas_lock",
            &inner,
            "found `#![…] use`, expected `use crate::locks`",
        );

        let changed = skeleton.replace("uncount_held();", "uncount_held(1);");
        let v = refused("tas_lock", &changed, "found `1`, expected `)`");
        let line = skeleton
            .lines()
            .position(|l| l.contains("uncount_held();"))
            .unwrap()
            + 1;
        assert_eq!(v[0].line, line);

        let dropped = skeleton.replacen("        count_held();\n", "", 1);
        refused("tas_lock", &dropped, "expected `count_held();`");

        let short = &skeleton[..skeleton.rfind("crate::locks::impl_lock_api").unwrap()];
        refused(
            "tas_lock",
            short,
            "found the end of the file, expected `crate::locks::impl_lock_api`",
        );
    }

    /// Two holes in one block: the run between them is found wherever the
    /// first hole ends, and a run that is missing is reported where it was
    /// due.
    #[test]
    fn several_holes_in_one_block() {
        let reference = "fn f() {\n    let a = 1;\n    // BEGIN SOLUTION hint: x\n    x();\n    \
                         // END SOLUTION\n    g();\n    // BEGIN SOLUTION hint: y\n    y();\n    \
                         // END SOLUTION\n    h();\n}\n";
        let skeleton = crate::exercises::stub("demo", reference).unwrap();
        let check = |code: &str| check("demo", &skeleton, reference, code);
        assert_eq!(check(reference), vec![]);
        let legal = "fn f() { let a = 1; g(); g(); x(); g(); h(); }";
        assert_eq!(check(legal), vec![]);
        let v = check("fn f() { let a = 1; x();\n y();\n h(); }");
        assert_eq!(v.len(), 1, "{v:?}");
        assert!(
            v[0].rule.ends_with("found `h();`, expected `g();`"),
            "{v:?}"
        );
        assert_eq!(v[0].line, 3);
        let v = check("fn f() { let a = 1; g();\n unsafe { y() }\n h(); }");
        assert_eq!(v.len(), 1, "{v:?}");
        assert!(v[0].rule.starts_with("`unsafe` is not allowed"), "{v:?}");
        assert_eq!((v[0].line, v[0].column), (2, 2));
        // Near-copies of the run between the holes, many times over: the
        // matcher's budget runs out and says so instead of running on.
        let run = "g(); ".repeat(50);
        let skeleton = format!("fn f() {{ todo!(\"x\"); {run} k(); todo!(\"y\"); }}");
        let hostile = format!("fn f() {{ {} }}", "g(); ".repeat(100_000));
        let v = super::check("demo", &skeleton, &skeleton, &hostile);
        assert!(v[0].rule.contains("too far from its skeleton"), "{v:?}");
    }

    #[test]
    fn a_file_that_is_not_rust_is_refused_where_syn_says() {
        let v = refused(
            "tas_lock",
            "fn f() {\n    let = ;\n}\n",
            "does not parse as Rust: ",
        );
        assert_eq!((v.len(), v[0].line), (1, 2), "{v:?}");
        let v = refused("tas_lock", "fn f() {\n", "does not parse as Rust: ");
        assert_eq!(v.len(), 1);
    }

    #[test]
    fn refused_constructs_in_holes_name_the_line_and_the_rule() {
        refused_in_hole(
            "tas_lock",
            0,
            "let _ = include_str!(\"../tests/tas_lock.rs\");",
            "`include_str` is not allowed in your code: it reads files",
        );
        refused_in_hole(
            "tas_lock",
            0,
            "std::process::exit(0);",
            "`exit` is not allowed in your code: it ends the process",
        );
        refused_in_hole(
            "tas_lock",
            2,
            "self.holder.store(0, if cfg!(loom) { Release } else { Relaxed });",
            "`cfg` is not allowed in your code: code may not ask which world (std, loom, shuttle)",
        );
        refused_in_hole(
            "tas_lock",
            0,
            "#[used] #[link_section = \".init_array\"] static INIT: fn() = init;",
            "the attribute `#[link_section]` is not allowed in your code",
        );
        refused_in_hole(
            "tas_lock",
            0,
            "{ #[used] static X: u8 = 0; }",
            "the attribute `#[used]` is not allowed",
        );
        refused_in_hole(
            "tas_lock",
            0,
            "let n = std::env::args().count();",
            "`args` is not allowed in your code: it can tell a grading run",
        );
        refused_in_hole(
            "tas_lock",
            0,
            "unsafe {}",
            "`unsafe` is not allowed in your code: this exercise needs no `unsafe` code",
        );
        refused_in_hole(
            "tas_lock",
            0,
            "if std::thread::current().name() == Some(\"x\") {}",
            "`thread::current` is not allowed in your code",
        );
        refused_in_hole(
            "tas_lock",
            0,
            "use std::thread::{self, current};",
            "`thread::current` is not allowed",
        );
        refused_in_hole(
            "tas_lock",
            0,
            "crate::locks::tas_lock::RawTasLock::lock(self);",
            "`tas_lock` is not allowed in your code: the reference of this exercise is not part \
             of the build that grades it",
        );
        refused_in_hole(
            "tas_lock",
            0,
            "extern \"C\" { fn getpid() -> i32; }",
            "`extern` is not allowed in your code",
        );
        refused_in_hole(
            "tas_lock",
            0,
            "#[path = \"../solutions/tas_lock.rs\"] mod r;",
            "the attribute `#[path]` is not allowed",
        );
        refused_in_hole(
            "tas_lock",
            0,
            "{ #![cfg(loom)] }",
            "the attribute `#![cfg]` is not allowed",
        );
        refused_in_hole(
            "tas_lock",
            0,
            "println!(\"{}\", std::mem::size_of::<AtomicUsize>());",
            "`size_of` is not allowed",
        );
        refused_in_hole(
            "fork_server_reaping",
            0,
            "crate::serve::fork_server_reaping::reap_exited();",
            "`fork_server_reaping` is not allowed in your code: the reference of this exercise",
        );
        // A local that shares the exercise's name is not a path to it.
        legal(
            "condvar",
            &fill("condvar", 0, "let condvar = 1; let _ = condvar;"),
        );
    }

    #[test]
    fn what_the_reference_uses_in_its_regions_is_allowed() {
        // The reference closes a descriptor with `unsafe` and `libc`.
        let code = "unsafe { nix::libc::close(3) };";
        legal("fork_server_reaping", &fill("fork_server_reaping", 0, code));
        refused_in_hole("tas_lock", 0, code, "`unsafe` is not allowed");
        // ... but only what it uses: `exit` stays refused.
        refused_in_hole(
            "fork_server_reaping",
            0,
            "std::process::exit(0);",
            "`exit` is not allowed",
        );
    }

    #[test]
    fn allowed_attributes_and_strings_are_fine() {
        let code = "#[allow(unused)] let x = \"unsafe cfg!(loom) std::process::exit\"; \
                    #[inline] fn helper() {} #[must_use] fn other() -> u8 { 0 }";
        legal("tas_lock", &fill("tas_lock", 0, code));
    }

    /// The nesting bound is what keeps syn's recursion inside the stack:
    /// constructs that recurse once per token, at the bound, must be
    /// checked (or refused) without overflowing it.
    #[test]
    fn deep_nesting_is_refused_or_checked_never_a_crash() {
        let n = MAX_DEPTH - 300; // the skeleton's own depth around hole 0
        let deep = [
            format!("let _: {}u8;", "&".repeat(n)),
            format!("let _: {}u8{};", "V<".repeat(n / 2), ">".repeat(n / 2)),
            format!("let _ = {}0;", "|a| ".repeat(n / 3)),
            format!("let _ = {}0;", "return ".repeat(n)),
        ];
        for code in deep {
            // Legal or not, it must come back.
            let _ = check_file("tas_lock", &fill("tas_lock", 0, &code));
        }
        let v = refused(
            "tas_lock",
            &fill(
                "tas_lock",
                0,
                &format!("let _: {}u8;", "&".repeat(MAX_DEPTH)),
            ),
            "nests too deeply",
        );
        assert_eq!(v[0].line, hole_line("tas_lock", 0));
        let parens = format!("{}{}", "(".repeat(100_000), ")".repeat(100_000));
        refused("tas_lock", &parens, "nests too deeply");
    }

    #[test]
    fn huge_and_hostile_files_are_refused_quickly() {
        let huge = "x".repeat(MAX_BYTES + 1);
        refused("tas_lock", &huge, "at most 1048576");
        // Many copies of given code in one hole: still one pass.
        let copies = "count_held(); ".repeat(20_000);
        let v = check_file("tas_lock", &fill("tas_lock", 0, &copies));
        assert!(v.is_empty(), "{v:?}");
        // Many refused constructs are summed up.
        let many = "unsafe {} ".repeat(500);
        let v = refused(
            "tas_lock",
            &fill("tas_lock", 0, &many),
            "and 400 more refused",
        );
        assert_eq!(v.len(), MAX_LISTED + 1);
    }

    #[test]
    fn violations_print_as_line_column_rule() {
        let v = Violation::at((3, 4), "no");
        assert_eq!(v.to_string(), "3:5: no");
    }
}
