//! Log setup: tracing to stderr, as text or JSON, filtered by `COREBOX_LOG`
//! (an `EnvFilter` directive such as `debug` or `corebox_daemon=trace`;
//! default `info`). tarpc's own per-request events are kept at `warn`
//! unless the filter asks for them.

use std::io::IsTerminal;

use tracing_subscriber::EnvFilter;

use crate::config::LogFormat;

/// Installs the global subscriber. Call once, first thing.
pub fn init(format: LogFormat) {
    let filter = EnvFilter::try_from_env("COREBOX_LOG")
        .unwrap_or_else(|_| EnvFilter::new("info,tarpc=warn"));
    let builder = tracing_subscriber::fmt()
        .with_env_filter(filter)
        .with_writer(std::io::stderr)
        .with_ansi(std::io::stderr().is_terminal());
    match format {
        LogFormat::Text => builder.init(),
        LogFormat::Json => builder.json().init(),
    }
}
