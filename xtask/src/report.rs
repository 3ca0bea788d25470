//! Machine-readable grade reports: Gradescope's `results.json` and JUnit XML.
//!
//! Both list one entry per test and world, named `exercise/world/test`, so
//! a teacher can see exactly which invariant failed where. Points are
//! carried by one entry per scoring unit (see `crate::score`).

use crate::grade::Graded;
use crate::manifest::Exercise;
use crate::run::Outcome;
use serde_json::{json, Value};
use std::collections::BTreeMap;
use std::fmt::Write as _;

/// One line of a report.
pub struct Entry {
    pub exercise: String,
    pub name: String,
    pub score: f64,
    pub max_score: f64,
    pub passed: bool,
    /// Why it failed ("" when it passed).
    pub output: String,
}

/// Every entry of a grading run, in course order: per exercise, one entry
/// per scoring unit (`crate::score`), carrying the points, then one entry
/// per test and world worth nothing by itself, so a teacher can see
/// exactly which invariant failed where.
pub fn entries(exercises: &[Exercise], results: &BTreeMap<String, Graded>) -> Vec<Entry> {
    let mut out = vec![];
    for ex in exercises {
        let g = &results[&ex.name];
        for unit in crate::score::units(ex, g) {
            out.push(Entry {
                exercise: ex.name.clone(),
                name: format!("{}/{}", ex.name, unit.name),
                score: unit.points(),
                max_score: unit.weight,
                passed: unit.passed,
                output: unit.why,
            });
        }
        for (world, tests) in &g.tests {
            for (test, outcome) in tests {
                let passed = outcome.as_ref().is_some_and(Outcome::passed);
                out.push(Entry {
                    exercise: ex.name.clone(),
                    name: format!("{}/{}/{}", ex.name, world.name(), test),
                    score: 0.0,
                    max_score: 0.0,
                    passed,
                    output: match outcome {
                        Some(Outcome::Fail(why)) => cap(why),
                        Some(Outcome::TimedOut(d)) => format!("timed out after {} s", d.as_secs()),
                        None => "not run".into(),
                        Some(Outcome::Pass) => String::new(),
                    },
                });
            }
        }
    }
    out
}

/// `text` cut to at most `max` bytes at a character boundary, with `…`
/// when something was cut (one line of a summary table).
pub fn shorten(text: &str, max: usize) -> String {
    if text.len() <= max {
        return text.to_string();
    }
    let cut = (0..=max)
        .rev()
        .find(|&i| text.is_char_boundary(i))
        .unwrap_or(0);
    format!("{}…", &text[..cut])
}

/// What a report shows of one test's output: at most `SHOWN` bytes.
fn cap(text: &str) -> String {
    const SHOWN: usize = 8 * 1024;
    if text.len() <= SHOWN {
        return text.to_string();
    }
    let cut = (0..=SHOWN)
        .rev()
        .find(|&i| text.is_char_boundary(i))
        .unwrap_or(0);
    format!(
        "{}\n[… {} more bytes not shown]",
        &text[..cut],
        text.len() - cut
    )
}

/// Gradescope's autograder `results.json`.
pub fn gradescope(entries: &[Entry], visibility: &dyn Fn(&Entry) -> &'static str) -> Value {
    let score: f64 = entries.iter().map(|e| e.score).sum();
    let max: f64 = entries.iter().map(|e| e.max_score).sum();
    json!({
        "score": round4(score),
        "output": format!("proclab: {:.1}/{:.0} points", score, max),
        // The grader's printed table names failing tests, hidden ones too.
        "stdout_visibility": if entries.iter().any(|e| visibility(e) != "visible") { "hidden" } else { "visible" },
        "tests": entries.iter().map(|e| json!({
            "name": e.name,
            // Unrounded, so that the shares of an exercise add up to its points.
            "score": e.score,
            "max_score": e.max_score,
            "status": if e.passed { "passed" } else { "failed" },
            "output": e.output,
            "visibility": visibility(e),
        })).collect::<Vec<_>>(),
    })
}

fn round4(x: f64) -> f64 {
    (x * 10_000.0).round() / 10_000.0
}

/// JUnit XML: one `<testsuite>` per exercise.
pub fn junit(exercises: &[Exercise], entries: &[Entry]) -> String {
    let mut xml =
        String::from("<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n<testsuites name=\"proclab\">\n");
    for ex in exercises {
        let mine: Vec<&Entry> = entries.iter().filter(|e| e.exercise == ex.name).collect();
        let failures = mine.iter().filter(|e| !e.passed).count();
        let _ = writeln!(
            xml,
            "  <testsuite name=\"{}\" tests=\"{}\" failures=\"{failures}\">",
            escape(&ex.name),
            mine.len()
        );
        for e in mine {
            let (class, test) = e.name.rsplit_once('/').unwrap_or((&e.exercise, &e.name));
            let _ = write!(
                xml,
                "    <testcase classname=\"{}\" name=\"{}\"",
                escape(class),
                escape(test)
            );
            if e.passed {
                xml.push_str("/>\n");
            } else {
                let _ = writeln!(
                    xml,
                    ">\n      <failure message=\"{}\"/>\n    </testcase>",
                    escape(&e.output)
                );
            }
        }
        xml.push_str("  </testsuite>\n");
    }
    xml.push_str("</testsuites>\n");
    xml
}

/// Escape text for an XML attribute; drop characters XML 1.0 forbids.
fn escape(text: &str) -> String {
    let mut out = String::with_capacity(text.len());
    for c in text.chars() {
        match c {
            '&' => out.push_str("&amp;"),
            '<' => out.push_str("&lt;"),
            '>' => out.push_str("&gt;"),
            '"' => out.push_str("&quot;"),
            '\n' => out.push_str("&#10;"),
            '\t' | '\r' => out.push(' '),
            c if (c as u32) < 0x20 => {}
            c => out.push(c),
        }
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    fn entry(name: &str, passed: bool, output: &str) -> Entry {
        Entry {
            exercise: "spinlock".into(),
            name: name.into(),
            score: if passed { 2.5 } else { 0.0 },
            max_score: 2.5,
            passed,
            output: output.into(),
        }
    }

    #[test]
    fn gradescope_json_has_the_fields_gradescope_reads() {
        let v = gradescope(
            &[
                entry("spinlock/std/a", true, ""),
                entry("spinlock/loom/b", false, "data race"),
            ],
            &|_| "visible",
        );
        assert_eq!(v["score"], 2.5);
        let t = &v["tests"][1];
        for field in [
            "name",
            "score",
            "max_score",
            "status",
            "output",
            "visibility",
        ] {
            assert!(!t[field].is_null(), "missing {field}");
        }
        assert_eq!(t["status"], "failed");
        assert_eq!(t["output"], "data race");
    }

    #[test]
    fn junit_escapes_and_counts_failures() {
        let ex: Vec<Exercise> = toml::from_str::<crate::manifest::Course>(
            "[[exercise]]\nname='spinlock'\ntitle='t'\npoints=5\nworlds=['std']\nchapter='c'\nhints=['h']\n",
        )
        .unwrap()
        .exercise;
        let xml = junit(
            &ex,
            &[
                entry("spinlock/std/a", true, ""),
                entry("spinlock/std/b", false, "x < \"y\"\u{1}\n"),
            ],
        );
        assert!(xml.contains("tests=\"2\" failures=\"1\""), "{xml}");
        assert!(
            xml.contains("message=\"x &lt; &quot;y&quot;&#10;\""),
            "{xml}"
        );
        assert!(
            xml.contains("<testcase classname=\"spinlock/std\" name=\"a\"/>"),
            "{xml}"
        );
    }
}
