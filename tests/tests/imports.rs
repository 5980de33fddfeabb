//! Harness imports end to end: `POST /v1/imports` for every format, and the `podium` client
//! (`import`, `leaderboard`, `methods`, `benchmarks`) against the real server binary.
//!
//! Fixtures are the import crate's own (server/import/tests/fixtures). The real third-party
//! files under `PODIUM_SHARED_DATA` are imported by an opt-in test that checks what the
//! server then holds.

use std::io::Write;
use std::path::{Path, PathBuf};
use std::process::{Command, Output};

use podium_e2e::{Response, Server, TestDb, create_token, podium_binary, workspace_root};
use podium_storage::testing::Backend;
use serde_json::Value;

fn fixtures() -> PathBuf {
    workspace_root().join("server/import/tests/fixtures")
}

fn read(path: &Path) -> Vec<u8> {
    std::fs::read(path).unwrap_or_else(|e| panic!("{}: {e}", path.display()))
}

/// A multipart/form-data body with one part per (file name, bytes).
fn multipart(files: &[(String, Vec<u8>)]) -> (String, Vec<u8>) {
    let boundary = "e2e-boundary-7f3a9c";
    let mut body = Vec::new();
    for (name, bytes) in files {
        write!(
            body,
            "--{boundary}\r\nContent-Disposition: form-data; name=\"file\"; filename=\"{name}\"\r\n\
             Content-Type: application/octet-stream\r\n\r\n"
        )
        .unwrap();
        body.extend_from_slice(bytes);
        body.extend_from_slice(b"\r\n");
    }
    write!(body, "--{boundary}--\r\n").unwrap();
    (format!("multipart/form-data; boundary={boundary}"), body)
}

fn folder_files(dir: &Path) -> Vec<(String, Vec<u8>)> {
    let mut files: Vec<(String, Vec<u8>)> = std::fs::read_dir(dir)
        .unwrap()
        .map(|e| e.unwrap().path())
        .filter(|p| p.is_file())
        .map(|p| {
            (
                p.file_name().unwrap().to_string_lossy().into_owned(),
                read(&p),
            )
        })
        .collect();
    files.sort();
    files
}

/// An inspect `.eval` archive of the fixture members, compressed with `method`.
fn eval_archive(method: zip::CompressionMethod) -> Vec<u8> {
    let root = fixtures().join("inspect/eval_members");
    let mut members = Vec::new();
    let mut stack = vec![root.clone()];
    while let Some(dir) = stack.pop() {
        for entry in std::fs::read_dir(&dir).unwrap() {
            let path = entry.unwrap().path();
            if path.is_dir() {
                stack.push(path);
            } else {
                members.push(path);
            }
        }
    }
    members.sort();
    let mut writer = zip::ZipWriter::new(std::io::Cursor::new(Vec::new()));
    let options = zip::write::SimpleFileOptions::default().compression_method(method);
    for path in members {
        let name = path
            .strip_prefix(&root)
            .unwrap()
            .to_string_lossy()
            .replace('\\', "/");
        writer.start_file(name, options).unwrap();
        writer.write_all(&read(&path)).unwrap();
    }
    writer.finish().unwrap().into_inner()
}

fn import(server: &Server, token: &str, query: &str, files: &[(String, Vec<u8>)]) -> Response {
    let (content_type, body) = multipart(files);
    server.post(
        &format!("/v1/imports?{query}"),
        Some(token),
        &content_type,
        &body,
    )
}

fn one(name: &str, bytes: Vec<u8>) -> Vec<(String, Vec<u8>)> {
    vec![(name.to_owned(), bytes)]
}

/// Uploaded files: (name, bytes).
type Files = Vec<(String, Vec<u8>)>;

/// (format, query, files) for every format's fixture.
fn every_format() -> Vec<(&'static str, &'static str, Files)> {
    let f = fixtures();
    vec![
        (
            "lm-eval",
            "format=auto",
            folder_files(&f.join("lm_eval/run")),
        ),
        ("helm", "format=helm", folder_files(&f.join("helm/run"))),
        (
            "inspect",
            "format=auto",
            one("two_epochs.json", read(&f.join("inspect/two_epochs.json"))),
        ),
        (
            "inspect",
            "format=auto&model=deflate-copy",
            one("log.eval", eval_archive(zip::CompressionMethod::Deflated)),
        ),
        (
            "inspect",
            "format=inspect&model=zstd-copy",
            one("log.eval", eval_archive(zip::CompressionMethod::Zstd)),
        ),
        (
            "arena",
            "format=auto&benchmark=arena-jsonl",
            one("battles.jsonl", read(&f.join("arena/battles.jsonl"))),
        ),
        (
            "arena",
            "format=arena&benchmark=arena-csv",
            one("battles.csv", read(&f.join("arena/battles.csv"))),
        ),
        (
            "arena-hard",
            "format=auto",
            one(
                "judgments_v2.jsonl",
                read(&f.join("arena_hard/judgments_v2.jsonl")),
            ),
        ),
        (
            "arena-hard",
            "format=arena-hard&baseline=gpt-4-0314&benchmark=arena-hard-v0.1",
            one(
                "judgments_v01.jsonl",
                read(&f.join("arena_hard/judgments_v01.jsonl")),
            ),
        ),
        (
            "eee",
            "format=auto",
            one("instances.jsonl", read(&f.join("eee/instances.jsonl"))),
        ),
    ]
}

fn every_format_imports_through_the_api(backend: Backend) {
    let db = TestDb::new(backend);
    let server = Server::start(&db.url);
    let token = create_token(&db.url, "submit");
    for (format, query, files) in every_format() {
        let first = import(&server, &token, query, &files);
        assert_eq!(first.status, 201, "{format} {query}: {}", first.text());
        let receipt = &first.json;
        assert_eq!(receipt["format"], format, "{receipt}");
        assert_eq!(receipt["replayed"], false);
        let stored = receipt["submission"]["measurements"].as_u64().unwrap()
            + receipt["submission"]["comparisons"].as_u64().unwrap();
        assert!(stored > 0, "{format}: {receipt}");
        assert_eq!(
            receipt["counts"]["measurements"], receipt["submission"]["measurements"],
            "{receipt}"
        );
        // The submission records its format; the hash answers "imported?".
        let id = receipt["submission"]["id"].as_i64().unwrap();
        let view = server.get(&format!("/v1/submissions/{id}"));
        assert_eq!(view.json["source_format"], format);
        let hash = receipt["submission"]["content_hash"].as_str().unwrap();
        let known = server.get(&format!("/v1/imports/{hash}"));
        assert_eq!(known.status, 200, "{}", known.text());
        assert_eq!(known.json["id"], id);

        // The same content again: nothing new, the original receipt.
        let version = server.data_version();
        let again = import(&server, &token, query, &files);
        assert_eq!(again.status, 200, "{}", again.text());
        assert_eq!(again.json["replayed"], true);
        assert_eq!(again.json["submission"], receipt["submission"]);
        assert_eq!(again.header("idempotent-replayed"), Some("true"));
        assert_eq!(
            server.data_version(),
            version,
            "{format}: a replay stored something"
        );
    }
    // Deflate and zstd archives of the same log read the same records.
    let deflate = server.get("/v1/benchmarks/toy_arithmetic");
    assert_eq!(deflate.status, 200, "{}", deflate.text());
    assert_eq!(deflate.json["counts"]["models"], 3, "{}", deflate.json);

    // One file read as a raw body (not multipart), named by ?filename=.
    let body = read(&fixtures().join("arena/battles.jsonl"));
    let raw = server.post(
        "/v1/imports?filename=battles.jsonl&benchmark=arena-raw",
        Some(&token),
        "application/octet-stream",
        &body,
    );
    assert_eq!(raw.status, 201, "{}", raw.text());
    assert_eq!(raw.json["format"], "arena");
}

#[test]
fn every_format_imports_through_the_api_on_postgres() {
    every_format_imports_through_the_api(Backend::Postgres);
}

#[test]
fn every_format_imports_through_the_api_on_sqlite() {
    every_format_imports_through_the_api(Backend::Sqlite);
}

#[test]
fn malformed_uploads_name_file_line_and_field_and_store_nothing() {
    let db = TestDb::new(Backend::Sqlite);
    let server = Server::start(&db.url);
    let token = create_token(&db.url, "submit");
    let version = server.data_version();

    let mut csv = String::from_utf8(read(&fixtures().join("arena/battles.csv"))).unwrap();
    csv = csv.replacen(",model_b,voter_2,", ",model_c,voter_2,", 1);
    let answer = import(
        &server,
        &token,
        "format=arena",
        &one("bad.csv", csv.into_bytes()),
    );
    assert_eq!(answer.status, 422, "{}", answer.text());
    assert_eq!(
        answer.content_type.as_deref(),
        Some("application/problem+json")
    );
    let error = &answer.json["errors"][0];
    assert_eq!(error["file"], "bad.csv", "{}", answer.json);
    assert_eq!(error["line"], 3, "{}", answer.json);
    assert_eq!(error["field"], "winner", "{}", answer.json);

    // lm-eval: a samples line that is not JSON, among valid ones.
    let mut files = folder_files(&fixtures().join("lm_eval/run"));
    let samples = files
        .iter_mut()
        .find(|(name, _)| name.starts_with("samples_arith_qa"))
        .unwrap();
    let text = String::from_utf8(samples.1.clone()).unwrap();
    let mut lines: Vec<&str> = text.lines().collect();
    lines[1] = "{\"doc_id\": 1, \"filter\": ";
    samples.1 = (lines.join("\n") + "\n").into_bytes();
    let samples_name = samples.0.clone();
    let answer = import(&server, &token, "format=lm-eval", &files);
    assert_eq!(answer.status, 422, "{}", answer.text());
    let error = &answer.json["errors"][0];
    assert_eq!(error["file"], samples_name.as_str(), "{}", answer.json);
    assert_eq!(error["line"], 2, "{}", answer.json);

    // Wrong requests: unknown format, no file name, a folder format sent as one file.
    let answer = import(
        &server,
        &token,
        "format=csv",
        &one("x.csv", b"a\n".to_vec()),
    );
    assert_eq!(answer.status, 400, "{}", answer.text());
    assert!(answer.text().contains("lm-eval"), "{}", answer.text());
    let answer = server.post(
        "/v1/imports?format=lm-eval",
        Some(&token),
        "application/octet-stream",
        b"{}",
    );
    assert_eq!(answer.status, 400, "{}", answer.text());
    let answer = import(&server, &token, "", &one("notes.txt", b"hello\n".to_vec()));
    assert_eq!(answer.status, 400, "{}", answer.text());
    assert!(answer.text().contains("format"), "{}", answer.text());
    // No token.
    let answer = server.post("/v1/imports", None, "application/octet-stream", b"{}");
    assert_eq!(answer.status, 401);

    assert_eq!(
        server.data_version(),
        version,
        "a rejected import stored something"
    );
    let benchmarks = server.get("/v1/benchmarks");
    assert_eq!(benchmarks.json["items"], Value::Array(Vec::new()));

    // A record repeating another: both places are named by file and line, not by record.
    let eee = String::from_utf8(read(&fixtures().join("eee/instances.jsonl"))).unwrap();
    let first = eee.lines().next().unwrap();
    let repeated = format!("{first}\n{first}\n");
    let answer = import(
        &server,
        &token,
        "format=eee",
        &one("dup.jsonl", repeated.into_bytes()),
    );
    assert_eq!(answer.status, 422, "{}", answer.text());
    let error = &answer.json["errors"][0];
    assert_eq!(error["file"], "dup.jsonl", "{}", answer.json);
    assert_eq!(error["line"], 2, "{}", answer.json);
    assert!(
        error["reason"].as_str().unwrap().contains("dup.jsonl:1"),
        "{}",
        answer.json
    );
    assert_eq!(server.data_version(), version);

    // The upload cap counts the whole multipart body, whatever its parts.
    let small = Server::start_with(&db.url, &[("PODIUM_MAX_IMPORT_BYTES", "2000")]);
    let many: Files = (0..100)
        .map(|i| (format!("f{i}.jsonl"), b"{}".to_vec()))
        .collect();
    let answer = import(&small, &token, "format=arena", &many);
    assert_eq!(answer.status, 413, "{}", answer.text());
    assert_eq!(small.data_version(), version);
}

/// Runs the `podium` client with the server's URL and a token in the environment.
fn client(server: &Server, token: &str, args: &[&str]) -> Output {
    Command::new(podium_binary())
        .args(args)
        .env("PODIUM_URL", server.base_url())
        .env("PODIUM_TOKEN", token)
        .env("NO_COLOR", "1")
        .output()
        .expect("the podium binary runs")
}

fn text(output: &Output) -> String {
    format!(
        "{}{}",
        String::from_utf8_lossy(&output.stdout),
        String::from_utf8_lossy(&output.stderr)
    )
}

#[test]
fn cli_imports_an_lm_eval_folder_and_prints_a_leaderboard() {
    let db = TestDb::new(Backend::Postgres);
    let server = Server::start(&db.url);
    let token = create_token(&db.url, "submit");
    let run = fixtures().join("lm_eval/run");
    let run = run.to_str().unwrap();

    let first = client(&server, &token, &["import", run]);
    assert!(first.status.success(), "{}", text(&first));
    let out = String::from_utf8_lossy(&first.stdout).into_owned();
    assert!(
        out.contains("+ ") && out.contains("(lm-eval): submission"),
        "{out}"
    );
    assert!(out.contains("1 unit(s) stored"), "{out}");
    let version = server.data_version();

    // A second model's run of the same tasks (same files, another model name).
    let second = client(
        &server,
        &token,
        &["import", run, "--model", "other/model-2b"],
    );
    assert!(second.status.success(), "{}", text(&second));

    let board = client(
        &server,
        &token,
        &[
            "leaderboard",
            "--method",
            "mean",
            "--benchmark",
            "trivia_mini",
        ],
    );
    assert!(board.status.success(), "{}", text(&board));
    let table = String::from_utf8_lossy(&board.stdout).into_owned();
    let lines: Vec<&str> = table.lines().collect();
    assert!(lines[0].starts_with("mean (baseline"), "{table}");
    assert!(lines[1].starts_with("rank  model"), "{table}");
    assert!(table.contains("other/model-2b"), "{table}");
    assert_eq!(lines.len(), 5, "{table}");

    let csv = client(
        &server,
        &token,
        &[
            "leaderboard",
            "--method",
            "mean",
            "--benchmark",
            "trivia_mini",
            "--bootstrap",
            "50",
            "--seed",
            "1",
            "--format",
            "csv",
        ],
    );
    assert!(csv.status.success(), "{}", text(&csv));
    let csv = String::from_utf8_lossy(&csv.stdout).into_owned();
    assert!(
        csv.starts_with("rank,model,score,ci_low,ci_high,rank_low,rank_high,n\r\n"),
        "{csv}"
    );
    assert_eq!(csv.lines().count(), 3, "{csv}");

    let json = client(
        &server,
        &token,
        &[
            "leaderboard",
            "--method",
            "mean",
            "--benchmark",
            "trivia_mini",
            "--format",
            "json",
        ],
    );
    let parsed: Value = serde_json::from_slice(&json.stdout).expect("--format json is JSON");
    assert_eq!(parsed["rows"].as_array().unwrap().len(), 2);

    // Repeating the first import stores nothing and uploads nothing.
    let version_before = server.data_version();
    let again = client(&server, &token, &["import", run]);
    assert!(again.status.success(), "{}", text(&again));
    let out = String::from_utf8_lossy(&again.stdout).into_owned();
    assert!(out.contains("already imported"), "{out}");
    assert!(out.contains("0 unit(s) stored"), "{out}");
    assert_eq!(server.data_version(), version_before);
    assert!(version_before > version);

    let methods = client(&server, &token, &["methods"]);
    assert!(methods.status.success(), "{}", text(&methods));
    assert!(String::from_utf8_lossy(&methods.stdout).contains("\nmean "));
    let benchmarks = client(&server, &token, &["benchmarks", "--format", "csv"]);
    let listing = String::from_utf8_lossy(&benchmarks.stdout).into_owned();
    assert!(listing.contains("trivia_mini,"), "{listing}");
    assert!(listing.contains("arith_qa,"), "{listing}");
}

#[test]
fn cli_reports_a_malformed_file_and_stores_nothing() {
    let db = TestDb::new(Backend::Sqlite);
    let server = Server::start(&db.url);
    let token = create_token(&db.url, "submit");
    let dir = tempfile_dir("malformed");
    for (name, bytes) in folder_files(&fixtures().join("lm_eval/run")) {
        let bytes = if name.starts_with("samples_trivia_mini") {
            let text = String::from_utf8(bytes).unwrap();
            let mut lines: Vec<String> = text.lines().map(str::to_owned).collect();
            lines[2] = "not json at all".into();
            (lines.join("\n") + "\n").into_bytes()
        } else {
            bytes
        };
        std::fs::write(dir.join(&name), bytes).unwrap();
    }
    let version = server.data_version();
    let output = client(&server, &token, &["import", dir.to_str().unwrap()]);
    assert!(!output.status.success(), "{}", text(&output));
    let said = text(&output);
    assert!(said.contains("samples_trivia_mini_"), "{said}");
    assert!(said.contains(".jsonl:3: invalid JSON"), "{said}");
    assert_eq!(server.data_version(), version, "{said}");

    // Without a server token the client says what is missing.
    let output = Command::new(podium_binary())
        .args(["import", dir.to_str().unwrap()])
        .env("PODIUM_URL", server.base_url())
        .env_remove("PODIUM_TOKEN")
        .output()
        .unwrap();
    assert_eq!(output.status.code(), Some(2), "{}", text(&output));
    assert!(text(&output).contains("PODIUM_TOKEN"));
    let _ = std::fs::remove_dir_all(&dir);
}

fn tempfile_dir(tag: &str) -> PathBuf {
    let dir = std::env::temp_dir().join(format!(
        "podium-e2e-{tag}-{}-{}",
        std::process::id(),
        std::time::SystemTime::now()
            .duration_since(std::time::UNIX_EPOCH)
            .unwrap()
            .as_nanos()
    ));
    std::fs::create_dir_all(&dir).unwrap();
    dir
}

/// The real files of ../shared/data through `podium import`, checked by what the server holds.
#[test]
fn real_harness_files_import_through_the_cli() {
    let Some(data) = std::env::var_os("PODIUM_SHARED_DATA").map(PathBuf::from) else {
        eprintln!("skipped: PODIUM_SHARED_DATA is not set (real harness files)");
        return;
    };
    let db = TestDb::new(Backend::Postgres);
    let server = Server::start(&db.url);
    let token = create_token(&db.url, "submit");
    let formats = data.join("formats");
    let paths: Vec<String> = [
        formats.join("lm_eval"),
        formats.join("helm"),
        formats.join("inspect"),
        data.join("arena_hard"),
    ]
    .iter()
    .map(|p| p.to_string_lossy().into_owned())
    .collect();
    let mut args = vec!["import"];
    args.extend(paths.iter().map(String::as_str));
    let output = client(&server, &token, &args);
    let said = text(&output);
    eprintln!("{said}");
    // One real log holds no samples (aggregate results only): it fails, the rest land.
    assert!(!output.status.success(), "{said}");
    assert!(said.contains("data_with_llm_scoring.json"), "{said}");
    assert!(said.contains("9 unit(s) stored"), "{said}");
    assert!(said.contains("1 failed"), "{said}");

    let counts = |benchmark: &str| {
        let path = format!(
            "/v1/benchmarks/{}",
            benchmark
                .replace(':', "%3A")
                .replace('/', "%2F")
                .replace(',', "%2C")
                .replace('=', "%3D")
        );
        let answer = server.get(&path);
        assert_eq!(answer.status, 200, "{benchmark}: {}", answer.text());
        answer.json["counts"].clone()
    };
    let expect =
        |benchmark: &str, models: i64, samples: i64, measurements: i64, comparisons: i64| {
            let c = counts(benchmark);
            assert_eq!(
                (
                    c["models"].as_i64(),
                    c["samples"].as_i64(),
                    c["measurements"].as_i64(),
                    c["comparisons"].as_i64()
                ),
                (
                    Some(models),
                    Some(samples),
                    Some(measurements),
                    Some(comparisons)
                ),
                "{benchmark}: {c}"
            );
        };
    expect("math_perturbed_full", 1, 10, 10, 0);
    expect(
        "mmlu:subject=philosophy,method=multiple_choice_joint",
        1,
        10,
        80,
        0,
    );
    expect("narrative_qa", 1, 5, 30, 0);
    expect("inspect_evals/arc_easy", 1, 3, 3, 0);
    expect("arena", 4, 100, 0, 1348);
    let popularity = counts("popularity");
    assert_eq!(popularity["models"], 2, "{popularity}");
    assert_eq!(popularity["samples"], 1, "{popularity}");

    // The arena battles give the reference Bradley–Terry scores of SOURCES.md (ties as half
    // a win each way; choix 0.4.1 ilsr_pairwise_dense, centred).
    let board = client(
        &server,
        &token,
        &[
            "leaderboard",
            "--method",
            "bradley_terry",
            "--benchmark",
            "arena",
            "--format",
            "json",
        ],
    );
    assert!(board.status.success(), "{}", text(&board));
    let board: Value = serde_json::from_slice(&board.stdout).unwrap();
    for (model, expected) in [
        ("claude-3-5-sonnet-20240620", 0.760618),
        ("claude-3-haiku-20240307", -1.537194),
        ("claude-3-opus-20240229", -0.003000),
        ("gpt-4o", 0.779576),
    ] {
        let row = board["rows"]
            .as_array()
            .unwrap()
            .iter()
            .find(|r| r["model"] == model)
            .unwrap_or_else(|| panic!("{model} missing: {board}"));
        let score = row["score"].as_f64().unwrap();
        assert!(
            (score - expected).abs() < 5e-6,
            "{model}: {score} vs {expected}"
        );
    }

    // Everything again: nothing new.
    let version = server.data_version();
    let again = client(&server, &token, &args);
    assert!(
        text(&again).contains("9 already present"),
        "{}",
        text(&again)
    );
    assert_eq!(server.data_version(), version);
}
