//! Connections to either backend, the pool, and migrations.
//!
//! [`DbConnection`] derives diesel's `MultiConnection`, so ordinary queries are written once and
//! run on both backends. The few operations diesel cannot express through it (COPY, multi-row
//! inserts, `BEGIN IMMEDIATE`) match on the variant; [`with_backend!`] writes that match once.

use std::time::Duration;

use diesel::connection::SimpleConnection;
use diesel::prelude::*;
use diesel::{PgConnection, SqliteConnection};
use diesel_migrations::{EmbeddedMigrations, MigrationHarness, embed_migrations};

use crate::error::{Result, StorageError};

/// PostgreSQL migrations, embedded at build time.
pub const POSTGRES_MIGRATIONS: EmbeddedMigrations = embed_migrations!("../../migrations/postgres");
/// SQLite migrations, embedded at build time.
pub const SQLITE_MIGRATIONS: EmbeddedMigrations = embed_migrations!("../../migrations/sqlite");

/// A connection to PostgreSQL or SQLite.
#[derive(diesel::MultiConnection)]
pub enum DbConnection {
    /// PostgreSQL (production).
    Pg(PgConnection),
    /// Embedded SQLite (the default). Last, because SQLite accepts any string as a path.
    Sqlite(SqliteConnection),
}

/// Runs the same expression against whichever concrete connection `$conn` holds.
#[macro_export]
macro_rules! with_backend {
    ($conn:expr, $c:ident => $body:expr) => {
        match $conn {
            $crate::DbConnection::Pg($c) => $body,
            $crate::DbConnection::Sqlite($c) => $body,
        }
    };
}

/// Which database a URL points at.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum DatabaseUrl {
    /// A `postgres://` or `postgresql://` URL, passed to libpq as is.
    Postgres(String),
    /// A path to an SQLite file (created if missing); from `sqlite://PATH`, `sqlite:PATH` or a
    /// bare path.
    Sqlite(String),
}

impl DatabaseUrl {
    /// Reads a URL: `postgres://…` selects PostgreSQL, anything else is an SQLite path.
    pub fn parse(url: &str) -> Result<Self> {
        let url = url.trim();
        if url.is_empty() {
            return Err(StorageError::Config("the database URL is empty".into()));
        }
        if url.starts_with("postgres://") || url.starts_with("postgresql://") {
            return Ok(DatabaseUrl::Postgres(url.to_owned()));
        }
        let path = url
            .strip_prefix("sqlite://")
            .or_else(|| url.strip_prefix("sqlite:"))
            .unwrap_or(url);
        if path.is_empty() {
            return Err(StorageError::Config(format!("no SQLite path in {url:?}")));
        }
        Ok(DatabaseUrl::Sqlite(path.to_owned()))
    }

    /// `postgres` or `sqlite`.
    pub fn backend_name(&self) -> &'static str {
        match self {
            DatabaseUrl::Postgres(_) => "postgres",
            DatabaseUrl::Sqlite(_) => "sqlite",
        }
    }

    /// Opens one connection, configured for Podium's use.
    pub fn connect(&self) -> Result<DbConnection> {
        match self {
            DatabaseUrl::Postgres(url) => Ok(DbConnection::Pg(PgConnection::establish(url)?)),
            DatabaseUrl::Sqlite(path) => {
                let mut conn = SqliteConnection::establish(path)?;
                // WAL lets readers run beside the one writer; the busy timeout makes a second
                // writer wait for the first instead of failing; foreign keys are off by default.
                conn.batch_execute(
                    "PRAGMA journal_mode = WAL; PRAGMA synchronous = NORMAL; \
                     PRAGMA busy_timeout = 60000; PRAGMA foreign_keys = ON;",
                )
                .map_err(|e| StorageError::Unavailable(e.to_string()))?;
                Ok(DbConnection::Sqlite(conn))
            }
        }
    }
}

impl DbConnection {
    /// Applies every pending migration of this backend.
    pub fn run_migrations(&mut self) -> Result<()> {
        let applied = match self {
            DbConnection::Pg(c) => c
                .run_pending_migrations(POSTGRES_MIGRATIONS)
                .map(|v| v.len()),
            DbConnection::Sqlite(c) => c.run_pending_migrations(SQLITE_MIGRATIONS).map(|v| v.len()),
        }
        .map_err(|e| StorageError::Migration(e.to_string()))?;
        if applied > 0 {
            tracing::info!(applied, "applied migrations");
        }
        Ok(())
    }

    /// Reverts every applied migration of this backend (used by tests and for teardown).
    pub fn revert_all_migrations(&mut self) -> Result<()> {
        match self {
            DbConnection::Pg(c) => c.revert_all_migrations(POSTGRES_MIGRATIONS).map(drop),
            DbConnection::Sqlite(c) => c.revert_all_migrations(SQLITE_MIGRATIONS).map(drop),
        }
        .map_err(|e| StorageError::Migration(e.to_string()))
    }

    /// Whether this is PostgreSQL.
    pub fn is_postgres(&self) -> bool {
        matches!(self, DbConnection::Pg(_))
    }
}

/// Opens pooled connections.
#[derive(Debug)]
pub struct Manager {
    url: DatabaseUrl,
}

impl r2d2::ManageConnection for Manager {
    type Connection = DbConnection;
    type Error = StorageError;

    fn connect(&self) -> Result<DbConnection> {
        self.url.connect()
    }

    fn is_valid(&self, conn: &mut DbConnection) -> Result<()> {
        conn.batch_execute("SELECT 1").map_err(StorageError::from)
    }

    fn has_broken(&self, _conn: &mut DbConnection) -> bool {
        false
    }
}

/// A pool of connections.
pub type Pool = r2d2::Pool<Manager>;

/// Builds a pool of up to `size` connections. Connects lazily, so a server can start and answer
/// `/readyz` with 503 while its database is down.
pub fn pool(url: DatabaseUrl, size: u32) -> Pool {
    r2d2::Pool::builder()
        .max_size(size)
        .min_idle(Some(0))
        .connection_timeout(Duration::from_secs(10))
        .test_on_check_out(false)
        .build_unchecked(Manager { url })
}
