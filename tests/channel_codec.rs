//! Exercise `channel_codec` (`solutions/channel_codec.rs`): the frame of
//! the master/worker channel protocol. The wire layout exactly; every
//! malformed frame refused with its own error (short, oversized, not a
//! frame, unknown command, garbled reserved bytes, bad pid or slot, a
//! missing or unexpected descriptor); and, by proptest, that no input at
//! all makes the decoder panic or accept bytes it would not have written.
//! (The channel that carries the frames is tested in `tests/channel.rs`.)

#![cfg(not(any(loom, shuttle)))]

use proclab::graded::channel_codec::{
    decode, encode, Command, Frame, FrameError, FRAME_LEN, MAX_SLOTS,
};
use proptest::prelude::*;

fn frame(command: Command, pid: i32, slot: u32) -> Frame {
    Frame::new(command, pid, slot).expect("a valid frame")
}

/// A valid frame's bytes, to corrupt.
fn quit_bytes() -> [u8; FRAME_LEN] {
    encode(&frame(Command::Quit, 4242, 7))
}

#[test]
fn the_wire_layout() {
    let bytes = encode(&frame(Command::OpenChannel, 0x0102_0304, 0x0305));
    assert_eq!(
        bytes,
        [b'p', b'c', 1, 0, 4, 3, 2, 1, 5, 3, 0, 0, 0, 0, 0, 0],
        "magic \"pc\", command 1, a zero, pid and slot little-endian, four zeros"
    );
    for (command, wire) in Command::ALL.into_iter().zip(1u8..) {
        assert_eq!(
            encode(&frame(command, 1, 0))[2],
            wire,
            "{command:?}'s number"
        );
    }
}

#[test]
fn every_command_round_trips_at_the_edges() {
    for command in Command::ALL {
        for (pid, slot) in [(1, 0), (i32::MAX, MAX_SLOTS - 1), (31337, 512)] {
            let f = frame(command, pid, slot);
            let back = decode(&encode(&f), command.descriptors());
            assert_eq!(back, Ok(f), "{command:?} pid {pid} slot {slot}");
        }
    }
}

#[test]
fn a_frame_of_the_wrong_length_is_refused_before_it_is_read() {
    let good = quit_bytes();
    for len in 0..FRAME_LEN {
        assert_eq!(
            decode(&good[..len], 0),
            Err(FrameError::Short(len)),
            "{len} bytes"
        );
    }
    for len in [FRAME_LEN + 1, 64, 4096] {
        let mut long = good.to_vec();
        long.resize(len, 0);
        assert_eq!(
            decode(&long, 0),
            Err(FrameError::Oversized(len)),
            "{len} bytes"
        );
    }
}

#[test]
fn bytes_that_are_not_a_frame_are_refused() {
    let mut b = quit_bytes();
    b[0] = b'P';
    assert_eq!(decode(&b, 0), Err(FrameError::BadMagic([b'P', b'c'])));
    for bad in [0u8, 6, 255] {
        let mut b = quit_bytes();
        b[2] = bad;
        assert_eq!(decode(&b, 0), Err(FrameError::UnknownCommand(bad)));
    }
    for at in [3usize, 12, 13, 14, 15] {
        let mut b = quit_bytes();
        b[at] = 0x80;
        assert_eq!(
            decode(&b, 0),
            Err(FrameError::Reserved(at)),
            "reserved byte {at} set"
        );
    }
}

#[test]
fn a_bad_pid_or_slot_is_refused() {
    for pid in [0i32, -1, i32::MIN] {
        let mut b = quit_bytes();
        b[4..8].copy_from_slice(&pid.to_le_bytes());
        assert_eq!(decode(&b, 0), Err(FrameError::BadPid(pid)));
    }
    for slot in [MAX_SLOTS, MAX_SLOTS + 1, u32::MAX] {
        let mut b = quit_bytes();
        b[8..12].copy_from_slice(&slot.to_le_bytes());
        assert_eq!(decode(&b, 0), Err(FrameError::BadSlot(slot)));
    }
}

#[test]
fn descriptors_must_match_the_command() {
    let open = encode(&frame(Command::OpenChannel, 10, 1));
    assert_eq!(
        decode(&open, 0),
        Err(FrameError::MissingFd(Command::OpenChannel))
    );
    assert_eq!(
        decode(&open, 2),
        Err(FrameError::UnexpectedFd {
            command: Command::OpenChannel,
            received: 2
        })
    );
    for command in [
        Command::CloseChannel,
        Command::Quit,
        Command::Terminate,
        Command::Reopen,
    ] {
        let b = encode(&frame(command, 10, 1));
        assert_eq!(
            decode(&b, 1),
            Err(FrameError::UnexpectedFd {
                command,
                received: 1
            }),
            "{command:?} with a descriptor"
        );
    }
}

#[test]
fn errors_say_what_was_wrong() {
    let refusal = |bytes: &[u8], fds: usize| decode(bytes, fds).unwrap_err().to_string();
    assert!(refusal(&[1, 2, 3], 0).contains("3 bytes"));
    let mut garbled = quit_bytes();
    garbled[13] = 1;
    assert!(refusal(&garbled, 0).contains("reserved byte 13"));
    let open = encode(&frame(Command::OpenChannel, 10, 1));
    assert!(refusal(&open, 0).contains("OpenChannel"));
    let mut far = quit_bytes();
    far[8..12].copy_from_slice(&2000u32.to_le_bytes());
    assert!(refusal(&far, 0).contains("2000"));
}

fn any_command() -> impl Strategy<Value = Command> {
    prop::sample::select(Command::ALL.to_vec())
}

proptest! {
    // No regression file: the grader runs these tests on students' code
    // from the course's tree, which must not be written to.
    #![proptest_config(ProptestConfig {
        cases: 2048,
        failure_persistence: None,
        ..ProptestConfig::default()
    })]

    /// Whatever arrives, the decoder answers without panicking; and what
    /// it accepts is exactly what the encoder would have written, with
    /// the descriptors its command carries.
    #[test]
    fn any_bytes_are_refused_or_canonical(bytes in prop::collection::vec(any::<u8>(), 0..40), fds in 0usize..3) {
        if let Ok(f) = decode(&bytes, fds) {
            prop_assert_eq!(&encode(&f)[..], &bytes[..], "accepted bytes the encoder would not write");
            prop_assert_eq!(fds, f.command().descriptors());
        }
    }

    /// Frame-shaped noise (the right length and magic, random fields) is
    /// refused or canonical too — this reaches past the first checks.
    #[test]
    fn frame_shaped_noise_is_refused_or_canonical(mut bytes in prop::array::uniform16(any::<u8>()), fds in 0usize..3, small in any::<bool>()) {
        bytes[0] = b'p';
        bytes[1] = b'c';
        if small {
            bytes[2] %= 7;
            bytes[3] = 0;
            bytes[12..].fill(0);
        }
        if let Ok(f) = decode(&bytes, fds) {
            prop_assert_eq!(encode(&f), bytes);
        }
    }

    #[test]
    fn valid_frames_round_trip(command in any_command(), pid in 1i32.., slot in 0..MAX_SLOTS) {
        let f = Frame::new(command, pid, slot).unwrap();
        prop_assert_eq!(decode(&encode(&f), command.descriptors()), Ok(f));
    }

    /// Flipping any bit of a valid frame is caught, or yields another
    /// valid frame whose bytes are exactly the flipped ones.
    #[test]
    fn a_flipped_bit_is_refused_or_canonical(command in any_command(), pid in 1i32.., slot in 0..MAX_SLOTS, bit in 0usize..128) {
        let mut b = encode(&Frame::new(command, pid, slot).unwrap());
        b[bit / 8] ^= 1 << (bit % 8);
        if let Ok(f) = decode(&b, command.descriptors()) {
            prop_assert_eq!(encode(&f), b);
        }
    }
}
