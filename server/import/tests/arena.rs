//! Arena battles as JSONL, a JSON array, one JSON object and CSV; malformed files; and the real
//! examples under `$PODIUM_SHARED_DATA` when it is set.

mod common;

use std::collections::{BTreeMap, BTreeSet};

use chrono::{DateTime, Utc};
use common::{comparisons, fixture, read_invalid, read_ok, shared, temp_file, unit};
use podium_import::{Format, Limits, Options, Unit, discover};
use podium_wire::record::{Comparison, Winner};
use serde_json::{Value, json};

/// The five battles every fixture holds, the last without a question id (its sample is its
/// position, which each fixture gives).
fn expected(last_position: &str) -> Vec<(String, String, String, Winner)> {
    [
        ("q-101", "alpha-7b", "beta-13b", Winner::ModelA),
        ("q-102", "beta-13b", "gamma-70b", Winner::ModelB),
        ("103", "gamma-70b", "alpha-7b", Winner::Tie),
        ("104", "alpha-7b", "gamma-70b", Winner::BothBad),
        (last_position, "beta-13b", "alpha-7b", Winner::BothBad),
    ]
    .into_iter()
    .map(|(s, a, b, w)| (s.to_owned(), a.to_owned(), b.to_owned(), w))
    .collect()
}

fn outline(all: &[Comparison<'static>]) -> Vec<(String, String, String, Winner)> {
    all.iter()
        .map(|c| {
            (
                c.sample.to_string(),
                c.model_a.to_string(),
                c.model_b.to_string(),
                c.winner,
            )
        })
        .collect()
}

/// The details the fixtures carry on their first three battles.
fn check_details(all: &[Comparison<'static>]) {
    for c in all {
        assert_eq!(c.benchmark, "arena");
        assert_eq!(c.weight, 1.0);
        assert_eq!(c.strength, None);
    }
    assert_eq!(all[0].judge.as_deref(), Some("voter_1"));
    assert_eq!(
        all[0].timestamp,
        DateTime::<Utc>::from_timestamp(1_682_351_591, 132_200_000)
    );
    assert_eq!(
        all[0].metadata.clone().map(Value::Object),
        Some(json!({"language": "English", "turn": 1, "anony": true}))
    );
    assert_eq!(all[1].judge.as_deref(), Some("voter_2"));
    assert_eq!(
        all[1].timestamp,
        DateTime::<Utc>::from_timestamp(1_682_351_600, 0)
    );
    assert_eq!(
        all[1].metadata.clone().map(Value::Object),
        Some(json!({"language": "German", "turn": 2, "anony": false}))
    );
    assert_eq!(
        all[2].metadata.clone().map(Value::Object),
        Some(json!({"category": "coding"}))
    );
    for c in &all[2..] {
        assert_eq!(c.judge, None);
        assert_eq!(c.timestamp, None);
    }
    assert_eq!(all[4].metadata, None);
}

/// The fixture's one unit, which `discover` must recognise as arena battles.
fn recognised(rel: &str) -> Unit {
    let found = discover(&[fixture(rel)], None).unwrap();
    assert_eq!(found.units.len(), 1);
    assert_eq!(found.units[0].format, Format::Arena);
    found.units.into_iter().next().unwrap()
}

#[test]
fn jsonl_battles() {
    let (summary, records) = read_ok(&recognised("arena/battles.jsonl"), &Options::default());
    let all = comparisons(&records);
    // The fifth battle is on line 6 (line 3 is blank).
    assert_eq!(outline(&all), expected("6"));
    check_details(&all);
    let lines: Vec<u64> = records.iter().map(|(at, _)| at.line).collect();
    assert_eq!(lines, [1, 2, 4, 5, 6]);
    assert_eq!(summary.comparisons, 5);
    assert_eq!(summary.models, 3);
    assert_eq!(summary.samples, 5);
}

#[test]
fn json_array_battles() {
    let (_, records) = read_ok(&recognised("arena/battles.json"), &Options::default());
    let all = comparisons(&records);
    // The fifth battle is the fifth element.
    assert_eq!(outline(&all), expected("5"));
    check_details(&all);
    let lines: Vec<u64> = records.iter().map(|(at, _)| at.line).collect();
    assert_eq!(lines, [2, 15, 20, 21, 22]);
}

#[test]
fn csv_battles() {
    let (_, records) = read_ok(&recognised("arena/battles.csv"), &Options::default());
    let all = comparisons(&records);
    // The fifth battle is the fifth data row.
    assert_eq!(outline(&all), expected("5"));
    check_details(&all);
    let lines: Vec<u64> = records.iter().map(|(at, _)| at.line).collect();
    assert_eq!(lines, [2, 3, 4, 5, 6]);
}

#[test]
fn one_battle_object_and_a_benchmark_option() {
    let path = fixture("arena/battle.json");
    let options = Options {
        benchmark: Some("my-arena".into()),
        ..Options::default()
    };
    let (_, records) = read_ok(&unit(Format::Arena, &path), &options);
    let all = comparisons(&records);
    assert_eq!(all.len(), 1);
    assert_eq!(all[0].benchmark, "my-arena");
    assert_eq!(all[0].sample, "q-201");
    assert_eq!(all[0].winner, Winner::ModelB);
    assert_eq!(all[0].judge.as_deref(), Some("voter_9"));
}

#[test]
fn malformed_jsonl_names_the_lines_and_fields() {
    let text = concat!(
        r#"{"model_a": "a", "model_b": "b", "winner": "model_a"}"#,
        "\n",
        r#"{"model_a": "a", "model_b": "b", "winner": "tie"}"#,
        "\n",
        "this is not JSON\n",
        r#"{"model_a": "a", "model_b": "b", "winner": "model_b"}"#,
        "\n",
        r#"{"model_a": "a", "model_b": "b", "winner": "a_won"}"#,
        "\n",
        r#"{"model_a": "a", "winner": "tie", "tstamp": "yesterday"}"#,
        "\n",
        r#"{"model_a": "a", "model_b": "a", "winner": "tie"}"#,
        "\n",
    );
    let (_dir, path) = temp_file("bad_battles.jsonl", text.as_bytes());
    let errors = read_invalid(
        &unit(Format::Arena, &path),
        &Options::default(),
        &Limits::default(),
    );
    let seen: Vec<(u64, Option<&str>)> = errors
        .iter()
        .map(|e| (e.line, e.field.as_deref()))
        .collect();
    assert_eq!(
        seen,
        [
            (3, None),
            (5, Some("winner")),
            (6, Some("model_b")),
            (6, Some("tstamp")),
            (7, Some("model_b")),
        ]
    );
    assert!(
        errors
            .iter()
            .all(|e| e.file.as_deref() == Some("bad_battles.jsonl"))
    );
    assert!(
        errors[0].reason.starts_with("invalid JSON"),
        "{}",
        errors[0].reason
    );
    assert!(
        errors[1].reason.contains("\"a_won\""),
        "{}",
        errors[1].reason
    );
    assert!(
        errors[1].reason.contains("tie (bothbad)"),
        "{}",
        errors[1].reason
    );
}

#[test]
fn csv_without_a_winner_column_names_the_header() {
    let text = "question_id,model_a,model_b,outcome\n1,a,b,model_a\n";
    let (_dir, path) = temp_file("battles.csv", text.as_bytes());
    let errors = read_invalid(
        &unit(Format::Arena, &path),
        &Options::default(),
        &Limits::default(),
    );
    assert_eq!(errors.len(), 1);
    assert_eq!(errors[0].file.as_deref(), Some("battles.csv"));
    assert_eq!(errors[0].line, 1);
    assert_eq!(errors[0].field.as_deref(), Some("winner"));
    assert!(
        errors[0]
            .reason
            .contains("question_id,model_a,model_b,outcome"),
        "{}",
        errors[0].reason
    );
}

#[test]
fn csv_rows_of_the_wrong_length_are_errors_at_their_line() {
    let text = "model_a,model_b,winner\na,b,model_a\na,b\na,b,tie\n";
    let (_dir, path) = temp_file("short.csv", text.as_bytes());
    let errors = read_invalid(
        &unit(Format::Arena, &path),
        &Options::default(),
        &Limits::default(),
    );
    assert_eq!(errors.len(), 1, "{errors:?}");
    assert_eq!(errors[0].line, 3);
}

#[test]
fn csv_record_over_the_line_cap_is_an_error() {
    let long = "x".repeat(200_000);
    let text = format!("model_a,model_b,winner\na,b,model_a\n{long},b,tie\n");
    let (_dir, path) = temp_file("long.csv", text.as_bytes());
    let limits = Limits {
        max_line_bytes: 1000,
        ..Limits::default()
    };
    let errors = read_invalid(&unit(Format::Arena, &path), &Options::default(), &limits);
    assert_eq!(errors.len(), 1, "{errors:?}");
    assert!(
        errors[0].reason.contains("limit of 1000 bytes"),
        "{}",
        errors[0].reason
    );
}

#[test]
fn jsonl_line_over_the_cap_is_an_error_at_its_line() {
    let long = format!(
        r#"{{"model_a": "a", "model_b": "b", "winner": "tie", "pad": "{}"}}"#,
        "x".repeat(5000)
    );
    let text = format!("{{\"model_a\": \"a\", \"model_b\": \"b\", \"winner\": \"tie\"}}\n{long}\n");
    let (_dir, path) = temp_file("long.jsonl", text.as_bytes());
    let limits = Limits {
        max_line_bytes: 1000,
        ..Limits::default()
    };
    let errors = read_invalid(&unit(Format::Arena, &path), &Options::default(), &limits);
    assert_eq!(errors.len(), 1);
    assert_eq!(errors[0].line, 2);
}

// --- The real examples (opt-in) ------------------------------------------------------------

#[test]
fn real_arena_hard_battles() {
    let Some(path) = shared("arena_hard/arena_hard_battles.jsonl") else {
        return;
    };
    let found = discover(std::slice::from_ref(&path), None).unwrap();
    assert_eq!(found.units[0].format, Format::Arena);
    let (summary, records) = read_ok(&found.units[0], &Options::default());
    let all = comparisons(&records);
    // Counted independently with Python's json module.
    assert_eq!(all.len(), 1348);
    assert_eq!(summary.comparisons, 1348);
    assert_eq!(summary.models, 4);
    assert_eq!(summary.benchmarks, 1);
    assert_eq!(summary.samples, 100);
    let models: BTreeSet<&str> = all
        .iter()
        .flat_map(|c| [c.model_a.as_ref(), c.model_b.as_ref()])
        .collect();
    assert_eq!(
        models.into_iter().collect::<Vec<_>>(),
        [
            "claude-3-5-sonnet-20240620",
            "claude-3-haiku-20240307",
            "claude-3-opus-20240229",
            "gpt-4o"
        ]
    );
    let samples: BTreeSet<&str> = all.iter().map(|c| c.sample.as_ref()).collect();
    assert_eq!(samples.len(), 100);
    let mut winners: BTreeMap<&str, u64> = BTreeMap::new();
    for c in &all {
        assert_eq!(c.benchmark, "arena");
        *winners.entry(c.winner.as_str()).or_default() += 1;
    }
    assert_eq!(
        winners,
        BTreeMap::from([("model_a", 147), ("model_b", 1178), ("tie", 23)])
    );
}

#[test]
fn real_lmarena_card_example() {
    let Some(path) = shared("formats/lmarena/chatbot_arena_conversations_card_example.json") else {
        return;
    };
    let found = discover(std::slice::from_ref(&path), None).unwrap();
    assert_eq!(found.units[0].format, Format::Arena);
    let (_, records) = read_ok(&found.units[0], &Options::default());
    let all = comparisons(&records);
    assert_eq!(all.len(), 1);
    assert_eq!(all[0].judge.as_deref(), Some("arena_user_973"));
    assert_eq!(all[0].sample, "c0fc42c6f5f14f2aa5a89f71f8553730");
    assert_eq!(
        (
            all[0].model_a.as_ref(),
            all[0].model_b.as_ref(),
            all[0].winner
        ),
        ("vicuna-13b", "koala-13b", Winner::ModelA)
    );
}
