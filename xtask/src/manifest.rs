//! `course.toml`: the exercises, their points, hints, chapters and planted bugs.

use serde::Deserialize;
use std::path::Path;

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Course {
    pub exercise: Vec<Exercise>,
}

#[derive(Debug, Deserialize, Clone)]
#[serde(deny_unknown_fields)]
pub struct Exercise {
    /// Module and file name: `solutions/<name>.rs`, `exercises/<name>.rs`,
    /// test target `tests/<name>.rs`.
    pub name: String,
    pub title: String,
    pub points: u32,
    /// Worlds whose tests count: any of "std", "loom", "shuttle".
    pub worlds: Vec<String>,
    /// The book chapter, relative to the project root.
    pub chapter: String,
    /// Hints, from a nudge to nearly the answer.
    pub hints: Vec<String>,
    #[serde(default)]
    pub bug: Vec<Bug>,
}

#[derive(Debug, Deserialize, Clone)]
#[serde(deny_unknown_fields)]
pub struct Bug {
    pub name: String,
    /// What is wrong, for the report.
    pub what: String,
    /// Text of the solution to replace; must occur exactly once.
    pub find: String,
    pub replace: String,
    /// Further replacements, for a bug that touches several places.
    #[serde(default)]
    pub also: Vec<Edit>,
    /// Worlds that must each reject the bug; empty means "any world".
    #[serde(default)]
    pub caught_by: Vec<String>,
}

pub const WORLDS: [&str; 3] = ["std", "loom", "shuttle"];

/// The width of a table's exercise column: `least`, or the longest name
/// shown, so that every row's columns line up.
pub fn name_width<'a>(names: impl IntoIterator<Item = &'a str>, least: usize) -> usize {
    names.into_iter().map(str::len).fold(least, usize::max)
}

#[derive(Debug, Deserialize, Clone)]
#[serde(deny_unknown_fields)]
pub struct Edit {
    pub find: String,
    pub replace: String,
}

impl Course {
    pub fn load(root: &Path) -> Result<Course, String> {
        let path = root.join("course.toml");
        let text =
            std::fs::read_to_string(&path).map_err(|e| format!("{}: {e}", path.display()))?;
        let course: Course = toml::from_str(&text).map_err(|e| format!("course.toml: {e}"))?;
        for ex in &course.exercise {
            for w in ex
                .worlds
                .iter()
                .chain(ex.bug.iter().flat_map(|b| &b.caught_by))
            {
                if !WORLDS.contains(&w.as_str()) {
                    return Err(format!(
                        "course.toml: exercise `{}` names world `{w}`; worlds are {WORLDS:?}",
                        ex.name
                    ));
                }
            }
        }
        Ok(course)
    }

    /// The exercises named in `names` (all when empty), in course order.
    pub fn select(&self, names: &[String]) -> Result<Vec<Exercise>, String> {
        for n in names {
            if !self.exercise.iter().any(|e| &e.name == n) {
                let known: Vec<_> = self.exercise.iter().map(|e| e.name.as_str()).collect();
                return Err(format!(
                    "no exercise `{n}` in course.toml (exercises: {})",
                    known.join(", ")
                ));
            }
        }
        Ok(self
            .exercise
            .iter()
            .filter(|e| names.is_empty() || names.contains(&e.name))
            .cloned()
            .collect())
    }
}

impl Bug {
    /// The solution text with this bug planted, or why it cannot be.
    pub fn apply(&self, exercise: &str, solution: &str) -> Result<String, String> {
        let first = Edit {
            find: self.find.clone(),
            replace: self.replace.clone(),
        };
        let mut text = solution.to_string();
        for edit in std::iter::once(&first).chain(&self.also) {
            match text.matches(&edit.find).count() {
                1 => text = text.replacen(&edit.find, &edit.replace, 1),
                n => {
                    return Err(format!(
                        "planted bug `{exercise}/{}`: the text `{}` occurs {n} times in solutions/{exercise}.rs (must be exactly once)",
                        self.name,
                        edit.find.lines().next().unwrap_or("").trim()
                    ))
                }
            }
        }
        Ok(text)
    }
}

#[cfg(test)]
mod tests {
    use super::Bug;

    fn bug(find: &str) -> Bug {
        Bug {
            name: "b".into(),
            what: "w".into(),
            find: find.into(),
            replace: "Relaxed".into(),
            also: vec![],
            caught_by: vec![],
        }
    }

    #[test]
    fn a_bug_applies_only_where_its_text_occurs_exactly_once() {
        assert_eq!(
            bug("Release").apply("e", "store(Release)").unwrap(),
            "store(Relaxed)"
        );
        assert!(bug("Release")
            .apply("e", "Release Release")
            .unwrap_err()
            .contains("occurs 2 times"));
        assert!(bug("Acquire")
            .apply("e", "Release")
            .unwrap_err()
            .contains("occurs 0 times"));
    }
}
