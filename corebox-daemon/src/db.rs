//! SQLite connections and schema migrations.
//!
//! One writer connection and a small pool of readers, all in WAL mode, so
//! reads never wait on the writer. Every call runs on tokio's blocking pool
//! ([`Db::read`], [`Db::write`]): no SQLite call ever blocks an async worker.
//! Subsystems pass closures that run their own SQL; the SQL itself lives in
//! each subsystem's `store` module. The schema is versioned with
//! `rusqlite_migration` and brought up to date at start.

use std::path::{Path, PathBuf};
use std::sync::{Arc, Mutex};

use rusqlite::{Connection, OpenFlags};
use rusqlite_migration::{M, Migrations};

/// Readers kept open for reuse; more may be opened under load.
const READERS_KEPT: usize = 4;

/// The schema, one entry per version. Never edit a released entry: append.
const MIGRATIONS: &[M<'static>] = &[
    M::up(include_str!("db/0001_accounts.sql")),
    M::up(include_str!("db/0002_files.sql")),
    M::up(include_str!("db/0003_shares.sql")),
    M::up(include_str!("db/0004_links.sql")),
    M::up(include_str!("db/0005_jobs.sql")),
];

/// Failures of the database layer.
#[derive(Debug, thiserror::Error)]
pub enum DbError {
    /// SQLite reported an error.
    #[error("database error: {0}")]
    Sqlite(#[from] rusqlite::Error),
    /// A migration failed.
    #[error("database migration failed: {0}")]
    Migration(#[from] rusqlite_migration::Error),
    /// The blocking task running a query panicked or was cancelled.
    #[error("database task failed: {0}")]
    Task(String),
}

/// Handle to the database; cheap to clone.
#[derive(Debug, Clone)]
pub struct Db {
    writer: Arc<Mutex<Connection>>,
    readers: Arc<Mutex<Vec<Connection>>>,
    path: PathBuf,
}

impl Db {
    /// Opens (creating if needed) the database at `path` and migrates it.
    ///
    /// # Errors
    ///
    /// The file cannot be opened, or a migration fails.
    pub fn open(path: &Path) -> Result<Db, DbError> {
        let mut writer = Connection::open(path)?;
        configure(&writer)?;
        writer.pragma_update(None, "journal_mode", "WAL")?;
        Migrations::from_slice(MIGRATIONS).to_latest(&mut writer)?;
        Ok(Db {
            writer: Arc::new(Mutex::new(writer)),
            readers: Arc::new(Mutex::new(Vec::new())),
            path: path.to_path_buf(),
        })
    }

    /// Runs `work` on the writer connection, on the blocking pool.
    ///
    /// # Errors
    ///
    /// Whatever `work` returns, or [`DbError::Task`] if it panicked.
    pub async fn write<T, E, F>(&self, work: F) -> Result<T, E>
    where
        T: Send + 'static,
        E: From<DbError> + Send + 'static,
        F: FnOnce(&mut Connection) -> Result<T, E> + Send + 'static,
    {
        let writer = Arc::clone(&self.writer);
        run_blocking(move || {
            // A poisoned lock means an earlier closure panicked; SQLite has
            // rolled back its open transaction, so the connection is sound.
            let mut conn = writer.lock().unwrap_or_else(|poison| poison.into_inner());
            work(&mut conn)
        })
        .await
    }

    /// Runs `work` on a read-only connection, on the blocking pool.
    ///
    /// # Errors
    ///
    /// Whatever `work` returns, [`DbError::Sqlite`] if no reader can be
    /// opened, or [`DbError::Task`] if it panicked.
    pub async fn read<T, E, F>(&self, work: F) -> Result<T, E>
    where
        T: Send + 'static,
        E: From<DbError> + Send + 'static,
        F: FnOnce(&Connection) -> Result<T, E> + Send + 'static,
    {
        let readers = Arc::clone(&self.readers);
        let path = self.path.clone();
        run_blocking(move || {
            let pooled = readers
                .lock()
                .unwrap_or_else(|poison| poison.into_inner())
                .pop();
            let conn = match pooled {
                Some(conn) => conn,
                None => open_reader(&path).map_err(E::from)?,
            };
            let result = work(&conn);
            let mut pool = readers.lock().unwrap_or_else(|poison| poison.into_inner());
            if pool.len() < READERS_KEPT {
                pool.push(conn);
            }
            result
        })
        .await
    }
}

async fn run_blocking<T, E, F>(work: F) -> Result<T, E>
where
    T: Send + 'static,
    E: From<DbError> + Send + 'static,
    F: FnOnce() -> Result<T, E> + Send + 'static,
{
    tokio::task::spawn_blocking(work)
        .await
        .map_err(|error| E::from(DbError::Task(error.to_string())))?
}

fn open_reader(path: &Path) -> Result<Connection, DbError> {
    let conn = Connection::open_with_flags(
        path,
        OpenFlags::SQLITE_OPEN_READ_ONLY | OpenFlags::SQLITE_OPEN_NO_MUTEX,
    )?;
    configure(&conn)?;
    Ok(conn)
}

fn configure(conn: &Connection) -> Result<(), DbError> {
    conn.busy_timeout(std::time::Duration::from_secs(5))?;
    conn.pragma_update(None, "foreign_keys", "ON")?;
    // FULL: a committed row survives power loss, not only a process crash.
    conn.pragma_update(None, "synchronous", "FULL")?;
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn migrations_are_valid() {
        Migrations::from_slice(MIGRATIONS)
            .validate()
            .expect("migrations apply to an empty database");
    }

    #[tokio::test]
    async fn reopening_keeps_data_and_reads_see_writes() {
        let dir = tempfile::tempdir().expect("temp dir");
        let path = dir.path().join("test.db");
        let db = Db::open(&path).expect("open");
        db.write(|conn| {
            conn.execute("INSERT INTO secrets (name, value) VALUES ('k', x'01')", [])
                .map_err(DbError::from)
        })
        .await
        .expect("insert");
        drop(db);
        let db = Db::open(&path).expect("reopen");
        let count: i64 = db
            .read(|conn| {
                conn.query_row("SELECT count(*) FROM secrets", [], |row| row.get(0))
                    .map_err(DbError::from)
            })
            .await
            .expect("count");
        assert_eq!(count, 1);
    }
}
