//! `anchor_selection`: which model makes the best anchor ("Mediocrity is the key for LLM as a
//! Judge Anchor Selection", Don-Yehiya et al.).
//!
//! For every candidate anchor X (every model with comparisons):
//! - **Informativeness I(X).** On each prompt, the verdicts of model i against X are numbered
//!   g = 1, 2, … in chronological order (timestamp, then row order; rows without a timestamp
//!   first), each read from i's side whatever position X held. For every pair (i, j) of
//!   models other than X, game g of i-vs-X is compared with game g of j-vs-X on every prompt
//!   both have games on (games beyond the shorter list are not compared): a *disagreement*
//!   when the two verdicts differ. Pair value = disagreements / compared games; I(X) = the
//!   mean of the pair values over pairs with ≥ 1 compared game, in percent. `levels` 5
//!   compares the 5-level verdicts (the paper's code with `simplefy=False`; tie and both_bad
//!   are one level), 3 compares win / tie / loss. An anchor that beats (or loses to) everyone
//!   gets the same verdict from every model and tells them apart on no prompt: low I.
//! - **Screening** (`screen_prompts` = k): only the first k prompts, by sample index, that X
//!   has data on — the paper's cheap estimate of I.
//! - **Quality** (when all-pairs data exist): Kendall τ-b between the ranking by win rate
//!   against X (strong_weight 1, ties half, comparison weights, all of X's prompts) and the
//!   all-pairs Bradley–Terry ranking, over the other models that have both. The all-pairs
//!   fit is [`crate::bt`] on every comparison, restricted to the largest strongly connected
//!   component of the "beaten by" graph (where the MLE is finite). Null when no comparison
//!   between two models other than X exists or fewer than 2 models have both.
//! - **Recommendation.** Candidates are ranked (the *pool rank*, 1 = best) by their all-pairs
//!   BT rating when every candidate has one, otherwise by their mean win rate over all their
//!   comparisons (ties half, weighted). The top q and bottom q are excluded,
//!   q = min(⌊(N + 2)/4⌋, ⌊(N − 1)/2⌋) for N candidates (a quarter, rounded half up, leaving at
//!   least one); among the rest, the highest I(X) is recommended, ties broken by name.
//!
//! Score of each candidate = I(X) in percent (no score when no pair could be compared).

use podium_numerics::graph::component_ids;
use podium_plugin_api::abi::{PODIUM_METHOD_USES_COMPARISONS, PODIUM_NO_TIMESTAMP};
use podium_plugin_api::sdk::{Dataset, Host, Method, MethodError, Output, Params};
use podium_synth::kendall_tau_b;
use serde_json::{Map, Value, json};

use crate::anchor_bt::{pair_units, rated_set};
use crate::bt::{self, PairTable};
use crate::data::{self, CHECK_EVERY, Verdict};
use crate::params::SelectionParams;

/// The `anchor_selection` method (see the module documentation).
pub struct AnchorSelection;

/// The largest number of models with comparisons: per candidate the pair tallies are a dense
/// square over its opponents.
pub const MAX_MODELS: usize = 4096;

/// What one candidate's informativeness pass found.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct Informativeness {
    /// I(X) in percent; `None` when no pair had a compared game.
    pub value: Option<f64>,
    /// Pairs with at least one compared game.
    pub pairs: u64,
    /// Games compared, over all pairs.
    pub compared_games: u64,
    /// Prompts used (after screening).
    pub prompts: usize,
}

/// I(X) for candidate `x` from its verdicts `rows` (indices into `verdicts`).
fn informativeness(
    host: &Host<'_>,
    data: &Dataset<'_>,
    verdicts: &[Verdict],
    rows: &[usize],
    x: usize,
    params: &SelectionParams,
    local: &mut [usize],
) -> Result<Informativeness, MethodError> {
    let times = data.comparisons.timestamps_ms;
    // (prompt, opponent, timestamp, row, verdict from the opponent's side)
    let mut entries: Vec<(usize, usize, i64, usize, i8)> = rows
        .iter()
        .map(|&i| {
            let v = &verdicts[i];
            let o = v.opponent(x);
            let level = v.level_for(o);
            let level = if params.levels == 3 {
                level.signum()
            } else {
                level
            };
            let time = times.get(v.row).copied().unwrap_or(PODIUM_NO_TIMESTAMP);
            (v.sample, o, time, v.row, level)
        })
        .collect();
    entries.sort_unstable();
    if let Some(k) = params.screen_prompts {
        // The k-th distinct prompt (entries are sorted by prompt).
        let mut distinct = 0u64;
        let mut last = usize::MAX;
        let mut cut = entries.len();
        for (e, entry) in entries.iter().enumerate() {
            if entry.0 != last {
                distinct += 1;
                last = entry.0;
                if distinct > k {
                    cut = e;
                    break;
                }
            }
        }
        entries.truncate(cut);
    }
    let mut opponents: Vec<usize> = entries.iter().map(|e| e.1).collect();
    opponents.sort_unstable();
    opponents.dedup();
    for (l, &o) in opponents.iter().enumerate() {
        local[o] = l;
    }
    let m = opponents.len();
    let mut disagreements = vec![0u64; m * m];
    let mut compared = vec![0u64; m * m];
    let mut prompts = 0;
    let mut work = 0usize;
    let mut start = 0;
    // Runs of one opponent within the current prompt: (local index, range in entries).
    let mut runs: Vec<(usize, usize, usize)> = Vec::new();
    while start < entries.len() {
        let prompt = entries[start].0;
        let mut end = start;
        while end < entries.len() && entries[end].0 == prompt {
            end += 1;
        }
        prompts += 1;
        runs.clear();
        let mut r = start;
        while r < end {
            let o = entries[r].1;
            let mut s = r;
            while s < end && entries[s].1 == o {
                s += 1;
            }
            runs.push((local[o], r, s));
            r = s;
        }
        for (u, &(li, si, ei)) in runs.iter().enumerate() {
            for &(lj, sj, ej) in &runs[u + 1..] {
                let games = (ei - si).min(ej - sj);
                let differ = (0..games)
                    .filter(|&g| entries[si + g].4 != entries[sj + g].4)
                    .count();
                let cell = li * m + lj;
                compared[cell] += games as u64;
                disagreements[cell] += differ as u64;
                work += games + 1;
            }
        }
        if work >= CHECK_EVERY {
            host.check_cancelled()?;
            work = 0;
        }
        start = end;
    }
    let mut sum = 0.0;
    let mut pairs = 0u64;
    let mut games = 0u64;
    for i in 0..m {
        for j in i + 1..m {
            let c = compared[i * m + j];
            if c > 0 {
                sum += disagreements[i * m + j] as f64 / c as f64;
                pairs += 1;
                games += c;
            }
        }
    }
    Ok(Informativeness {
        value: (pairs > 0).then(|| 100.0 * sum / pairs as f64),
        pairs,
        compared_games: games,
        prompts,
    })
}

/// How many candidates at each end of the pool are excluded from the recommendation.
pub fn excluded_per_end(candidates: usize) -> usize {
    if candidates == 0 {
        return 0;
    }
    ((candidates + 2) / 4).min((candidates - 1) / 2)
}

/// The all-pairs Bradley–Terry θ of every model (NaN outside the fitted component).
fn all_pairs_bt(
    host: &Host<'_>,
    n: usize,
    table: &PairTable,
    has_data: &[bool],
) -> Result<Vec<f64>, MethodError> {
    let mut theta = vec![f64::NAN; n];
    let (component, count) = component_ids(n, &table.edges());
    let mut size = vec![0usize; count];
    let mut first = vec![usize::MAX; count];
    for m in (0..n).filter(|&m| has_data[m]) {
        size[component[m]] += 1;
        first[component[m]] = first[component[m]].min(m);
    }
    // The largest component; on equal sizes, the one holding the lowest model index.
    let Some(best) = (0..count)
        .filter(|&c| size[c] > 0)
        .max_by(|&a, &b| size[a].cmp(&size[b]).then(first[b].cmp(&first[a])))
    else {
        return Ok(theta);
    };
    if size[best] < 2 {
        return Ok(theta);
    }
    // Fix the component's first model; the rated set is then exactly this component.
    let reference = first[best];
    let rated = rated_set(n, table, reference);
    let units = pair_units(table, &rated);
    let Some(fit) = bt::fit(host, &units, rated.n_theta, 100)? else {
        return Ok(theta);
    };
    for (m, slot) in theta.iter_mut().enumerate() {
        match rated.param[m] {
            Some(bt::REFERENCE) => *slot = 0.0,
            Some(k) => *slot = fit.beta[k as usize],
            None => {}
        }
    }
    Ok(theta)
}

impl Method for AnchorSelection {
    const ID: &'static str = "anchor_selection";
    const DESCRIPTION: &'static str = "Which model makes the best anchor for anchor-based \
        judging (Don-Yehiya et al., 'Mediocrity is the key'). For every model X with \
        comparisons: informativeness I(X) = for each pair (i, j) of other models, on each \
        prompt both have verdicts against X, game g of i-vs-X is compared with game g of \
        j-vs-X (g = chronological order of that model's verdicts against X on the prompt, \
        timestamp then row order; each verdict read from the non-anchor model's side, so \
        position-swapped games combine game by game; surplus games are not compared); pair \
        value = disagreements / compared games; I(X) = mean over pairs with a compared game, in \
        percent. levels 5 compares the 5-level verdicts (A>>B, A>B, tie, B>A, B>>A; the paper's \
        code with simplefy=False), 3 win/tie/loss. screen_prompts = k uses only the first k \
        prompts (by sample index) X has data on. Quality: Kendall tau-b between the ranking by \
        win rate vs X and the all-pairs Bradley-Terry ranking, over the other models (null \
        without all-pairs data). Recommendation: among candidates in the middle of the pool \
        (ranked by all-pairs BT rating, or mean win rate without it; a quarter excluded at \
        each end, rounded half up, at least one kept), the highest I(X), ties by name. Score = \
        I(X) in percent. Extra `anchor_selection`: per candidate informativeness, pairs, \
        compared games, prompts, quality tau and pool rank; the recommendation; the rule. \
        Deterministic; the seed is ignored.";
    const PARAMS_SCHEMA: &'static str = r#"{
  "$schema": "https://json-schema.org/draft/2020-12/schema",
  "title": "anchor_selection",
  "type": "object",
  "properties": {
    "levels": {
      "description": "Verdict levels compared: 5 = the 5-level verdicts (A>>B, A>B, tie, B>A, B>>A), 3 = win / tie / loss.",
      "type": "integer",
      "enum": [3, 5],
      "default": 5
    },
    "screen_prompts": {
      "description": "Screening: use only the first k prompts (by sample index) each candidate anchor has data on for informativeness. Absent = all prompts.",
      "type": "integer",
      "minimum": 1,
      "maximum": 4294967295
    }
  },
  "additionalProperties": false
}"#;
    const FLAGS: u32 = PODIUM_METHOD_USES_COMPARISONS;

    fn run(
        host: &Host<'_>,
        data: &Dataset<'_>,
        params: &Params,
        _seed: u64,
        out: &mut Output<'_>,
    ) -> Result<(), MethodError> {
        let p = SelectionParams::parse(params)?;
        let verdicts = data::read(host, data)?;
        let rows = &verdicts.rows;
        let n = data.model_count();
        // Verdicts of each model, in row order.
        let mut of_model: Vec<Vec<usize>> = vec![Vec::new(); n];
        for (i, v) in rows.iter().enumerate() {
            of_model[v.a].push(i);
            of_model[v.b].push(i);
        }
        let has_data: Vec<bool> = of_model.iter().map(|r| !r.is_empty()).collect();
        let candidates: Vec<usize> = (0..n).filter(|&m| has_data[m]).collect();
        if candidates.is_empty() {
            return Err(MethodError::invalid_data(
                "the selection has no comparisons between two different models",
            ));
        }
        if candidates.len() > MAX_MODELS {
            return Err(MethodError::invalid_data(format!(
                "{} models with comparisons: this method handles at most {MAX_MODELS}",
                candidates.len()
            )));
        }
        let table = PairTable::build(host, rows)?;
        let theta = all_pairs_bt(host, n, &table, &has_data)?;
        host.progress(0.2);

        // The pool ranking.
        let by_bt = candidates.iter().all(|&m| theta[m].is_finite());
        let pool_score: Vec<f64> = (0..n)
            .map(|m| {
                if by_bt {
                    theta[m]
                } else {
                    let (mut s, mut w) = (0.0, 0.0);
                    for &i in &of_model[m] {
                        let v = &rows[i];
                        let y = if v.a == m { v.y() } else { 1.0 - v.y() };
                        s += v.weight * y;
                        w += v.weight;
                    }
                    if w > 0.0 { s / w } else { f64::NAN }
                }
            })
            .collect();
        let mut pool = candidates.clone();
        pool.sort_by(|&a, &b| {
            pool_score[b]
                .total_cmp(&pool_score[a])
                .then_with(|| data.model_name(a).cmp(data.model_name(b)))
        });
        let mut pool_rank = vec![0usize; n];
        for (r, &m) in pool.iter().enumerate() {
            pool_rank[m] = r + 1;
        }
        let q = excluded_per_end(pool.len());

        let mut local = vec![0usize; n];
        let mut per_candidate = Map::new();
        let mut best: Option<(f64, usize)> = None;
        for (c, &x) in candidates.iter().enumerate() {
            host.check_cancelled()?;
            let info = informativeness(host, data, rows, &of_model[x], x, &p, &mut local)?;
            // Quality: needs a comparison between two models other than X.
            let others_compared = rows.len() > of_model[x].len();
            let (mut wins, mut ratings) = (Vec::new(), Vec::new());
            if others_compared {
                for o in (0..n).filter(|&o| o != x && theta[o].is_finite()) {
                    if let Some((s, w)) = table.score_of(o, x) {
                        wins.push(s / w);
                        ratings.push(theta[o]);
                    }
                }
            }
            let tau = (wins.len() >= 2)
                .then(|| kendall_tau_b(&wins, &ratings))
                .filter(|t| t.is_finite());
            if let Some(value) = info.value {
                out.set_score(x, value);
                let eligible = pool_rank[x] > q && pool_rank[x] <= pool.len() - q;
                let better = best.is_none_or(|(b, bx)| {
                    value > b || (value == b && data.model_name(x) < data.model_name(bx))
                });
                if eligible && better {
                    best = Some((value, x));
                }
            }
            per_candidate.insert(
                data.model_name(x).to_owned(),
                json!({
                    "informativeness": info.value,
                    "pairs": info.pairs,
                    "compared_games": info.compared_games,
                    "prompts": info.prompts,
                    "quality_tau": tau,
                    "quality_models": if tau.is_some() { json!(wins.len()) } else { Value::Null },
                    "pool_rank": pool_rank[x],
                }),
            );
            host.progress(0.2 + 0.8 * (c + 1) as f64 / candidates.len() as f64);
        }
        let recommended = best.map(|(_, x)| data.model_name(x));
        let levels = if p.levels == 5 {
            "5: the 5-level verdicts A>>B, A>B, tie (tie and both_bad alike), B>A, B>>A, \
             a strong verdict being one with strength >= 2"
        } else {
            "3: win / tie (or both_bad) / loss, strength ignored"
        };
        host.emit_extra(
            "anchor_selection",
            &json!({
                "candidates": per_candidate,
                "recommended": recommended,
                "pool_ranking": if by_bt { "all_pairs_bt" } else { "mean_win_rate" },
                "excluded_per_end": q,
                "screen_prompts": p.screen_prompts,
                "rule": {
                    "levels": levels,
                    "games": "every verdict is read from the non-anchor model's side, whatever \
                        position the anchor held; on each prompt a model's verdicts against the \
                        anchor are numbered g = 1, 2, ... in chronological order (timestamp, \
                        then row order; rows without a timestamp first), and game g of i-vs-X \
                        is compared with game g of j-vs-X, so two position-swapped games per \
                        prompt give two comparisons (first with first, second with second); \
                        games beyond the shorter list are not compared",
                    "denominator": "per pair (i, j) of models other than the anchor: \
                        disagreements / compared games over all prompts both have games on; \
                        informativeness = mean of these pair values over the pairs with at \
                        least one compared game, in percent",
                    "quality": "Kendall tau-b between win rate vs the anchor (strong_weight 1, \
                        ties half, comparison weights) and the all-pairs Bradley-Terry rating \
                        (largest strongly connected component), over the other models with \
                        both; null without a comparison between two models other than the \
                        anchor",
                    "recommendation": "rank candidates by all-pairs Bradley-Terry rating (or, \
                        when some candidate has none, by mean win rate over all its \
                        comparisons); exclude the top and bottom q = min(floor((N+2)/4), \
                        floor((N-1)/2)) of the N candidates; recommend the highest \
                        informativeness among the rest, ties broken by name",
                },
            }),
        );
        host.progress(1.0);
        Ok(())
    }
}
