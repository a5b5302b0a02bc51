//! Logs: structured records to stderr, as text for people or JSON for log
//! pipelines (`--log-format json`). Text logs are coloured only when stderr
//! is a terminal (and `NO_COLOR` is not set); each record starts with its
//! time as `YYYY-MM-DD HH:MM:SSZ` (JSON logs: RFC 3339 to the millisecond).
//!
//! What is logged is `RUST_LOG` when it is set, else the config's
//! `[log] level` (default `info`); the level can change while the node
//! runs (`SIGHUP`), through a reload handle on the filter.

use mailflow_core::time_format::{json_time, text_time};
use std::io::IsTerminal;
use std::sync::OnceLock;
use time::OffsetDateTime;
use tracing_subscriber::fmt::format::Writer;
use tracing_subscriber::fmt::time::FormatTime;
use tracing_subscriber::layer::SubscriberExt;
use tracing_subscriber::util::SubscriberInitExt;
use tracing_subscriber::{EnvFilter, Registry, reload};

/// The level when neither `RUST_LOG` nor the config says.
pub const DEFAULT_LEVEL: &str = "info";

#[derive(Debug, Clone, Copy, PartialEq, Eq, clap::ValueEnum)]
pub enum LogFormat {
    Text,
    Json,
}

/// Changes the filter of the installed subscriber.
static FILTER: OnceLock<reload::Handle<EnvFilter, Registry>> = OnceLock::new();

pub fn init(format: LogFormat) {
    let (filter, handle) = reload::Layer::new(initial_filter());
    let registry = tracing_subscriber::registry().with(filter);
    let result = match format {
        LogFormat::Text => registry
            .with(
                tracing_subscriber::fmt::layer()
                    .with_writer(std::io::stderr)
                    .with_ansi(colours_wanted())
                    .with_timer(TextTimer),
            )
            .try_init(),
        LogFormat::Json => registry
            .with(
                tracing_subscriber::fmt::layer()
                    .json()
                    .with_writer(std::io::stderr)
                    .with_timer(JsonTimer),
            )
            .try_init(),
    };
    match result {
        Ok(()) => {
            let _ = FILTER.set(handle);
        }
        Err(error) => eprintln!("logging could not be set up: {error}"),
    }
}

/// Logs what `level` (an `EnvFilter` directive such as `info` or
/// `info,mailflow_relay=debug`) lets through from now on. `RUST_LOG`, when
/// set, wins: the level is left alone and `Ok(false)` says so.
pub fn set_level(level: &str) -> Result<bool, String> {
    if rust_log().is_some() {
        return Ok(false);
    }
    let filter = parse_level(level)?;
    if let Some(handle) = FILTER.get() {
        handle.reload(filter).map_err(|error| error.to_string())?;
    }
    Ok(true)
}

/// Checks a `[log] level` value.
pub fn parse_level(level: &str) -> Result<EnvFilter, String> {
    EnvFilter::try_new(level).map_err(|error| error.to_string())
}

fn initial_filter() -> EnvFilter {
    rust_log()
        .and_then(|directives| EnvFilter::try_new(directives).ok())
        .unwrap_or_else(|| EnvFilter::new(DEFAULT_LEVEL))
}

fn rust_log() -> Option<String> {
    std::env::var(EnvFilter::DEFAULT_ENV)
        .ok()
        .filter(|value| !value.trim().is_empty())
}

/// Colour codes only for a person looking at a terminal.
fn colours_wanted() -> bool {
    std::io::stderr().is_terminal() && std::env::var_os("NO_COLOR").is_none()
}

struct TextTimer;

impl FormatTime for TextTimer {
    fn format_time(&self, w: &mut Writer<'_>) -> std::fmt::Result {
        w.write_str(&text_time(OffsetDateTime::now_utc()))
    }
}

struct JsonTimer;

impl FormatTime for JsonTimer {
    fn format_time(&self, w: &mut Writer<'_>) -> std::fmt::Result {
        w.write_str(&json_time(OffsetDateTime::now_utc()))
    }
}
