//! `proclab ps`: the `/proc` parsers on fixed input, and the command on
//! real pre-forked servers (started with `std::process::Command`, never by
//! forking a test thread; loopback only; every server stopped, also when a
//! test fails).

#![cfg(not(any(loom, shuttle)))]

mod serve_common;

use proclab::master::ps::{
    exe_deleted, exe_name, format_cpu, format_start, is_server, masters, parse_args, parse_btime,
    parse_cmdline, parse_stat, render_json, render_table, role, tree, CivilTime, Clock, Options,
    ProcInfo, Role, StatFields,
};
use proclab::serve::cli::spawn_server;
use serde_json::Value;
use serve_common::Server;
use std::collections::BTreeMap;
use std::path::{Path, PathBuf};
use std::process::{Command, Output};
use std::time::{Duration, SystemTime, UNIX_EPOCH};

// ---------------------------------------------------------------------------
// Parsing, on fixed input.

/// A real line (from a shell), fields 1–22 and beyond.
const BASH_STAT: &str = "4242 (bash) S 4200 4242 4242 34816 4300 4194304 1234 5678 1 0 \
    250 75 3 4 20 0 1 0 987654 9000000 1100 18446744073709551615 1 1 0 0 0 0 65536 \
    3670020 1266777851 0 0 0 17 3 0 0 0 0 0";

#[test]
fn stat_fields_are_numbered_from_the_man_page() {
    let s = parse_stat(BASH_STAT).unwrap();
    assert_eq!(
        s,
        StatFields {
            pid: 4242,
            comm: "bash".into(),
            state: 'S',
            ppid: 4200,
            utime: 250,
            stime: 75,
            starttime: 987654,
        }
    );
}

#[test]
fn a_comm_with_spaces_and_parentheses_is_split_after_the_last_paren() {
    let line = BASH_STAT.replace("(bash)", "(a b) (c) ))");
    let s = parse_stat(&line).unwrap();
    assert_eq!(s.comm, "a b) (c) )");
    assert_eq!((s.pid, s.state, s.ppid), (4242, 'S', 4200));
    assert_eq!((s.utime, s.stime, s.starttime), (250, 75, 987654));

    let line = BASH_STAT.replace("(bash)", "(worker (1) Z 9)");
    let s = parse_stat(&line).unwrap();
    assert_eq!(s.comm, "worker (1) Z 9");
    assert_eq!((s.state, s.ppid), ('S', 4200));

    // An empty comm, and one that is only parentheses.
    assert_eq!(
        parse_stat(&BASH_STAT.replace("(bash)", "()")).unwrap().comm,
        ""
    );
    assert_eq!(
        parse_stat(&BASH_STAT.replace("(bash)", "(()))"))
            .unwrap()
            .comm,
        "())"
    );
}

#[test]
fn other_states_and_a_trailing_newline() {
    for state in ['R', 'D', 'Z', 'T', 't', 'I', 'X'] {
        let line = BASH_STAT.replace(") S ", &format!(") {state} ")) + "\n";
        assert_eq!(parse_stat(&line).unwrap().state, state);
    }
}

#[test]
fn malformed_stat_lines_are_errors_not_panics() {
    for bad in [
        "",
        "4242",
        "4242 bash S 1",
        "4242 (bash S 1 2 3",
        "4242 )bash( S 1",
        "x (bash) S 1 1 1 1 1 1 1 1 1 1 1 1 1 1 1 1 1 1 1",
        "4242 (bash) SS 4200",
        "4242 (bash) S notanumber",
        "4242 (bash) S 4200 1 2 3",
        "4242 (bash) S 4200 4242 4242 34816 4300 4194304 1234 5678 1 0 x 75 3 4 20 0 1 0 1",
    ] {
        assert!(parse_stat(bad).is_err(), "{bad:?} parsed");
    }
}

#[test]
fn cmdline_is_nul_separated() {
    assert_eq!(
        parse_cmdline(b"proclab\0serve\0--model\0prefork\0"),
        ["proclab", "serve", "--model", "prefork"]
    );
    // No final NUL (a process that rewrote its arguments), empty
    // arguments kept, a zombie's empty file.
    assert_eq!(parse_cmdline(b"a\0\0b"), ["a", "", "b"]);
    assert_eq!(parse_cmdline(b"a b"), ["a b"]);
    assert!(parse_cmdline(b"").is_empty());
    assert_eq!(parse_cmdline(b"\xff\0"), ["\u{fffd}"]);
}

#[test]
fn btime_comes_from_its_own_line() {
    let stat = "cpu  1 2 3 4\ncpu0 1 2 3 4\nintr 5 6\nctxt 99\nbtime 1700000000\nprocesses 7\n";
    assert_eq!(parse_btime(stat), Some(1_700_000_000));
    assert_eq!(parse_btime("cpu 1\nbtimex 5\n"), None);
    assert_eq!(parse_btime("btime x\n"), None);
}

#[test]
fn deleted_executables_and_names() {
    assert!(exe_deleted("/tmp/x/proclab (deleted)"));
    assert!(!exe_deleted("/usr/bin/proclab"));
    assert_eq!(exe_name("/tmp/x/proclab (deleted)"), "proclab");
    assert_eq!(exe_name("/usr/bin/proclab"), "proclab");
    assert_eq!(exe_name("./target/debug/proclab"), "proclab");
    assert_eq!(exe_name("proclab"), "proclab");
}

#[test]
fn cpu_time_is_minutes_seconds_hundredths() {
    assert_eq!(format_cpu(0, 100), "0:00.00");
    assert_eq!(format_cpu(7, 100), "0:00.07");
    assert_eq!(format_cpu(6123, 100), "1:01.23");
    assert_eq!(format_cpu(100 * 3600, 100), "60:00.00");
    assert_eq!(format_cpu(1, 250), "0:00.00");
    assert_eq!(format_cpu(3, 250), "0:00.01");
}

#[test]
fn civil_time_and_start_times() {
    let t = CivilTime::utc(1_700_000_000); // 2023-11-14 22:13:20 UTC
    assert_eq!(
        (t.year, t.month, t.day, t.hour, t.minute, t.second),
        (2023, 11, 14, 22, 13, 20)
    );
    let leap = CivilTime::utc(951_782_400); // 2000-02-29 00:00:00
    assert_eq!((leap.year, leap.month, leap.day), (2000, 2, 29));
    assert_eq!(CivilTime::utc(0).year, 1970);

    let later_same_day = CivilTime::utc(1_700_000_000 + 3600);
    assert_eq!(format_start(t, later_same_day), "22:13:20");
    let next_day = CivilTime::utc(1_700_000_000 + 86_400);
    assert_eq!(format_start(t, next_day), "2023-11-14T22:13");
}

#[test]
fn flags() {
    let args = |a: &[&str]| a.iter().map(|s| s.to_string()).collect::<Vec<_>>();
    assert_eq!(parse_args(&[]).unwrap(), Options::default());
    assert_eq!(
        parse_args(&args(&["--pid", "42", "--json"])).unwrap(),
        Options {
            pid: Some(42),
            json: true
        }
    );
    assert_eq!(parse_args(&args(&["--pid=7"])).unwrap().pid, Some(7));
    for (bad, named) in [
        (&["--pid"][..], "--pid"),
        (&["--pid", "x1"], "x1"),
        (&["--pid", "0"], "0"),
        (&["--pid", "-3"], "-3"),
        (&["--pid", "99999999999"], "99999999999"),
        (&["--pid", "1", "--pid", "2"], "twice"),
        (&["--tree"], "--tree"),
        (&["serve"], "serve"),
    ] {
        let e = parse_args(&args(bad)).unwrap_err();
        assert!(e.contains(named), "{bad:?}: {e}");
    }
}

// ---------------------------------------------------------------------------
// Roles and the tree, on a made-up process table.

fn proc(pid: i32, ppid: i32, exe: Option<&str>, argv: &[&str]) -> ProcInfo {
    ProcInfo {
        pid,
        ppid,
        state: 'S',
        comm: "proclab".into(),
        start_ticks: 500,
        cpu_ticks: 12,
        exe: exe.map(str::to_string),
        cmdline: argv.iter().map(|s| s.to_string()).collect(),
    }
}

fn table() -> BTreeMap<i32, ProcInfo> {
    let serve = ["proclab", "serve", "--model", "prefork"];
    let old = Some("/opt/proclab (deleted)");
    [
        proc(1, 0, None, &["/sbin/init"]),
        proc(100, 1, old, &serve),
        proc(102, 100, old, &serve),
        proc(101, 100, old, &serve),
        proc(103, 100, Some("/bin/sh"), &["sh", "-c", "true"]),
        // The new master an upgrade started: another executable.
        proc(200, 100, Some("/opt/proclab"), &["proclab", "master"]),
        proc(201, 200, Some("/opt/proclab"), &["proclab", "master"]),
        // `proclab ps` itself, and a server whose exe is unreadable (another
        // user's): its argv[0] decides.
        proc(300, 1, Some("/opt/proclab"), &["proclab", "ps"]),
        proc(400, 1, None, &["/usr/local/bin/proclab", "serve"]),
        proc(401, 400, None, &["/usr/local/bin/proclab", "serve"]),
        proc(500, 1, Some("/bin/serve"), &["serve", "serve"]),
        // A zombie worker: no cmdline, no exe.
        proc(402, 400, None, &[]),
    ]
    .into_iter()
    .map(|p| (p.pid, p))
    .collect()
}

#[test]
fn servers_masters_and_workers() {
    let t = table();
    let servers: Vec<i32> = t.values().filter(|p| is_server(p)).map(|p| p.pid).collect();
    assert_eq!(servers, [100, 101, 102, 200, 201, 400, 401]);
    assert_eq!(masters(&t), [100, 400]);
    let role_of = |pid: i32| role(&t[&pid], t.get(&t[&pid].ppid));
    assert_eq!(role_of(100), Role::Master);
    assert_eq!(role_of(101), Role::Worker);
    assert_eq!(role_of(103), Role::Other);
    assert_eq!(role_of(200), Role::Other);
    assert_eq!(role_of(201), Role::Worker);
    assert_eq!(role_of(401), Role::Worker);
    assert_eq!(role_of(402), Role::Other);
    assert_eq!(role_of(1), Role::Other);
    assert_eq!(t[&402].command(), "[proclab]");
}

#[test]
fn the_tree_lists_children_in_pid_order_under_their_parent() {
    let t = table();
    let listed: Vec<(i32, usize)> = tree(&t, &masters(&t))
        .iter()
        .map(|e| (e.info.pid, e.depth))
        .collect();
    assert_eq!(
        listed,
        [
            (100, 0),
            (101, 1),
            (102, 1),
            (103, 1),
            (200, 1),
            (201, 2),
            (400, 0),
            (401, 1),
            (402, 1)
        ]
    );
    let entries = tree(&t, &[100]);
    assert_eq!(entries[0].children, [101, 102, 103, 200]);
    // A pid not in the table lists nothing; one reached twice, once.
    assert!(tree(&t, &[12345]).is_empty());
    assert_eq!(tree(&t, &[200, 201, 200]).len(), 2);
}

#[test]
fn table_and_json_renderings() {
    let t = table();
    let entries = tree(&t, &[100]);
    let clock = Clock {
        ticks_per_second: 100,
        boot_time: 1_700_000_000,
    };
    let text = render_table(&entries, &clock, 1_700_000_100);
    let lines: Vec<&str> = text.lines().collect();
    let header: Vec<&str> = lines[0].split_whitespace().collect();
    assert_eq!(
        header,
        ["PID", "PPID", "S", "START", "TIME", "ROLE", "EXE", "COMMAND"]
    );
    let row: Vec<&str> = lines[2].split_whitespace().collect();
    assert_eq!(row[..3], ["101", "100", "S"]);
    assert_eq!(row[4..7], ["0:00.12", "worker", "deleted"]);
    assert_eq!(row[7..], ["\\_", "proclab", "serve", "--model", "prefork"]);
    assert!(text.contains("(deleted)"), "no footnote:\n{text}");
    assert!(lines[6].contains("   \\_ proclab master"), "{text}");

    let fresh = tree(&t, &[300]);
    assert!(!render_table(&fresh, &clock, 1_700_000_100).contains("(deleted)"));

    let json: Value = serde_json::from_str(&render_json(&entries, &clock)).unwrap();
    let first = &json[0];
    assert_eq!(first["pid"], 100);
    assert_eq!(first["ppid"], 1);
    assert_eq!(first["state"], "S");
    assert_eq!(first["role"], "master");
    assert_eq!(first["start_time"], 1_700_000_005.0);
    assert_eq!(first["cpu_seconds"], 0.12);
    assert_eq!(first["exe_deleted"], true);
    assert_eq!(first["cmdline"], "proclab serve --model prefork");
    assert_eq!(first["children"], serde_json::json!([101, 102, 103, 200]));
    assert_eq!(json[3]["exe"], "/bin/sh");

    let mut odd = table();
    odd.get_mut(&402).unwrap().cmdline = vec!["a \"q\"\n\\".into()];
    let json: Value = serde_json::from_str(&render_json(&tree(&odd, &[402]), &clock)).unwrap();
    assert_eq!(json[0]["cmdline"], "a \"q\"\n\\");
    assert_eq!(json[0]["exe"], Value::Null);
    assert_eq!(render_json(&[], &clock).trim(), "[]");
}

// ---------------------------------------------------------------------------
// The command, on real servers.

fn ps(args: &[&str]) -> Output {
    Command::new(env!("CARGO_BIN_EXE_proclab"))
        .arg("ps")
        .args(args)
        .output()
        .expect("run proclab ps")
}

/// `proclab ps ARGS --json`, parsed; it must succeed.
fn ps_json(args: &[&str]) -> Vec<Value> {
    let out = ps(&[args, &["--json"]].concat());
    assert!(
        out.status.success(),
        "proclab ps {args:?} --json: {:?}\n{}",
        out.status,
        String::from_utf8_lossy(&out.stderr)
    );
    let text = String::from_utf8(out.stdout).expect("UTF-8 output");
    match serde_json::from_str(&text) {
        Ok(Value::Array(list)) => list,
        other => panic!("not a JSON array ({other:?}):\n{text}"),
    }
}

const PREFORK: [&str; 6] = [
    "--model",
    "prefork",
    "--workers",
    "2",
    "--listen",
    "127.0.0.1:0",
];

fn now() -> f64 {
    SystemTime::now()
        .duration_since(UNIX_EPOCH)
        .unwrap()
        .as_secs_f64()
}

/// The master and its two workers, as `--pid MASTER --json` shows them:
/// checked field by field; returns the objects.
fn check_master_and_workers(master: u32, workers: &[u32], deleted: bool) -> Vec<Value> {
    let list = ps_json(&["--pid", &master.to_string()]);
    assert_eq!(list.len(), 3, "master and two workers expected: {list:#?}");
    let mut expected_workers: Vec<u64> = workers.iter().map(|&w| u64::from(w)).collect();
    expected_workers.sort();
    assert_eq!(list[0]["pid"], master);
    assert_eq!(list[0]["role"], "master");
    assert_eq!(list[0]["depth"], 0);
    assert_eq!(list[0]["children"], serde_json::json!(expected_workers));
    let now = now();
    for (p, want) in list.iter().zip([None, Some(0), Some(1)]) {
        if let Some(i) = want {
            assert_eq!(p["pid"], expected_workers[i], "{p}");
            assert_eq!(p["ppid"], master, "{p}");
            assert_eq!(p["role"], "worker", "{p}");
            assert_eq!(p["depth"], 1, "{p}");
        }
        let state = p["state"].as_str().unwrap();
        assert!(state.len() == 1 && "RSD".contains(state), "{p}");
        let start = p["start_time"].as_f64().unwrap();
        assert!(
            start > now - 60.0 && start < now + 2.0,
            "start_time {start}, now {now}: {p}"
        );
        let cpu = p["cpu_seconds"].as_f64().unwrap();
        assert!((0.0..60.0).contains(&cpu), "{p}");
        assert!(p["cmdline"].as_str().unwrap().contains("serve"), "{p}");
        assert_eq!(p["exe_deleted"], deleted, "{p}");
        assert_eq!(
            p["exe"].as_str().unwrap().ends_with(" (deleted)"),
            deleted,
            "{p}"
        );
    }
    list
}

/// The text table for `--pid MASTER`: rows `PID PPID S START TIME ROLE
/// EXE COMMAND…`.
fn check_table(master: u32, workers: &[u32], deleted: bool) -> String {
    let out = ps(&["--pid", &master.to_string()]);
    let text = String::from_utf8_lossy(&out.stdout).into_owned();
    assert!(
        out.status.success(),
        "{:?}: {}",
        out.status,
        String::from_utf8_lossy(&out.stderr)
    );
    let rows: Vec<Vec<&str>> = text
        .lines()
        .skip(1)
        .take_while(|l| !l.is_empty())
        .map(|l| l.split_whitespace().collect())
        .collect();
    assert_eq!(rows.len(), 3, "{text}");
    let exe = if deleted { "deleted" } else { "-" };
    for row in &rows {
        let pid: u32 = row[0].parse().unwrap();
        let (ppid_ok, role) = if pid == master {
            (true, "master")
        } else {
            (row[1] == master.to_string(), "worker")
        };
        assert!(
            ppid_ok && (pid == master || workers.contains(&pid)),
            "{text}"
        );
        assert!(
            ["R", "S", "D"].contains(&row[2]) && row[5] == role && row[6] == exe,
            "{text}"
        );
        assert!(row[7..].contains(&"serve"), "{text}");
    }
    assert_eq!(text.contains("(deleted)"), deleted, "footnote:\n{text}");
    text
}

#[test]
fn a_prefork_master_and_its_two_workers() {
    let server = Server::start(&PREFORK);
    let master = server.child.id();
    let workers: Vec<u32> = server.children_settle(2).iter().map(|w| w.0).collect();
    assert_eq!(workers.len(), 2, "two workers expected");

    let text = check_table(master, &workers, false);
    eprintln!("proclab ps --pid {master}:\n{text}");
    check_master_and_workers(master, &workers, false);

    // Without --pid: found as a master (other servers may be running).
    let all = ps_json(&[]);
    let mine: Vec<&Value> = all
        .iter()
        .filter(|p| p["pid"] == master || p["ppid"] == master)
        .collect();
    assert_eq!(mine.len(), 3, "{all:#?}");
    assert_eq!(mine[0]["role"], "master");
    assert_eq!(mine[0]["depth"], 0);
    // A worker by itself.
    let one = ps_json(&["--pid", &workers[0].to_string()]);
    assert_eq!(one.len(), 1);
    assert_eq!(one[0]["role"], "worker");

    let (code, err) = server.stop();
    assert_eq!(code, 0, "{err}");
}

#[test]
fn bad_input_exits_2_naming_it() {
    for (args, named) in [
        (&["--pid", "999999999"][..], "999999999"),
        (&["--pid", "12ab"], "12ab"),
        (&["--pid"], "--pid"),
        (&["--frobnicate"], "--frobnicate"),
        (&["--json", "extra"], "extra"),
    ] {
        let out = ps(args);
        let err = String::from_utf8_lossy(&out.stderr);
        assert_eq!(out.status.code(), Some(2), "{args:?}: {err}");
        assert!(err.contains(named), "{args:?}: {err}");
        assert!(!err.contains("panicked"), "{args:?}: {err}");
        assert!(out.stdout.is_empty(), "{args:?}");
    }
    assert!(ps(&["--help"]).status.success());
}

/// A directory of the test's own, removed when dropped.
struct TempDir(PathBuf);

impl TempDir {
    fn new(tag: &str) -> TempDir {
        let path = std::env::temp_dir().join(format!("proclab-ps-{tag}-{}", std::process::id()));
        let _ = std::fs::remove_dir_all(&path);
        std::fs::create_dir_all(&path).expect("create a temporary directory");
        TempDir(path)
    }
}

impl Drop for TempDir {
    fn drop(&mut self) {
        let _ = std::fs::remove_dir_all(&self.0);
    }
}

/// `exe serve ARGS`, retrying while the freshly written executable is
/// still open for writing in a child another test thread is forking
/// (`ETXTBSY`, until that child's `exec` closes it).
fn spawn_copy(exe: &Path, args: &[&str]) -> Server {
    let mut tries = 0;
    loop {
        match spawn_server(exe, args) {
            Ok((child, addr)) => return Server { child, addr },
            Err(e) if e.raw_os_error() == Some(nix::libc::ETXTBSY) && tries < 100 => {
                tries += 1;
                std::thread::sleep(Duration::from_millis(20));
            }
            Err(e) => panic!("start {}: {e}", exe.display()),
        }
    }
}

#[test]
fn workers_of_a_deleted_binary_are_flagged() {
    let dir = TempDir::new("deleted");
    let copy = dir.0.join("proclab");
    std::fs::copy(env!("CARGO_BIN_EXE_proclab"), &copy).expect("copy the binary");
    let server = spawn_copy(&copy, &PREFORK);
    let master = server.child.id();
    let workers: Vec<u32> = server.children_settle(2).iter().map(|w| w.0).collect();
    assert_eq!(workers.len(), 2, "two workers expected");
    check_master_and_workers(master, &workers, false);

    std::fs::remove_file(&copy).expect("delete the copy");
    let list = check_master_and_workers(master, &workers, true);
    assert_eq!(
        list[0]["exe"].as_str().unwrap(),
        format!("{} (deleted)", copy.display())
    );
    let text = check_table(master, &workers, true);
    eprintln!("proclab ps --pid {master}:\n{text}");
    // Still recognised as proclab by default: the name without " (deleted)".
    let all = ps_json(&[]);
    assert!(
        all.iter()
            .any(|p| p["pid"] == master && p["role"] == "master"),
        "{all:#?}"
    );

    let (code, err) = server.stop();
    assert_eq!(code, 0, "{err}");
}
