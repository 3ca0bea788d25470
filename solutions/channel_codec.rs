//! The frame of the master/worker channel protocol: nginx's
//! `ngx_channel_t` (command, pid, slot, and maybe a descriptor), as a fixed
//! 16 bytes.
//!
//! ```text
//! offset  0    2        3         4          8          12         16
//!         +----+--------+---------+----------+----------+----------+
//!         | pc | command| 0       | pid (LE) | slot (LE)| 0 0 0 0  |
//!         +----+--------+---------+----------+----------+----------+
//! ```
//!
//! `pc` is a magic number, so bytes that were never a frame are told from
//! one; the zero bytes are reserved and must be zero. The descriptor, when
//! a command carries one, travels beside the bytes (`SCM_RIGHTS`), so the
//! decoder is told how many descriptors arrived with the frame and checks
//! that against the command: OPEN_CHANNEL carries exactly one, every other
//! command none.
//!
//! Decoding is the boundary where bytes from another process come in, so
//! it never panics and never guesses: every way a frame can be wrong has
//! its own [`FrameError`], naming what was wrong.

use std::fmt;

/// Bytes in a frame.
pub const FRAME_LEN: usize = 16;

/// The first two bytes of every frame.
pub const MAGIC: [u8; 2] = *b"pc";

/// Slots in a master's process table (nginx's `NGX_MAX_PROCESSES`): a
/// frame's slot is below this.
pub const MAX_SLOTS: u32 = 1024;

/// What a frame asks the receiving process to do.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub enum Command {
    /// A new worker started in `slot` with pid `pid`; the descriptor is the
    /// master's end of a channel to it (siblings keep it to reach it).
    OpenChannel = 1,
    /// The worker in `slot` (pid `pid`) is gone: close its channel.
    CloseChannel = 2,
    /// Stop gracefully: stop accepting, finish in-flight work, exit.
    Quit = 3,
    /// Stop now.
    Terminate = 4,
    /// Reopen the log files (they were rotated).
    Reopen = 5,
}

impl Command {
    /// Every command, in wire order.
    pub const ALL: [Command; 5] = [
        Command::OpenChannel,
        Command::CloseChannel,
        Command::Quit,
        Command::Terminate,
        Command::Reopen,
    ];

    /// How many descriptors travel with this command.
    pub fn descriptors(self) -> usize {
        match self {
            Command::OpenChannel => 1,
            _ => 0,
        }
    }

    /// The command with wire number `byte`, if any.
    pub fn from_wire(byte: u8) -> Option<Command> {
        Command::ALL.into_iter().find(|c| *c as u8 == byte)
    }
}

/// One message of the protocol. Its fields are checked on the way in
/// ([`Frame::new`], [`decode`]), so a `Frame` is always one that can be
/// sent.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub struct Frame {
    command: Command,
    /// A process id: positive.
    pid: i32,
    /// A slot of the master's table: below [`MAX_SLOTS`].
    slot: u32,
}

impl Frame {
    /// A frame; an error if `pid` is not positive or `slot` is out of range.
    pub fn new(command: Command, pid: i32, slot: u32) -> Result<Frame, FrameError> {
        if pid <= 0 {
            return Err(FrameError::BadPid(pid));
        }
        if slot >= MAX_SLOTS {
            return Err(FrameError::BadSlot(slot));
        }
        Ok(Frame { command, pid, slot })
    }

    /// The command.
    pub fn command(&self) -> Command {
        self.command
    }

    /// The pid the frame is about.
    pub fn pid(&self) -> i32 {
        self.pid
    }

    /// The slot the frame is about.
    pub fn slot(&self) -> u32 {
        self.slot
    }
}

/// Why some bytes (and descriptors) are not a frame.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum FrameError {
    /// Fewer than [`FRAME_LEN`] bytes.
    Short(usize),
    /// More than [`FRAME_LEN`] bytes.
    Oversized(usize),
    /// The first two bytes are not [`MAGIC`].
    BadMagic([u8; 2]),
    /// No command has this number.
    UnknownCommand(u8),
    /// A reserved byte (at this offset) is not zero.
    Reserved(usize),
    /// The pid is not positive.
    BadPid(i32),
    /// The slot is not below [`MAX_SLOTS`].
    BadSlot(u32),
    /// The command carries a descriptor and none came with it.
    MissingFd(Command),
    /// Descriptors came with a command that carries fewer.
    UnexpectedFd {
        /// The frame's command.
        command: Command,
        /// Descriptors that came with it.
        received: usize,
    },
}

impl fmt::Display for FrameError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            FrameError::Short(n) => write!(f, "short frame: {n} bytes, a frame is {FRAME_LEN}"),
            FrameError::Oversized(n) => {
                write!(f, "oversized frame: {n} bytes, a frame is {FRAME_LEN}")
            }
            FrameError::BadMagic(m) => {
                write!(
                    f,
                    "not a frame: it starts with {m:02x?}, not {MAGIC:02x?} (\"pc\")"
                )
            }
            FrameError::UnknownCommand(c) => write!(f, "unknown command {c}"),
            FrameError::Reserved(at) => write!(f, "garbled frame: reserved byte {at} is not 0"),
            FrameError::BadPid(p) => write!(f, "bad pid {p}: a pid is positive"),
            FrameError::BadSlot(s) => write!(f, "bad slot {s}: slots are 0 to {}", MAX_SLOTS - 1),
            FrameError::MissingFd(c) => write!(f, "{c:?} carries a descriptor, and none came"),
            FrameError::UnexpectedFd { command, received } => write!(
                f,
                "{received} descriptor(s) came with {command:?}, which carries {}",
                command.descriptors()
            ),
        }
    }
}

impl std::error::Error for FrameError {}

/// The 16 bytes of `frame`.
pub fn encode(frame: &Frame) -> [u8; FRAME_LEN] {
    // BEGIN SOLUTION hint: magic at 0..2, the command's number at 2, then pid at 4..8 and slot at 8..12, both little-endian (to_le_bytes); bytes 3 and 12..16 stay 0
    let mut bytes = [0u8; FRAME_LEN];
    bytes[..2].copy_from_slice(&MAGIC);
    bytes[2] = frame.command as u8;
    bytes[4..8].copy_from_slice(&frame.pid.to_le_bytes());
    bytes[8..12].copy_from_slice(&frame.slot.to_le_bytes());
    bytes
    // END SOLUTION
}

/// The frame in `bytes`, which arrived with `descriptors` descriptors.
/// Checks, in this order: the length, the magic, the command, the
/// reserved bytes, the pid and the slot, then the descriptor count against
/// the command.
pub fn decode(bytes: &[u8], descriptors: usize) -> Result<Frame, FrameError> {
    // BEGIN SOLUTION hint: reject a length other than FRAME_LEN (Short/Oversized) before touching any byte; then the magic, the command (Command::from_wire), bytes 3 and 12..16 (Reserved with the offset of the first non-zero), pid and slot through Frame::new; last the descriptor count against command.descriptors()
    if bytes.len() < FRAME_LEN {
        return Err(FrameError::Short(bytes.len()));
    }
    if bytes.len() > FRAME_LEN {
        return Err(FrameError::Oversized(bytes.len()));
    }
    if bytes[..2] != MAGIC {
        return Err(FrameError::BadMagic([bytes[0], bytes[1]]));
    }
    let command = Command::from_wire(bytes[2]).ok_or(FrameError::UnknownCommand(bytes[2]))?;
    if let Some(at) = [3, 12, 13, 14, 15].into_iter().find(|&i| bytes[i] != 0) {
        return Err(FrameError::Reserved(at));
    }
    let word = |at: usize| [bytes[at], bytes[at + 1], bytes[at + 2], bytes[at + 3]];
    let frame = Frame::new(
        command,
        i32::from_le_bytes(word(4)),
        u32::from_le_bytes(word(8)),
    )?;
    let expected = command.descriptors();
    if descriptors < expected {
        return Err(FrameError::MissingFd(command));
    }
    if descriptors > expected {
        return Err(FrameError::UnexpectedFd {
            command,
            received: descriptors,
        });
    }
    Ok(frame)
    // END SOLUTION
}
