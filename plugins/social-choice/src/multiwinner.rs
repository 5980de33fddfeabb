//! Multiwinner subset selection with group fairness (`multiwinner`): choose a committee of `k`
//! candidates maximising k-Borda, Chamberlin–Courant or a PAV-style harmonic score over the
//! kept ballots, optionally with at-least / at-most counts per group of models (groups from a
//! model metadata key). Exact by exhaustive search over the feasible k-subsets when C(n, k) ≤
//! `exact_limit`, else greedy by marginal gain under the constraints.
//!
//! Utilities: on ballot b (weight w_b) a ranked candidate c has u_b(c) = ranked candidates it
//! beats + 0.5 × ranked candidates it ties with (its Borda points on b); unranked: 0.
//! - k-Borda: f(S) = Σ_b w_b Σ_{c ∈ S} u_b(c) (modular).
//! - Chamberlin–Courant: f(S) = Σ_b w_b max_{c ∈ S} u_b(c) (0 when no member is ranked).
//! - PAV (harmonic OWA): f(S) = Σ_b w_b Σ_{j=1..m} u_b(c_(j)) / j, with c_(1), …, c_(m) the
//!   members b ranks, ordered by b's preference (members tied on b have equal utilities, so
//!   their order does not matter).
//!
//! All three are monotone; CC and PAV (non-increasing OWA weights) are submodular.
//! Constraints: with group sizes n_g, cap_g = min(max_g, n_g) and lower_g = min_g, a partial
//! committee with counts s_g extends to a feasible committee of size k iff s_g ≤ cap_g for
//! every g and Σ_g max(lower_g, s_g) ≤ k ≤ Σ_g cap_g. The partial committees that extend form a
//! matroid (a partition matroid with lower bounds), so greedy keeps its matroid guarantee.

use std::collections::BTreeMap;

use podium_plugin_api::sdk::{Dataset, Host, MethodError, Output, Params};
use serde_json::{Value, json};

use crate::CHECK_EVERY;
use crate::method;
use crate::params::{SocialChoiceParams, integer};
use crate::profile::{self, KeptBallot, Profile};

/// The parameters of `multiwinner` besides `voters`.
pub const MULTIWINNER_PARAMS: &[&str] = &["k", "rule", "groups", "exact_limit"];

/// The default `exact_limit` (largest C(n, k) searched exhaustively).
pub const DEFAULT_EXACT_LIMIT: u64 = 100_000;

/// The largest accepted `exact_limit`.
pub const MAX_EXACT_LIMIT: u64 = 100_000_000;

/// The largest accepted `k`.
pub const MAX_K: u64 = 1_000_000;

/// Share of the progress bar given to building the profile.
const BUILD_SHARE: f64 = 0.5;

/// The committee score.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum CommitteeRule {
    /// Sum of the members' Borda points.
    KBorda,
    /// Each ballot counts its best-ranked member's utility.
    ChamberlinCourant,
    /// Each ballot counts Σ_j u(c_(j)) / j over its ranked members in its order.
    Pav,
}

impl CommitteeRule {
    /// The parameter value naming this rule.
    pub fn as_str(self) -> &'static str {
        match self {
            CommitteeRule::KBorda => "k_borda",
            CommitteeRule::ChamberlinCourant => "chamberlin_courant",
            CommitteeRule::Pav => "pav",
        }
    }
}

/// The `groups` parameter.
#[derive(Debug, Clone, PartialEq, Default)]
pub struct Groups {
    /// The model metadata key whose value (string form) is a model's group.
    pub field: String,
    /// At least this many members from each named group.
    pub min: BTreeMap<String, u64>,
    /// At most this many members from each named group.
    pub max: BTreeMap<String, u64>,
}

/// The parameters of `multiwinner`.
#[derive(Debug, Clone, PartialEq)]
pub struct MultiwinnerParams {
    /// Committee size (≥ 1; all candidates when k ≥ their number).
    pub k: usize,
    /// The committee score; default k-Borda.
    pub rule: CommitteeRule,
    /// Fairness constraints, if any.
    pub groups: Option<Groups>,
    /// Search exhaustively when C(n, k) ≤ this.
    pub exact_limit: u64,
}

impl MultiwinnerParams {
    /// Reads the multiwinner fields (unknown fields are rejected by
    /// [`SocialChoiceParams::parse`] with [`MULTIWINNER_PARAMS`]).
    pub fn parse(params: &Params) -> Result<MultiwinnerParams, MethodError> {
        if !params.contains_key("k") {
            return Err(MethodError::invalid_params(
                "k",
                "required (the committee size, an integer ≥ 1)",
            ));
        }
        let k = integer(params, "k", 1, 1, MAX_K)? as usize;
        let rule = match params.get("rule") {
            None => CommitteeRule::KBorda,
            Some(Value::String(s)) if s == "k_borda" => CommitteeRule::KBorda,
            Some(Value::String(s)) if s == "chamberlin_courant" => CommitteeRule::ChamberlinCourant,
            Some(Value::String(s)) if s == "pav" => CommitteeRule::Pav,
            Some(other) => {
                return Err(MethodError::invalid_params(
                    "rule",
                    format!(
                        "must be one of \"k_borda\", \"chamberlin_courant\", \"pav\", got {other}"
                    ),
                ));
            }
        };
        let exact_limit = integer(
            params,
            "exact_limit",
            DEFAULT_EXACT_LIMIT,
            0,
            MAX_EXACT_LIMIT,
        )?;
        let groups = match params.get("groups") {
            None => None,
            Some(value) => Some(parse_groups(value)?),
        };
        Ok(MultiwinnerParams {
            k,
            rule,
            groups,
            exact_limit,
        })
    }
}

fn parse_groups(value: &Value) -> Result<Groups, MethodError> {
    let bad = |why: String| MethodError::invalid_params("groups", why);
    let Value::Object(map) = value else {
        return Err(bad(format!(
            "must be an object {{\"field\", \"min\", \"max\"}}, got {value}"
        )));
    };
    if let Some(key) = map
        .keys()
        .find(|k| !["field", "min", "max"].contains(&k.as_str()))
    {
        return Err(bad(format!(
            "unknown key {key:?} (accepted: field, min, max)"
        )));
    }
    let field = match map.get("field") {
        Some(Value::String(s)) => s.clone(),
        Some(other) => return Err(bad(format!("field must be a string, got {other}"))),
        None => return Err(bad("field is required (a model metadata key)".into())),
    };
    let bounds = |name: &str| -> Result<BTreeMap<String, u64>, MethodError> {
        let mut out = BTreeMap::new();
        match map.get(name) {
            None => {}
            Some(Value::Object(m)) => {
                for (g, v) in m {
                    let n = v.as_u64().or_else(|| {
                        v.as_f64()
                            .filter(|f| f.fract() == 0.0 && *f >= 0.0 && *f <= MAX_K as f64)
                            .map(|f| f as u64)
                    });
                    match n {
                        Some(n) => {
                            out.insert(g.clone(), n);
                        }
                        None => {
                            return Err(bad(format!(
                                "{name}[{g:?}] must be an integer ≥ 0, got {v}"
                            )));
                        }
                    }
                }
            }
            Some(other) => {
                return Err(bad(format!(
                    "{name} must be an object {{group: count}}, got {other}"
                )));
            }
        }
        Ok(out)
    };
    Ok(Groups {
        field,
        min: bounds("min")?,
        max: bounds("max")?,
    })
}

/// The group of a model: its metadata value at `field` (a string as is, other JSON values as
/// JSON text); missing, null or unparsable metadata → "unknown".
pub fn group_of(metadata: &str, field: &str) -> String {
    match serde_json::from_str::<Value>(metadata) {
        Ok(Value::Object(map)) => match map.get(field) {
            None | Some(Value::Null) => "unknown".to_owned(),
            Some(Value::String(s)) => s.clone(),
            Some(other) => other.to_string(),
        },
        _ => "unknown".to_owned(),
    }
}

/// A committee score over the kept ballots.
pub struct Objective<'a> {
    /// The rule.
    pub rule: CommitteeRule,
    /// Number of candidates.
    pub n: usize,
    /// The ballots.
    pub ballots: &'a [KeptBallot],
    /// The Borda points (k-Borda is their sum).
    pub borda: &'a [f64],
}

impl Objective<'_> {
    /// f(S) for the members marked in `member`.
    pub fn value(&self, member: &[bool]) -> f64 {
        match self.rule {
            CommitteeRule::KBorda => (0..self.n)
                .filter(|&c| member[c])
                .map(|c| self.borda[c])
                .sum(),
            CommitteeRule::ChamberlinCourant => self
                .ballots
                .iter()
                .map(|b| {
                    b.ranked
                        .iter()
                        .find(|&&(c, _)| member[c as usize])
                        .map_or(0.0, |&(_, u)| b.weight * u)
                })
                .sum(),
            CommitteeRule::Pav => self
                .ballots
                .iter()
                .map(|b| {
                    let mut j = 0.0;
                    let mut v = 0.0;
                    for &(c, u) in &b.ranked {
                        if member[c as usize] {
                            j += 1.0;
                            v += u / j;
                        }
                    }
                    b.weight * v
                })
                .sum(),
        }
    }

    /// The marginal gain f(S + c) − f(S) of every non-member c into `gains` (members: 0).
    pub fn gains(&self, member: &[bool], gains: &mut [f64], suffix: &mut Vec<f64>) {
        gains.fill(0.0);
        match self.rule {
            CommitteeRule::KBorda => {
                for c in 0..self.n {
                    if !member[c] {
                        gains[c] = self.borda[c];
                    }
                }
            }
            CommitteeRule::ChamberlinCourant => {
                for b in self.ballots {
                    let best = b
                        .ranked
                        .iter()
                        .find(|&&(c, _)| member[c as usize])
                        .map_or(0.0, |&(_, u)| u);
                    for &(c, u) in &b.ranked {
                        if u <= best {
                            break;
                        }
                        if !member[c as usize] {
                            gains[c as usize] += b.weight * (u - best);
                        }
                    }
                }
            }
            CommitteeRule::Pav => {
                for b in self.ballots {
                    // Utilities of the members, best first: L_1 ≥ L_2 ≥ … ≥ L_m.
                    // Inserting u at position p gives u/p and moves every L_j (j ≥ p) from
                    // weight 1/j to 1/(j + 1): gain = u/p − Σ_{j ≥ p} L_j (1/j − 1/(j + 1)).
                    suffix.clear();
                    suffix.extend(
                        b.ranked
                            .iter()
                            .filter(|&&(c, _)| member[c as usize])
                            .map(|&(_, u)| u),
                    );
                    let m = suffix.len();
                    suffix.push(0.0);
                    for j in (0..m).rev() {
                        let pos = (j + 1) as f64;
                        suffix[j] = suffix[j] * (1.0 / pos - 1.0 / (pos + 1.0)) + suffix[j + 1];
                    }
                    let mut seen = 0;
                    for &(c, u) in &b.ranked {
                        if member[c as usize] {
                            seen += 1;
                        } else {
                            let p = (seen + 1) as f64;
                            gains[c as usize] += b.weight * (u / p - suffix[seen]);
                        }
                    }
                }
            }
        }
    }

    /// Work units of one evaluation (for cancellation polling).
    fn cost(&self) -> usize {
        match self.rule {
            CommitteeRule::KBorda => self.n,
            _ => self.n + self.ballots.iter().map(|b| b.ranked.len()).sum::<usize>(),
        }
    }
}

/// The group constraints over the candidates.
pub struct Constraints {
    /// Group id of each candidate.
    pub group: Vec<usize>,
    /// Group names by id (sorted).
    pub names: Vec<String>,
    /// Lower bound per group.
    pub lower: Vec<u64>,
    /// Effective upper bound per group: min(max_g, n_g).
    pub cap: Vec<u64>,
    /// Committee size.
    pub k: u64,
}

impl Constraints {
    /// Whether a partial committee with `counts`, plus one member of group `add` if given,
    /// can be completed to a feasible committee of size k.
    pub fn extendable(&self, counts: &[u64], add: Option<usize>) -> bool {
        let mut need = 0u64;
        for (g, &count) in counts.iter().enumerate() {
            let s = count + u64::from(add == Some(g));
            if s > self.cap[g] {
                return false;
            }
            need += s.max(self.lower[g]);
        }
        need <= self.k
    }
}

/// Builds the constraints for `k` members out of the candidates, or `INVALID_PARAMS`
/// (`groups: …`) when no committee satisfies them.
pub fn constraints(
    groups: &Groups,
    candidate_groups: &[String],
    k: usize,
) -> Result<Constraints, MethodError> {
    let mut names: Vec<String> = candidate_groups.to_vec();
    names.extend(groups.min.keys().cloned());
    names.extend(groups.max.keys().cloned());
    names.sort();
    names.dedup();
    let id = |g: &str| names.binary_search_by(|x| x.as_str().cmp(g)).unwrap_or(0);
    let group: Vec<usize> = candidate_groups.iter().map(|g| id(g)).collect();
    let mut size = vec![0u64; names.len()];
    for &g in &group {
        size[g] += 1;
    }
    let lower: Vec<u64> = names
        .iter()
        .map(|g| groups.min.get(g).copied().unwrap_or(0))
        .collect();
    let cap: Vec<u64> = names
        .iter()
        .enumerate()
        .map(|(i, g)| groups.max.get(g).copied().unwrap_or(u64::MAX).min(size[i]))
        .collect();
    let field = &groups.field;
    let infeasible = |why: String| {
        MethodError::invalid_params(
            "groups",
            format!("infeasible constraints on metadata field {field:?}: {why}"),
        )
    };
    for (i, g) in names.iter().enumerate() {
        if lower[i] > cap[i] {
            return Err(infeasible(format!(
                "group {g:?} needs at least {} but has {} candidate(s) and a maximum of {}",
                lower[i],
                size[i],
                groups
                    .max
                    .get(g)
                    .map_or("none".to_owned(), |m| m.to_string())
            )));
        }
    }
    let k = k as u64;
    let min_total: u64 = lower.iter().sum();
    if min_total > k {
        return Err(infeasible(format!(
            "the minimums add up to {min_total}, more than the committee size {k}"
        )));
    }
    let cap_total: u64 = cap.iter().sum();
    if cap_total < k {
        return Err(infeasible(format!(
            "the maximums allow at most {cap_total} member(s), fewer than the committee size {k}"
        )));
    }
    Ok(Constraints {
        group,
        names,
        lower,
        cap,
        k,
    })
}

/// C(n, k), or `None` when it exceeds `limit`.
pub fn binomial_up_to(n: usize, k: usize, limit: u64) -> Option<u64> {
    let k = k.min(n);
    let k = k.min(n - k);
    let mut c: u128 = 1;
    for i in 0..k {
        c = c * (n - i) as u128 / (i + 1) as u128;
        if c > u128::from(limit) {
            return None;
        }
    }
    Some(c as u64)
}

/// Polls cancellation every [`CHECK_EVERY`] work units.
struct Poll<'h, 'a> {
    host: &'h Host<'a>,
    work: usize,
}

impl Poll<'_, '_> {
    fn add(&mut self, units: usize) -> Result<(), MethodError> {
        self.work += units;
        if self.work >= CHECK_EVERY {
            self.work = 0;
            self.host.check_cancelled()?;
        }
        Ok(())
    }
}

/// Greedy: `steps` times, add the allowed non-member with the largest marginal gain among
/// those that keep the constraints satisfiable (ties by index = name). Returns the members in
/// order of addition with their gains at that time.
fn greedy(
    obj: &Objective<'_>,
    allowed: &[bool],
    steps: usize,
    cons: Option<&Constraints>,
    poll: &mut Poll<'_, '_>,
) -> Result<(Vec<usize>, Vec<f64>), MethodError> {
    let n = obj.n;
    let mut member = vec![false; n];
    let mut counts = cons.map_or_else(Vec::new, |c| vec![0u64; c.names.len()]);
    let mut gains = vec![0.0; n];
    let mut suffix = Vec::new();
    let (mut order, mut at) = (Vec::with_capacity(steps), Vec::with_capacity(steps));
    for _ in 0..steps {
        poll.add(obj.cost())?;
        obj.gains(&member, &mut gains, &mut suffix);
        let mut best: Option<usize> = None;
        for c in 0..n {
            if member[c] || !allowed[c] {
                continue;
            }
            if let Some(cons) = cons
                && !cons.extendable(&counts, Some(cons.group[c]))
            {
                continue;
            }
            if best.is_none_or(|b| gains[c] > gains[b]) {
                best = Some(c);
            }
        }
        let Some(c) = best else {
            return Err(MethodError::internal(
                "greedy found no candidate that keeps the constraints satisfiable",
            ));
        };
        member[c] = true;
        if let Some(cons) = cons {
            counts[cons.group[c]] += 1;
        }
        order.push(c);
        at.push(gains[c]);
    }
    Ok((order, at))
}

/// Exhaustive search over the k-subsets satisfying the constraints, in lexicographic order of
/// candidate indices; the first with the largest value wins.
fn exhaustive(
    obj: &Objective<'_>,
    k: usize,
    cons: Option<&Constraints>,
    poll: &mut Poll<'_, '_>,
) -> Result<Vec<usize>, MethodError> {
    let n = obj.n;
    let mut idx: Vec<usize> = (0..k).collect();
    let mut member = vec![false; n];
    let mut best: Option<(f64, Vec<usize>)> = None;
    let cost = obj.cost();
    loop {
        poll.add(cost)?;
        let ok = cons.is_none_or(|cons| {
            let mut counts = vec![0u64; cons.names.len()];
            for &c in &idx {
                counts[cons.group[c]] += 1;
            }
            (0..counts.len()).all(|g| counts[g] >= cons.lower[g] && counts[g] <= cons.cap[g])
        });
        if ok {
            for &c in &idx {
                member[c] = true;
            }
            let v = obj.value(&member);
            for &c in &idx {
                member[c] = false;
            }
            if best.as_ref().is_none_or(|(b, _)| v > *b) {
                best = Some((v, idx.clone()));
            }
        }
        // Next combination.
        let mut i = k;
        loop {
            if i == 0 {
                return best
                    .map(|(_, s)| s)
                    .ok_or_else(|| MethodError::internal("no feasible committee"));
            }
            i -= 1;
            if idx[i] < n - k + i {
                idx[i] += 1;
                for j in i + 1..k {
                    idx[j] = idx[j - 1] + 1;
                }
                break;
            }
        }
    }
}

/// The outcome of a selection.
#[derive(Debug, Clone, PartialEq)]
pub struct Selection {
    /// The members in selection order, then the rest by marginal gain (ties by index).
    pub order: Vec<usize>,
    /// Per candidate: gain when selected, or gain w.r.t. the final committee.
    pub scores: Vec<f64>,
    /// Number of members (the first `size` of `order`).
    pub size: usize,
    /// f(committee).
    pub objective: f64,
    /// Whether the search was exhaustive (or everyone was selected).
    pub exact: bool,
    /// "optimal", "1-1/e" or "1/2".
    pub guarantee: &'static str,
}

/// Selects the committee.
pub fn select(
    host: &Host<'_>,
    obj: &Objective<'_>,
    k: usize,
    exact_limit: u64,
    cons: Option<&Constraints>,
) -> Result<Selection, MethodError> {
    let n = obj.n;
    let k = k.min(n);
    let mut poll = Poll { host, work: 0 };
    let exact = k == n || binomial_up_to(n, k, exact_limit).is_some();
    let (members, at) = if exact {
        let chosen = exhaustive(obj, k, cons, &mut poll)?;
        let mut allowed = vec![false; n];
        for &c in &chosen {
            allowed[c] = true;
        }
        greedy(obj, &allowed, k, None, &mut poll)?
    } else {
        greedy(obj, &vec![true; n], k, cons, &mut poll)?
    };
    host.progress(BUILD_SHARE + (1.0 - BUILD_SHARE) * 0.9);
    let mut member = vec![false; n];
    for &c in &members {
        member[c] = true;
    }
    let mut gains = vec![0.0; n];
    obj.gains(&member, &mut gains, &mut Vec::new());
    let mut scores = gains.clone();
    for (&c, &g) in members.iter().zip(&at) {
        scores[c] = g;
    }
    let mut rest: Vec<usize> = (0..n).filter(|&c| !member[c]).collect();
    rest.sort_by(|&a, &b| gains[b].total_cmp(&gains[a]).then(a.cmp(&b)));
    let mut order = members.clone();
    order.extend(rest);
    let constrained = cons.is_some_and(|c| {
        c.lower.iter().any(|&l| l > 0)
            || (0..c.cap.len())
                .any(|g| c.cap[g] < c.group.iter().filter(|&&x| x == g).count() as u64)
    });
    let guarantee = if exact || obj.rule == CommitteeRule::KBorda {
        "optimal"
    } else if constrained {
        "1/2"
    } else {
        "1-1/e"
    };
    Ok(Selection {
        order,
        scores,
        size: k,
        objective: obj.value(&member),
        exact,
        guarantee,
    })
}

/// Runs `multiwinner`.
pub fn run(
    host: &Host<'_>,
    data: &Dataset<'_>,
    raw_params: &Params,
    out: &mut Output<'_>,
) -> Result<(), MethodError> {
    let params = SocialChoiceParams::parse(raw_params, MULTIWINNER_PARAMS)?;
    let mw = MultiwinnerParams::parse(raw_params)?;
    let profile: Profile = profile::build_keeping(host, data, params.voters, BUILD_SHARE)?;
    let n = profile.size();
    let k = mw.k.min(n);
    let names: Vec<&str> = profile
        .candidates
        .iter()
        .map(|&m| data.model_name(m))
        .collect();
    let cons = match &mw.groups {
        Some(groups) => {
            let of: Vec<String> = profile
                .candidates
                .iter()
                .map(|&m| group_of(data.model_metadata(m), &groups.field))
                .collect();
            Some(constraints(groups, &of, k)?)
        }
        None => None,
    };
    let obj = Objective {
        rule: mw.rule,
        n,
        ballots: &profile.kept,
        borda: &profile.borda,
    };
    let sel = select(host, &obj, k, mw.exact_limit, cons.as_ref())?;
    let selected: Vec<&str> = sel.order[..sel.size].iter().map(|&c| names[c]).collect();
    let group_counts = cons.as_ref().map(|cons| {
        let mut counts = vec![0u64; cons.names.len()];
        for &c in &sel.order[..sel.size] {
            counts[cons.group[c]] += 1;
        }
        let map: serde_json::Map<String, Value> = cons
            .names
            .iter()
            .zip(counts)
            .map(|(g, n)| (g.clone(), json!(n)))
            .collect();
        Value::Object(map)
    });
    host.emit_extra(
        "multiwinner",
        &json!({
            "rule": mw.rule.as_str(),
            "k": k,
            "selected": selected,
            "objective": sel.objective,
            "exact": sel.exact,
            "guarantee": sel.guarantee,
            "exact_limit": mw.exact_limit,
            "groups": group_counts,
            "groups_field": mw.groups.as_ref().map(|g| g.field.clone()),
        }),
    );
    method::emit(host, data, &profile, params, serde_json::Map::new());
    let order: Vec<u32> = sel
        .order
        .iter()
        .map(|&c| profile.candidates[c] as u32)
        .collect();
    out.set_order(&order)?;
    for (c, &model) in profile.candidates.iter().enumerate() {
        out.set_score(model, sel.scores[c]);
    }
    host.progress(1.0);
    Ok(())
}
