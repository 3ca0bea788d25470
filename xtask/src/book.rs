//! The book against the course, and the built book against itself.
//!
//! * Every exercise of `course.toml` has its chapter, listed in
//!   `book/src/SUMMARY.md`, with the sections a student looks for, in
//!   order: Goal, Background, Invariants, Hints, Grading, Bug zoo. The
//!   hint ladder is generated from `course.toml` (`cargo xtask exercises`
//!   writes it between two markers), so the book and `cargo xtask hint`
//!   never disagree; the bug zoo names every planted bug and shows at least
//!   one with what the checker printed.
//! * In the built book (`mdbook build book`), every relative `href` and
//!   `src` names a file that exists, and every `#fragment` an element id of
//!   its page.

use crate::manifest::{Course, Exercise};
use crate::Args;
use std::collections::{BTreeMap, BTreeSet};
use std::path::{Component, Path, PathBuf};

/// The line that opens a chapter's generated hint ladder.
const HINTS_BEGIN: &str =
    "<!-- hints: generated from course.toml by `cargo xtask exercises`; edit them there -->";
/// The line that closes it.
const HINTS_END: &str = "<!-- end of hints -->";
/// Width of the generated hint text, as the chapters are wrapped.
const WRAP: usize = 74;

/// `book [--built DIR]`: check the chapters, then the built book's links.
pub fn main(root: &Path, args: &[String]) -> Result<bool, String> {
    let args = Args::parse(args, &["built"], &["built"])?;
    if !args.names.is_empty() {
        return Err(format!(
            "`book` takes no names (got {:?}); usage: cargo xtask book [--built DIR]",
            args.names
        ));
    }
    let course = Course::load(root)?;
    let mut problems = chapter_problems(root, &course);
    let chapters = course.exercise.len();
    let built = match args.value("built") {
        Some(dir) => PathBuf::from(dir),
        None => root.join("book/build"),
    };
    if !built.join("index.html").exists() {
        return Err(format!(
            "{} has no index.html: build the book first (`mdbook build book`)",
            built.display()
        ));
    }
    let site = Site::read(&built)?;
    let (links, link_problems) = site.check();
    problems.extend(link_problems);
    for p in &problems {
        println!("book: {p}");
    }
    println!(
        "book: {chapters} exercise chapters checked against course.toml; \
         {links} links in {} pages checked; {} problem(s)",
        site.pages.len(),
        problems.len()
    );
    Ok(problems.is_empty())
}

/// The generated hint ladder of `ex`, markers included, one line each.
pub fn hints_block(ex: &Exercise) -> String {
    let mut out = format!("{HINTS_BEGIN}\n\n");
    for (i, hint) in ex.hints.iter().enumerate() {
        let number = format!("{}. ", i + 1);
        let indent = " ".repeat(number.len());
        let mut line = number.clone();
        for word in unbreakable(hint) {
            let width = |s: &str| s.chars().count();
            if width(&line) > indent.len() && width(&line) + 1 + width(&word) > WRAP {
                out.push_str(line.trim_end());
                out.push('\n');
                line = indent.clone();
            } else if line.len() > indent.len() {
                line.push(' ');
            }
            line.push_str(&word);
        }
        out.push_str(&line);
        out.push('\n');
    }
    out.push('\n');
    out.push_str(HINTS_END);
    out
}

/// The words of `text`, an inline code span (`` `like this` ``) kept as one.
fn unbreakable(text: &str) -> Vec<String> {
    let mut out: Vec<String> = vec![];
    let mut open = false;
    for word in text.split_whitespace() {
        match out.last_mut() {
            Some(last) if open => {
                last.push(' ');
                last.push_str(word);
            }
            _ => out.push(word.to_string()),
        }
        if word.matches('`').count() % 2 == 1 {
            open = !open;
        }
    }
    out
}

/// Put each exercise's generated hint ladder into its chapter (`write`),
/// or report the chapters whose ladder differs from `course.toml`.
pub fn sync_hints(root: &Path, course: &Course, write: bool) -> Vec<String> {
    let mut problems = vec![];
    for ex in &course.exercise {
        let path = root.join(&ex.chapter);
        let Ok(text) = std::fs::read_to_string(&path) else {
            continue; // a missing chapter is reported by the manifest check
        };
        let (Some(begin), Some(end)) = (text.find(HINTS_BEGIN), text.find(HINTS_END)) else {
            problems.push(format!(
                "{}: no generated hint ladder (put the two lines `{HINTS_BEGIN}` and \
                 `{HINTS_END}` under `## Hints`)",
                ex.chapter
            ));
            continue;
        };
        if end < begin {
            problems.push(format!("{}: the hint markers are swapped", ex.chapter));
            continue;
        }
        let block = hints_block(ex);
        if text[begin..end + HINTS_END.len()] == block {
            continue;
        }
        if write {
            let mut new = text[..begin].to_string();
            new.push_str(&block);
            new.push_str(&text[end + HINTS_END.len()..]);
            match std::fs::write(&path, new) {
                Ok(()) => println!("wrote the hint ladder of {}", ex.chapter),
                Err(e) => problems.push(format!("{}: {e}", path.display())),
            }
        } else {
            problems.push(format!(
                "{}: the hint ladder differs from course.toml's (run `cargo xtask exercises`)",
                ex.chapter
            ));
        }
    }
    problems
}

/// The sections an exercise chapter has, in this order: a heading that is
/// exactly the name, or that starts with it (`## Background: …`).
const SECTIONS: [(&str, bool); 6] = [
    ("Goal", true),
    ("Background", false),
    ("Invariants", true),
    ("Hints", true),
    ("Grading", false),
    ("Bug zoo", true),
];

/// What is wrong with the exercise chapters, checked against `course.toml`.
pub fn chapter_problems(root: &Path, course: &Course) -> Vec<String> {
    let mut problems = sync_hints(root, course, false);
    let summary = std::fs::read_to_string(root.join("book/src/SUMMARY.md")).unwrap_or_default();
    for ex in &course.exercise {
        let Ok(text) = std::fs::read_to_string(root.join(&ex.chapter)) else {
            problems.push(format!(
                "exercise `{}`: chapter {} is missing",
                ex.name, ex.chapter
            ));
            continue;
        };
        let place = ex.chapter.strip_prefix("book/src/").unwrap_or(&ex.chapter);
        if !summary.contains(&format!("]({place})")) {
            problems.push(format!(
                "exercise `{}`: its chapter {place} is not listed in book/src/SUMMARY.md",
                ex.name
            ));
        }
        for p in section_problems(ex, &text) {
            problems.push(format!("{}: {p}", ex.chapter));
        }
    }
    problems
}

/// The chapter's `## ` sections, as (heading, body) in order.
fn sections(text: &str) -> Vec<(&str, &str)> {
    let mut out: Vec<(&str, &str)> = vec![];
    let mut fenced = false;
    let mut offset = 0;
    let mut open: Option<(&str, usize)> = None;
    for line in text.split_inclusive('\n') {
        if line.trim_start().starts_with("```") {
            fenced = !fenced;
        }
        if !fenced {
            if let Some(heading) = line.strip_prefix("## ") {
                if let Some((h, start)) = open {
                    out.push((h, &text[start..offset]));
                }
                open = Some((heading.trim(), offset + line.len()));
            }
        }
        offset += line.len();
    }
    if let Some((h, start)) = open {
        out.push((h, &text[start..]));
    }
    out
}

fn section_problems(ex: &Exercise, text: &str) -> Vec<String> {
    let mut problems = vec![];
    let found = sections(text);
    let mut bodies = BTreeMap::new();
    let mut from = 0;
    for (name, exact) in SECTIONS {
        let hit = found[from..].iter().position(|(heading, _)| {
            if exact {
                *heading == name
            } else {
                heading.starts_with(name)
            }
        });
        match hit {
            Some(i) => {
                bodies.insert(name, found[from + i].1);
                from += i + 1;
            }
            None => problems.push(format!(
                "no `## {name}` section after the ones before it (an exercise chapter has \
                 {} in this order)",
                SECTIONS.map(|(n, _)| n).join(", ")
            )),
        }
    }
    if let Some(hints) = bodies.get("Hints") {
        if !hints.contains(HINTS_BEGIN) {
            problems.push("the hint ladder is not under `## Hints`".into());
        }
    }
    if let Some(grading) = bodies.get("Grading") {
        let command = format!("cargo xtask grade {}", ex.name);
        if !grading.contains(&command) {
            problems.push(format!("`## Grading` does not show `{command}`"));
        }
    }
    if let Some(zoo) = bodies.get("Bug zoo") {
        for bug in &ex.bug {
            if !zoo.contains(&format!("`{}`", bug.name)) {
                problems.push(format!(
                    "the bug zoo does not name the planted bug `{}`",
                    bug.name
                ));
            }
        }
        if !zoo.contains("```text") {
            problems
                .push("the bug zoo shows nothing the checker printed (no ```text block)".into());
        }
    }
    problems
}

/// The built book: each page's element ids and the links it makes.
struct Site {
    root: PathBuf,
    /// Every file of the built book, relative to its root.
    files: BTreeSet<PathBuf>,
    /// Each HTML page's ids and links (the attribute values, unescaped).
    pages: BTreeMap<PathBuf, Page>,
}

#[derive(Default)]
struct Page {
    ids: BTreeSet<String>,
    links: Vec<String>,
    /// The page's `<base href>`, which its relative links start from
    /// (mdbook gives one to `404.html`, which may be served at any path).
    base: Option<String>,
}

impl Site {
    fn read(root: &Path) -> Result<Site, String> {
        let mut site = Site {
            root: root.to_path_buf(),
            files: BTreeSet::new(),
            pages: BTreeMap::new(),
        };
        let mut dirs = vec![root.to_path_buf()];
        while let Some(dir) = dirs.pop() {
            let entries = std::fs::read_dir(&dir).map_err(|e| format!("{}: {e}", dir.display()))?;
            for entry in entries {
                let path = entry.map_err(|e| format!("{}: {e}", dir.display()))?.path();
                if path.is_dir() {
                    dirs.push(path);
                    continue;
                }
                let relative = path.strip_prefix(root).expect("under root").to_path_buf();
                if path.extension().is_some_and(|e| e == "html") {
                    let html = std::fs::read_to_string(&path)
                        .map_err(|e| format!("{}: {e}", path.display()))?;
                    site.pages.insert(relative.clone(), Page::parse(&html));
                }
                site.files.insert(relative);
            }
        }
        Ok(site)
    }

    /// How many links were checked, and what is wrong with them.
    fn check(&self) -> (usize, Vec<String>) {
        let mut problems = vec![];
        let mut count = 0;
        for (page, content) in &self.pages {
            for link in &content.links {
                count += 1;
                if let Err(why) = self.resolve(page, link) {
                    problems.push(format!("{}: link `{link}` {why}", page.display()));
                }
            }
        }
        (count, problems)
    }

    /// Check one link of `page`; external links are not followed.
    fn resolve(&self, page: &Path, link: &str) -> Result<(), String> {
        let external = [
            "http://",
            "https://",
            "mailto:",
            "data:",
            "javascript:",
            "//",
        ];
        if external.iter().any(|p| link.starts_with(p)) {
            return Ok(());
        }
        let (path, fragment) = match link.split_once('#') {
            Some((p, f)) => (p, Some(f)),
            None => (link, None),
        };
        let path = path.split('?').next().unwrap_or_default();
        let base = match self.pages.get(page).and_then(|p| p.base.as_deref()) {
            Some(base) => PathBuf::from(base.trim_start_matches('/')),
            None => page.parent().unwrap_or(Path::new("")).to_path_buf(),
        };
        let target = if path.is_empty() {
            page.to_path_buf()
        } else {
            let joined = match path.strip_prefix('/') {
                Some(from_root) => PathBuf::from(percent_decode(from_root)),
                None => base.join(percent_decode(path)),
            };
            let mut target = normalize(&joined).ok_or("leaves the book")?;
            if target.as_os_str().is_empty() || self.root.join(&target).is_dir() {
                target.push("index.html");
            }
            target
        };
        if !self.files.contains(&target) {
            return Err(format!(
                "names {}, which is not in the book",
                target.display()
            ));
        }
        match (fragment, self.pages.get(&target)) {
            (Some(f), Some(p)) if !f.is_empty() && !p.ids.contains(&percent_decode(f)) => Err(
                format!("names an anchor that {} does not have", target.display()),
            ),
            _ => Ok(()),
        }
    }
}

impl Page {
    /// The `id`, `href` and `src` attribute values of an HTML page. mdbook
    /// writes attributes in double quotes; script bodies are skipped.
    fn parse(html: &str) -> Page {
        let mut page = Page::default();
        let mut rest = html;
        while let Some(at) = rest.find('<') {
            rest = &rest[at + 1..];
            if rest.starts_with("script") {
                if let Some(end) = rest.find("</script>") {
                    // The tag itself may carry a `src`.
                    let tag_end = rest.find('>').unwrap_or(end);
                    page.take_attributes(&rest[..tag_end]);
                    rest = &rest[end..];
                }
                continue;
            }
            let end = rest.find('>').unwrap_or(rest.len());
            page.take_attributes(&rest[..end]);
            rest = &rest[end..];
        }
        page
    }

    fn take_attributes(&mut self, tag: &str) {
        let base = tag.starts_with("base ");
        for (name, value) in attributes(tag) {
            match name {
                "href" if base => self.base = Some(unescape(value)),
                "id" => {
                    self.ids.insert(unescape(value));
                }
                "href" | "src" => self.links.push(unescape(value)),
                _ => {}
            }
        }
    }
}

/// The `name="value"` pairs of one tag's text.
fn attributes(tag: &str) -> Vec<(&str, &str)> {
    let mut out = vec![];
    let mut rest = tag;
    while let Some(eq) = rest.find("=\"") {
        let name = rest[..eq]
            .rsplit(|c: char| c.is_whitespace())
            .next()
            .unwrap_or_default();
        let after = &rest[eq + 2..];
        let Some(close) = after.find('"') else { break };
        out.push((name, &after[..close]));
        rest = &after[close + 1..];
    }
    out
}

/// `a/./b/../c` as `a/c`; `None` when it climbs above the book's root.
fn normalize(path: &Path) -> Option<PathBuf> {
    let mut out = PathBuf::new();
    for part in path.components() {
        match part {
            Component::CurDir => {}
            Component::ParentDir => {
                if !out.pop() {
                    return None;
                }
            }
            Component::Normal(p) => out.push(p),
            Component::RootDir | Component::Prefix(_) => return None,
        }
    }
    Some(out)
}

fn unescape(s: &str) -> String {
    s.replace("&quot;", "\"")
        .replace("&#39;", "'")
        .replace("&lt;", "<")
        .replace("&gt;", ">")
        .replace("&amp;", "&")
}

fn percent_decode(s: &str) -> String {
    let bytes = s.as_bytes();
    let mut out = Vec::with_capacity(bytes.len());
    let mut i = 0;
    while i < bytes.len() {
        let hex = bytes
            .get(i + 1..i + 3)
            .and_then(|h| std::str::from_utf8(h).ok())
            .and_then(|h| u8::from_str_radix(h, 16).ok());
        match (bytes[i], hex) {
            (b'%', Some(b)) => {
                out.push(b);
                i += 3;
            }
            (b, _) => {
                out.push(b);
                i += 1;
            }
        }
    }
    String::from_utf8_lossy(&out).into_owned()
}

#[cfg(test)]
mod tests {
    use super::*;

    fn exercise(hints: &[&str]) -> Exercise {
        let text = format!(
            "[[exercise]]\nname='semaphore'\ntitle='t'\npoints=10\nworlds=['std']\n\
             chapter='c.md'\nhints={hints:?}\n[[exercise.bug]]\nname='if-not-while'\n\
             what='w'\nfind='f'\nreplace='r'\n"
        );
        let course: Course = toml::from_str(&text).unwrap();
        course.exercise[0].clone()
    }

    const GOOD: &str = "# Semaphores\n\n## Goal\n\ng\n\n## Background: counting\n\nb\n\n\
        ## Invariants\n\ni\n\n## Hints\n\nHINTS\n\n## Grading\n\n\
        `cargo xtask grade semaphore`\n\n## Bug zoo\n\n| `if-not-while` | w |\n\n\
        ### `if-not-while`\n\n```text\nfailed\n```\n";

    fn chapter(ex: &Exercise) -> String {
        GOOD.replace("HINTS", &hints_block(ex))
    }

    #[test]
    fn hints_are_numbered_and_wrapped() {
        let long = "word ".repeat(40);
        let block = hints_block(&exercise(&["short one", long.trim()]));
        let lines: Vec<&str> = block.lines().collect();
        assert_eq!(lines[2], "1. short one");
        assert!(lines[3].starts_with("2. word word"));
        assert!(lines[4].starts_with("   word"), "{block}");
        let text = || block.lines().filter(|l| !l.starts_with("<!--"));
        assert!(text().all(|l| l.chars().count() <= WRAP), "{block}");
        let code = hints_block(&exercise(&[&format!(
            "{} `proclab sched --trace` x",
            long.trim()
        )]));
        assert!(
            code.contains("`proclab sched --trace`"),
            "a code span is not broken: {code}"
        );
        assert_eq!(lines.last(), Some(&HINTS_END));
    }

    #[test]
    fn a_complete_chapter_passes() {
        let ex = exercise(&["h1", "h2"]);
        assert_eq!(section_problems(&ex, &chapter(&ex)), Vec::<String>::new());
    }

    #[test]
    fn missing_or_misordered_sections_are_named() {
        let ex = exercise(&["h1"]);
        let text = chapter(&ex).replace("## Invariants", "## Rules");
        let problems = section_problems(&ex, &text);
        assert!(problems[0].contains("`## Invariants`"), "{problems:?}");
        // Hints before Background: Background is found, Hints is not after it.
        let text = chapter(&ex)
            .replace("## Background: counting", "## Other")
            .replace("## Grading", "## Background: late\n\n## Grading");
        let problems = section_problems(&ex, &text);
        assert!(
            problems.iter().any(|p| p.contains("`## Invariants`")),
            "{problems:?}"
        );
    }

    #[test]
    fn the_zoo_names_every_bug_and_shows_one() {
        let ex = exercise(&["h1"]);
        let text = chapter(&ex).replace("`if-not-while`", "`other`");
        let problems = section_problems(&ex, &text);
        assert!(
            problems.iter().any(|p| p.contains("`if-not-while`")),
            "{problems:?}"
        );
        let text = chapter(&ex).replace("```text", "```rust");
        let problems = section_problems(&ex, &text);
        assert!(
            problems
                .iter()
                .any(|p| p.contains("nothing the checker printed")),
            "{problems:?}"
        );
        let text = chapter(&ex).replace("grade semaphore", "grade");
        assert!(section_problems(&ex, &text)[0].contains("`## Grading` does not show"));
    }

    #[test]
    fn a_heading_inside_a_code_block_is_not_a_section() {
        let text = "## Goal\n\n```text\n## Bug zoo\n```\n";
        let found = sections(text);
        assert_eq!(found.len(), 1);
        assert_eq!(found[0].0, "Goal");
    }

    fn site(pages: &[(&str, &str)]) -> Site {
        let mut site = Site {
            root: PathBuf::from("/nonexistent-book"),
            files: BTreeSet::new(),
            pages: BTreeMap::new(),
        };
        for (path, html) in pages {
            site.files.insert(PathBuf::from(path));
            site.pages.insert(PathBuf::from(path), Page::parse(html));
        }
        site.files.insert(PathBuf::from("img/a b.svg"));
        site
    }

    #[test]
    fn links_and_anchors_are_resolved() {
        let site = site(&[
            (
                "index.html",
                r##"<h2 id="top">T</h2><a href="part/ch.html#goal">x</a>
                   <a href="https://example.org/x">e</a><a href="#top">t</a>
                   <img src="img/a%20b.svg"><script>var s = '<a href="nowhere.html">';</script>"##,
            ),
            (
                "part/ch.html",
                r#"<h2 id="goal">G</h2><a href="../index.html#top">up</a>"#,
            ),
            (
                "404.html",
                r#"<base href="/"><a href="/">home</a><a href="part/ch.html">c</a>"#,
            ),
        ]);
        let (count, problems) = site.check();
        assert_eq!(problems, Vec::<String>::new());
        assert_eq!(count, 7, "the link inside a script body is not counted");
    }

    #[test]
    fn broken_links_and_anchors_are_named() {
        let site = site(&[(
            "part/ch.html",
            r##"<a href="missing.html">m</a><a href="ch.html#nope">n</a>
               <a href="../../outside.html">o</a><a href="&quot;#gone">q</a>"##,
        )]);
        let (_, problems) = site.check();
        assert_eq!(problems.len(), 4, "{problems:?}");
        assert!(problems[0].contains("part/missing.html, which is not in the book"));
        assert!(problems[1].contains("anchor that part/ch.html does not have"));
        assert!(problems[2].contains("leaves the book"));
    }
}
