//! The host against real shared libraries: every broken fixture fails with its own typed error,
//! misbehaving methods (panic, endless loop, cooperative cancellation) are contained, and real
//! methods (the C example, the baseline plugin) compute through the ABI.

use std::path::PathBuf;
use std::sync::Arc;
use std::sync::atomic::Ordering;
use std::time::{Duration, Instant};

use podium_fixtures::fixtures;
use podium_plugin_api::abi::PODIUM_ABI_MINOR;
use podium_plugin_host::run::{QUARANTINE_AFTER, validate_params};
use podium_plugin_host::{
    Dataset, Facts, LoadError, PluginHost, RunError, RunOptions, Tables, load::load, run_method,
};
use serde_json::json;

#[test]
fn a_plugin_of_an_older_minor_loads_and_runs() {
    // Built against ABI 1.0, before the kernels were appended to the host table.
    let plugin = Arc::new(load(&fixtures().old_minor).expect("a 1.0 plugin loads on a 1.1 host"));
    assert_eq!(plugin.abi, (1, 0));
    let out = run_method(&plugin, 0, &dataset(), &json!({}), &options(5000)).unwrap();
    assert_eq!(out.scores, vec![0.0, 1.0, 2.0]);
    assert!(out.kernels.is_empty());
}

/// Three models; a and b measured on two samples, c on none.
fn dataset() -> Arc<Dataset> {
    let tables = Tables {
        model_names: vec!["a".into(), "b".into(), "c".into()],
        model_metadata: vec!["{}".into(); 3],
        benchmark_names: vec!["bench".into()],
        benchmark_metric_kinds: vec![podium_plugin_api::abi::PODIUM_METRIC_BINARY],
        sample_ids: vec!["s1".into(), "s2".into()],
        sample_benchmarks: vec![0, 0],
        sample_metadata: vec!["{}".into(); 2],
        judge_names: vec![],
    };
    let facts = Facts {
        measurement_models: vec![0, 0, 1, 1],
        measurement_samples: vec![0, 1, 0, 1],
        measurement_values: vec![1.0, 0.0, 1.0, 1.0],
        ..Facts::default()
    };
    Arc::new(Dataset::new(Arc::new(tables), facts).expect("consistent dataset"))
}

fn options(deadline_ms: u64) -> RunOptions {
    RunOptions::new(1, Duration::from_millis(deadline_ms))
}

fn baseline_library() -> PathBuf {
    let root = PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("../..");
    let path = root.join(format!(
        "target/debug/{}podium_baseline{}",
        std::env::consts::DLL_PREFIX,
        std::env::consts::DLL_SUFFIX
    ));
    assert!(
        path.is_file(),
        "{} is missing: build the plugins first (`cargo build --workspace`, which scripts/test does)",
        path.display()
    );
    path
}

#[test]
fn every_broken_fixture_has_its_own_error() {
    let f = fixtures();
    assert!(matches!(
        load(&f.dir.join("nothing-here.so")),
        Err(LoadError::FileMissing(_))
    ));
    assert!(matches!(
        load(&f.not_a_library),
        Err(LoadError::NotALibrary(_))
    ));
    assert!(matches!(
        load(&f.no_symbol),
        Err(LoadError::SymbolMissing { .. })
    ));
    assert!(matches!(
        load(&f.wrong_major),
        Err(LoadError::WrongMajor { plugin: 2, host: 1 })
    ));
    let newer = load(&f.newer_minor);
    assert!(
        matches!(
            newer,
            Err(LoadError::NewerMinor { plugin, host, .. })
                if plugin == PODIUM_ABI_MINOR + 1 && host == PODIUM_ABI_MINOR
        ),
        "{newer:?}"
    );
    let malformed = load(&f.malformed_size).unwrap_err();
    assert!(
        matches!(&malformed, LoadError::Malformed(m) if m.contains("struct_size")),
        "{malformed}"
    );
    let null_run = load(&f.null_run).unwrap_err();
    assert!(
        matches!(&null_run, LoadError::Malformed(m) if m.contains("run is null")),
        "{null_run}"
    );
    assert_eq!(
        load(&f.describe_panics).unwrap_err(),
        LoadError::DescribePanicked
    );
    // The codes are distinct, so the API can show each one.
    let mut codes: Vec<&str> = [
        LoadError::FileMissing(PathBuf::new()),
        load(&f.not_a_library).unwrap_err(),
        load(&f.no_symbol).unwrap_err(),
        load(&f.wrong_major).unwrap_err(),
        load(&f.newer_minor).unwrap_err(),
        malformed,
        LoadError::DescribePanicked,
    ]
    .iter()
    .map(LoadError::code)
    .collect();
    codes.dedup();
    assert_eq!(codes.len(), 7);
}

#[test]
fn scanning_the_fixture_folder_loads_the_good_and_reports_the_bad() {
    let f = fixtures();
    let host = PluginHost::scan(&f.dir);
    let entries = host.entries();
    let loaded: Vec<String> = entries
        .iter()
        .filter_map(|e| e.outcome.as_ref().ok().map(|p| p.name.clone()))
        .collect();
    assert!(loaded.contains(&"c-example".to_owned()), "{loaded:?}");
    assert!(
        loaded.contains(&"fixture-misbehaving".to_owned()),
        "{loaded:?}"
    );
    assert!(
        loaded.contains(&"fixture-old-minor".to_owned()),
        "{loaded:?}"
    );
    let failed = entries.iter().filter(|e| e.outcome.is_err()).count();
    assert_eq!(failed, 7, "{entries:#?}");
    assert!(host.method("c_mean").is_some());
    assert!(host.method("constant").is_some());
    assert!(host.method("no-such-method").is_none());
    // Loading the same folder twice reports duplicate method ids for the second copy.
    let twice = PluginHost::from_paths(&[f.c_example.clone(), f.c_example.clone()]);
    assert!(matches!(
        twice.entries()[1].outcome,
        Err(LoadError::DuplicateMethod { .. })
    ));
}

#[test]
fn the_c_plugin_computes_through_the_abi() {
    let plugin = Arc::new(load(&fixtures().c_example).expect("the C plugin loads"));
    assert_eq!(plugin.name, "c-example");
    assert_eq!(plugin.file_hash.len(), 64);
    let out = run_method(&plugin, 0, &dataset(), &json!({}), &options(5_000)).unwrap();
    assert_eq!(out.scores[..2], [0.5, 1.0]);
    assert_eq!(out.valid, vec![true, true, false]);
    assert!(out.scores[2].is_nan());
    // Its schema forbids properties: the host refuses before calling.
    let err = run_method(&plugin, 0, &dataset(), &json!({"x": 1}), &options(5_000)).unwrap_err();
    assert!(matches!(err, RunError::InvalidParams(_)), "{err}");
}

fn misbehaving() -> Arc<podium_plugin_host::Plugin> {
    Arc::new(load(&fixtures().misbehaving).expect("the misbehaving fixture loads"))
}

fn method_index(plugin: &podium_plugin_host::Plugin, id: &str) -> usize {
    plugin
        .methods
        .iter()
        .position(|m| m.id == id)
        .unwrap_or_else(|| panic!("fixture method {id} is missing"))
}

#[test]
fn a_panicking_method_is_an_error_and_the_next_call_works() {
    let plugin = misbehaving();
    let err = run_method(
        &plugin,
        method_index(&plugin, "panics"),
        &dataset(),
        &json!({}),
        &options(5_000),
    )
    .unwrap_err();
    assert!(
        matches!(&err, RunError::Panicked(m) if m.contains("fixture panic")),
        "{err}"
    );
    let out = run_method(
        &plugin,
        method_index(&plugin, "constant"),
        &dataset(),
        &json!({}),
        &options(5_000),
    )
    .unwrap();
    assert_eq!(out.scores, vec![0.0, 1.0, 2.0]);
}

#[test]
fn an_endless_method_hits_its_deadline_and_is_quarantined() {
    let plugin = misbehaving();
    let endless = method_index(&plugin, "endless");
    for round in 1..=QUARANTINE_AFTER {
        let started = Instant::now();
        let err = run_method(&plugin, endless, &dataset(), &json!({}), &options(200)).unwrap_err();
        assert_eq!(err, RunError::DeadlineExceeded(Duration::from_millis(200)));
        assert!(
            started.elapsed() < Duration::from_secs(3),
            "{:?}",
            started.elapsed()
        );
        assert_eq!(plugin.timeouts(), round);
    }
    let err = run_method(
        &plugin,
        method_index(&plugin, "constant"),
        &dataset(),
        &json!({}),
        &options(1_000),
    )
    .unwrap_err();
    assert!(matches!(err, RunError::Quarantined(_)), "{err}");
}

#[test]
fn a_cooperative_method_stops_when_cancelled() {
    let plugin = misbehaving();
    let cooperative = method_index(&plugin, "cooperative");
    let opts = options(30_000);
    let cancel = opts.cancel.clone();
    let progress = opts.progress.clone();
    let stopper = std::thread::spawn(move || {
        std::thread::sleep(Duration::from_millis(150));
        cancel.store(true, Ordering::Relaxed);
    });
    let started = Instant::now();
    let err = run_method(&plugin, cooperative, &dataset(), &json!({}), &opts).unwrap_err();
    stopper.join().unwrap();
    assert_eq!(err, RunError::Cancelled);
    assert!(started.elapsed() < Duration::from_secs(5));
    assert!(progress.get() > 0.0, "progress was reported");
    // At its deadline the same method is cancelled by the host: a deadline error, promptly.
    let err = run_method(&plugin, cooperative, &dataset(), &json!({}), &options(200)).unwrap_err();
    assert_eq!(err, RunError::DeadlineExceeded(Duration::from_millis(200)));
    assert_eq!(
        plugin.timeouts(),
        0,
        "a cooperative method is not abandoned"
    );
}

#[test]
fn parameters_are_checked_against_the_schema_naming_the_field() {
    let schema = json!({
        "type": "object",
        "properties": {"min_samples": {"type": "integer", "minimum": 1}},
        "additionalProperties": false
    });
    assert!(validate_params(&schema, &json!({"min_samples": 2})).is_ok());
    let err = validate_params(&schema, &json!({"min_samples": 0})).unwrap_err();
    assert!(
        matches!(&err, RunError::InvalidParams(m) if m.starts_with("min_samples")),
        "{err}"
    );
    let err = validate_params(&schema, &json!({"other": 1})).unwrap_err();
    assert!(
        matches!(&err, RunError::InvalidParams(m) if m.contains("other")),
        "{err}"
    );
    assert!(validate_params(&schema, &json!([1])).is_err());
}

#[test]
fn the_baseline_plugin_runs_through_the_host() {
    let host = PluginHost::from_paths(&[baseline_library()]);
    let mean = host.method("mean").expect("baseline provides mean");
    assert_eq!(mean.plugin.name, "baseline");
    let out = run_method(
        &mean.plugin,
        mean.index,
        &dataset(),
        &json!({}),
        &options(5_000),
    )
    .unwrap();
    assert_eq!(out.scores[..2], [0.5, 1.0]);
    assert_eq!(out.valid, vec![true, true, false]);
    let err = run_method(
        &mean.plugin,
        mean.index,
        &dataset(),
        &json!({"min_samples": 0}),
        &options(5_000),
    )
    .unwrap_err();
    assert!(
        matches!(&err, RunError::InvalidParams(m) if m.contains("min_samples")),
        "{err}"
    );
    assert!(host.method("macro_mean").is_some());
    assert!(host.method("win_rate").is_some());
}

#[test]
fn a_library_replaced_in_place_loads_its_new_code() {
    // Copy the C plugin and the constant fixture under one name in turn: a rescan must load
    // what the file holds now, not what the loader cached for that path.
    let f = fixtures();
    let dir = std::env::temp_dir().join(format!("podium-replace-{}", std::process::id()));
    std::fs::create_dir_all(&dir).unwrap();
    let slot = dir.join(format!(
        "{}slot{}",
        std::env::consts::DLL_PREFIX,
        std::env::consts::DLL_SUFFIX
    ));
    std::fs::copy(&f.c_example, &slot).unwrap();
    let host = PluginHost::scan(&dir);
    assert!(host.method("c_mean").is_some());
    std::fs::copy(&f.misbehaving, &slot).unwrap();
    host.rescan();
    assert!(
        host.method("c_mean").is_none(),
        "the old code is still loaded"
    );
    assert!(host.method("constant").is_some());
    let _ = std::fs::remove_dir_all(&dir);
}
