//! inspect-ai logs: `.json` streamed, `.eval` archives (deflate and zstd), and the real
//! examples under `$PODIUM_SHARED_DATA` when it is set.

mod common;

use std::io::Write;
use std::path::Path;

use common::{fixture, measurements, read_invalid, read_ok, read_with, shared, temp_file, unit};
use podium_import::{Format, Limits, Location, Options, discover};
use podium_wire::record::{Measurement, Record};
use serde_json::{Value, json};
use zip::CompressionMethod;
use zip::write::SimpleFileOptions;

/// (sample, epoch, metric, value) of every measurement, sorted.
fn table(records: &[(Location, Record<'static>)]) -> Vec<(String, i32, String, f64)> {
    let mut rows: Vec<_> = measurements(records)
        .into_iter()
        .map(|m| {
            (
                m.sample.into_owned(),
                m.epoch,
                m.metric.into_owned(),
                m.value,
            )
        })
        .collect();
    rows.sort_by(|a, b| a.partial_cmp(b).unwrap());
    rows
}

/// What `two_epochs.json` (and the archive built from `eval_members/`) holds.
fn expected_two_epochs() -> Vec<(String, i32, String, f64)> {
    let rows = [
        ("1", 1, "grader", 7.5),
        ("1", 1, "match", 1.0),
        ("1", 1, "multi/accuracy", 0.5),
        ("1", 1, "multi/exact", 1.0),
        ("1", 2, "grader", 3.0),
        ("1", 2, "match", 0.0),
        ("1", 2, "multi/accuracy", 0.0),
        ("1", 2, "multi/exact", 0.0),
        ("q-two", 1, "grader", 5.0),
        ("q-two", 1, "match", 0.5),
        ("q-two", 1, "multi/accuracy", 1.0),
        ("q-two", 1, "multi/exact", 1.0),
        ("q-two", 2, "grader", 0.25),
        ("q-two", 2, "match", 0.0),
        ("q-two", 2, "multi/accuracy", 0.0),
        ("q-two", 2, "multi/exact", 0.0),
    ];
    rows.into_iter()
        .map(|(s, e, m, v)| (s.to_owned(), e, m.to_owned(), v))
        .collect()
}

fn check_names_and_metadata(records: &[(Location, Record<'static>)]) {
    for m in measurements(records) {
        assert_eq!(m.model, "openai/toy-model-1");
        assert_eq!(m.benchmark, "toy_arithmetic");
        assert_eq!(m.higher_is_better, Some(true));
        assert_eq!(m.model_metadata, None);
        let metadata = m.sample_metadata.map(Value::Object);
        if m.sample == "1" {
            assert_eq!(metadata, Some(json!({"difficulty": "easy", "level": 1})));
        } else {
            // Nested metadata is not a sample's tag list; it is left out.
            assert_eq!(metadata, None, "{}", m.sample);
        }
    }
}

#[test]
fn json_log_with_two_epochs() {
    let path = fixture("inspect/two_epochs.json");
    let found = discover(std::slice::from_ref(&path), None).unwrap();
    assert_eq!(found.units.len(), 1);
    assert_eq!(found.units[0].format, Format::Inspect);
    let (summary, records) = read_ok(&found.units[0], &Options::default());
    assert_eq!(table(&records), expected_two_epochs());
    check_names_and_metadata(&records);
    assert_eq!(summary.measurements, 16);
    assert_eq!(summary.models, 1);
    assert_eq!(summary.benchmarks, 1);
    assert_eq!(summary.samples, 2);
    assert_eq!(
        summary.skipped,
        vec!["1 sample(s) errored and have no scores".to_owned()]
    );
    // Each record is located at the line where its sample starts.
    let (at, first) = &records[0];
    assert_eq!(at.file, "two_epochs.json");
    assert_eq!(at.member, None);
    let Record::Measurement(first) = first else {
        unreachable!()
    };
    assert_eq!((first.sample.as_ref(), first.epoch), ("1", 1));
    assert_eq!(at.line, 34);
}

#[test]
fn options_name_the_model_and_benchmark() {
    let path = fixture("inspect/two_epochs.json");
    let options = Options {
        model: Some("my-model".into()),
        benchmark: Some("my-bench".into()),
        baseline: None,
    };
    let (_, records) = read_ok(&unit(Format::Inspect, &path), &options);
    let all = measurements(&records);
    assert_eq!(all.len(), 16);
    assert!(
        all.iter()
            .all(|m| m.model == "my-model" && m.benchmark == "my-bench")
    );
}

/// Builds a `.eval` archive from the committed members, compressed with `method`.
fn build_eval(
    dir: &Path,
    name: &str,
    method: CompressionMethod,
    with_header: bool,
) -> std::path::PathBuf {
    let members = fixture("inspect/eval_members");
    let mut names = vec!["_journal/start.json".to_owned()];
    let mut samples: Vec<String> = std::fs::read_dir(members.join("samples"))
        .unwrap()
        .map(|e| format!("samples/{}", e.unwrap().file_name().to_string_lossy()))
        .collect();
    samples.sort();
    names.extend(samples);
    names.extend(["summaries.json".to_owned(), "reductions.json".to_owned()]);
    if with_header {
        names.push("header.json".to_owned());
    }
    let path = dir.join(name);
    let mut archive = zip::ZipWriter::new(std::fs::File::create(&path).unwrap());
    let options = SimpleFileOptions::default().compression_method(method);
    for member in names {
        archive.start_file(member.as_str(), options).unwrap();
        archive
            .write_all(&std::fs::read(members.join(&member)).unwrap())
            .unwrap();
    }
    archive.finish().unwrap();
    path
}

#[test]
fn eval_archives_deflate_and_zstd_read_alike() {
    let dir = tempfile::tempdir().unwrap();
    let deflated = build_eval(
        dir.path(),
        "deflated.eval",
        CompressionMethod::Deflated,
        true,
    );
    let zstd = build_eval(dir.path(), "zstd.eval", CompressionMethod::Zstd, true);
    let (summary, from_deflate) = read_ok(&unit(Format::Inspect, &deflated), &Options::default());
    let (_, from_zstd) = read_ok(&unit(Format::Inspect, &zstd), &Options::default());
    assert_eq!(table(&from_deflate), expected_two_epochs());
    check_names_and_metadata(&from_deflate);
    let records =
        |r: &[(Location, Record<'static>)]| r.iter().map(|(_, r)| r.clone()).collect::<Vec<_>>();
    assert_eq!(records(&from_deflate), records(&from_zstd));
    assert_eq!(
        summary.skipped,
        vec!["1 sample(s) errored and have no scores".to_owned()]
    );
    // The archive and the JSON log of the same run give the same records.
    let (_, from_json) = read_ok(
        &unit(Format::Inspect, &fixture("inspect/two_epochs.json")),
        &Options::default(),
    );
    let mut a = records(&from_deflate);
    let mut b = records(&from_json);
    let key = |r: &Record<'static>| format!("{r:?}");
    a.sort_by_key(key);
    b.sort_by_key(key);
    assert_eq!(a, b);
    // Records are located at their member.
    let (at, _) = &from_zstd[0];
    assert_eq!(at.file, "zstd.eval");
    assert_eq!(at.member.as_deref(), Some("samples/1_epoch_1.json"));
}

#[test]
fn eval_archive_still_running_reads_the_journal_start() {
    let dir = tempfile::tempdir().unwrap();
    let running = build_eval(
        dir.path(),
        "running.eval",
        CompressionMethod::Deflated,
        false,
    );
    let (_, records) = read_ok(&unit(Format::Inspect, &running), &Options::default());
    assert_eq!(table(&records), expected_two_epochs());
    check_names_and_metadata(&records);
}

#[test]
fn truncated_eval_archive_is_an_error_naming_the_file() {
    let dir = tempfile::tempdir().unwrap();
    let whole = build_eval(dir.path(), "whole.eval", CompressionMethod::Deflated, true);
    let bytes = std::fs::read(&whole).unwrap();
    let cut = dir.path().join("cut.eval");
    std::fs::write(&cut, &bytes[..bytes.len() / 2]).unwrap();
    let errors = read_invalid(
        &unit(Format::Inspect, &cut),
        &Options::default(),
        &Limits::default(),
    );
    assert_eq!(errors.len(), 1);
    assert_eq!(errors[0].file.as_deref(), Some("cut.eval"));
    assert!(errors[0].reason.contains("ZIP"), "{}", errors[0].reason);
}

#[test]
fn eval_member_over_the_cap_is_an_error_naming_the_member() {
    let dir = tempfile::tempdir().unwrap();
    let path = build_eval(dir.path(), "big.eval", CompressionMethod::Zstd, true);
    let limits = Limits {
        max_member_bytes: 600,
        ..Limits::default()
    };
    let errors = read_invalid(&unit(Format::Inspect, &path), &Options::default(), &limits);
    assert_eq!(errors.len(), 1, "{errors:?}");
    assert_eq!(errors[0].file.as_deref(), Some("big.eval"));
    assert!(errors[0].member.is_some());
    assert!(
        errors[0].reason.contains("the limit is 600 bytes"),
        "{}",
        errors[0].reason
    );
}

#[test]
fn bad_score_value_names_the_sample_and_field() {
    let log = json!({
        "version": 2,
        "status": "success",
        "eval": {"task": "t", "model": "m"},
        "samples": [
            {"id": "ok-1", "epoch": 1, "scores": {"match": {"value": "C"}}},
            {"id": "s-7", "epoch": 1, "scores": {"match": {"value": [1, 2]}}},
            {"id": "s-8", "epoch": 1, "scores": {"match": {"value": "maybe"}}},
            {"id": "s-9", "epoch": 0, "scores": {"match": {"value": 1}}},
            {"epoch": 1, "scores": {"match": {"value": 1}}},
            {"id": "s-10", "scores": {"multi": {"value": {"a": 1, "b": "x"}}}}
        ]
    });
    let text = serde_json::to_vec_pretty(&log).unwrap();
    let (_dir, path) = temp_file("bad.json", &text);
    let errors = read_invalid(
        &unit(Format::Inspect, &path),
        &Options::default(),
        &Limits::default(),
    );
    let fields: Vec<_> = errors
        .iter()
        .map(|e| (e.field.as_deref().unwrap_or(""), e.reason.as_str()))
        .collect();
    assert_eq!(errors.len(), 5, "{fields:?}");
    assert_eq!(fields[0].0, "scores.match.value");
    assert!(
        fields[0].1.starts_with("sample s-7: a list is not"),
        "{}",
        fields[0].1
    );
    assert_eq!(fields[1].0, "scores.match.value");
    assert!(fields[1].1.contains("\"maybe\""), "{}", fields[1].1);
    assert_eq!(fields[2].0, "epoch");
    assert_eq!(fields[3].0, "id");
    assert_eq!(fields[4].0, "scores.multi.value.b");
    assert!(
        errors
            .iter()
            .all(|e| e.file.as_deref() == Some("bad.json") && e.line > 0)
    );
}

#[test]
fn samples_before_eval_are_held_until_it_is_read() {
    let text = r#"{
  "samples": [
    {"id": 1, "epoch": 1, "scores": {"match": {"value": "C"}}},
    {"id": 2, "epoch": 1, "scores": {"match": {"value": "I"}}}
  ],
  "status": "success",
  "eval": {"task": "late_task", "model": "late-model"},
  "version": 2
}"#;
    let (_dir, path) = temp_file("late.json", text.as_bytes());
    let (_, records) = read_ok(&unit(Format::Inspect, &path), &Options::default());
    let all = measurements(&records);
    assert_eq!(all.len(), 2);
    assert!(
        all.iter()
            .all(|m| m.model == "late-model" && m.benchmark == "late_task")
    );
    assert_eq!(records[0].0.line, 3);
    assert_eq!(records[1].0.line, 4);
}

#[test]
fn log_without_eval_needs_the_names_as_options() {
    let text = r#"{"version": 2, "samples": [{"id": 1, "scores": {"match": {"value": "C"}}}]}"#;
    let (_dir, path) = temp_file("anon.json", text.as_bytes());
    let errors = read_invalid(
        &unit(Format::Inspect, &path),
        &Options::default(),
        &Limits::default(),
    );
    assert_eq!(errors[0].field.as_deref(), Some("eval"));
    let options = Options {
        model: Some("m".into()),
        benchmark: Some("b".into()),
        baseline: None,
    };
    let (_, records) = read_ok(&unit(Format::Inspect, &path), &options);
    assert_eq!(measurements(&records).len(), 1);
}

#[test]
fn log_without_samples_says_so() {
    let text = r#"{"version": 2, "status": "success", "eval": {"task": "t", "model": "m"}, "results": {}}"#;
    let (_dir, path) = temp_file("nosamples.json", text.as_bytes());
    let errors = read_invalid(
        &unit(Format::Inspect, &path),
        &Options::default(),
        &Limits::default(),
    );
    assert_eq!(errors.len(), 1);
    assert!(
        errors[0].reason.contains("the log has no samples"),
        "{}",
        errors[0].reason
    );
}

#[test]
fn null_scores_are_skipped_with_a_note() {
    let text = r#"{"eval": {"task": "t", "model": "m"}, "samples": [
        {"id": 1, "scores": {"a": {"value": null}, "b": {"value": 0.5}}},
        {"id": 2, "scores": {}}
    ]}"#;
    let (_dir, path) = temp_file("nulls.json", text.as_bytes());
    let (summary, records) = read_ok(&unit(Format::Inspect, &path), &Options::default());
    assert_eq!(measurements(&records).len(), 1);
    assert_eq!(
        summary.skipped,
        vec![
            "1 sample(s) have no scores".to_owned(),
            "1 score(s) have a null value (inspect writes NaN as null)".to_owned(),
        ]
    );
}

// --- The real examples (opt-in) ------------------------------------------------------------

fn one_measurement(path: &Path) -> Measurement<'static> {
    let (summary, records) = read_ok(&unit(Format::Inspect, path), &Options::default());
    assert_eq!(summary.measurements, 1, "{}", path.display());
    measurements(&records).remove(0)
}

#[test]
fn real_log_formats_eval_and_json() {
    let (Some(eval), Some(json)) = (
        shared("formats/inspect/log_formats.eval"),
        shared("formats/inspect/log_formats.json"),
    ) else {
        return;
    };
    let from_eval = one_measurement(&eval);
    assert_eq!(from_eval.model, "ollama/llama3.1");
    assert_eq!(from_eval.benchmark, "popularity");
    assert_eq!(from_eval.sample, "1");
    assert_eq!(from_eval.metric, "match");
    assert_eq!(from_eval.value, 0.0);
    assert_eq!(from_eval.epoch, 1);
    assert_eq!(
        from_eval.sample_metadata.clone().map(Value::Object),
        Some(json!({"label_confidence": 0.8860552919198255}))
    );
    assert_eq!(one_measurement(&json), from_eval);
}

#[test]
fn real_log_read_sample_eval_and_json() {
    let (Some(eval), Some(json)) = (
        shared("formats/inspect/log_read_sample.eval"),
        shared("formats/inspect/log_read_sample.json"),
    ) else {
        return;
    };
    let from_eval = one_measurement(&eval);
    assert_eq!(from_eval.model, "ollama/gemma3");
    assert_eq!(from_eval.benchmark, "popularity");
    assert_eq!(from_eval.metric, "match");
    assert_eq!(from_eval.value, 1.0);
    assert_eq!(one_measurement(&json), from_eval);
}

#[test]
fn real_arc_log_has_three_samples() {
    let Some(path) = shared("formats/inspect/data_arc_qwen.json") else {
        return;
    };
    let (summary, records) = read_ok(&unit(Format::Inspect, &path), &Options::default());
    assert_eq!(summary.measurements, 3);
    assert_eq!(summary.samples, 3);
    assert!(summary.skipped.is_empty(), "{:?}", summary.skipped);
    let rows: Vec<_> = measurements(&records)
        .into_iter()
        .map(|m| {
            assert_eq!(m.model, "ollama/qwen2.5:0.5b");
            assert_eq!(m.benchmark, "inspect_evals/arc_easy");
            assert_eq!(m.metric, "choice");
            (m.sample.into_owned(), m.value)
        })
        .collect();
    assert_eq!(
        rows,
        vec![
            ("1".to_owned(), 1.0),
            ("2".to_owned(), 0.0),
            ("3".to_owned(), 0.0)
        ]
    );
}

#[test]
fn real_log_without_samples_is_refused_clearly() {
    let Some(path) = shared("formats/inspect/data_with_llm_scoring.json") else {
        return;
    };
    let found = discover(std::slice::from_ref(&path), None).unwrap();
    assert_eq!(found.units[0].format, Format::Inspect);
    let errors = read_invalid(&found.units[0], &Options::default(), &Limits::default());
    assert_eq!(errors.len(), 1);
    assert_eq!(
        errors[0].file.as_deref(),
        Some("data_with_llm_scoring.json")
    );
    assert!(
        errors[0]
            .reason
            .contains("the log has no samples (written without sample logging?)"),
        "{}",
        errors[0].reason
    );
    // The same through the public error text.
    let err = read_with(&found.units[0], &Options::default(), &Limits::default()).unwrap_err();
    eprintln!("as reported: {err}");
    assert!(err.to_string().contains("no samples"), "{err}");
}

#[test]
fn text_values_read_as_inspect_reads_them() {
    let log = json!({
        "version": 2,
        "status": "success",
        "eval": {"task": "t", "model": "m"},
        "samples": [
            {"id": 1, "epoch": 1, "scores": {"judge": {"value": "yes"}}},
            {"id": 2, "epoch": 1, "scores": {"judge": {"value": "False"}}},
            {"id": 3, "epoch": 1, "scores": {"judge": {"value": " 0.75 "}}},
            {"id": 4, "epoch": 1, "scores": {"judge": {"value": "TRUE"}}}
        ]
    });
    let (_dir, path) = temp_file("text.json", &serde_json::to_vec(&log).unwrap());
    let (_, records) = read_ok(&unit(Format::Inspect, &path), &Options::default());
    let values: Vec<f64> = measurements(&records).iter().map(|m| m.value).collect();
    assert_eq!(values, [1.0, 0.0, 0.75, 1.0]);
}
