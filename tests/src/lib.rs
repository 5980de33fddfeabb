//! End-to-end harness: runs the real `podium` binary as a child process and talks to it over
//! HTTP, the way a deployment would.
//!
//! The in-process tests of the server crate exercise handlers; these tests exercise what only a
//! separate process shows: start-up and the printed listen address, state that survives a
//! restart, two processes sharing one database, and a `kill -9` in the middle of a submission.
//!
//! - **The binary** is `target/<profile>/podium`, found next to the running test executable
//!   (test executables live in `target/debug/deps`, benches in `target/release/deps`), or named by
//!   `PODIUM_BIN`. Cargo does not build another package's binary for a test, so build it first:
//!   `cargo build -p podium-server --bin podium` (the `--release` one for the benchmark). A
//!   missing binary is a panic that says so; one older than the server's sources draws a warning
//!   on stderr (shown when a test fails).
//! - **A server** is `podium serve` with `PODIUM_DATABASE_URL`, `PODIUM_BIND=127.0.0.1:0` and two
//!   workers; [`Server::start`] reads its stdout until `podium listening on http://ADDR` (at most
//!   30 s) and keeps its stderr, which a failing test prints. [`Server::kill`] is SIGKILL;
//!   dropping a server kills it too, so a failing test leaves no process behind.
//! - **Databases** come from [`podium_storage::testing::TestDb`]: a fresh PostgreSQL schema or a
//!   fresh SQLite file, for either [`Backend`].
//! - **HTTP** goes through a `ureq` agent that returns 4xx and 5xx as ordinary [`Response`]s;
//!   [`RawUpload`] writes a request by hand over a `TcpStream` for the tests that must stop
//!   half-way through a body.

use std::io::{BufRead, BufReader, Read, Write};
use std::net::{SocketAddr, TcpStream};
use std::path::{Path, PathBuf};
use std::process::{Child, Command, Stdio};
use std::sync::mpsc;
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant, SystemTime};

use diesel::connection::SimpleConnection;
use diesel::prelude::*;
pub use podium_storage::testing::{Backend, TestDb};
use serde::de::DeserializeOwned;
use serde_json::Value;

/// How long a server may take to print its listen address.
pub const START_TIMEOUT: Duration = Duration::from_secs(30);
/// The line the server prints once it listens, followed by `ADDR`.
const LISTENING: &str = "podium listening on http://";
/// Stderr kept per server for failure messages (the tail is what matters).
const STDERR_KEEP: usize = 64 * 1024;

/// The workspace root (this crate lives in `tests/`).
pub fn workspace_root() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR"))
        .parent()
        .expect("tests/ has a parent")
        .to_path_buf()
}

/// The `podium` binary of the profile the running executable was built with.
///
/// # Panics
/// When it does not exist; the message names the command that builds it.
pub fn podium_binary() -> PathBuf {
    if let Some(path) = std::env::var_os("PODIUM_BIN").filter(|p| !p.is_empty()) {
        let path = PathBuf::from(path);
        assert!(
            path.is_file(),
            "PODIUM_BIN={} is not a file",
            path.display()
        );
        return path;
    }
    let exe = std::env::current_exe().expect("the path of the running executable");
    // target/<profile>/deps/<test>-<hash> → target/<profile>
    let mut profile_dir = exe
        .parent()
        .expect("the running executable lives in a folder")
        .to_path_buf();
    if profile_dir.ends_with("deps") || profile_dir.ends_with("examples") {
        profile_dir.pop();
    }
    let binary = profile_dir.join(format!("podium{}", std::env::consts::EXE_SUFFIX));
    if !binary.is_file() {
        let release = if profile_dir.ends_with("release") {
            " --release"
        } else {
            ""
        };
        panic!(
            "the podium binary is missing at {}: these tests run the real server, which cargo \
             does not build for another package's tests. Run `cargo build{release} -p \
             podium-server --bin podium` first (or set PODIUM_BIN).",
            binary.display()
        );
    }
    warn_if_stale(&binary);
    binary
}

/// Newest modification time of the files under `dir`.
fn newest_mtime(dir: &Path) -> Option<SystemTime> {
    let mut newest = None;
    let mut stack = vec![dir.to_path_buf()];
    while let Some(dir) = stack.pop() {
        let Ok(entries) = std::fs::read_dir(&dir) else {
            continue;
        };
        for entry in entries.flatten() {
            let path = entry.path();
            let Ok(meta) = entry.metadata() else { continue };
            if meta.is_dir() {
                stack.push(path);
            } else if let Ok(mtime) = meta.modified() {
                newest = newest.max(Some(mtime));
            }
        }
    }
    newest
}

/// Warns (once per process) when the binary is older than the sources it is built from.
fn warn_if_stale(binary: &Path) {
    static CHECKED: std::sync::Once = std::sync::Once::new();
    CHECKED.call_once(|| check_staleness(binary));
}

fn check_staleness(binary: &Path) {
    let Ok(built) = std::fs::metadata(binary).and_then(|m| m.modified()) else {
        return;
    };
    let root = workspace_root();
    let sources = [
        "server/src",
        "server/storage/src",
        "server/wire/src",
        "migrations",
    ]
    .iter()
    .map(|dir| root.join(dir))
    .filter_map(|dir| newest_mtime(&dir))
    .max();
    if sources.is_some_and(|newest| newest > built) {
        eprintln!(
            "warning: {} is older than the server's sources; rebuild it with `cargo build -p \
             podium-server --bin podium` (add --release for the benchmark)",
            binary.display()
        );
    }
}

/// Stderr of a child, kept in memory (its tail) for failure messages.
#[derive(Clone, Default)]
struct Captured(Arc<Mutex<Vec<u8>>>);

impl Captured {
    fn drain(&self, mut from: impl Read + Send + 'static) {
        let sink = self.clone();
        std::thread::spawn(move || {
            let mut buf = [0u8; 8192];
            while let Ok(n) = from.read(&mut buf) {
                if n == 0 {
                    break;
                }
                let mut kept = sink.0.lock().unwrap_or_else(|e| e.into_inner());
                kept.extend_from_slice(&buf[..n]);
                if kept.len() > 2 * STDERR_KEEP {
                    let cut = kept.len() - STDERR_KEEP;
                    kept.drain(..cut);
                }
            }
        });
    }

    fn text(&self) -> String {
        let kept = self.0.lock().unwrap_or_else(|e| e.into_inner());
        let start = kept.len().saturating_sub(STDERR_KEEP);
        String::from_utf8_lossy(&kept[start..]).into_owned()
    }
}

/// A running `podium serve` process.
pub struct Server {
    child: Option<Child>,
    addr: SocketAddr,
    database_url: String,
    stderr: Captured,
    agent: ureq::Agent,
}

impl Server {
    /// Starts a server on `database_url` with default settings.
    pub fn start(database_url: &str) -> Server {
        Self::start_with(database_url, &[])
    }

    /// Starts a server on `database_url` with extra environment variables (e.g.
    /// `("PODIUM_MAX_BODY_BYTES", "1000")`); they override the harness defaults.
    ///
    /// # Panics
    /// When the binary is missing, or the server does not print its address within
    /// [`START_TIMEOUT`] (the message includes its stderr).
    pub fn start_with(database_url: &str, envs: &[(&str, &str)]) -> Server {
        let binary = podium_binary();
        let mut command = Command::new(&binary);
        command
            .arg("serve")
            .env_remove("PODIUM_MAX_BODY_BYTES")
            .env_remove("PODIUM_POOL_SIZE")
            .env("PODIUM_DATABASE_URL", database_url)
            .env("PODIUM_BIND", "127.0.0.1:0")
            .env("PODIUM_WORKERS", "2")
            // Plain stderr, readable in failure messages.
            .env("NO_COLOR", "1")
            .stdin(Stdio::null())
            .stdout(Stdio::piped())
            .stderr(Stdio::piped());
        for (key, value) in envs {
            command.env(key, value);
        }
        let mut child = command
            .spawn()
            .unwrap_or_else(|e| panic!("cannot start {}: {e}", binary.display()));
        let stderr = Captured::default();
        stderr.drain(child.stderr.take().expect("piped stderr"));

        // A thread reads stdout (and keeps draining it, so the server never blocks on a full
        // pipe); the first listen line comes back through the channel.
        let stdout = child.stdout.take().expect("piped stdout");
        let (found, address) = mpsc::channel();
        std::thread::spawn(move || {
            let mut found = Some(found);
            for line in BufReader::new(stdout).lines() {
                let Ok(line) = line else { break };
                if let Some(addr) = line.trim().strip_prefix(LISTENING)
                    && let Some(found) = found.take()
                {
                    let _ = found.send(addr.trim_end_matches('/').to_owned());
                }
            }
        });
        let addr = match address.recv_timeout(START_TIMEOUT) {
            Ok(addr) => addr,
            Err(why) => {
                let _ = child.kill();
                let status = child.wait().ok();
                // Let the stderr thread collect the last words.
                std::thread::sleep(Duration::from_millis(100));
                let why = match why {
                    mpsc::RecvTimeoutError::Timeout => {
                        format!("printed no listen line within {START_TIMEOUT:?}")
                    }
                    mpsc::RecvTimeoutError::Disconnected => {
                        let status = status.map_or_else(|| "unknown".into(), |s| s.to_string());
                        format!("exited before listening ({status})")
                    }
                };
                panic!(
                    "podium serve on {database_url} {why}.\n--- its stderr ---\n{}",
                    stderr.text()
                );
            }
        };
        let addr: SocketAddr = addr
            .parse()
            .unwrap_or_else(|e| panic!("unreadable listen address {addr:?}: {e}"));
        Server {
            child: Some(child),
            addr,
            database_url: database_url.to_owned(),
            stderr,
            agent: agent(),
        }
    }

    /// `http://127.0.0.1:PORT`.
    pub fn base_url(&self) -> String {
        format!("http://{}", self.addr)
    }

    /// The socket address it listens on.
    pub fn addr(&self) -> SocketAddr {
        self.addr
    }

    /// The database it serves.
    pub fn database_url(&self) -> &str {
        &self.database_url
    }

    /// Its process id (while it runs).
    pub fn pid(&self) -> Option<u32> {
        self.child.as_ref().map(Child::id)
    }

    /// What it wrote to stderr so far (the last 64 KiB).
    pub fn stderr(&self) -> String {
        self.stderr.text()
    }

    /// Whether the process is still running.
    pub fn is_running(&mut self) -> bool {
        self.child
            .as_mut()
            .is_some_and(|c| matches!(c.try_wait(), Ok(None)))
    }

    /// Kills the process with SIGKILL (no shutdown, no cleanup) and reaps it.
    pub fn kill(&mut self) {
        if let Some(mut child) = self.child.take() {
            let _ = child.kill();
            let _ = child.wait();
        }
    }

    /// `GET path`.
    pub fn get(&self, path: &str) -> Response {
        let url = format!("{}{path}", self.base_url());
        finish(&url, self.agent.get(&url).call())
    }

    /// `POST path` with a body, a content type and optionally a bearer token.
    pub fn post(
        &self,
        path: &str,
        token: Option<&str>,
        content_type: &str,
        body: &[u8],
    ) -> Response {
        let url = format!("{}{path}", self.base_url());
        let mut request = self.agent.post(&url).header("Content-Type", content_type);
        if let Some(token) = token {
            request = request.header("Authorization", format!("Bearer {token}"));
        }
        finish(&url, request.send(body))
    }

    /// `POST /v1/submissions` with an NDJSON body.
    pub fn submit_ndjson(&self, token: &str, body: &[u8]) -> Response {
        self.post("/v1/submissions", Some(token), "application/x-ndjson", body)
    }

    /// `DELETE path` with optionally a bearer token.
    pub fn delete(&self, path: &str, token: Option<&str>) -> Response {
        let url = format!("{}{path}", self.base_url());
        let mut request = self.agent.delete(&url);
        if let Some(token) = token {
            request = request.header("Authorization", format!("Bearer {token}"));
        }
        finish(&url, request.call())
    }

    /// `GET /readyz`'s data version.
    ///
    /// # Panics
    /// When the server is not ready.
    pub fn data_version(&self) -> i64 {
        let ready = self.get("/readyz");
        assert_eq!(ready.status, 200, "GET /readyz: {ready:?}");
        ready.json["data_version"]
            .as_i64()
            .unwrap_or_else(|| panic!("GET /readyz has no data_version: {ready:?}"))
    }
}

impl Drop for Server {
    /// Kills the process; when a test is failing, prints the tail of its stderr first.
    fn drop(&mut self) {
        self.kill();
        if std::thread::panicking() {
            let log = self.stderr();
            let tail = &log[log.floor_char_boundary(log.len().saturating_sub(16 * 1024))..];
            eprintln!("--- stderr of podium serve at {} ---\n{tail}", self.addr);
        }
    }
}

/// Creates an API token of `scope` (`submit`, `read` or `admin`) with `podium token create` and
/// returns its secret.
///
/// # Panics
/// When the command fails (the message includes its stderr).
pub fn create_token(database_url: &str, scope: &str) -> String {
    let output = Command::new(podium_binary())
        .args(["token", "create", "--scope", scope])
        .env("PODIUM_DATABASE_URL", database_url)
        .stdin(Stdio::null())
        .output()
        .expect("run podium token create");
    assert!(
        output.status.success(),
        "podium token create --scope {scope} failed ({}):\n{}",
        output.status,
        String::from_utf8_lossy(&output.stderr)
    );
    let secret = String::from_utf8(output.stdout)
        .expect("the token is UTF-8")
        .trim()
        .to_owned();
    assert!(!secret.is_empty(), "podium token create printed nothing");
    secret
}

/// An HTTP agent that hands back 4xx and 5xx answers instead of failing on them.
pub fn agent() -> ureq::Agent {
    ureq::Agent::config_builder()
        .http_status_as_error(false)
        .timeout_global(Some(Duration::from_secs(300)))
        .build()
        .new_agent()
}

/// An HTTP answer.
#[derive(Debug, Clone)]
pub struct Response {
    /// Status code.
    pub status: u16,
    /// `Content-Type`, if sent.
    pub content_type: Option<String>,
    /// `Location`, if sent.
    pub location: Option<String>,
    /// Every header, names lower-case, in order.
    pub headers: Vec<(String, String)>,
    /// The body as sent.
    pub bytes: Vec<u8>,
    /// The body as JSON; `Value::Null` when empty or not JSON.
    pub json: Value,
}

impl Response {
    /// A header by (case-insensitive) name.
    pub fn header(&self, name: &str) -> Option<&str> {
        self.headers
            .iter()
            .find(|(n, _)| n.eq_ignore_ascii_case(name))
            .map(|(_, v)| v.as_str())
    }

    /// The body as text (lossy).
    pub fn text(&self) -> String {
        String::from_utf8_lossy(&self.bytes).into_owned()
    }

    /// The body read as `T`.
    ///
    /// # Panics
    /// When it does not fit `T`.
    pub fn parse<T: DeserializeOwned>(&self) -> T {
        serde_json::from_slice(&self.bytes).unwrap_or_else(|e| {
            panic!(
                "cannot read the body as {}: {e}\n{}",
                std::any::type_name::<T>(),
                self.text()
            )
        })
    }
}

fn finish(url: &str, result: Result<ureq::http::Response<ureq::Body>, ureq::Error>) -> Response {
    let mut response = result.unwrap_or_else(|e| panic!("request to {url} failed: {e}"));
    let headers: Vec<(String, String)> = response
        .headers()
        .iter()
        .map(|(n, v)| {
            (
                n.as_str().to_owned(),
                String::from_utf8_lossy(v.as_bytes()).into_owned(),
            )
        })
        .collect();
    let bytes = response
        .body_mut()
        .with_config()
        .limit(1 << 30)
        .read_to_vec()
        .unwrap_or_else(|e| panic!("reading the answer of {url} failed: {e}"));
    let json = serde_json::from_slice(&bytes).unwrap_or(Value::Null);
    let find = |name: &str| {
        headers
            .iter()
            .find(|(n, _)| n == name)
            .map(|(_, v)| v.clone())
    };
    Response {
        status: response.status().as_u16(),
        content_type: find("content-type"),
        location: find("location"),
        headers,
        bytes,
        json,
    }
}

/// An HTTP/1.1 request written by hand, so a test can stop in the middle of its body.
pub struct RawUpload {
    stream: TcpStream,
    chunked: bool,
}

impl RawUpload {
    /// Sends the request line and headers of `POST path`. With `content_length` the body is sent
    /// as is and must have that length; without it the body is `Transfer-Encoding: chunked`.
    pub fn post(
        addr: SocketAddr,
        path: &str,
        token: &str,
        content_type: &str,
        content_length: Option<usize>,
    ) -> std::io::Result<RawUpload> {
        let mut stream = TcpStream::connect(addr)?;
        stream.set_write_timeout(Some(Duration::from_secs(60)))?;
        stream.set_read_timeout(Some(Duration::from_secs(120)))?;
        let framing = match content_length {
            Some(n) => format!("Content-Length: {n}"),
            None => "Transfer-Encoding: chunked".to_owned(),
        };
        let head = format!(
            "POST {path} HTTP/1.1\r\nHost: {addr}\r\nAuthorization: Bearer {token}\r\n\
             Content-Type: {content_type}\r\n{framing}\r\nConnection: close\r\n\r\n"
        );
        stream.write_all(head.as_bytes())?;
        Ok(RawUpload {
            stream,
            chunked: content_length.is_none(),
        })
    }

    /// Writes body bytes (as one chunk when chunked).
    pub fn write(&mut self, data: &[u8]) -> std::io::Result<()> {
        if data.is_empty() {
            return Ok(());
        }
        if self.chunked {
            self.stream
                .write_all(format!("{:x}\r\n", data.len()).as_bytes())?;
            self.stream.write_all(data)?;
            self.stream.write_all(b"\r\n")
        } else {
            self.stream.write_all(data)
        }
    }

    /// Writes `data` in pieces of `piece` bytes.
    pub fn write_in_pieces(&mut self, data: &[u8], piece: usize) -> std::io::Result<()> {
        data.chunks(piece).try_for_each(|p| self.write(p))
    }

    /// Ends a chunked body (the zero-length last chunk); nothing for a sized body.
    pub fn finish_body(&mut self) -> std::io::Result<()> {
        if self.chunked {
            self.stream.write_all(b"0\r\n\r\n")?;
        }
        self.stream.flush()
    }

    /// Reads the answer until the server closes the connection (the request asked it to) and
    /// returns its status code and the whole text; `None` when the connection broke first
    /// without a status line.
    pub fn read_answer(mut self) -> Option<(u16, String)> {
        let mut answer = Vec::new();
        let _ = self.stream.read_to_end(&mut answer);
        let text = String::from_utf8_lossy(&answer).into_owned();
        let status = text
            .strip_prefix("HTTP/1.1 ")
            .and_then(|rest| rest.get(..3))
            .and_then(|code| code.parse().ok())?;
        Some((status, text))
    }
}

/// One measurement line of NDJSON (with its newline).
pub fn measurement_line(
    benchmark: &str,
    model: &str,
    sample: &str,
    metric: &str,
    value: f64,
) -> String {
    format!(
        "{{\"type\":\"measurement\",\"model\":\"{model}\",\"benchmark\":\"{benchmark}\",\
         \"sample\":\"{sample}\",\"metric\":\"{metric}\",\"value\":{value}}}\n"
    )
}

/// `models × samples` binary measurement lines of one benchmark and metric: model `model-MMM`,
/// sample `sample-SSSSSS`, value 1 where `(model + sample) % 3 == 0`, else 0.
pub fn measurement_body(benchmark: &str, metric: &str, models: usize, samples: usize) -> Vec<u8> {
    let mut body = String::with_capacity(models * samples * 130);
    for sample in 0..samples {
        for model in 0..models {
            let value = if (model + sample) % 3 == 0 { 1.0 } else { 0.0 };
            body.push_str(&measurement_line(
                benchmark,
                &format!("model-{model:03}"),
                &format!("sample-{sample:06}"),
                metric,
                value,
            ));
        }
    }
    body.into_bytes()
}

/// Waits until `condition` holds, polling every few milliseconds; false on timeout.
pub fn wait_until(timeout: Duration, mut condition: impl FnMut() -> bool) -> bool {
    let deadline = Instant::now() + timeout;
    loop {
        if condition() {
            return true;
        }
        if Instant::now() >= deadline {
            return false;
        }
        std::thread::sleep(Duration::from_millis(5));
    }
}

/// Looks into a database from the outside to see whether a submission's transaction is open
/// right now: on PostgreSQL, a backend other than this one holds a row-exclusive lock on the
/// `submissions` table (the ingest transaction's first statement inserts there and keeps the
/// lock until it ends); on SQLite, the write lock is taken (`BEGIN IMMEDIATE` fails at once).
pub struct WriteProbe {
    conn: ProbeConnection,
}

enum ProbeConnection {
    Pg(PgConnection),
    Sqlite(SqliteConnection),
}

#[derive(QueryableByName)]
struct Count {
    #[diesel(sql_type = diesel::sql_types::BigInt)]
    n: i64,
}

impl WriteProbe {
    /// Connects to the database of `db`.
    ///
    /// # Panics
    /// When it cannot connect.
    pub fn new(db: &TestDb) -> WriteProbe {
        let conn = match db.backend {
            Backend::Postgres => ProbeConnection::Pg(
                PgConnection::establish(&db.url).expect("probe connection to PostgreSQL"),
            ),
            Backend::Sqlite => {
                let mut conn =
                    SqliteConnection::establish(&db.url).expect("probe connection to SQLite");
                conn.batch_execute("PRAGMA busy_timeout = 0")
                    .expect("probe: no busy wait");
                ProbeConnection::Sqlite(conn)
            }
        };
        WriteProbe { conn }
    }

    /// Whether another connection is inside a write transaction now.
    pub fn write_in_progress(&mut self) -> bool {
        match &mut self.conn {
            ProbeConnection::Pg(conn) => {
                diesel::sql_query(
                    "SELECT count(*) AS n FROM pg_locks \
                     WHERE relation = 'submissions'::regclass AND mode = 'RowExclusiveLock' \
                     AND granted AND pid <> pg_backend_pid()",
                )
                .get_result::<Count>(conn)
                .expect("probe pg_locks")
                .n > 0
            }
            ProbeConnection::Sqlite(conn) => match conn.batch_execute("BEGIN IMMEDIATE") {
                Ok(()) => {
                    conn.batch_execute("ROLLBACK").expect("probe: rollback");
                    false
                }
                Err(_) => true,
            },
        }
    }
}

/// What the benchmarks share: their size, medians, and a timed leaderboard request.
pub mod bench {
    use std::time::{Duration, Instant};

    use anyhow::{Context, ensure};

    use crate::Server;

    /// Rows to benchmark: `PODIUM_BENCH_ROWS` when set; else `full` under `cargo bench` (which
    /// passes `--bench`) and `smoke` when run as a test.
    pub fn rows(full: usize, smoke: usize) -> anyhow::Result<usize> {
        Ok(match std::env::var("PODIUM_BENCH_ROWS") {
            Ok(text) if !text.trim().is_empty() => text
                .trim()
                .replace('_', "")
                .parse()
                .with_context(|| format!("PODIUM_BENCH_ROWS={text:?}"))?,
            _ if !std::env::args().any(|a| a == "--bench") => smoke,
            _ => full,
        })
    }

    /// The median of `runs` (the upper one for an even count).
    pub fn median(runs: &[Duration]) -> Duration {
        let mut sorted = runs.to_vec();
        sorted.sort();
        sorted[sorted.len() / 2]
    }

    /// `d` in milliseconds, right-aligned.
    pub fn ms(d: Duration) -> String {
        format!("{:9.1} ms", d.as_secs_f64() * 1e3)
    }

    /// POSTs `body` to `/v1/leaderboards` and times the answer, which must be 200 with
    /// `ranked` rows.
    pub fn timed_leaderboard(
        server: &Server,
        body: &serde_json::Value,
        ranked: usize,
    ) -> anyhow::Result<(Duration, serde_json::Value)> {
        let text = body.to_string();
        let started = Instant::now();
        let answer = server.post(
            "/v1/leaderboards",
            None,
            "application/json",
            text.as_bytes(),
        );
        let took = started.elapsed();
        ensure!(
            answer.status == 200,
            "leaderboard answered {}: {}",
            answer.status,
            answer.text()
        );
        ensure!(
            answer.json["rows"]
                .as_array()
                .is_some_and(|r| r.len() == ranked),
            "expected {ranked} ranked models: {}",
            answer.text()
        );
        Ok((took, answer.json))
    }
}
