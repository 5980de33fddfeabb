//! `single-elimination`: a seeding round against an anchor, then a standard seeded bracket
//! (ArenaRL, arXiv 2601.06487).
//!
//! Rules (also emitted in the extra):
//! - **Seeding round**: every other playing model plays the anchor once (N−1 matches). Seed
//!   points: the result against the anchor (1 win, ½ tie, 0 loss). The anchor's own seed
//!   points are its mean match points over those N−1 matches (its win rate against the field,
//!   ties half; 0 when it played nobody), so it is seeded among the others on the same 0–1
//!   scale. Equal seed points: higher overall mean score first (the mean of the model's
//!   per-benchmark means; models without a score after those with one), then name.
//! - **Bracket**: the anchor takes part (`anchor_plays`, default true), so N models play
//!   N−1 bracket matches and the whole tournament uses 2N−2 matches; with `anchor_plays`
//!   false it only seeds (N−1 bracket players, N−2 bracket matches) and gets no score. Size
//!   P = the next power of two; round one pairs seed 1 with P, 2 with P−1, … in the standard
//!   bracket order (1–P, P/2–(P/2+1), …), so the missing seeds above N are byes of the top
//!   seeds. Byes are not matches. The winner advances; a tied match goes to the higher
//!   (numerically smaller) seed.
//! - **Ranking**: champion first, then the losers by the round they lost in (later = better),
//!   within a round by seed (better seed first). Score = B − rank (B bracket players, rank
//!   1-based): the champion B−1, the last 0.

use podium_plugin_api::abi::{PODIUM_METHOD_USES_COMPARISONS, PODIUM_METHOD_USES_MEASUREMENTS};
use podium_plugin_api::params::{boolean, optional_string, reject_unknown};
use podium_plugin_api::sdk::{Dataset, Host, Method, MethodError, Output, Params};
use serde_json::{Value, json};

use crate::matches::{Referee, Result3, source_param};

/// Seeded single elimination after a seeding round against an anchor.
pub struct SingleElimination;

/// Seed positions of a standard bracket of size `p` (a power of two), in bracket order:
/// adjacent entries meet in round one. `[1, 8, 4, 5, 2, 7, 3, 6]` for 8.
pub fn bracket_order(p: usize) -> Vec<usize> {
    let mut order = vec![1];
    while order.len() < p {
        let size = order.len() * 2;
        order = order.iter().flat_map(|&s| [s, size + 1 - s]).collect();
    }
    order
}

impl Method for SingleElimination {
    const ID: &'static str = "single-elimination";
    const DESCRIPTION: &'static str = "Seeded single elimination (ArenaRL): a seeding round in \
        which every other model plays the anchor (N-1 matches; seed points 1 win, 1/2 tie, 0 \
        loss; the anchor is seeded by its mean points over those matches; equal points: higher \
        overall mean score, then name), then a standard bracket of the next power of two (1 vs \
        P, 2 vs P-1, ...; byes to the top seeds) in which the anchor plays too (anchor_plays), \
        so 2N-2 matches in all. The winner advances, a tied match goes to the higher seed. \
        Rank: champion, then losers by the round they lost in (later first), within a round by \
        seed; score = bracket size - rank. A match is decided by the judge verdicts between the \
        two (data: \"comparisons\"; none between them: by scores, else tied) or by \
        per-benchmark mean scores (data: \"scores\"). Deterministic; the seed is ignored.";
    const PARAMS_SCHEMA: &'static str = concat!(
        r#"{
  "$schema": "https://json-schema.org/draft/2020-12/schema",
  "title": "single-elimination",
  "type": "object",
  "properties": {
    "anchor": {"description": "The model every other model plays in the seeding round.", "type": "string", "minLength": 1},
    "anchor_plays": {"description": "Whether the anchor also plays in the bracket (seeded by its mean points in the seeding round); false: it only seeds the others and gets no score.", "type": "boolean", "default": true},
    "#,
        crate::matches::data_schema!(),
        r#"
  },
  "required": ["anchor"],
  "additionalProperties": false
}"#
    );
    const FLAGS: u32 = PODIUM_METHOD_USES_MEASUREMENTS | PODIUM_METHOD_USES_COMPARISONS;

    fn run(
        host: &Host<'_>,
        data: &Dataset<'_>,
        params: &Params,
        _seed: u64,
        out: &mut Output<'_>,
    ) -> Result<(), MethodError> {
        reject_unknown(params, &["anchor", "anchor_plays", "data"])?;
        let anchor_name = optional_string(params, "anchor")?.ok_or_else(|| {
            MethodError::invalid_params("anchor", "required: the model of the seeding round")
        })?;
        let n = data.model_count();
        let anchor = (0..n)
            .find(|&m| data.model_name(m) == anchor_name)
            .ok_or_else(|| {
                MethodError::invalid_params(
                    "anchor",
                    format!("no model {anchor_name:?} in the selection"),
                )
            })?;
        let anchor_plays = boolean(params, "anchor_plays", true)?;
        let source = source_param(params, data)?;
        let referee = Referee::build(host, data, source)?;
        host.check_cancelled()?;
        if !referee.plays(anchor) {
            return Err(MethodError::invalid_data(format!(
                "the anchor {anchor_name:?} has no data to play a match ({} rule)",
                source.name()
            )));
        }
        let players: Vec<usize> = (0..n).filter(|&m| referee.plays(m)).collect();

        // Seeding round.
        let mut seed_points = vec![0.0; n];
        let mut seeding = Vec::new();
        let mut anchor_total = 0.0;
        for &m in players.iter().filter(|&&m| m != anchor) {
            let d = referee.decide(m, anchor);
            seed_points[m] = d.result.points();
            anchor_total += d.result.flipped().points();
            seeding.push(json!({
                "model": data.model_name(m),
                "result": d.result.name(),
                "decided_by": d.basis.name(),
                "points": [d.points.0, d.points.1],
            }));
        }
        let seeding_matches = players.len() - 1;
        seed_points[anchor] = if seeding_matches == 0 {
            0.0
        } else {
            anchor_total / seeding_matches as f64
        };

        // Seeds.
        let mut bracket_players: Vec<usize> = players
            .iter()
            .copied()
            .filter(|&m| anchor_plays || m != anchor)
            .collect();
        if bracket_players.is_empty() {
            return Err(MethodError::invalid_data(
                "no model besides the anchor has data to play (anchor_plays is false)",
            ));
        }
        let means: Vec<Option<f64>> = (0..n).map(|m| referee.overall_mean(m)).collect();
        bracket_players.sort_by(|&a, &b| {
            seed_points[b]
                .total_cmp(&seed_points[a])
                .then_with(|| match (means[a], means[b]) {
                    (Some(x), Some(y)) => y.total_cmp(&x),
                    (Some(_), None) => std::cmp::Ordering::Less,
                    (None, Some(_)) => std::cmp::Ordering::Greater,
                    (None, None) => std::cmp::Ordering::Equal,
                })
                .then_with(|| data.model_name(a).cmp(data.model_name(b)))
        });
        let count = bracket_players.len();
        // seed_of[m]: 1-based seed.
        let mut seed_of = vec![0usize; n];
        for (i, &m) in bracket_players.iter().enumerate() {
            seed_of[m] = i + 1;
        }
        let seeds: Vec<Value> = bracket_players
            .iter()
            .map(|&m| {
                json!({
                    "seed": seed_of[m],
                    "model": data.model_name(m),
                    "seed_points": seed_points[m],
                    "mean": means[m],
                    "anchor": m == anchor,
                })
            })
            .collect();

        // Bracket.
        let size = count.next_power_of_two();
        let mut slots: Vec<Option<usize>> = bracket_order(size)
            .into_iter()
            .map(|s| (s <= count).then(|| bracket_players[s - 1]))
            .collect();
        let mut lost_in = vec![0usize; n];
        let mut rounds = Vec::new();
        let mut bracket_matches = 0usize;
        let mut round = 0usize;
        while slots.len() > 1 {
            host.check_cancelled()?;
            round += 1;
            let mut next = Vec::with_capacity(slots.len() / 2);
            let mut matches = Vec::new();
            let mut byes = Vec::new();
            for pair in slots.chunks(2) {
                match (pair[0], pair[1]) {
                    (Some(a), Some(b)) => {
                        // The higher seed first.
                        let (high, low) = if seed_of[a] < seed_of[b] {
                            (a, b)
                        } else {
                            (b, a)
                        };
                        let d = referee.decide(high, low);
                        let (winner, loser) = match d.result {
                            Result3::Win | Result3::Tie => (high, low),
                            Result3::Loss => (low, high),
                        };
                        bracket_matches += 1;
                        lost_in[loser] = round;
                        matches.push(json!({
                            "seeds": [seed_of[high], seed_of[low]],
                            "models": [data.model_name(high), data.model_name(low)],
                            "winner": data.model_name(winner),
                            "result": d.result.name(),
                            "decided_by": d.basis.name(),
                            "points": [d.points.0, d.points.1],
                            "tie_to_higher_seed": d.result == Result3::Tie,
                        }));
                        next.push(Some(winner));
                    }
                    (Some(a), None) | (None, Some(a)) => {
                        byes.push(json!({"seed": seed_of[a], "model": data.model_name(a)}));
                        next.push(Some(a));
                    }
                    (None, None) => next.push(None),
                }
            }
            rounds.push(json!({"round": round, "matches": matches, "byes": byes}));
            slots = next;
        }
        let champion =
            slots[0].ok_or_else(|| MethodError::internal("the bracket has no winner"))?;

        // Ranking.
        let mut ranking: Vec<usize> = bracket_players
            .iter()
            .copied()
            .filter(|&m| m != champion)
            .collect();
        ranking.sort_by(|&a, &b| {
            lost_in[b]
                .cmp(&lost_in[a])
                .then(seed_of[a].cmp(&seed_of[b]))
        });
        ranking.insert(0, champion);
        let mut table = Vec::with_capacity(count);
        for (i, &m) in ranking.iter().enumerate() {
            let score = (count - (i + 1)) as f64;
            out.set_score(m, score);
            table.push(json!({
                "rank": i + 1,
                "model": data.model_name(m),
                "seed": seed_of[m],
                "lost_in_round": (m != champion).then_some(lost_in[m]),
                "score": score,
            }));
        }
        let unscored: Vec<&str> = (0..n)
            .filter(|&m| !referee.plays(m) || (!anchor_plays && m == anchor))
            .map(|m| data.model_name(m))
            .collect();
        host.emit_extra(
            "single_elimination",
            &json!({
                "data": source.name(),
                "anchor": anchor_name,
                "anchor_plays": anchor_plays,
                "players": players.len(),
                "seeding": seeding,
                "seeds": seeds,
                "bracket_size": size,
                "bracket": rounds,
                "champion": data.model_name(champion),
                "ranking": table,
                "comparisons": {
                    "seeding": seeding_matches,
                    "bracket": bracket_matches,
                    "total": seeding_matches + bracket_matches,
                    "byes_excluded": true,
                },
                "unscored": unscored,
                "rules": {
                    "seeding": "every other model plays the anchor once; seed points 1 win, 1/2 tie, 0 loss",
                    "anchor_seed": "the anchor's seed points are its mean match points over the seeding round (its win rate against the field, ties half)",
                    "seed_ties": "equal seed points: higher overall mean score (mean of per-benchmark means; none last), then name",
                    "bracket": "size P = next power of two; standard order 1 vs P, 2 vs P-1, ...; missing seeds are byes for the top seeds; byes are not comparisons",
                    "anchor_in_bracket": if anchor_plays { "the anchor plays in the bracket: 2N-2 matches in all" } else { "the anchor only seeds (no score): 2N-3 matches in all" },
                    "advance": "the winner advances; a tied match goes to the higher seed",
                    "ranking": "champion, then losers by the round they lost in (later first), within a round by seed",
                    "score": "bracket players - rank (champion B-1, last 0)",
                    "match": referee.rule(),
                },
            }),
        );
        host.progress(1.0);
        Ok(())
    }
}
