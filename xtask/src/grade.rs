//! `cargo xtask grade`: the course table.

use crate::manifest::{Course, Exercise};
use crate::report;
use crate::run::{self, Job, Outcome};
use crate::world::{self, World};
use crate::Args;
use std::collections::BTreeMap;
use std::path::{Path, PathBuf};
use std::time::Instant;

/// Every test result of one exercise.
#[derive(Default)]
pub struct Graded {
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

    /// Rejected = at least one test failed or the code did not compile.
    pub fn rejected_in(&self, world: World) -> bool {
        self.compile_errors.contains_key(&world)
            || self.tests.get(&world).is_some_and(|t| {
                t.iter()
                    .any(|(_, o)| o.as_ref().is_some_and(|o| !o.passed()))
            })
    }

    /// Points out of `max`: zero if any world did not compile, else
    /// proportional to the tests passed.
    pub fn score(&self, max: u32) -> f64 {
        if !self.compile_errors.is_empty() || self.total() == 0 {
            return 0.0;
        }
        f64::from(max) * self.passed() as f64 / self.total() as f64
    }

    /// The failures worth showing, one line each.
    fn failures(&self) -> Vec<String> {
        let mut lines: Vec<String> = self
            .compile_errors
            .iter()
            .map(|(w, e)| format!("{:<8} does not compile: {}", w.name(), first_lines(e, 3)))
            .collect();
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

fn first_lines(text: &str, n: usize) -> String {
    text.lines()
        .filter(|l| !l.trim().is_empty())
        .take(n)
        .collect::<Vec<_>>()
        .join(" | ")
}

/// Grade `exercises` from the files in `dir`, in `worlds` (a world is
/// skipped for an exercise that does not list it). With `stop_early`, an
/// exercise's remaining tests in a world are skipped after its first failure.
/// How a grading run treats the tests.
#[derive(Default)]
pub struct Options {
    /// Skip an exercise's remaining tests in a world after its first failure.
    pub stop_early: bool,
    /// RLIMIT_NPROC for tests (see `run::Limits`).
    pub max_procs: Option<u64>,
    /// Wall-clock limit per test, instead of each world's default.
    pub timeout: Option<std::time::Duration>,
}

/// How hidden tests are marked in names: `exercise/world/hidden:test`.
pub const HIDDEN_PREFIX: &str = "hidden:";

pub fn grade(
    root: &Path,
    exercises: &[Exercise],
    src: &world::Sources,
    worlds: &[World],
    opts: &Options,
) -> Result<BTreeMap<String, Graded>, String> {
    let mut results: BTreeMap<String, Graded> = exercises
        .iter()
        .map(|e| (e.name.clone(), Graded::default()))
        .collect();
    let parallel = std::thread::available_parallelism().map_or(2, |n| n.get());
    for &world in worlds {
        let names: Vec<String> = exercises
            .iter()
            .filter(|e| e.worlds.iter().any(|w| World::parse(w) == world))
            .map(|e| e.name.clone())
            .collect();
        if names.is_empty() {
            continue;
        }
        let built = world::build(root, world, &names, src)?;
        for (ex, err) in built.errors {
            results
                .get_mut(&ex)
                .expect("built only what was asked")
                .compile_errors
                .insert(world, err);
        }
        let mut jobs = vec![];
        for (target, exe) in &built.executables {
            for test in run::list(exe, root)? {
                // A hidden test `spinlock::x` belongs to exercise `spinlock`.
                let (ex, label) = if target == world::HIDDEN_TARGET {
                    match test.split_once("::") {
                        Some((ex, _)) if names.iter().any(|n| n == ex) => {
                            (ex.to_string(), format!("{HIDDEN_PREFIX}{test}"))
                        }
                        _ => continue,
                    }
                } else {
                    (target.clone(), test.clone())
                };
                jobs.push(Job {
                    group: ex,
                    exe: exe.clone(),
                    label,
                    test,
                    timeout: opts.timeout.unwrap_or(world.test_timeout()),
                    max_procs: opts.max_procs,
                });
            }
        }
        let started = Instant::now();
        let outcomes = run::run_all(root, &jobs, parallel, opts.stop_early);
        eprintln!(
            "  {:<8} ran {} test(s) in {:.1} s",
            world.name(),
            jobs.len(),
            started.elapsed().as_secs_f64()
        );
        for (job, outcome) in jobs.into_iter().zip(outcomes) {
            results
                .get_mut(&job.group)
                .expect("jobs come from selected exercises")
                .tests
                .entry(world)
                .or_default()
                .push((job.label, outcome));
        }
    }
    Ok(results)
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
    let src = world::Sources {
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
        stop_early: false,
        max_procs,
        timeout,
    };
    let results = grade(root, &exercises, &src, &worlds, &opts)?;

    print_table(&exercises, &results);

    if dir == root.join("exercises") {
        let scores = exercises
            .iter()
            .map(|e| (e.name.clone(), (results[&e.name].score(e.points), e.points)))
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
    if let Some(path) = args.value("junit") {
        std::fs::write(path, report::junit(&exercises, &entries))
            .map_err(|e| format!("--junit {path}: {e}"))?;
        eprintln!("wrote {path} (JUnit XML)");
    }

    let full = exercises
        .iter()
        .all(|e| results[&e.name].score(e.points) >= f64::from(e.points));
    Ok(match expect {
        Some("full") | None => full,
        _ => stubs_ok(&exercises, &results),
    })
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
        let score = g.score(ex.points);
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
