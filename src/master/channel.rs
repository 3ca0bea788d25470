//! A channel between the master and one worker: a connected pair of Unix
//! sockets carrying [`Frame`]s, each with the descriptor its command
//! carries passed as `SCM_RIGHTS` ancillary data — how a master hands a new
//! worker's channel to that worker's siblings.
//!
//! nginx's channels are `SOCK_STREAM` pairs, which leaves a reader to find
//! the frame boundaries itself. These are `SOCK_SEQPACKET`: the kernel
//! keeps each `sendmsg` a message of its own, so a receive returns one
//! whole frame (or tells that the message was longer than a frame), and a
//! descriptor arrives with the frame it belongs to.
//!
//! Received descriptors are owned at once ([`OwnedFd`]): when a frame is
//! refused, its descriptors are closed with it, never leaked.

use super::channel_codec::{decode, encode, Frame, FrameError, FRAME_LEN};
use nix::errno::Errno;
use nix::sys::socket::{
    recvmsg, sendmsg, socketpair, AddressFamily, ControlMessage, ControlMessageOwned, MsgFlags,
    SockFlag, SockType,
};
use std::fmt;
use std::io::{self, IoSlice, IoSliceMut};
use std::os::fd::{AsFd, AsRawFd, BorrowedFd, FromRawFd, OwnedFd, RawFd};

/// The most descriptors Linux passes in one message (`SCM_MAX_FD`): room
/// for all of them, so that a receive is never truncated — a truncated
/// one would install descriptors that could not be found to close.
const MAX_FDS_PER_MESSAGE: usize = 253;

/// What went wrong on a channel.
#[derive(Debug)]
pub enum ChannelError {
    /// The other end is closed (its process exited).
    Closed,
    /// A message arrived that is not a frame; its descriptors were closed.
    Frame(FrameError),
    /// The system call failed.
    Io(io::Error),
}

impl fmt::Display for ChannelError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            ChannelError::Closed => write!(f, "the channel is closed at the other end"),
            ChannelError::Frame(e) => write!(f, "refused a message: {e}"),
            ChannelError::Io(e) => write!(f, "channel I/O: {e}"),
        }
    }
}

impl std::error::Error for ChannelError {}

impl From<Errno> for ChannelError {
    fn from(e: Errno) -> ChannelError {
        ChannelError::Io(e.into())
    }
}

/// One end of a channel.
#[derive(Debug)]
pub struct Channel {
    socket: OwnedFd,
}

impl Channel {
    /// A connected pair of channel ends (close-on-exec).
    pub fn pair() -> io::Result<(Channel, Channel)> {
        let (a, b) = socketpair(
            AddressFamily::Unix,
            SockType::SeqPacket,
            None,
            SockFlag::SOCK_CLOEXEC,
        )?;
        Ok((Channel { socket: a }, Channel { socket: b }))
    }

    /// A channel end from a descriptor received on another channel
    /// (OPEN_CHANNEL) or inherited.
    pub fn from_fd(socket: OwnedFd) -> Channel {
        Channel { socket }
    }

    /// Make receives return `Ok(None)` instead of waiting (for a poll loop).
    pub fn set_nonblocking(&self, nonblocking: bool) -> io::Result<()> {
        let mut flags = nix::fcntl::OFlag::from_bits_truncate(nix::fcntl::fcntl(
            &self.socket,
            nix::fcntl::FcntlArg::F_GETFL,
        )?);
        flags.set(nix::fcntl::OFlag::O_NONBLOCK, nonblocking);
        nix::fcntl::fcntl(&self.socket, nix::fcntl::FcntlArg::F_SETFL(flags))?;
        Ok(())
    }

    /// Send `frame`, with `fd` when its command carries one. A missing or
    /// unexpected descriptor is refused before anything is sent.
    pub fn send(&self, frame: &Frame, fd: Option<BorrowedFd<'_>>) -> Result<(), ChannelError> {
        let command = frame.command();
        match (command.descriptors(), fd) {
            (1, None) => return Err(ChannelError::Frame(FrameError::MissingFd(command))),
            (0, Some(_)) => {
                return Err(ChannelError::Frame(FrameError::UnexpectedFd {
                    command,
                    received: 1,
                }))
            }
            _ => {}
        }
        let bytes = encode(frame);
        let raw: Vec<RawFd> = fd.iter().map(|f| f.as_raw_fd()).collect();
        let rights = [ControlMessage::ScmRights(&raw)];
        let cmsgs: &[ControlMessage] = if raw.is_empty() { &[] } else { &rights };
        loop {
            match sendmsg::<()>(
                self.socket.as_raw_fd(),
                &[IoSlice::new(&bytes)],
                cmsgs,
                MsgFlags::MSG_NOSIGNAL,
                None,
            ) {
                Ok(_) => return Ok(()),
                Err(Errno::EINTR) => continue,
                Err(Errno::EPIPE) | Err(Errno::ECONNRESET) => return Err(ChannelError::Closed),
                Err(e) => return Err(e.into()),
            }
        }
    }

    /// Receive one frame and the descriptor it carries. `Ok(None)`: nothing
    /// to read (non-blocking mode). A message that is not a frame is an
    /// error, and whatever descriptors came with it are closed.
    pub fn recv(&self) -> Result<Option<(Frame, Option<OwnedFd>)>, ChannelError> {
        // One byte more than a frame, to tell an oversized message.
        let mut buf = [0u8; FRAME_LEN + 1];
        let mut space = nix::cmsg_space!([RawFd; MAX_FDS_PER_MESSAGE]);
        let (len, mut fds) = loop {
            let mut iov = [IoSliceMut::new(&mut buf)];
            // MSG_TRUNC: the length returned is the whole message's, even
            // when it did not fit (sequenced-packet sockets, Linux ≥ 3.4).
            match recvmsg::<()>(
                self.socket.as_raw_fd(),
                &mut iov,
                Some(&mut space),
                MsgFlags::MSG_CMSG_CLOEXEC | MsgFlags::MSG_TRUNC,
            ) {
                Ok(msg) => {
                    let mut fds = Vec::new();
                    for cmsg in msg.cmsgs()? {
                        if let ControlMessageOwned::ScmRights(received) = cmsg {
                            // SAFETY: the kernel just installed these
                            // descriptors in this process for this message;
                            // nothing else owns them.
                            let owned = received
                                .into_iter()
                                .map(|fd| unsafe { OwnedFd::from_raw_fd(fd) });
                            fds.extend(owned);
                        }
                    }
                    break (msg.bytes, fds);
                }
                Err(Errno::EINTR) => continue,
                Err(Errno::EAGAIN) => return Ok(None),
                Err(Errno::ECONNRESET) => return Err(ChannelError::Closed),
                Err(e) => return Err(e.into()),
            }
        };
        if len == 0 && fds.is_empty() {
            return Err(ChannelError::Closed);
        }
        let frame = if len > FRAME_LEN {
            Err(FrameError::Oversized(len))
        } else {
            decode(&buf[..len], fds.len())
        };
        // On an error, `fds` is dropped here: the descriptors are closed.
        let frame = frame.map_err(ChannelError::Frame)?;
        Ok(Some((frame, fds.pop())))
    }
}

impl AsFd for Channel {
    fn as_fd(&self) -> BorrowedFd<'_> {
        self.socket.as_fd()
    }
}
