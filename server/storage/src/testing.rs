//! Throwaway databases for tests, on either backend.
//!
//! PostgreSQL tests each get a fresh schema on the server named by `PODIUM_TEST_DATABASE_URL`
//! (default `postgres://postgres@127.0.0.1:5432/postgres`), selected through libpq's
//! `options=-csearch_path=…`, and dropped afterwards; SQLite tests get a file in a fresh temporary
//! folder. A PostgreSQL that does not answer is a loud failure, never a silent skip.

use std::path::PathBuf;

use diesel::connection::SimpleConnection;
use diesel::prelude::*;
use rand::RngCore;

/// The default server for PostgreSQL tests.
pub const DEFAULT_TEST_DATABASE_URL: &str = "postgres://postgres@127.0.0.1:5432/postgres";

/// Which backend a test runs on.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Backend {
    /// A fresh schema on the test PostgreSQL server.
    Postgres,
    /// A fresh SQLite file.
    Sqlite,
}

/// A database that exists for the lifetime of this value.
#[derive(Debug)]
pub struct TestDb {
    /// The URL to hand to the server (`PODIUM_DATABASE_URL`).
    pub url: String,
    /// The backend.
    pub backend: Backend,
    admin_url: Option<String>,
    schema: Option<String>,
    dir: Option<PathBuf>,
}

fn random_suffix() -> String {
    let mut bytes = [0u8; 8];
    rand::rng().fill_bytes(&mut bytes);
    hex::encode(bytes)
}

/// The server PostgreSQL tests use.
pub fn admin_url() -> String {
    std::env::var("PODIUM_TEST_DATABASE_URL")
        .ok()
        .filter(|u| !u.is_empty())
        .unwrap_or_else(|| DEFAULT_TEST_DATABASE_URL.to_owned())
}

impl TestDb {
    /// A fresh, empty database on `backend` (no migrations applied yet).
    pub fn new(backend: Backend) -> TestDb {
        match backend {
            Backend::Postgres => Self::postgres(),
            Backend::Sqlite => Self::sqlite(),
        }
    }

    /// A fresh schema on the test PostgreSQL server.
    ///
    /// # Panics
    /// When the server does not answer: the tests need it, and must say so.
    pub fn postgres() -> TestDb {
        let admin = admin_url();
        let mut conn = PgConnection::establish(&admin).unwrap_or_else(|err| {
            panic!(
                "PostgreSQL at {admin} does not answer ({err}). The tests need a PostgreSQL \
                 server: start one, or point PODIUM_TEST_DATABASE_URL at one."
            )
        });
        let schema = format!("podium_test_{}", random_suffix());
        conn.batch_execute(&format!("CREATE SCHEMA {schema}"))
            .expect("create test schema");
        let separator = if admin.contains('?') { '&' } else { '?' };
        TestDb {
            url: format!("{admin}{separator}options=-csearch_path%3D{schema}"),
            backend: Backend::Postgres,
            admin_url: Some(admin),
            schema: Some(schema),
            dir: None,
        }
    }

    /// A fresh SQLite file in its own temporary folder.
    pub fn sqlite() -> TestDb {
        let dir = std::env::temp_dir().join(format!("podium-test-{}", random_suffix()));
        std::fs::create_dir_all(&dir).expect("create test folder");
        TestDb {
            url: dir.join("podium.db").display().to_string(),
            backend: Backend::Sqlite,
            admin_url: None,
            schema: None,
            dir: Some(dir),
        }
    }
}

impl Drop for TestDb {
    fn drop(&mut self) {
        if let (Some(admin), Some(schema)) = (&self.admin_url, &self.schema)
            && let Ok(mut conn) = PgConnection::establish(admin)
        {
            let _ = conn.batch_execute(&format!("DROP SCHEMA IF EXISTS {schema} CASCADE"));
        }
        if let Some(dir) = &self.dir {
            let _ = std::fs::remove_dir_all(dir);
        }
    }
}
