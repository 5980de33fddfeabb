//! Server settings, from flags or environment variables (flags win).

use clap::Args;

/// Settings of `podium serve`.
#[derive(Debug, Clone, Args)]
pub struct ServeConfig {
    /// Where the data lives: `postgres://…` for PostgreSQL, otherwise an SQLite file path.
    #[arg(long, env = "PODIUM_DATABASE_URL", default_value = "podium.db")]
    pub database_url: String,
    /// Address to listen on (port 0 picks a free port; the chosen address is printed).
    #[arg(long, env = "PODIUM_BIND", default_value = "127.0.0.1:8080")]
    pub bind: String,
    /// Largest accepted request body, in bytes (larger ones get 413).
    #[arg(long, env = "PODIUM_MAX_BODY_BYTES", default_value_t = 512 * 1024 * 1024)]
    pub max_body_bytes: u64,
    /// Largest accepted import upload (`POST /v1/imports`), in bytes; imports are spooled to
    /// a temporary folder, not held in memory.
    #[arg(long, env = "PODIUM_MAX_IMPORT_BYTES", default_value_t = 8 * 1024 * 1024 * 1024)]
    pub max_import_bytes: u64,
    /// Database connections kept in the pool.
    #[arg(long, env = "PODIUM_POOL_SIZE", default_value_t = 8)]
    pub pool_size: u32,
    /// HTTP worker threads (default: one per core).
    #[arg(long, env = "PODIUM_WORKERS")]
    pub workers: Option<usize>,
    /// Folder of plugin libraries to load (default: the folder of the podium binary, where
    /// cargo puts the built-in plugins).
    #[arg(long, env = "PODIUM_PLUGIN_DIR")]
    pub plugin_dir: Option<std::path::PathBuf>,
    /// Time a method call may take before it is cancelled, in seconds.
    #[arg(long, env = "PODIUM_METHOD_DEADLINE_SECS", default_value_t = 60.0)]
    pub method_deadline_secs: f64,
    /// Seed the database with the synthetic demo dataset at start-up (skipped when present).
    #[arg(long, env = "PODIUM_DEMO")]
    pub demo: bool,
    /// Leaderboards estimated to take longer than this (seconds) run as jobs (202 Accepted).
    #[arg(long, env = "PODIUM_ASYNC_ABOVE_SECS", default_value_t = 5.0)]
    pub async_above_secs: f64,
}

impl ServeConfig {
    /// The plugin folder to scan.
    pub fn plugin_dir(&self) -> std::path::PathBuf {
        self.plugin_dir.clone().unwrap_or_else(|| {
            std::env::current_exe()
                .ok()
                .and_then(|exe| exe.parent().map(std::path::Path::to_path_buf))
                .unwrap_or_else(|| std::path::PathBuf::from("."))
        })
    }

    /// The method deadline.
    pub fn method_deadline(&self) -> std::time::Duration {
        std::time::Duration::from_secs_f64(self.method_deadline_secs.clamp(0.01, 86_400.0))
    }

    /// Settings for tests: the given database, a free port, default limits.
    pub fn for_database(database_url: &str) -> Self {
        ServeConfig {
            database_url: database_url.to_owned(),
            bind: "127.0.0.1:0".into(),
            max_body_bytes: 512 * 1024 * 1024,
            max_import_bytes: 8 * 1024 * 1024 * 1024,
            pool_size: 4,
            workers: Some(2),
            plugin_dir: None,
            method_deadline_secs: 60.0,
            async_above_secs: 5.0,
            demo: false,
        }
    }
}
