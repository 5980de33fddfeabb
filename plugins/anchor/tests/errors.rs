//! Parameter errors name their field; broken rows are INVALID_DATA naming the row; the
//! schemas are complete; cancellation is honoured.

mod common;

use common::*;
use podium_plugin_api::abi::{PODIUM_METHOD_SEEDED, PODIUM_METHOD_USES_COMPARISONS};
use serde_json::Value;

const METHODS: [&str; 3] = ["anchor_win_rate", "anchor_bt", "anchor_selection"];

fn small() -> Fixture {
    let mut data = Fixture::new(&["base", "m1", "m2"], 4);
    for p in 0..4u32 {
        data.push(game(1, 0, p, if p < 3 { 1 } else { -2 }, p as i64));
        data.push(game(0, 2, p, if p < 2 { 1 } else { -1 }, 10 + p as i64));
        data.push(game(1, 2, p, if p == 0 { -1 } else { 1 }, 20 + p as i64));
    }
    data
}

#[test]
fn schemas_are_complete() {
    let plugin = plugin();
    for id in METHODS {
        let schema = plugin.schema(id);
        assert_eq!(schema["type"], "object", "{id}");
        assert_eq!(schema["additionalProperties"], false, "{id}");
        let properties = schema["properties"].as_object().unwrap();
        for (name, p) in properties {
            assert!(p["description"].is_string(), "{id}.{name}");
            assert!(p["type"].is_string(), "{id}.{name}");
            if name != "anchor" && name != "screen_prompts" {
                assert!(p.get("default").is_some(), "{id}.{name}");
            }
        }
        if id != "anchor_selection" {
            assert_eq!(schema["required"], serde_json::json!(["anchor"]), "{id}");
        }
    }
    let flags = |id: &str| plugin.method(id).flags;
    assert_eq!(
        flags("anchor_win_rate"),
        PODIUM_METHOD_USES_COMPARISONS | PODIUM_METHOD_SEEDED
    );
    assert_eq!(flags("anchor_bt"), PODIUM_METHOD_USES_COMPARISONS);
}

#[test]
fn parameter_errors_name_the_field() {
    let data = small();
    let cases: &[(&str, &str, &str)] = &[
        ("anchor_win_rate", "{}", "anchor"),
        ("anchor_win_rate", r#"{"anchor": "nobody"}"#, "anchor"),
        ("anchor_win_rate", r#"{"anchor": ""}"#, "anchor"),
        ("anchor_win_rate", r#"{"anchor": 3}"#, "anchor"),
        (
            "anchor_win_rate",
            r#"{"anchor": "base", "strong_weight": 0.5}"#,
            "strong_weight",
        ),
        (
            "anchor_win_rate",
            r#"{"anchor": "base", "rounds": -1}"#,
            "rounds",
        ),
        (
            "anchor_win_rate",
            r#"{"anchor": "base", "rounds": 1.5}"#,
            "rounds",
        ),
        (
            "anchor_win_rate",
            r#"{"anchor": "base", "low_quantile": 2}"#,
            "low_quantile",
        ),
        (
            "anchor_win_rate",
            r#"{"anchor": "base", "low_quantile": 0.6, "high_quantile": 0.4}"#,
            "high_quantile",
        ),
        (
            "anchor_win_rate",
            r#"{"anchor": "base", "anchr": 1}"#,
            "anchr",
        ),
        ("anchor_bt", "{}", "anchor"),
        ("anchor_bt", r#"{"anchor": "zzz"}"#, "anchor"),
        (
            "anchor_bt",
            r#"{"anchor": "base", "interval": "bayes"}"#,
            "interval",
        ),
        ("anchor_bt", r#"{"anchor": "base", "level": 1}"#, "level"),
        ("anchor_bt", r#"{"anchor": "base", "level": 0}"#, "level"),
        (
            "anchor_bt",
            r#"{"anchor": "base", "style_control": "yes"}"#,
            "style_control",
        ),
        (
            "anchor_bt",
            r#"{"anchor": "base", "anchor_rating": "1000"}"#,
            "anchor_rating",
        ),
        (
            "anchor_bt",
            r#"{"anchor": "base", "max_iter": 0}"#,
            "max_iter",
        ),
        ("anchor_selection", r#"{"levels": 4}"#, "levels"),
        ("anchor_selection", r#"{"levels": 2}"#, "levels"),
        (
            "anchor_selection",
            r#"{"screen_prompts": 0}"#,
            "screen_prompts",
        ),
        ("anchor_selection", r#"{"anchor": "base"}"#, "anchor"),
    ];
    for (id, params, field) in cases {
        let call = plugin().run(id, &data, params);
        assert_error(&call, PodiumStatus::InvalidParams, &format!("{field}:"));
    }
}

/// A copy of `small()` with row `row` changed by `f`.
fn broken(row: usize, f: impl FnOnce(&mut ComparisonRow)) -> Fixture {
    let mut data = small();
    f(&mut data.comparisons[row]);
    data
}

#[test]
fn bad_rows_are_invalid_data_naming_the_row() {
    let cases: Vec<(Fixture, &str)> = vec![
        (broken(4, |r| r.a = 9), "comparison 4: model index"),
        (broken(5, |r| r.sample = 40), "comparison 5: sample index"),
        (
            broken(6, |r| r.winner = 7),
            "comparison 6: unknown winner code 7",
        ),
        (broken(1, |r| r.weight = 0.0), "comparison 1: weight"),
        (broken(2, |r| r.weight = f64::NAN), "comparison 2: weight"),
        (
            broken(3, |r| r.weight = f64::INFINITY),
            "comparison 3: weight",
        ),
        (
            broken(0, |r| r.strength = f64::INFINITY),
            "comparison 0: strength",
        ),
        (broken(0, |r| r.strength = -1.0), "comparison 0: strength"),
    ];
    for (data, prefix) in &cases {
        for id in METHODS {
            let params = if id == "anchor_selection" {
                "{}"
            } else {
                r#"{"anchor": "base"}"#
            };
            let call = plugin().run(id, data, params);
            assert_error(&call, PodiumStatus::InvalidData, prefix);
        }
    }
}

#[test]
fn malformed_style_is_invalid_data_naming_the_row() {
    let bad = [
        r#"{"style": 3}"#,
        r#"{"style": {"model_a": {"tokens": 5}}}"#,
        r#"{"style": {"model_a": {"tokens": 5}, "model_b": {"tokens": -1}}}"#,
        r#"{"style": {"model_a": {"tokens": 5}, "model_b": {"lists": 1}}}"#,
        r#"{"style": {"model_a": {"length": 5}, "model_b": {"length": 1}}}"#,
        r#"{"style": {"model_a": {"tokens": 5}, "model_b": {"tokens": "7"}}}"#,
        r#"{"style": {"model_a": {"tokens": 5}, "model_b": {"tokens": 7}, "judge": {}}}"#,
        r#"{"style": "#,
    ];
    for text in bad {
        let data = broken(7, |r| r.metadata = text.to_owned());
        let call = plugin().run(
            "anchor_bt",
            &data,
            r#"{"anchor": "base", "style_control": true}"#,
        );
        assert_error(&call, PodiumStatus::InvalidData, "comparison 7:");
        // Without style control the metadata is not read.
        plugin()
            .run("anchor_bt", &data, r#"{"anchor": "base"}"#)
            .assert_ok();
    }
    // No style anywhere: style control has nothing to control for.
    let call = plugin().run(
        "anchor_bt",
        &small(),
        r#"{"anchor": "base", "style_control": true}"#,
    );
    assert_error(&call, PodiumStatus::InvalidData, "style_control:");
}

#[test]
fn data_without_what_the_method_needs() {
    // No comparison with the anchor: win rate and BT refuse; selection refuses empty data.
    let mut data = Fixture::new(&["base", "m1", "m2"], 1);
    data.push(game(1, 2, 0, 1, 0));
    for id in ["anchor_win_rate", "anchor_bt"] {
        let call = plugin().run(id, &data, r#"{"anchor": "base"}"#);
        assert_eq!(call.status, PodiumStatus::InvalidData, "{id}");
    }
    let empty = Fixture::new(&["base", "m1"], 1);
    let call = plugin().run("anchor_selection", &empty, "{}");
    assert_eq!(call.status, PodiumStatus::InvalidData);
}

#[test]
fn cancellation_is_honoured() {
    let (data, _) = synthetic_pool(6, 2.0, 50, 1);
    for (id, params) in [
        ("anchor_win_rate", r#"{"anchor": "m0"}"#),
        ("anchor_bt", r#"{"anchor": "m0"}"#),
        ("anchor_selection", "{}"),
    ] {
        let call = plugin().run_with(id, &data, params, 1, Some(1));
        assert_eq!(call.status, PodiumStatus::Cancelled, "{id}");
        let ok = plugin().run_with(id, &data, params, 1, None);
        ok.assert_ok();
        assert_eq!(ok.seen.progress.last(), Some(&1.0), "{id}");
        let extra: Value = ok.extra(id).unwrap();
        assert!(extra.is_object());
    }
}
