//! `cargo xtask grade`: the course table.
//!
//! Each exercise of a submission is graded on its own, in four steps:
//! 1. the legality check (`crate::legality`): the file may differ from its
//!    skeleton only inside the `todo!()` regions, and there only in what
//!    the exercise needs — else it scores 0 and is never built;
//! 2. a build in each of the exercise's worlds with the student's file as
//!    the exercise's module and the reference absent (`crate::world`);
//! 3. its tests, each in the sandbox (`crate::sandbox`), passed only on
//!    libtest's own verdict;
//! 4. points by the units of `crate::score`.
//!
//! Everything happens in a throwaway copy of the course
//! (`crate::workspace`), checked for tampering at the end.

use crate::manifest::{Course, Exercise};
use crate::report;
use crate::run::{self, Job, Outcome};
use crate::sandbox::{self, Limits};
use crate::workspace::Workspace;
use crate::world::{self, Built, Code, World};
use crate::Args;
use std::collections::BTreeMap;
use std::path::{Path, PathBuf};
use std::time::Instant;

/// Every test result of one exercise.
#[derive(Default)]
pub struct Graded {
    /// Why the submission file was refused before building, if it was.
    pub refused: Vec<String>,
    /// Per world: (test name, outcome); `None` = skipped (early stop).
    pub tests: BTreeMap<World, Vec<(String, Option<Outcome>)>>,
    /// Per world: the compile error that stopped it.
    pub compile_errors: BTreeMap<World, String>,
}

impl Graded {
    pub fn passed(&self) -> usize {
        self.tests
            .values()
            .flatten()
            .filter(|(_, o)| o.as_ref().is_some_and(Outcome::passed))
            .count()
    }

    pub fn total(&self) -> usize {
        self.tests.values().map(Vec::len).sum()
    }

    /// Rejected = refused, did not compile, or at least one test failed.
    pub fn rejected_in(&self, world: World) -> bool {
        !self.refused.is_empty()
            || self.compile_errors.contains_key(&world)
            || self.tests.get(&world).is_some_and(|t| {
                t.iter()
                    .any(|(_, o)| o.as_ref().is_some_and(|o| !o.passed()))
            })
    }

    /// Did every test of `world` run and pass?
    pub fn all_passed_in(&self, world: World) -> bool {
        self.tests.get(&world).is_some_and(|t| {
            !t.is_empty()
                && t.iter()
                    .all(|(_, o)| o.as_ref().is_some_and(Outcome::passed))
        })
    }

    /// Points out of `ex.points` (see `crate::score`).
    pub fn score(&self, ex: &Exercise) -> f64 {
        crate::score::units(ex, self)
            .iter()
            .map(|u| u.points())
            .sum()
    }

    /// The failures worth showing, one line each.
    fn failures(&self) -> Vec<String> {
        let mut lines: Vec<String> = self
            .refused
            .iter()
            .map(|why| format!("refused  {why}"))
            .collect();
        lines.extend(
            self.compile_errors
                .iter()
                .map(|(w, e)| format!("{:<8} does not compile:\n{}", w.name(), indent(e, 40))),
        );
        for (w, tests) in &self.tests {
            for (name, outcome) in tests {
                let why = match outcome {
                    Some(Outcome::Fail(why)) => why.lines().next().unwrap_or("").to_string(),
                    Some(Outcome::TimedOut(d)) => format!(
                        "timed out after {} s (a hang: deadlock or a waiter never let in?)",
                        d.as_secs()
                    ),
                    _ => continue,
                };
                lines.push(format!("{:<8} {name}: {why}", w.name()));
            }
        }
        lines
    }
}

/// `text`'s first `n` lines, indented for the table.
fn indent(text: &str, n: usize) -> String {
    let mut lines: Vec<String> = text.lines().take(n).map(|l| format!("      {l}")).collect();
    if text.lines().count() > n {
        lines.push("      […]".into());
    }
    lines.join("\n")
}

/// How a grading run treats the tests.
#[derive(Default)]
pub struct Options {
    /// Skip an exercise's remaining tests in a world after its first failure.
    pub stop_early: bool,
    /// RLIMIT_NPROC for tests (see `sandbox::Limits`).
    pub max_procs: Option<u64>,
    /// Wall-clock limit per test, instead of each world's default.
    pub timeout: Option<std::time::Duration>,
    /// Build and run without the legality check (only `cargo xtask cheats`
    /// does this, to prove the later defences hold on their own).
    pub skip_legality: bool,
}

/// Where the code under grade comes from.
pub struct Sources {
    /// The student's exercise files (`<exercise>.rs`).
    pub dir: PathBuf,
    /// A teacher's hidden tests (`<exercise>.rs`), built as the `hidden`
    /// test target.
    pub hidden: Option<PathBuf>,
}

/// How hidden tests are marked in names: `exercise/world/hidden:test`.
pub const HIDDEN_PREFIX: &str = "hidden:";

/// Grade `exercises` from the files in `src.dir`, in `worlds` (a world is
/// skipped for an exercise that does not list it).
pub fn grade(
    root: &Path,
    exercises: &[Exercise],
    src: &Sources,
    worlds: &[World],
    opts: &Options,
) -> Result<BTreeMap<String, Graded>, String> {
    sandbox::become_subreaper();
    let names: Vec<String> = exercises.iter().map(|e| e.name.clone()).collect();
    let ws = Workspace::create(root, &src.dir, &names, src.hidden.as_deref())?;
    let mut results = BTreeMap::new();
    for ex in exercises {
        let graded = grade_one(&ws, ex, worlds, opts);
        match graded {
            Ok(g) => {
                results.insert(ex.name.clone(), g);
            }
            Err(e) => {
                let _ = ws.finish(src.hidden.as_deref());
                return Err(e);
            }
        }
    }
    ws.finish(src.hidden.as_deref())?;
    Ok(results)
}

fn grade_one(
    ws: &Workspace,
    ex: &Exercise,
    worlds: &[World],
    opts: &Options,
) -> Result<Graded, String> {
    let mut graded = Graded::default();
    let file = ws.exercises.join(format!("{}.rs", ex.name));
    let shown = ws.origin.join(format!("{}.rs", ex.name));
    if let Some(why) = ws.refused.get(&ex.name) {
        graded.refused.push(why.clone());
        return Ok(graded);
    }
    let Ok(submission) = std::fs::read_to_string(&file) else {
        graded
            .refused
            .push(format!("{}: not UTF-8 text", shown.display()));
        return Ok(graded);
    };
    if !opts.skip_legality {
        let reference =
            std::fs::read_to_string(ws.root.join("solutions").join(format!("{}.rs", ex.name)))
                .map_err(|e| format!("solutions/{}.rs: {e}", ex.name))?;
        let skeleton = crate::exercises::stub(&ex.name, &reference)?;
        graded.refused = crate::legality::check(&ex.name, &skeleton, &reference, &submission)
            .into_iter()
            .map(|v| format!("{}:{v}", shown.display()))
            .collect();
        if !graded.refused.is_empty() {
            eprintln!(
                "  {:<20} refused before building: {}",
                ex.name, graded.refused[0]
            );
            return Ok(graded);
        }
    }
    let parallel = std::thread::available_parallelism().map_or(2, |n| n.get());
    for &world in worlds {
        if !ex.worlds.iter().any(|w| World::parse(w) == world) {
            continue;
        }
        let limits = Limits {
            timeout: opts.timeout.unwrap_or(world.test_timeout()),
            max_procs: opts.max_procs,
        };
        let listing = crate::listing::tests(ws, world, &ex.name, limits)?;
        let started = Instant::now();
        let (exe, hidden) = match world::build(ws, world, &ex.name, Code::Student)? {
            Built::Tests { exe, hidden } => (exe, hidden),
            Built::Error(e) => {
                eprintln!(
                    "  {:<20} {:<8} does not compile ({:.1} s)",
                    ex.name,
                    world.name(),
                    started.elapsed().as_secs_f64()
                );
                graded.compile_errors.insert(world, e);
                continue;
            }
        };
        let built = started.elapsed();
        let mut jobs = vec![];
        let mut named: Vec<(String, String, &PathBuf)> = listing
            .own
            .into_iter()
            .map(|t| (t.clone(), t, &exe))
            .collect();
        // A hidden test `spinlock::x` belongs to exercise `spinlock`.
        for test in listing.hidden {
            if test
                .split_once("::")
                .is_some_and(|(owner, _)| owner == ex.name)
            {
                let exe = hidden
                    .as_ref()
                    .ok_or_else(|| format!("the hidden tests of `{}` were not built", ex.name))?;
                named.push((format!("{HIDDEN_PREFIX}{test}"), test, exe));
            }
        }
        for (label, test, exe) in named {
            jobs.push(Job {
                group: ex.name.clone(),
                exe: exe.clone(),
                label,
                test,
                limits,
            });
        }
        let ran = Instant::now();
        let outcomes = run::run_all(&ws.dir, &jobs, parallel, opts.stop_early);
        eprintln!(
            "  {:<20} {:<8} built in {:>5.1} s, ran {:>3} test(s) in {:>5.1} s",
            ex.name,
            world.name(),
            built.as_secs_f64(),
            jobs.len(),
            ran.elapsed().as_secs_f64()
        );
        let tests = graded.tests.entry(world).or_default();
        for (job, outcome) in jobs.into_iter().zip(outcomes) {
            tests.push((job.label, outcome));
        }
        // A test that rewrote the course's files (its tests, say) in the
        // copy voids its exercise's grade; the copy is put back before the
        // next build reads it.
        let changed = ws.restore_copy();
        if !changed.is_empty() {
            graded.refused.push(format!(
                "{}: while its tests ran, the course's files changed: {}",
                shown.display(),
                changed.join(", ")
            ));
            return Ok(graded);
        }
    }
    Ok(graded)
}

pub fn main(root: &Path, args: &[String]) -> Result<bool, String> {
    const VALUED: &[&str] = &[
        "dir",
        "expect",
        "gradescope",
        "junit",
        "max-procs",
        "hidden",
        "hidden-visibility",
        "worlds",
        "timeout",
        "units",
    ];
    let known: Vec<&str> = VALUED.iter().copied().chain(["solutions"]).collect();
    let args = Args::parse(args, &known, VALUED)?;
    let course = Course::load(root)?;
    let exercises = course.select(&args.names)?;
    let dir: PathBuf = match (args.has("solutions"), args.value("dir")) {
        (true, Some(_)) => return Err("give --solutions or --dir, not both".into()),
        (true, None) => root.join("solutions"),
        (false, Some(d)) => std::fs::canonicalize(d).map_err(|e| format!("--dir {d}: {e}"))?,
        (false, None) => root.join("exercises"),
    };
    let expect = args.value("expect");
    if let Some(e) = expect {
        if e != "full" && e != "stubs" {
            return Err(format!("--expect takes `full` or `stubs`, not `{e}`"));
        }
    }
    let shown = dir.strip_prefix(root).unwrap_or(&dir).display().to_string();
    let worlds: Vec<World> = match args.value("worlds") {
        None => vec![World::Std, World::Loom, World::Shuttle],
        Some(list) => list
            .split(',')
            .map(|w| match w.trim() {
                "std" => Ok(World::Std),
                "loom" => Ok(World::Loom),
                "shuttle" => Ok(World::Shuttle),
                other => Err(format!(
                    "--worlds: `{other}` is not a world (std, loom, shuttle)"
                )),
            })
            .collect::<Result<_, _>>()?,
    };
    let names: Vec<&str> = worlds.iter().map(|w| w.name()).collect();
    eprintln!(
        "grading {} exercise(s) from {shown}/ in the {} world(s)",
        exercises.len(),
        names.join(", ")
    );
    let max_procs = match args.value("max-procs") {
        Some(n) => Some(
            n.parse::<u64>()
                .map_err(|_| format!("--max-procs takes a number, not `{n}`"))?,
        ),
        None => None,
    };
    let hidden = match args.value("hidden") {
        Some(h) => Some(std::fs::canonicalize(h).map_err(|e| format!("--hidden {h}: {e}"))?),
        None => None,
    };
    let visibility: &'static str = match args.value("hidden-visibility") {
        None | Some("hidden") => "hidden",
        Some("after_due_date") => "after_due_date",
        Some("after_published") => "after_published",
        Some(v) => {
            return Err(format!(
                "--hidden-visibility takes hidden, after_due_date or after_published, not `{v}`"
            ))
        }
    };
    let src = Sources {
        dir: dir.clone(),
        hidden,
    };
    let timeout = match args.value("timeout") {
        Some(t) => Some(std::time::Duration::from_secs(
            t.parse::<u64>()
                .map_err(|_| format!("--timeout takes whole seconds, not `{t}`"))?,
        )),
        None => None,
    };
    let opts = Options {
        max_procs,
        timeout,
        ..Options::default()
    };
    let results = grade(root, &exercises, &src, &worlds, &opts)?;

    print_table(&exercises, &results);

    if dir == root.join("exercises") {
        // A run of fewer worlds than an exercise lists scores below full
        // marks (see `crate::score`), so `progress` and `solution` never
        // count it as passed.
        let scores = exercises
            .iter()
            .map(|e| (e.name.clone(), (results[&e.name].score(e), e.points)))
            .collect();
        crate::student::record_scores(root, &scores);
    }

    let entries = report::entries(&exercises, &results);
    if let Some(path) = args.value("gradescope") {
        let json = report::gradescope(&entries, &|e| {
            if e.name.contains(HIDDEN_PREFIX) {
                visibility
            } else {
                "visible"
            }
        });
        let text = serde_json::to_string_pretty(&json).map_err(|e| e.to_string())?;
        std::fs::write(path, text).map_err(|e| format!("--gradescope {path}: {e}"))?;
        eprintln!("wrote {path} (Gradescope results.json)");
    }
    if let Some(path) = args.value("units") {
        write_units(Path::new(path), &exercises, &results)?;
        eprintln!("wrote {path} (every scoring unit, for `cargo xtask unit`)");
    }
    if let Some(path) = args.value("junit") {
        std::fs::write(path, report::junit(&exercises, &entries))
            .map_err(|e| format!("--junit {path}: {e}"))?;
        eprintln!("wrote {path} (JUnit XML)");
    }

    let full = exercises
        .iter()
        .all(|e| results[&e.name].score(e) >= f64::from(e.points));
    Ok(match expect {
        Some("full") | None => full,
        _ => stubs_ok(&exercises, &results),
    })
}

/// Every exercise's units as JSON: `{exercise: {unit: {weight, passed, why}}}`.
fn write_units(
    path: &Path,
    exercises: &[Exercise],
    results: &BTreeMap<String, Graded>,
) -> Result<(), String> {
    let mut doc = serde_json::Map::new();
    for ex in exercises {
        let mut units = serde_json::Map::new();
        for u in crate::score::units(ex, &results[&ex.name]) {
            units.insert(
                u.name.to_string(),
                serde_json::json!({"weight": u.weight, "passed": u.passed, "why": u.why}),
            );
        }
        doc.insert(ex.name.clone(), units.into());
    }
    if let Some(dir) = path.parent() {
        let _ = std::fs::create_dir_all(dir);
    }
    let text =
        serde_json::to_string_pretty(&serde_json::Value::Object(doc)).map_err(|e| e.to_string())?;
    std::fs::write(path, text).map_err(|e| format!("--units {}: {e}", path.display()))
}

fn print_table(exercises: &[Exercise], results: &BTreeMap<String, Graded>) {
    let w = crate::manifest::name_width(exercises.iter().map(|e| e.name.as_str()), 16);
    println!();
    println!(
        "{:<w$} {:>8} {:>8} {:>8} {:>8} {:>12}",
        "exercise", "std", "loom", "shuttle", "tests", "points"
    );
    let (mut got, mut max) = (0.0, 0);
    for ex in exercises {
        let g = &results[&ex.name];
        let cell = |w: World| -> String {
            if g.compile_errors.contains_key(&w) {
                "error".into()
            } else {
                match g.tests.get(&w) {
                    Some(t) => format!(
                        "{}/{}",
                        t.iter()
                            .filter(|(_, o)| o.as_ref().is_some_and(Outcome::passed))
                            .count(),
                        t.len()
                    ),
                    None => "-".into(),
                }
            }
        };
        let score = g.score(ex);
        got += score;
        max += ex.points;
        println!(
            "{:<w$} {:>8} {:>8} {:>8} {:>8} {:>12}",
            ex.name,
            cell(World::Std),
            cell(World::Loom),
            cell(World::Shuttle),
            format!("{}/{}", g.passed(), g.total()),
            format!("{score:.1}/{}", ex.points)
        );
    }
    println!(
        "{:<w$} {:>8} {:>8} {:>8} {:>8} {:>12}",
        "total",
        "",
        "",
        "",
        "",
        format!("{got:.1}/{max}")
    );

    for ex in exercises {
        let failures = results[&ex.name].failures();
        if failures.is_empty() {
            continue;
        }
        println!(
            "\n{} ({}) — {} failing (first {}):",
            ex.name,
            ex.title,
            failures.len(),
            failures.len().min(5)
        );
        for f in failures.iter().take(5) {
            println!("  {f}");
        }
        // The first interleaving a model checker found, step by step.
        let traced = results[&ex.name]
            .tests
            .values()
            .flatten()
            .find_map(|(_, o)| match o {
                Some(Outcome::Fail(why)) => {
                    why.split_once('\n').map(|(_, steps)| steps.to_string())
                }
                _ => None,
            });
        if let Some(steps) = traced {
            println!("  {steps}");
        }
        if let Some(hint) = ex.hints.first() {
            println!("  hint: {hint}");
        }
    }
}

/// Untouched stubs: every exercise compiles, scores 0, and every failure
/// is a `todo!` (not a hang, not some other panic).
fn stubs_ok(exercises: &[Exercise], results: &BTreeMap<String, Graded>) -> bool {
    let mut ok = true;
    for ex in exercises {
        let g = &results[&ex.name];
        if !g.refused.is_empty() {
            eprintln!("stubs: exercise `{}` refused: {}", ex.name, g.refused[0]);
            ok = false;
        }
        if !g.compile_errors.is_empty() {
            eprintln!("stubs: exercise `{}` does not compile", ex.name);
            ok = false;
        }
        if g.passed() != 0 {
            eprintln!(
                "stubs: exercise `{}` passes {} test(s) with nothing implemented",
                ex.name,
                g.passed()
            );
            ok = false;
        }
        for (w, tests) in &g.tests {
            for (name, o) in tests {
                match o {
                    Some(Outcome::Fail(why)) if why.contains("not yet implemented") => {}
                    other => {
                        eprintln!(
                            "stubs: {} {} {name}: expected a todo! failure, got {other:?}",
                            ex.name,
                            w.name()
                        );
                        ok = false;
                    }
                }
            }
        }
    }
    ok
}
