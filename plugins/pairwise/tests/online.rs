//! The online rating methods (`glicko2`, `weng_lin`, `trueskill`) through the plugin's C entry:
//! equal to `skillratings` called game by game in timestamp order, the verdict mapping, the
//! interval, untrusted data, parameters and their schemas, and (opt-in) the OpenSkill test
//! vectors.

use podium_plugin_api::abi::{PODIUM_NO_TIMESTAMP, PodiumStatus};
use podium_plugin_api::testing::{
    BOTH_BAD, Call, ComparisonRow, Fixture, Plugin, TIE, WIN_A, WIN_B,
};
use serde_json::Value;
use skillratings::Outcomes;
use skillratings::glicko2::{Glicko2Config, Glicko2Rating, glicko2};
use skillratings::trueskill::{TrueSkillConfig, TrueSkillRating, trueskill};
use skillratings::weng_lin::{WengLinConfig, WengLinRating, weng_lin, weng_lin_two_teams};

const METHODS: [&str; 3] = ["glicko2", "weng_lin", "trueskill"];
/// Two-sided standard normal quantile of 0.95.
const Z95: f64 = 1.959_963_984_540_054;

fn plugin() -> Plugin {
    Plugin::new(podium_pairwise::podium_plugin_v1)
}

fn sigma_name(id: &str) -> &'static str {
    if id == "glicko2" {
        "deviation"
    } else {
        "sigma"
    }
}

/// A rating as the tests compare it: (mean, σ).
type MeanSigma = (f64, f64);

/// Plays `rows` in `order` with `rate` (outcome from `a`'s side), the way the methods are
/// specified: draws for ties, both_bad a draw or skipped; `None` for a model without a game.
fn replay<R: Copy>(
    models: usize,
    rows: &[ComparisonRow],
    order: &[usize],
    prior: R,
    skip_both_bad: bool,
    rate: impl Fn(&R, &R, &Outcomes) -> (R, R),
    view: impl Fn(&R) -> MeanSigma,
) -> Vec<Option<MeanSigma>> {
    let mut ratings = vec![prior; models];
    let mut played = vec![false; models];
    for &i in order {
        let row = &rows[i];
        let outcome = match row.winner {
            WIN_A => Outcomes::WIN,
            WIN_B => Outcomes::LOSS,
            TIE => Outcomes::DRAW,
            BOTH_BAD if skip_both_bad => continue,
            BOTH_BAD => Outcomes::DRAW,
            other => panic!("winner {other}"),
        };
        let (a, b) = (row.a as usize, row.b as usize);
        let (new_a, new_b) = rate(&ratings[a], &ratings[b], &outcome);
        ratings[a] = new_a;
        ratings[b] = new_b;
        played[a] = true;
        played[b] = true;
    }
    ratings
        .iter()
        .zip(played)
        .map(|(r, p)| p.then(|| view(r)))
        .collect()
}

/// What skillratings gives for method `id` with its default constants.
fn reference(
    id: &str,
    models: usize,
    rows: &[ComparisonRow],
    order: &[usize],
    skip_both_bad: bool,
) -> Vec<Option<MeanSigma>> {
    match id {
        "glicko2" => replay(
            models,
            rows,
            order,
            Glicko2Rating::new(),
            skip_both_bad,
            |a, b, o| glicko2(a, b, o, &Glicko2Config::new()),
            |r| (r.rating, r.deviation),
        ),
        "weng_lin" => replay(
            models,
            rows,
            order,
            WengLinRating::new(),
            skip_both_bad,
            |a, b, o| weng_lin(a, b, o, &WengLinConfig::new()),
            |r| (r.rating, r.uncertainty),
        ),
        "trueskill" => replay(
            models,
            rows,
            order,
            TrueSkillRating::new(),
            skip_both_bad,
            |a, b, o| trueskill(a, b, o, &TrueSkillConfig::new()),
            |r| (r.rating, r.uncertainty),
        ),
        _ => unreachable!(),
    }
}

/// The (mean, σ) the method reports per model: the mean from the extra (the score may be
/// conservative), σ from the extra, `None` for an unscored model.
fn reported(call: &Call, id: &str, data: &Fixture) -> Vec<Option<MeanSigma>> {
    let scores = call.scores();
    let extra = call.extra(id).expect("the extra is emitted");
    data.models
        .iter()
        .zip(scores)
        .map(|(name, score)| {
            let model = &extra["models"][name];
            match score {
                None => {
                    assert!(model.is_null(), "{name} has no score but is in the extra");
                    None
                }
                Some(_) => Some((
                    model["rating"].as_f64().unwrap(),
                    model[sigma_name(id)].as_f64().unwrap(),
                )),
            }
        })
        .collect()
}

#[track_caller]
fn assert_close(got: &[Option<MeanSigma>], want: &[Option<MeanSigma>], tol: f64) {
    assert_eq!(got.len(), want.len());
    for (i, (g, w)) in got.iter().zip(want).enumerate() {
        match (g, w) {
            (None, None) => {}
            (Some(g), Some(w)) => assert!(
                (g.0 - w.0).abs() <= tol && (g.1 - w.1).abs() <= tol,
                "model {i}: got {g:?}, want {w:?}"
            ),
            _ => panic!("model {i}: got {g:?}, want {w:?}"),
        }
    }
}

fn row(a: u32, b: u32, winner: u32, timestamp_ms: i64) -> ComparisonRow {
    ComparisonRow {
        timestamp_ms,
        ..ComparisonRow::new(a, b, winner)
    }
}

/// Four models, `d` without a game; timestamps out of row order, an untimed row, equal
/// timestamps, a tie and a both_bad.
fn timeline_fixture() -> (Fixture, Vec<usize>) {
    let mut data = Fixture::new(&["a", "b", "c", "d"], 1);
    for r in [
        row(0, 1, WIN_A, 300),
        row(1, 2, TIE, 100),
        row(2, 0, WIN_B, PODIUM_NO_TIMESTAMP),
        row(0, 2, BOTH_BAD, 200),
        row(1, 0, WIN_A, 100),
        row(2, 1, WIN_B, 250),
        row(0, 1, TIE, 50),
        row(2, 0, WIN_A, 400),
    ] {
        data.push(r);
    }
    // Untimed first, then by time; rows 1 and 4 share 100 ms and keep their order.
    (data, vec![2, 6, 1, 4, 3, 5, 0, 7])
}

#[test]
fn equals_skillratings_game_by_game_in_timestamp_order() {
    let (data, order) = timeline_fixture();
    for id in METHODS {
        for (params, skip) in [("{}", false), (r#"{"both_bad": "ignore"}"#, true)] {
            let call = plugin().run(id, &data, params);
            let want = reference(id, 4, &data.comparisons, &order, skip);
            assert_close(&reported(&call, id, &data), &want, 1e-12);
            let scores = call.scores();
            for (s, w) in scores.iter().zip(&want) {
                assert_eq!(s.is_some(), w.is_some());
                if let (Some(s), Some(w)) = (s, w) {
                    assert!((s - w.0).abs() <= 1e-12, "{id}: score {s} vs {}", w.0);
                }
            }
        }
        // Row order would give other numbers: the test above can tell the orders apart.
        let row_order: Vec<usize> = (0..data.comparisons.len()).collect();
        let wrong = reference(id, 4, &data.comparisons, &row_order, false);
        let right = reference(id, 4, &data.comparisons, &order, false);
        assert!(wrong[0].unwrap().0 != right[0].unwrap().0, "{id}");
    }
}

#[test]
fn system_parameters_reach_skillratings() {
    let (data, order) = timeline_fixture();
    let rows = &data.comparisons;
    let call = plugin().run(
        "glicko2",
        &data,
        r#"{"initial_rating": 1200, "initial_deviation": 200, "initial_volatility": 0.09,
            "tau": 0.8, "convergence_tolerance": 1e-9}"#,
    );
    let prior = Glicko2Rating {
        rating: 1200.0,
        deviation: 200.0,
        volatility: 0.09,
    };
    let config = Glicko2Config {
        tau: 0.8,
        convergence_tolerance: 1e-9,
    };
    let want = replay(
        4,
        rows,
        &order,
        prior,
        false,
        |a, b, o| glicko2(a, b, o, &config),
        |r| (r.rating, r.deviation),
    );
    assert_close(&reported(&call, "glicko2", &data), &want, 1e-12);

    let call = plugin().run(
        "weng_lin",
        &data,
        r#"{"initial_mu": 10, "initial_sigma": 3, "beta": 2, "uncertainty_tolerance": 0.01}"#,
    );
    let config = WengLinConfig {
        beta: 2.0,
        uncertainty_tolerance: 0.01,
    };
    let want = replay(
        4,
        rows,
        &order,
        WengLinRating::from((10.0, 3.0)),
        false,
        |a, b, o| weng_lin(a, b, o, &config),
        |r| (r.rating, r.uncertainty),
    );
    assert_close(&reported(&call, "weng_lin", &data), &want, 1e-12);

    let call = plugin().run(
        "trueskill",
        &data,
        r#"{"initial_mu": 10, "initial_sigma": 3, "beta": 2, "draw_probability": 0.3,
            "dynamics_factor": 0.5}"#,
    );
    let config = TrueSkillConfig {
        draw_probability: 0.3,
        beta: 2.0,
        dynamics_factor: 0.5,
    };
    let want = replay(
        4,
        rows,
        &order,
        TrueSkillRating::from((10.0, 3.0)),
        false,
        |a, b, o| trueskill(a, b, o, &config),
        |r| (r.rating, r.uncertainty),
    );
    assert_close(&reported(&call, "trueskill", &data), &want, 1e-12);
}

#[test]
fn swapping_sides_with_the_opposite_winner_changes_nothing() {
    let (data, _) = timeline_fixture();
    let mut swapped = data.clone();
    for r in &mut swapped.comparisons {
        std::mem::swap(&mut r.a, &mut r.b);
        r.winner = match r.winner {
            WIN_A => WIN_B,
            WIN_B => WIN_A,
            other => other,
        };
    }
    for id in METHODS {
        let one = plugin().run(id, &data, "{}");
        let two = plugin().run(id, &swapped, "{}");
        // skillratings computes each side with its own rounding (1 − p vs p of the other).
        assert_close(
            &reported(&one, id, &data),
            &reported(&two, id, &swapped),
            1e-9,
        );
        let counts = |call: &Call| {
            let mut models = call.extra(id).unwrap()["models"].clone();
            for m in models.as_object_mut().unwrap().values_mut() {
                let m = m.as_object_mut().unwrap();
                m.retain(|k, _| ["games", "wins", "draws", "losses"].contains(&k.as_str()));
            }
            models
        };
        assert_eq!(counts(&one), counts(&two), "{id}");
    }
}

#[test]
fn a_model_without_games_has_no_score_or_interval() {
    let (data, _) = timeline_fixture();
    for id in METHODS {
        let call = plugin().run(id, &data, "{}");
        assert_eq!(call.scores()[3], None, "{id}");
        assert_eq!(call.intervals()[3], None, "{id}");
        assert!(call.scores()[..3].iter().all(Option::is_some), "{id}");
    }
}

#[test]
fn interval_is_mean_plus_minus_z_sigma() {
    let (data, _) = timeline_fixture();
    for id in METHODS {
        let call = plugin().run(id, &data, "{}");
        let got = reported(&call, id, &data);
        for ((score, interval), ms) in call.scores().iter().zip(call.intervals()).zip(&got) {
            let (Some(score), Some((low, high)), Some((mean, sigma))) = (score, interval, ms)
            else {
                continue;
            };
            assert!(low <= *score && *score <= high, "{id}");
            assert!((high - low - 2.0 * Z95 * sigma).abs() <= 1e-9, "{id}");
            assert!(((low + high) / 2.0 - mean).abs() <= 1e-9, "{id}");
        }

        // Another level, and the conservative score: the interval stays centred on the mean.
        let call = plugin().run(
            id,
            &data,
            r#"{"level": 0.5, "score": "conservative", "conservative_k": 2.5}"#,
        );
        let z50 = 0.674_489_750_196_081_7;
        for ((score, interval), ms) in call.scores().iter().zip(call.intervals()).zip(&got) {
            let (Some(score), Some((low, high)), Some((mean, sigma))) = (score, interval, ms)
            else {
                continue;
            };
            assert!((score - (mean - 2.5 * sigma)).abs() <= 1e-9, "{id}");
            assert!((high - low - 2.0 * z50 * sigma).abs() <= 1e-9, "{id}");
            assert!(((low + high) / 2.0 - mean).abs() <= 1e-9, "{id}");
        }
    }
}

#[test]
fn extra_counts_games_and_states_the_order() {
    let data = Fixture::new(&["a", "b", "c"], 1)
        .compare("a", "b", WIN_A, 1.0)
        .compare("b", "a", WIN_A, 1.0)
        .compare("a", "c", TIE, 1.0)
        .compare("c", "b", BOTH_BAD, 1.0)
        .compare("a", "c", WIN_B, 1.0);
    for id in METHODS {
        let call = plugin().run(id, &data, "{}");
        let extra = call.extra(id).unwrap();
        let counts = |name: &str| {
            let m = &extra["models"][name];
            ["games", "wins", "draws", "losses"].map(|k| m[k].as_u64().unwrap())
        };
        assert_eq!(counts("a"), [4, 1, 1, 2], "{id}");
        assert_eq!(counts("b"), [3, 1, 1, 1], "{id}");
        assert_eq!(counts("c"), [3, 1, 2, 0], "{id}");
        assert_eq!(extra["games"], 5);
        assert!(
            extra["ordering"]
                .as_str()
                .unwrap()
                .contains("timestamp order")
        );
        assert_eq!(call.seen.progress.last(), Some(&1.0));

        let call = plugin().run(id, &data, r#"{"both_bad": "ignore"}"#);
        let extra = call.extra(id).unwrap();
        assert_eq!(extra["games"], 4);
        assert_eq!(extra["skipped_both_bad"], 1);
    }
}

#[test]
fn both_bad_ignore_skips_those_rows() {
    let (data, _) = timeline_fixture();
    let mut without = data.clone();
    without.comparisons.retain(|r| r.winner != BOTH_BAD);
    // A model whose only verdict is both_bad is unscored when both_bad is ignored.
    let mut data = data;
    data.push(row(3, 0, BOTH_BAD, 500));
    without.models = data.models.clone();
    for id in METHODS {
        let ignored = plugin().run(id, &data, r#"{"both_bad": "ignore"}"#);
        let reference = plugin().run(id, &without, "{}");
        assert_eq!(ignored.scores(), reference.scores(), "{id}");
        assert_eq!(ignored.scores()[3], None, "{id}");
        let tied = plugin().run(id, &data, "{}");
        assert!(tied.scores()[3].is_some(), "{id}");
        assert_ne!(tied.scores()[0], ignored.scores()[0], "{id}");
    }
}

#[test]
fn weights_other_than_one_are_invalid_data() {
    for weight in [2.0, 0.5, f64::NAN] {
        let data = Fixture::new(&["a", "b"], 1)
            .compare("a", "b", WIN_A, 1.0)
            .compare("a", "b", WIN_B, weight);
        for id in METHODS {
            let (status, message) = plugin().run(id, &data, "{}").error();
            assert_eq!(status, PodiumStatus::InvalidData, "{id}: {message}");
            assert!(message.starts_with("comparison 1:"), "{message}");
            assert!(message.contains("weight"), "{message}");
        }
    }
}

#[test]
fn broken_rows_are_invalid_data_naming_the_row() {
    let good = Fixture::new(&["a", "b"], 1).compare("a", "b", WIN_A, 1.0);
    let cases: [(ComparisonRow, &str); 4] = [
        (ComparisonRow::new(0, 2, WIN_A), "out of range"),
        (ComparisonRow::new(7, 1, WIN_A), "out of range"),
        (ComparisonRow::new(0, 1, 9), "unknown winner code 9"),
        (ComparisonRow::new(1, 1, WIN_A), "itself"),
    ];
    for (bad, what) in cases {
        let mut data = good.clone();
        data.push(bad);
        for id in METHODS {
            let (status, message) = plugin().run(id, &data, "{}").error();
            assert_eq!(status, PodiumStatus::InvalidData, "{id}: {message}");
            assert!(message.starts_with("comparison 1:"), "{message}");
            assert!(message.contains(what), "{message}");
        }
    }
}

#[test]
fn no_games_is_invalid_data() {
    let empty = Fixture::new(&["a", "b"], 1);
    let only_both_bad = empty.clone().compare("a", "b", BOTH_BAD, 1.0);
    for id in METHODS {
        assert_eq!(
            plugin().run(id, &empty, "{}").status,
            PodiumStatus::InvalidData
        );
        assert_eq!(
            plugin()
                .run(id, &only_both_bad, r#"{"both_bad": "ignore"}"#)
                .status,
            PodiumStatus::InvalidData
        );
    }
}

#[test]
fn bad_params_name_the_field() {
    let (data, _) = timeline_fixture();
    let common = [
        (r#"{"both_bad": "drop"}"#, "both_bad"),
        (r#"{"score": "max"}"#, "score"),
        (r#"{"conservative_k": -1}"#, "conservative_k"),
        (r#"{"level": 0.3}"#, "level"),
        (r#"{"level": 1}"#, "level"),
        (r#"{"levle": 0.9}"#, "levle"),
    ];
    let own: [(&str, &[(&str, &str)]); 3] = [
        (
            "glicko2",
            &[
                (r#"{"initial_deviation": 0}"#, "initial_deviation"),
                (r#"{"initial_volatility": -0.1}"#, "initial_volatility"),
                (r#"{"tau": 0}"#, "tau"),
                (r#"{"convergence_tolerance": 0}"#, "convergence_tolerance"),
                (r#"{"initial_rating": "1500"}"#, "initial_rating"),
                (r#"{"beta": 1}"#, "beta"),
            ],
        ),
        (
            "weng_lin",
            &[
                (r#"{"initial_sigma": 0}"#, "initial_sigma"),
                (r#"{"beta": -1}"#, "beta"),
                (r#"{"uncertainty_tolerance": 2}"#, "uncertainty_tolerance"),
                (r#"{"draw_probability": 0.1}"#, "draw_probability"),
            ],
        ),
        (
            "trueskill",
            &[
                (r#"{"draw_probability": 0}"#, "draw_probability"),
                (r#"{"draw_probability": 1}"#, "draw_probability"),
                (r#"{"dynamics_factor": -1}"#, "dynamics_factor"),
                (r#"{"initial_mu": null}"#, "initial_mu"),
                (r#"{"tau": 0.5}"#, "tau"),
            ],
        ),
    ];
    for (id, cases) in own {
        for (params, field) in common.iter().chain(cases.iter()) {
            let (status, message) = plugin().run(id, &data, params).error();
            assert_eq!(
                status,
                PodiumStatus::InvalidParams,
                "{id} {params}: {message}"
            );
            assert!(
                message.starts_with(&format!("{field}:")),
                "{id} {params}: {message}"
            );
        }
    }
}

#[test]
fn cancellation_returns_cancelled() {
    let (data, _) = timeline_fixture();
    for id in METHODS {
        let call = plugin().run_with(id, &data, "{}", 42, Some(1));
        assert_eq!(call.status, PodiumStatus::Cancelled, "{id}");
    }
    // Long runs poll every 4096 games: 10 000 games poll at the start, at games 0, 4096 and
    // 8192, and at the end.
    let mut long = Fixture::new(&["a", "b", "c"], 1);
    for i in 0..10_000u32 {
        long.push_comparison(
            i % 3,
            (i + 1) % 3,
            [WIN_A, WIN_B, TIE][(i % 7 % 3) as usize],
            1.0,
        );
    }
    for id in METHODS {
        let call = plugin().run(id, &long, "{}");
        call.assert_ok();
        assert_eq!(call.seen.polls, 5, "{id}");
        assert_eq!(call.seen.progress.len(), 4, "{id}");
        let call = plugin().run_with(id, &long, "{}", 42, Some(4));
        assert_eq!(call.status, PodiumStatus::Cancelled, "{id}");
    }
}

/// Schema properties of method `id`, checked for type, bounds, default and description.
fn checked_properties(id: &str) -> serde_json::Map<String, Value> {
    let schema = plugin().schema(id);
    assert_eq!(schema["type"], "object", "{id}");
    assert_eq!(schema["additionalProperties"], false, "{id}");
    assert_eq!(
        schema["$schema"],
        "https://json-schema.org/draft/2020-12/schema"
    );
    let properties = schema["properties"].as_object().unwrap().clone();
    for (name, p) in &properties {
        assert!(
            p["description"].as_str().is_some_and(|d| !d.is_empty()),
            "{id}.{name}"
        );
        assert!(!p["default"].is_null(), "{id}.{name}");
        match p["type"].as_str() {
            Some("string") => {
                let options = p["enum"].as_array().expect("an enum");
                assert!(options.contains(&p["default"]), "{id}.{name}");
            }
            Some("number") => {
                assert!(
                    p.get("minimum").or(p.get("exclusiveMinimum")).is_some()
                        && p.get("maximum").or(p.get("exclusiveMaximum")).is_some(),
                    "{id}.{name} has both bounds"
                );
            }
            other => panic!("{id}.{name}: type {other:?}"),
        }
    }
    properties
}

#[test]
fn schemas_list_every_param_with_the_code_defaults_and_bounds() {
    let (data, _) = timeline_fixture();
    for id in METHODS {
        let properties = checked_properties(id);
        // The code's list of accepted parameters, from its refusal of an unknown one.
        let (_, message) = plugin().run(id, &data, r#"{"zzz": 1}"#).error();
        let accepted = message
            .split("this method accepts: ")
            .nth(1)
            .unwrap()
            .trim_end_matches(')');
        let mut accepted: Vec<&str> = accepted.split(", ").collect();
        accepted.sort_unstable();
        let mut listed: Vec<&str> = properties.keys().map(String::as_str).collect();
        listed.sort_unstable();
        assert_eq!(accepted, listed, "{id}");

        // Every default written out gives exactly what no parameters give.
        let defaults: serde_json::Map<String, Value> = properties
            .iter()
            .map(|(k, p)| (k.clone(), p["default"].clone()))
            .collect();
        let explicit = plugin().run(id, &data, &Value::Object(defaults).to_string());
        let implicit = plugin().run(id, &data, "{}");
        assert_eq!(explicit.scores(), implicit.scores(), "{id}");
        assert_eq!(explicit.intervals(), implicit.intervals(), "{id}");
        assert_eq!(explicit.extra(id), implicit.extra(id), "{id}");

        // The code refuses what the schema refuses, and accepts its inclusive bounds.
        for (name, p) in &properties {
            let mut refused = vec![];
            let mut accepted = vec![];
            if let Some(x) = p["minimum"].as_f64() {
                accepted.push(x);
                refused.push(x - 1.0);
            }
            if let Some(x) = p["maximum"].as_f64() {
                accepted.push(x);
                refused.push(x + 1.0);
            }
            if let Some(x) = p["exclusiveMinimum"].as_f64() {
                refused.push(x);
            }
            if let Some(x) = p["exclusiveMaximum"].as_f64() {
                refused.push(x);
            }
            for x in refused {
                let (status, message) = plugin()
                    .run(id, &data, &format!(r#"{{"{name}": {x}}}"#))
                    .error();
                assert_eq!(status, PodiumStatus::InvalidParams, "{id}.{name} = {x}");
                assert!(message.starts_with(&format!("{name}:")), "{message}");
            }
            for x in accepted {
                let call = plugin().run(id, &data, &format!(r#"{{"{name}": {x}}}"#));
                assert_ne!(
                    call.status,
                    PodiumStatus::InvalidParams,
                    "{id}.{name} = {x}"
                );
            }
        }
    }
}

#[test]
fn descriptor_flags_and_descriptions() {
    use podium_pairwise::online::{Glicko2, TrueSkill, WengLin};
    use podium_plugin_api::abi::PODIUM_METHOD_USES_COMPARISONS;
    use podium_plugin_api::sdk::Method;
    for id in METHODS {
        assert_eq!(
            plugin().method(id).flags,
            PODIUM_METHOD_USES_COMPARISONS,
            "{id}"
        );
    }
    for description in [
        Glicko2::DESCRIPTION,
        WengLin::DESCRIPTION,
        TrueSkill::DESCRIPTION,
    ] {
        for needle in ["strength is ignored", "not a bootstrap", "timestamp order"] {
            assert!(description.contains(needle), "{needle}: {description}");
        }
    }
}

/// OpenSkill's published test vectors (openskill.py, MIT), opt-in: `PODIUM_SHARED_DATA`
/// points at the shared data folder.
///
/// The vectors hold no 1-vs-1 game: their two-team games are 1 player against 2. For two
/// teams, OpenSkill's BradleyTerryFull, BradleyTerryPart and PlackettLuce all reduce to the
/// same Weng–Lin update, which skillratings implements as `weng_lin_two_teams`; its 1-vs-1
/// `weng_lin` (what the method calls) is that update with teams of one. So the chain checked
/// here is: the vectors' two-team games = `weng_lin_two_teams` (with OpenSkill's tau added to
/// sigma beforehand and its kappa as the tolerance, as openskill.py does), and the method on
/// a 1-vs-1 game = `weng_lin_two_teams` on teams of one. The Thurstone–Mosteller vectors use
/// a Gaussian link that skillratings' Weng–Lin does not implement, so they are not used.
#[test]
fn openskill_test_vectors() {
    let Some(root) = std::env::var_os("PODIUM_SHARED_DATA") else {
        println!("note: PODIUM_SHARED_DATA is not set; OpenSkill test vectors skipped");
        return;
    };
    let dir = std::path::Path::new(&root).join("openskill_testvectors");
    // openskill.py's defaults, which the generator left in place (it set only mu and sigma).
    let (beta, kappa, tau) = (25.0 / 6.0, 0.0001, 25.0 / 300.0);
    let config = WengLinConfig {
        beta,
        uncertainty_tolerance: kappa,
    };
    let mut checked = 0;
    for model in ["bradleyterryfull", "bradleyterrypart", "plackettluce"] {
        let path = dir.join(format!("{model}.json"));
        let text =
            std::fs::read_to_string(&path).unwrap_or_else(|e| panic!("{}: {e}", path.display()));
        let vectors: Value = serde_json::from_str(&text).unwrap();
        let mu = vectors["model"]["mu"].as_f64().unwrap();
        let sigma = vectors["model"]["sigma"].as_f64().unwrap();
        let start = WengLinRating {
            rating: mu,
            uncertainty: sigma.hypot(tau),
        };
        // "normal": team 1 ranked first; "scores": team 2 scored higher.
        for (case, outcome) in [("normal", Outcomes::WIN), ("scores", Outcomes::LOSS)] {
            let want = &vectors[case];
            let (one, two) = weng_lin_two_teams(&[start], &[start, start], &outcome, &config);
            for (team, got) in [("team_1", one), ("team_2", two)] {
                let expected = want[team].as_array().unwrap();
                assert_eq!(expected.len(), got.len(), "{model} {case} {team}");
                for (e, g) in expected.iter().zip(&got) {
                    let (e_mu, e_sigma) = (e["mu"].as_f64().unwrap(), e["sigma"].as_f64().unwrap());
                    assert!(
                        (g.rating - e_mu).abs() <= 1e-12
                            && (g.uncertainty - e_sigma).abs() <= 1e-12,
                        "{model} {case} {team}: got {g:?}, want mu {e_mu} sigma {e_sigma}"
                    );
                    checked += 1;
                }
            }
        }
        // The method on 1-vs-1 games (win, draw) with the same constants, against the same
        // update on teams of one.
        let params = format!(
            r#"{{"initial_mu": {mu}, "initial_sigma": {}, "beta": {beta}, "uncertainty_tolerance": {kappa}}}"#,
            start.uncertainty
        );
        let data = Fixture::new(&["a", "b", "c"], 1)
            .compare("a", "b", WIN_A, 1.0)
            .compare("b", "c", TIE, 1.0);
        let call = plugin().run("weng_lin", &data, &params);
        let (a, b) = weng_lin_two_teams(&[start], &[start], &Outcomes::WIN, &config);
        let (b, c) = weng_lin_two_teams(&b, &[start], &Outcomes::DRAW, &config);
        let want: Vec<Option<MeanSigma>> = [a[0], b[0], c[0]]
            .iter()
            .map(|r| Some((r.rating, r.uncertainty)))
            .collect();
        assert_close(&reported(&call, "weng_lin", &data), &want, 1e-12);
    }
    assert_eq!(checked, 18);
}
