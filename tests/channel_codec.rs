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

#[test]
fn both_magic_bytes_are_checked() {
    for (at, bad) in [(0usize, 0xab_u8), (1, 0xab), (1, b'C'), (0, 0)] {
        let mut b = quit_bytes();
        b[at] = bad;
        assert_eq!(
            decode(&b, 0),
            Err(FrameError::BadMagic([b[0], b[1]])),
            "magic byte {at} set to {bad:#04x}"
        );
    }
}

#[test]
fn the_first_garbled_reserved_byte_is_named() {
    for set in [
        &[12usize, 15][..],
        &[3, 14],
        &[13, 14, 15],
        &[3, 12, 13, 14, 15],
    ] {
        let mut b = quit_bytes();
        for &at in set {
            b[at] = 1;
        }
        assert_eq!(
            decode(&b, 0),
            Err(FrameError::Reserved(set[0])),
            "reserved bytes {set:?} set: the error names the first"
        );
    }
}

/// A frame wrong in every way is refused for the first check in the
/// documented order (length, magic, command, reserved bytes, pid, slot,
/// descriptors); mend that field and the next one is named.
#[test]
fn checks_run_in_the_documented_order() {
    let mut b = [0u8; FRAME_LEN];
    b[0] = b'x';
    b[2] = 9;
    b[3] = 1;
    b[4..8].copy_from_slice(&(-5i32).to_le_bytes());
    b[8..12].copy_from_slice(&5000u32.to_le_bytes());
    let fds = 3;
    let mut long = b.to_vec();
    long.push(0);
    assert_eq!(
        decode(&long, fds),
        Err(FrameError::Oversized(FRAME_LEN + 1))
    );
    assert_eq!(decode(&b[..5], fds), Err(FrameError::Short(5)));
    assert_eq!(decode(&b, fds), Err(FrameError::BadMagic([b'x', 0])));
    b[..2].copy_from_slice(b"pc");
    assert_eq!(decode(&b, fds), Err(FrameError::UnknownCommand(9)));
    b[2] = Command::OpenChannel as u8;
    assert_eq!(decode(&b, fds), Err(FrameError::Reserved(3)));
    b[3] = 0;
    assert_eq!(decode(&b, fds), Err(FrameError::BadPid(-5)));
    b[4..8].copy_from_slice(&77i32.to_le_bytes());
    assert_eq!(decode(&b, fds), Err(FrameError::BadSlot(5000)));
    b[8..12].copy_from_slice(&3u32.to_le_bytes());
    assert_eq!(
        decode(&b, fds),
        Err(FrameError::UnexpectedFd {
            command: Command::OpenChannel,
            received: fds
        })
    );
    assert_eq!(
        decode(&b, 0),
        Err(FrameError::MissingFd(Command::OpenChannel))
    );
    assert_eq!(decode(&b, 1), Ok(frame(Command::OpenChannel, 77, 3)));
}

/// Every refusal's message names the field that was wrong and what came.
#[test]
fn every_error_names_its_field_and_value() {
    let refusal = |bytes: &[u8], fds: usize| decode(bytes, fds).unwrap_err().to_string();
    let with = |at: usize, value: &[u8]| {
        let mut b = quit_bytes();
        b[at..at + value.len()].copy_from_slice(value);
        b
    };
    let open = encode(&frame(Command::OpenChannel, 10, 1));
    let mut long = quit_bytes().to_vec();
    long.push(0);
    let cases: Vec<(String, &[&str])> = vec![
        (refusal(&[1, 2, 3], 0), &["short", "3 bytes"]),
        (refusal(&long, 0), &["oversized", "17 bytes"]),
        (refusal(&with(0, &[0xab]), 0), &["frame", "ab"]),
        (refusal(&with(1, &[0xcd]), 0), &["frame", "cd"]),
        (refusal(&with(2, &[77]), 0), &["command", "77"]),
        (refusal(&with(3, &[1]), 0), &["reserved byte 3"]),
        (refusal(&with(15, &[1]), 0), &["reserved byte 15"]),
        (
            refusal(&with(4, &(-31i32).to_le_bytes()), 0),
            &["pid", "-31"],
        ),
        (
            refusal(&with(8, &2000u32.to_le_bytes()), 0),
            &["slot", "2000"],
        ),
        (refusal(&open, 0), &["OpenChannel", "descriptor"]),
        (refusal(&open, 2), &["OpenChannel", "2 descriptor"]),
        (refusal(&quit_bytes(), 1), &["Quit", "1 descriptor"]),
    ];
    for (message, words) in cases {
        for word in words {
            assert!(
                message.contains(word),
                "the refusal {message:?} must name {word:?}"
            );
        }
    }
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
