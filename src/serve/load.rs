//! A load generator: `clients` threads opening short connections to a
//! server — one request each, the answer checked — and the figures that
//! matter for an accept path: connections per second, latency p50/p99,
//! errors.

use socket2::{Domain, Socket, Type};
use std::io::{self, Read, Write};
use std::net::{SocketAddr, TcpStream};
use std::sync::atomic::{AtomicUsize, Ordering::Relaxed};
use std::sync::{Arc, Mutex};
use std::thread;
use std::time::{Duration, Instant};

/// What to send on each connection.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Protocol {
    /// A line, echoed back: the client half-closes and reads to EOF.
    Echo,
    /// `GET /` with `Connection: close`: a 200 is expected.
    Http,
}

/// A load to generate.
#[derive(Clone, Debug)]
pub struct Load {
    /// The server.
    pub addr: SocketAddr,
    /// Client threads.
    pub clients: usize,
    /// Connections in all.
    pub connections: usize,
    /// What to send.
    pub protocol: Protocol,
    /// Close with `SO_LINGER 0` (a reset, no TIME_WAIT on the client), so a
    /// long run does not use up the ephemeral ports.
    pub linger_zero: bool,
    /// Give up on a connection after this long.
    pub timeout: Duration,
}

/// What a load run measured.
#[derive(Clone, Debug)]
pub struct LoadReport {
    /// Connections that got the expected answer.
    pub ok: usize,
    /// Connections that failed; the first few reasons.
    pub errors: usize,
    /// Up to five distinct failure messages.
    pub first_errors: Vec<String>,
    /// Wall time of the run.
    pub elapsed: Duration,
    /// Connection latencies (connect to answer), sorted.
    pub latencies: Vec<Duration>,
}

impl LoadReport {
    /// Successful connections per second.
    pub fn rate(&self) -> f64 {
        self.ok as f64 / self.elapsed.as_secs_f64().max(1e-9)
    }

    /// The `q`-quantile latency (0.5: median).
    pub fn quantile(&self, q: f64) -> Duration {
        if self.latencies.is_empty() {
            return Duration::ZERO;
        }
        let i = ((self.latencies.len() - 1) as f64 * q).round() as usize;
        self.latencies[i]
    }
}

impl std::fmt::Display for LoadReport {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(
            f,
            "{} ok, {} errors in {:.2} s: {:.0} connections/s, latency p50 {:.0} µs, p99 {:.0} µs",
            self.ok,
            self.errors,
            self.elapsed.as_secs_f64(),
            self.rate(),
            self.quantile(0.5).as_secs_f64() * 1e6,
            self.quantile(0.99).as_secs_f64() * 1e6
        )?;
        for e in &self.first_errors {
            write!(f, "\n  error: {e}")?;
        }
        Ok(())
    }
}

/// Run `load` and report.
pub fn run(load: &Load) -> LoadReport {
    let next = Arc::new(AtomicUsize::new(0));
    let errors = Arc::new(Mutex::new((0usize, Vec::<String>::new())));
    let began = Instant::now();
    let clients: Vec<_> = (0..load.clients.max(1))
        .map(|_| {
            let (next, errors, load) = (next.clone(), errors.clone(), load.clone());
            thread::spawn(move || {
                // Room for this thread's share, so no growing mid-run.
                let share = load.connections / load.clients.max(1) + 1;
                let mut latencies = Vec::with_capacity(share);
                // One answer buffer per thread, reused by every connection.
                let mut buf = Vec::with_capacity(4096);
                // Relaxed: a ticket counter; each ticket is one connection.
                while next.fetch_add(1, Relaxed) < load.connections {
                    let start = Instant::now();
                    match one(&load, &mut buf) {
                        Ok(()) => latencies.push(start.elapsed()),
                        Err(e) => {
                            let mut g = errors.lock().unwrap_or_else(|p| p.into_inner());
                            g.0 += 1;
                            let text = e.to_string();
                            if g.1.len() < 5 && !g.1.contains(&text) {
                                g.1.push(text);
                            }
                        }
                    }
                }
                latencies
            })
        })
        .collect();
    let mut latencies: Vec<Duration> = clients
        .into_iter()
        .flat_map(|h| h.join().unwrap_or_default())
        .collect();
    let elapsed = began.elapsed();
    latencies.sort();
    let (count, first_errors) =
        std::mem::take(&mut *errors.lock().unwrap_or_else(|p| p.into_inner()));
    LoadReport {
        ok: latencies.len(),
        errors: count,
        first_errors,
        elapsed,
        latencies,
    }
}

/// The HTTP request every connection sends.
const HTTP_REQUEST: &[u8] = b"GET / HTTP/1.1\r\nHost: load\r\nConnection: close\r\n\r\n";

/// One connection: connect, send, read the whole answer, check it.
///
/// Every system call here is one the measurement cannot do without, since
/// the client shares the machine with the server and its cost comes off
/// the server's figures: `socket`, the two timeouts (and `SO_LINGER`) as
/// socket options set before `connect`, a blocking `connect` (bounded by
/// the send timeout, which Linux applies to `connect`), one `send`, `recv`
/// into `buf` until EOF, `close` — 7 or 8 calls, where
/// `TcpStream::connect_timeout` and `read_to_end` made 14 (non-blocking
/// connect, two `ioctl`s, `poll`, small probing reads).
fn one(load: &Load, buf: &mut Vec<u8>) -> io::Result<()> {
    let socket = Socket::new(
        Domain::for_address(load.addr),
        Type::STREAM,
        Some(socket2::Protocol::TCP),
    )?;
    socket.set_read_timeout(Some(load.timeout))?;
    socket.set_write_timeout(Some(load.timeout))?;
    if load.linger_zero {
        // Only acts at `close`: set now, it costs no extra wake-up later.
        socket.set_linger(Some(Duration::ZERO))?;
    }
    socket.connect(&load.addr.into()).map_err(|e| {
        if e.raw_os_error() == Some(nix::libc::EINPROGRESS) {
            // A blocking connect cut short by SO_SNDTIMEO says EINPROGRESS.
            io::Error::new(io::ErrorKind::TimedOut, "connect timed out")
        } else {
            e
        }
    })?;
    let mut s = TcpStream::from(socket);
    buf.clear();
    match load.protocol {
        Protocol::Echo => {
            s.write_all(b"ping\n")?;
            s.shutdown(std::net::Shutdown::Write)?;
            read_all(&mut s, buf)?;
            if buf[..] == b"ping\n"[..] {
                Ok(())
            } else {
                Err(bad("echo", buf))
            }
        }
        Protocol::Http => {
            s.write_all(HTTP_REQUEST)?;
            read_all(&mut s, buf)?;
            if buf.starts_with(b"HTTP/1.1 200 ") {
                Ok(())
            } else {
                Err(bad("http", buf))
            }
        }
    }
}

/// Read until EOF into `buf` (appending), with full-size reads: one
/// `recv` for the answer and one for the EOF when the answer is small.
fn read_all(s: &mut TcpStream, buf: &mut Vec<u8>) -> io::Result<()> {
    let mut chunk = [0u8; 4096];
    loop {
        match s.read(&mut chunk) {
            Ok(0) => return Ok(()),
            Ok(n) => buf.extend_from_slice(&chunk[..n]),
            Err(e) if e.kind() == io::ErrorKind::Interrupted => {}
            Err(e) => return Err(e),
        }
    }
}

fn bad(what: &str, answer: &[u8]) -> io::Error {
    let shown: String = String::from_utf8_lossy(answer).chars().take(60).collect();
    io::Error::new(
        io::ErrorKind::InvalidData,
        format!("{what}: unexpected answer {shown:?}"),
    )
}
