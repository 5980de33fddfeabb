//! HELM run folders: the fixture run (two splits, two trials, a perturbed copy, bookkeeping
//! stats), options, malformed copies, and — opt-in, with `PODIUM_SHARED_DATA` — two real runs.

mod common;

use common::{content_errors as errors, read_measurements as read};

use std::path::{Path, PathBuf};

use podium_import::{Format, Options, Unit, UnitFile, discover};
use serde_json::{Value, json};

fn fixture_dir() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/fixtures/helm/run")
}

fn only_unit(dir: &Path) -> Unit {
    let found = discover(&[dir.to_owned()], None).expect("discover");
    assert_eq!(found.units.len(), 1, "{:?}", found.units);
    found.units.into_iter().next().expect("one unit")
}

/// A copy of the fixture run with `run_spec.json` and/or `per_instance_stats.json` replaced.
fn copy_with(run_spec: Option<&str>, stats: Option<&str>) -> tempfile::TempDir {
    let dir = tempfile::tempdir().expect("tempdir");
    for name in ["run_spec.json", "per_instance_stats.json", "scenario.json"] {
        let replaced = match name {
            "run_spec.json" => run_spec,
            "per_instance_stats.json" => stats,
            _ => None,
        };
        let text = match replaced {
            Some(text) => text.to_owned(),
            None => std::fs::read_to_string(fixture_dir().join(name)).expect("read"),
        };
        std::fs::write(dir.path().join(name), text).expect("write");
    }
    dir
}

const EXACT: &str =
    r#"{"name": {"name": "exact_match", "split": "test"}, "count": 1, "sum": 1, "mean": 1.0}"#;

#[test]
fn discover_finds_the_fixture_run_as_one_helm_unit() {
    let unit = only_unit(&fixture_dir());
    assert_eq!(unit.format, Format::Helm);
    let names: Vec<&str> = unit.files.iter().map(|f| f.name.as_str()).collect();
    assert_eq!(
        names,
        vec!["per_instance_stats.json", "run_spec.json", "scenario.json"]
    );
}

#[test]
fn fixture_run_becomes_one_measurement_per_quality_stat() {
    let (summary, measurements) =
        read(&only_unit(&fixture_dir()), &Options::default()).expect("read");
    assert_eq!(summary.format, Some(Format::Helm));
    assert_eq!(summary.models, 1);
    assert_eq!(summary.benchmarks, 1);
    assert_eq!(summary.samples, 3);
    assert_eq!(summary.measurements, 15);
    assert_eq!(
        summary.skipped,
        vec![
            "HELM bookkeeping stats (not quality metrics): batch_size, finish_reason_stop, \
             inference_runtime, logprob, max_prob, num_output_tokens, num_prompt_tokens, \
             num_references, prompt_truncated, training_co2_cost",
            "stats without a value (count 0) on some instances: rouge_l",
        ]
    );

    let rows: Vec<(String, String, i32, f64)> = measurements
        .iter()
        .map(|m| (m.sample.to_string(), m.metric.to_string(), m.epoch, m.value))
        .collect();
    let row = |sample: &str, metric: &str, epoch: i32, value: f64| {
        (sample.to_owned(), metric.to_owned(), epoch, value)
    };
    assert_eq!(
        rows,
        vec![
            row("id12", "exact_match", 0, 1.0),
            row("id12", "quasi_exact_match", 0, 1.0),
            row("id12", "f1_score", 0, 1.0),
            row("id12", "exact_match (perturbation: typos)", 0, 0.0),
            row("id12", "quasi_exact_match (perturbation: typos)", 0, 1.0),
            row("id12", "f1_score (perturbation: typos)", 0, 0.5),
            row("id30", "exact_match", 0, 0.0),
            row("id30", "quasi_exact_match", 0, 0.0),
            // No `mean` in the file: sum / count = 0.5 / 2.
            row("id30", "f1_score", 0, 0.25),
            row("id77", "exact_match", 0, 1.0),
            row("id77", "quasi_exact_match", 0, 1.0),
            row("id77", "f1_score", 0, 0.75),
            row("id77", "exact_match", 1, 0.0),
            row("id77", "quasi_exact_match", 1, 1.0),
            row("id77", "f1_score", 1, 0.6),
        ]
    );
    for m in &measurements {
        assert_eq!(m.model, "acme/helm-tiny");
        assert_eq!(m.benchmark, "boolq:data_augmentation=canonical");
        assert_eq!(m.higher_is_better, None);
        assert_eq!(m.metric_kind, None);
        assert_eq!(
            m.model_metadata.clone().map(Value::Object),
            Some(json!({"model_deployment": "huggingface/helm-tiny"}))
        );
        let split = if m.sample == "id77" { "valid" } else { "test" };
        assert_eq!(
            m.sample_metadata.clone().map(Value::Object),
            Some(json!({ "split": split }))
        );
    }
}

#[test]
fn options_replace_the_model_and_the_benchmark() {
    let options = Options {
        model: Some("mine".into()),
        benchmark: Some("boolq".into()),
        baseline: None,
    };
    let (summary, measurements) = read(&only_unit(&fixture_dir()), &options).expect("read");
    assert_eq!(summary.measurements, 15);
    assert!(
        measurements
            .iter()
            .all(|m| m.model == "mine" && m.benchmark == "boolq")
    );
}

#[test]
fn the_run_spec_must_name_the_model() {
    let dir = copy_with(
        Some(
            "{\n  \"name\": \"boolq:model=x\",\n  \"adapter_spec\": {\"method\": \"generation\"}\n}",
        ),
        None,
    );
    let errors = errors(read(&only_unit(dir.path()), &Options::default()));
    assert_eq!(errors.len(), 1, "{errors:?}");
    assert_eq!(errors[0].file.as_deref(), Some("run_spec.json"));
    assert_eq!(errors[0].field.as_deref(), Some("adapter_spec.model"));
}

#[test]
fn malformed_instances_are_reported_at_their_line_and_field() {
    let stats = format!(
        "[\n  {{\"instance_id\": \"a\", \"train_trial_index\": 0, \"stats\": [{EXACT}]}},\n  \
         {{\"train_trial_index\": 0, \"stats\": [{EXACT}]}},\n  \
         {{\"instance_id\": \"b\", \"train_trial_index\": -1, \"stats\": [{EXACT}]}},\n  \
         {{\"instance_id\": \"a\", \"train_trial_index\": 0, \"stats\": [{EXACT}]}},\n  \
         {{\"instance_id\": \"c\", \"train_trial_index\": 0, \"stats\": [{EXACT}, {EXACT}]}}\n]\n"
    );
    let dir = copy_with(None, Some(&stats));
    let errors = errors(read(&only_unit(dir.path()), &Options::default()));
    let places: Vec<(Option<&str>, u64, Option<&str>)> = errors
        .iter()
        .map(|e| (e.file.as_deref(), e.line, e.field.as_deref()))
        .collect();
    let file = Some("per_instance_stats.json");
    assert_eq!(
        places,
        vec![
            (file, 3, Some("instance_id")),
            (file, 4, Some("train_trial_index")),
            (file, 5, Some("instance_id")),
            (file, 6, Some("stats[1]")),
        ],
        "{errors:?}"
    );
    assert_eq!(errors[0].reason, "is missing");
    assert!(
        errors[2]
            .reason
            .contains("repeats instance a (trial 0) of line 2"),
        "{}",
        errors[2].reason
    );
}

#[test]
fn broken_json_is_reported_with_its_line() {
    let stats = format!(
        "[\n  {{\"instance_id\": \"a\", \"stats\": [{EXACT}]}},\n  {{\"instance_id\": \n]\n"
    );
    let dir = copy_with(None, Some(&stats));
    let errors = errors(read(&only_unit(dir.path()), &Options::default()));
    assert_eq!(errors.len(), 1, "{errors:?}");
    assert_eq!(errors[0].file.as_deref(), Some("per_instance_stats.json"));
    assert_eq!(errors[0].line, 4);
    assert!(
        errors[0].reason.starts_with("invalid JSON"),
        "{}",
        errors[0].reason
    );
}

#[test]
fn a_run_with_only_bookkeeping_stats_holds_nothing_to_import() {
    let stats = r#"[{"instance_id": "a", "train_trial_index": 0, "stats": [{"name": {"name": "num_prompt_tokens", "split": "test"}, "count": 1, "sum": 5, "mean": 5.0}]}]"#;
    let dir = copy_with(None, Some(stats));
    let errors = errors(read(&only_unit(dir.path()), &Options::default()));
    assert_eq!(errors.len(), 1, "{errors:?}");
    assert!(
        errors[0].reason.contains("num_prompt_tokens"),
        "{}",
        errors[0].reason
    );
}

/// Files a unit of the given names in `dir`, without `discover`.
fn unit_of(dir: &Path, names: &[&str]) -> Unit {
    let files = names
        .iter()
        .map(|name| UnitFile {
            name: (*name).to_owned(),
            path: dir.join(name),
        })
        .collect();
    Unit::new(Format::Helm, dir.display().to_string(), files)
}

#[test]
fn a_unit_without_per_instance_stats_is_an_error() {
    let unit = unit_of(&fixture_dir(), &["run_spec.json", "scenario.json"]);
    let errors = errors(read(&unit, &Options::default()));
    assert_eq!(errors.len(), 1, "{errors:?}");
    assert!(
        errors[0].reason.contains("per_instance_stats.json"),
        "{}",
        errors[0].reason
    );
}

/// The two real runs under `$PODIUM_SHARED_DATA/formats/helm` (opt-in). Expected counts were
/// computed independently with Python from the same files and the same skip rule.
#[test]
fn real_helm_runs() {
    let Some(root) = common::shared("formats/helm") else {
        return;
    };
    let cases = [
        (
            "mmlu_philosophy",
            "mmlu:subject=philosophy,method=multiple_choice_joint",
            10,
            80,
            8.0,
            "id11",
        ),
        (
            "narrative_qa",
            "narrative_qa",
            5,
            30,
            1.125_795_106_935_261_2,
            "id1123",
        ),
    ];
    for (folder, benchmark, samples, count, total, valid) in cases {
        let unit = only_unit(&root.join(folder));
        assert_eq!(unit.format, Format::Helm);
        let (summary, measurements) = read(&unit, &Options::default()).expect("read");
        println!(
            "helm real {folder}: models {}, benchmarks {}, samples {}, measurements {}, skipped {:?}",
            summary.models,
            summary.benchmarks,
            summary.samples,
            summary.measurements,
            summary.skipped
        );
        assert_eq!(summary.models, 1);
        assert_eq!(summary.benchmarks, 1);
        assert_eq!(summary.samples, samples);
        assert_eq!(summary.measurements, count);
        assert_eq!(summary.skipped.len(), 1, "{:?}", summary.skipped);
        let sum: f64 = measurements.iter().map(|m| m.value).sum();
        assert!((sum - total).abs() < 1e-9, "{folder}: sum {sum}");
        for m in &measurements {
            assert_eq!(m.model, "openai/gpt2");
            assert_eq!(m.benchmark, benchmark);
            assert_eq!(m.epoch, 0);
            let split = m.sample_metadata.as_ref().expect("split")["split"].clone();
            assert_eq!(split, if m.sample == valid { "valid" } else { "test" });
        }
    }
}
