//! Times: clock ticks into seconds, boot-relative start times into
//! wall-clock dates in the local time zone.

use super::procfs::parse_btime;
use std::fs;
use std::io;

/// The clock that turns `stat`'s tick counts into seconds and wall-clock
/// times.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Clock {
    /// Clock ticks per second (`sysconf(_SC_CLK_TCK)`).
    pub ticks_per_second: u64,
    /// When the system booted, in seconds since the epoch (`btime`).
    pub boot_time: u64,
}

impl Clock {
    /// This system's clock: the tick rate from `sysconf`, the boot time
    /// from `/proc/stat`.
    pub fn system() -> io::Result<Clock> {
        // SAFETY: sysconf reads a configuration value; it takes no
        // pointers and has no preconditions.
        let ticks = unsafe { nix::libc::sysconf(nix::libc::_SC_CLK_TCK) };
        let ticks_per_second = u64::try_from(ticks)
            .ok()
            .filter(|&t| t > 0)
            .ok_or_else(|| io::Error::other("sysconf(_SC_CLK_TCK) failed"))?;
        let boot_time = parse_btime(&fs::read_to_string("/proc/stat")?)
            .ok_or_else(|| io::Error::other("/proc/stat has no btime line"))?;
        Ok(Clock {
            ticks_per_second,
            boot_time,
        })
    }

    /// Ticks as seconds.
    pub fn seconds(&self, ticks: u64) -> f64 {
        ticks as f64 / self.ticks_per_second as f64
    }

    /// A `starttime` (ticks since boot) as seconds since the epoch.
    pub fn start_time(&self, start_ticks: u64) -> f64 {
        self.boot_time as f64 + self.seconds(start_ticks)
    }
}

/// CPU time as `M:SS.cc` (minutes, seconds, hundredths), as `ps` and
/// `time` show it.
pub fn format_cpu(ticks: u64, ticks_per_second: u64) -> String {
    let hundredths = ticks * 100 / ticks_per_second.max(1);
    format!(
        "{}:{:02}.{:02}",
        hundredths / 6000,
        hundredths / 100 % 60,
        hundredths % 100
    )
}

/// A broken-down calendar time.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct CivilTime {
    /// The year, e.g. 2024.
    pub year: i64,
    /// 1 to 12.
    pub month: u32,
    /// 1 to 31.
    pub day: u32,
    /// 0 to 23.
    pub hour: u32,
    /// 0 to 59.
    pub minute: u32,
    /// 0 to 60.
    pub second: u32,
}

impl CivilTime {
    /// Seconds since the epoch in UTC (days to civil date by Howard
    /// Hinnant's algorithm).
    pub fn utc(epoch: i64) -> CivilTime {
        let days = epoch.div_euclid(86_400);
        let secs = epoch.rem_euclid(86_400);
        let z = days + 719_468;
        let era = z.div_euclid(146_097);
        let doe = z.rem_euclid(146_097);
        let yoe = (doe - doe / 1460 + doe / 36_524 - doe / 146_096) / 365;
        let doy = doe - (365 * yoe + yoe / 4 - yoe / 100);
        let mp = (5 * doy + 2) / 153;
        let day = (doy - (153 * mp + 2) / 5 + 1) as u32;
        let month = if mp < 10 { mp + 3 } else { mp - 9 } as u32;
        let year = yoe + era * 400 + i64::from(month <= 2);
        CivilTime {
            year,
            month,
            day,
            hour: (secs / 3600) as u32,
            minute: (secs / 60 % 60) as u32,
            second: (secs % 60) as u32,
        }
    }

    /// Seconds since the epoch in the local time zone (`localtime_r`), or
    /// in UTC if that fails.
    pub fn local(epoch: i64) -> CivilTime {
        // time_t is 64 bits wherever this course runs.
        let t = epoch as nix::libc::time_t;
        // SAFETY: `tm` is a C struct of integers and one pointer
        // (`tm_zone`), for all of which all-zero bytes are a valid value.
        let mut tm: nix::libc::tm = unsafe { std::mem::zeroed() };
        // SAFETY: both pointers are to live locals, `&mut tm` exclusive;
        // localtime_r reads `t`, writes only `tm` and, unlike localtime,
        // shares no static buffer with other threads.
        let result = unsafe { nix::libc::localtime_r(&t, &mut tm) };
        if result.is_null() {
            return CivilTime::utc(epoch);
        }
        CivilTime {
            year: i64::from(tm.tm_year) + 1900,
            month: (tm.tm_mon + 1) as u32,
            day: tm.tm_mday as u32,
            hour: tm.tm_hour as u32,
            minute: tm.tm_min as u32,
            second: tm.tm_sec as u32,
        }
    }
}

/// A start time as `HH:MM:SS` if it is on the same day as `now`, else as
/// `YYYY-MM-DDTHH:MM` (one word, so that the columns split on spaces).
pub fn format_start(start: CivilTime, now: CivilTime) -> String {
    if (start.year, start.month, start.day) == (now.year, now.month, now.day) {
        format!("{:02}:{:02}:{:02}", start.hour, start.minute, start.second)
    } else {
        format!(
            "{:04}-{:02}-{:02}T{:02}:{:02}",
            start.year, start.month, start.day, start.hour, start.minute
        )
    }
}
