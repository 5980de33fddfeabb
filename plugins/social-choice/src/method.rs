//! The eight methods: shared run logic (parameters, profile, diagnostics, output) and one type
//! per method carrying its id, description and schema.

use podium_plugin_api::abi::{
    PODIUM_METHOD_OUTPUTS_ORDER, PODIUM_METHOD_SEEDED, PODIUM_METHOD_USES_COMPARISONS,
    PODIUM_METHOD_USES_MEASUREMENTS,
};
use podium_plugin_api::sdk::{Dataset, Host, Method, MethodError, Output, Params};
use serde_json::{Value, json};

use crate::lottery::{self, MAX_LOTTERY_CANDIDATES};
use crate::params::{SCO_PARAMS, ScoParams, SocialChoiceParams};
use crate::profile::{self, Profile};
use crate::rules::{self, Ranking};
use crate::sco;

/// Flags of every method: reads measurements and verdicts, writes an explicit order.
pub const FLAGS: u32 =
    PODIUM_METHOD_USES_MEASUREMENTS | PODIUM_METHOD_USES_COMPARISONS | PODIUM_METHOD_OUTPUTS_ORDER;

/// Margin matrices are reported in the extra up to this many candidates.
pub const MARGINS_IN_EXTRA: usize = 200;

/// Share of the progress bar given to building the profile.
const BUILD_SHARE: f64 = 0.5;

/// Which rule to run.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Rule {
    /// [`Plurality`].
    Plurality,
    /// [`Borda`].
    Borda,
    /// [`Copeland`].
    Copeland,
    /// [`Minimax`].
    Minimax,
    /// [`Schulze`].
    Schulze,
    /// [`RankedPairs`].
    RankedPairs,
    /// [`SplitCycle`].
    SplitCycle,
    /// [`Kemeny`].
    Kemeny,
    /// [`MaximalLotteries`].
    MaximalLotteries,
    /// [`Sco`].
    Sco,
}

impl Rule {
    /// The parameters this rule accepts besides `voters`.
    fn extra_params(self) -> &'static [&'static str] {
        match self {
            Rule::Copeland => &["copeland_tie"],
            Rule::Kemeny => &["exact_up_to"],
            Rule::Sco => SCO_PARAMS,
            _ => &[],
        }
    }
}

/// Runs `rule`: parse parameters, build the profile, rank, emit the `social_choice` extra,
/// write the order and scores. Only [`Rule::Sco`] (with minibatches) uses `seed`.
pub fn run(
    rule: Rule,
    host: &Host<'_>,
    data: &Dataset<'_>,
    raw_params: &Params,
    seed: u64,
    out: &mut Output<'_>,
) -> Result<(), MethodError> {
    let params = SocialChoiceParams::parse(raw_params, rule.extra_params())?;
    let sco_params = match rule {
        Rule::Sco => Some(ScoParams::parse(raw_params)?),
        _ => None,
    };
    let profile = profile::build(host, data, params.voters, BUILD_SHARE)?;
    let k = profile.size();
    let m = &profile.margins;
    let mut extra = serde_json::Map::new();
    let ranking: Ranking = match rule {
        Rule::Plurality => rules::positional(&rules::snap_shares(&profile.plurality)),
        Rule::Borda => rules::positional(&profile.borda),
        Rule::Copeland => {
            extra.insert("copeland_tie".into(), json!(params.copeland_tie));
            rules::copeland(k, m, params.copeland_tie)
        }
        Rule::Minimax => rules::minimax(k, m),
        Rule::Schulze => rules::schulze(host, k, m)?,
        Rule::RankedPairs => rules::ranked_pairs(host, k, m)?,
        Rule::SplitCycle => {
            let (ranking, tiers) = rules::split_cycle(host, k, m)?;
            let names: Vec<Vec<&str>> = tiers
                .iter()
                .map(|t| t.iter().map(|&c| name(data, &profile, c)).collect())
                .collect();
            extra.insert("tiers".into(), json!(names));
            ranking
        }
        Rule::Kemeny => {
            let (ranking, exact) = rules::kemeny(host, k, m, params.exact_up_to)?;
            extra.insert("exact".into(), json!(exact));
            extra.insert("approximate".into(), json!(!exact));
            extra.insert("exact_up_to".into(), json!(params.exact_up_to));
            extra.insert(
                "agreement".into(),
                json!(rules::agreement(k, m, &ranking.order)),
            );
            ranking
        }
        Rule::MaximalLotteries => {
            if k > MAX_LOTTERY_CANDIDATES {
                return Err(MethodError::invalid_data(format!(
                    "{k} models have data; maximal_lotteries ranks at most \
                     {MAX_LOTTERY_CANDIDATES}"
                )));
            }
            let lottery = lottery::maximal_lottery(host, k, m)?;
            let named: serde_json::Map<String, Value> = (0..k)
                .map(|c| (name(data, &profile, c).to_owned(), json!(lottery.p[c])))
                .collect();
            extra.insert("lottery".into(), Value::Object(named));
            extra.insert("value".into(), json!(lottery.value));
            extra.insert("lp_solver".into(), json!("microlp"));
            rules::by_scores(lottery.p)
        }
        Rule::Sco => {
            let sp = sco_params.unwrap_or(ScoParams::DEFAULT);
            let votes = profile.ballots as f64 + verdict_weight(data);
            let result = sco::run(host, k, m, votes, &sp, seed, BUILD_SHARE)?;
            extra.insert("iterations".into(), json!(result.iterations));
            if sp.tol > 0.0 {
                extra.insert("converged".into(), json!(result.converged));
            }
            extra.insert("loss".into(), json!(result.loss));
            extra.insert("votes".into(), json!(votes));
            extra.insert(
                "params".into(),
                json!({
                    "rating_min": sp.rating_min,
                    "rating_max": sp.rating_max,
                    "temperature": sp.temperature,
                    "learning_rate": sp.learning_rate,
                    "iterations": sp.iterations,
                    "batch_size": sp.batch_size,
                    "tol": sp.tol,
                }),
            );
            rules::by_scores(result.ratings)
        }
    };
    emit(host, data, &profile, params, extra);
    let order: Vec<u32> = ranking
        .order
        .iter()
        .map(|&c| profile.candidates[c] as u32)
        .collect();
    out.set_order(&order)?;
    for (c, &model) in profile.candidates.iter().enumerate() {
        out.set_score(model, ranking.scores[c]);
    }
    host.progress(1.0);
    Ok(())
}

/// The total weight of the verdicts counted as ballots (self-comparisons skipped): with the
/// measurement ballots (weight 1 each), SCO's number of votes.
fn verdict_weight(data: &Dataset<'_>) -> f64 {
    let c = data.comparisons;
    (0..c.winners.len())
        .filter(|&i| c.models_a[i] != c.models_b[i])
        .map(|i| c.weights.get(i).copied().unwrap_or(1.0))
        .sum()
}

fn name<'a>(data: &Dataset<'a>, profile: &Profile, c: usize) -> &'a str {
    data.model_name(profile.candidates[c])
}

/// Emits the `social_choice` extra: candidates, margins (≤ [`MARGINS_IN_EXTRA`] candidates),
/// Condorcet winner, ballot counts, voters, plus the rule's own fields.
pub(crate) fn emit(
    host: &Host<'_>,
    data: &Dataset<'_>,
    profile: &Profile,
    params: SocialChoiceParams,
    mut extra: serde_json::Map<String, Value>,
) {
    let k = profile.size();
    let names: Vec<&str> = (0..k).map(|c| name(data, profile, c)).collect();
    let margins = if k <= MARGINS_IN_EXTRA {
        json!(
            (0..k)
                .map(|a| profile.margins[a * k..(a + 1) * k].to_vec())
                .collect::<Vec<_>>()
        )
    } else {
        Value::Null
    };
    let winner = rules::condorcet_winner(k, &profile.margins).map(|c| names[c]);
    extra.insert("voters".into(), json!(params.voters.as_str()));
    extra.insert("candidates".into(), json!(names));
    extra.insert("margins".into(), margins);
    extra.insert("condorcet_winner".into(), json!(winner));
    extra.insert("ballots".into(), json!(profile.ballots));
    extra.insert(
        "comparison_ballots".into(),
        json!(profile.comparison_ballots),
    );
    host.emit_extra("social_choice", &Value::Object(extra));
}

/// The `voters` property of every schema (a macro so that `concat!` can splice it).
macro_rules! voters_property {
    () => {
        r#""voters": {
      "description": "Who votes: \"samples\" (each sample ranks the models measured on it by value, higher better, equal values tied, unmeasured models unranked) or \"benchmarks\" (each benchmark ranks the models that have values on it by their mean value). Judge verdicts are always two-candidate ballots with their weight.",
      "type": "string",
      "enum": ["samples", "benchmarks"],
      "default": "samples"
    }"#
    };
}

/// A schema with only `voters`.
macro_rules! plain_schema {
    ($title:literal) => {
        concat!(
            r#"{
  "$schema": "https://json-schema.org/draft/2020-12/schema",
  "title": ""#,
            $title,
            r#"",
  "type": "object",
  "properties": {
    "#,
            voters_property!(),
            r#"
  },
  "additionalProperties": false
}"#
        )
    };
}

/// Shared wording at the end of every description.
macro_rules! common_text {
    () => {
        concat!(common_body!(), " Deterministic; the seed is ignored.")
    };
}

/// [`common_text`] without the sentence on determinism.
macro_rules! common_body {
    () => {
        " Ballots: with `voters` = \"samples\" (default) every sample ranks the models measured \
         on it (higher value better, equal values tied, unmeasured models unranked: partial \
         ballots); with \"benchmarks\" every benchmark ranks the models by mean value. Judge \
         verdicts are two-candidate ballots with their weight (tie and both_bad: a tie). \
         Margins count only pairs a ballot ranks. Only models with data are candidates; \
         others get no score. Writes the full order; the extra `social_choice` has the \
         candidates, the margin matrix (up to 200 candidates), the Condorcet winner (or null), \
         ballot counts and the voters mode."
    };
}

macro_rules! method {
    ($ty:ident, $rule:ident, $id:literal, $schema:expr, $text:literal) => {
        #[doc = concat!("The `", $id, "` method: ", $text)]
        pub struct $ty;

        impl Method for $ty {
            const ID: &'static str = $id;
            const DESCRIPTION: &'static str = concat!($text, common_text!());
            const PARAMS_SCHEMA: &'static str = $schema;
            const FLAGS: u32 = FLAGS;

            fn run(
                host: &Host<'_>,
                data: &Dataset<'_>,
                params: &Params,
                _seed: u64,
                out: &mut Output<'_>,
            ) -> Result<(), MethodError> {
                run(Rule::$rule, host, data, params, 0, out)
            }
        }
    };
}

method!(
    Plurality,
    Plurality,
    "plurality",
    plain_schema!("plurality"),
    "Plurality: each ballot gives its weight to its top choice; when k candidates tie on top \
     each gets weight/k (a ballot ranking a single model gives it the full weight). Score = \
     plurality points (rounded to 1e-9, so that split shares of tied first places that add up \
     to equal totals compare equal); equal points by model name ascending."
);

method!(
    Borda,
    Borda,
    "borda",
    plain_schema!("borda"),
    "Borda with partial ballots: per ballot, a candidate gets weight × (number of ranked \
     candidates it beats + 0.5 × number of ranked candidates it ties with); unranked \
     candidates get nothing from that ballot. Score = Borda points; equal points by model name \
     ascending."
);

method!(
    Copeland,
    Copeland,
    "copeland",
    concat!(
        r#"{
  "$schema": "https://json-schema.org/draft/2020-12/schema",
  "title": "copeland",
  "type": "object",
  "properties": {
    "#,
        voters_property!(),
        r#",
    "copeland_tie": {
      "description": "What a zero margin (a pairwise tie, or a pair no ballot ranks) is worth; a win is 1, a loss 0. 0.5 orders exactly as wins − losses.",
      "type": "number",
      "minimum": 0,
      "maximum": 1,
      "default": 0.5
    }
  },
  "additionalProperties": false
}"#
    ),
    "Copeland: score = wins + copeland_tie × ties over the other candidates, where a win is a \
     positive margin and a tie a zero margin (default 0.5, which equals (wins − losses + k − 1) \
     / 2 and so orders as wins − losses). Equal scores by model name ascending."
);

method!(
    Minimax,
    Minimax,
    "minimax",
    plain_schema!("minimax"),
    "Minimax (Simpson–Kramer, margins): score = −(largest margin by which any candidate beats \
     this one), 0 when undefeated; a Condorcet winner scores 0. Equal scores by model name \
     ascending."
);

method!(
    Schulze,
    Schulze,
    "schulze",
    plain_schema!("schulze"),
    "Schulze (beat path, margins): strongest path strengths by Floyd–Warshall over the \
     positive margins; a ≻ b iff the path from a to b is stronger than the one from b to a. \
     Score = number of candidates beaten in this relation (a linear extension of the Schulze \
     order); equal scores (incomparable candidates) by model name ascending."
);

method!(
    RankedPairs,
    RankedPairs,
    "ranked_pairs",
    plain_schema!("ranked_pairs"),
    "Ranked Pairs (Tideman): pairs with a positive margin are locked by margin descending, \
     equal margins by (winner name, loser name) ascending, skipping a pair that would close a \
     cycle; the order is the locked order (candidates left incomparable by zero margins by \
     model name ascending). Score = number of candidates − position."
);

method!(
    SplitCycle,
    SplitCycle,
    "split_cycle",
    plain_schema!("split_cycle"),
    "Split Cycle (Holliday & Pacuit): a defeats b iff margin(a, b) > 0 and margin(a, b) > the \
     strongest path (largest minimum margin) from b back to a. The undefeated set goes first \
     (members by model name ascending), then the rule is rerun on the remaining candidates \
     (repeated removal); the extra lists the tiers. Score = number of candidates − position."
);

method!(
    Kemeny,
    Kemeny,
    "kemeny",
    concat!(
        r#"{
  "$schema": "https://json-schema.org/draft/2020-12/schema",
  "title": "kemeny",
  "type": "object",
  "properties": {
    "#,
        voters_property!(),
        r#",
    "exact_up_to": {
      "description": "Solve exactly (dynamic programming over subsets, O(2^n n^2) time, 9 * 2^n bytes) up to this many candidates; above it a local search is used and the extra says approximate: true.",
      "type": "integer",
      "minimum": 0,
      "maximum": 22,
      "default": 20
    }
  },
  "additionalProperties": false
}"#
    ),
    "Kemeny–Young: the order maximising Σ over pairs (a before b) of margin(a, b), i.e. \
     minimising the weighted Kendall-tau distance to the ballots. Exact by dynamic programming \
     over subsets up to `exact_up_to` candidates (default 20; among optimal orders the \
     lexicographically first by model name); above that, a local search (start from the \
     Copeland order, then insertion moves and adjacent swaps until none improves) whose result \
     is marked approximate: true in the extra. Score = number of candidates − position."
);

method!(
    MaximalLotteries,
    MaximalLotteries,
    "maximal_lotteries",
    plain_schema!("maximal_lotteries"),
    "Maximal lotteries (Fishburn): the lottery p over candidates that is an optimal mixed \
     strategy of the symmetric zero-sum game with the margin matrix as payoffs (p ≥ 0, Σp = 1, \
     Σ_a p_a · margin(a, b) ≥ 0 for every b), by linear programming (microlp: max v s.t. \
     Σ_a p_a · margin(a, b) ≥ v for every b). A Condorcet winner gets probability 1. The \
     lottery is unique for an odd number of voters without ties; otherwise the optimal vertex \
     the simplex reaches with candidates in name order is reported (deterministic, but only \
     one of the maximal lotteries). Score = probability; equal probabilities (e.g. the many \
     zeros) by model name ascending. At most 1000 candidates. The extra adds `lottery` \
     ({model: probability}), `value` (min over b of Σ_a p_a · margin(a, b), 0 up to rounding) \
     and `lp_solver`."
);

/// The `sco` method: Soft Condorcet Optimization.
pub struct Sco;

/// What `sco` does (also its description's first part).
macro_rules! sco_text {
    () => {
        "Soft Condorcet Optimization (Lanctot et al. 2024; OpenSpiel's python semantics): \
         ratings θ in [rating_min, rating_max] minimise Σ over ballots and pairs a ≻ b ranked by \
         the ballot (weight w) of w · σ((θ_b − θ_a)/temperature), a smoothed Kendall-tau \
         distance, by projected gradient descent from the midpoint: per observation s = \
         σ((θ_b − θ_a)/τ), g_a −= w·s(1−s)/τ, g_b += w·s(1−s)/τ; g is divided by the number of \
         votes (total ballot weight, as OpenSpiel), θ ← clip(θ − learning_rate · g). Tied pairs \
         contribute nothing. Opposite observations share s(1−s), so the gradient is computed \
         exactly from the net pairs (the margins). Default: full batch, 10,000 iterations \
         (OpenSpiel's 1,000 are too few to converge). `batch_size` > 0 samples that many net \
         pair observations per step (proportional to margin, from the run's seed; an unbiased \
         estimate of the full gradient — OpenSpiel samples ballots instead). `tol` > 0 stops \
         once no rating moves by tol or more. Score = θ; equal ratings by model name \
         ascending. The extra adds `iterations` (run), `converged` (with tol > 0), `loss` (the \
         net-pair loss Σ_{margin(a,b) > 0} margin(a, b) · σ((θ_b − θ_a)/τ), which differs from \
         the full loss by a constant of the data), `votes` and `params`."
    };
}

impl Method for Sco {
    const ID: &'static str = "sco";
    const DESCRIPTION: &'static str = concat!(
        sco_text!(),
        common_body!(),
        " Deterministic for a seed; full batch ignores the seed."
    );
    const PARAMS_SCHEMA: &'static str = concat!(
        r#"{
  "$schema": "https://json-schema.org/draft/2020-12/schema",
  "title": "sco",
  "type": "object",
  "properties": {
    "#,
        voters_property!(),
        r#",
    "rating_min": {
      "description": "Lower rating bound θ_min (the ratings start at the midpoint).",
      "type": "number",
      "default": 0
    },
    "rating_max": {
      "description": "Upper rating bound θ_max; must be greater than rating_min.",
      "type": "number",
      "default": 1000
    },
    "temperature": {
      "description": "Sigmoid temperature τ.",
      "type": "number",
      "exclusiveMinimum": 0,
      "default": 1.0
    },
    "learning_rate": {
      "description": "Gradient step size.",
      "type": "number",
      "exclusiveMinimum": 0,
      "default": 0.01
    },
    "iterations": {
      "description": "Gradient steps (the most, when tol > 0).",
      "type": "integer",
      "minimum": 1,
      "maximum": 1000000,
      "default": 10000
    },
    "batch_size": {
      "description": "0: full batch (exact gradient). > 0: pair observations sampled per step with the run's seed.",
      "type": "integer",
      "minimum": 0,
      "maximum": 1000000,
      "default": 0
    },
    "tol": {
      "description": "0: run every iteration. > 0: stop when the largest rating change of a step is below tol.",
      "type": "number",
      "minimum": 0,
      "default": 0
    }
  },
  "additionalProperties": false
}"#
    );
    const FLAGS: u32 = FLAGS | PODIUM_METHOD_SEEDED;

    fn run(
        host: &Host<'_>,
        data: &Dataset<'_>,
        params: &Params,
        seed: u64,
        out: &mut Output<'_>,
    ) -> Result<(), MethodError> {
        run(Rule::Sco, host, data, params, seed, out)
    }
}

/// The `multiwinner` method: committee selection with fairness ([`crate::multiwinner`]).
pub struct Multiwinner;

impl Method for Multiwinner {
    const ID: &'static str = "multiwinner";
    const DESCRIPTION: &'static str = concat!(
        "Multiwinner subset selection with group fairness: a committee S of `k` models \
         (required, ≥ 1; all candidates when k ≥ their number) maximising a score over the \
         ballots. On a ballot b of weight w_b, a ranked candidate c has utility u_b(c) = ranked \
         candidates it beats + 0.5 × ranked candidates it ties with (its Borda points on b); \
         unranked: 0. `rule`: \"k_borda\" (default): f(S) = Σ_b w_b Σ_{c ∈ S} u_b(c), the sum \
         of the members' Borda points; \"chamberlin_courant\": f(S) = Σ_b w_b · u_b(best-ranked \
         member of S on b) (0 when b ranks no member); \"pav\" (harmonic): f(S) = Σ_b w_b \
         Σ_{j=1..m} u_b(c_(j))/j over the m members b ranks, in b's order. `groups` = \
         {\"field\": metadata key, \"min\": {group: n}, \"max\": {group: n}}: a model's group is \
         its metadata value at field (strings as is, other values as JSON text; missing or null: \
         \"unknown\"); at least min[g] and at most max[g] members from group g; constraints no \
         committee meets are INVALID_PARAMS (groups: …). Algorithm: exhaustive search over the \
         feasible k-subsets when C(n, k) ≤ `exact_limit` (default 100,000; ties: the first \
         subset in name order), else greedy: repeatedly add the candidate with the largest \
         marginal gain among those after which the constraints stay satisfiable (counts s_g ≤ \
         min(max_g, n_g) and Σ_g max(min_g, s_g) ≤ k), ties by name. Guarantee (extra \
         `guarantee`): exhaustive: \"optimal\"; greedy k-Borda: \"optimal\" (modular, and the \
         extendable sets form a matroid); greedy CC/PAV (monotone submodular): \"1-1/e\" of the \
         optimum without constraints, \"1/2\" with group constraints (a partition matroid with \
         lower bounds). Order: the members in selection order (greedy: order of addition; \
         exhaustive: re-ordered greedily within the chosen set), then the others by marginal \
         gain w.r.t. the committee, ties by name. Score: members: their marginal gain when \
         added; others: their marginal gain w.r.t. the final committee (may be 0). The extra \
         `multiwinner` has rule, k, selected, objective, exact, guarantee, exact_limit, groups \
         ({group: members}, null without `groups`) and groups_field. Cost: exhaustive \
         O(C(n, k) · Σ ballot sizes), greedy O(k · Σ ballot sizes) (k-Borda: O(C(n, k) · k) and \
         O(k · n)).",
        common_text!()
    );
    const PARAMS_SCHEMA: &'static str = concat!(
        r#"{
  "$schema": "https://json-schema.org/draft/2020-12/schema",
  "title": "multiwinner",
  "type": "object",
  "properties": {
    "#,
        voters_property!(),
        r#",
    "k": {
      "description": "Committee size; all candidates are selected when k is at least their number.",
      "type": "integer",
      "minimum": 1,
      "maximum": 1000000
    },
    "rule": {
      "description": "The committee score: sum of Borda points (k_borda), best-ranked member's Borda utility (chamberlin_courant) or the harmonic sum of the members' utilities in each ballot's order (pav).",
      "type": "string",
      "enum": ["k_borda", "chamberlin_courant", "pav"],
      "default": "k_borda"
    },
    "groups": {
      "description": "Fairness constraints: a model's group is its metadata value at field (missing: \"unknown\"); at least min[g] and at most max[g] members from group g.",
      "type": "object",
      "properties": {
        "field": {"type": "string"},
        "min": {"type": "object", "additionalProperties": {"type": "integer", "minimum": 0}},
        "max": {"type": "object", "additionalProperties": {"type": "integer", "minimum": 0}}
      },
      "required": ["field"],
      "additionalProperties": false
    },
    "exact_limit": {
      "description": "Search exhaustively when C(n, k) is at most this; otherwise greedy.",
      "type": "integer",
      "minimum": 0,
      "maximum": 100000000,
      "default": 100000
    }
  },
  "required": ["k"],
  "additionalProperties": false
}"#
    );
    const FLAGS: u32 = FLAGS;

    fn run(
        host: &Host<'_>,
        data: &Dataset<'_>,
        params: &Params,
        _seed: u64,
        out: &mut Output<'_>,
    ) -> Result<(), MethodError> {
        crate::multiwinner::run(host, data, params, out)
    }
}
