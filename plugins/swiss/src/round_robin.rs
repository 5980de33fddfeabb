//! `round-robin`: every pair of playing models meets once (ArenaRL, arXiv 2601.06487).

use podium_plugin_api::abi::{PODIUM_METHOD_USES_COMPARISONS, PODIUM_METHOD_USES_MEASUREMENTS};
use podium_plugin_api::params::reject_unknown;
use podium_plugin_api::sdk::{Dataset, Host, Method, MethodError, Output, Params};
use serde_json::{Map, json};

use crate::matches::{Basis, Referee, Result3, source_param};

/// Cancellation is polled every this many matches.
const CHECK_EVERY: usize = 4096;

/// Round robin: N(N−1)/2 matches, score = match points.
pub struct RoundRobin;

impl Method for RoundRobin {
    const ID: &'static str = "round-robin";
    const DESCRIPTION: &'static str = "Round robin (ArenaRL): every pair of models plays one \
        match, N(N-1)/2 matches in all; a model's score is its match points (1 per win, 1/2 per \
        tie, 0 per loss). A match is decided by the judge verdicts between the two models \
        (data: \"comparisons\", weight-summed wins, ties half; no verdict between them: by \
        scores, else tied) or by per-benchmark mean scores (data: \"scores\", the model winning \
        more shared benchmarks wins; equal: tied). Models without usable data get no score and \
        are listed in the extra. Deterministic; the seed is ignored.";
    const PARAMS_SCHEMA: &'static str = concat!(
        r#"{
  "$schema": "https://json-schema.org/draft/2020-12/schema",
  "title": "round-robin",
  "type": "object",
  "properties": {
    "#,
        crate::matches::data_schema!(),
        r#"
  },
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
        reject_unknown(params, &["data"])?;
        let source = source_param(params, data)?;
        let referee = Referee::build(host, data, source)?;
        let n = data.model_count();
        let players: Vec<usize> = (0..n).filter(|&m| referee.plays(m)).collect();
        if players.is_empty() {
            return Err(MethodError::invalid_data(format!(
                "no model has data to play a match ({} rule)",
                source.name()
            )));
        }
        // wins, ties, losses per model.
        let mut record = vec![[0u64; 3]; n];
        let mut bases = [0u64; 3];
        let total = players.len() * (players.len() - 1) / 2;
        let mut played = 0usize;
        for (x, &a) in players.iter().enumerate() {
            for &b in &players[x + 1..] {
                if played.is_multiple_of(CHECK_EVERY) {
                    host.check_cancelled()?;
                    host.progress(played as f64 / total.max(1) as f64);
                }
                played += 1;
                let decision = referee.decide(a, b);
                bases[match decision.basis {
                    Basis::Comparisons => 0,
                    Basis::Scores => 1,
                    Basis::NoData => 2,
                }] += 1;
                let slot = |r: Result3| match r {
                    Result3::Win => 0,
                    Result3::Tie => 1,
                    Result3::Loss => 2,
                };
                record[a][slot(decision.result)] += 1;
                record[b][slot(decision.result.flipped())] += 1;
            }
        }
        let mut models = Map::new();
        for &m in &players {
            let [w, t, l] = record[m];
            let points = w as f64 + 0.5 * t as f64;
            out.set_score(m, points);
            models.insert(
                data.model_name(m).to_owned(),
                json!({"wins": w, "ties": t, "losses": l, "points": points}),
            );
        }
        let unscored: Vec<&str> = (0..n)
            .filter(|&m| !referee.plays(m))
            .map(|m| data.model_name(m))
            .collect();
        host.emit_extra(
            "round_robin",
            &json!({
                "data": source.name(),
                "players": players.len(),
                "matches": played,
                "decided_by": {
                    "comparisons": bases[0],
                    "scores": bases[1],
                    "no_data_tie": bases[2],
                },
                "models": models,
                "unscored": unscored,
                "rule": "every pair of playing models meets once (N(N-1)/2 matches); score = match points: 1 per win, 1/2 per tie, 0 per loss",
                "match_rule": referee.rule(),
            }),
        );
        host.progress(1.0);
        Ok(())
    }
}
