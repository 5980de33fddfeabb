//! Every method through the raw C entry on small profiles whose margins, points and orders
//! were computed by hand (the arithmetic is in the comments).

#![allow(unsafe_code)]

mod common;

use common::*;
use podium_plugin_api::abi::*;
use podium_plugin_api::sdk::str_of;
use serde_json::json;

const ALL: [&str; 8] = [
    "plurality",
    "borda",
    "copeland",
    "minimax",
    "schulze",
    "ranked_pairs",
    "split_cycle",
    "kemeny",
];

#[track_caller]
fn order(f: &Fixture, method: &str, params: &str) -> Vec<String> {
    f.run(method, params).names(f)
}

#[test]
fn descriptor_lists_the_methods() {
    let d = plugin().descriptor();
    assert_eq!(unsafe { str_of(d.name) }, "social-choice");
    let ids: Vec<&str> = plugin()
        .methods()
        .iter()
        .map(|m| unsafe { str_of(m.id) })
        .collect();
    let mut expected = ALL.to_vec();
    expected.extend(["maximal_lotteries", "sco", "multiwinner"]);
    assert_eq!(ids, expected);
    for m in plugin().methods() {
        // Only `sco` (minibatches) uses the seed.
        let seeded = if unsafe { str_of(m.id) } == "sco" {
            PODIUM_METHOD_SEEDED
        } else {
            0
        };
        assert_eq!(
            m.flags,
            PODIUM_METHOD_USES_MEASUREMENTS
                | PODIUM_METHOD_USES_COMPARISONS
                | PODIUM_METHOD_OUTPUTS_ORDER
                | seeded
        );
        let schema: serde_json::Value =
            serde_json::from_str(unsafe { str_of(m.params_schema) }).expect("schema is JSON");
        assert_eq!(schema["additionalProperties"], json!(false));
        assert_eq!(
            schema["$schema"],
            json!("https://json-schema.org/draft/2020-12/schema")
        );
        assert_eq!(schema["properties"]["voters"]["default"], json!("samples"));
        assert!(!unsafe { str_of(m.description) }.is_empty());
    }
    let copeland = plugin().method("copeland");
    let schema: serde_json::Value =
        serde_json::from_str(unsafe { str_of(copeland.params_schema) }).unwrap();
    assert_eq!(schema["properties"]["copeland_tie"]["default"], json!(0.5));
    let kemeny = plugin().method("kemeny");
    let schema: serde_json::Value =
        serde_json::from_str(unsafe { str_of(kemeny.params_schema) }).unwrap();
    assert_eq!(schema["properties"]["exact_up_to"]["default"], json!(20));
    assert_eq!(schema["properties"]["exact_up_to"]["maximum"], json!(22));
}

/// A Condorcet cycle (rock-paper-scissors with weights): 4 × C≻B≻A, 3 × B≻A≻C, 2 × A≻C≻B.
///
/// Margins: C vs B: C above B in 4 + 2 = 6 ballots, below in 3 → M[C][B] = 3.
/// B vs A: above in 4 + 3 = 7, below in 2 → M[B][A] = 5.
/// A vs C: above in 3 + 2 = 5, below in 4 → M[A][C] = 1.  Cycle C→B (3), B→A (5), A→C (1).
fn cycle() -> Fixture {
    Fixture::new(&["A", "B", "C"], 0)
        .ballots(4, &["C", "B", "A"])
        .ballots(3, &["B", "A", "C"])
        .ballots(2, &["A", "C", "B"])
}

#[test]
fn condorcet_cycle() {
    let f = cycle();
    // Margins (rows/cols A, B, C) and no Condorcet winner.
    let d = f.run("schulze", "{}").diag();
    assert_eq!(
        d["margins"],
        json!([[0.0, -5.0, 1.0], [5.0, 0.0, -3.0], [-1.0, 3.0, 0.0]])
    );
    assert_eq!(d["condorcet_winner"], json!(null));
    assert_eq!(d["candidates"], json!(["A", "B", "C"]));
    assert_eq!(d["ballots"], json!(9));
    assert_eq!(d["voters"], json!("samples"));

    // Copeland: each candidate 1 win, 1 loss, 0 ties → all 1; ties by name: A, B, C.
    let c = f.run("copeland", "{}");
    assert_eq!(c.all_scores(), [1.0, 1.0, 1.0]);
    assert_eq!(c.names(&f), ["A", "B", "C"]);

    // Minimax: A's worst defeat is B's 5, B's is C's 3, C's is A's 1 → −5, −3, −1.
    let c = f.run("minimax", "{}");
    assert_eq!(c.all_scores(), [-5.0, -3.0, -1.0]);
    assert_eq!(c.names(&f), ["C", "B", "A"]);

    // Schulze: p[C][B] = 3, p[B][C] = min(5, 1) = 1 → C ≻ B; p[B][A] = 5, p[A][B] =
    // min(1, 3) = 1 → B ≻ A; p[C][A] = min(3, 5) = 3, p[A][C] = 1 → C ≻ A. Beaten: C 2, B 1, A 0.
    let c = f.run("schulze", "{}");
    assert_eq!(c.all_scores(), [0.0, 1.0, 2.0]);
    assert_eq!(c.names(&f), ["C", "B", "A"]);

    // Ranked Pairs: lock B→A (5), C→B (3); A→C (1) would close the cycle. Order C, B, A.
    let c = f.run("ranked_pairs", "{}");
    assert_eq!(c.names(&f), ["C", "B", "A"]);
    assert_eq!(c.all_scores(), [1.0, 2.0, 3.0]);

    // Split Cycle: C defeats B (3 > path B→A→C = min(5, 1) = 1); B defeats A (5 > path
    // A→C→B = min(1, 3) = 1); A does not defeat C (1 ≤ path C→B→A = min(3, 5) = 3).
    // Undefeated: C; then among {A, B}: B. Tiers [C], [B], [A].
    let c = f.run("split_cycle", "{}");
    assert_eq!(c.names(&f), ["C", "B", "A"]);
    assert_eq!(c.diag()["tiers"], json!([["C"], ["B"], ["A"]]));

    // Kemeny: agreement(C,B,A) = M[C][B] + M[C][A] + M[B][A] = 3 − 1 + 5 = 7, the best of the
    // six orders (B,A,C: 5 + 1 − 3 = 3; A,C,B: 1 − 5 + 3 = −1; …).
    let c = f.run("kemeny", "{}");
    assert_eq!(c.names(&f), ["C", "B", "A"]);
    let d = c.diag();
    assert_eq!(d["agreement"], json!(7.0));
    assert_eq!(d["exact"], json!(true));
    assert_eq!(d["approximate"], json!(false));

    // Borda: C = 4·2 + 0 + 2·1 = 10, B = 4·1 + 3·2 + 0 = 10, A = 0 + 3·1 + 2·2 = 7: B before C
    // by name.
    let c = f.run("borda", "{}");
    assert_eq!(c.all_scores(), [7.0, 10.0, 10.0]);
    assert_eq!(c.names(&f), ["B", "C", "A"]);

    // Plurality: C 4, B 3, A 2.
    let c = f.run("plurality", "{}");
    assert_eq!(c.all_scores(), [2.0, 3.0, 4.0]);
    assert_eq!(c.names(&f), ["C", "B", "A"]);
}

/// All margins 1 around the cycle (1 × A≻B≻C, 1 × B≻C≻A, 1 × C≻A≻B): only the tie-breaks
/// decide.
#[test]
fn symmetric_cycle_falls_to_the_tie_breaks() {
    let f = Fixture::new(&["A", "B", "C"], 0)
        .ballots(1, &["A", "B", "C"])
        .ballots(1, &["B", "C", "A"])
        .ballots(1, &["C", "A", "B"]);
    // Split Cycle: a→b margin 1 is never > the path back (1): nobody is defeated, one tier.
    let c = f.run("split_cycle", "{}");
    assert_eq!(c.diag()["tiers"], json!([["A", "B", "C"]]));
    // Ranked Pairs: equal margins go by (winner, loser): (A,B), (B,C) locked, (C,A) skipped.
    assert_eq!(order(&f, "ranked_pairs", "{}"), ["A", "B", "C"]);
    // Kemeny: A,B,C / B,C,A / C,A,B all have agreement 1 + 1 − 1 = 1: the first by name.
    assert_eq!(order(&f, "kemeny", "{}"), ["A", "B", "C"]);
    for m in ALL {
        assert_eq!(order(&f, m, "{}"), ["A", "B", "C"], "{m}");
    }
}

/// 3 × A≻B≻C, 2 × B≻C≻A: A is the Condorcet winner, B the Borda winner.
#[test]
fn borda_and_condorcet_winners_differ() {
    let f = Fixture::new(&["A", "B", "C"], 0)
        .ballots(3, &["A", "B", "C"])
        .ballots(2, &["B", "C", "A"]);
    // M[A][B] = 3 − 2 = 1, M[A][C] = 3 − 2 = 1, M[B][C] = 5.
    // Borda: A = 3·2 + 2·0 = 6, B = 3·1 + 2·2 = 7, C = 0 + 2·1 = 2.
    let c = f.run("borda", "{}");
    assert_eq!(c.all_scores(), [6.0, 7.0, 2.0]);
    assert_eq!(c.names(&f), ["B", "A", "C"]);
    assert_eq!(c.diag()["condorcet_winner"], json!("A"));
    // Copeland: A 2 wins, B 1, C 0. Minimax: A 0, B −1, C −5.
    assert_eq!(f.run("copeland", "{}").all_scores(), [2.0, 1.0, 0.0]);
    assert_eq!(f.run("minimax", "{}").all_scores(), [0.0, -1.0, -5.0]);
    for m in [
        "copeland",
        "minimax",
        "schulze",
        "ranked_pairs",
        "split_cycle",
        "kemeny",
    ] {
        assert_eq!(order(&f, m, "{}"), ["A", "B", "C"], "{m}");
    }
    // Plurality: A 3, B 2, C 0.
    assert_eq!(f.run("plurality", "{}").all_scores(), [3.0, 2.0, 0.0]);
}

/// Partial ballots and ties; D has no data.
///
/// s0: A = 1, B = 1, C = 0 (A and B tie on top); s1: B = 0.5, C = 0.7 (A unranked);
/// s2: A = 0.2 alone.
#[test]
fn partial_ballots_and_ties() {
    let f = Fixture::new(&["A", "B", "C", "D"], 0)
        .ballot(&[("A", 1.0), ("B", 1.0), ("C", 0.0)])
        .ballot(&[("B", 0.5), ("C", 0.7)])
        .ballot(&[("A", 0.2)]);
    // Plurality: s0 splits 1 over A, B (0.5 each); s1: C 1; s2: A 1 → A 1.5, B 0.5, C 1.
    let c = f.run("plurality", "{}");
    assert_eq!(c.scores(), [Some(1.5), Some(0.5), Some(1.0), None]);
    assert_eq!(c.names(&f), ["A", "C", "B"]);
    // Borda: s0: A beats C + half a tie with B = 1.5, B 1.5, C 0; s1: C 1, B 0; s2: A 0
    // (nobody else ranked) → A 1.5, B 1.5, C 1; D unranked.
    let c = f.run("borda", "{}");
    assert_eq!(c.scores(), [Some(1.5), Some(1.5), Some(1.0), None]);
    assert_eq!(c.names(&f), ["A", "B", "C"]);
    // Margins: A–B tie on s0 → 0; A–C: s0 → M[A][C] = 1; B–C: s0 +1, s1 −1 → 0.
    let d = c.diag();
    assert_eq!(
        d["margins"],
        json!([[0.0, 0.0, 1.0], [0.0, 0.0, 0.0], [-1.0, 0.0, 0.0]])
    );
    assert_eq!(d["candidates"], json!(["A", "B", "C"]));
    assert_eq!(d["condorcet_winner"], json!(null));
    assert_eq!(d["ballots"], json!(3));
    // Copeland 0.5: A 1 win + 1 tie = 1.5, B 2 ties = 1, C 1 tie = 0.5.
    let c = f.run("copeland", "{}");
    assert_eq!(c.scores(), [Some(1.5), Some(1.0), Some(0.5), None]);
    // copeland_tie 0: A 1, B 0, C 0 (B before C by name); 1: A 2, B 2, C 1.
    let c = f.run("copeland", r#"{"copeland_tie": 0}"#);
    assert_eq!(c.scores(), [Some(1.0), Some(0.0), Some(0.0), None]);
    let c = f.run("copeland", r#"{"copeland_tie": 1}"#);
    assert_eq!(c.scores(), [Some(2.0), Some(2.0), Some(1.0), None]);
    assert_eq!(c.diag()["copeland_tie"], json!(1.0));
    // Minimax: A 0, B 0, C −1.
    let c = f.run("minimax", "{}");
    assert_eq!(c.scores(), [Some(0.0), Some(0.0), Some(-1.0), None]);
    for m in ALL {
        let c = f.run(m, "{}");
        assert_eq!(c.order.len(), 3, "{m}: D is not ranked");
        assert_eq!(c.scores()[3], None, "{m}: D has no score");
    }
    // Ranked Pairs: only A→C is locked; sources A, B → A, then B (first by name), then C.
    assert_eq!(order(&f, "ranked_pairs", "{}"), ["A", "B", "C"]);
    // Split Cycle: A defeats C (1 > no path back); tiers [A, B], [C].
    let c = f.run("split_cycle", "{}");
    assert_eq!(c.diag()["tiers"], json!([["A", "B"], ["C"]]));
}

/// Two benchmarks: bench (s0, s1) and other (s2).
///
/// | sample | bench | A | B   | C   |
/// |--------|-------|---|-----|-----|
/// | s0     | 0     | 1 | 0.4 | 0.9 |
/// | s1     | 0     | 0 |     | 0.9 |
/// | s2     | 1     | 0.3 | 0.8 |   |
fn two_benchmarks() -> Fixture {
    Fixture::new(&["A", "B", "C"], 2)
        .benchmark("other", 1)
        .measure("A", 0, 1.0)
        .measure("B", 0, 0.4)
        .measure("C", 0, 0.9)
        .measure("A", 1, 0.0)
        .measure("C", 1, 0.9)
        .measure("A", 2, 0.3)
        .measure("B", 2, 0.8)
}

#[test]
fn voters_benchmarks_rank_by_mean() {
    let f = two_benchmarks();
    // Means: bench: A 0.5, B 0.4, C 0.9 → C ≻ A ≻ B; other: B 0.8 ≻ A 0.3.
    // Margins: C–A +1, C–B +1, A–B: +1 − 1 = 0. Borda: C 2, A 1 + 0 = 1, B 0 + 1 = 1.
    let c = f.run("borda", r#"{"voters": "benchmarks"}"#);
    assert_eq!(c.all_scores(), [1.0, 1.0, 2.0]);
    assert_eq!(c.names(&f), ["C", "A", "B"]);
    let d = c.diag();
    assert_eq!(d["voters"], json!("benchmarks"));
    assert_eq!(d["ballots"], json!(2));
    assert_eq!(
        d["margins"],
        json!([[0.0, 0.0, -1.0], [0.0, 0.0, -1.0], [1.0, 1.0, 0.0]])
    );
    assert_eq!(d["condorcet_winner"], json!("C"));
    // Samples instead: s0: A ≻ C ≻ B; s1: C ≻ A; s2: B ≻ A. Margins A–C 0, A–B 0, C–B +1.
    // Borda: A 2 + 0 + 0 = 2, C 1 + 1 = 2, B 0 + 1 = 1.
    let c = f.run("borda", r#"{"voters": "samples"}"#);
    assert_eq!(c.all_scores(), [2.0, 1.0, 2.0]);
    assert_eq!(c.names(&f), ["A", "C", "B"]);
    assert_eq!(c.diag()["ballots"], json!(3));
    assert_eq!(c.diag()["condorcet_winner"], json!(null));
    for m in [
        "copeland",
        "minimax",
        "schulze",
        "ranked_pairs",
        "split_cycle",
        "kemeny",
    ] {
        assert_eq!(
            order(&f, m, r#"{"voters": "benchmarks"}"#)[0],
            "C",
            "{m}: the Condorcet winner first"
        );
    }
}

/// Verdicts only: A beats B (weight 2), C beats B (a = B, model_b, 1.5), A ties C (1),
/// A–B both_bad (0.5), C against itself (skipped).
#[test]
fn comparisons_are_two_candidate_ballots() {
    let f = Fixture::new(&["A", "B", "C"], 1)
        .compare("A", "B", WIN_A, 2.0)
        .compare("B", "C", WIN_B, 1.5)
        .compare("A", "C", TIE, 1.0)
        .compare("A", "B", BOTH_BAD, 0.5)
        .compare("C", "C", WIN_A, 1.0);
    // Margins: M[A][B] = 2, M[C][B] = 1.5, A–C 0 (a tie adds nothing).
    // Plurality: A 2 + 0.5 (half the tie) + 0.25 (half both_bad) = 2.75, B 0.25,
    // C 1.5 + 0.5 = 2. Borda is the same on two-candidate ballots.
    for m in ["plurality", "borda"] {
        let c = f.run(m, "{}");
        assert_eq!(c.all_scores(), [2.75, 0.25, 2.0], "{m}");
        assert_eq!(c.names(&f), ["A", "C", "B"], "{m}");
    }
    let c = f.run("copeland", "{}");
    // A: beats B, ties C → 1.5; C: beats B, ties A → 1.5; B: 0.
    assert_eq!(c.all_scores(), [1.5, 0.0, 1.5]);
    let d = c.diag();
    assert_eq!(
        d["margins"],
        json!([[0.0, 2.0, 0.0], [-2.0, 0.0, -1.5], [0.0, 1.5, 0.0]])
    );
    assert_eq!(d["comparison_ballots"], json!(4));
    assert_eq!(d["ballots"], json!(0));
    // Minimax: A 0, B −2, C 0.
    assert_eq!(f.run("minimax", "{}").all_scores(), [0.0, -2.0, 0.0]);
    for m in ALL {
        assert_eq!(order(&f, m, "{}"), ["A", "C", "B"], "{m}");
    }
}

#[test]
fn measurements_and_verdicts_add_up() {
    // s0: B ≻ A; verdict A beats B with weight 3 → M[A][B] = 3 − 1 = 2.
    let f = Fixture::new(&["A", "B"], 0)
        .ballot(&[("A", 0.0), ("B", 1.0)])
        .compare("A", "B", WIN_A, 3.0);
    let d = f.run("copeland", "{}").diag();
    assert_eq!(d["margins"], json!([[0.0, 2.0], [-2.0, 0.0]]));
    assert_eq!(d["condorcet_winner"], json!("A"));
    assert_eq!(order(&f, "kemeny", "{}"), ["A", "B"]);
    // Borda: A 3, B 1.
    assert_eq!(f.run("borda", "{}").all_scores(), [3.0, 1.0]);
}

#[test]
fn a_later_row_replaces_an_earlier_one_on_the_same_sample() {
    // A's second row on s0 (0.1) counts: B ≻ A.
    let f = Fixture::new(&["A", "B"], 1)
        .measure("A", 0, 0.9)
        .measure("B", 0, 0.5)
        .measure("A", 0, 0.1);
    assert_eq!(order(&f, "borda", "{}"), ["B", "A"]);
    assert_eq!(f.run("borda", "{}").diag()["ballots"], json!(1));
}

#[test]
fn invalid_params_name_the_field() {
    let f = cycle();
    for (m, params, field) in [
        ("borda", r#"{"voters": "judges"}"#, "voters"),
        ("borda", r#"{"copeland_tie": 0.5}"#, "copeland_tie"),
        ("copeland", r#"{"copeland_tie": 2}"#, "copeland_tie"),
        ("kemeny", r#"{"exact_up_to": 23}"#, "exact_up_to"),
        ("schulze", r#"{"exact_up_to": 3}"#, "exact_up_to"),
        ("minimax", r#"{"x": 1}"#, "x"),
    ] {
        let (status, message) = f.run(m, params).error();
        assert_eq!(status, PodiumStatus::InvalidParams, "{m} {params}");
        assert!(message.starts_with(&format!("{field}:")), "{message}");
    }
}

#[test]
fn invalid_data_is_refused() {
    let empty = Fixture::new(&["A", "B"], 1);
    for m in ALL {
        assert_eq!(
            empty.run(m, "{}").error().0,
            PodiumStatus::InvalidData,
            "{m}"
        );
    }
    let nan = Fixture::new(&["A", "B"], 1).measure("A", 0, f64::NAN);
    let (status, message) = nan.run("borda", "{}").error();
    assert_eq!(status, PodiumStatus::InvalidData);
    assert!(message.contains("measurement 0"), "{message}");
    let mut bad = Fixture::new(&["A", "B"], 1).measure("A", 0, 1.0);
    bad.m_samples[0] = 7;
    assert_eq!(bad.run("borda", "{}").error().0, PodiumStatus::InvalidData);
    let code = Fixture::new(&["A", "B"], 1).compare("A", "B", 9, 1.0);
    assert_eq!(code.run("borda", "{}").error().0, PodiumStatus::InvalidData);
    let weight = Fixture::new(&["A", "B"], 1).compare("A", "B", WIN_A, 0.0);
    assert_eq!(
        weight.run("borda", "{}").error().0,
        PodiumStatus::InvalidData
    );
}

#[test]
fn progress_ends_at_one() {
    for m in ALL {
        let c = cycle().run(m, "{}");
        assert_eq!(c.seen.progress.last(), Some(&1.0), "{m}");
        assert!(c.seen.progress.iter().all(|p| (0.0..=1.0).contains(p)));
    }
}
