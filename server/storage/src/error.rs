//! The storage crate's one error type.

use podium_wire::LineError;

/// Everything that can go wrong in storage. The HTTP layer maps it to a status in one place.
#[derive(Debug, thiserror::Error)]
pub enum StorageError {
    /// The database URL or settings are unusable.
    #[error("database configuration: {0}")]
    Config(String),
    /// No connection could be made (the database is down or unreachable).
    #[error("database unavailable: {0}")]
    Unavailable(String),
    /// Applying or reverting migrations failed.
    #[error("migrations failed: {0}")]
    Migration(String),
    /// A query failed.
    #[error("query failed: {0}")]
    Query(#[from] diesel::result::Error),
    /// Something named in the request does not exist.
    #[error("{0} not found")]
    NotFound(String),
    /// The request contradicts what is stored (e.g. a metric redeclared with another kind).
    #[error("{0}")]
    Conflict(String),
    /// The Idempotency-Key was already used, by this submission, for a different body.
    #[error("the Idempotency-Key was already used for a different body (submission {0})")]
    IdempotencyKeyReused(i64),
    /// A submission was refused; nothing was stored. The list is complete (the caller trims it).
    #[error("{} invalid record(s)", .0.len())]
    Rejected(Vec<LineError>),
}

impl From<r2d2::Error> for StorageError {
    fn from(err: r2d2::Error) -> Self {
        StorageError::Unavailable(err.to_string())
    }
}

impl From<diesel::ConnectionError> for StorageError {
    fn from(err: diesel::ConnectionError) -> Self {
        StorageError::Unavailable(err.to_string())
    }
}

/// Shorthand for storage results.
pub type Result<T, E = StorageError> = std::result::Result<T, E>;
