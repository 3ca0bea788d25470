//! The accept path: connections per second through every server model,
//! with 1 and 4 clients, measured side by side in one run. Each model is
//! the real `proclab serve` (release build), driven over loopback by the
//! load generator with short connections (`Connection: close`, closed with
//! SO_LINGER 0 so TIME_WAIT does not use up the ports).
//!
//! Target (issue 6): the thread pool and the pre-forked pool each at
//! least 5× fork-per-connection at 4 clients. Figures are medians of
//! several runs; compare the ratios, not the absolute numbers (a noisy
//! 2-vCPU VM).
//!
//! Run: `cargo bench --bench accept` (`-- --quick` for a short pass).

#[cfg(any(loom, shuttle))]
fn main() {}

#[cfg(not(any(loom, shuttle)))]
fn main() {
    use proclab::serve::cli::{spawn_server, MODELS};
    use proclab::serve::load::{self, Load, Protocol};
    use std::time::Duration;

    let quick = std::env::args().any(|a| a == "--quick");
    let (runs, connections) = if quick { (1, 1_000) } else { (5, 5_000) };
    println!("accept path: {connections} short HTTP connections per run, median of {runs} run(s), connections/s");
    println!("  {:<18} {:>10} {:>10}", "model", "1 client", "4 clients");
    let mut at4 = Vec::new();
    for model in MODELS {
        let (mut child, addr) = spawn_server(
            std::path::Path::new(env!("CARGO_BIN_EXE_proclab")),
            &[
                "--model",
                model,
                "--workers",
                "2",
                "--listen",
                "127.0.0.1:0",
            ],
        )
        .expect("start proclab serve");
        let mut rates = [0.0f64; 2];
        for (i, clients) in [1usize, 4].into_iter().enumerate() {
            let mut v: Vec<f64> = (0..runs)
                .map(|_| {
                    let report = load::run(&Load {
                        addr,
                        clients,
                        connections,
                        protocol: Protocol::Http,
                        linger_zero: true,
                        timeout: Duration::from_secs(10),
                    });
                    assert_eq!(report.errors, 0, "{model}: {report}");
                    report.rate()
                })
                .collect();
            v.sort_by(f64::total_cmp);
            rates[i] = v[v.len() / 2];
        }
        println!("  {model:<18} {:>10.0} {:>10.0}", rates[0], rates[1]);
        at4.push((model, rates[1]));
        let _ = nix::sys::signal::kill(
            nix::unistd::Pid::from_raw(child.id() as i32),
            nix::sys::signal::Signal::SIGTERM,
        );
        let _ = child.wait();
    }
    let rate = |m: &str| at4.iter().find(|(n, _)| *n == m).map_or(0.0, |(_, r)| *r);
    let fork = rate("fork");
    for model in ["pool", "prefork", "prefork-reuseport"] {
        let ratio = rate(model) / fork;
        println!(
            "  target: {model} >= 5x fork at 4 clients: {ratio:.2}x ({})",
            if ratio >= 5.0 { "met" } else { "MISSED" }
        );
    }
}
