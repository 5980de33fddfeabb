//! `podium`: the server and its client in one binary. `podium serve` runs the HTTP API;
//! `podium token create` mints API tokens; `podium openapi` prints the OpenAPI document (the
//! committed copy is regenerated from it). `podium import`, `podium leaderboard`, `podium
//! methods` and `podium benchmarks` are the client (`podium-cli`), talking to a server over
//! HTTP.

use std::io::Write;

use actix_web::HttpServer;
use anyhow::Context;
use clap::{Parser, Subcommand, ValueEnum};
use podium_server::{AppState, ServeConfig, app, openapi_json};
use podium_storage::Store;
use podium_storage::tokens::{Scope, create_token};
use tracing_subscriber::EnvFilter;

#[derive(Parser)]
#[command(
    name = "podium",
    version,
    about = "Leaderboards from sample-level evaluation results"
)]
struct Cli {
    #[command(subcommand)]
    command: Command,
}

#[derive(Subcommand)]
enum Command {
    /// Runs the HTTP server.
    Serve(ServeConfig),
    /// Manages API tokens.
    Token {
        #[command(subcommand)]
        action: TokenAction,
    },
    /// Prints the OpenAPI document.
    Openapi,
    /// Imports harness result files (lm-eval, inspect, HELM, arena, arena-hard, Every Eval
    /// Ever) into a server, one submission per run; files already imported are skipped.
    Import(podium_cli::ImportArgs),
    /// Computes a leaderboard on a server and prints it.
    Leaderboard(podium_cli::LeaderboardArgs),
    /// Lists a server's ranking methods.
    Methods(podium_cli::ListArgs),
    /// Lists a server's benchmarks.
    Benchmarks(podium_cli::ListArgs),
}

#[derive(Subcommand)]
enum TokenAction {
    /// Creates a token and prints its secret (shown once; only its hash is stored).
    Create {
        /// What the token may do.
        #[arg(long, value_enum)]
        scope: ScopeArg,
        /// A note on whose token it is.
        #[arg(long)]
        label: Option<String>,
        /// The database (as for `serve`).
        #[arg(long, env = "PODIUM_DATABASE_URL", default_value = "podium.db")]
        database_url: String,
    },
}

#[derive(Clone, Copy, ValueEnum)]
enum ScopeArg {
    Read,
    Submit,
    Admin,
}

fn main() -> anyhow::Result<()> {
    tracing_subscriber::fmt()
        .with_env_filter(
            EnvFilter::try_from_env("PODIUM_LOG").unwrap_or_else(|_| EnvFilter::new("info")),
        )
        .with_writer(std::io::stderr)
        .init();
    match Cli::parse().command {
        Command::Serve(config) => serve(config),
        Command::Token {
            action:
                TokenAction::Create {
                    scope,
                    label,
                    database_url,
                },
        } => {
            let store = Store::open(&database_url, 1).context("opening the database")?;
            let scope = match scope {
                ScopeArg::Read => Scope::Read,
                ScopeArg::Submit => Scope::Submit,
                ScopeArg::Admin => Scope::Admin,
            };
            let mut conn = store.conn()?;
            let (_, secret) = create_token(&mut conn, scope, label.as_deref())?;
            println!("{secret}");
            Ok(())
        }
        Command::Openapi => {
            print!("{}", openapi_json());
            Ok(())
        }
        Command::Import(args) => client(podium_cli::import::run(&args).map(|_| ())),
        Command::Leaderboard(args) => {
            client(podium_cli::leaderboard::leaderboard(&args).map(|text| print!("{text}")))
        }
        Command::Methods(args) => {
            client(podium_cli::leaderboard::methods(&args).map(|text| print!("{text}")))
        }
        Command::Benchmarks(args) => {
            client(podium_cli::leaderboard::benchmarks(&args).map(|text| print!("{text}")))
        }
    }
}

/// Client commands report their own errors (already worded for a person) and exit 1; usage
/// errors exit 2, as clap's do.
fn client(outcome: Result<(), podium_cli::CliError>) -> anyhow::Result<()> {
    if let Err(err) = outcome {
        eprintln!("error: {err}");
        let code = if matches!(err, podium_cli::CliError::Usage(_)) {
            2
        } else {
            1
        };
        std::process::exit(code);
    }
    Ok(())
}

#[actix_web::main]
async fn serve(config: ServeConfig) -> anyhow::Result<()> {
    let store = Store::open(&config.database_url, config.pool_size)
        .with_context(|| format!("opening the {} database", backend_of(&config.database_url)))?;
    tracing::info!(backend = store.backend_name(), "database ready");
    if config.demo {
        let mut conn = store.conn()?;
        let summary =
            podium_server::demo::seed_demo(&mut conn, 42).context("seeding the demo data")?;
        if summary.created {
            println!(
                "demo data seeded: {} benchmarks, {} models, {} measurements, {} comparisons",
                summary.benchmarks, summary.models, summary.measurements, summary.comparisons
            );
        }
    }
    // The GPU opens on the first kernel call that wants it; a bad policy stops start-up here.
    let policy = podium_gpu::Policy::from_env().map_err(anyhow::Error::msg)?;
    tracing::info!(policy = policy.name(), "compute kernels (PODIUM_COMPUTE)");
    let plugin_dir = config.plugin_dir();
    let plugins = std::sync::Arc::new(podium_plugin_host::PluginHost::scan(&plugin_dir));
    tracing::info!(
        dir = %plugin_dir.display(),
        methods = plugins.methods().len(),
        "plugins scanned"
    );
    let state = AppState {
        store,
        config: config.clone(),
        plugins,
        caches: Default::default(),
    };
    let mut server = HttpServer::new(move || app(state.clone()));
    if let Some(workers) = config.workers {
        server = server.workers(workers);
    }
    let server = server
        .bind(&config.bind)
        .with_context(|| format!("binding {}", config.bind))?;
    for addr in server.addrs() {
        // Tests and scripts read this line to find a port chosen by the OS.
        println!("podium listening on http://{addr}");
    }
    std::io::stdout().flush()?;
    server.run().await?;
    Ok(())
}

fn backend_of(url: &str) -> &'static str {
    podium_storage::DatabaseUrl::parse(url).map_or("", |u| u.backend_name())
}
