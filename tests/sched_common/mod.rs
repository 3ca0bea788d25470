//! Comparing a simulator's reports with the textbook's vectors: shared by
//! `sched_vectors` (every case, reference simulators) and `mlfq` (the MLFQ
//! cases, through the graded module).

use proclab::schedsim::Report;
use serde_json::Value;

/// Every case of `tests/data/sched/textbook.jsonl`, or of the copy
/// `PROCLAB_SCHED_VECTORS` names.
pub fn vectors() -> Vec<Value> {
    let path = std::env::var("PROCLAB_SCHED_VECTORS").unwrap_or_else(|_| {
        concat!(
            env!("CARGO_MANIFEST_DIR"),
            "/tests/data/sched/textbook.jsonl"
        )
        .into()
    });
    let text = std::fs::read_to_string(&path)
        .unwrap_or_else(|e| panic!("cannot read the scheduler vectors at {path}: {e}"));
    text.lines()
        .filter(|l| !l.trim().is_empty())
        .map(|l| serde_json::from_str(l).expect("a vector line is JSON"))
        .collect()
}

/// The arguments of a case, with the simulator pinned (`-p MLFQ` for
/// `mlfq.py`'s cases, as the vector says which one produced it).
pub fn args(case: &Value) -> Vec<String> {
    let mut args: Vec<String> = case["args"]
        .as_array()
        .expect("args")
        .iter()
        .map(|a| a.as_str().expect("arg").to_string())
        .collect();
    if case["sim"] == "mlfq" && !args.iter().any(|a| a == "-p") {
        args.extend(["-p".to_string(), "MLFQ".to_string()]);
    }
    args
}

/// The figure as the textbook prints it (`%.2f`), to compare with the
/// vector's number.
fn printed(x: f64) -> f64 {
    (x * 100.0).round() / 100.0
}

fn same(a: f64, b: &Value) -> bool {
    (printed(a) - b.as_f64().expect("a number")).abs() < 1e-9
}

/// The lines of the textbook's execution trace.
fn textbook_trace(stdout: &str) -> Vec<String> {
    let start = stdout
        .find("Execution trace:")
        .or_else(|| stdout.find("Execution Trace:"))
        .expect("a trace header");
    let end = stdout
        .find("Final statistics:")
        .expect("a statistics header");
    stdout[start..end]
        .lines()
        .skip(1)
        .filter(|l| !l.trim().is_empty())
        .map(str::to_string)
        .collect()
}

/// Run every case in `cases` through `run` and compare the figures, the
/// averages and the trace; panics listing every mismatch.
pub fn compare(cases: &[Value], run: impl Fn(&Value) -> Report) {
    let mut failures = Vec::new();
    for (i, case) in cases.iter().enumerate() {
        let report = run(case);
        let label = format!("case {i} ({} {})", case["sim"], case["args"]);
        let expected = case["jobs"].as_array().expect("jobs");
        if expected.len() != report.jobs.len() {
            failures.push(format!(
                "{label}: {} jobs, expected {}",
                report.jobs.len(),
                expected.len()
            ));
            continue;
        }
        for e in expected {
            let n = e["job"].as_u64().expect("job number") as usize;
            let Some(got) = report.jobs.iter().find(|j| j.job == n) else {
                failures.push(format!("{label}: job {n} missing"));
                continue;
            };
            let mut wrong = vec![];
            if !same(got.response, &e["response"]) {
                wrong.push(format!(
                    "response {} (expected {})",
                    got.response, e["response"]
                ));
            }
            if !same(got.turnaround, &e["turnaround"]) {
                wrong.push(format!(
                    "turnaround {} (expected {})",
                    got.turnaround, e["turnaround"]
                ));
            }
            if let Some(w) = e.get("wait") {
                if !got.wait.is_some_and(|g| same(g, w)) {
                    wrong.push(format!("wait {:?} (expected {w})", got.wait));
                }
            }
            if let Some(s) = e.get("start") {
                if got.start != s.as_u64() {
                    wrong.push(format!("start {:?} (expected {s})", got.start));
                }
            }
            if !wrong.is_empty() {
                failures.push(format!("{label}: job {n}: {}", wrong.join(", ")));
            }
        }
        let avg = &case["avg"];
        if !same(report.avg_response(), &avg["response"])
            || !same(report.avg_turnaround(), &avg["turnaround"])
            || avg
                .get("wait")
                .is_some_and(|w| !report.avg_wait().is_some_and(|g| same(g, w)))
        {
            failures.push(format!(
                "{label}: averages response {} turnaround {} wait {:?}, expected {avg}",
                report.avg_response(),
                report.avg_turnaround(),
                report.avg_wait()
            ));
        }
        let theirs = textbook_trace(case["stdout"].as_str().expect("stdout"));
        let ours: Vec<String> = report
            .trace
            .iter()
            .map(|l| l.trim_end().to_string())
            .collect();
        let theirs: Vec<String> = theirs.iter().map(|l| l.trim_end().to_string()).collect();
        if let Some(k) = (0..ours.len().max(theirs.len())).find(|&k| ours.get(k) != theirs.get(k)) {
            failures.push(format!(
                "{label}: trace differs at line {k}: ours {:?}, textbook {:?}",
                ours.get(k),
                theirs.get(k)
            ));
        }
    }
    assert!(
        failures.is_empty(),
        "{} mismatch(es):\n{}",
        failures.len(),
        failures.join("\n")
    );
}
