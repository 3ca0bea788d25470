//! Running the crate's `proclab serve` from a test (never forking inside
//! a test thread) and looking at it from outside, through `/proc`: shared
//! by `serve` and the server exercises' suites. Everything is bounded: a
//! server left running is killed and reaped when its handle drops.
//!
//! Every wall-clock bound here and in the suites that use it is
//! [`HANG_BOUND`]: a hang detector, never a speed target. A test waits for
//! an event by polling until it happens ([`wait_for`]), so correct code
//! passes as soon as the event comes, however busy the machine; only code
//! that never gets there waits out the bound.

#![allow(dead_code)] // each suite uses part of it

use proclab::serve::cli::spawn_server;
use proclab::serve::load::{self, Load, Protocol};
use std::io::Read;
use std::net::SocketAddr;
use std::path::Path;
use std::process::Child;
use std::time::{Duration, Instant};

/// How long a test waits for anything — an answer on a socket, a server's
/// children to settle, its exit — before calling it a hang. Far above
/// what correct code needs on a heavily loaded machine (a graded test has
/// been seen to run at a load average of 12 on 2 cores), and well below
/// the grader's per-test limit, so that a hang fails with the test's own
/// message. Waits in a row each get the full bound; only broken code ever
/// waits one out.
pub const HANG_BOUND: Duration = Duration::from_secs(30);

/// Poll `check` (every few milliseconds) until it gives a value, and
/// return it; panic with `what` if [`HANG_BOUND`] passes first.
pub fn wait_for<T>(what: &str, mut check: impl FnMut() -> Option<T>) -> T {
    let deadline = Instant::now() + HANG_BOUND;
    loop {
        if let Some(value) = check() {
            return value;
        }
        assert!(
            Instant::now() < deadline,
            "{} s and still not: {what}",
            HANG_BOUND.as_secs()
        );
        std::thread::sleep(Duration::from_millis(10));
    }
}

/// A running `proclab serve`.
pub struct Server {
    pub child: Child,
    pub addr: SocketAddr,
}

impl Server {
    /// `proclab serve ARGS`, once it has printed its address.
    pub fn start(args: &[&str]) -> Server {
        let (child, addr) = spawn_server(Path::new(env!("CARGO_BIN_EXE_proclab")), args)
            .expect("start proclab serve");
        Server { child, addr }
    }

    /// `proclab master --config CONFIG`, once it has printed its address.
    pub fn master(config: &Path) -> Server {
        Server::master_from(Path::new(env!("CARGO_BIN_EXE_proclab")), config)
    }

    /// [`Server::master`], run from the binary at `exe`.
    ///
    /// A binary just copied can be "busy" for a moment (ETXTBSY): another
    /// test thread's fork may hold the copy's write descriptor until its
    /// child execs — longer on a busy machine. So retry until
    /// [`HANG_BOUND`].
    pub fn master_from(exe: &Path, config: &Path) -> Server {
        let config = config.to_str().expect("a UTF-8 path");
        let deadline = Instant::now() + HANG_BOUND;
        loop {
            match proclab::serve::cli::spawn_listening(exe, "master", &["--config", config]) {
                Ok((child, addr)) => return Server { child, addr },
                Err(e)
                    if e.kind() == std::io::ErrorKind::ExecutableFileBusy
                        && Instant::now() < deadline =>
                {
                    std::thread::sleep(Duration::from_millis(50));
                }
                Err(e) => panic!("start proclab master: {e}"),
            }
        }
    }

    /// Send `signal` to the server (the master).
    pub fn signal(&self, signal: nix::sys::signal::Signal) {
        nix::sys::signal::kill(nix::unistd::Pid::from_raw(self.child.id() as i32), signal)
            .expect("signal the server");
    }

    pub fn fds(&self) -> usize {
        std::fs::read_dir(format!("/proc/{}/fd", self.child.id()))
            .map(|d| d.count())
            .unwrap_or(0)
    }

    /// Wait (up to [`HANG_BOUND`]) until the descriptor count is back to
    /// `baseline`; the count then.
    pub fn settles_to(&self, baseline: usize) -> usize {
        let deadline = Instant::now() + HANG_BOUND;
        loop {
            let now = self.fds();
            if now <= baseline || Instant::now() > deadline {
                return now;
            }
            std::thread::sleep(Duration::from_millis(20));
        }
    }

    /// The server's child processes and their states (from `/proc`).
    pub fn children(&self) -> Vec<(u32, char)> {
        children_of(self.child.id())
    }

    /// Wait (up to [`HANG_BOUND`]) until the server has `expected`
    /// children, none a zombie; those it has.
    pub fn children_settle(&self, expected: usize) -> Vec<(u32, char)> {
        let deadline = Instant::now() + HANG_BOUND;
        loop {
            let left = self.children();
            let settled = left.len() == expected && left.iter().all(|(_, s)| *s != 'Z');
            if settled || Instant::now() > deadline {
                return left;
            }
            std::thread::sleep(Duration::from_millis(20));
        }
    }

    /// SIGTERM, then the exit status and what it wrote to stderr.
    pub fn stop(self) -> (i32, String) {
        self.signal(nix::sys::signal::Signal::SIGTERM);
        self.stop_waiting()
    }

    /// Wait (up to [`HANG_BOUND`]) for the server to exit; its status and
    /// stderr.
    pub fn stop_waiting(mut self) -> (i32, String) {
        let status = wait_for("the server stopped", || {
            self.child.try_wait().expect("wait")
        });
        // Not read to the end: a process the server started (a new
        // master after an upgrade) may hold the pipe open for long.
        let err = self.stderr_so_far();
        (status.code().unwrap_or(-1), err)
    }
}

impl Drop for Server {
    fn drop(&mut self) {
        // A test that failed midway: no server outlives it, no zombie.
        let _ = self.child.kill();
        let _ = self.child.wait();
        if std::thread::panicking() {
            // The server's own account — a panic in it (a `todo!()` left in
            // an exercise, say) is the real cause of the failure — copied
            // into the test's output, where the grader looks for it.
            eprintln!("proclab serve's stderr:\n{}", self.stderr_so_far());
        }
    }
}

impl Server {
    /// What the server wrote to stderr, without waiting for more (its
    /// children may still hold the pipe open).
    fn stderr_so_far(&mut self) -> String {
        let Some(mut err) = self.child.stderr.take() else {
            return String::new();
        };
        let flags = nix::fcntl::fcntl(&err, nix::fcntl::FcntlArg::F_GETFL).unwrap_or(0);
        let nonblocking =
            nix::fcntl::OFlag::from_bits_truncate(flags) | nix::fcntl::OFlag::O_NONBLOCK;
        let _ = nix::fcntl::fcntl(&err, nix::fcntl::FcntlArg::F_SETFL(nonblocking));
        let mut bytes = Vec::new();
        let _ = err.read_to_end(&mut bytes);
        String::from_utf8_lossy(&bytes).into_owned()
    }
}

/// `connections` connections from 4 clients, each given up on after
/// [`HANG_BOUND`] (a connection that takes that long is a hang, not a slow
/// machine), through [`run_probed`].
pub fn load(addr: SocketAddr, protocol: Protocol, connections: usize) -> load::LoadReport {
    run_probed(&Load {
        addr,
        clients: 4,
        connections,
        protocol,
        linger_zero: true,
        timeout: HANG_BOUND,
    })
}

/// `load`, one connection per client first: if any of those fails, that
/// is the report, so a server that never answers fails a test after one
/// connection timeout rather than after one per connection of a client's
/// share. Otherwise the rest, and the two reports as one.
pub fn run_probed(load: &Load) -> load::LoadReport {
    let probe = load.connections.min(load.clients.max(1));
    let first = load::run(&Load {
        connections: probe,
        ..load.clone()
    });
    if first.errors > 0 || probe == load.connections {
        return first;
    }
    let rest = load::run(&Load {
        connections: load.connections - probe,
        ..load.clone()
    });
    let mut latencies = first.latencies;
    latencies.extend(rest.latencies);
    latencies.sort();
    let mut first_errors = rest.first_errors;
    first_errors.truncate(5);
    load::LoadReport {
        ok: first.ok + rest.ok,
        errors: rest.errors,
        first_errors,
        elapsed: first.elapsed + rest.elapsed,
        latencies,
    }
}

/// The children of process `parent` and their states (from `/proc`).
pub fn children_of(parent: u32) -> Vec<(u32, char)> {
    let Ok(dir) = std::fs::read_dir("/proc") else {
        return Vec::new();
    };
    dir.filter_map(|e| {
        let pid: u32 = e.ok()?.file_name().to_str()?.parse().ok()?;
        let stat = std::fs::read_to_string(format!("/proc/{pid}/stat")).ok()?;
        // pid (comm) state ppid ...: comm may hold spaces, so split after
        // its closing parenthesis.
        let rest = &stat[stat.rfind(')')? + 2..];
        let mut fields = rest.split_whitespace();
        let state = fields.next()?.chars().next()?;
        let ppid: u32 = fields.next()?.parse().ok()?;
        (ppid == parent).then_some((pid, state))
    })
    .collect()
}
