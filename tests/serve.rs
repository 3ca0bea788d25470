//! The in-process server models with real sockets: each test spawns the
//! crate's `proclab serve` (never forking inside a test thread), drives it
//! over loopback with the load generator, and checks what a server owes
//! its host — no error, no descriptor leaked, a clean stop on SIGTERM.
//! Every test is bounded: the load has timeouts, and a server left
//! running is killed and reaped when its handle drops. Every bound is
//! `serve_common::HANG_BOUND`, a hang detector: a test waits for an event
//! by polling until it happens, never for a fixed time, so a busy machine
//! makes it slower, not red.

#![cfg(not(any(loom, shuttle)))]

use proclab::serve::load::Protocol;
use std::io::{Read, Write};
use std::net::TcpStream;
use std::process::Command;
mod serve_common;

use serve_common::{load, wait_for, Server, HANG_BOUND};

fn ten_thousand_through(model: &str, handler: &str, protocol: Protocol) {
    let server = Server::start(&[
        "--model",
        model,
        "--listen",
        "127.0.0.1:0",
        "--handler",
        handler,
        "--workers",
        "2",
    ]);
    // Pre-forked workers are the server's children for its whole life.
    let prefork = model.starts_with("prefork");
    let workers = if prefork { 2 } else { 0 };
    let baseline = server.fds();
    let report = load(server.addr, protocol, 10_000);
    assert_eq!(report.errors, 0, "{model}: {report}");
    assert_eq!(report.ok, 10_000, "{model}: {report}");
    let after = server.settles_to(baseline);
    assert_eq!(
        after, baseline,
        "{model}: descriptors leaked ({baseline} before, {after} after)"
    );
    let left = server.children_settle(workers);
    let zombies = left.iter().filter(|(_, s)| *s == 'Z').count();
    assert!(
        left.len() == workers && zombies == 0,
        "{model}: {} children ({workers} expected), {zombies} of them zombies; the first (pid, state): {:?}",
        left.len(),
        &left[..left.len().min(5)]
    );
    let (code, err) = server.stop();
    assert_eq!(code, 0, "{model}: exit status after SIGTERM; stderr: {err}");
    let expected = if prefork {
        "10000 connection(s) served, per worker"
    } else {
        "10000 connection(s) served, 0 failed"
    };
    assert!(err.contains(expected), "{model}: {err}");
}

#[test]
fn iterative_serves_ten_thousand_connections() {
    ten_thousand_through("iterative", "http", Protocol::Http);
}

#[test]
fn fork_per_connection_serves_ten_thousand_connections() {
    ten_thousand_through("fork", "http", Protocol::Http);
}

#[test]
fn prefork_with_an_accept_mutex_serves_ten_thousand_connections() {
    ten_thousand_through("prefork", "http", Protocol::Http);
}

#[test]
fn prefork_with_reuseport_serves_ten_thousand_connections() {
    ten_thousand_through("prefork-reuseport", "http", Protocol::Http);
}

/// SIGKILL the master: its workers must not outlive it.
#[test]
fn workers_die_with_their_master() {
    let mut server = Server::start(&[
        "--model",
        "prefork-reuseport",
        "--workers",
        "2",
        "--listen",
        "127.0.0.1:0",
    ]);
    let workers = server.children_settle(2);
    assert_eq!(workers.len(), 2);
    server.child.kill().unwrap();
    server.child.wait().unwrap();
    for (pid, _) in workers {
        let alive = || {
            std::fs::read_to_string(format!("/proc/{pid}/stat")).is_ok_and(|s| !s.contains(") Z "))
        };
        wait_for(&format!("worker {pid} dies with its master"), || {
            (!alive()).then_some(())
        });
    }
}

#[test]
fn thread_per_connection_serves_ten_thousand_connections() {
    ten_thousand_through("thread", "http", Protocol::Http);
}

#[test]
fn thread_pool_serves_ten_thousand_connections() {
    ten_thousand_through("pool", "http", Protocol::Http);
}

#[test]
fn echo_through_the_pool() {
    ten_thousand_through("pool", "echo", Protocol::Echo);
}

#[test]
fn malformed_http_gets_400_and_the_server_carries_on() {
    let server = Server::start(&["--model", "thread", "--listen", "127.0.0.1:0"]);
    for garbage in [
        &b"\x16\x03\x01\x02\x00hello\r\n\r\n"[..],
        b"GET / HTTP/1.1\nHost: x\n\n",
        b"GET / HTTP/1.1\r\nHost: a\r\nHost: b\r\n\r\n",
    ] {
        let mut s = TcpStream::connect(server.addr).unwrap();
        s.set_read_timeout(Some(HANG_BOUND)).unwrap();
        s.write_all(garbage).unwrap();
        let mut answer = String::new();
        s.read_to_string(&mut answer)
            .expect("the server closes after answering");
        assert!(
            answer.starts_with("HTTP/1.1 400 Bad Request\r\n"),
            "{answer}"
        );
    }
    let report = load(server.addr, Protocol::Http, 100);
    assert_eq!((report.ok, report.errors), (100, 0), "{report}");
    let (code, _) = server.stop();
    assert_eq!(code, 0);
}

#[test]
fn out_of_descriptors_the_server_backs_off_and_recovers() {
    // 16 descriptors: stdio, the listener, the stop pipe and a few more —
    // far fewer than the connections held open below.
    let server = Server::start(&[
        "--model",
        "thread",
        "--listen",
        "127.0.0.1:0",
        "--nofile",
        "16",
    ]);
    // The kernel completes these handshakes into the backlog (1024), so
    // a connect is never slow because the server is.
    let held: Vec<TcpStream> = (0..40)
        .filter_map(|_| TcpStream::connect_timeout(&server.addr, HANG_BOUND).ok())
        .collect();
    assert!(held.len() >= 20, "could not open connections to the server");
    // Hold them until the server has run out of descriptors and backed off
    // (its accepting thread sleeps in the back-off: `hrtimer_nanosleep`),
    // rather than for a fixed time it may not get the CPU in.
    wait_for(
        "the server fills its 16 descriptors and backs off from accept",
        || {
            let backing_off = std::fs::read_dir(format!("/proc/{}/task", server.child.id()))
                .into_iter()
                .flatten()
                .filter_map(|task| std::fs::read_to_string(task.ok()?.path().join("wchan")).ok())
                .any(|wchan| wchan.contains("nanosleep"));
            (server.fds() >= 16 && backing_off).then_some(())
        },
    );
    drop(held);
    // Once the idle connections are gone, it serves again.
    let report = load(server.addr, Protocol::Http, 200);
    assert_eq!((report.ok, report.errors), (200, 0), "{report}");
    let (code, err) = server.stop();
    assert_eq!(code, 0, "{err}");
    let backoffs: u64 = err
        .trim()
        .split(", ")
        .find_map(|part| part.strip_suffix(" accept back-off(s) for lack of descriptors"))
        .and_then(|n| n.trim().parse().ok())
        .unwrap_or_else(|| panic!("no back-off count in {err:?}"));
    assert!(backoffs > 0, "EMFILE was never hit: {err}");
}

#[test]
fn ipv6_loopback() {
    if std::net::TcpListener::bind("[::1]:0").is_err() {
        eprintln!("no IPv6 loopback here; skipped");
        return;
    }
    let server = Server::start(&["--model", "pool", "--listen", "[::1]:0"]);
    assert!(server.addr.is_ipv6());
    let report = load(server.addr, Protocol::Http, 200);
    assert_eq!((report.ok, report.errors), (200, 0), "{report}");
}

#[test]
fn bad_flags_are_errors_naming_them() {
    let run = |args: &[&str]| {
        let out = Command::new(env!("CARGO_BIN_EXE_proclab"))
            .args(args)
            .output()
            .expect("run proclab");
        (
            out.status.code(),
            String::from_utf8_lossy(&out.stderr).into_owned(),
        )
    };
    let (code, err) = run(&["serve", "--model", "spaghetti"]);
    assert_eq!(code, Some(2));
    assert!(err.contains("--model spaghetti"), "{err}");
    let (code, err) = run(&["serve", "--handler", "gopher", "--listen", "127.0.0.1:0"]);
    assert_eq!(code, Some(2));
    assert!(err.contains("unknown handler `gopher`"), "{err}");
    let (code, err) = run(&["serve", "--listen", "not an address"]);
    assert_eq!(code, Some(2));
    assert!(err.contains("`not an address` is not an address"), "{err}");
    let (code, err) = run(&["load", "--clients", "3"]);
    assert_eq!(code, Some(2));
    assert!(err.contains("--connect ADDR is required"), "{err}");
}

#[test]
#[should_panic(expected = "ThreadPool::new: a pool needs at least one worker")]
fn a_thread_pool_without_workers_is_refused() {
    let _ = proclab::serve::thread_pool::ThreadPool::new(0, 1, |_: ()| {});
}
