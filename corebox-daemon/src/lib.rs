//! The CoreBox daemon as a library: the binary in `main.rs` only parses
//! flags and calls [`run`].
//!
//! Subsystems, each owning its tables: [`accounts`] (users, roles,
//! profiles, invites), [`auth`] (passwords, tokens, permission policy),
//! [`storage`] (blob store, upload sessions, garbage collection),
//! [`files`] (file metadata, ownership, grants, quotas), [`shares`]
//! (public links to files and their downloads), [`links`] (short links
//! and their clicks) and [`jobs`] (the background queue and its work),
//! over [`db`] (SQLite). The front doors are [`rpc`]
//! (the tarpc socket), which identifies the caller and calls a subsystem,
//! which checks permissions itself, and [`http`] (the public endpoint for
//! share links and short links). Arrows point down only: nothing below a
//! front door knows about tarpc or HTTP.

pub mod accounts;
pub mod auth;
pub mod clock;
pub mod config;
pub mod db;
pub mod files;
pub mod http;
pub mod jobs;
pub mod links;
pub mod lock;
pub mod logging;
pub mod privacy;
pub mod rpc;
pub mod shares;
pub mod storage;
pub mod units;

use std::io::Write;
use std::num::NonZeroU32;
use std::os::unix::fs::PermissionsExt;
use std::sync::Arc;
use std::time::Duration;

use anyhow::Context as _;
use clap::CommandFactory;
use tokio_util::sync::CancellationToken;
use tokio_util::task::TaskTracker;

use accounts::Accounts;
use auth::{Auth, GuessThrottle};
use config::Config;
use db::Db;
use files::{Files, Limits};
use jobs::{Jobs, JobsConfig};
use links::{Links, LinksConfig, Own};
use lock::DataDirLock;
use shares::Shares;
use storage::Storage;

/// The daemon's shared state: configuration and subsystems.
#[derive(Debug)]
pub struct App {
    /// Settings in force.
    pub config: Config,
    /// Authentication and tokens.
    pub auth: Arc<Auth>,
    /// Users and invites.
    pub accounts: Accounts,
    /// Stored content and upload sessions.
    pub storage: Arc<Storage>,
    /// File metadata, ownership and quotas.
    pub files: Files,
    /// Share links and their downloads.
    pub shares: Shares,
    /// Short links and their clicks.
    pub links: Links,
    /// Background jobs.
    pub jobs: Jobs,
}

/// The clap definition of `corebox-daemon`, for generated docs.
pub fn command() -> clap::Command {
    config::Args::command()
}

/// Runs the daemon until SIGINT or SIGTERM, then shuts down gracefully.
///
/// Prints one line to stdout once the socket and the public endpoint
/// accept connections:
/// `corebox-daemon ready: listening on unix:PATH and http://ADDR`.
///
/// # Errors
///
/// Start-up failures: the data directory cannot be made or is held by
/// another daemon, the database cannot be opened or migrated, the socket
/// or the HTTP address cannot be bound.
pub async fn run(config: Config) -> anyhow::Result<()> {
    let data_dir = &config.data_dir;
    if !data_dir.exists() {
        std::fs::create_dir_all(data_dir)
            .with_context(|| format!("cannot create data directory {}", data_dir.display()))?;
    }
    // The database holds the token signing key and password hashes, the
    // store everyone's files: whatever made the directory, only we may
    // enter it.
    let mode = std::fs::metadata(data_dir)
        .with_context(|| format!("cannot read data directory {}", data_dir.display()))?
        .permissions()
        .mode();
    if mode & 0o077 != 0 {
        std::fs::set_permissions(data_dir, std::fs::Permissions::from_mode(0o700)).with_context(
            || {
                format!(
                    "cannot make data directory {} private (mode 0700)",
                    data_dir.display()
                )
            },
        )?;
        tracing::info!(dir = %data_dir.display(), "made the data directory private (mode 0700)");
    }
    let lock = DataDirLock::acquire(data_dir)?;
    let db = Db::open(&config.database_path())
        .with_context(|| format!("cannot open database {}", config.database_path().display()))?;
    let attempts = NonZeroU32::new(config.login_attempts_per_minute).unwrap_or(NonZeroU32::MIN);
    let quota = config.default_quota.0;
    let auth = Arc::new(Auth::new(db.clone(), config.session_ttl.0, attempts, quota).await?);
    let accounts = Accounts::new(db.clone(), Arc::clone(&auth), config.signup, quota);
    let storage = Arc::new(
        Storage::open(db.clone(), data_dir, config.upload_ttl.0)
            .with_context(|| format!("cannot open the blob store in {}", data_dir.display()))?,
    );
    // Whatever a crash left half-done goes before anyone connects.
    let (blobs, staged) = storage.collect_garbage().await?;
    if blobs + staged > 0 {
        tracing::info!(blobs, staged, "removed leftovers of an earlier run");
    }
    let limits = Limits {
        default_quota: quota,
        max_file_size: config.max_file_size.0,
        disk_reserve: config.disk_reserve.0,
    };
    let workers = match config.job_workers {
        0 => std::thread::available_parallelism().map_or(2, std::num::NonZeroUsize::get),
        workers => workers,
    };
    let jobs = Jobs::open(
        db.clone(),
        Arc::clone(&auth),
        Arc::clone(&storage),
        JobsConfig {
            workers: std::num::NonZeroUsize::new(workers).unwrap_or(std::num::NonZeroUsize::MIN),
            max_attempts: config.job_attempts,
            retry_base: config.job_retry_base.0,
            timeout: config.job_timeout.0,
            thumbnails: config.thumbnails,
            thumbnail_size: config.thumbnail_size,
            upload_hook: config.upload_hook.0.clone(),
            ffmpeg: config.ffmpeg.clone(),
            import_max_bytes: config.import_max_size.0,
            import_allow: jobs::ImportAllowance {
                private: config.import_allow_private,
                addresses: config.import_allow_addresses.0.clone(),
            },
            limits,
        },
    )
    .await?;
    let files = Files::new(db.clone(), Arc::clone(&storage), limits, jobs.clone());
    let socket = rpc::bind(&config.socket)?;
    let web = http::Listener::bind(config.http)
        .await
        .with_context(|| format!("cannot listen for HTTP on {}", config.http))?;
    let public_base = config.public_base(web.local_addr());
    let shares = Shares::open(
        db.clone(),
        Arc::clone(&auth),
        public_base.clone(),
        config.client_address,
        GuessThrottle::new(attempts),
    )
    .await?;
    let links = Links::open(
        db,
        Arc::clone(&auth),
        LinksConfig {
            base_url: public_base.clone(),
            own: Own::new(&public_base, web.local_addr()),
            code_length: config.link_code_length,
            client_address: config.client_address,
            misses_per_minute: NonZeroU32::new(config.link_misses_per_minute)
                .unwrap_or(NonZeroU32::MIN),
            guesses_per_minute: attempts,
        },
    )
    .await?;
    let app = Arc::new(App {
        config,
        auth,
        accounts,
        storage,
        files,
        shares,
        links,
        jobs,
    });
    let public = Arc::new(http::Public::new(
        Arc::clone(&app),
        &public_base,
        http::Metrics::install(),
    ));

    // Watch for signals before announcing readiness: a SIGTERM sent right
    // after the ready line must start a graceful shutdown, not kill us.
    let signals = Signals::watch()?;
    let shutdown = CancellationToken::new();
    let tracker = TaskTracker::new();
    let server = tokio::spawn(rpc::serve(
        socket,
        Arc::clone(&app),
        shutdown.clone(),
        tracker.clone(),
    ));
    let web_address = web.local_addr();
    let web_server = tokio::spawn(http::serve(
        web,
        http::router(Arc::clone(&public)),
        public,
        shutdown.clone(),
        app.config.shutdown_grace.0,
    ));
    let sweeper = tokio::spawn(sweep(Arc::clone(&app.storage), app.config.upload_ttl.0));
    let dispatcher = app.jobs.start();
    tracing::info!(
        socket = %app.config.socket.display(),
        http = %web_address,
        public_url = %public_base,
        data_dir = %app.config.data_dir.display(),
        lock = %lock.path().display(),
        "listening"
    );
    let mut stdout = std::io::stdout().lock();
    writeln!(
        stdout,
        "corebox-daemon ready: listening on unix:{} and http://{web_address}",
        app.config.socket.display()
    )?;
    stdout.flush()?;
    drop(stdout);

    signals.wait().await;
    tracing::info!("shutting down: taking no new calls, finishing those in flight");
    shutdown.cancel();
    server.await.context("accept loop failed")?;
    sweeper.abort();
    tracker.close();
    let grace = app.config.shutdown_grace.0;
    // The HTTP server drains its own answers, and the job workers their
    // jobs, within the same grace.
    let (calls, web, ()) = tokio::join!(
        tokio::time::timeout(grace, tracker.wait()),
        web_server,
        app.jobs.shutdown(dispatcher, grace)
    );
    if calls.is_err() {
        tracing::warn!(
            ?grace,
            "calls still in flight after the grace period; stopping anyway"
        );
    }
    web.context("HTTP server failed")?;
    // No more redirects can come: write the clicks still queued.
    app.links.flush().await;
    tracing::info!("stopped");
    drop(lock);
    Ok(())
}

/// Collects garbage now and then: expired uploads and unreferenced content.
async fn sweep(storage: Arc<Storage>, upload_ttl: Duration) {
    let every = (upload_ttl / 4).clamp(Duration::from_secs(1), Duration::from_secs(600));
    let mut ticks = tokio::time::interval(every);
    ticks.tick().await;
    loop {
        ticks.tick().await;
        match storage.collect_garbage().await {
            Ok((0, 0)) => {}
            Ok((blobs, staged)) => tracing::info!(blobs, staged, "collected garbage"),
            Err(error) => tracing::warn!(%error, "garbage collection failed; will retry"),
        }
    }
}

/// The signals that stop the daemon: SIGTERM and SIGINT.
struct Signals {
    terminate: tokio::signal::unix::Signal,
    interrupt: tokio::signal::unix::Signal,
}

impl Signals {
    fn watch() -> anyhow::Result<Signals> {
        use tokio::signal::unix::{SignalKind, signal};
        Ok(Signals {
            terminate: signal(SignalKind::terminate()).context("cannot watch SIGTERM")?,
            interrupt: signal(SignalKind::interrupt()).context("cannot watch SIGINT")?,
        })
    }

    async fn wait(mut self) {
        tokio::select! {
            _ = self.terminate.recv() => tracing::info!("received SIGTERM"),
            _ = self.interrupt.recv() => tracing::info!("received SIGINT"),
        }
    }
}
