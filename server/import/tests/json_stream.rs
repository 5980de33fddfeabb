//! The streaming JSON reader, seen through the formats that use it: arena `.json` arrays (a
//! top-level array) and inspect `.json` logs (a top-level object with one big array).

mod common;

use common::{comparisons, measurements, read_invalid, read_ok, read_with, temp_file, unit};
use podium_import::{Format, Limits, Options};

/// An arena battle without a question id: its sample is its 1-based element number.
fn battle(winner: &str) -> String {
    format!(r#"{{"model_a": "a", "model_b": "b", "winner": "{winner}"}}"#)
}

/// (sample, line) of each record read from `text` as an arena `.json` array.
fn array_positions(text: &str) -> Vec<(String, u64)> {
    let (_dir, path) = temp_file("battles.json", text.as_bytes());
    let (_, records) = read_ok(&unit(Format::Arena, &path), &Options::default());
    let all = comparisons(&records);
    all.iter()
        .zip(&records)
        .map(|(c, (at, _))| (c.sample.to_string(), at.line))
        .collect()
}

fn positions(pairs: &[(&str, u64)]) -> Vec<(String, u64)> {
    pairs.iter().map(|(s, l)| ((*s).to_owned(), *l)).collect()
}

#[test]
fn array_elements_pretty_printed() {
    let text = format!(
        "[\n  {},\n\n  {{\n    \"model_a\": \"a\",\n    \"model_b\": \"b\",\n    \"winner\": \"tie\"\n  }}\n  ,\n  {}\n]\n",
        battle("model_a"),
        battle("model_b")
    );
    assert_eq!(
        array_positions(&text),
        positions(&[("1", 2), ("2", 4), ("3", 10)])
    );
}

#[test]
fn array_elements_compact() {
    let text = format!(
        "[{},{},{}]",
        battle("model_a"),
        battle("tie"),
        battle("model_b")
    );
    assert_eq!(
        array_positions(&text),
        positions(&[("1", 1), ("2", 1), ("3", 1)])
    );
    let text = format!(
        "[{},\n{}, {}]",
        battle("model_a"),
        battle("tie"),
        battle("model_b")
    );
    assert_eq!(
        array_positions(&text),
        positions(&[("1", 1), ("2", 2), ("3", 2)])
    );
}

#[test]
fn array_with_a_byte_order_mark() {
    let text = format!("\u{feff}[\n{}\n]", battle("tie"));
    assert_eq!(array_positions(&text), positions(&[("1", 2)]));
}

#[test]
fn syntax_error_is_reported_at_its_line() {
    let text = format!(
        "[\n  {},\n  {}\n  {}\n]",
        battle("model_a"),
        battle("tie"),
        battle("model_b")
    );
    let (_dir, path) = temp_file("broken.json", text.as_bytes());
    let errors = read_invalid(
        &unit(Format::Arena, &path),
        &Options::default(),
        &Limits::default(),
    );
    assert_eq!(errors.len(), 1, "{errors:?}");
    assert_eq!(errors[0].line, 4);
    assert_eq!(errors[0].file.as_deref(), Some("broken.json"));
    assert!(
        errors[0].reason.starts_with("invalid JSON: expected"),
        "{}",
        errors[0].reason
    );
}

#[test]
fn truncated_document_is_reported() {
    let text = format!("[\n  {},\n  {{\"model_a\": \"a\",\n", battle("tie"));
    let (_dir, path) = temp_file("cut.json", text.as_bytes());
    let errors = read_invalid(
        &unit(Format::Arena, &path),
        &Options::default(),
        &Limits::default(),
    );
    assert_eq!(errors.len(), 1, "{errors:?}");
    assert_eq!(errors[0].line, 4);
    assert!(errors[0].reason.contains("EOF"), "{}", errors[0].reason);
}

#[test]
fn element_over_the_cap_is_an_error_at_its_start() {
    let big = format!(
        r#"{{"model_a": "a", "model_b": "b", "winner": "tie", "conversation_a": "{}"}}"#,
        "x".repeat(1000)
    );
    let text = format!("[\n  {},\n  {big},\n  {}\n]", battle("tie"), battle("tie"));
    let (_dir, path) = temp_file("big.json", text.as_bytes());
    let limits = Limits {
        max_member_bytes: 300,
        ..Limits::default()
    };
    let errors = read_invalid(&unit(Format::Arena, &path), &Options::default(), &limits);
    assert_eq!(errors.len(), 1, "{errors:?}");
    assert_eq!(errors[0].line, 3);
    assert_eq!(
        errors[0].reason,
        "a value is larger than the limit of 300 bytes"
    );
    // Under the default cap the same file reads.
    assert!(
        read_with(
            &unit(Format::Arena, &path),
            &Options::default(),
            &Limits::default()
        )
        .is_ok()
    );
}

#[test]
fn wrong_shape_is_not_called_invalid_json() {
    let text = r#"[{"eval": {"task": "t", "model": "m"}}]"#;
    let (_dir, path) = temp_file("log.json", text.as_bytes());
    let errors = read_invalid(
        &unit(Format::Inspect, &path),
        &Options::default(),
        &Limits::default(),
    );
    assert_eq!(errors.len(), 1);
    assert!(
        errors[0]
            .reason
            .starts_with("invalid type: sequence, expected a JSON object"),
        "{}",
        errors[0].reason
    );
}

/// An inspect log whose `eval` comes after keys that are skipped, some of them large and some
/// holding `eval` and `samples` keys of their own.
fn log_with_noise(pad: usize) -> String {
    format!(
        r#"{{
  "version": 2,
  "plan": {{"samples": [1, 2, 3], "eval": {{"task": "wrong", "model": "wrong"}}, "pad": "{}"}},
  "status": "success",
  "eval": {{"task": "real_task", "model": "real-model", "dataset": {{"samples": 2}}}},
  "results": {{"scores": [{{"eval": null}}]}},
  "samples": [
    {{"id": "a", "scores": {{"s": {{"value": 1}}}}}},
    {{"id": "b", "scores": {{"s": {{"value": 0}}}}}}
  ],
  "reductions": [{{"samples": [{{"value": 1, "sample_id": "a"}}]}}]
}}"#,
        "p".repeat(pad)
    )
}

#[test]
fn object_keys_wanted_are_delivered_and_others_skipped() {
    let (_dir, path) = temp_file("noisy.json", log_with_noise(10).as_bytes());
    let (_, records) = read_ok(&unit(Format::Inspect, &path), &Options::default());
    let all = measurements(&records);
    assert_eq!(all.len(), 2);
    assert!(
        all.iter()
            .all(|m| m.model == "real-model" && m.benchmark == "real_task")
    );
    let placed: Vec<(String, u64)> = all
        .iter()
        .zip(&records)
        .map(|(m, (at, _))| (m.sample.to_string(), at.line))
        .collect();
    assert_eq!(placed, positions(&[("a", 8), ("b", 9)]));
}

#[test]
fn skipped_keys_are_not_held_so_not_capped() {
    let (_dir, path) = temp_file("padded.json", log_with_noise(50_000).as_bytes());
    let limits = Limits {
        max_member_bytes: 2000,
        ..Limits::default()
    };
    let (summary, _) = read_with(&unit(Format::Inspect, &path), &Options::default(), &limits)
        .unwrap_or_else(|e| panic!("{e}"));
    assert_eq!(summary.measurements, 2);
}

#[test]
fn wanted_key_over_the_cap_is_an_error() {
    let text = format!(
        "{{\"version\": 2,\n\"eval\": {{\"task\": \"t\", \"model\": \"m\", \"pad\": \"{}\"}},\n\"samples\": []}}",
        "p".repeat(5000)
    );
    let (_dir, path) = temp_file("big_eval.json", text.as_bytes());
    let limits = Limits {
        max_member_bytes: 2000,
        ..Limits::default()
    };
    let errors = read_invalid(&unit(Format::Inspect, &path), &Options::default(), &limits);
    assert_eq!(errors.len(), 1);
    assert_eq!(errors[0].line, 2);
    assert!(
        errors[0].reason.contains("limit of 2000 bytes"),
        "{}",
        errors[0].reason
    );
}

#[test]
fn null_array_reads_as_empty() {
    let text = r#"{"version": 2, "status": "started", "eval": {"task": "t", "model": "m"}, "samples": null}"#;
    let (_dir, path) = temp_file("running.json", text.as_bytes());
    let errors = read_invalid(
        &unit(Format::Inspect, &path),
        &Options::default(),
        &Limits::default(),
    );
    assert_eq!(errors.len(), 1);
    assert!(
        errors[0].reason.contains(
            "the log has no samples (written without sample logging?); its status is `started`"
        ),
        "{}",
        errors[0].reason
    );
}
