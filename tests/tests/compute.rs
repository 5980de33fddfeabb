//! The compute policy through the real server: the same leaderboards with
//! `PODIUM_COMPUTE=gpu` (Mesa's lavapipe in CI) and `PODIUM_COMPUTE=cpu`, and the diagnostics
//! saying where each kernel ran. With `PODIUM_REQUIRE_GPU=1` (set by `.ci/run`) the GPU
//! server must really have used the GPU.

use podium_e2e::{Server, TestDb, create_token, measurement_line};
use podium_storage::testing::Backend;
use podium_synth::SplitMix64;
use serde_json::{Value, json};

/// 24 models of graded skill on 60 samples of two benchmarks, scores in 5 levels (ties).
fn results() -> String {
    let mut rng = SplitMix64::stream(77, 0);
    let mut body = String::new();
    for b in 0..2 {
        for s in 0..30 {
            for m in 0..24 {
                let value = ((m as f64) * 0.15 + 3.0 * rng.next_f64()).floor().min(4.0);
                body += &measurement_line(
                    &format!("bench{b}"),
                    &format!("m{m:02}"),
                    &format!("s{s}"),
                    "score",
                    value,
                );
            }
        }
    }
    body
}

fn leaderboard(server: &Server, method: &str, params: Value) -> Value {
    let body = json!({
        "selection": {"benchmarks": ["bench0", "bench1"]},
        "method": method,
        "params": params,
        "uncertainty": {"bootstrap": 0, "seed": 1},
    })
    .to_string();
    let answer = server.post(
        "/v1/leaderboards",
        None,
        "application/json",
        body.as_bytes(),
    );
    assert_eq!(answer.status, 200, "{method}: {}", answer.text());
    answer.json
}

fn rows(board: &Value) -> Vec<(String, f64)> {
    board["rows"]
        .as_array()
        .unwrap()
        .iter()
        .map(|r| {
            (
                r["model"].as_str().unwrap().to_owned(),
                r["score"].as_f64().unwrap(),
            )
        })
        .collect()
}

fn devices(board: &Value) -> Vec<String> {
    board["diagnostics"]["compute"]["kernels"]
        .as_array()
        .map(|k| {
            k.iter()
                .map(|k| k["device"].as_str().unwrap().to_owned())
                .collect()
        })
        .unwrap_or_default()
}

#[test]
fn gpu_and_cpu_policies_give_the_same_leaderboards() {
    let db = TestDb::new(Backend::Postgres);
    let gpu = Server::start_with(&db.url, &[("PODIUM_COMPUTE", "gpu")]);
    let cpu = Server::start_with(&db.url, &[("PODIUM_COMPUTE", "cpu")]);
    let token = create_token(&db.url, "submit");
    let answer = gpu.submit_ndjson(&token, results().as_bytes());
    assert_eq!(answer.status, 201, "{}", answer.text());
    let required = std::env::var("PODIUM_REQUIRE_GPU").as_deref() == Ok("1");
    for (method, params) in [
        ("onebench", json!({})),
        ("onebench", json!({"resamples": 20})),
        (
            "alpha-rank",
            json!({"source": "scores", "alpha": 5, "solver": "power"}),
        ),
        ("nash-averaging", json!({"source": "scores"})),
    ] {
        let on_gpu = leaderboard(&gpu, method, params.clone());
        let on_cpu = leaderboard(&cpu, method, params.clone());
        let (a, b) = (rows(&on_gpu), rows(&on_cpu));
        assert_eq!(a.len(), 24, "{method}: {on_gpu}");
        let order = |r: &[(String, f64)]| r.iter().map(|(m, _)| m.clone()).collect::<Vec<_>>();
        assert_eq!(order(&a), order(&b), "{method}: the ranking differs");
        for ((model, x), (_, y)) in a.iter().zip(&b) {
            assert!(
                (x - y).abs() <= 1e-9 * x.abs().max(1.0),
                "{method} {model}: {x} vs {y}"
            );
        }
        assert_eq!(on_cpu["diagnostics"]["compute"]["policy"], "cpu");
        assert!(devices(&on_cpu).iter().all(|d| d == "cpu"), "{on_cpu}");
        assert_eq!(on_gpu["diagnostics"]["compute"]["policy"], "gpu");
        let used = devices(&on_gpu);
        assert!(!used.is_empty(), "{method}: no kernel reported: {on_gpu}");
        if required {
            assert!(used.iter().all(|d| d == "gpu"), "{method}: {used:?}");
        }
    }
}

#[test]
fn an_unknown_policy_stops_the_server_at_start() {
    let db = TestDb::new(Backend::Sqlite);
    let output = std::process::Command::new(podium_e2e::podium_binary())
        .args(["serve", "--bind", "127.0.0.1:0", "--database-url", &db.url])
        .env("PODIUM_COMPUTE", "tpu")
        .output()
        .expect("the binary runs");
    assert!(!output.status.success());
    let stderr = String::from_utf8_lossy(&output.stderr);
    assert!(
        stderr.contains("PODIUM_COMPUTE must be cpu, gpu or auto"),
        "{stderr}"
    );
}

#[test]
fn no_built_in_plugin_links_wgpu() {
    // Plugins get the GPU through the host's kernel callbacks; linking wgpu would cost every
    // plugin tens of megabytes and seconds of loading.
    let dir = podium_e2e::podium_binary()
        .parent()
        .expect("a folder")
        .to_path_buf();
    let mut checked = 0;
    for entry in std::fs::read_dir(&dir).unwrap() {
        let path = entry.unwrap().path();
        let name = path.file_name().unwrap().to_string_lossy().into_owned();
        if name.starts_with(&format!("{}podium_", std::env::consts::DLL_PREFIX))
            && name.ends_with(std::env::consts::DLL_SUFFIX)
        {
            let bytes = std::fs::read(&path).unwrap();
            assert!(
                !bytes.windows(9).any(|w| w == b"wgpu_core"),
                "{name} links wgpu"
            );
            checked += 1;
        }
    }
    assert!(
        checked >= 7,
        "only {checked} plugins found in {}",
        dir.display()
    );
}

#[test]
fn without_an_adapter_the_gpu_policy_falls_back_to_the_cpu_with_one_log_line() {
    let db = TestDb::new(Backend::Sqlite);
    // The Vulkan loader finds no driver at all.
    let server = Server::start_with(
        &db.url,
        &[
            ("PODIUM_COMPUTE", "gpu"),
            ("VK_DRIVER_FILES", "/nonexistent/podium_icd.json"),
            ("VK_ICD_FILENAMES", "/nonexistent/podium_icd.json"),
        ],
    );
    let token = create_token(&db.url, "submit");
    let answer = server.submit_ndjson(&token, results().as_bytes());
    assert_eq!(answer.status, 201, "{}", answer.text());
    for _ in 0..2 {
        let board = leaderboard(&server, "onebench", json!({}));
        assert_eq!(rows(&board).len(), 24);
        assert_eq!(devices(&board), vec!["cpu"], "{board}");
    }
    let log = server.stderr();
    assert_eq!(
        log.matches("no GPU: kernels run on the CPU").count(),
        1,
        "{log}"
    );
}
