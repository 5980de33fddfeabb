//! End-to-end tests against the real `podium` binary, each on PostgreSQL and on SQLite.
//!
//! Build the binary first: `cargo build -p podium-server --bin podium`, then
//! `cargo test -p podium-e2e`. PostgreSQL must answer at `PODIUM_TEST_DATABASE_URL` (default
//! `postgres://postgres@127.0.0.1:5432/postgres`).

use std::collections::BTreeMap;
use std::sync::mpsc;
use std::time::Duration;

use podium_e2e::{
    Backend, RawUpload, Response, Server, TestDb, WriteProbe, create_token, measurement_body,
    measurement_line, wait_until, workspace_root,
};
use podium_wire::api::{BenchmarkDetail, MeasurementView, Page, SubmissionReceipt, SubmissionView};
use sha2::{Digest, Sha256};

/// Writes `#[test] fn postgres()` and `#[test] fn sqlite()` for each test function taking a
/// [`Backend`], in a module named after it (`cargo test submit_restart_read::sqlite`).
macro_rules! on_both_backends {
    ($($name:ident),* $(,)?) => {$(
        mod $name {
            #[test]
            fn postgres() {
                super::$name(podium_e2e::Backend::Postgres);
            }
            #[test]
            fn sqlite() {
                super::$name(podium_e2e::Backend::Sqlite);
            }
        }
    )*};
}

on_both_backends!(
    submit_restart_read,
    kill_during_upload,
    kill_during_transaction,
    served_openapi_matches_committed_file,
    oversized_body_is_413,
    two_processes_share_one_database,
);

const NDJSON: &str = "application/x-ndjson";
/// Models × samples of the fault tests' submission: 300,000 lines, about 36 MB.
const FAULT_MODELS: usize = 100;
const FAULT_SAMPLES: usize = 3_000;

fn sha256_hex(bytes: &[u8]) -> String {
    hex::encode(Sha256::digest(bytes))
}

/// Counts of `benchmark`, or `None` when it does not exist (404).
fn benchmark_counts(server: &Server, benchmark: &str) -> Option<podium_wire::api::BenchmarkCounts> {
    let answer = server.get(&format!("/v1/benchmarks/{benchmark}"));
    match answer.status {
        404 => None,
        200 => Some(answer.parse::<BenchmarkDetail>().counts),
        _ => panic!("GET /v1/benchmarks/{benchmark}: {answer:?}"),
    }
}

fn assert_created(answer: &Response, what: &str) -> SubmissionReceipt {
    assert_eq!(answer.status, 201, "{what}: {}", answer.text());
    answer.parse()
}

/// A small submission: 3 models × 4 samples of a binary metric, and 2 comparisons.
fn small_submission(benchmark: &str) -> (String, BTreeMap<(String, String), f64>) {
    let mut body = String::new();
    let mut values = BTreeMap::new();
    for sample in 0..4 {
        for model in 0..3 {
            let value = f64::from(u8::from((model + sample) % 2 == 0));
            let (model, sample_name) = (format!("m{model}"), format!("s{sample}"));
            let mut line = measurement_line(benchmark, &model, &sample_name, "accuracy", value);
            if values.is_empty() {
                // The first line declares the metric and tags its sample.
                line = line.replacen(
                    "\"value\"",
                    "\"metric_kind\":\"binary\",\"sample_metadata\":{\"tags\":[\"math\"]},\"value\"",
                    1,
                );
            }
            body.push_str(&line);
            values.insert((model, sample_name), value);
        }
    }
    body.push_str(&format!(
        "{{\"type\":\"comparison\",\"benchmark\":\"{benchmark}\",\"sample\":\"s0\",\
         \"model_a\":\"m0\",\"model_b\":\"m1\",\"winner\":\"model_a\",\"judge\":\"human\"}}\n"
    ));
    body.push_str(&format!(
        "{{\"type\":\"comparison\",\"benchmark\":\"{benchmark}\",\"sample\":\"s1\",\
         \"model_a\":\"m1\",\"model_b\":\"m2\",\"winner\":\"tie\",\"weight\":0.5}}\n"
    ));
    (body, values)
}

/// Submit, SIGKILL the server, start a new process on the same database, read everything back.
fn submit_restart_read(backend: Backend) {
    let db = TestDb::new(backend);
    let token = create_token(&db.url, "submit");
    let mut server = Server::start(&db.url);
    let (body, values) = small_submission("restart-bench");

    let answer = server.submit_ndjson(&token, body.as_bytes());
    let receipt = assert_created(&answer, "POST /v1/submissions");
    let original_answer = answer.bytes.clone();
    assert_eq!(
        answer.location.as_deref(),
        Some(format!("/v1/submissions/{}", receipt.id).as_str())
    );
    assert_eq!((receipt.measurements, receipt.comparisons), (12, 2));
    assert_eq!(receipt.content_hash, sha256_hex(body.as_bytes()));
    assert_eq!(receipt.created.benchmarks, ["restart-bench"]);
    assert_eq!(receipt.created.models, ["m0", "m1", "m2"]);
    assert_eq!(receipt.created.samples.len(), 1);
    assert_eq!(receipt.created.samples[0].count, 4);
    assert_eq!(server.data_version(), receipt.data_version);

    server.kill();
    let server = Server::start(&db.url);

    let answer = server.get("/v1/benchmarks/restart-bench");
    assert_eq!(answer.status, 200, "{answer:?}");
    let detail: BenchmarkDetail = answer.parse();
    assert_eq!(detail.counts.samples, 4);
    assert_eq!(detail.counts.models, 3);
    assert_eq!(detail.counts.measurements, 12);
    assert_eq!(detail.counts.comparisons, 2);
    assert_eq!(detail.benchmark.metrics.len(), 1);
    let metric = &detail.benchmark.metrics[0];
    assert_eq!(metric.name, "accuracy");
    assert_eq!(metric.kind.as_str(), "binary");
    assert!(metric.default && metric.higher_is_better);

    let answer = server.get("/v1/benchmarks/restart-bench/measurements?limit=1000");
    assert_eq!(answer.status, 200, "{answer:?}");
    let page: Page<MeasurementView> = answer.parse();
    assert_eq!(page.next_cursor, None);
    let read: BTreeMap<(String, String), f64> = page
        .items
        .iter()
        .map(|m| {
            assert_eq!((m.metric.as_str(), m.epoch), ("accuracy", 0));
            assert_eq!(m.submission, receipt.id);
            ((m.model.clone(), m.sample.clone()), m.value)
        })
        .collect();
    assert_eq!(read, values);

    let answer = server.get("/v1/benchmarks/restart-bench/samples");
    assert_eq!(answer.status, 200, "{answer:?}");
    assert_eq!(answer.json["items"][0]["id"], "s0");
    assert_eq!(answer.json["items"][0]["metadata"]["tags"][0], "math");

    let answer = server.get(&format!("/v1/submissions/{}", receipt.id));
    assert_eq!(answer.status, 200, "{answer:?}");
    let submission: SubmissionView = answer.parse();
    assert_eq!(submission.id, receipt.id);
    assert_eq!((submission.measurements, submission.comparisons), (12, 2));
    assert_eq!(submission.source_format, "ndjson");
    assert_eq!(submission.content_hash, receipt.content_hash);
    assert!(!submission.retracted);
    assert_eq!(server.data_version(), receipt.data_version);

    // The new process remembers the body: sending it again replays the original answer.
    let again = server.submit_ndjson(&token, body.as_bytes());
    assert_eq!(again.status, 201, "{again:?}");
    assert_eq!(
        again.header("idempotent-replayed"),
        Some("true"),
        "{again:?}"
    );
    assert_eq!(again.text(), String::from_utf8_lossy(&original_answer));
    assert_eq!(server.data_version(), receipt.data_version);
}

/// After a crash, a submission must be entirely absent: no benchmark (404) or no rows, and the
/// data version unchanged.
fn assert_absent(server: &Server, benchmark: &str, version_before: i64) {
    if let Some(counts) = benchmark_counts(server, benchmark) {
        assert_eq!(
            (counts.measurements, counts.samples, counts.models),
            (0, 0, 0),
            "a partial submission survived the crash"
        );
    }
    assert_eq!(server.data_version(), version_before);
}

/// Retries `body` through the normal client and checks that all of it is stored.
fn retry_and_check_complete(server: &Server, token: &str, benchmark: &str, body: &[u8], rows: i64) {
    let answer = server.submit_ndjson(token, body);
    let receipt = assert_created(&answer, "retrying the submission after the crash");
    assert_eq!(receipt.measurements, rows as u64);
    let counts = benchmark_counts(server, benchmark).expect("the benchmark exists after the retry");
    assert_eq!(counts.measurements, rows);
    assert_eq!(counts.samples, FAULT_SAMPLES as i64);
    assert_eq!(counts.models, FAULT_MODELS as i64);
    assert_eq!(server.data_version(), receipt.data_version);
}

/// SIGKILL while the body is still arriving (chunked, last chunk never sent): nothing is stored,
/// and the same submission succeeds in full afterwards.
fn kill_during_upload(backend: Backend) {
    let db = TestDb::new(backend);
    let token = create_token(&db.url, "submit");
    let mut server = Server::start(&db.url);
    let version = server.data_version();
    let body = measurement_body("crash-upload", "accuracy", FAULT_MODELS, FAULT_SAMPLES);
    let rows = (FAULT_MODELS * FAULT_SAMPLES) as i64;

    let mut upload = RawUpload::post(server.addr(), "/v1/submissions", &token, NDJSON, None)
        .expect("connect to the server");
    let sent = body.len() * 9 / 10;
    upload
        .write_in_pieces(&body[..sent], 64 * 1024)
        .expect("send 90% of the body");
    // Let the server read and parse what it got; it must be waiting for the rest.
    std::thread::sleep(Duration::from_millis(300));
    assert!(
        server.is_running(),
        "the server died during the upload:\n{}",
        server.stderr()
    );
    server.kill();
    drop(upload);

    let server = Server::start(&db.url);
    assert_absent(&server, "crash-upload", version);
    retry_and_check_complete(&server, &token, "crash-upload", &body, rows);
}

/// How long to let the ingest transaction run before the kill: `PODIUM_E2E_KILL_DELAY_MS`
/// (to reproduce a run), else a random 0–400 ms.
fn kill_delay() -> Duration {
    let ms = std::env::var("PODIUM_E2E_KILL_DELAY_MS")
        .ok()
        .and_then(|v| v.trim().parse().ok())
        .unwrap_or_else(|| rand::random_range(0..=400));
    Duration::from_millis(ms)
}

/// SIGKILL once the whole body is in and the database transaction is open: the submission is
/// entirely absent or entirely present, never in part, and a retry completes it.
fn kill_during_transaction(backend: Backend) {
    let db = TestDb::new(backend);
    let token = create_token(&db.url, "submit");
    let mut server = Server::start(&db.url);
    let version = server.data_version();
    let body = measurement_body("crash-commit", "accuracy", FAULT_MODELS, FAULT_SAMPLES);
    let rows = (FAULT_MODELS * FAULT_SAMPLES) as i64;

    let mut upload = RawUpload::post(
        server.addr(),
        "/v1/submissions",
        &token,
        NDJSON,
        Some(body.len()),
    )
    .expect("connect to the server");
    upload
        .write_in_pieces(&body, 64 * 1024)
        .expect("send the whole body");
    upload.finish_body().expect("flush the body");
    let (answered, answer) = mpsc::channel();
    let reader = std::thread::spawn(move || {
        let answer = upload.read_answer();
        let _ = answered.send(());
        answer
    });

    // Wait for the ingest transaction to open (seen from outside through the database), let it
    // run a little (a random while: on the debug binary it lasts roughly 0.3–1 s on PostgreSQL
    // and 1–3 s on SQLite, so most kills land inside it, some after the commit), then kill.
    let mut probe = WriteProbe::new(&db);
    let mut seen_open = false;
    wait_until(Duration::from_secs(120), || {
        seen_open = probe.write_in_progress();
        seen_open || answer.try_recv().is_ok()
    });
    drop(probe);
    let delay = kill_delay();
    if seen_open {
        std::thread::sleep(delay);
    }
    server.kill();
    let answer = reader.join().expect("the reader thread");
    let acknowledged = answer.as_ref().is_some_and(|(status, _)| *status == 201);
    if let Some((status, text)) = &answer {
        assert_eq!(*status, 201, "the submission was refused:\n{text}");
    }

    let server = Server::start(&db.url);
    let counts = benchmark_counts(&server, "crash-commit");
    let stored = counts.map_or(0, |c| c.measurements);
    assert!(
        stored == 0 || stored == rows,
        "a partial submission survived the crash: {stored} of {rows} measurements (killed \
         {delay:?} after the transaction was seen open; PODIUM_E2E_KILL_DELAY_MS reproduces it)"
    );
    if stored == 0 {
        assert!(
            !acknowledged,
            "the server answered 201 but the submission is gone"
        );
        assert_absent(&server, "crash-commit", version);
    } else {
        let counts = counts.expect("stored rows have a benchmark");
        assert_eq!(counts.samples, FAULT_SAMPLES as i64);
        assert_eq!(counts.models, FAULT_MODELS as i64);
        assert_eq!(server.data_version(), version + 1);
    }
    eprintln!(
        "{backend:?}: transaction seen open: {seen_open}; killed {delay:?} later; answered \
         before the kill: {acknowledged}; after restart: {}",
        if stored == 0 { "absent" } else { "complete" }
    );
    retry_and_check_complete(&server, &token, "crash-commit", &body, rows);
}

/// The served OpenAPI document is the committed `openapi/openapi.json`, byte for byte.
fn served_openapi_matches_committed_file(backend: Backend) {
    let path = workspace_root().join("openapi/openapi.json");
    let regenerate = "regenerate with `cargo run -p podium-server --bin podium -- openapi > \
                      openapi/openapi.json`";
    let committed = std::fs::read(&path)
        .unwrap_or_else(|e| panic!("cannot read {} ({e}); {regenerate}", path.display()));
    let db = TestDb::new(backend);
    let server = Server::start(&db.url);
    let answer = server.get("/openapi.json");
    assert_eq!(answer.status, 200, "{answer:?}");
    assert_eq!(answer.content_type.as_deref(), Some("application/json"));
    if answer.bytes != committed {
        let served = answer.text();
        let committed = String::from_utf8_lossy(&committed);
        let first_difference = served
            .lines()
            .zip(committed.lines())
            .position(|(a, b)| a != b)
            .map_or_else(
                || "one is a prefix of the other".to_owned(),
                |i| {
                    format!(
                        "first difference on line {}:\n  served:    {}\n  committed: {}",
                        i + 1,
                        served.lines().nth(i).unwrap_or(""),
                        committed.lines().nth(i).unwrap_or("")
                    )
                },
            );
        panic!(
            "the served OpenAPI document differs from the committed {} ({} vs {} bytes; {}); \
             {regenerate}",
            path.display(),
            served.len(),
            committed.len(),
            first_difference
        );
    }
}

fn assert_problem_413(
    answer_status: u16,
    content_type: Option<&str>,
    body: &serde_json::Value,
    text: &str,
) {
    assert_eq!(answer_status, 413, "{text}");
    assert_eq!(content_type, Some("application/problem+json"), "{text}");
    assert_eq!(body["status"], 413, "{text}");
    assert!(
        body["detail"].as_str().is_some_and(|d| d.contains("1000")),
        "the detail names the limit: {text}"
    );
}

/// A body over `PODIUM_MAX_BODY_BYTES` is refused with 413 problem+json, whether its length is
/// declared up front or only found while it streams in; nothing is stored.
fn oversized_body_is_413(backend: Backend) {
    let db = TestDb::new(backend);
    let token = create_token(&db.url, "submit");
    let server = Server::start_with(&db.url, &[("PODIUM_MAX_BODY_BYTES", "1000")]);
    let body = measurement_body("too-big", "accuracy", 5, 10);
    assert!(body.len() > 4_000, "{} bytes", body.len());

    // Content-Length over the limit.
    let answer = server.submit_ndjson(&token, &body);
    assert_problem_413(
        answer.status,
        answer.content_type.as_deref(),
        &answer.json,
        &answer.text(),
    );

    // Chunked: the limit is found while the body streams in.
    let mut upload = RawUpload::post(server.addr(), "/v1/submissions", &token, NDJSON, None)
        .expect("connect to the server");
    // The server may answer and close before the body is all sent; the answer is what counts.
    let _ = upload
        .write_in_pieces(&body, 512)
        .and_then(|()| upload.finish_body());
    let (status, text) = upload
        .read_answer()
        .expect("an answer to the chunked oversized body");
    let (head, json) = text.split_once("\r\n\r\n").unwrap_or((&text, ""));
    let content_type = head.lines().find_map(|l| {
        l.to_ascii_lowercase()
            .strip_prefix("content-type:")
            .map(|v| v.trim().to_owned())
    });
    let json: serde_json::Value = serde_json::from_str(json).unwrap_or_default();
    assert_problem_413(status, content_type.as_deref(), &json, &text);

    assert_eq!(benchmark_counts(&server, "too-big"), None);
    assert_eq!(server.data_version(), 0);
    // A body under the limit still goes through.
    let small = measurement_line("small", "m", "s", "accuracy", 1.0);
    assert_created(
        &server.submit_ndjson(&token, small.as_bytes()),
        "a small body",
    );
}

/// Two server processes on one database: what one stores, the other serves, and both report
/// the same data version.
fn two_processes_share_one_database(backend: Backend) {
    let db = TestDb::new(backend);
    let token = create_token(&db.url, "submit");
    let first = Server::start(&db.url);
    let second = Server::start(&db.url);
    assert_eq!(first.data_version(), second.data_version());

    let (body, values) = small_submission("shared-bench");
    let receipt = assert_created(
        &first.submit_ndjson(&token, body.as_bytes()),
        "submitting through the first server",
    );
    let counts = benchmark_counts(&second, "shared-bench").expect("the second server sees it");
    assert_eq!((counts.measurements, counts.comparisons), (12, 2));
    let page: Page<MeasurementView> = second
        .get("/v1/benchmarks/shared-bench/measurements?limit=1000")
        .parse();
    assert_eq!(page.items.len(), values.len());
    let submission: SubmissionView = second
        .get(&format!("/v1/submissions/{}", receipt.id))
        .parse();
    assert_eq!(submission.measurements, 12);
    assert_eq!(first.data_version(), receipt.data_version);
    assert_eq!(second.data_version(), receipt.data_version);

    // And the other way round, which also moves the version on both.
    let more = measurement_body("shared-bench", "accuracy", 2, 3);
    let receipt2 = assert_created(
        &second.submit_ndjson(&token, &more),
        "submitting through the second server",
    );
    assert_eq!(receipt2.data_version, receipt.data_version + 1);
    let counts = benchmark_counts(&first, "shared-bench").expect("the first server sees it");
    assert_eq!(counts.measurements, 12 + 6);
    assert_eq!(first.data_version(), receipt2.data_version);
    assert_eq!(second.data_version(), receipt2.data_version);
}
