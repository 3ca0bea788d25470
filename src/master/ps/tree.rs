//! Which processes `proclab ps` lists, and how: servers, their roles
//! (master, worker, other), and the tree below each master.

use super::procfs::{exe_name, ProcInfo};
use std::collections::{BTreeMap, BTreeSet};

/// Whether a process is a proclab server: its executable (or, when
/// `/proc/PID/exe` is unreadable, its `argv[0]`) is named `proclab`, and
/// one of its arguments is `serve` or `master`.
pub fn is_server(p: &ProcInfo) -> bool {
    let name = match (&p.exe, p.cmdline.first()) {
        (Some(exe), _) => exe_name(exe),
        (None, Some(argv0)) => exe_name(argv0),
        (None, None) => return false,
    };
    name == "proclab"
        && p.cmdline
            .iter()
            .skip(1)
            .any(|a| a == "serve" || a == "master")
}

/// A process's part in the master/worker model.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Role {
    /// A server process whose parent is not one.
    Master,
    /// A server process forked from a server running the same executable.
    Worker,
    /// Anything else: a child that `exec`ed another program, a new master
    /// started by a binary upgrade, any process that is not a server.
    Other,
}

impl Role {
    /// `master`, `worker` or `other`.
    pub fn name(self) -> &'static str {
        match self {
            Role::Master => "master",
            Role::Worker => "worker",
            Role::Other => "other",
        }
    }
}

/// The role of `p`, whose parent is `parent` (if it could be read).
///
/// A worker is forked, not `exec`ed: it runs its parent's executable, so
/// the two `/proc/PID/exe` links read the same (both ending in
/// `(deleted)` after an upgrade). A new master started by the old one for
/// an upgrade `exec`s the new binary: a different link.
pub fn role(p: &ProcInfo, parent: Option<&ProcInfo>) -> Role {
    if !is_server(p) {
        return Role::Other;
    }
    match parent.filter(|q| is_server(q)) {
        None => Role::Master,
        Some(q) => match (&p.exe, &q.exe) {
            (Some(a), Some(b)) if a != b => Role::Other,
            _ => Role::Worker,
        },
    }
}

/// One line of the listing: a process, its role, and where it sits in the
/// tree.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Entry {
    /// The process.
    pub info: ProcInfo,
    /// Its role.
    pub role: Role,
    /// 0 for a root of the listing, 1 for its children, and so on.
    pub depth: usize,
    /// Its children's pids, in increasing order.
    pub children: Vec<i32>,
}

/// The default roots: every server process whose parent is not a server
/// (the masters), in pid order.
pub fn masters(procs: &BTreeMap<i32, ProcInfo>) -> Vec<i32> {
    procs
        .values()
        .filter(|p| is_server(p) && !procs.get(&p.ppid).is_some_and(is_server))
        .map(|p| p.pid)
        .collect()
}

/// The processes under `roots`, each followed by its descendants
/// (children in pid order, depth-first): the order `proclab ps` prints
/// them in. A pid that is not in `procs` is skipped; a process is listed
/// once even if several roots reach it.
pub fn tree(procs: &BTreeMap<i32, ProcInfo>, roots: &[i32]) -> Vec<Entry> {
    let mut children: BTreeMap<i32, Vec<i32>> = BTreeMap::new();
    for p in procs.values() {
        // The kernel's idle task (pid 0) parents pids 1 and 2; no loops.
        if p.ppid != p.pid {
            children.entry(p.ppid).or_default().push(p.pid);
        }
    }
    let mut listed = BTreeSet::new();
    let mut entries = Vec::new();
    for &root in roots {
        let mut stack = vec![(root, 0)];
        while let Some((pid, depth)) = stack.pop() {
            let Some(info) = procs.get(&pid) else {
                continue;
            };
            if !listed.insert(pid) {
                continue;
            }
            let kids = children.get(&pid).cloned().unwrap_or_default();
            stack.extend(kids.iter().rev().map(|&k| (k, depth + 1)));
            entries.push(Entry {
                info: info.clone(),
                role: role(info, procs.get(&info.ppid)),
                depth,
                children: kids,
            });
        }
    }
    entries
}
