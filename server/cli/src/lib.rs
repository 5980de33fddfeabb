//! The `podium` command-line client: `podium import`, `podium leaderboard`, `podium methods`,
//! `podium benchmarks`.
//!
//! A library so the `podium` binary (which also serves) dispatches to it, and so its pieces
//! are testable without a terminal. It reads harness files with `podium-import` — the same
//! reading the server does — only to find units, hash them and (with `--dry-run`) check them;
//! the server parses what is uploaded and is the one authority on what is stored.

pub mod client;
pub mod import;
pub mod leaderboard;
mod table;

pub use client::Connection;
pub use import::ImportArgs;
pub use leaderboard::{LeaderboardArgs, ListArgs, Output};

/// Everything a command can fail with.
#[derive(Debug, thiserror::Error)]
pub enum CliError {
    /// The command line is wrong.
    #[error("{0}")]
    Usage(String),
    /// The server could not be reached, or the connection broke.
    #[error("{url}: {message}")]
    Transport {
        /// What was asked.
        url: String,
        /// Why it failed.
        message: String,
    },
    /// The server refused (its problem+json document, shown in full).
    #[error("{what}: {}", render_problem(.problem))]
    Server {
        /// What the client was doing.
        what: String,
        /// The server's explanation.
        problem: Box<podium_wire::Problem>,
    },
    /// The server answered something this client does not understand.
    #[error("{0}")]
    Protocol(String),
    /// Files could not be found or read locally.
    #[error("{}", render_import(.0))]
    Import(podium_import::ImportError),
    /// Some of the work failed (each failure was reported as it happened).
    #[error("{0}")]
    Failed(String),
}

fn render_problem(problem: &podium_wire::Problem) -> String {
    let mut text = problem
        .detail
        .clone()
        .unwrap_or_else(|| problem.title.clone());
    for error in &problem.errors {
        text.push_str(&format!("\n    {error}"));
    }
    if let Some(count) = problem.error_count
        && count > problem.errors.len() as u64
    {
        text.push_str(&format!(
            "\n    … and {} more",
            count - problem.errors.len() as u64
        ));
    }
    text
}

fn render_import(err: &podium_import::ImportError) -> String {
    match err {
        podium_import::ImportError::Invalid {
            errors,
            count,
            label,
        } => {
            let mut text = format!("{count} error(s) in {label}");
            for error in errors {
                text.push_str(&format!("\n    {error}"));
            }
            if *count > errors.len() as u64 {
                text.push_str(&format!(
                    "\n    … and {} more",
                    *count - errors.len() as u64
                ));
            }
            text
        }
        other => other.to_string(),
    }
}
