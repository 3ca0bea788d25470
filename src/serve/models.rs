//! The server models that run inside one process: iterative, a thread per
//! connection, and a pool of threads fed through proclab's own
//! [`BoundedBuffer`](crate::sleep::BoundedBuffer). All share
//! [`accept_loop`]: poll the listening socket and the stop pipe, accept,
//! hand the connection over.

use super::handler::Handler;
use super::stop::StopSignal;
use super::thread_pool::ThreadPool;
use nix::poll::{poll, PollFd, PollFlags};
use std::io;
use std::net::{TcpListener, TcpStream};
use std::os::fd::AsFd;
use std::sync::atomic::{AtomicU64, Ordering::Relaxed};
use std::sync::Arc;
use std::thread;
use std::time::Duration;

/// How long a connection may sit idle before the server gives up on it,
/// so that a silent client cannot hold a worker (or a graceful stop)
/// forever.
pub const IDLE_TIMEOUT: Duration = Duration::from_secs(10);

/// How long to pause accepting when the process is out of descriptors
/// (EMFILE/ENFILE): the connection stays in the backlog until one frees.
pub const FD_BACKOFF: Duration = Duration::from_millis(50);

/// Counters a server keeps. Relaxed: statistics, read after the workers
/// are joined.
#[derive(Debug, Default)]
pub struct Stats {
    /// Connections served to the end.
    pub served: AtomicU64,
    /// Connections that ended in an I/O error.
    pub failed: AtomicU64,
    /// Times accept failed for lack of descriptors.
    pub fd_backoffs: AtomicU64,
}

impl Stats {
    fn record(&self, result: io::Result<super::Served>) {
        match result {
            Ok(_) => self.served.fetch_add(1, Relaxed),
            Err(_) => self.failed.fetch_add(1, Relaxed),
        };
    }
}

/// Serve one accepted connection with `handler` (blocking, with the idle
/// timeout).
pub fn serve_one(handler: &dyn Handler, mut stream: TcpStream, stats: &Stats) {
    let _ = stream.set_read_timeout(Some(IDLE_TIMEOUT));
    let _ = stream.set_write_timeout(Some(IDLE_TIMEOUT));
    let _ = stream.set_nodelay(true);
    stats.record(handler.serve(&mut stream));
}

/// Accept connections until a stop is requested, giving each to `take`.
/// Out of descriptors, it backs off and retries; other accept errors (a
/// connection reset before it was accepted) skip that connection.
pub fn accept_loop(
    listener: &TcpListener,
    stop: &StopSignal,
    stats: &Stats,
    take: impl FnMut(TcpStream),
) -> io::Result<()> {
    accept_loop_with(listener, stop, stats, take, || {})
}

/// [`accept_loop`], calling `woken` each time the loop wakes up (a signal
/// poked the self-pipe, or a second passed): where a forking server reaps.
pub fn accept_loop_with(
    listener: &TcpListener,
    stop: &StopSignal,
    stats: &Stats,
    mut take: impl FnMut(TcpStream),
    mut woken: impl FnMut(),
) -> io::Result<()> {
    listener.set_nonblocking(true)?;
    while !stop.requested() {
        let mut fds = [
            PollFd::new(listener.as_fd(), PollFlags::POLLIN),
            PollFd::new(stop.fd(), PollFlags::POLLIN),
        ];
        match poll(&mut fds, 1000u16) {
            Ok(_) => {}
            Err(nix::errno::Errno::EINTR) => continue,
            Err(e) => return Err(e.into()),
        }
        if fds[1].any().unwrap_or(false) {
            stop.drain();
        }
        woken();
        if stop.requested() {
            break;
        }
        // Accept everything that is waiting before polling again.
        loop {
            match listener.accept() {
                Ok((stream, _)) => {
                    stream.set_nonblocking(false)?;
                    take(stream);
                }
                Err(e) if e.kind() == io::ErrorKind::WouldBlock => break,
                Err(e) if e.kind() == io::ErrorKind::Interrupted => continue,
                Err(e) if is_out_of_fds(&e) => {
                    stats.fd_backoffs.fetch_add(1, Relaxed);
                    thread::sleep(FD_BACKOFF);
                    break;
                }
                // ECONNABORTED and friends: that connection is gone.
                Err(_) => break,
            }
        }
    }
    Ok(())
}

/// EMFILE (this process) or ENFILE (the whole system).
pub fn is_out_of_fds(e: &io::Error) -> bool {
    matches!(
        e.raw_os_error(),
        Some(code) if code == nix::libc::EMFILE || code == nix::libc::ENFILE
    )
}

/// One connection at a time, on the accepting thread.
pub fn iterative(
    listener: TcpListener,
    handler: &dyn Handler,
    stop: &StopSignal,
    stats: &Stats,
) -> io::Result<()> {
    accept_loop(&listener, stop, stats, |stream| {
        serve_one(handler, stream, stats)
    })
}

/// A new thread for every connection; on stop, the listener is closed and
/// in-flight connections are finished (their threads joined).
pub fn thread_per_connection(
    listener: TcpListener,
    handler: Arc<dyn Handler>,
    stop: &StopSignal,
    stats: Arc<Stats>,
) -> io::Result<()> {
    let mut running: Vec<thread::JoinHandle<()>> = Vec::new();
    let result = accept_loop(&listener, stop, &stats, |stream| {
        running.retain(|h| !h.is_finished());
        let (handler, mine) = (handler.clone(), stats.clone());
        match thread::Builder::new().spawn(move || serve_one(&*handler, stream, &mine)) {
            Ok(h) => running.push(h),
            // No thread to be had: the connection is dropped (closed), and
            // counted as failed.
            Err(_) => {
                stats.failed.fetch_add(1, Relaxed);
            }
        }
    });
    // Stop accepting (the port refuses connections from now on), then
    // let the in-flight connections finish.
    drop(listener);
    for h in running {
        let _ = h.join();
    }
    result
}

/// `workers` threads taking connections from a bounded queue of
/// `2 × workers` (the exercise `thread_pool`): when every worker is busy
/// and the queue is full, the accepting thread waits (back-pressure: new
/// connections stay in the kernel's backlog instead of piling up in
/// memory). On stop, the queued connections are served and the workers
/// joined.
pub fn thread_pool(
    listener: TcpListener,
    handler: Arc<dyn Handler>,
    workers: usize,
    stop: &StopSignal,
    stats: Arc<Stats>,
) -> io::Result<()> {
    let workers = workers.max(1);
    let mine = stats.clone();
    let pool = ThreadPool::new(workers, 2 * workers, move |stream| {
        serve_one(&*handler, stream, &mine)
    });
    let result = accept_loop(&listener, stop, &stats, |stream| pool.submit(stream));
    drop(listener);
    let panicked = pool.shutdown();
    stats.failed.fetch_add(panicked as u64, Relaxed);
    result
}
