//! `corebox-daemon`: parses flags and configuration, sets up logging, and
//! runs the daemon. Exit codes: 0 after a clean shutdown, 1 when start-up
//! fails, 2 for bad flags or configuration.

use std::process::ExitCode;
use std::time::Duration;

use clap::Parser;
use corebox_daemon::config::{Args, Config};

// Transfers allocate and free chunk-sized buffers on many threads; glibc's
// per-thread arenas kept those as resident memory (120 MiB after a 1 GiB
// download), mimalloc reuses and returns them.
#[global_allocator]
static ALLOCATOR: mimalloc::MiMalloc = mimalloc::MiMalloc;

fn main() -> ExitCode {
    // Everything the daemon creates (database, blobs, staging files) is
    // for its own user only.
    rustix::process::umask(rustix::fs::Mode::from_raw_mode(0o077));
    // Imports speak TLS with rustls over ring; set it up before any client.
    let _ = rustls::crypto::ring::default_provider().install_default();
    let args = Args::parse();
    let config = match Config::load(&args) {
        Ok(config) => config,
        Err(error) => {
            eprintln!("corebox-daemon: {error}");
            return ExitCode::from(2);
        }
    };
    corebox_daemon::logging::init(config.log_format);
    let runtime = match tokio::runtime::Builder::new_multi_thread()
        .enable_all()
        .build()
    {
        Ok(runtime) => runtime,
        Err(error) => {
            tracing::error!(%error, "cannot start the async runtime");
            return ExitCode::FAILURE;
        }
    };
    let result = runtime.block_on(corebox_daemon::run(config));
    // `run` has waited out its grace period, handed unfinished jobs back to
    // the queue and flushed the clicks. What may still run on the blocking
    // pool (image work of a job given back, a write the grace period gave
    // up on) is cut short as by a kill, which the store is built to
    // survive, so the process does not wait for it.
    runtime.shutdown_timeout(Duration::from_millis(500));
    match result {
        Ok(()) => ExitCode::SUCCESS,
        Err(error) => {
            tracing::error!("{error:#}");
            ExitCode::FAILURE
        }
    }
}
