//! `proclab serve` and `proclab load`: flag parsing and the commands.

use super::fork_server_reaping::fork_per_connection;
use super::handler::{self, Handler};
use super::listen::{resolve, ListenConfig};
use super::load::{self, Load, Protocol};
use super::models::{self, Stats};
use super::prefork::{Prefork, Variant};
use super::stop::StopSignal;
use std::io::{BufRead, BufReader};
use std::net::SocketAddr;
use std::process::{Child, Command, ExitCode, Stdio};
use std::sync::atomic::Ordering::Relaxed;
use std::sync::Arc;
use std::time::Duration;

/// `proclab serve`'s help.
pub const SERVE_HELP: &str = "\
proclab serve: serve connections until SIGINT or SIGTERM, then stop
accepting, finish the connections in flight, and exit 0.

  --model M        iterative | fork | thread | pool | prefork | prefork-reuseport
                   (default iterative)
  --workers N      pool threads or pre-forked processes (default 4)
  --listen ADDR    host:port, [v6]:port (default 127.0.0.1:8080; port 0: any)
  --handler H      echo | http   (default http)
  --backlog N      listen backlog (default 1024)
  --nofile N       lower this process's open-file limit to N (to see EMFILE)

Prints `listening on ADDR` once ready, and a summary on stop.";

/// `proclab load`'s help.
pub const LOAD_HELP: &str = "\
proclab load: open short connections to a server and report
connections/s, latency p50/p99 and errors.

  --connect ADDR   the server (required)
  --clients N      client threads (default 4)
  --connections N  connections in all (default 10000)
  --handler H      echo | http: what to send and expect (default http)
  --linger0        close with SO_LINGER 0 (no TIME_WAIT on the client)";

/// The server models `--model` chooses from.
pub const MODELS: [&str; 6] = [
    "iterative",
    "fork",
    "thread",
    "pool",
    "prefork",
    "prefork-reuseport",
];

/// Start `exe serve ARGS` (the `proclab` binary) and wait until it
/// listens: the child (stdout read up to its `listening on` line, stderr
/// piped) and the address it printed. For tests and benches that drive a
/// real server.
pub fn spawn_server(exe: &std::path::Path, args: &[&str]) -> std::io::Result<(Child, SocketAddr)> {
    spawn_listening(exe, "serve", args)
}

/// `exe COMMAND ARGS` (`serve` or `master`), once it has printed the
/// line naming the address it listens on (`… listening on ADDR …`).
pub fn spawn_listening(
    exe: &std::path::Path,
    command: &str,
    args: &[&str],
) -> std::io::Result<(Child, SocketAddr)> {
    let mut child = Command::new(exe)
        .arg(command)
        .args(args)
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()?;
    let mut line = String::new();
    if let Some(out) = child.stdout.take() {
        BufReader::new(out).read_line(&mut line)?;
    }
    let addr = line
        .split_once("listening on ")
        .and_then(|(_, rest)| rest.split_whitespace().next())
        .and_then(|a| a.parse().ok());
    match addr {
        Some(addr) => Ok((child, addr)),
        None => {
            let _ = child.kill();
            let _ = child.wait();
            Err(std::io::Error::other(format!(
                "proclab {command} {}: no `listening on ADDR` line (got {line:?})",
                args.join(" ")
            )))
        }
    }
}

/// Flag values, `--name value` pairs and bare `--switch`es.
struct Flags {
    pairs: Vec<(String, String)>,
    switches: Vec<String>,
}

impl Flags {
    fn parse(args: &[String], switches: &[&str], valued: &[&str]) -> Result<Flags, String> {
        let mut flags = Flags {
            pairs: Vec::new(),
            switches: Vec::new(),
        };
        let mut it = args.iter();
        while let Some(a) = it.next() {
            let name = a.trim_start_matches("--");
            if switches.contains(&name) && a.starts_with("--") {
                flags.switches.push(name.to_string());
            } else if valued.contains(&name) && a.starts_with("--") {
                let v = it.next().ok_or(format!("{a} needs a value"))?;
                flags.pairs.push((name.to_string(), v.clone()));
            } else {
                return Err(format!("unknown argument `{a}`"));
            }
        }
        Ok(flags)
    }

    fn get(&self, name: &str) -> Option<&str> {
        self.pairs
            .iter()
            .rev()
            .find(|(n, _)| n == name)
            .map(|(_, v)| v.as_str())
    }

    fn number(&self, name: &str, default: usize) -> Result<usize, String> {
        match self.get(name) {
            None => Ok(default),
            Some(v) => v.parse().map_err(|_| format!("--{name} {v}: not a number")),
        }
    }

    fn on(&self, name: &str) -> bool {
        self.switches.iter().any(|s| s == name)
    }
}

/// `proclab serve [flags]`.
pub fn serve(args: &[String]) -> ExitCode {
    if args.iter().any(|a| a == "--help" || a == "-h") {
        println!("{SERVE_HELP}");
        return ExitCode::SUCCESS;
    }
    match serve_inner(args) {
        Ok(()) => ExitCode::SUCCESS,
        Err(e) => {
            eprintln!("proclab serve: {e}");
            ExitCode::from(2)
        }
    }
}

fn serve_inner(args: &[String]) -> Result<(), String> {
    let flags = Flags::parse(
        args,
        &[],
        &["model", "workers", "listen", "handler", "backlog", "nofile"],
    )?;
    let model = flags.get("model").unwrap_or("iterative");
    if !MODELS.contains(&model) {
        return Err(format!(
            "--model {model}: choose one of {}",
            MODELS.join(", ")
        ));
    }
    let workers = flags.number("workers", 4)?;
    if workers == 0 {
        return Err("--workers 0: a pool needs at least one worker".into());
    }
    let handler: Arc<dyn Handler> =
        Arc::from(handler::by_name(flags.get("handler").unwrap_or("http"))?);
    if let Some(n) = flags.get("nofile") {
        let n: u64 = n
            .parse()
            .map_err(|_| format!("--nofile {n}: not a number"))?;
        use nix::sys::resource::{getrlimit, setrlimit, Resource};
        let (_, hard) = getrlimit(Resource::RLIMIT_NOFILE).map_err(|e| e.to_string())?;
        setrlimit(Resource::RLIMIT_NOFILE, n.min(hard), hard)
            .map_err(|e| format!("--nofile {n}: {e}"))?;
    }
    let mut config = ListenConfig::new(flags.get("listen").unwrap_or("127.0.0.1:8080"));
    config.backlog = i32::try_from(flags.number("backlog", 1024)?)
        .map_err(|_| "--backlog: too large".to_string())?;
    if let Some(variant) = match model {
        "prefork" => Some(Variant::AcceptMutex),
        "prefork-reuseport" => Some(Variant::ReusePort),
        _ => None,
    } {
        return prefork(&config, variant, workers, &*handler);
    }
    let listener = config.listen().map_err(|e| e.to_string())?;
    let stop = StopSignal::install().map_err(|e| format!("installing signal handlers: {e}"))?;
    let addr = listener.local_addr().map_err(|e| e.to_string())?;
    println!("listening on {addr} ({model}, {} handler)", handler.name());
    let stats = Arc::new(Stats::default());
    let result = match model {
        "iterative" => models::iterative(listener, &*handler, &stop, &stats),
        "fork" => fork_per_connection(listener, &*handler, &stop, &stats),
        "thread" => models::thread_per_connection(listener, handler, &stop, stats.clone()),
        _ => models::thread_pool(listener, handler, workers, &stop, stats.clone()),
    };
    eprintln!(
        "proclab serve: stopped; {} connection(s) served, {} failed, {} accept back-off(s) for lack of descriptors",
        stats.served.load(Relaxed),
        stats.failed.load(Relaxed),
        stats.fd_backoffs.load(Relaxed)
    );
    result.map_err(|e| e.to_string())
}

/// The pre-forked models: bind, fork the workers, supervise, report.
fn prefork(
    config: &ListenConfig,
    variant: Variant,
    workers: usize,
    handler: &dyn Handler,
) -> Result<(), String> {
    let mut pool = Prefork::bind(config, variant, workers).map_err(|e| e.to_string())?;
    let stop = StopSignal::install().map_err(|e| format!("installing signal handlers: {e}"))?;
    let addr = pool.local_addr().map_err(|e| e.to_string())?;
    println!(
        "listening on {addr} (prefork{}, {workers} workers, {} handler)",
        if variant == Variant::ReusePort {
            " with SO_REUSEPORT"
        } else {
            " with an accept mutex"
        },
        handler.name()
    );
    let result = pool.run(handler, &stop);
    let served = pool.served();
    eprintln!(
        "proclab serve: stopped; {} connection(s) served, per worker {:?}; {} worker(s) respawned, {} accept mutex(es) released from dead holders",
        served.iter().sum::<u64>(),
        served,
        pool.respawns,
        pool.forced_unlocks
    );
    result.map_err(|e| e.to_string())
}

/// `proclab load [flags]`.
pub fn load(args: &[String]) -> ExitCode {
    if args.iter().any(|a| a == "--help" || a == "-h") {
        println!("{LOAD_HELP}");
        return ExitCode::SUCCESS;
    }
    let parsed = Flags::parse(
        args,
        &["linger0"],
        &["connect", "clients", "connections", "handler"],
    )
    .and_then(|flags| {
        let addr = resolve(flags.get("connect").ok_or("--connect ADDR is required")?)
            .map_err(|e| e.to_string())?;
        let protocol = match flags.get("handler").unwrap_or("http") {
            "http" => Protocol::Http,
            "echo" => Protocol::Echo,
            other => return Err(format!("--handler {other}: choose echo or http")),
        };
        Ok(Load {
            addr,
            clients: flags.number("clients", 4)?.max(1),
            connections: flags.number("connections", 10_000)?,
            protocol,
            linger_zero: flags.on("linger0"),
            timeout: Duration::from_secs(10),
        })
    });
    match parsed {
        Ok(l) => {
            let report = load::run(&l);
            println!("{report}");
            if report.errors == 0 {
                ExitCode::SUCCESS
            } else {
                ExitCode::FAILURE
            }
        }
        Err(e) => {
            eprintln!("proclab load: {e}\n(see `proclab load --help`)");
            ExitCode::from(2)
        }
    }
}
