//! The two outputs: the table (`ps f` style) and JSON.

use super::clock::{format_cpu, format_start, CivilTime, Clock};
use super::procfs::ProcInfo;
use super::tree::Entry;
use std::fmt::Write as _;

/// The `EXE` column: `deleted`, `-`, or `?` when unreadable.
fn exe_column(p: &ProcInfo) -> &'static str {
    match &p.exe {
        None => "?",
        Some(_) if p.exe_deleted() => "deleted",
        Some(_) => "-",
    }
}

/// The table `proclab ps` prints: a header, one line per entry (commands
/// indented by depth, `ps f` style), and a footnote if an executable was
/// deleted. Start times are shown in the local time zone, relative to
/// `now` (seconds since the epoch).
pub fn render_table(entries: &[Entry], clock: &Clock, now: i64) -> String {
    let today = CivilTime::local(now);
    let rows: Vec<[String; 8]> = entries
        .iter()
        .map(|e| {
            let p = &e.info;
            let start = clock.start_time(p.start_ticks) as i64;
            let indent = if e.depth == 0 {
                String::new()
            } else {
                format!("{}\\_ ", "   ".repeat(e.depth - 1))
            };
            [
                p.pid.to_string(),
                p.ppid.to_string(),
                p.state.to_string(),
                format_start(CivilTime::local(start), today),
                format_cpu(p.cpu_ticks, clock.ticks_per_second),
                e.role.name().to_string(),
                exe_column(p).to_string(),
                indent + &p.command(),
            ]
        })
        .collect();
    let header = [
        "PID", "PPID", "S", "START", "TIME", "ROLE", "EXE", "COMMAND",
    ];
    let mut widths = header.map(str::len);
    for row in &rows {
        for (w, cell) in widths.iter_mut().zip(row) {
            *w = (*w).max(cell.chars().count());
        }
    }
    let mut out = String::new();
    let mut line = |cells: [&str; 8]| {
        let mut text = format!(
            "{:>w0$} {:>w1$} ",
            cells[0],
            cells[1],
            w0 = widths[0],
            w1 = widths[1]
        );
        for (cell, w) in cells[2..7].iter().zip(&widths[2..7]) {
            let _ = write!(text, "{cell:<w$} ");
        }
        text.push_str(cells[7]);
        out.push_str(text.trim_end());
        out.push('\n');
    };
    line(header);
    for row in &rows {
        line(row.each_ref().map(String::as_str));
    }
    if entries.iter().any(|e| e.info.exe_deleted()) {
        out.push_str(
            "\ndeleted: /proc/PID/exe ends in \" (deleted)\": the executable was removed or \
             replaced on disk after the process started it (as after an in-place binary \
             upgrade); the process still runs the old code.\n",
        );
    }
    out
}

/// A JSON string literal.
fn json_string(s: &str) -> String {
    let mut out = String::with_capacity(s.len() + 2);
    out.push('"');
    for c in s.chars() {
        match c {
            '"' => out.push_str("\\\""),
            '\\' => out.push_str("\\\\"),
            '\n' => out.push_str("\\n"),
            '\t' => out.push_str("\\t"),
            '\r' => out.push_str("\\r"),
            c if (c as u32) < 0x20 => {
                let _ = write!(out, "\\u{:04x}", c as u32);
            }
            c => out.push(c),
        }
    }
    out.push('"');
    out
}

/// The listing as a JSON array, one object per line: `pid`, `ppid`,
/// `state` (the letter), `role`, `comm`, `start_time` (seconds since the
/// epoch, to the clock tick), `cpu_seconds`, `exe` (the link target, or
/// `null` when unreadable), `exe_deleted`, `cmdline` (the arguments joined
/// with spaces), `argv` (the arguments), `depth` and `children` (pids).
pub fn render_json(entries: &[Entry], clock: &Clock) -> String {
    let objects: Vec<String> = entries
        .iter()
        .map(|e| {
            let p = &e.info;
            let argv: Vec<String> = p.cmdline.iter().map(|a| json_string(a)).collect();
            let children: Vec<String> = e.children.iter().map(i32::to_string).collect();
            format!(
                "{{\"pid\": {}, \"ppid\": {}, \"state\": {}, \"role\": {}, \"comm\": {}, \
                 \"start_time\": {:.2}, \"cpu_seconds\": {:.2}, \"exe\": {}, \
                 \"exe_deleted\": {}, \"cmdline\": {}, \"argv\": [{}], \"depth\": {}, \
                 \"children\": [{}]}}",
                p.pid,
                p.ppid,
                json_string(&p.state.to_string()),
                json_string(e.role.name()),
                json_string(&p.comm),
                clock.start_time(p.start_ticks),
                clock.seconds(p.cpu_ticks),
                p.exe.as_deref().map_or("null".to_string(), json_string),
                p.exe_deleted(),
                json_string(&p.cmdline.join(" ")),
                argv.join(", "),
                e.depth,
                children.join(", "),
            )
        })
        .collect();
    if objects.is_empty() {
        "[]\n".to_string()
    } else {
        format!("[\n  {}\n]\n", objects.join(",\n  "))
    }
}
