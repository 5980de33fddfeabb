//! lm-evaluation-harness runs: the fixture run (two tasks, two filters, a corpus-level metric),
//! options, malformed copies, and — opt-in, with `PODIUM_SHARED_DATA` — a real run.

mod common;

use common::{content_errors as errors, read_measurements as read};

use std::path::{Path, PathBuf};

use podium_import::{Collect, Format, Limits, Options, Unit, UnitFile, discover, read_unit};
use podium_wire::record::Measurement;
use serde_json::{Value, json};

const TIME: &str = "2025-06-01T10-00-00.000000";

fn fixture_dir() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/fixtures/lm_eval/run")
}

fn results_name() -> String {
    format!("results_{TIME}.json")
}

fn samples_name(task: &str) -> String {
    format!("samples_{task}_{TIME}.jsonl")
}

/// The fixture run as `discover` finds it.
fn fixture_unit() -> Unit {
    let found = discover(&[fixture_dir()], None).expect("discover");
    assert_eq!(found.units.len(), 1, "{:?}", found.units);
    found.units.into_iter().next().expect("one unit")
}

/// A unit of the given files of `dir` (names are base names, as `discover` gives them).
fn unit_of(dir: &Path, names: &[String]) -> Unit {
    let files = names
        .iter()
        .map(|name| UnitFile {
            name: name.clone(),
            path: dir.join(name),
        })
        .collect();
    Unit::new(Format::LmEval, dir.display().to_string(), files)
}

/// (benchmark, sample, metric, value) of each measurement, in reading order.
fn table(measurements: &[Measurement<'_>]) -> Vec<(String, String, String, f64)> {
    measurements
        .iter()
        .map(|m| {
            (
                m.benchmark.to_string(),
                m.sample.to_string(),
                m.metric.to_string(),
                m.value,
            )
        })
        .collect()
}

fn row(benchmark: &str, sample: u32, metric: &str, value: f64) -> (String, String, String, f64) {
    (
        benchmark.to_owned(),
        sample.to_string(),
        metric.to_owned(),
        value,
    )
}

/// Copies the fixture run into a temporary folder, with `edit` applied to the named file.
fn edited_copy(file: &str, edit: impl FnOnce(String) -> String) -> tempfile::TempDir {
    let dir = tempfile::tempdir().expect("tempdir");
    let mut edit = Some(edit);
    for entry in std::fs::read_dir(fixture_dir()).expect("fixture") {
        let path = entry.expect("entry").path();
        let name = path
            .file_name()
            .expect("name")
            .to_string_lossy()
            .into_owned();
        let mut text = std::fs::read_to_string(&path).expect("read");
        if name == file {
            text = (edit.take().expect("one file of that name"))(text);
        }
        std::fs::write(dir.path().join(&name), text).expect("write");
    }
    dir
}

fn replace_line(text: String, number: usize, with: &str) -> String {
    let mut lines: Vec<String> = text.lines().map(str::to_owned).collect();
    lines[number - 1] = with.to_owned();
    lines.join("\n") + "\n"
}

#[test]
fn discover_finds_the_fixture_run_as_one_lm_eval_unit() {
    let unit = fixture_unit();
    assert_eq!(unit.format, Format::LmEval);
    let names: Vec<&str> = unit.files.iter().map(|f| f.name.as_str()).collect();
    assert_eq!(
        names,
        vec![
            results_name(),
            samples_name("arith_qa"),
            samples_name("trivia_mini")
        ]
    );
}

#[test]
fn fixture_run_becomes_one_measurement_per_document_filter_and_metric() {
    let (summary, measurements) = read(&fixture_unit(), &Options::default()).expect("read");
    assert_eq!(summary.format, Some(Format::LmEval));
    assert_eq!(summary.models, 1);
    assert_eq!(summary.benchmarks, 2);
    assert_eq!(summary.samples, 11);
    assert_eq!(summary.measurements, 16);
    assert_eq!(summary.comparisons, 0);
    // `mini_suite` is a group (its subtasks have samples), so no "no samples file" note.
    assert_eq!(
        summary.skipped,
        vec!["trivia_mini: metric bleu (corpus-level value, not a per-sample score)"]
    );

    let strict = "exact_match,strict-match";
    let flexible = "exact_match,flexible-extract";
    let em = "exact_match,none";
    assert_eq!(
        table(&measurements),
        vec![
            row("arith_qa", 0, strict, 1.0),
            row("arith_qa", 1, strict, 0.0),
            row("arith_qa", 2, strict, 1.0),
            row("arith_qa", 3, strict, 0.0),
            row("arith_qa", 4, strict, 0.0),
            row("arith_qa", 0, flexible, 1.0),
            row("arith_qa", 1, flexible, 1.0),
            row("arith_qa", 2, flexible, 1.0),
            row("arith_qa", 3, flexible, 0.0),
            row("arith_qa", 4, flexible, 1.0),
            row("trivia_mini", 0, em, 1.0),
            row("trivia_mini", 1, em, 0.0),
            row("trivia_mini", 2, em, 1.0),
            row("trivia_mini", 3, em, 0.0),
            // Written as the integers 1 and 0 in the file.
            row("trivia_mini", 4, em, 1.0),
            row("trivia_mini", 5, em, 0.0),
        ]
    );
    let model_metadata = json!({
        "lm_eval_version": "0.4.9.2",
        "model_source": "hf",
        "model_sha": "3f2a9c0d1e5b7a8c9d0e1f2a3b4c5d6e7f8a9b0c",
        "model_revision": "main",
        "model_num_parameters": 1_100_000_000u64,
    });
    for m in &measurements {
        assert_eq!(m.model, "acme/tiny-lm-1b");
        assert_eq!(m.epoch, 0);
        assert_eq!(m.higher_is_better, Some(true), "{}", m.metric);
        assert_eq!(m.metric_kind, None);
        assert_eq!(
            m.model_metadata.clone().map(Value::Object),
            Some(model_metadata.clone())
        );
        let meta = m.sample_metadata.as_ref().expect("sample metadata");
        let keys: Vec<&str> = meta.keys().map(String::as_str).collect();
        assert_eq!(keys.len(), 3, "{keys:?}");
    }
    assert_eq!(
        measurements[1].sample_metadata.clone().map(Value::Object),
        Some(json!({
            "doc_hash": "cb13ff4922154e2a9d69417e24517e63b41aaa74fbbe5daf0197d85adc5dff0c",
            "prompt_hash": "288d2cf2a216fec7d613393f6e20836c7e153b65010fe29b1750f7418029e4cb",
            "target_hash": "73475cb40a568e8da8a045ced110137e159f890ac4da883b6b17dc651b3a8049",
        }))
    );
}

#[test]
fn options_name_the_model_and_prefix_the_benchmark_of_each_task() {
    let options = Options {
        model: Some("my-model".into()),
        benchmark: Some("mini".into()),
        baseline: None,
    };
    let (summary, measurements) = read(&fixture_unit(), &options).expect("read");
    assert_eq!(summary.measurements, 16);
    let mut benchmarks: Vec<String> = measurements
        .iter()
        .map(|m| m.benchmark.to_string())
        .collect();
    benchmarks.dedup();
    assert_eq!(benchmarks, vec!["mini/arith_qa", "mini/trivia_mini"]);
    assert!(measurements.iter().all(|m| m.model == "my-model"));
}

#[test]
fn a_single_task_takes_the_benchmark_as_given_and_notes_the_task_without_samples() {
    let unit = unit_of(&fixture_dir(), &[results_name(), samples_name("arith_qa")]);
    let options = Options {
        benchmark: Some("arith".into()),
        ..Options::default()
    };
    let (summary, measurements) = read(&unit, &options).expect("read");
    assert_eq!(summary.benchmarks, 1);
    assert_eq!(summary.samples, 5);
    assert_eq!(summary.measurements, 10);
    assert!(measurements.iter().all(|m| m.benchmark == "arith"));
    assert_eq!(
        summary.skipped,
        vec!["trivia_mini: no samples file (run lm-eval with --log_samples)"]
    );
}

#[test]
fn a_samples_file_of_a_task_the_results_do_not_know_is_imported_without_a_direction() {
    let dir = edited_copy(&results_name(), |text| text);
    std::fs::write(
        dir.path().join(samples_name("extra")),
        "{\"doc_id\": 7, \"filter\": \"none\", \"metrics\": [\"acc\"], \"acc\": 1.0}\n",
    )
    .expect("write");
    let unit = discover(&[dir.path().to_owned()], None)
        .expect("discover")
        .units
        .remove(0);
    let (summary, measurements) = read(&unit, &Options::default()).expect("read");
    assert_eq!(summary.benchmarks, 3);
    assert_eq!(summary.measurements, 17);
    let extra: Vec<&Measurement<'_>> = measurements
        .iter()
        .filter(|m| m.benchmark == "extra")
        .collect();
    assert_eq!(extra.len(), 1);
    assert_eq!(
        (
            extra[0].sample.as_ref(),
            extra[0].metric.as_ref(),
            extra[0].value
        ),
        ("7", "acc,none", 1.0)
    );
    assert_eq!(extra[0].higher_is_better, None);
    assert_eq!(extra[0].sample_metadata, None);
}

#[test]
fn malformed_lines_are_reported_with_file_line_and_field() {
    let name = samples_name("arith_qa");
    let dir = edited_copy(&name, |text| {
        let text = replace_line(text, 3, "{\"doc_id\": 2, \"filter\": ");
        let text = replace_line(
            text,
            5,
            r#"{"filter": "strict-match", "metrics": ["exact_match"], "exact_match": 1.0}"#,
        );
        replace_line(
            text,
            7,
            r#"{"doc_id": 1, "filter": "flexible-extract", "metrics": ["exact_match"], "exact_match": "yes"}"#,
        )
    });
    let unit = discover(&[dir.path().to_owned()], None)
        .expect("discover")
        .units
        .remove(0);
    let errors = errors(read(&unit, &Options::default()));
    let places: Vec<(Option<&str>, u64, Option<&str>)> = errors
        .iter()
        .map(|e| (e.file.as_deref(), e.line, e.field.as_deref()))
        .collect();
    assert_eq!(
        places,
        vec![
            (Some(name.as_str()), 3, None),
            (Some(name.as_str()), 5, Some("doc_id")),
            (Some(name.as_str()), 7, Some("exact_match")),
        ],
        "{errors:?}"
    );
    assert!(
        errors[0].reason.starts_with("invalid JSON"),
        "{}",
        errors[0].reason
    );
    assert_eq!(errors[1].reason, "is missing");
    assert!(
        errors[2].reason.contains("not a number"),
        "{}",
        errors[2].reason
    );
}

#[test]
fn a_repeated_document_and_filter_is_an_error_naming_the_first_line() {
    let name = samples_name("trivia_mini");
    let dir = edited_copy(&name, |text| {
        let first = text.lines().next().expect("a line").to_owned();
        text + &first + "\n"
    });
    let unit = discover(&[dir.path().to_owned()], None)
        .expect("discover")
        .units
        .remove(0);
    let errors = errors(read(&unit, &Options::default()));
    assert_eq!(errors.len(), 1, "{errors:?}");
    assert_eq!(errors[0].file.as_deref(), Some(name.as_str()));
    assert_eq!(errors[0].line, 7);
    assert_eq!(errors[0].field.as_deref(), Some("doc_id"));
    assert!(
        errors[0].reason.contains("repeats doc_id 0 of line 1"),
        "{}",
        errors[0].reason
    );
}

#[test]
fn a_listed_metric_missing_from_its_line_is_an_error() {
    let name = samples_name("trivia_mini");
    let dir = edited_copy(&name, |text| {
        replace_line(
            text,
            2,
            r#"{"doc_id": 1, "filter": "none", "metrics": ["exact_match", "bleu"], "bleu": [["a"], "b"]}"#,
        )
    });
    let unit = discover(&[dir.path().to_owned()], None)
        .expect("discover")
        .units
        .remove(0);
    let errors = errors(read(&unit, &Options::default()));
    assert_eq!(errors.len(), 1, "{errors:?}");
    assert_eq!(
        (errors[0].line, errors[0].field.as_deref()),
        (2, Some("exact_match"))
    );
}

#[test]
fn a_results_file_that_names_no_model_is_an_error_unless_the_option_does() {
    let dir = edited_copy(&results_name(), |text| {
        let mut results: Value = serde_json::from_str(&text).expect("json");
        let object = results.as_object_mut().expect("object");
        for key in ["model_name", "model_name_sanitized", "config"] {
            object.remove(key);
        }
        results.to_string()
    });
    let unit = discover(&[dir.path().to_owned()], None)
        .expect("discover")
        .units
        .remove(0);
    let errors = errors(read(&unit, &Options::default()));
    assert_eq!(errors.len(), 1, "{errors:?}");
    assert_eq!(errors[0].file.as_deref(), Some(results_name().as_str()));
    assert_eq!(errors[0].field.as_deref(), Some("model_name"));

    let options = Options {
        model: Some("named".into()),
        ..Options::default()
    };
    let (summary, measurements) = read(&unit, &options).expect("read with --model");
    assert_eq!(summary.measurements, 16);
    assert!(measurements.iter().all(|m| m.model_metadata.is_some()));
}

#[test]
fn an_untimed_run_without_metric_lists_uses_the_directions_and_skips_perplexity_items() {
    // Older lm-eval: `results.json`, `samples_<task>.jsonl`, no `metrics`/`filter` on lines.
    // lambada's per-line `perplexity` is a log-likelihood feeding a corpus-level aggregation.
    let dir = tempfile::tempdir().expect("tempdir");
    let results = json!({
        "results": {"lambada_mini": {"perplexity,none": 12.5, "acc,none": 0.5}},
        "configs": {"lambada_mini": {"metric_list": [
            {"metric": "perplexity", "aggregation": "perplexity", "higher_is_better": false},
            {"metric": "acc", "aggregation": "mean", "higher_is_better": true}
        ]}},
        "higher_is_better": {"lambada_mini": {"perplexity": false, "acc": true}},
        "config": {"model": "hf", "model_args": {"pretrained": "acme/old-lm", "dtype": "float16"}}
    });
    std::fs::write(dir.path().join("results.json"), results.to_string()).expect("write");
    std::fs::write(
        dir.path().join("samples_lambada_mini.jsonl"),
        "{\"doc_id\": 0, \"perplexity\": -2.5, \"acc\": true}\n\n\
         {\"doc_id\": \"b-1\", \"perplexity\": -0.1, \"acc\": false}\n",
    )
    .expect("write");
    let found = discover(&[dir.path().to_owned()], None).expect("discover");
    assert_eq!(found.units.len(), 1);
    let (summary, measurements) = read(&found.units[0], &Options::default()).expect("read");
    assert_eq!(
        summary.skipped,
        vec!["lambada_mini: metric perplexity (corpus-level value, not a per-sample score)"]
    );
    assert_eq!(
        table(&measurements),
        vec![
            ("lambada_mini".into(), "0".into(), "acc,none".into(), 1.0),
            ("lambada_mini".into(), "b-1".into(), "acc,none".into(), 0.0),
        ]
    );
    assert!(measurements.iter().all(|m| m.model == "acme/old-lm"));
    assert!(
        measurements
            .iter()
            .all(|m| m.higher_is_better == Some(true))
    );
    assert!(measurements.iter().all(|m| m.sample_metadata.is_none()));
}

/// The real lm-eval run under `$PODIUM_SHARED_DATA/formats/lm_eval` (opt-in).
#[test]
fn real_lm_eval_run() {
    let Some(dir) = common::shared("formats/lm_eval") else {
        return;
    };
    let found = discover(&[dir], None).expect("discover");
    assert_eq!(found.units.len(), 1, "{:?}", found.units);
    let unit = &found.units[0];
    assert_eq!(unit.format, Format::LmEval);
    assert_eq!(unit.files.len(), 2);
    let (summary, measurements) = read(unit, &Options::default()).expect("read");
    println!(
        "lm_eval real: models {}, benchmarks {}, samples {}, measurements {}, skipped {:?}",
        summary.models, summary.benchmarks, summary.samples, summary.measurements, summary.skipped
    );
    assert_eq!(summary.models, 1);
    assert_eq!(summary.benchmarks, 1);
    assert_eq!(summary.samples, 10);
    assert_eq!(summary.measurements, 10);
    assert_eq!(
        summary.skipped,
        vec!["math_rephrased_full: no samples file (run lm-eval with --log_samples)"]
    );
    let samples: Vec<String> = measurements.iter().map(|m| m.sample.to_string()).collect();
    assert_eq!(samples, (0..10).map(|i| i.to_string()).collect::<Vec<_>>());
    for m in &measurements {
        assert_eq!(
            m.model,
            "RylanSchaeffer/mem_Qwen3-93M_minerva_math_rep_0_sbst_1.0000_epch_1_ot_1"
        );
        assert_eq!(m.benchmark, "math_perturbed_full");
        assert_eq!(m.metric, "exact_match,none");
        assert_eq!(m.value, 0.0);
        assert_eq!(m.higher_is_better, Some(true));
        let model_meta = m.model_metadata.as_ref().expect("model metadata");
        assert_eq!(model_meta["lm_eval_version"], "0.4.9.2");
        assert_eq!(model_meta["model_num_parameters"], 93_069_280);
        assert_eq!(
            model_meta["model_sha"],
            "82047f5e5d5245c1b3a4cd75ad98aa441d6487cd"
        );
    }
    assert_eq!(
        measurements[0].sample_metadata.as_ref().expect("hashes")["doc_hash"],
        "7193b975fe3f4bf6159e1031c2f9c6ac8ee72053be21c4cdc5cc87b55924c050"
    );
}

#[test]
fn python_nan_values_are_missing_values_not_broken_files() {
    let dir = tempfile::tempdir().unwrap();
    let results = std::fs::read_to_string(fixture_dir().join(results_name())).unwrap();
    // lm-eval writes Python's bare NaN for undefined aggregates.
    let results = results.replacen("0.2449", "NaN", 1);
    std::fs::write(dir.path().join(results_name()), results).unwrap();
    std::fs::write(
        dir.path().join(samples_name("trivia_mini")),
        "{\"doc_id\": 0, \"filter\": \"none\", \"metrics\": [\"exact_match\"], \"exact_match\": NaN}\n\
         {\"doc_id\": 1, \"filter\": \"none\", \"metrics\": [\"exact_match\"], \"exact_match\": 1.0}\n",
    )
    .unwrap();
    let unit = unit_of(dir.path(), &[results_name(), samples_name("trivia_mini")]);
    let mut sink = Collect::default();
    let summary = read_unit(&unit, &Options::default(), &Limits::default(), &mut sink).unwrap();
    assert_eq!(summary.measurements, 1);
    assert!(
        summary.skipped.iter().any(|s| s.contains("NaN")),
        "{:?}",
        summary.skipped
    );
}
