//! The throwaway copy every grading run works in.
//!
//! A grading run never builds or runs in the course repository itself: it
//! copies the crate's sources, the submission's files (as regular files —
//! a symlink is refused) and a teacher's hidden tests into a fresh folder
//! under `target/grade/`, builds there and runs the tests with that folder
//! as their working directory. Whatever a test does to the files around
//! it, it does to the copy. The course's `tests/`, `course.toml` and the
//! hidden tests are snapshotted when the run starts and compared when it
//! ends, in the repository and in the copy: a difference voids the run.

use std::collections::BTreeMap;
use std::path::{Path, PathBuf};

/// What is copied from the repository: enough to build and test the crate.
const SOURCES: &[&str] = &[
    "Cargo.toml",
    "Cargo.lock",
    "build.rs",
    "course.toml",
    ".cargo",
    "src",
    "solutions",
    "tests",
    "benches",
    "examples",
    "xtask/Cargo.toml",
    "xtask/src",
];

/// The files whose change during a run voids it (relative to a root).
const GUARDED: &[&str] = &["tests", "course.toml", "solutions", "src", "build.rs"];

/// The largest submission file accepted (a source file, not a data dump).
pub const MAX_FILE: u64 = 1 << 20;

/// One grading run's copy.
pub struct Workspace {
    /// The course repository graded against.
    pub root: PathBuf,
    /// The copy: builds and tests happen here.
    pub dir: PathBuf,
    /// The submission's files inside the copy (`<dir>/exercises`).
    pub exercises: PathBuf,
    /// Where the submission came from, for messages and replay commands.
    pub origin: PathBuf,
    /// The hidden tests inside the copy, if any.
    pub hidden: Option<PathBuf>,
    /// Submission files not copied, and why (a symlink, too large).
    pub refused: BTreeMap<String, String>,
    /// Files of the repository and the hidden folder, as the run found them.
    snapshot: BTreeMap<PathBuf, Vec<u8>>,
    /// Held for the run: one grading run per repository at a time.
    _lock: RunLock,
}

impl Workspace {
    /// Copy the crate from `root`, `exercises` of `submission`, and the
    /// hidden tests, into a fresh folder. A missing file, a symlink, or a
    /// file that is not regular or too large is not copied: it is recorded
    /// in `refused` with the reason, and that exercise scores nothing.
    pub fn create(
        root: &Path,
        submission: &Path,
        exercises: &[String],
        hidden: Option<&Path>,
    ) -> Result<Workspace, String> {
        let lock = RunLock::take(&root.join("target/grade"))?;
        // Always the same folder: cargo keys the crate's build artifacts by
        // its path, so one folder reuses them instead of piling up a copy
        // per run. The lock keeps two runs out of it.
        let dir = root.join("target/grade/work");
        let _ = std::fs::remove_dir_all(&dir);
        std::fs::create_dir_all(&dir).map_err(|e| format!("{}: {e}", dir.display()))?;
        for part in SOURCES {
            let from = root.join(part);
            if from.exists() {
                copy_tree(&from, &dir.join(part))?;
            }
        }
        let student = dir.join("exercises");
        std::fs::create_dir_all(&student).map_err(|e| e.to_string())?;
        let mut refused = BTreeMap::new();
        for name in exercises {
            let from = submission.join(format!("{name}.rs"));
            let why = match std::fs::symlink_metadata(&from) {
                Err(e) => Some(format!("{}: {e}", from.display())),
                Ok(meta) if !meta.file_type().is_file() => Some(format!(
                    "{}: not a regular file (a symlink?); submit the file itself",
                    from.display()
                )),
                Ok(meta) if meta.len() > MAX_FILE => Some(format!(
                    "{}: {} bytes, over the {MAX_FILE} byte limit for a source file",
                    from.display(),
                    meta.len(),
                )),
                Ok(_) => std::fs::copy(&from, student.join(format!("{name}.rs")))
                    .err()
                    .map(|e| format!("{}: {e}", from.display())),
            };
            if let Some(why) = why {
                refused.insert(name.clone(), why);
            }
        }
        let hidden_copy = match hidden {
            Some(h) => {
                let to = dir.join("hidden");
                copy_tree(h, &to)?;
                hide_from_others(&to)?;
                Some(to)
            }
            None => None,
        };
        let mut ws = Workspace {
            root: root.to_path_buf(),
            dir,
            exercises: student,
            origin: submission.to_path_buf(),
            hidden: hidden_copy,
            refused,
            snapshot: BTreeMap::new(),
            _lock: lock,
        };
        ws.snapshot = ws.guarded_files(hidden);
        Ok(ws)
    }

    /// The guarded files of the repository and of the copy (keyed by
    /// which), plus the hidden folder.
    fn guarded_files(&self, hidden: Option<&Path>) -> BTreeMap<PathBuf, Vec<u8>> {
        let mut files = BTreeMap::new();
        for (tag, base) in [("repo", &self.root), ("copy", &self.dir)] {
            for part in GUARDED {
                read_tree(&base.join(part), &Path::new(tag).join(part), &mut files);
            }
        }
        if let Some(h) = hidden {
            read_tree(h, Path::new("hidden"), &mut files);
        }
        files
    }

    /// The guarded files of the copy that differ from the repository's
    /// (a test wrote them), each put back. Empty when untouched.
    pub fn restore_copy(&self) -> Vec<String> {
        let mut now = BTreeMap::new();
        for part in GUARDED {
            read_tree(
                &self.dir.join(part),
                &Path::new("copy").join(part),
                &mut now,
            );
        }
        let before: BTreeMap<&PathBuf, &Vec<u8>> = self
            .snapshot
            .iter()
            .filter(|(p, _)| p.starts_with("copy"))
            .collect();
        let mut changed = vec![];
        for (path, content) in &now {
            if before.get(path) != Some(&content) {
                changed.push(
                    path.strip_prefix("copy")
                        .unwrap_or(path)
                        .display()
                        .to_string(),
                );
            }
        }
        for path in before.keys() {
            if !now.contains_key(*path) {
                changed.push(
                    path.strip_prefix("copy")
                        .unwrap_or(path)
                        .display()
                        .to_string(),
                );
            }
        }
        if !changed.is_empty() {
            for part in GUARDED {
                let target = self.dir.join(part);
                let _ = std::fs::remove_dir_all(&target);
                let _ = std::fs::remove_file(&target);
                let _ = copy_tree(&self.root.join(part), &target);
            }
        }
        changed
    }

    /// End the run: every guarded file must be as it was (the copy's too,
    /// else a test rewrote a test), then the copy is removed.
    pub fn finish(self, hidden: Option<&Path>) -> Result<(), String> {
        let now = self.guarded_files(hidden);
        let mut changed: Vec<String> = vec![];
        for (path, before) in &self.snapshot {
            if now.get(path) != Some(before) {
                changed.push(path.display().to_string());
            }
        }
        changed.extend(
            now.keys()
                .filter(|p| !self.snapshot.contains_key(*p))
                .map(|p| format!("{} (new)", p.display())),
        );
        let _ = std::fs::remove_dir_all(&self.dir);
        if changed.is_empty() {
            Ok(())
        } else {
            Err(format!(
                "files of the course changed while it was graded, so this grade is void: {}",
                changed.join(", ")
            ))
        }
    }
}

/// An exclusive lock on `<dir>/lock` (flock), released when dropped.
struct RunLock {
    _file: std::fs::File,
}

impl RunLock {
    fn take(dir: &Path) -> Result<RunLock, String> {
        use std::os::fd::AsRawFd;
        std::fs::create_dir_all(dir).map_err(|e| format!("{}: {e}", dir.display()))?;
        let path = dir.join("lock");
        let file = std::fs::OpenOptions::new()
            .create(true)
            .truncate(false)
            .write(true)
            .open(&path)
            .map_err(|e| format!("{}: {e}", path.display()))?;
        // SAFETY: flock on a descriptor this function owns; no memory involved.
        if unsafe { libc::flock(file.as_raw_fd(), libc::LOCK_EX | libc::LOCK_NB) } != 0 {
            eprintln!("waiting for another grading run in this repository to finish…");
            // SAFETY: as above, blocking this time.
            if unsafe { libc::flock(file.as_raw_fd(), libc::LOCK_EX) } != 0 {
                return Err(format!(
                    "{}: {}",
                    path.display(),
                    std::io::Error::last_os_error()
                ));
            }
        }
        Ok(RunLock { _file: file })
    }
}

/// Copy a file or a folder (recursively); symlinks inside the course's own
/// tree are copied as what they point to. Each copy keeps its original's
/// modification time, so cargo sees unchanged course files as unchanged
/// and the next run reuses what this one built. (Submission files are
/// copied with a fresh time instead: an older file must never look like
/// what was built last.)
fn copy_tree(from: &Path, to: &Path) -> Result<(), String> {
    let meta = std::fs::metadata(from).map_err(|e| format!("{}: {e}", from.display()))?;
    if meta.is_dir() {
        std::fs::create_dir_all(to).map_err(|e| format!("{}: {e}", to.display()))?;
        let entries = std::fs::read_dir(from).map_err(|e| format!("{}: {e}", from.display()))?;
        for entry in entries {
            let entry = entry.map_err(|e| e.to_string())?;
            copy_tree(&entry.path(), &to.join(entry.file_name()))?;
        }
        Ok(())
    } else {
        if let Some(parent) = to.parent() {
            std::fs::create_dir_all(parent).map_err(|e| format!("{}: {e}", parent.display()))?;
        }
        std::fs::copy(from, to)
            .map_err(|e| format!("{} → {}: {e}", from.display(), to.display()))?;
        // Best effort: a copy with a fresh time is only rebuilt, never stale.
        let _ = meta.modified().and_then(|time| {
            std::fs::File::options()
                .write(true)
                .open(to)?
                .set_modified(time)
        });
        Ok(())
    }
}

/// Every file under `path` (or `path` itself), keyed under `key`.
fn read_tree(path: &Path, key: &Path, out: &mut BTreeMap<PathBuf, Vec<u8>>) {
    match std::fs::symlink_metadata(path) {
        Ok(meta) if meta.is_dir() => {
            if let Ok(entries) = std::fs::read_dir(path) {
                for entry in entries.flatten() {
                    read_tree(&entry.path(), &key.join(entry.file_name()), out);
                }
            }
        }
        Ok(_) => {
            out.insert(key.to_path_buf(), std::fs::read(path).unwrap_or_default());
        }
        Err(_) => {}
    }
}

/// Make `dir` readable by its owner only: when the grader is root, tests
/// run under other uids (see `crate::sandbox`) and cannot read it.
fn hide_from_others(dir: &Path) -> Result<(), String> {
    use std::os::unix::fs::PermissionsExt;
    std::fs::set_permissions(dir, std::fs::Permissions::from_mode(0o700))
        .map_err(|e| format!("{}: {e}", dir.display()))
}
