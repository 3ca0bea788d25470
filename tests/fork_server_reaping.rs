//! Exercise `fork_server_reaping` (`solutions/fork_server_reaping.rs`):
//! the fork-per-connection recipe, tested on the real thing — the crate's
//! `proclab serve --model fork`, built with the student's file, spawned
//! and watched through `/proc` and its sockets. Each test checks one step
//! of the recipe by what breaks when it is skipped:
//!
//! | step                                   | what a user sees without it |
//! |----------------------------------------|-----------------------------|
//! | the parent closes the connected socket | the client never sees EOF; the server's descriptors grow |
//! | the child closes the listening socket  | after the server stopped, connections still "succeed" (into a child's copy of the port) |
//! | the child resets its signals           | SIGTERM does not end a connection's child |
//! | reaping until nothing is left          | zombies pile up |
//!
//! Every wait is bounded by `serve_common::HANG_BOUND`, a hang detector:
//! correct code passes as soon as what a test waits for happens, however
//! busy the machine; a skipped step fails once the bound has passed.

#![cfg(not(any(loom, shuttle)))]

mod serve_common;

use nix::sys::signal::{kill, Signal};
use nix::unistd::Pid;
use proclab::serve::load::{Load, Protocol};
use serve_common::{run_probed, Server, HANG_BOUND};
use std::io::{ErrorKind, Read, Write};
use std::net::{Shutdown, TcpStream};
use std::time::{Duration, Instant};

fn fork_server(handler: &str) -> Server {
    Server::start(&[
        "--model",
        "fork",
        "--listen",
        "127.0.0.1:0",
        "--handler",
        handler,
    ])
}

/// An echo connection the server's child is serving right now (a line has
/// made the round trip).
fn held_connection(server: &Server) -> TcpStream {
    let mut s = TcpStream::connect(server.addr).expect("connect to the fork server");
    s.set_read_timeout(Some(HANG_BOUND)).unwrap();
    s.write_all(b"ping\n").unwrap();
    let mut back = [0u8; 5];
    s.read_exact(&mut back)
        .expect("the connection's child echoes a line");
    assert_eq!(&back, b"ping\n");
    s
}

/// One line through a held echo connection and back. Besides checking
/// that its child still serves, this keeps the child's idle timeout
/// (`proclab::serve::models::IDLE_TIMEOUT`, 10 s) from ending the
/// connection while a test waits, so that only what the test does to the
/// child can end it — however long the wait on a busy machine.
fn round_trip(held: &mut TcpStream) {
    held.write_all(b"ping\n").unwrap();
    let mut back = [0u8; 5];
    held.read_exact(&mut back)
        .expect("the connection's child echoes a line");
    assert_eq!(&back, b"ping\n");
}

/// Each echo client half-closes and reads to EOF, which comes only when
/// every copy of the connection is closed: the child's *and* the parent's.
#[test]
fn every_client_sees_its_connection_end_and_no_descriptor_is_kept() {
    let server = fork_server("echo");
    let baseline = server.fds();
    // One first, to fail after one hang bound rather than after 200.
    let mut first = held_connection(&server);
    first.shutdown(Shutdown::Write).unwrap();
    let mut rest = Vec::new();
    if let Err(e) = first.read_to_end(&mut rest) {
        panic!(
            "the client half-closed and waited {} s for the connection to end, in vain ({e}): \
             the child has exited, so another copy of the connection is still open — does \
             the parent close its copy?",
            HANG_BOUND.as_secs()
        );
    }
    let report = run_probed(&Load {
        addr: server.addr,
        clients: 2,
        connections: 199,
        protocol: Protocol::Echo,
        linger_zero: false,
        timeout: HANG_BOUND,
    });
    assert_eq!(
        (report.ok, report.errors),
        (199, 0),
        "echo clients waiting for their connections to end (EOF): {report}\n\
         (a timeout here: the connection stayed open after the child exited — does the parent close its copy?)"
    );
    let after = server.settles_to(baseline);
    assert!(
        after <= baseline,
        "the server kept descriptors: {baseline} open before 200 connections, {after} after \
         (the parent must close each connected socket once the child has it)"
    );
    let (code, err) = server.stop();
    assert_eq!(code, 0, "exit status after SIGTERM; stderr: {err}");
    assert!(err.contains("200 connection(s) served, 0 failed"), "{err}");
}

/// After a burst of short connections, every child is reaped: none is
/// left as a zombie once the burst is over, although many children exit
/// for every SIGCHLD the server sees.
#[test]
fn no_zombie_outlives_a_burst() {
    let server = fork_server("http");
    // Probed: with a connection never ending, fail after one connection
    // timeout, not after 500 in a row.
    let report = run_probed(&Load {
        addr: server.addr,
        clients: 4,
        connections: 2_000,
        protocol: Protocol::Http,
        linger_zero: true,
        timeout: HANG_BOUND,
    });
    assert_eq!((report.ok, report.errors), (2_000, 0), "{report}");
    let left = server.children_settle(0);
    let zombies = left.iter().filter(|(_, s)| *s == 'Z').count();
    assert!(
        left.is_empty(),
        "{} s after the last connection the server still has {} children, {zombies} of them zombies \
         (one SIGCHLD can stand for many exited children: reap with WNOHANG until none is left); \
         the first (pid, state): {:?}",
        HANG_BOUND.as_secs(),
        left.len(),
        &left[..left.len().min(5)]
    );
    let (code, err) = server.stop();
    assert_eq!(code, 0, "{err}");
}

/// SIGTERM while a connection is in flight: the server stops accepting at
/// once — the port refuses connections — but lets the child finish, and
/// exits 0 when it has. A child that kept its copy of the listening
/// socket would keep the port open: connections would be queued for a
/// socket nobody accepts from.
#[test]
fn after_sigterm_the_port_refuses_while_a_child_finishes() {
    let mut server = fork_server("echo");
    let mut held = held_connection(&server);
    kill(Pid::from_raw(server.child.id() as i32), Signal::SIGTERM).unwrap();
    // Poll until the port refuses. One try is a loopback connect, refused
    // or taken by the kernel at once; its own short timeout only keeps a
    // try from outlasting the hang bound (a try that times out is retried).
    // Each try also sends a line through the held connection, so that its
    // child stays busy and cannot end (closing a copy of the listener it
    // should not have) by going idle.
    let deadline = Instant::now() + HANG_BOUND;
    loop {
        round_trip(&mut held);
        match TcpStream::connect_timeout(&server.addr, Duration::from_secs(1)) {
            Err(e) if e.kind() == ErrorKind::ConnectionRefused => break,
            other => {
                assert!(
                    Instant::now() < deadline,
                    "{} s after SIGTERM the port still takes connections ({other:?}) while a \
                     connection's child runs: the child holds a copy of the listening socket \
                     (it must close it first thing)",
                    HANG_BOUND.as_secs()
                );
                std::thread::sleep(Duration::from_millis(50));
            }
        }
    }
    assert!(
        server.child.try_wait().unwrap().is_none(),
        "the server exited before its in-flight connection finished"
    );
    // The in-flight connection still works, then ends.
    held.write_all(b"last\n").unwrap();
    held.shutdown(Shutdown::Write).unwrap();
    let mut rest = String::new();
    held.read_to_string(&mut rest).unwrap();
    assert_eq!(rest, "last\n");
    let (code, err) = server.stop();
    assert_eq!(code, 0, "{err}");
    assert!(err.contains("1 connection(s) served"), "{err}");
}

/// A connection's child is an ordinary process: SIGTERM ends it. The
/// parent blocked SIGTERM around `fork` and catches it with a handler, so
/// the child must put both back (default handler, the parent's old mask)
/// before serving, or it shrugs SIGTERM off. The server itself carries on.
#[test]
fn sigterm_ends_a_connections_child() {
    let server = fork_server("echo");
    let mut held = held_connection(&server);
    let children = server.children();
    let [(child, _)] = children[..] else {
        panic!("one connection, but the server has children {children:?}");
    };
    kill(Pid::from_raw(child as i32), Signal::SIGTERM).unwrap();
    // Keep talking until the connection ends: a line at a time, each echoed
    // while the child lives, so that its idle timeout never ends it and
    // only SIGTERM can. `held` reads with HANG_BOUND as its timeout (see
    // `held_connection`), and the whole wait is bounded by it too.
    let deadline = Instant::now() + HANG_BOUND;
    let ended = loop {
        let gone = |e: &std::io::Error| {
            matches!(e.kind(), ErrorKind::BrokenPipe | ErrorKind::ConnectionReset)
        };
        if let Err(e) = held.write_all(b"ping\n") {
            assert!(gone(&e), "writing to the held connection: {e}");
            break Ok(());
        }
        let mut buf = [0u8; 16];
        match held.read(&mut buf) {
            Ok(0) => break Ok(()),
            Err(e) if gone(&e) => break Ok(()),
            // Not dead yet: its echo. Again, until the hang bound.
            Ok(_) if Instant::now() < deadline => {
                std::thread::sleep(Duration::from_millis(20));
            }
            Ok(n) => {
                break Err(std::io::Error::other(format!(
                    "it still echoes ({n} bytes just now)"
                )))
            }
            Err(e) => break Err(e),
        }
    };
    match ended {
        Ok(()) => {}
        Err(e) => {
            let alive = server
                .children()
                .iter()
                .any(|(pid, s)| *pid == child && *s != 'Z');
            if alive {
                panic!(
                    "{} s after SIGTERM the connection's child is still running ({e}): \
                     it kept the parent's SIGTERM handler or its blocked-signal mask",
                    HANG_BOUND.as_secs()
                )
            }
            panic!(
                "the connection's child died of SIGTERM, yet {} s later the connection is \
                 still open ({e}): another copy of it is open — does the parent close its copy?",
                HANG_BOUND.as_secs()
            )
        }
    }
    let left = server.children_settle(0);
    assert!(left.is_empty(), "children left: {left:?}");
    let report = run_probed(&Load {
        addr: server.addr,
        clients: 2,
        connections: 50,
        protocol: Protocol::Echo,
        linger_zero: true,
        timeout: HANG_BOUND,
    });
    assert_eq!(
        (report.ok, report.errors),
        (50, 0),
        "after a child's SIGTERM: {report}"
    );
    let (code, err) = server.stop();
    assert_eq!(code, 0, "the server itself must not have stopped: {err}");
}
