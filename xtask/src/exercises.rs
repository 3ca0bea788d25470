//! `cargo xtask exercises [--check]`: derive `exercises/` from `solutions/`.
//!
//! A solution marks the code a student writes with fences:
//!
//! ```text
//!     // BEGIN SOLUTION hint: what to do, in one line
//!     ...reference code...
//!     // END SOLUTION
//! ```
//!
//! The exercise file is the solution with each fenced block replaced by
//! `todo!("<hint>")` at the fence's indentation, under a header saying where
//! it came from: with a `;` when the fence holds statements, without one
//! when it is the tail of a block (the next line closes the block), so the
//! stub compiles either way.

use crate::manifest::Course;
use crate::Args;
use std::path::Path;

const BEGIN: &str = "// BEGIN SOLUTION";
const END: &str = "// END SOLUTION";

pub fn main(root: &Path, args: &[String]) -> Result<bool, String> {
    let args = Args::parse(args, &["check"], &[])?;
    let course = Course::load(root)?;
    let mut problems = consistency(root, &course);
    let mut stale = vec![];
    for ex in &course.exercise {
        let solution_path = root.join("solutions").join(format!("{}.rs", ex.name));
        let solution = match std::fs::read_to_string(&solution_path) {
            Ok(s) => s,
            Err(e) => {
                problems.push(format!("{}: {e}", solution_path.display()));
                continue;
            }
        };
        let generated = match stub(&ex.name, &solution) {
            Ok(g) => g,
            Err(e) => {
                problems.push(e);
                continue;
            }
        };
        let target = root.join("exercises").join(format!("{}.rs", ex.name));
        let current = std::fs::read_to_string(&target).unwrap_or_default();
        if current != generated {
            if args.has("check") {
                stale.push(format!("exercises/{}.rs", ex.name));
            } else {
                std::fs::create_dir_all(root.join("exercises")).map_err(|e| e.to_string())?;
                std::fs::write(&target, generated)
                    .map_err(|e| format!("{}: {e}", target.display()))?;
                println!("wrote exercises/{}.rs", ex.name);
            }
        }
    }
    problems.extend(crate::book::sync_hints(root, &course, !args.has("check")));
    let workflow = crate::classroom::workflow(&course);
    let workflow_path = root.join(crate::classroom::PATH);
    if std::fs::read_to_string(&workflow_path).unwrap_or_default() != workflow {
        if args.has("check") {
            stale.push(crate::classroom::PATH.to_string());
        } else {
            std::fs::write(&workflow_path, workflow)
                .map_err(|e| format!("{}: {e}", workflow_path.display()))?;
            println!("wrote {}", crate::classroom::PATH);
        }
    }
    if !stale.is_empty() {
        problems.push(format!(
            "stale (solutions/ changed; run `cargo xtask exercises`): {}",
            stale.join(", ")
        ));
    }
    for p in &problems {
        eprintln!("exercises: {p}");
    }
    if problems.is_empty() && args.has("check") {
        println!(
            "exercises: {} up to date, course.toml consistent",
            course.exercise.len()
        );
    }
    Ok(problems.is_empty())
}

/// The exercise file for `name`, generated from its solution text.
pub fn stub(name: &str, solution: &str) -> Result<String, String> {
    let mut out = format!(
        "// EXERCISE `{name}`: generated from solutions/{name}.rs by `cargo xtask exercises`.\n\
         // Replace each `todo!()` with your code, then run `cargo xtask grade {name}`.\n\
         // Everything outside the `todo!()`s is given: read it, it is part of the lesson.\n\n"
    );
    let mut open: Option<usize> = None;
    let lines: Vec<&str> = solution.lines().collect();
    for (i, &line) in lines.iter().enumerate() {
        let trimmed = line.trim_start();
        let lineno = i + 1;
        if let Some(rest) = trimmed.strip_prefix(BEGIN) {
            if let Some(start) = open {
                return Err(format!(
                    "solutions/{name}.rs:{lineno}: BEGIN SOLUTION inside the fence opened at line {start}"
                ));
            }
            let hint = rest
                .trim()
                .strip_prefix("hint:")
                .map(str::trim)
                .unwrap_or("");
            if hint.is_empty() {
                return Err(format!(
                    "solutions/{name}.rs:{lineno}: a fence needs a hint: `{BEGIN} hint: <what to do>`"
                ));
            }
            let indent = &line[..line.len() - trimmed.len()];
            // A fence followed by `}` is the block's value: `todo!()` is an
            // expression of any type there. Elsewhere it is a statement.
            let after_end = lines[i..]
                .iter()
                .skip_while(|l| !l.trim_start().starts_with(END))
                .skip(1)
                .find(|l| !l.trim().is_empty());
            let tail = after_end.is_some_and(|l| l.trim_start().starts_with('}'));
            let semicolon = if tail { "" } else { ";" };
            out.push_str(&format!("{indent}todo!({hint:?}){semicolon}\n"));
            open = Some(lineno);
        } else if trimmed.starts_with(END) {
            if open.take().is_none() {
                return Err(format!(
                    "solutions/{name}.rs:{lineno}: END SOLUTION without BEGIN"
                ));
            }
        } else if open.is_none() {
            out.push_str(line);
            out.push('\n');
        }
    }
    if let Some(start) = open {
        return Err(format!(
            "solutions/{name}.rs:{start}: fence never closed with `{END}`"
        ));
    }
    if !solution.contains(BEGIN) {
        return Err(format!(
            "solutions/{name}.rs has no `{BEGIN}` fence: nothing for the student to write"
        ));
    }
    Ok(out)
}

/// Problems where course.toml and the crate disagree.
fn consistency(root: &Path, course: &Course) -> Vec<String> {
    let mut problems = vec![];
    let graded = std::fs::read_to_string(root.join("src/graded.rs")).unwrap_or_default();
    // The catalogue's lines: `name => area;`.
    let listed: Vec<String> = graded
        .lines()
        .filter_map(|l| {
            let (name, area) = l.trim().split_once(" => ")?;
            area.ends_with(';').then(|| name.to_string())
        })
        .collect();
    let names: Vec<String> = course.exercise.iter().map(|e| e.name.clone()).collect();
    if listed != names {
        problems.push(format!(
            "src/graded.rs lists {listed:?} but course.toml has {names:?} (same names, same order)"
        ));
    }
    let mut solutions: Vec<String> = std::fs::read_dir(root.join("solutions"))
        .map(|d| {
            d.filter_map(|e| {
                e.ok()?
                    .file_name()
                    .to_str()?
                    .strip_suffix(".rs")
                    .map(String::from)
            })
            .collect()
        })
        .unwrap_or_default();
    solutions.sort();
    let mut sorted = names.clone();
    sorted.sort();
    if solutions != sorted {
        problems.push(format!(
            "solutions/ holds {solutions:?} but course.toml has {sorted:?}: every exercise has one file there, and nothing else is"
        ));
    }
    for ex in &course.exercise {
        if !root.join("tests").join(format!("{}.rs", ex.name)).exists() {
            problems.push(format!(
                "exercise `{}` has no test target tests/{}.rs",
                ex.name, ex.name
            ));
        }
        if !root.join(&ex.chapter).exists() {
            problems.push(format!(
                "exercise `{}`: chapter {} does not exist",
                ex.name, ex.chapter
            ));
        }
        if ex.hints.is_empty() {
            problems.push(format!("exercise `{}` has no hints", ex.name));
        }
        if ex.bug.len() < 3 {
            problems.push(format!(
                "exercise `{}` has {} planted bugs; every exercise needs at least 3",
                ex.name,
                ex.bug.len()
            ));
        }
        if let Ok(solution) =
            std::fs::read_to_string(root.join("solutions").join(format!("{}.rs", ex.name)))
        {
            for bug in &ex.bug {
                if let Err(e) = bug.apply(&ex.name, &solution) {
                    problems.push(e);
                }
            }
        }
    }
    problems
}

#[cfg(test)]
mod tests {
    use super::stub;

    const SOLUTION: &str = "\
fn f() -> bool {
    let x = {
        // BEGIN SOLUTION hint: compute \"x\"
        1 + 1
        // END SOLUTION
    };
    // BEGIN SOLUTION hint: use it
    println!(\"{x}\");
    // END SOLUTION
    true
}
";

    #[test]
    fn fences_become_todos_with_hints() {
        let out = stub("demo", SOLUTION).unwrap();
        assert!(
            out.contains("        todo!(\"compute \\\"x\\\"\")\n    };"),
            "{out}"
        );
        assert!(out.contains("    todo!(\"use it\");\n    true"), "{out}");
        assert!(!out.contains("1 + 1") && !out.contains("println"), "{out}");
        assert!(out.starts_with("// EXERCISE `demo`"));
    }

    #[test]
    fn malformed_fences_are_errors_naming_the_line() {
        let unclosed = "fn f() {\n    // BEGIN SOLUTION hint: x\n}\n";
        assert!(stub("u", unclosed)
            .unwrap_err()
            .contains("u.rs:2: fence never closed"));
        let no_hint = "fn f() {\n    // BEGIN SOLUTION\n    // END SOLUTION\n}\n";
        assert!(stub("h", no_hint)
            .unwrap_err()
            .contains("h.rs:2: a fence needs a hint"));
        let stray = "fn f() {\n    // END SOLUTION\n}\n";
        assert!(stub("s", stray)
            .unwrap_err()
            .contains("s.rs:2: END SOLUTION without BEGIN"));
        assert!(stub("n", "fn f() {}\n")
            .unwrap_err()
            .contains("no `// BEGIN SOLUTION`"));
    }
}
