//! A process's life cycle: xv6's `enum procstate`.

/// Where a process is in its life.
///
/// ```text
///  UNUSED --alloc--> USED --fork done--> RUNNABLE <--yield/wakeup/kill-- SLEEPING
///                                          |   ^                           ^
///                                 dispatch |   | yield                     | sleep
///                                          v   |                           |
///                                         RUNNING -------------------------+
///                                          |
///                                     exit v
///  UNUSED <--------- wait (reaped) ------ ZOMBIE
/// ```
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub enum ProcState {
    /// The slot is free.
    Unused,
    /// Allocated by `fork`, not yet runnable (xv6's USED, the "embryo").
    Used,
    /// Waiting on a channel until a `wakeup` (or a `kill`).
    Sleeping,
    /// Ready to run; waiting for a CPU.
    Runnable,
    /// On a CPU right now.
    Running,
    /// Exited; its exit status waits for the parent's `wait`.
    Zombie,
}

impl ProcState {
    /// The letter Linux `ps` prints in its STAT column: R (running or
    /// runnable), S (sleeping), Z (zombie); `-` for slots `ps` never shows.
    pub fn ps_letter(self) -> char {
        match self {
            ProcState::Running | ProcState::Runnable => 'R',
            ProcState::Sleeping => 'S',
            ProcState::Zombie => 'Z',
            ProcState::Unused | ProcState::Used => '-',
        }
    }

    /// As a number, for the lock-free snapshot `procdump` reads.
    pub(crate) fn code(self) -> usize {
        self as usize
    }

    /// The inverse of [`ProcState::code`].
    pub(crate) fn from_code(code: usize) -> ProcState {
        match code {
            1 => ProcState::Used,
            2 => ProcState::Sleeping,
            3 => ProcState::Runnable,
            4 => ProcState::Running,
            5 => ProcState::Zombie,
            _ => ProcState::Unused,
        }
    }
}

#[cfg(test)]
mod tests {
    use super::ProcState::*;
    use super::*;

    #[test]
    fn codes_round_trip_and_letters_match_ps() {
        for s in [Unused, Used, Sleeping, Runnable, Running, Zombie] {
            assert_eq!(ProcState::from_code(s.code()), s);
        }
        assert_eq!(Running.ps_letter(), 'R');
        assert_eq!(Runnable.ps_letter(), 'R');
        assert_eq!(Sleeping.ps_letter(), 'S');
        assert_eq!(Zombie.ps_letter(), 'Z');
    }
}
