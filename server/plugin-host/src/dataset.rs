//! The data a method ranks, owned by the host in columnar form, and its borrowed ABI view.
//!
//! The server builds a [`Dataset`] from SQL once per data version and selection; bootstrap
//! replicates are further `Dataset`s that reuse the name tables (`Arc`) and resample only the
//! fact columns. [`Dataset::view`] produces the `PodiumDataset` a plugin reads; the view borrows
//! from the dataset, which the running call keeps alive.

use std::sync::Arc;

use podium_plugin_api::abi::{PodiumDataset, PodiumStr};

/// Names and metadata: everything but the facts, shared between a dataset and its resamples.
#[derive(Debug, Default, Clone, PartialEq)]
pub struct Tables {
    /// Model names.
    pub model_names: Vec<String>,
    /// Model metadata (JSON objects as text).
    pub model_metadata: Vec<String>,
    /// Benchmark names.
    pub benchmark_names: Vec<String>,
    /// Kind of the selected metric per benchmark (`PODIUM_METRIC_*`).
    pub benchmark_metric_kinds: Vec<u32>,
    /// Sample ids.
    pub sample_ids: Vec<String>,
    /// Benchmark index per sample.
    pub sample_benchmarks: Vec<u32>,
    /// Sample metadata (JSON objects as text).
    pub sample_metadata: Vec<String>,
    /// Judge names.
    pub judge_names: Vec<String>,
}

/// Measurement and comparison columns (see `PodiumDataset` for their meaning).
#[derive(Debug, Default, Clone, PartialEq)]
pub struct Facts {
    /// Model index per measurement.
    pub measurement_models: Vec<u32>,
    /// Sample index per measurement.
    pub measurement_samples: Vec<u32>,
    /// Value per measurement (higher is better, epochs averaged).
    pub measurement_values: Vec<f64>,
    /// First model per comparison.
    pub comparison_models_a: Vec<u32>,
    /// Second model per comparison.
    pub comparison_models_b: Vec<u32>,
    /// Sample per comparison.
    pub comparison_samples: Vec<u32>,
    /// `PODIUM_WINNER_*` per comparison.
    pub comparison_winners: Vec<u32>,
    /// Strength per comparison (NaN = none).
    pub comparison_strengths: Vec<f64>,
    /// Weight per comparison.
    pub comparison_weights: Vec<f64>,
    /// Milliseconds since the epoch per comparison (`PODIUM_NO_TIMESTAMP` = none).
    pub comparison_timestamps_ms: Vec<i64>,
    /// Judge index per comparison (`PODIUM_NO_INDEX` = none).
    pub comparison_judges: Vec<u32>,
    /// Metadata per comparison (JSON objects as text).
    pub comparison_metadata: Vec<String>,
}

/// A complete dataset: shared tables plus its own facts, and the string views the ABI needs.
///
/// A bootstrap replicate ([`Dataset::resample`]) has its own sample list (one entry per draw,
/// so an id can repeat) whose string views point into the original's strings; it keeps the
/// original alive through `base`.
#[derive(Debug)]
pub struct Dataset {
    tables: Arc<Tables>,
    facts: Facts,
    sample_benchmarks: Vec<u32>,
    views: StrViews,
    base: Option<Arc<Dataset>>,
}

/// `PodiumStr` arrays pointing into the owned strings (rebuilt whenever those change).
#[derive(Debug, Default)]
struct StrViews {
    model_names: Vec<PodiumStr>,
    model_metadata: Vec<PodiumStr>,
    benchmark_names: Vec<PodiumStr>,
    sample_ids: Vec<PodiumStr>,
    sample_metadata: Vec<PodiumStr>,
    judge_names: Vec<PodiumStr>,
    comparison_metadata: Vec<PodiumStr>,
}

// SAFETY: the raw pointers in `views` point into strings this struct owns (directly or through
// the immutable `Arc<Tables>`), which are never mutated while a `Dataset` exists.
#[allow(unsafe_code)]
unsafe impl Send for Dataset {}
// SAFETY: as above; the views are read-only.
#[allow(unsafe_code)]
unsafe impl Sync for Dataset {}

fn strs(texts: &[String]) -> Vec<PodiumStr> {
    texts.iter().map(|t| PodiumStr::new(t)).collect()
}

/// Why a dataset is inconsistent.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("inconsistent dataset: {0}")]
pub struct DatasetError(pub String);

impl Dataset {
    /// Checks that every column has the right length and every index is in range.
    pub fn new(tables: Arc<Tables>, facts: Facts) -> Result<Dataset, DatasetError> {
        validate_tables(&tables)?;
        validate_facts(&tables, tables.sample_ids.len(), &facts)?;
        let views = StrViews {
            model_names: strs(&tables.model_names),
            model_metadata: strs(&tables.model_metadata),
            benchmark_names: strs(&tables.benchmark_names),
            sample_ids: strs(&tables.sample_ids),
            sample_metadata: strs(&tables.sample_metadata),
            judge_names: strs(&tables.judge_names),
            comparison_metadata: strs(&facts.comparison_metadata),
        };
        Ok(Dataset {
            sample_benchmarks: tables.sample_benchmarks.clone(),
            tables,
            facts,
            views,
            base: None,
        })
    }

    /// A replicate whose sample `i` is this dataset's sample `draws[i]`; `facts` index the new
    /// sample list.
    pub fn resample(
        self: &Arc<Self>,
        draws: &[u32],
        facts: Facts,
    ) -> Result<Dataset, DatasetError> {
        if let Some(&bad) = draws.iter().find(|&&s| s as usize >= self.sample_count()) {
            return Err(DatasetError(format!("draw of sample {bad} out of range")));
        }
        validate_facts(&self.tables, draws.len(), &facts)?;
        let pick = |column: &[PodiumStr]| -> Vec<PodiumStr> {
            draws.iter().map(|&s| column[s as usize]).collect()
        };
        let views = StrViews {
            model_names: self.views.model_names.clone(),
            model_metadata: self.views.model_metadata.clone(),
            benchmark_names: self.views.benchmark_names.clone(),
            sample_ids: pick(&self.views.sample_ids),
            sample_metadata: pick(&self.views.sample_metadata),
            judge_names: self.views.judge_names.clone(),
            comparison_metadata: strs(&facts.comparison_metadata),
        };
        Ok(Dataset {
            tables: Arc::clone(&self.tables),
            sample_benchmarks: draws
                .iter()
                .map(|&s| self.sample_benchmarks[s as usize])
                .collect(),
            facts,
            views,
            base: Some(Arc::clone(self)),
        })
    }

    /// Number of samples (draws, in a replicate).
    pub fn sample_count(&self) -> usize {
        self.sample_benchmarks.len()
    }

    /// Benchmark index of each sample.
    pub fn sample_benchmarks(&self) -> &[u32] {
        &self.sample_benchmarks
    }

    /// Whether this is a bootstrap replicate of another dataset.
    pub fn is_replicate(&self) -> bool {
        self.base.is_some()
    }

    /// The shared tables.
    pub fn tables(&self) -> &Arc<Tables> {
        &self.tables
    }

    /// The fact columns.
    pub fn facts(&self) -> &Facts {
        &self.facts
    }

    /// Number of models.
    pub fn model_count(&self) -> usize {
        self.tables.model_names.len()
    }

    /// The ABI view; valid while `self` is alive and unchanged.
    pub fn view(&self) -> PodiumDataset {
        let t = &self.tables;
        let f = &self.facts;
        let v = &self.views;
        PodiumDataset {
            struct_size: size_of::<PodiumDataset>() as u32,
            model_count: t.model_names.len(),
            model_names: v.model_names.as_ptr(),
            model_metadata: v.model_metadata.as_ptr(),
            benchmark_count: t.benchmark_names.len(),
            benchmark_names: v.benchmark_names.as_ptr(),
            benchmark_metric_kinds: t.benchmark_metric_kinds.as_ptr(),
            sample_count: self.sample_benchmarks.len(),
            sample_ids: v.sample_ids.as_ptr(),
            sample_benchmarks: self.sample_benchmarks.as_ptr(),
            sample_metadata: v.sample_metadata.as_ptr(),
            measurement_count: f.measurement_values.len(),
            measurement_models: f.measurement_models.as_ptr(),
            measurement_samples: f.measurement_samples.as_ptr(),
            measurement_values: f.measurement_values.as_ptr(),
            comparison_count: f.comparison_winners.len(),
            comparison_models_a: f.comparison_models_a.as_ptr(),
            comparison_models_b: f.comparison_models_b.as_ptr(),
            comparison_samples: f.comparison_samples.as_ptr(),
            comparison_winners: f.comparison_winners.as_ptr(),
            comparison_strengths: f.comparison_strengths.as_ptr(),
            comparison_weights: f.comparison_weights.as_ptr(),
            comparison_timestamps_ms: f.comparison_timestamps_ms.as_ptr(),
            comparison_judges: f.comparison_judges.as_ptr(),
            comparison_metadata: v.comparison_metadata.as_ptr(),
            judge_count: t.judge_names.len(),
            judge_names: v.judge_names.as_ptr(),
        }
    }
}

fn validate_tables(t: &Tables) -> Result<(), DatasetError> {
    let fail = |what: String| Err(DatasetError(what));
    let models = t.model_names.len();
    let samples = t.sample_ids.len();
    let benchmarks = t.benchmark_names.len();
    if t.model_metadata.len() != models {
        return fail("model metadata length".into());
    }
    if t.benchmark_metric_kinds.len() != benchmarks {
        return fail("benchmark metric kinds length".into());
    }
    if t.sample_benchmarks.len() != samples || t.sample_metadata.len() != samples {
        return fail("sample columns length".into());
    }
    if t.sample_benchmarks
        .iter()
        .any(|&b| b as usize >= benchmarks)
    {
        return fail("a sample's benchmark index is out of range".into());
    }
    Ok(())
}

fn validate_facts(t: &Tables, samples: usize, f: &Facts) -> Result<(), DatasetError> {
    let fail = |what: String| Err(DatasetError(what));
    let models = t.model_names.len();
    let judges = t.judge_names.len();
    let n = f.measurement_values.len();
    if f.measurement_models.len() != n || f.measurement_samples.len() != n {
        return fail("measurement columns length".into());
    }
    if f.measurement_models.iter().any(|&m| m as usize >= models)
        || f.measurement_samples.iter().any(|&s| s as usize >= samples)
    {
        return fail("a measurement index is out of range".into());
    }
    let c = f.comparison_winners.len();
    let lengths = [
        f.comparison_models_a.len(),
        f.comparison_models_b.len(),
        f.comparison_samples.len(),
        f.comparison_strengths.len(),
        f.comparison_weights.len(),
        f.comparison_timestamps_ms.len(),
        f.comparison_judges.len(),
        f.comparison_metadata.len(),
    ];
    if lengths.iter().any(|&l| l != c) {
        return fail("comparison columns length".into());
    }
    if f.comparison_models_a.iter().any(|&m| m as usize >= models)
        || f.comparison_models_b.iter().any(|&m| m as usize >= models)
        || f.comparison_samples.iter().any(|&s| s as usize >= samples)
        || f.comparison_judges
            .iter()
            .any(|&j| j != podium_plugin_api::abi::PODIUM_NO_INDEX && j as usize >= judges)
    {
        return fail("a comparison index is out of range".into());
    }
    Ok(())
}
