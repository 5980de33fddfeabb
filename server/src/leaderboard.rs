//! Computing leaderboards: selected data → a method → ranked rows, with bootstrap intervals
//! for any method (third-party ones included).
//!
//! Why it is shaped so:
//! - **A leaderboard is a pure function** of (data version, normalised request, plugin name,
//!   version and file hash): [`etag`] hashes exactly that, so equal requests on equal data get
//!   the same ETag and the same bytes.
//! - **Uncertainty lives in the host.** Bootstrap replicates resample samples with replacement
//!   within each benchmark (stratified), rebuild the fact columns, and rerun the method; scores
//!   and ranks get percentile intervals. Each replicate draws from its own SplitMix64 stream
//!   seeded by (seed, replicate index), so results do not depend on thread scheduling.
//! - **Datasets are reused.** The columnar data of a selection is cached per data version, so a
//!   new method or new parameters on unchanged data do not read SQL again.

use std::collections::{BTreeMap, HashMap, VecDeque};
use std::sync::atomic::{AtomicBool, AtomicUsize, Ordering};
use std::sync::{Arc, Mutex};
use std::time::Instant;

use podium_plugin_api::abi::{PODIUM_NO_INDEX, PODIUM_NO_TIMESTAMP};
use podium_plugin_host::{
    Dataset, Facts, MethodHandle, Progress, RunError, RunOptions, RunOutput, Tables, run_method,
};
use podium_storage::selection::{SelectedData, SelectionSpec};
use podium_synth::SplitMix64;
use podium_wire::api::{
    Leaderboard, LeaderboardRequest, LeaderboardRow, MethodIdentity, Selection,
};
use podium_wire::{MetricKind, Winner};
use serde_json::{Map, Value, json};
use sha2::{Digest, Sha256};

use crate::error::ApiError;

/// Most bootstrap rounds one request may ask for.
pub const MAX_BOOTSTRAP: u32 = 10_000;

/// The selection in storage terms.
pub fn selection_spec(selection: &Selection) -> SelectionSpec {
    SelectionSpec {
        benchmarks: selection.benchmarks.clone(),
        metrics: selection.metrics.clone(),
        models: selection.models.clone(),
        tags: selection.tags.clone(),
        filters: selection.filters.clone(),
        near: selection.near.clone(),
        as_of: selection.as_of,
    }
}

/// Checks what the schema of a selection cannot say.
pub fn check_selection(selection: &Selection) -> Result<(), ApiError> {
    let bad = |field: &str, reason: &str| Err(ApiError::BadRequest(format!("{field}: {reason}")));
    if selection.benchmarks.is_empty() {
        return bad("selection.benchmarks", "name at least one benchmark");
    }
    for (i, filter) in selection.filters.iter().enumerate() {
        if let Some(problem) = filter.problem() {
            return bad(&format!("selection.filters[{i}]"), &problem);
        }
    }
    if let Some(near) = &selection.near {
        if near.vector.is_some() == near.of.is_some() {
            return bad("selection.near", "give exactly one of vector and of");
        }
        if near
            .vector
            .as_ref()
            .is_some_and(|v| v.is_empty() || v.iter().any(|x| !x.is_finite()))
        {
            return bad("selection.near.vector", "must be finite numbers");
        }
        if near.top_k.is_none() && near.threshold.is_none() {
            return bad("selection.near", "give top_k, threshold or both");
        }
    }
    Ok(())
}

/// Checks what the schema of a leaderboard request cannot say.
pub fn check_request(request: &LeaderboardRequest) -> Result<(), ApiError> {
    let bad = |field: &str, reason: &str| Err(ApiError::BadRequest(format!("{field}: {reason}")));
    check_selection(&request.selection)?;
    if request.uncertainty.bootstrap > MAX_BOOTSTRAP {
        return bad("uncertainty.bootstrap", "at most 10000 rounds");
    }
    let level = request.uncertainty.level;
    if !(level > 0.0 && level < 1.0) {
        return bad("uncertainty.level", "must lie strictly between 0 and 1");
    }
    Ok(())
}

/// Stable identity of a leaderboard: the ETag (strong, quoted).
pub fn etag(data_version: i64, request: &LeaderboardRequest, method: &MethodHandle) -> String {
    let mut hasher = Sha256::new();
    hasher.update(data_version.to_le_bytes());
    // serde_json's maps are sorted, so this is a canonical form of the request.
    hasher.update(serde_json::to_vec(request).unwrap_or_default());
    hasher.update(method.plugin.name.as_bytes());
    hasher.update([0]);
    hasher.update(method.plugin.version.as_bytes());
    hasher.update([0]);
    hasher.update(method.plugin.file_hash.as_bytes());
    let digest = hasher.finalize();
    format!("\"lb-{}\"", hex::encode(&digest[..16]))
}

/// The columnar dataset of a selection, with per-model evidence counts.
pub struct PreparedData {
    /// The data version it was read at.
    pub data_version: i64,
    /// The dataset handed to methods.
    pub dataset: Arc<Dataset>,
    /// Measurements plus comparisons per model.
    pub evidence: Vec<u64>,
    /// Benchmarks and metrics used.
    pub benchmarks: Vec<Value>,
}

/// Turns what storage read into the host's columnar dataset.
pub fn prepare(data: SelectedData) -> Result<PreparedData, ApiError> {
    let kind_code = |kind: MetricKind| match kind {
        MetricKind::Binary => podium_plugin_api::abi::PODIUM_METRIC_BINARY,
        MetricKind::Score => podium_plugin_api::abi::PODIUM_METRIC_SCORE,
        MetricKind::Rank => podium_plugin_api::abi::PODIUM_METRIC_RANK,
    };
    let winner_code = |w: Winner| match w {
        Winner::ModelA => podium_plugin_api::abi::PODIUM_WINNER_MODEL_A,
        Winner::ModelB => podium_plugin_api::abi::PODIUM_WINNER_MODEL_B,
        Winner::Tie => podium_plugin_api::abi::PODIUM_WINNER_TIE,
        Winner::BothBad => podium_plugin_api::abi::PODIUM_WINNER_BOTH_BAD,
    };
    let benchmarks = data
        .benchmarks
        .iter()
        .map(|b| {
            json!({"name": b.name, "metric": b.metric, "kind": b.kind.as_str(),
                   "higher_is_better": b.higher_is_better})
        })
        .collect();
    let mut evidence = vec![0u64; data.models.len()];
    for &(m, _, _) in &data.measurements {
        evidence[m as usize] += 1;
    }
    for c in &data.comparisons {
        evidence[c.model_a as usize] += 1;
        evidence[c.model_b as usize] += 1;
    }
    let tables = Tables {
        model_names: data.models.iter().map(|(n, _)| n.clone()).collect(),
        model_metadata: data.models.iter().map(|(_, m)| m.clone()).collect(),
        benchmark_names: data.benchmarks.iter().map(|b| b.name.clone()).collect(),
        benchmark_metric_kinds: data.benchmarks.iter().map(|b| kind_code(b.kind)).collect(),
        sample_ids: data.samples.iter().map(|s| s.id.clone()).collect(),
        sample_benchmarks: data.samples.iter().map(|s| s.benchmark).collect(),
        sample_metadata: data.samples.iter().map(|s| s.metadata.clone()).collect(),
        judge_names: data.judges,
    };
    let facts = Facts {
        measurement_models: data.measurements.iter().map(|m| m.0).collect(),
        measurement_samples: data.measurements.iter().map(|m| m.1).collect(),
        measurement_values: data.measurements.iter().map(|m| m.2).collect(),
        comparison_models_a: data.comparisons.iter().map(|c| c.model_a).collect(),
        comparison_models_b: data.comparisons.iter().map(|c| c.model_b).collect(),
        comparison_samples: data.comparisons.iter().map(|c| c.sample).collect(),
        comparison_winners: data
            .comparisons
            .iter()
            .map(|c| winner_code(c.winner))
            .collect(),
        comparison_strengths: data
            .comparisons
            .iter()
            .map(|c| c.strength.unwrap_or(f64::NAN))
            .collect(),
        comparison_weights: data.comparisons.iter().map(|c| c.weight).collect(),
        comparison_timestamps_ms: data
            .comparisons
            .iter()
            .map(|c| c.timestamp_ms.unwrap_or(PODIUM_NO_TIMESTAMP))
            .collect(),
        comparison_judges: data
            .comparisons
            .iter()
            .map(|c| c.judge.unwrap_or(PODIUM_NO_INDEX))
            .collect(),
        comparison_metadata: data.comparisons.into_iter().map(|c| c.metadata).collect(),
    };
    let dataset =
        Dataset::new(Arc::new(tables), facts).map_err(|e| ApiError::Internal(e.to_string()))?;
    Ok(PreparedData {
        data_version: data.data_version,
        dataset: Arc::new(dataset),
        evidence,
        benchmarks,
    })
}

/// Rows of each fact column, grouped by sample (for resampling).
struct SampleIndex {
    by_benchmark: Vec<Vec<u32>>,
    measurements: Vec<Vec<u32>>,
    comparisons: Vec<Vec<u32>>,
}

impl SampleIndex {
    fn new(dataset: &Dataset) -> Self {
        let samples = dataset.sample_count();
        let benchmarks = dataset.tables().benchmark_names.len();
        let mut by_benchmark = vec![Vec::new(); benchmarks];
        for (s, &b) in dataset.sample_benchmarks().iter().enumerate() {
            by_benchmark[b as usize].push(s as u32);
        }
        let mut measurements = vec![Vec::new(); samples];
        for (row, &s) in dataset.facts().measurement_samples.iter().enumerate() {
            measurements[s as usize].push(row as u32);
        }
        let mut comparisons = vec![Vec::new(); samples];
        for (row, &s) in dataset.facts().comparison_samples.iter().enumerate() {
            comparisons[s as usize].push(row as u32);
        }
        SampleIndex {
            by_benchmark,
            measurements,
            comparisons,
        }
    }
}

fn replicate(
    base: &Arc<Dataset>,
    index: &SampleIndex,
    rng: &mut SplitMix64,
) -> Result<Dataset, ApiError> {
    let f = base.facts();
    let mut draws = Vec::with_capacity(base.sample_count());
    for samples in &index.by_benchmark {
        let k = samples.len() as u32;
        for _ in 0..k {
            draws.push(samples[rng.below(u64::from(k)) as usize]);
        }
    }
    let mut facts = Facts::default();
    for (new, &old) in draws.iter().enumerate() {
        let new = new as u32;
        for &row in &index.measurements[old as usize] {
            let row = row as usize;
            facts.measurement_models.push(f.measurement_models[row]);
            facts.measurement_samples.push(new);
            facts.measurement_values.push(f.measurement_values[row]);
        }
        for &row in &index.comparisons[old as usize] {
            let row = row as usize;
            facts.comparison_models_a.push(f.comparison_models_a[row]);
            facts.comparison_models_b.push(f.comparison_models_b[row]);
            facts.comparison_samples.push(new);
            facts.comparison_winners.push(f.comparison_winners[row]);
            facts.comparison_strengths.push(f.comparison_strengths[row]);
            facts.comparison_weights.push(f.comparison_weights[row]);
            facts
                .comparison_timestamps_ms
                .push(f.comparison_timestamps_ms[row]);
            facts.comparison_judges.push(f.comparison_judges[row]);
            facts
                .comparison_metadata
                .push(f.comparison_metadata[row].clone());
        }
    }
    base.resample(&draws, facts)
        .map_err(|e| ApiError::Internal(e.to_string()))
}

/// Competition ranks (1, 2, 2, 4) of the valid models, from an explicit order or by score.
pub(crate) fn ranks(output: &RunOutput) -> Vec<Option<u32>> {
    let n = output.scores.len();
    let mut ranks = vec![None; n];
    if let Some(order) = &output.order {
        for (position, &model) in order.iter().enumerate() {
            if ranks[model as usize].is_none() {
                ranks[model as usize] = Some(position as u32 + 1);
            }
        }
        return ranks;
    }
    let mut valid: Vec<usize> = (0..n).filter(|&m| output.valid[m]).collect();
    valid.sort_by(|&a, &b| output.scores[b].total_cmp(&output.scores[a]));
    for (position, &model) in valid.iter().enumerate() {
        let rank = if position > 0 && output.scores[valid[position - 1]] == output.scores[model] {
            ranks[valid[position - 1]].unwrap_or(position as u32 + 1)
        } else {
            position as u32 + 1
        };
        ranks[model] = Some(rank);
    }
    ranks
}

/// The `q` quantile of sorted values, with linear interpolation.
fn quantile(sorted: &[f64], q: f64) -> Option<f64> {
    if sorted.is_empty() {
        return None;
    }
    let position = q * (sorted.len() - 1) as f64;
    let low = position.floor() as usize;
    let high = position.ceil() as usize;
    let weight = position - low as f64;
    Some(sorted[low] * (1.0 - weight) + sorted[high] * weight)
}

/// Shared between a computation and whoever watches it.
#[derive(Clone, Default)]
pub struct Watch {
    /// Set to stop.
    pub cancel: Arc<AtomicBool>,
    /// Fraction done.
    pub progress: Arc<Progress>,
}

pub(crate) fn run_error(err: RunError) -> ApiError {
    match err {
        RunError::UnknownMethod(m) => ApiError::BadRequest(format!("method: {m}")),
        RunError::InvalidParams(m) => ApiError::BadRequest(format!("params: {m}")),
        RunError::InvalidData(m) | RunError::Unsupported(m) => ApiError::Unprocessable {
            detail: m,
            errors: Vec::new(),
            count: 0,
        },
        RunError::Cancelled => ApiError::Unavailable("the computation was cancelled".into()),
        RunError::DeadlineExceeded(d) => ApiError::DeadlineExceeded(format!(
            "the method did not finish within {:.1} s",
            d.as_secs_f64()
        )),
        RunError::Panicked(m) => ApiError::MethodFailed(format!("the method panicked: {m}")),
        RunError::Failed(m) => ApiError::MethodFailed(format!("the method failed: {m}")),
        RunError::Quarantined(p) => ApiError::Unavailable(format!(
            "plugin {p} is quarantined after repeated deadline overruns; rescan plugins or \
             restart to retry it"
        )),
    }
}

/// Runs the method (and its bootstrap) and assembles the leaderboard. Blocking.
pub fn compute(
    request: &LeaderboardRequest,
    method: &MethodHandle,
    data: &PreparedData,
    deadline: std::time::Duration,
    watch: &Watch,
) -> Result<Leaderboard, ApiError> {
    let started = Instant::now();
    let params = Value::Object(request.params.clone());
    let compute = podium_plugin_host::compute();
    let options = |seed: u64| RunOptions {
        seed,
        deadline,
        cancel: Arc::clone(&watch.cancel),
        progress: Arc::new(Progress::default()),
        compute: Arc::clone(&compute),
    };
    let u = request.uncertainty;
    let point = run_method(
        &method.plugin,
        method.index,
        &data.dataset,
        &params,
        &RunOptions {
            progress: Arc::clone(&watch.progress),
            ..options(u.seed)
        },
    )
    .map_err(run_error)?;
    let point_ranks = ranks(&point);
    let models = data.dataset.model_count();

    // Bootstrap replicates, in parallel, each from its own random stream.
    let rounds = u.bootstrap as usize;
    let mut replicate_scores: Vec<Vec<f64>> = vec![Vec::new(); models];
    let mut replicate_ranks: Vec<Vec<f64>> = vec![Vec::new(); models];
    let mut failed = 0usize;
    if rounds > 0 {
        let index = SampleIndex::new(&data.dataset);
        let next = AtomicUsize::new(0);
        let done = AtomicUsize::new(0);
        let results: Mutex<Vec<Option<Result<RunOutput, RunError>>>> =
            Mutex::new(vec![None; rounds]);
        let workers = std::thread::available_parallelism()
            .map_or(2, |n| n.get())
            .min(rounds);
        let fatal: Mutex<Option<ApiError>> = Mutex::new(None);
        std::thread::scope(|scope| {
            for _ in 0..workers {
                scope.spawn(|| {
                    loop {
                        let r = next.fetch_add(1, Ordering::Relaxed);
                        if r >= rounds || watch.cancel.load(Ordering::Relaxed) {
                            break;
                        }
                        let mut rng = SplitMix64::stream(u.seed, r as u64);
                        let outcome = match replicate(&data.dataset, &index, &mut rng) {
                            Ok(dataset) => run_method(
                                &method.plugin,
                                method.index,
                                &Arc::new(dataset),
                                &params,
                                &options(u.seed.wrapping_add(r as u64 + 1)),
                            ),
                            Err(err) => {
                                if let Ok(mut slot) = fatal.lock() {
                                    *slot = Some(err);
                                }
                                break;
                            }
                        };
                        if let Ok(mut slots) = results.lock() {
                            slots[r] = Some(outcome);
                        }
                        let finished = done.fetch_add(1, Ordering::Relaxed) + 1;
                        watch
                            .progress
                            .set((finished as f64 / (rounds + 1) as f64).min(1.0));
                    }
                });
            }
        });
        if let Some(err) = fatal.into_inner().ok().flatten() {
            return Err(err);
        }
        if watch.cancel.load(Ordering::Relaxed) {
            return Err(ApiError::Unavailable(
                "the computation was cancelled".into(),
            ));
        }
        for outcome in results
            .into_inner()
            .unwrap_or_default()
            .into_iter()
            .flatten()
        {
            match outcome {
                Ok(output) => {
                    let ranks = ranks(&output);
                    for m in 0..models {
                        if output.valid[m] {
                            replicate_scores[m].push(output.scores[m]);
                        }
                        if let Some(rank) = ranks[m] {
                            replicate_ranks[m].push(f64::from(rank));
                        }
                    }
                }
                // A replicate can legitimately be unrankable (e.g. a draw with no
                // comparisons); deadline overruns and panics are the method's fault.
                Err(RunError::InvalidData(_)) => failed += 1,
                Err(other) => return Err(run_error(other)),
            }
        }
    }
    watch.progress.set(1.0);

    let (lo_q, hi_q) = ((1.0 - u.level) / 2.0, (1.0 + u.level) / 2.0);
    let names = &data.dataset.tables().model_names;
    let mut rows = Vec::new();
    let mut unscored = Vec::new();
    for m in 0..models {
        let Some(rank) = point_ranks[m] else {
            unscored.push(names[m].clone());
            continue;
        };
        let (mut ci_low, mut ci_high) =
            point.intervals[m].map_or((None, None), |(l, h)| (Some(l), Some(h)));
        let (mut rank_low, mut rank_high) = (None, None);
        if rounds > 0 {
            let scores = &mut replicate_scores[m];
            scores.sort_by(f64::total_cmp);
            ci_low = quantile(scores, lo_q);
            ci_high = quantile(scores, hi_q);
            let ranks = &mut replicate_ranks[m];
            ranks.sort_by(f64::total_cmp);
            rank_low = quantile(ranks, lo_q).map(|r| r.floor() as u32);
            rank_high = quantile(ranks, hi_q).map(|r| r.ceil() as u32);
        }
        rows.push(LeaderboardRow {
            rank,
            model: names[m].clone(),
            score: point.scores[m],
            ci_low,
            ci_high,
            rank_low,
            rank_high,
            n: data.evidence[m],
        });
    }
    rows.sort_by(|a, b| a.rank.cmp(&b.rank).then_with(|| a.model.cmp(&b.model)));

    let facts = data.dataset.facts();
    let mut diagnostics = Map::new();
    diagnostics.insert(
        "counts".into(),
        json!({
            "models": models,
            "samples": data.dataset.sample_count(),
            "measurements": facts.measurement_values.len(),
            "comparisons": facts.comparison_winners.len(),
        }),
    );
    diagnostics.insert("benchmarks".into(), Value::Array(data.benchmarks.clone()));
    if rounds > 0 {
        diagnostics.insert(
            "bootstrap".into(),
            json!({"rounds": rounds, "unrankable_rounds": failed, "level": u.level,
                   "seed": u.seed, "stratified_by": "benchmark"}),
        );
    }
    if !point.kernels.is_empty() {
        let kernels: Vec<Value> = point
            .kernels
            .iter()
            .map(|(kernel, device)| json!({"kernel": kernel, "device": device}))
            .collect();
        diagnostics.insert(
            "compute".into(),
            json!({"policy": compute.policy().name(), "kernels": kernels}),
        );
    }
    let extras: BTreeMap<String, Value> = point.extras.into_iter().collect();
    if !extras.is_empty() {
        diagnostics.insert("method".into(), json!(extras));
    }
    diagnostics.insert(
        "compute_ms".into(),
        json!(started.elapsed().as_millis() as u64),
    );
    let info = method.info();
    Ok(Leaderboard {
        method: MethodIdentity {
            id: info.id.clone(),
            plugin: method.plugin.name.clone(),
            plugin_version: method.plugin.version.clone(),
            plugin_file_hash: method.plugin.file_hash.clone(),
        },
        data_version: data.data_version,
        request: request.clone(),
        rows,
        unscored,
        diagnostics,
    })
}

/// A rough run-time estimate of a leaderboard, in seconds, used to decide whether it runs as a
/// job: linear in the rows a method reads, times the number of runs (1 + bootstrap rounds),
/// plus a per-run overhead. Calibrated on the baseline methods; methods that are much slower
/// per row (Kemeny, Monte Carlo) should be requested with `async=true`.
pub fn estimate_secs(data: &PreparedData, rounds: u32) -> f64 {
    let facts = data.dataset.facts();
    let rows = (facts.measurement_values.len() + facts.comparison_winners.len()) as f64;
    let runs = f64::from(rounds) + 1.0;
    runs * (rows * 2.0e-8 + 2.0e-4)
}

/// The leaderboard as CSV (one row per ranked model).
pub fn to_csv(board: &Leaderboard) -> String {
    fn field(text: &str) -> String {
        if text.contains([',', '"', '\n', '\r']) {
            format!("\"{}\"", text.replace('"', "\"\""))
        } else {
            text.to_owned()
        }
    }
    fn number<T: ToString>(value: Option<T>) -> String {
        value.map(|v| v.to_string()).unwrap_or_default()
    }
    let mut out = String::from("rank,model,score,ci_low,ci_high,rank_low,rank_high,n\n");
    for row in &board.rows {
        out += &format!(
            "{},{},{},{},{},{},{},{}\n",
            row.rank,
            field(&row.model),
            row.score,
            number(row.ci_low),
            number(row.ci_high),
            number(row.rank_low),
            number(row.rank_high),
            row.n
        );
    }
    out
}

/// A small bounded map that forgets its oldest entry first.
pub struct BoundedCache<V> {
    capacity: usize,
    entries: Mutex<(HashMap<String, V>, VecDeque<String>)>,
}

impl<V: Clone> BoundedCache<V> {
    /// A cache of at most `capacity` entries.
    pub fn new(capacity: usize) -> Self {
        BoundedCache {
            capacity,
            entries: Mutex::new((HashMap::new(), VecDeque::new())),
        }
    }

    /// The value under `key`.
    pub fn get(&self, key: &str) -> Option<V> {
        self.entries.lock().ok()?.0.get(key).cloned()
    }

    /// Stores `value` under `key`.
    pub fn put(&self, key: String, value: V) {
        let Ok(mut guard) = self.entries.lock() else {
            return;
        };
        let (map, order) = &mut *guard;
        if map.insert(key.clone(), value).is_none() {
            order.push_back(key);
        }
        while order.len() > self.capacity {
            if let Some(oldest) = order.pop_front() {
                map.remove(&oldest);
            }
        }
    }
}

/// Key of a selection's dataset in the data cache.
pub fn data_key(data_version: i64, selection: &Selection) -> String {
    format!(
        "{data_version}:{}",
        serde_json::to_string(selection).unwrap_or_default()
    )
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn quantiles_interpolate() {
        let v = [1.0, 2.0, 3.0, 4.0, 5.0];
        assert_eq!(quantile(&v, 0.0), Some(1.0));
        assert_eq!(quantile(&v, 0.5), Some(3.0));
        assert_eq!(quantile(&v, 0.125), Some(1.5));
        assert_eq!(quantile(&[], 0.5), None);
    }

    #[test]
    fn ties_share_a_rank() {
        let output = RunOutput {
            scores: vec![0.5, 0.9, 0.5, f64::NAN, 0.1],
            valid: vec![true, true, true, false, true],
            intervals: vec![None; 5],
            order: None,
            extras: vec![],
            kernels: vec![],
        };
        assert_eq!(
            ranks(&output),
            vec![Some(2), Some(1), Some(2), None, Some(4)]
        );
    }

    #[test]
    fn csv_quotes_awkward_names() {
        let board = Leaderboard {
            method: MethodIdentity {
                id: "m".into(),
                plugin: "p".into(),
                plugin_version: "1".into(),
                plugin_file_hash: "h".into(),
            },
            data_version: 1,
            request: LeaderboardRequest {
                selection: Selection {
                    benchmarks: vec!["b".into()],
                    metrics: BTreeMap::new(),
                    models: vec![],
                    tags: vec![],
                    filters: vec![],
                    near: None,
                    as_of: None,
                },
                method: "m".into(),
                params: Map::new(),
                uncertainty: Default::default(),
            },
            rows: vec![LeaderboardRow {
                rank: 1,
                model: "a,\"b\"".into(),
                score: 0.5,
                ci_low: Some(0.25),
                ci_high: None,
                rank_low: Some(1),
                rank_high: None,
                n: 3,
            }],
            unscored: vec![],
            diagnostics: Map::new(),
        };
        assert_eq!(
            to_csv(&board),
            "rank,model,score,ci_low,ci_high,rank_low,rank_high,n\n1,\"a,\"\"b\"\"\",0.5,0.25,,1,,3\n"
        );
    }
}
