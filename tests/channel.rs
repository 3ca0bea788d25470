//! The master/worker channel (`proclab::master::channel`): frames through
//! a sequenced-packet socket pair in this process, descriptors passed for
//! real, malformed messages refused with their descriptors closed.

#![cfg(not(any(loom, shuttle)))]

fn frame(
    command: proclab::master::channel_codec::Command,
    pid: i32,
    slot: u32,
) -> proclab::master::channel_codec::Frame {
    proclab::master::channel_codec::Frame::new(command, pid, slot).expect("a valid frame")
}

/// The frames through a real channel (a sequenced-packet socket pair in
/// this process), with descriptors passed for real.
mod through_a_channel {
    use super::*;
    use nix::sys::socket::{sendmsg, ControlMessage, MsgFlags};
    use proclab::master::channel::{Channel, ChannelError};
    use proclab::master::channel_codec::{Command, FrameError};
    use std::io::{IoSlice, Read, Write};
    use std::os::fd::{AsFd, AsRawFd};

    #[test]
    fn every_command_arrives_whole() {
        let (a, b) = Channel::pair().unwrap();
        for command in Command::ALL.into_iter().filter(|c| c.descriptors() == 0) {
            let f = frame(command, 77, 3);
            a.send(&f, None).unwrap();
            let (got, fd) = b.recv().unwrap().expect("a frame");
            assert_eq!((got, fd.is_none()), (f, true));
        }
    }

    /// OPEN_CHANNEL hands over a working descriptor: here the write end of
    /// a pipe, used on the receiving side.
    #[test]
    fn open_channel_passes_a_descriptor() {
        let (a, b) = Channel::pair().unwrap();
        let (mut reader, writer) = std::io::pipe().unwrap();
        let f = frame(Command::OpenChannel, 1234, 9);
        a.send(&f, Some(writer.as_fd())).unwrap();
        drop(writer);
        let (got, fd) = b.recv().unwrap().expect("a frame");
        assert_eq!(got, f);
        let mut passed = std::fs::File::from(fd.expect("OPEN_CHANNEL carries a descriptor"));
        passed.write_all(b"via SCM_RIGHTS").unwrap();
        drop(passed);
        let mut text = String::new();
        reader.read_to_string(&mut text).unwrap();
        assert_eq!(text, "via SCM_RIGHTS");
    }

    #[test]
    fn send_refuses_a_missing_or_unexpected_descriptor() {
        let (a, b) = Channel::pair().unwrap();
        b.set_nonblocking(true).unwrap();
        let open = frame(Command::OpenChannel, 5, 0);
        assert!(matches!(
            a.send(&open, None),
            Err(ChannelError::Frame(FrameError::MissingFd(
                Command::OpenChannel
            )))
        ));
        let quit = frame(Command::Quit, 5, 0);
        assert!(matches!(
            a.send(&quit, Some(b.as_fd())),
            Err(ChannelError::Frame(FrameError::UnexpectedFd { .. }))
        ));
        assert!(b.recv().unwrap().is_none(), "nothing was sent");
        // The channel still works: the next frame is the next one received.
        a.send(&quit, None).unwrap();
        let (got, fd) = b
            .recv()
            .unwrap()
            .expect("the frame sent after the refusals");
        assert_eq!((got, fd.is_none()), (quit, true));
    }

    /// Bytes that are not a frame, sent raw with a descriptor: refused,
    /// and the descriptor that came with them is closed, not leaked.
    #[test]
    fn a_refused_message_closes_its_descriptors() {
        let (a, b) = Channel::pair().unwrap();
        for garbage in [&b"hello"[..], &[0u8; 16][..], &[b'p'; 40][..]] {
            // The descriptor sent is a pipe's write end: once every copy of
            // it is closed, its reader sees end-of-file. A copy leaked by
            // the receiver would keep the pipe open.
            let (mut reader, writer) = std::io::pipe().unwrap();
            let fds = [writer.as_raw_fd()];
            sendmsg::<()>(
                a.as_fd().as_raw_fd(),
                &[IoSlice::new(garbage)],
                &[ControlMessage::ScmRights(&fds)],
                MsgFlags::empty(),
                None,
            )
            .unwrap();
            drop(writer);
            match b.recv() {
                Err(ChannelError::Frame(_)) => {}
                other => panic!(
                    "{} garbage bytes: expected a refusal, got {other:?}",
                    garbage.len()
                ),
            }
            nix::fcntl::fcntl(
                &reader,
                nix::fcntl::FcntlArg::F_SETFL(nix::fcntl::OFlag::O_NONBLOCK),
            )
            .unwrap();
            let mut byte = [0u8; 1];
            assert_eq!(
                reader.read(&mut byte).map_err(|e| e.kind()),
                Ok(0),
                "{} garbage bytes: the descriptor that came with them was leaked (the pipe is still open)",
                garbage.len()
            );
        }
        let long = [b'p'; 40];
        sendmsg::<()>(
            a.as_fd().as_raw_fd(),
            &[IoSlice::new(&long)],
            &[],
            MsgFlags::empty(),
            None,
        )
        .unwrap();
        assert!(
            matches!(
                b.recv(),
                Err(ChannelError::Frame(FrameError::Oversized(40)))
            ),
            "a 40-byte message is oversized, with its true length"
        );
    }

    #[test]
    fn a_closed_end_is_reported() {
        let (a, b) = Channel::pair().unwrap();
        b.set_nonblocking(true).unwrap();
        assert!(b.recv().unwrap().is_none(), "empty: no frame, no error");
        drop(a);
        assert!(matches!(b.recv(), Err(ChannelError::Closed)));
        let (a, b) = Channel::pair().unwrap();
        drop(b);
        assert!(matches!(
            a.send(&frame(Command::Quit, 1, 0), None),
            Err(ChannelError::Closed)
        ));
    }
}
