//! The tests an exercise is graded on, in one world: what the course's own
//! build of its test targets lists (`--list`), so that no student code runs
//! to say what will be graded — nothing a submission does can add, drop or
//! rename a test.
//!
//! The list depends only on the course's sources (the tests, the crate, a
//! teacher's hidden tests), never on the submission, so it is kept under
//! `target/grade/lists/`, keyed by a hash of those sources, and the course
//! build is made only when they changed.

use crate::run;
use crate::sandbox::Limits;
use crate::workspace::Workspace;
use crate::world::{self, Built, Code, World};
use std::hash::{Hash, Hasher};
use std::path::{Path, PathBuf};

/// The tests of one exercise in one world.
pub struct Listing {
    /// Its own test target's tests, by libtest name.
    pub own: Vec<String>,
    /// The hidden target's tests (all exercises'; the caller keeps its own).
    pub hidden: Vec<String>,
}

/// The tests of `exercise` in `world`, from the cache or the course's build.
pub fn tests(
    ws: &Workspace,
    world: World,
    exercise: &str,
    limits: Limits,
) -> Result<Listing, String> {
    let cache = ws
        .root
        .join("target/grade/lists")
        .join(world.name())
        .join(format!("{exercise}-{:016x}.txt", sources_hash(ws)));
    if let Ok(text) = std::fs::read_to_string(&cache) {
        if let Some(listing) = parse(&text) {
            return Ok(listing);
        }
    }
    let (exe, hidden) = match world::build(ws, world, exercise, Code::Course)? {
        Built::Tests { exe, hidden } => (exe, hidden),
        Built::Error(e) => {
            return Err(format!(
                "the course itself does not build `{exercise}` in the {} world:\n{e}",
                world.name()
            ))
        }
    };
    let listing = Listing {
        own: run::list(&exe, &ws.dir, limits)?,
        hidden: match hidden {
            Some(h) => run::list(&h, &ws.dir, limits)?,
            None => vec![],
        },
    };
    if let Some(dir) = cache.parent() {
        let _ = std::fs::create_dir_all(dir);
    }
    let _ = std::fs::write(&cache, render(&listing));
    Ok(listing)
}

/// A hash of every file the lists can depend on.
fn sources_hash(ws: &Workspace) -> u64 {
    let mut hasher = std::collections::hash_map::DefaultHasher::new();
    let mut parts: Vec<PathBuf> = ["Cargo.toml", "build.rs", "src", "tests"]
        .iter()
        .map(|p| ws.dir.join(p))
        .collect();
    parts.extend(ws.hidden.clone());
    for part in parts {
        hash_tree(&part, &mut hasher);
    }
    hasher.finish()
}

fn hash_tree(path: &Path, hasher: &mut impl Hasher) {
    let Ok(meta) = std::fs::metadata(path) else {
        return;
    };
    if meta.is_dir() {
        let mut entries: Vec<PathBuf> = std::fs::read_dir(path)
            .map(|d| d.flatten().map(|e| e.path()).collect())
            .unwrap_or_default();
        entries.sort();
        for entry in entries {
            hash_tree(&entry, hasher);
        }
    } else {
        path.file_name().hash(hasher);
        std::fs::read(path).unwrap_or_default().hash(hasher);
    }
}

/// `own` tests one per line, a line `--- hidden`, then the hidden ones.
fn render(listing: &Listing) -> String {
    let mut text = listing.own.join("\n");
    text.push_str("\n--- hidden\n");
    text.push_str(&listing.hidden.join("\n"));
    text
}

fn parse(text: &str) -> Option<Listing> {
    let (own, hidden) = text.split_once("\n--- hidden\n")?;
    let lines = |t: &str| -> Vec<String> {
        t.lines()
            .filter(|l| !l.is_empty())
            .map(str::to_string)
            .collect()
    };
    Some(Listing {
        own: lines(own),
        hidden: lines(hidden),
    })
}

#[cfg(test)]
mod tests {
    #[test]
    fn a_listing_reads_back_as_written() {
        let listing = super::Listing {
            own: vec!["api::a".into(), "invariants::b".into()],
            hidden: vec![],
        };
        let back = super::parse(&super::render(&listing)).unwrap();
        assert_eq!(back.own, listing.own);
        assert!(back.hidden.is_empty());
    }
}
