//! `proclab master` with real processes: the crate's binary spawned with
//! a configuration in a temporary directory, driven over loopback with
//! the load generator and with signals, and watched through `/proc` and
//! its log. Every test is bounded, and stops (or kills) what it started.

#![cfg(not(any(loom, shuttle)))]

mod serve_common;

use nix::sys::signal::Signal;
use proclab::serve::load::{self, Load, LoadReport, Protocol};
use serve_common::Server;
use std::io::{Read, Write};
use std::net::TcpStream;
use std::path::{Path, PathBuf};
use std::sync::atomic::{AtomicBool, Ordering::SeqCst};
use std::sync::Arc;
use std::time::{Duration, Instant};

/// A temporary directory with a configuration file, removed on drop.
struct Site {
    dir: PathBuf,
}

impl Site {
    fn new(name: &str, workers: usize, extra: &str) -> Site {
        let dir =
            std::env::temp_dir().join(format!("proclab-master-{name}-{}", std::process::id()));
        let _ = std::fs::remove_dir_all(&dir);
        std::fs::create_dir_all(&dir).unwrap();
        let site = Site { dir };
        site.write_config(workers, extra);
        site
    }

    fn config(&self) -> PathBuf {
        self.dir.join("master.toml")
    }

    fn write_config(&self, workers: usize, extra: &str) {
        std::fs::write(
            self.config(),
            format!(
                "listen = [\"127.0.0.1:0\"]\nworkers = {workers}\nhandler = \"http\"\n\
                 log = \"master.log\"\npid_file = \"master.pid\"\nheartbeat_timeout_ms = 1500\n{extra}"
            ),
        )
        .unwrap();
    }

    fn log(&self) -> String {
        std::fs::read_to_string(self.dir.join("master.log")).unwrap_or_default()
    }
}

impl Drop for Site {
    fn drop(&mut self) {
        let _ = std::fs::remove_dir_all(&self.dir);
    }
}

/// Tests that measure connections under load take turns: two at once on
/// two cores would measure each other.
static UNDER_LOAD: std::sync::Mutex<()> = std::sync::Mutex::new(());

fn take_turn() -> std::sync::MutexGuard<'static, ()> {
    UNDER_LOAD.lock().unwrap_or_else(|e| e.into_inner())
}

/// Open descriptors of process `pid`.
fn fds_of(pid: u32) -> usize {
    std::fs::read_dir(format!("/proc/{pid}/fd")).map_or(0, |d| d.count())
}

/// The master's live workers (children not zombies).
fn workers(master: &Server) -> Vec<u32> {
    master
        .children()
        .into_iter()
        .filter(|(_, s)| *s != 'Z')
        .map(|(p, _)| p)
        .collect()
}

/// Wait up to 5 s for exactly `n` live workers and no zombie.
fn settle(master: &Server, n: usize) -> Vec<u32> {
    let left = master.children_settle(n);
    assert!(
        left.len() == n && left.iter().all(|(_, s)| *s != 'Z'),
        "expected {n} workers and no zombie, found {left:?}"
    );
    left.into_iter().map(|(p, _)| p).collect()
}

fn alive(pid: u32) -> bool {
    std::fs::read_to_string(format!("/proc/{pid}/stat")).is_ok_and(|s| {
        let state = s
            .rsplit_once(')')
            .map(|(_, r)| r.trim_start().chars().next());
        state != Some(Some('Z'))
    })
}

fn kill(pid: u32, signal: Signal) {
    let _ = nix::sys::signal::kill(nix::unistd::Pid::from_raw(pid as i32), signal);
}

/// Short HTTP connections from `clients` clients until `stop` is set; the
/// sum of the rounds.
fn load_until(
    addr: std::net::SocketAddr,
    clients: usize,
    stop: Arc<AtomicBool>,
) -> std::thread::JoinHandle<(usize, usize, Vec<String>)> {
    std::thread::spawn(move || {
        let (mut ok, mut errors, mut why) = (0, 0, Vec::new());
        while !stop.load(SeqCst) {
            let r: LoadReport = load::run(&Load {
                addr,
                clients,
                connections: 200,
                protocol: Protocol::Http,
                linger_zero: true,
                timeout: Duration::from_secs(5),
            });
            ok += r.ok;
            errors += r.errors;
            why.extend(r.first_errors);
        }
        (ok, errors, why)
    })
}

/// At the end of every test: a clean stop (QUIT), status 0, nothing left.
fn quit_cleanly(master: Server, site: &Site) {
    let pid = master.child.id();
    let before: Vec<u32> = workers(&master);
    master.signal(Signal::SIGQUIT);
    let (code, err) = master.stop_waiting();
    assert_eq!(code, 0, "master exit status after QUIT; stderr: {err}");
    for w in before {
        assert!(!alive(w), "worker {w} outlived its master {pid}");
    }
    assert!(
        !site.dir.join("master.pid").exists(),
        "the pid file is removed at exit"
    );
}

#[test]
fn a_worker_killed_every_100ms_under_load_is_replaced() {
    let _turn = take_turn();
    let site = Site::new("kill", 2, "");
    let master = Server::master(&site.config());
    let first = settle(&master, 2);
    let worker_fds = first.iter().map(|w| fds_of(*w)).max().unwrap_or(0);
    let baseline = master.fds();
    let stop = Arc::new(AtomicBool::new(false));
    let load = load_until(master.addr, 2, stop.clone());
    let started = Instant::now();
    let mut kills = 0;
    while started.elapsed() < Duration::from_secs(5) {
        std::thread::sleep(Duration::from_millis(100));
        let live = workers(&master);
        if let Some(&victim) = live.get(kills % live.len().max(1)) {
            kill(victim, Signal::SIGKILL);
            kills += 1;
        }
    }
    stop.store(true, SeqCst);
    let (ok, errors, why) = load.join().unwrap();
    let now = settle(&master, 2);
    for w in &now {
        // A sibling's CLOSE_CHANNEL may still be on its way: a moment.
        let deadline = Instant::now() + Duration::from_secs(2);
        while fds_of(*w) > worker_fds && Instant::now() < deadline {
            std::thread::sleep(Duration::from_millis(20));
        }
        let n = fds_of(*w);
        assert!(
            n <= worker_fds,
            "a respawned worker has {n} descriptors, a first one had {worker_fds}: \
             it inherited something of its predecessor's (its channel?)"
        );
    }
    assert!(
        now.iter().all(|p| !first.contains(p)),
        "every worker was killed at least once and replaced: first {first:?}, now {now:?}"
    );
    let rate = ok as f64 / (ok + errors) as f64;
    eprintln!("{kills} kills under load: {ok} connections ok, {errors} failed");
    assert!(
        rate >= 0.999,
        "{kills} kills: {ok} connections ok, {errors} failed ({:.3}%); first errors: {why:?}",
        100.0 * (1.0 - rate)
    );
    let after = master.settles_to(baseline);
    assert!(
        after <= baseline,
        "the master's descriptors grew: {baseline} before, {after} after"
    );
    assert!(
        site.log().matches("was killed by a signal").count() >= kills,
        "every kill is logged: {}",
        site.log()
    );
    quit_cleanly(master, &site);
}

#[test]
fn reloads_every_200ms_under_load_lose_no_connection() {
    let _turn = take_turn();
    let site = Site::new("hup", 2, "");
    let master = Server::master(&site.config());
    settle(&master, 2);
    let baseline = master.fds();
    let stop = Arc::new(AtomicBool::new(false));
    let load = load_until(master.addr, 4, stop.clone());
    let started = Instant::now();
    let mut reloads = 0;
    while started.elapsed() < Duration::from_secs(5) {
        std::thread::sleep(Duration::from_millis(200));
        master.signal(Signal::SIGHUP);
        reloads += 1;
    }
    stop.store(true, SeqCst);
    let (ok, errors, why) = load.join().unwrap();
    eprintln!("{reloads} reloads under load: {ok} connections ok, {errors} failed");
    assert_eq!(
        errors, 0,
        "{reloads} reloads: {ok} ok, {errors} failed: {why:?}"
    );
    assert!(ok > 0);
    settle(&master, 2);
    let after = master.settles_to(baseline);
    assert!(
        after <= baseline,
        "the master's descriptors grew: {baseline} before, {after} after"
    );
    assert!(
        site.log().matches("reloading: generation").count() >= reloads / 2,
        "reloads logged: {}",
        site.log()
    );
    quit_cleanly(master, &site);
}

#[test]
fn a_broken_config_on_reload_is_refused_and_the_old_workers_serve_on() {
    let site = Site::new("broken", 2, "");
    let master = Server::master(&site.config());
    let before = settle(&master, 2);
    std::fs::write(site.config(), "listen = [\"127.0.0.1:0\"]\nwrokers = 3\n").unwrap();
    master.signal(Signal::SIGHUP);
    let deadline = Instant::now() + Duration::from_secs(5);
    while !site.log().contains("reload refused") {
        assert!(
            Instant::now() < deadline,
            "no refusal logged: {}",
            site.log()
        );
        std::thread::sleep(Duration::from_millis(20));
    }
    assert!(
        site.log().contains("unknown key `wrokers`"),
        "the log names what is wrong: {}",
        site.log()
    );
    let mut after = settle(&master, 2);
    after.sort_unstable();
    let mut before = before;
    before.sort_unstable();
    assert_eq!(after, before, "the old workers keep serving");
    let r = serve_common::load(master.addr, Protocol::Http, 200);
    assert_eq!((r.ok, r.errors), (200, 0), "{r}");
    site.write_config(2, "");
    quit_cleanly(master, &site);
}

/// Connections in the middle of a request when QUIT arrives are served to
/// the end; the master exits after the last worker.
#[test]
fn quit_finishes_every_accepted_connection() {
    let site = Site::new("quit", 2, "");
    let master = Server::master(&site.config());
    settle(&master, 2);
    let mut held: Vec<TcpStream> = (0..6)
        .map(|_| {
            let mut s = TcpStream::connect(master.addr).unwrap();
            s.set_read_timeout(Some(Duration::from_secs(5))).unwrap();
            s.write_all(b"GET / HTTP/1.1\r\nHost: x\r\n").unwrap();
            s
        })
        .collect();
    // Give the workers time to accept them (they are half a request in).
    std::thread::sleep(Duration::from_millis(300));
    master.signal(Signal::SIGQUIT);
    std::thread::sleep(Duration::from_millis(200));
    let refused = TcpStream::connect(master.addr).map_err(|e| e.kind());
    assert_eq!(
        refused.map(|_| ()),
        Err(std::io::ErrorKind::ConnectionRefused),
        "after QUIT the port refuses new connections (master and workers closed their sockets)"
    );
    for s in &mut held {
        s.write_all(b"Connection: close\r\n\r\n").unwrap();
        let mut answer = String::new();
        s.read_to_string(&mut answer).unwrap();
        assert!(answer.starts_with("HTTP/1.1 200 OK"), "{answer:?}");
    }
    let (code, err) = master.stop_waiting();
    assert_eq!(code, 0, "{err}");
    assert!(site.log().contains("quitting"), "{}", site.log());
}

#[test]
fn terminate_with_a_stuck_worker_ends_everything_within_2s() {
    let site = Site::new("stuck", 2, "");
    let master = Server::master(&site.config());
    let all = settle(&master, 2);
    kill(all[0], Signal::SIGSTOP);
    let started = Instant::now();
    master.signal(Signal::SIGTERM);
    let (code, err) = master.stop_waiting();
    let took = started.elapsed();
    assert_eq!(code, 0, "{err}");
    for w in &all {
        assert!(!alive(*w), "worker {w} is still there");
    }
    assert!(took < Duration::from_secs(2), "the fast stop took {took:?}");
}

#[test]
fn workers_die_within_1s_of_a_killed_master() {
    let site = Site::new("orphans", 2, "");
    let mut master = Server::master(&site.config());
    let all = settle(&master, 2);
    master.child.kill().unwrap();
    master.child.wait().unwrap();
    let deadline = Instant::now() + Duration::from_secs(1);
    for w in all {
        while alive(w) {
            assert!(
                Instant::now() < deadline,
                "worker {w} outlived its master by 1 s"
            );
            std::thread::sleep(Duration::from_millis(10));
        }
    }
}

/// A worker whose loop stops (SIGSTOP stands in for an endless loop) is
/// killed when its heartbeat is older than the timeout, and replaced.
#[test]
fn a_hung_worker_is_killed_and_replaced() {
    let site = Site::new("hung", 2, "");
    let master = Server::master(&site.config());
    let all = settle(&master, 2);
    kill(all[0], Signal::SIGSTOP);
    let deadline = Instant::now() + Duration::from_secs(5);
    while alive(all[0]) {
        assert!(
            Instant::now() < deadline,
            "the stopped worker was not killed: {}",
            site.log()
        );
        std::thread::sleep(Duration::from_millis(50));
    }
    let now = settle(&master, 2);
    assert!(!now.contains(&all[0]));
    assert!(site.log().contains("silent for"), "{}", site.log());
    quit_cleanly(master, &site);
}

/// USR1 after a rotation: master and workers write to a new file.
#[test]
fn reopen_lets_go_of_a_rotated_log() {
    let site = Site::new("reopen", 2, "");
    let master = Server::master(&site.config());
    settle(&master, 2);
    std::fs::rename(site.dir.join("master.log"), site.dir.join("master.log.1")).unwrap();
    master.signal(Signal::SIGUSR1);
    std::thread::sleep(Duration::from_millis(300));
    quit_cleanly(master, &site);
    let fresh = site.log();
    assert!(
        fresh.contains("master exits") && fresh.contains("worker finished"),
        "the new log has the master's and the workers' lines: {fresh}"
    );
}

/// WINCH: the workers go, the master stays; HUP brings workers back.
#[test]
fn winch_stops_the_workers_and_hup_restarts_them() {
    let site = Site::new("winch", 2, "");
    let master = Server::master(&site.config());
    settle(&master, 2);
    master.signal(Signal::SIGWINCH);
    settle(&master, 0);
    assert!(
        master.child.id() > 0 && alive(master.child.id()),
        "the master stays"
    );
    master.signal(Signal::SIGHUP);
    settle(&master, 2);
    let r = serve_common::load(master.addr, Protocol::Http, 100);
    assert_eq!((r.ok, r.errors), (100, 0), "{r}");
    quit_cleanly(master, &site);
}

#[test]
fn a_bad_config_at_start_is_an_error_naming_it() {
    let dir = std::env::temp_dir().join(format!("proclab-master-bad-{}", std::process::id()));
    std::fs::create_dir_all(&dir).unwrap();
    let run = |text: &str| {
        let path = dir.join("bad.toml");
        std::fs::write(&path, text).unwrap();
        let out = std::process::Command::new(env!("CARGO_BIN_EXE_proclab"))
            .args(["master", "--config", path.to_str().unwrap()])
            .output()
            .unwrap();
        (
            out.status.code(),
            String::from_utf8_lossy(&out.stderr).into_owned(),
        )
    };
    for (text, says) in [
        ("workers = 2\n", "listen is required"),
        ("listen = [\"127.0.0.1:0\"]\nworkers = 0\n", "workers = 0"),
        (
            "listen = [\"127.0.0.1:0\"]\nhandler = \"gopher\"\n",
            "unknown handler `gopher`",
        ),
        ("listen = [\"nowhere\"]\n", "nowhere"),
        (
            "listen = [\"127.0.0.1:0\"]\nlog = \"no/such/dir/x.log\"\n",
            "does not exist",
        ),
        ("listen = \n", "not valid TOML"),
    ] {
        let (code, err) = run(text);
        assert_eq!(code, Some(2), "{text:?}: {err}");
        assert!(err.contains(says), "{text:?}: expected {says:?} in {err:?}");
    }
    let (code, err) = run_missing(&dir);
    assert_eq!(code, Some(2));
    assert!(err.contains("cannot read"), "{err}");
    let _ = std::fs::remove_dir_all(&dir);
}

fn run_missing(dir: &Path) -> (Option<i32>, String) {
    let out = std::process::Command::new(env!("CARGO_BIN_EXE_proclab"))
        .args([
            "master",
            "--config",
            dir.join("absent.toml").to_str().unwrap(),
        ])
        .output()
        .unwrap();
    (
        out.status.code(),
        String::from_utf8_lossy(&out.stderr).into_owned(),
    )
}

/// `examples/master.toml` is valid as shipped.
#[test]
fn the_example_config_is_valid() {
    let path = Path::new(env!("CARGO_MANIFEST_DIR")).join("examples/master.toml");
    let config = proclab::master::config::Config::load(&path).expect("examples/master.toml");
    assert_eq!(config.workers, 2);
}

/// The children of `pid` that are not zombies (`/proc`).
fn children_of(pid: u32) -> Vec<u32> {
    serve_common::children_of(pid)
        .into_iter()
        .filter(|(_, s)| *s != 'Z')
        .map(|(p, _)| p)
        .collect()
}

fn exe_deleted(pid: u32) -> bool {
    std::fs::read_link(format!("/proc/{pid}/exe"))
        .is_ok_and(|p| p.to_string_lossy().ends_with(" (deleted)"))
}

/// Wait up to 5 s for `ready`.
fn eventually(what: &str, mut ready: impl FnMut() -> bool) {
    let deadline = Instant::now() + Duration::from_secs(5);
    while !ready() {
        assert!(Instant::now() < deadline, "5 s and still not: {what}");
        std::thread::sleep(Duration::from_millis(20));
    }
}

/// USR2 under load, nginx's way: the binary on disk is replaced, the old
/// master starts it as a new master with the listening sockets, WINCH
/// retires the old workers, QUIT the old master. No connection fails, the
/// old processes show their executable deleted, and the new master runs
/// on after its parent is gone.
#[test]
fn a_binary_upgrade_under_load_loses_no_connection() {
    let _turn = take_turn();
    let site = Site::new("upgrade", 2, "");
    let exe = site.dir.join("proclab");
    std::fs::copy(env!("CARGO_BIN_EXE_proclab"), &exe).unwrap();
    let old = Server::master_from(&exe, &site.config());
    let (old_pid, addr) = (old.child.id(), old.addr);
    let old_workers = settle(&old, 2);
    // The new version arrives: a new file at the same path.
    std::fs::remove_file(&exe).unwrap();
    std::fs::copy(env!("CARGO_BIN_EXE_proclab"), &exe).unwrap();
    assert!(
        exe_deleted(old_pid),
        "the old master runs a deleted executable"
    );

    let stop = Arc::new(AtomicBool::new(false));
    let load = load_until(old.addr, 4, stop.clone());
    std::thread::sleep(Duration::from_millis(300));
    old.signal(Signal::SIGUSR2);
    let pid_file = site.dir.join("master.pid");
    let mut new_pid = 0;
    eventually("the new master writes its pid file", || {
        new_pid = std::fs::read_to_string(&pid_file)
            .ok()
            .and_then(|t| t.trim().parse().ok())
            .unwrap_or(0);
        new_pid != 0 && new_pid != old_pid
    });
    assert!(
        site.dir.join("master.pid.oldbin").exists(),
        "the old master's pid file is renamed .oldbin"
    );
    eventually("the new master has two workers", || {
        children_of(new_pid).len() == 2
    });
    for w in children_of(new_pid) {
        assert!(!exe_deleted(w), "a new worker runs the new binary");
    }
    for w in &old_workers {
        assert!(
            exe_deleted(*w),
            "an old worker shows its executable deleted"
        );
    }
    std::thread::sleep(Duration::from_millis(300));
    old.signal(Signal::SIGWINCH);
    eventually("the old workers are gone", || {
        old_workers.iter().all(|w| !alive(*w))
    });
    std::thread::sleep(Duration::from_millis(300));
    old.signal(Signal::SIGQUIT);
    let (code, err) = old.stop_waiting();
    assert_eq!(code, 0, "{err}");
    std::thread::sleep(Duration::from_millis(300));
    stop.store(true, SeqCst);
    let (ok, errors, why) = load.join().unwrap();
    eprintln!("binary upgrade under load: {ok} connections ok, {errors} failed");
    assert_eq!(errors, 0, "{ok} ok, {errors} failed: {why:?}");
    assert!(alive(new_pid), "the new master runs on");
    assert!(
        !site.dir.join("master.pid.oldbin").exists(),
        "the old master removed its .oldbin"
    );
    let r = serve_common::load(addr, Protocol::Http, 100);
    assert_eq!((r.ok, r.errors), (100, 0), "the new master serves: {r}");
    kill(new_pid, Signal::SIGQUIT);
    eventually("the new master exits on QUIT", || !alive(new_pid));
}

/// A new master that cannot start (here: the configuration was broken in
/// between) exits; the old master reaps it, takes its pid file back and
/// serves on.
#[test]
fn a_failed_upgrade_rolls_back() {
    let site = Site::new("rollback", 2, "");
    let master = Server::master(&site.config());
    let workers_before = settle(&master, 2);
    std::fs::write(site.config(), "listen = 3\n").unwrap();
    master.signal(Signal::SIGUSR2);
    eventually("the rollback is logged", || {
        site.log().contains("rolled back")
    });
    let pid_file = site.dir.join("master.pid");
    let in_file: u32 = std::fs::read_to_string(&pid_file)
        .unwrap()
        .trim()
        .parse()
        .unwrap();
    assert_eq!(
        in_file,
        master.child.id(),
        "the pid file is the old master's again"
    );
    assert!(!site.dir.join("master.pid.oldbin").exists());
    let mut now = settle(&master, 2);
    now.sort_unstable();
    let mut before = workers_before;
    before.sort_unstable();
    assert_eq!(now, before, "the old workers serve on");
    site.write_config(2, "");
    quit_cleanly(master, &site);
}

/// A worker finishing its connections after QUIT still obeys a fast stop:
/// TERM ends everything at once, without waiting for a client that never
/// finishes its request.
#[test]
fn terminate_overrides_a_graceful_stop_in_progress() {
    let site = Site::new("quit-then-term", 2, "");
    let master = Server::master(&site.config());
    let all = settle(&master, 2);
    let mut slow = TcpStream::connect(master.addr).unwrap();
    slow.write_all(b"GET / HTTP/1.1\r\n").unwrap();
    std::thread::sleep(Duration::from_millis(300));
    master.signal(Signal::SIGQUIT);
    std::thread::sleep(Duration::from_millis(300));
    let started = Instant::now();
    master.signal(Signal::SIGTERM);
    let (code, err) = master.stop_waiting();
    assert_eq!(code, 0, "{err}");
    for w in &all {
        assert!(!alive(*w), "worker {w} is still there");
    }
    assert!(
        started.elapsed() < Duration::from_millis(1500),
        "TERM during QUIT took {:?}",
        started.elapsed()
    );
}

/// Signals sent to a worker itself: HUP, WINCH and USR2 (the master's,
/// reaching a worker through its process group) are ignored; QUIT makes it
/// finish and exit, and the master replaces it.
#[test]
fn a_worker_ignores_the_masters_signals_and_quits_on_quit() {
    let site = Site::new("worker-signals", 1, "");
    let master = Server::master(&site.config());
    let [worker] = settle(&master, 1)[..] else {
        unreachable!()
    };
    for signal in [Signal::SIGHUP, Signal::SIGWINCH, Signal::SIGUSR2] {
        kill(worker, signal);
    }
    std::thread::sleep(Duration::from_millis(300));
    assert!(alive(worker), "HUP, WINCH and USR2 must not kill a worker");
    kill(worker, Signal::SIGQUIT);
    eventually("the worker quits", || !alive(worker));
    let now = settle(&master, 1);
    assert_ne!(now, [worker], "the master replaced it");
    assert!(
        site.log().contains("exited with status 0"),
        "{}",
        site.log()
    );
    quit_cleanly(master, &site);
}

/// `--daemon`: the command returns at once with the daemon's pid; the
/// daemon is not a session leader, has no parent but init (or a
/// subreaper), its standard descriptors on /dev/null, serves, and QUIT
/// ends it and removes its pid file.
#[test]
fn daemon_mode_detaches_and_serves() {
    let site = Site::new("daemon", 1, "");
    let out = std::process::Command::new(env!("CARGO_BIN_EXE_proclab"))
        .args([
            "master",
            "--daemon",
            "--config",
            site.config().to_str().unwrap(),
        ])
        .output()
        .unwrap();
    let text = String::from_utf8_lossy(&out.stdout).into_owned();
    assert_eq!(
        out.status.code(),
        Some(0),
        "{text} {}",
        String::from_utf8_lossy(&out.stderr)
    );
    let mut words = text.split_whitespace();
    let pid: u32 = words
        .nth(1)
        .and_then(|p| p.parse().ok())
        .expect("master PID …");
    let addr: std::net::SocketAddr = text
        .split_once("listening on ")
        .and_then(|(_, r)| r.split_whitespace().next())
        .and_then(|a| a.parse().ok())
        .expect("… listening on ADDR");
    let daemon = Daemon(pid);
    assert!(alive(pid), "the daemon runs");
    let stat = std::fs::read_to_string(format!("/proc/{pid}/stat")).unwrap();
    let fields: Vec<&str> = stat[stat.rfind(')').unwrap() + 2..]
        .split_whitespace()
        .collect();
    let (ppid, sid): (u32, u32) = (fields[1].parse().unwrap(), fields[3].parse().unwrap());
    assert_ne!(ppid, std::process::id(), "detached from whoever started it");
    assert_ne!(sid, pid, "not a session leader (the second fork)");
    assert_ne!(
        sid,
        own_session(),
        "in a session of its own, not the test's"
    );
    for fd in 0..3 {
        let target = std::fs::read_link(format!("/proc/{pid}/fd/{fd}")).unwrap();
        assert_eq!(target, Path::new("/dev/null"), "fd {fd}");
    }
    let in_file: u32 = std::fs::read_to_string(site.dir.join("master.pid"))
        .unwrap()
        .trim()
        .parse()
        .unwrap();
    assert_eq!(in_file, pid, "the pid file names the daemon");
    eventually("a worker", || children_of(pid).len() == 1);
    let r = serve_common::load(addr, Protocol::Http, 100);
    assert_eq!((r.ok, r.errors), (100, 0), "{r}");
    kill(pid, Signal::SIGQUIT);
    eventually("the daemon exits on QUIT", || !alive(pid));
    assert!(!site.dir.join("master.pid").exists(), "pid file removed");
    drop(daemon);
}

/// This test process's session id.
fn own_session() -> u32 {
    let stat = std::fs::read_to_string("/proc/self/stat").unwrap();
    stat[stat.rfind(')').unwrap() + 2..]
        .split_whitespace()
        .nth(3)
        .unwrap()
        .parse()
        .unwrap()
}

/// A daemon left running by a failed test is killed.
struct Daemon(u32);

impl Drop for Daemon {
    fn drop(&mut self) {
        if alive(self.0) {
            kill(self.0, Signal::SIGKILL);
        }
    }
}

#[test]
fn daemon_mode_without_a_log_is_refused() {
    let dir = std::env::temp_dir().join(format!("proclab-master-nolog-{}", std::process::id()));
    std::fs::create_dir_all(&dir).unwrap();
    let path = dir.join("m.toml");
    std::fs::write(&path, "listen = [\"127.0.0.1:0\"]\n").unwrap();
    let out = std::process::Command::new(env!("CARGO_BIN_EXE_proclab"))
        .args(["master", "--config", path.to_str().unwrap(), "--daemon"])
        .output()
        .unwrap();
    let err = String::from_utf8_lossy(&out.stderr);
    assert_eq!(out.status.code(), Some(2), "{err}");
    assert!(err.contains("--daemon needs a log file"), "{err}");
    let _ = std::fs::remove_dir_all(&dir);
}
