//! `proclab master`'s configuration: a TOML file, read at start and again
//! on every SIGHUP. A bad file is refused as a whole, with the first
//! thing wrong named — at start the master does not start; on a reload it
//! keeps serving with the configuration it has (nginx does the same).
//!
//! ```toml
//! listen = ["127.0.0.1:8080", "[::1]:8080"]   # where to accept
//! workers = 2                                  # worker processes
//! handler = "http"                             # echo | http
//! log = "master.log"                           # relative to this file's directory
//! pid_file = "master.pid"                      # (optional)
//! shutdown_timeout_ms = 10000                  # QUIT: wait this long, then TERM
//! heartbeat_timeout_ms = 3000                  # a silent worker is killed
//! ```
//!
//! Unknown keys are errors, not ignored: a misspelt `wrokers = 8` would
//! otherwise run with the default and nobody would know.

use crate::serve::listen::resolve;
use std::fmt;
use std::path::{Path, PathBuf};
use std::time::Duration;

/// Most workers a master runs (the shared page has counters for 64).
pub const MAX_WORKERS: usize = crate::serve::shared::MAX_WORKERS;

/// A checked configuration.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Config {
    /// Addresses to listen on (`host:port`): at least one.
    pub listen: Vec<String>,
    /// Worker processes: 1 to [`MAX_WORKERS`].
    pub workers: usize,
    /// The connection handler's name (`echo` or `http`).
    pub handler: String,
    /// The log file (absolute: resolved against the file's directory).
    pub log: Option<PathBuf>,
    /// Where to write the master's pid (absolute, as `log`).
    pub pid_file: Option<PathBuf>,
    /// How long a graceful stop may take before it becomes a fast one.
    pub shutdown_timeout: Duration,
    /// A worker silent for longer than this is killed and replaced.
    pub heartbeat_timeout: Duration,
}

/// What is wrong with a configuration file.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct ConfigError {
    /// The file.
    pub path: PathBuf,
    /// What is wrong, naming the key.
    pub what: String,
}

impl fmt::Display for ConfigError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{}: {}", self.path.display(), self.what)
    }
}

impl std::error::Error for ConfigError {}

const KEYS: [&str; 7] = [
    "listen",
    "workers",
    "handler",
    "log",
    "pid_file",
    "shutdown_timeout_ms",
    "heartbeat_timeout_ms",
];

impl Config {
    /// Read and check the file at `path`.
    pub fn load(path: &Path) -> Result<Config, ConfigError> {
        let fail = |what: String| ConfigError {
            path: path.to_path_buf(),
            what,
        };
        let text = std::fs::read_to_string(path).map_err(|e| fail(format!("cannot read: {e}")))?;
        let base = path
            .canonicalize()
            .ok()
            .and_then(|p| p.parent().map(Path::to_path_buf))
            .unwrap_or_else(|| PathBuf::from("."));
        Config::parse(&text, &base).map_err(fail)
    }

    /// Check `text`; relative paths are taken from `base`.
    pub fn parse(text: &str, base: &Path) -> Result<Config, String> {
        let table: toml::Table = text
            .parse()
            .map_err(|e: toml::de::Error| format!("not valid TOML: {}", e.message()))?;
        if let Some(unknown) = table.keys().find(|k| !KEYS.contains(&k.as_str())) {
            return Err(format!(
                "unknown key `{unknown}` (the keys are: {})",
                KEYS.join(", ")
            ));
        }
        let listen = match table.get("listen") {
            Some(toml::Value::Array(items)) if !items.is_empty() => items
                .iter()
                .map(|v| match v {
                    toml::Value::String(s) => Ok(s.clone()),
                    other => Err(format!(
                        "listen: {other} is not a string like \"127.0.0.1:8080\""
                    )),
                })
                .collect::<Result<Vec<_>, _>>()?,
            Some(toml::Value::String(s)) => vec![s.clone()],
            Some(_) => return Err("listen: a list of addresses, at least one".into()),
            None => return Err("listen is required (say, listen = [\"127.0.0.1:8080\"])".into()),
        };
        for addr in &listen {
            resolve(addr).map_err(|e| format!("listen: {e}"))?;
        }
        let workers = match integer(&table, "workers")? {
            None => 1,
            Some(n) if (1..=MAX_WORKERS as i64).contains(&n) => n as usize,
            Some(n) => return Err(format!("workers = {n}: from 1 to {MAX_WORKERS}")),
        };
        let handler = match table.get("handler") {
            None => "http".to_string(),
            Some(toml::Value::String(s)) => {
                crate::serve::handler::by_name(s).map_err(|e| format!("handler: {e}"))?;
                s.clone()
            }
            Some(other) => return Err(format!("handler = {other}: a name, \"echo\" or \"http\"")),
        };
        let log = path(&table, "log", base)?;
        if let Some(dir) = log.as_deref().and_then(Path::parent) {
            if !dir.is_dir() {
                return Err(format!("log: directory {} does not exist", dir.display()));
            }
        }
        let millis = |key: &str, default: u64| -> Result<Duration, String> {
            match integer(&table, key)? {
                None => Ok(Duration::from_millis(default)),
                Some(n) if n > 0 => Ok(Duration::from_millis(n as u64)),
                Some(n) => Err(format!("{key} = {n}: a positive number of milliseconds")),
            }
        };
        Ok(Config {
            listen,
            workers,
            handler,
            log,
            pid_file: path(&table, "pid_file", base)?,
            shutdown_timeout: millis("shutdown_timeout_ms", 10_000)?,
            heartbeat_timeout: millis("heartbeat_timeout_ms", 3_000)?,
        })
    }
}

/// The integer at `key`, if present; an error naming the key if it is
/// something else.
fn integer(table: &toml::Table, key: &str) -> Result<Option<i64>, String> {
    match table.get(key) {
        None => Ok(None),
        Some(toml::Value::Integer(n)) => Ok(Some(*n)),
        Some(other) => Err(format!("{key} = {other}: a whole number")),
    }
}

/// The path at `key`, resolved against `base`.
fn path(table: &toml::Table, key: &str, base: &Path) -> Result<Option<PathBuf>, String> {
    match table.get(key) {
        None => Ok(None),
        Some(toml::Value::String(s)) if !s.is_empty() => Ok(Some(base.join(s))),
        Some(other) => Err(format!("{key} = {other}: a file name")),
    }
}
