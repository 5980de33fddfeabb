//! arena-hard-auto judgments: v2.0 lines (baseline named) and v0.1 lines (baseline given as an
//! option), label spellings, null games and scores, and malformed lines.

mod common;

use common::{comparisons, fixture, read_invalid, read_ok, temp_file, unit};
use podium_import::{Format, Limits, Options, discover};
use podium_wire::record::Winner;
use serde_json::{Value, json};

type Row = (String, String, String, Winner, Option<f64>, u64);

fn rows(all: &[podium_wire::record::Comparison<'static>]) -> Vec<Row> {
    all.iter()
        .map(|c| {
            let game = c.metadata.as_ref().unwrap()["game"].as_u64().unwrap();
            (
                c.sample.to_string(),
                c.model_a.to_string(),
                c.model_b.to_string(),
                c.winner,
                c.strength,
                game,
            )
        })
        .collect()
}

fn row(sample: &str, a: &str, b: &str, winner: Winner, strength: Option<f64>, game: u64) -> Row {
    (sample.into(), a.into(), b.into(), winner, strength, game)
}

#[test]
fn v2_judgments() {
    let path = fixture("arena_hard/judgments_v2.jsonl");
    let found = discover(std::slice::from_ref(&path), None).unwrap();
    assert_eq!(found.units[0].format, Format::ArenaHard);
    let (summary, records) = read_ok(&found.units[0], &Options::default());
    let all = comparisons(&records);
    let (x, y, base) = ("model-x", "model-y", "base-model");
    use Winner::{ModelA, ModelB, Tie};
    assert_eq!(
        rows(&all),
        vec![
            // A<<B is B>>A; game 1 has the baseline as A.
            row("q1", base, x, ModelB, Some(2.0), 1),
            row("q1", x, base, ModelA, Some(1.0), 2),
            // B<A is A>B; B=A a tie.
            row("q1", base, y, ModelA, Some(1.0), 1),
            row("q1", y, base, Tie, None, 2),
            // Game 1 is null.
            row("q2", x, base, ModelA, Some(2.0), 2),
            // Game 1's score is null; A<B is B>A.
            row("q2", y, base, ModelB, Some(1.0), 2),
            row("q3", base, x, ModelB, Some(1.0), 1),
            // B<<A is A>>B.
            row("q3", x, base, ModelA, Some(2.0), 2),
            row("q3", base, y, Tie, None, 1),
            row("q3", y, base, ModelB, Some(2.0), 2),
        ]
    );
    for c in &all {
        assert_eq!(c.benchmark, "arena-hard");
        assert_eq!(c.judge.as_deref(), Some("gpt-4.1"));
        assert_eq!(c.weight, 1.0);
        let category = c.sample_metadata.clone().map(Value::Object);
        match c.sample.as_ref() {
            "q1" => assert_eq!(category, Some(json!({"category": "hard_prompt"}))),
            "q2" => assert_eq!(category, Some(json!({"category": "creative_writing"}))),
            _ => assert_eq!(category, None),
        }
    }
    assert_eq!(summary.comparisons, 10);
    assert_eq!(summary.models, 3);
    assert_eq!(summary.samples, 3);
    assert_eq!(summary.skipped.len(), 1);
    assert!(
        summary.skipped[0].starts_with("2 game(s) without a verdict"),
        "{:?}",
        summary.skipped
    );
    let lines: Vec<u64> = records.iter().map(|(at, _)| at.line).collect();
    assert_eq!(lines, [1, 1, 2, 2, 3, 4, 5, 5, 6, 6]);
}

#[test]
fn v01_judgments_take_the_baseline_from_the_options() {
    let path = fixture("arena_hard/judgments_v01.jsonl");
    let found = discover(std::slice::from_ref(&path), None).unwrap();
    assert_eq!(found.units[0].format, Format::ArenaHard);
    let options = Options {
        baseline: Some("gpt-4-0314".into()),
        benchmark: Some("arena-hard-v0.1".into()),
        ..Options::default()
    };
    let (_, records) = read_ok(&found.units[0], &options);
    let all = comparisons(&records);
    let (q1, q2) = (
        "328c149ed45a41c0b9d6f14659e63599",
        "b43c07656ead4150b360294ee932b410",
    );
    let (x, base) = ("model-x", "gpt-4-0314");
    assert_eq!(
        rows(&all),
        vec![
            row(q1, base, x, Winner::ModelB, Some(1.0), 1),
            row(q1, x, base, Winner::ModelA, Some(1.0), 2),
            row(q2, base, x, Winner::Tie, None, 1),
            row(q2, x, base, Winner::ModelB, Some(2.0), 2),
        ]
    );
    for c in &all {
        assert_eq!(c.benchmark, "arena-hard-v0.1");
        assert_eq!(c.judge.as_deref(), Some("gpt-4-1106-preview"));
        assert_eq!(c.sample_metadata, None);
    }
}

#[test]
fn v01_judgments_without_a_baseline_fail_once() {
    let path = fixture("arena_hard/judgments_v01.jsonl");
    let errors = read_invalid(
        &unit(Format::ArenaHard, &path),
        &Options::default(),
        &Limits::default(),
    );
    assert_eq!(errors.len(), 1, "{errors:?}");
    assert_eq!(errors[0].field.as_deref(), Some("baseline"));
    assert_eq!(errors[0].line, 1);
    assert_eq!(errors[0].file.as_deref(), Some("judgments_v01.jsonl"));
}

#[test]
fn a_baseline_option_that_contradicts_the_line_is_an_error() {
    let path = fixture("arena_hard/judgments_v2.jsonl");
    let options = Options {
        baseline: Some("another-model".into()),
        ..Options::default()
    };
    let errors = read_invalid(
        &unit(Format::ArenaHard, &path),
        &options,
        &Limits::default(),
    );
    assert_eq!(errors.len(), 6);
    assert!(
        errors
            .iter()
            .all(|e| e.field.as_deref() == Some("baseline"))
    );
}

#[test]
fn malformed_judgments() {
    let lines = [
        // 1: fine.
        r#"{"uid": "u1", "model": "m", "baseline": "b", "games": [{"score": "A>B"}, {"score": "B>A"}]}"#,
        // 2: the model is the baseline.
        r#"{"uid": "u2", "model": "b", "baseline": "b", "games": [{"score": "A>B"}, {"score": "B>A"}]}"#,
        // 3: an unknown label in game 2.
        r#"{"uid": "u3", "model": "m", "baseline": "b", "games": [{"score": "A>B"}, {"score": "A>>>B"}]}"#,
        // 4: no id.
        r#"{"model": "m", "baseline": "b", "games": [{"score": "A>B"}, {"score": "B>A"}]}"#,
        // 5: three games.
        r#"{"uid": "u5", "model": "m", "baseline": "b", "games": [null, null, null]}"#,
        // 6: not JSON.
        r#"{"uid": "u6", "#,
    ];
    let text = lines.join("\n");
    let (_dir, path) = temp_file("judgments.jsonl", text.as_bytes());
    let errors = read_invalid(
        &unit(Format::ArenaHard, &path),
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
            (2, Some("model")),
            (3, Some("games[1].score")),
            (4, Some("uid")),
            (5, Some("games")),
            (6, None),
        ]
    );
    assert!(
        errors[1].reason.contains("\"A>>>B\""),
        "{}",
        errors[1].reason
    );
}
