//! The listening socket every server model shares: `SO_REUSEADDR` (restart
//! at once despite connections in TIME_WAIT), an explicit backlog, IPv4
//! or IPv6 (an IPv6 socket takes IPv6 only, so `[::]` and `0.0.0.0` can
//! both be bound), and optionally `SO_REUSEPORT` (one socket per worker,
//! the kernel spreading connections among them).

use socket2::{Domain, Protocol, Socket, Type};
use std::io;
use std::net::{SocketAddr, TcpListener, ToSocketAddrs};

/// How to listen.
#[derive(Clone, Debug)]
pub struct ListenConfig {
    /// `host:port`; port 0 picks a free port.
    pub addr: String,
    /// Pending connections the kernel queues before `accept`.
    pub backlog: i32,
    /// Set `SO_REUSEPORT` (for one listening socket per worker).
    pub reuse_port: bool,
}

impl ListenConfig {
    /// Listen on `addr` with a backlog of 1024, without `SO_REUSEPORT`.
    pub fn new(addr: &str) -> ListenConfig {
        ListenConfig {
            addr: addr.to_string(),
            backlog: 1024,
            reuse_port: false,
        }
    }

    /// Bind and listen; errors name the address.
    pub fn listen(&self) -> io::Result<TcpListener> {
        let addr = resolve(&self.addr)?;
        let named = |e: io::Error| io::Error::new(e.kind(), format!("listen on {addr}: {e}"));
        let socket = Socket::new(Domain::for_address(addr), Type::STREAM, Some(Protocol::TCP))
            .map_err(named)?;
        socket.set_reuse_address(true).map_err(named)?;
        if self.reuse_port {
            socket.set_reuse_port(true).map_err(named)?;
        }
        if addr.is_ipv6() {
            socket.set_only_v6(true).map_err(named)?;
        }
        socket.bind(&addr.into()).map_err(named)?;
        socket.listen(self.backlog).map_err(named)?;
        Ok(socket.into())
    }
}

/// The first address `text` names, or an error saying what was wrong.
pub fn resolve(text: &str) -> io::Result<SocketAddr> {
    text.to_socket_addrs()
        .map_err(|e| {
            io::Error::new(
                io::ErrorKind::InvalidInput,
                format!("`{text}` is not an address (host:port, [v6]:port): {e}"),
            )
        })?
        .next()
        .ok_or_else(|| {
            io::Error::new(
                io::ErrorKind::InvalidInput,
                format!("`{text}` names no address"),
            )
        })
}
