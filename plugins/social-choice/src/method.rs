//! The eight methods: shared run logic (parameters, profile, diagnostics, output) and one type
//! per method carrying its id, description and schema.

use podium_plugin_api::abi::{
    PODIUM_METHOD_OUTPUTS_ORDER, PODIUM_METHOD_USES_COMPARISONS, PODIUM_METHOD_USES_MEASUREMENTS,
};
use podium_plugin_api::sdk::{Dataset, Host, Method, MethodError, Output, Params};
use serde_json::{Value, json};

use crate::params::SocialChoiceParams;
use crate::profile::{self, Profile};
use crate::rules::{self, Ranking};

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
}

impl Rule {
    /// The parameters this rule accepts besides `voters`.
    fn extra_params(self) -> &'static [&'static str] {
        match self {
            Rule::Copeland => &["copeland_tie"],
            Rule::Kemeny => &["exact_up_to"],
            _ => &[],
        }
    }
}

/// Runs `rule`: parse parameters, build the profile, rank, emit the `social_choice` extra,
/// write the order and scores.
pub fn run(
    rule: Rule,
    host: &Host<'_>,
    data: &Dataset<'_>,
    params: &Params,
    out: &mut Output<'_>,
) -> Result<(), MethodError> {
    let params = SocialChoiceParams::parse(params, rule.extra_params())?;
    let profile = profile::build(host, data, params.voters, BUILD_SHARE)?;
    let k = profile.size();
    let m = &profile.margins;
    let mut extra = serde_json::Map::new();
    let ranking: Ranking = match rule {
        Rule::Plurality => rules::positional(&profile.plurality),
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

fn name<'a>(data: &Dataset<'a>, profile: &Profile, c: usize) -> &'a str {
    data.model_name(profile.candidates[c])
}

/// Emits the `social_choice` extra: candidates, margins (≤ [`MARGINS_IN_EXTRA`] candidates),
/// Condorcet winner, ballot counts, voters, plus the rule's own fields.
fn emit(
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
        " Ballots: with `voters` = \"samples\" (default) every sample ranks the models measured \
         on it (higher value better, equal values tied, unmeasured models unranked: partial \
         ballots); with \"benchmarks\" every benchmark ranks the models by mean value. Judge \
         verdicts are two-candidate ballots with their weight (tie and both_bad: a tie). \
         Margins count only pairs a ballot ranks. Only models with data are candidates; \
         others get no score. Writes the full order; the extra `social_choice` has the \
         candidates, the margin matrix (up to 200 candidates), the Condorcet winner (or null), \
         ballot counts and the voters mode. Deterministic; the seed is ignored."
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
                run(Rule::$rule, host, data, params, out)
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
     plurality points; equal points by model name ascending."
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
