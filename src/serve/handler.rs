//! What a server does with a connection once it has accepted it.
//!
//! Every server model (iterative, fork per connection, threads, pools,
//! pre-forked workers) takes its connections the same way and hands each
//! to a [`Handler`]; only *who* calls the handler, and where, differs.

use super::http::{self, Limits, Parsed};
use std::io::{self, Read, Write};

/// A byte stream a handler serves: a TCP connection, or a test's
/// in-memory pair of buffers.
pub trait Conn: Read + Write {}
impl<T: Read + Write> Conn for T {}

/// What one connection amounted to.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub struct Served {
    /// Requests answered (echo: chunks echoed).
    pub requests: u64,
    /// Bytes read from the peer.
    pub bytes_in: u64,
    /// Bytes written to the peer.
    pub bytes_out: u64,
}

/// Serves one connection until it is done: the peer closed it, or the
/// protocol ends it. Shared by every worker of a server, hence `Sync`.
pub trait Handler: Send + Sync {
    /// Serve `conn`. I/O errors end the connection and are returned; a
    /// protocol error is answered and ends the connection normally.
    fn serve(&self, conn: &mut dyn Conn) -> io::Result<Served>;

    /// The name `--handler` selects it by.
    fn name(&self) -> &'static str;
}

/// Writes back every byte it reads, until the peer closes (raw TCP).
#[derive(Clone, Copy, Debug, Default)]
pub struct Echo;

impl Handler for Echo {
    fn serve(&self, conn: &mut dyn Conn) -> io::Result<Served> {
        let mut served = Served::default();
        let mut buf = [0u8; 4096];
        loop {
            let n = match conn.read(&mut buf) {
                Ok(0) => return Ok(served),
                Ok(n) => n,
                Err(e) if e.kind() == io::ErrorKind::Interrupted => continue,
                Err(e) => return Err(e),
            };
            conn.write_all(&buf[..n])?;
            served.requests += 1;
            served.bytes_in += n as u64;
            served.bytes_out += n as u64;
        }
    }

    fn name(&self) -> &'static str {
        "echo"
    }
}

/// The strict HTTP/1.1 responder of [`http`]: GET and HEAD get 200,
/// other methods 405; keep-alive as the request asks; a refused request
/// gets its status (400, 413, 431, 501, 505) and the connection closes.
#[derive(Clone, Copy, Debug, Default)]
pub struct Http {
    /// Limits on each request.
    pub limits: Limits,
}

impl Handler for Http {
    fn serve(&self, conn: &mut dyn Conn) -> io::Result<Served> {
        let mut served = Served::default();
        // Bytes received and not yet parsed: at most one request's worth
        // (the parser refuses past the limits), plus one read.
        let mut pending: Vec<u8> = Vec::new();
        let mut buf = [0u8; 4096];
        loop {
            // Answer every complete request already buffered (pipelining).
            loop {
                match http::parse(&pending, &self.limits) {
                    Ok(Parsed::Complete { request, used }) => {
                        pending.drain(..used);
                        let reply = http::respond(&request);
                        conn.write_all(&reply)?;
                        served.requests += 1;
                        served.bytes_out += reply.len() as u64;
                        if !request.keep_alive() {
                            conn.flush()?;
                            return Ok(served);
                        }
                    }
                    Ok(Parsed::Incomplete) => break,
                    Err(e) => {
                        let reply = http::refuse(e);
                        conn.write_all(&reply)?;
                        conn.flush()?;
                        served.bytes_out += reply.len() as u64;
                        return Ok(served);
                    }
                }
            }
            let n = match conn.read(&mut buf) {
                // The peer closed; a request cut short gets no answer.
                Ok(0) => return Ok(served),
                Ok(n) => n,
                Err(e) if e.kind() == io::ErrorKind::Interrupted => continue,
                Err(e) => return Err(e),
            };
            served.bytes_in += n as u64;
            pending.extend_from_slice(&buf[..n]);
        }
    }

    fn name(&self) -> &'static str {
        "http"
    }
}

/// The handler named `name` (`echo` or `http`), or an error naming the
/// choices.
pub fn by_name(name: &str) -> Result<Box<dyn Handler>, String> {
    match name {
        "echo" => Ok(Box::new(Echo)),
        "http" => Ok(Box::new(Http::default())),
        other => Err(format!("unknown handler `{other}` (choose echo or http)")),
    }
}
