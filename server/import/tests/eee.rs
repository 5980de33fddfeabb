//! Every Eval Ever instance-level JSONL: the fixture (two models, a single-turn evaluation with
//! `evaluation_result_id` and an agentic one without), options, malformed lines, and — opt-in,
//! with `PODIUM_SHARED_DATA` — the fixture's agreement with the real schema's version.

mod common;

use common::{content_errors as errors, read_measurements as read};

use std::path::{Path, PathBuf};

use podium_import::{Format, Options, Unit, UnitFile, discover};
use podium_wire::record::MetricKind;
use serde_json::{Value, json};

fn fixture() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/fixtures/eee/instances.jsonl")
}

fn unit_of(path: &Path) -> Unit {
    let name = path
        .file_name()
        .expect("name")
        .to_string_lossy()
        .into_owned();
    Unit::new(
        Format::Eee,
        path.display().to_string(),
        vec![UnitFile {
            name,
            path: path.to_owned(),
        }],
    )
}

/// A file of the given lines in a temporary folder.
fn file_of(lines: &[String]) -> (tempfile::TempDir, PathBuf) {
    let dir = tempfile::tempdir().expect("tempdir");
    let path = dir.path().join("broken.jsonl");
    std::fs::write(&path, lines.join("\n") + "\n").expect("write");
    (dir, path)
}

fn fixture_lines() -> Vec<Value> {
    std::fs::read_to_string(fixture())
        .expect("fixture")
        .lines()
        .map(|l| serde_json::from_str(l).expect("json"))
        .collect()
}

#[test]
fn discover_finds_the_fixture_as_one_eee_unit() {
    let found = discover(&[fixture().parent().expect("dir").to_owned()], None).expect("discover");
    assert_eq!(found.units.len(), 1, "{:?}", found.units);
    assert_eq!(found.units[0].format, Format::Eee);
    assert_eq!(found.units[0].files.len(), 1);
    assert_eq!(found.units[0].files[0].name, "instances.jsonl");
}

#[test]
fn fixture_becomes_a_score_and_a_correctness_per_line() {
    let (summary, measurements) = read(&unit_of(&fixture()), &Options::default()).expect("read");
    assert_eq!(summary.format, Some(Format::Eee));
    assert_eq!(summary.models, 2);
    assert_eq!(summary.benchmarks, 2);
    assert_eq!(summary.samples, 4);
    assert_eq!(summary.measurements, 16);
    assert!(summary.skipped.is_empty(), "{:?}", summary.skipped);

    let rows: Vec<(String, String, String, String, f64)> = measurements
        .iter()
        .map(|m| {
            (
                m.model.to_string(),
                m.benchmark.to_string(),
                m.sample.to_string(),
                m.metric.to_string(),
                m.value,
            )
        })
        .collect();
    let row = |model: &str, benchmark: &str, sample: &str, metric: &str, value: f64| {
        (
            model.to_owned(),
            benchmark.to_owned(),
            sample.to_owned(),
            metric.to_owned(),
            value,
        )
    };
    let (tiny, agent) = ("acme/tiny-lm-1b", "acme/tiny-agent-7b");
    let (em, em_ok) = ("gsm8k/exact_match", "gsm8k/exact_match:is_correct");
    assert_eq!(
        rows,
        vec![
            row(tiny, "gsm8k", "gsm8k_0001", em, 1.0),
            row(tiny, "gsm8k", "gsm8k_0001", em_ok, 1.0),
            row(tiny, "gsm8k", "gsm8k_0002", em, 0.0),
            row(tiny, "gsm8k", "gsm8k_0002", em_ok, 0.0),
            row(tiny, "swe_mini", "swe_mini_17", "score", 1.0),
            row(tiny, "swe_mini", "swe_mini_17", "is_correct", 1.0),
            row(tiny, "swe_mini", "swe_mini_42", "score", 0.0),
            row(tiny, "swe_mini", "swe_mini_42", "is_correct", 0.0),
            row(agent, "gsm8k", "gsm8k_0001", em, 1.0),
            row(agent, "gsm8k", "gsm8k_0001", em_ok, 1.0),
            row(agent, "gsm8k", "gsm8k_0002", em, 1.0),
            row(agent, "gsm8k", "gsm8k_0002", em_ok, 1.0),
            row(agent, "swe_mini", "swe_mini_17", "score", 1.0),
            row(agent, "swe_mini", "swe_mini_17", "is_correct", 1.0),
            // A partial score with an incorrect final answer.
            row(agent, "swe_mini", "swe_mini_42", "score", 0.5),
            row(agent, "swe_mini", "swe_mini_42", "is_correct", 0.0),
        ]
    );
    for (i, m) in measurements.iter().enumerate() {
        assert_eq!(m.epoch, 0);
        assert_eq!(m.model_metadata, None);
        if i % 2 == 0 {
            assert_eq!(
                (m.metric_kind, m.higher_is_better),
                (None, None),
                "{}",
                m.metric
            );
        } else {
            assert_eq!(
                (m.metric_kind, m.higher_is_better),
                (Some(MetricKind::Binary), Some(true)),
                "{}",
                m.metric
            );
        }
    }
    assert_eq!(
        measurements[0].sample_metadata.clone().map(Value::Object),
        Some(json!({
            "subject": "arithmetic",
            "difficulty": "easy",
            "sample_hash": "bf605037d829d922311064e3635c16e928385350c3fe4a6067eb9a39c4532d93",
            "interaction_type": "single_turn",
        }))
    );
    // `sample_hash` is null on the agentic lines.
    assert_eq!(
        measurements[4].sample_metadata.clone().map(Value::Object),
        Some(json!({"repo": "acme/utils", "interaction_type": "agentic"}))
    );
}

#[test]
fn options_replace_the_model_and_the_benchmark_and_make_the_fields_optional() {
    let mut line = fixture_lines().remove(0);
    let object = line.as_object_mut().expect("object");
    object.remove("model_id");
    object.remove("evaluation_name");
    let (_dir, path) = file_of(&[line.to_string()]);
    let options = Options {
        model: Some("mine".into()),
        benchmark: Some("arith".into()),
        baseline: None,
    };
    let (summary, measurements) = read(&unit_of(&path), &options).expect("read");
    assert_eq!(summary.measurements, 2);
    assert!(
        measurements
            .iter()
            .all(|m| m.model == "mine" && m.benchmark == "arith")
    );

    let errors = errors(read(&unit_of(&path), &Options::default()));
    let fields: Vec<Option<&str>> = errors.iter().map(|e| e.field.as_deref()).collect();
    assert_eq!(fields, vec![Some("model_id"), Some("evaluation_name")]);
}

#[test]
fn malformed_lines_are_reported_with_file_line_and_field() {
    let good = fixture_lines().remove(2);
    let with = |edit: &dyn Fn(&mut serde_json::Map<String, Value>)| {
        let mut line = good.clone();
        edit(line.as_object_mut().expect("object"));
        line.to_string()
    };
    let lines = vec![
        good.to_string(),
        "{\"model_id\": ".to_owned(),
        with(&|l| {
            l["evaluation"]
                .as_object_mut()
                .expect("evaluation")
                .remove("score");
        }),
        with(&|l| l["evaluation"]["is_correct"] = json!("yes")),
        with(&|l| {
            l.remove("sample_id");
            l["evaluation"]["score"] = json!("high");
        }),
        with(&|l| {
            l.remove("evaluation");
        }),
    ];
    let (_dir, path) = file_of(&lines);
    let errors = errors(read(&unit_of(&path), &Options::default()));
    let places: Vec<(Option<&str>, u64, Option<&str>)> = errors
        .iter()
        .map(|e| (e.file.as_deref(), e.line, e.field.as_deref()))
        .collect();
    let file = Some("broken.jsonl");
    assert_eq!(
        places,
        vec![
            (file, 2, None),
            (file, 3, Some("evaluation.score")),
            (file, 4, Some("evaluation.is_correct")),
            (file, 5, Some("sample_id")),
            (file, 5, Some("evaluation.score")),
            (file, 6, Some("evaluation")),
        ],
        "{errors:?}"
    );
    assert!(
        errors[0].reason.starts_with("invalid JSON"),
        "{}",
        errors[0].reason
    );
    assert_eq!(errors[1].reason, "is missing");
}

/// The fixture is written from `instance_level_eval.schema.json` (no real instance file was
/// available); `scripts/reference/check_eee_fixture.py` validates it against the schema. Here,
/// opt-in: the fixture claims the schema version that the real schema file has.
#[test]
fn fixture_follows_the_real_schema_version() {
    let Some(path) = common::shared("formats/eee_schema/instance_level_eval.schema.json") else {
        return;
    };
    let schema: Value =
        serde_json::from_str(&std::fs::read_to_string(path).expect("schema")).expect("json");
    let required: Vec<&str> = schema["required"]
        .as_array()
        .expect("required")
        .iter()
        .filter_map(Value::as_str)
        .collect();
    let lines = fixture_lines();
    for line in &lines {
        assert_eq!(line["schema_version"], schema["version"]);
        for field in &required {
            assert!(line.get(field).is_some(), "fixture line lacks {field}");
        }
    }
    println!(
        "eee: {} fixture lines carry schema version {} and its {} required fields",
        lines.len(),
        schema["version"],
        required.len()
    );
}
