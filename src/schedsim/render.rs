//! Printing a simulation: the per-job table, a timeline of who ran when,
//! and JSON for machines.

use super::Report;
use std::fmt::Write as _;

/// The widest timeline drawn; longer runs are scaled down, one cell
/// standing for several ticks.
const TIMELINE_WIDTH: usize = 72;

/// The per-job table, with the averages.
pub fn table(report: &Report) -> String {
    let mlfq = report.jobs.iter().any(|j| j.start.is_some());
    let mut out = String::new();
    if mlfq {
        out.push_str("  job   start  response  turnaround\n");
    } else {
        out.push_str("  job  response  turnaround      wait\n");
    }
    let mut jobs = report.jobs.clone();
    jobs.sort_by_key(|j| j.job);
    for j in &jobs {
        if mlfq {
            let _ = writeln!(
                out,
                "{:5} {:7} {:9.2} {:11.2}",
                j.job,
                j.start.unwrap_or(0),
                j.response,
                j.turnaround
            );
        } else {
            let _ = writeln!(
                out,
                "{:5} {:9.2} {:11.2} {:9.2}",
                j.job,
                j.response,
                j.turnaround,
                j.wait.unwrap_or(0.0)
            );
        }
    }
    if mlfq {
        let _ = writeln!(
            out,
            "  avg {:>7} {:9.2} {:11.2}",
            "",
            report.avg_response(),
            report.avg_turnaround()
        );
    } else {
        let _ = writeln!(
            out,
            "  avg {:9.2} {:11.2} {:9.2}",
            report.avg_response(),
            report.avg_turnaround(),
            report.avg_wait().unwrap_or(0.0)
        );
    }
    out
}

/// A Gantt-style timeline: a row per job, `#` while it runs, `.` while it
/// is in the system and not running (ready, or waiting for I/O), blank
/// before it arrives and after it finishes.
pub fn timeline(report: &Report) -> String {
    let end = report.timeline.last().map_or(0.0, |s| s.to);
    if end <= 0.0 {
        return String::new();
    }
    // A whole number of ticks per column, so that column edges fall on
    // ticks and the axis labels are whole numbers.
    let per_cell = (end / TIMELINE_WIDTH as f64).ceil().max(1.0);
    let cells = (end / per_cell).ceil() as usize;
    let mut out = String::new();
    if per_cell == 1.0 {
        out.push_str("  timeline (one column per tick; # running, . waiting):\n");
    } else {
        let _ = writeln!(
            out,
            "  timeline (one column per {} ticks; # ran in it, . waiting):",
            trim(per_cell)
        );
    }
    let mut jobs = report.jobs.clone();
    jobs.sort_by_key(|j| j.job);
    for j in &jobs {
        let arrive = j.start.map_or(0.0, |s| s as f64);
        let leave = arrive + j.turnaround;
        let row: String = (0..cells)
            .map(|c| {
                let (from, to) = (c as f64 * per_cell, (c + 1) as f64 * per_cell);
                let ran = report
                    .timeline
                    .iter()
                    .any(|s| s.job == j.job && s.from < to && s.to > from);
                if ran {
                    '#'
                } else if from < leave && to > arrive {
                    '.'
                } else {
                    ' '
                }
            })
            .collect();
        let _ = writeln!(out, "{:5} |{}|", j.job, row.trim_end_matches(' '));
    }
    // A time axis: a mark every 10 columns.
    let mut axis = String::from("      ");
    let mut labels = String::from("      ");
    for c in 0..=cells {
        if c % 10 == 0 {
            axis.push('|');
            let label = trim(c as f64 * per_cell);
            if labels.len() <= 6 + c {
                while labels.len() < 6 + c {
                    labels.push(' ');
                }
                labels.push_str(&label);
            }
        } else {
            axis.push('-');
        }
    }
    let _ = writeln!(out, "{axis}\n{labels}");
    out
}

/// The figures as JSON: `{"jobs": [...], "avg": {...}}`.
pub fn json(report: &Report) -> String {
    let mut jobs = Vec::new();
    for j in &report.jobs {
        let mut fields = vec![format!("\"job\": {}", j.job)];
        if let Some(start) = j.start {
            fields.push(format!("\"start\": {start}"));
        }
        fields.push(format!("\"response\": {}", j.response));
        fields.push(format!("\"turnaround\": {}", j.turnaround));
        if let Some(wait) = j.wait {
            fields.push(format!("\"wait\": {wait}"));
        }
        jobs.push(format!("{{{}}}", fields.join(", ")));
    }
    let mut avg = vec![
        format!("\"response\": {}", report.avg_response()),
        format!("\"turnaround\": {}", report.avg_turnaround()),
    ];
    if let Some(wait) = report.avg_wait() {
        avg.push(format!("\"wait\": {wait}"));
    }
    format!(
        "{{\"jobs\": [{}], \"avg\": {{{}}}}}\n",
        jobs.join(", "),
        avg.join(", ")
    )
}

/// `3` for 3.0, `2.5` for 2.5.
fn trim(x: f64) -> String {
    if x.fract() == 0.0 {
        format!("{}", x as i64)
    } else {
        format!("{x:.1}")
    }
}

#[cfg(test)]
mod tests {
    use super::super::policies::{simulate, Policy};
    use super::*;

    #[test]
    fn long_runs_get_whole_ticks_per_column() {
        // 600 ticks: 9 ticks per column (not 600/72), 67 columns; job 2
        // runs in [200, 300) and [500, 600): columns 22..=33 and 55..=66.
        let r = simulate(Policy::Rr { quantum: 100.0 }, &[200.0, 200.0, 200.0]);
        let t = timeline(&r);
        assert!(t.contains("one column per 9 ticks"), "{t}");
        let row = t.lines().nth(3).expect("job 2's row");
        let ran: Vec<usize> = row
            .trim_start_matches(|c: char| c != '|')
            .chars()
            .skip(1)
            .enumerate()
            .filter(|&(_, c)| c == '#')
            .map(|(i, _)| i)
            .collect();
        let expected: Vec<usize> = (22..=33).chain(55..=66).collect();
        assert_eq!(ran, expected, "{t}");
    }

    #[test]
    fn timeline_shows_who_ran_when() {
        let r = simulate(Policy::Rr { quantum: 2.0 }, &[5.0, 3.0, 8.0]);
        let t = timeline(&r);
        let rows: Vec<&str> = t.lines().skip(1).take(3).collect();
        assert_eq!(rows[0], "    0 |##....##...#|");
        assert_eq!(rows[1], "    1 |..##....#|");
        assert_eq!(rows[2], "    2 |....##...##.####|");
    }

    #[test]
    fn json_has_every_job_and_the_averages() {
        let r = simulate(Policy::Fifo, &[2.0, 4.0]);
        assert_eq!(
            json(&r),
            "{\"jobs\": [{\"job\": 0, \"response\": 0, \"turnaround\": 2, \"wait\": 0}, \
             {\"job\": 1, \"response\": 2, \"turnaround\": 6, \"wait\": 2}], \
             \"avg\": {\"response\": 1, \"turnaround\": 4, \"wait\": 1}}\n"
        );
    }
}
