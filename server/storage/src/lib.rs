//! Podium's SQL storage: one schema on two backends, PostgreSQL (production) and an embedded
//! SQLite file (the default, no server needed).
//!
//! Why it is shaped so:
//! - **One query text for both backends where diesel allows it.** [`DbConnection`] derives
//!   diesel's `MultiConnection`; the operations that cannot go through it (COPY, multi-row
//!   inserts, `IN` lists) use [`with_backend!`], which compiles the same code once per backend.
//! - **Append-only facts, derived truth.** Measurements and comparisons are never updated or
//!   deleted. "Which value counts" is a query (newest non-retracted submission per key), so any
//!   past state can be reproduced and a retraction is a flag, not a delete.
//! - **One transaction per change.** A submission, a retraction and a benchmark declaration each
//!   commit whole or not at all, and each bumps the data version in the same transaction.
//! - **Functions over a connection, not a repository object.** Every operation takes
//!   `&mut DbConnection`; the caller decides pooling and threading ([`Store`] is the pooled
//!   handle the server uses).
//!
//! [`testing`] gives tests a fresh database on either backend.

pub mod blocks;
pub mod catalog;
mod conn;
pub mod embeddings;
pub mod error;
pub mod ingest;
pub mod jobs;
pub mod measurements;
pub mod schema;
pub mod selection;
pub mod state;
pub mod submissions;
pub mod testing;
pub mod tokens;

pub use conn::{DatabaseUrl, DbConnection, Manager, POSTGRES_MIGRATIONS, Pool, SQLITE_MIGRATIONS};
pub use error::{Result, StorageError};

/// A pooled connection.
pub type PooledConnection = r2d2::PooledConnection<Manager>;

/// The pooled database handle a server holds; cheap to clone.
#[derive(Clone)]
pub struct Store {
    pool: Pool,
    backend: &'static str,
}

impl Store {
    /// Opens a pool on `url` and applies pending migrations.
    pub fn open(url: &str, pool_size: u32) -> Result<Store> {
        let url = DatabaseUrl::parse(url)?;
        let backend = url.backend_name();
        let pool = conn::pool(url, pool_size);
        pool.get()?.run_migrations()?;
        Ok(Store { pool, backend })
    }

    /// A connection from the pool (waits up to 10 s).
    pub fn conn(&self) -> Result<PooledConnection> {
        Ok(self.pool.get()?)
    }

    /// `postgres` or `sqlite`.
    pub fn backend_name(&self) -> &'static str {
        self.backend
    }
}
