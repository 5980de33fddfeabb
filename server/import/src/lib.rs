//! Reading evaluation harnesses' own result files into Podium records.
//!
//! Users already have result files: lm-evaluation-harness output folders, inspect-ai logs, HELM
//! run folders, arena battle dumps, arena-hard judgments, Every Eval Ever instance files. This
//! crate turns each into the same [`Record`]s a `POST /v1/submissions` body carries, so the
//! server (`POST /v1/imports`) and the CLI (`podium import`) share one reading of every format.
//!
//! Shape, and why:
//! - A [`Unit`] is what lands as one submission: one harness run (an lm-eval folder's results
//!   file with its samples files, a HELM run folder, one inspect log, one battles file). The
//!   CLI finds units on disk with [`discover`]; the server builds one from an upload.
//! - Reading streams: JSONL line by line, big JSON documents element by element, ZIP archives
//!   member by member; nothing holds a whole file. Every line and member has a size cap
//!   ([`Limits`]), so a hostile upload cannot exhaust memory.
//! - Records go to a [`Sink`] as they are read; errors are collected (up to
//!   [`Limits::max_errors`]) with the file, line or member, and field at fault, in the
//!   [`LineError`] shape the API already reports. A caller stores nothing unless
//!   [`read_unit`] returns `Ok`.
//! - [`unit_hash`] names a unit's content (format, options, bytes) so a repeated import is
//!   recognised and stores nothing new.

use std::collections::HashSet;
use std::fmt;
use std::path::{Path, PathBuf};

pub use podium_wire::LineError;
use podium_wire::Record;
use podium_wire::record::check_name;
use serde::Serialize;

mod arena;
mod arena_hard;
mod detect;
mod eee;
mod hash;
mod helm;
mod inspect;
pub mod json;
pub mod lines;
mod lm_eval;

pub use detect::{Discovery, detect_format, discover};
pub use hash::unit_hash;

/// The file formats Podium imports.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize)]
#[serde(rename_all = "kebab-case")]
pub enum Format {
    /// lm-evaluation-harness `--log_samples` output: `results_<time>.json` plus
    /// `samples_<task>_<time>.jsonl`.
    LmEval,
    /// inspect-ai logs: `.eval` (ZIP) or `.json`.
    Inspect,
    /// HELM run folders: `run_spec.json` and `per_instance_stats.json`.
    Helm,
    /// Arena battles: JSONL, a JSON array, or CSV with `model_a`, `model_b`, `winner`.
    Arena,
    /// arena-hard-auto judgments: one line per question and model, two position-swapped games.
    ArenaHard,
    /// Every Eval Ever instance-level JSONL.
    Eee,
}

impl Format {
    /// Every format.
    pub const ALL: [Format; 6] = [
        Format::LmEval,
        Format::Inspect,
        Format::Helm,
        Format::Arena,
        Format::ArenaHard,
        Format::Eee,
    ];

    /// The name used in `?format=` and `--format`, and recorded as the submission's source.
    pub fn name(self) -> &'static str {
        match self {
            Format::LmEval => "lm-eval",
            Format::Inspect => "inspect",
            Format::Helm => "helm",
            Format::Arena => "arena",
            Format::ArenaHard => "arena-hard",
            Format::Eee => "eee",
        }
    }

    /// Parses [`Format::name`].
    pub fn parse(text: &str) -> Option<Format> {
        Format::ALL.into_iter().find(|f| f.name() == text)
    }
}

impl fmt::Display for Format {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.name())
    }
}

/// Choices a file cannot make for itself. Part of a unit's identity ([`unit_hash`]).
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize)]
pub struct Options {
    /// Model name to use instead of the one the files give (lm-eval, inspect, HELM, EEE).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub model: Option<String>,
    /// Benchmark name: for arena battles and arena-hard judgments (which name none; default
    /// `arena` and `arena-hard`), or instead of the task name of the other formats.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub benchmark: Option<String>,
    /// arena-hard: the baseline model, for v0.1 judgment files whose lines do not name it.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub baseline: Option<String>,
}

impl Options {
    /// The options as both the server and the CLI use them: trimmed, empty ones dropped. The
    /// unit hash is taken over these, so the CLI's "already imported?" question and the
    /// server's answer agree.
    pub fn normalized(&self) -> Options {
        let clean = |value: &Option<String>| {
            value
                .as_deref()
                .map(str::trim)
                .filter(|v| !v.is_empty())
                .map(str::to_owned)
        };
        Options {
            model: clean(&self.model),
            benchmark: clean(&self.benchmark),
            baseline: clean(&self.baseline),
        }
    }
}

/// Size caps that keep a reader's memory bounded whatever the input.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Limits {
    /// Longest line of a JSONL or CSV file, in bytes.
    pub max_line_bytes: usize,
    /// Largest uncompressed member of an archive, and largest JSON document or array element
    /// read whole (a results file, a run spec, one inspect sample), in bytes.
    pub max_member_bytes: u64,
    /// Most errors collected before reading stops.
    pub max_errors: usize,
    /// Most records one unit may hold (a caller keeps them in memory until they are stored).
    pub max_records: u64,
}

impl Default for Limits {
    fn default() -> Self {
        Limits {
            max_line_bytes: 64 << 20,
            max_member_bytes: 512 << 20,
            max_errors: 100,
            max_records: 50_000_000,
        }
    }
}

/// One file of a unit.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct UnitFile {
    /// The name shown in errors and used to recognise the file's role (its base name for most
    /// formats; lm-eval and HELM read roles from it).
    pub name: String,
    /// Where it is on disk.
    pub path: PathBuf,
}

/// What lands as one submission: one harness run.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Unit {
    /// The format of its files.
    pub format: Format,
    /// What to call it in messages (a folder or file path).
    pub label: String,
    /// Its files, sorted by name.
    pub files: Vec<UnitFile>,
}

impl Unit {
    /// A unit of files given as (name, path).
    pub fn new(format: Format, label: impl Into<String>, mut files: Vec<UnitFile>) -> Unit {
        files.sort_by(|a, b| a.name.cmp(&b.name));
        Unit {
            format,
            label: label.into(),
            files,
        }
    }

    /// Total size of its files in bytes (for progress bars).
    pub fn size(&self) -> u64 {
        self.files
            .iter()
            .filter_map(|f| std::fs::metadata(&f.path).ok())
            .map(|m| m.len())
            .sum()
    }

    /// The file whose name is `name`.
    pub fn file(&self, name: &str) -> Option<&UnitFile> {
        self.files.iter().find(|f| f.name == name)
    }
}

/// Where something was read: the file, the archive member, the line.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Location {
    /// File name (as in [`UnitFile::name`]).
    pub file: String,
    /// Archive member, for ZIP-based formats.
    pub member: Option<String>,
    /// 1-based line; 0 when not known or not meaningful.
    pub line: u64,
}

impl Location {
    /// The start of a file.
    pub fn file(name: impl Into<String>) -> Location {
        Location {
            file: name.into(),
            member: None,
            line: 0,
        }
    }

    /// The same file (and member) at another line.
    pub fn at_line(&self, line: u64) -> Location {
        Location {
            line,
            ..self.clone()
        }
    }

    /// An error here, about `field` (or the whole place when `None`).
    pub fn error(&self, field: Option<&str>, reason: impl Into<String>) -> LineError {
        LineError {
            file: Some(self.file.clone()),
            member: self.member.clone(),
            line: self.line,
            field: field.map(str::to_owned),
            reason: reason.into(),
        }
    }
}

/// Receives records as they are read.
pub trait Sink {
    /// One valid record, read at `at`.
    fn record(&mut self, at: &Location, record: Record<'_>);
}

/// A sink that keeps every record (tests, small files).
#[derive(Debug, Default)]
pub struct Collect {
    /// The records, with where each was read.
    pub records: Vec<(Location, Record<'static>)>,
}

impl Sink for Collect {
    fn record(&mut self, at: &Location, record: Record<'_>) {
        self.records.push((at.clone(), record.into_owned()));
    }
}

/// A sink that only counts (the summary does the counting).
#[derive(Debug, Default)]
pub struct Discard;

impl Sink for Discard {
    fn record(&mut self, _: &Location, _: Record<'_>) {}
}

/// What a unit held.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize)]
pub struct Summary {
    /// The unit's format.
    pub format: Option<Format>,
    /// Distinct models named.
    pub models: u64,
    /// Distinct benchmarks named.
    pub benchmarks: u64,
    /// Distinct (benchmark, sample) pairs.
    pub samples: u64,
    /// Measurement records.
    pub measurements: u64,
    /// Comparison records.
    pub comparisons: u64,
    /// What was read but deliberately not imported, and why (e.g. corpus-level metrics).
    pub skipped: Vec<String>,
}

/// Why a unit could not be read. Nothing from it should be stored.
#[derive(Debug, thiserror::Error)]
pub enum ImportError {
    /// The files are malformed; `errors` says where (at most [`Limits::max_errors`]).
    #[error("{count} error(s) in {label}; nothing was imported: {}", first_error(.errors))]
    Invalid {
        /// The unit's label.
        label: String,
        /// The errors found, in reading order.
        errors: Vec<LineError>,
        /// How many were found before reading stopped (may exceed `errors.len()`).
        count: u64,
    },
    /// A file could not be read at all (missing, unreadable): not the content's fault.
    #[error("cannot read {path}: {message}")]
    Io {
        /// The file.
        path: String,
        /// The operating system's words.
        message: String,
    },
}

fn first_error(errors: &[LineError]) -> String {
    errors.first().map_or_else(String::new, |e| e.to_string())
}

impl ImportError {
    /// A content error about one place.
    pub fn invalid(label: impl Into<String>, error: LineError) -> ImportError {
        ImportError::Invalid {
            label: label.into(),
            errors: vec![error],
            count: 1,
        }
    }

    pub(crate) fn io(path: &Path, err: &std::io::Error) -> ImportError {
        ImportError::Io {
            path: path.display().to_string(),
            message: err.to_string(),
        }
    }
}

/// Reading stopped early: too many errors, or an error after which the rest of the file
/// cannot be read (the reason is already recorded in the [`Reader`]).
#[derive(Debug)]
pub(crate) struct Stop;

/// What format readers write to: validates and counts records, passes them to the sink,
/// collects errors.
pub(crate) struct Reader<'s> {
    sink: &'s mut dyn Sink,
    pub(crate) limits: Limits,
    errors: Vec<LineError>,
    error_count: u64,
    io_error: Option<ImportError>,
    summary: Summary,
    models: HashSet<String>,
    benchmarks: HashSet<String>,
    samples: HashSet<(String, String)>,
}

impl<'s> Reader<'s> {
    fn new(sink: &'s mut dyn Sink, limits: Limits) -> Self {
        Reader {
            sink,
            limits,
            errors: Vec::new(),
            error_count: 0,
            io_error: None,
            summary: Summary::default(),
            models: HashSet::new(),
            benchmarks: HashSet::new(),
            samples: HashSet::new(),
        }
    }

    /// Records an error; `Err(Stop)` once there are too many to go on.
    pub(crate) fn error(&mut self, error: LineError) -> Result<(), Stop> {
        self.error_count += 1;
        if self.errors.len() < self.limits.max_errors {
            self.errors.push(error);
            Ok(())
        } else {
            Err(Stop)
        }
    }

    /// Records an error after which the file cannot be read on; always `Err(Stop)`.
    pub(crate) fn fatal(&mut self, error: LineError) -> Stop {
        let _ = self.error(error);
        Stop
    }

    /// Records an I/O failure (not the content's fault); always `Err(Stop)`.
    pub(crate) fn io(&mut self, path: &Path, err: &std::io::Error) -> Stop {
        self.io_error = Some(ImportError::io(path, err));
        Stop
    }

    /// Notes something read but deliberately not imported (shown once per distinct text).
    pub(crate) fn skip(&mut self, what: impl Into<String>) {
        let what = what.into();
        if !self.summary.skipped.contains(&what) && self.summary.skipped.len() < 100 {
            self.summary.skipped.push(what);
        }
    }

    /// Whether any error was recorded.
    pub(crate) fn failed(&self) -> bool {
        self.error_count > 0
    }

    /// Checks and forwards one record. Invalid names or values become errors at `at`.
    pub(crate) fn emit(&mut self, at: &Location, record: Record<'_>) -> Result<(), Stop> {
        let mut problems: Vec<(&'static str, String)> = Vec::new();
        let mut name = |field: &'static str, text: &str| {
            if let Err(why) = check_name(text) {
                problems.push((field, why));
            }
        };
        match &record {
            Record::Measurement(m) => {
                name("model", &m.model);
                name("benchmark", &m.benchmark);
                name("sample", &m.sample);
                name("metric", &m.metric);
                if !m.value.is_finite() {
                    problems.push(("value", format!("{} is not a finite number", m.value)));
                }
                if m.epoch < 0 {
                    problems.push(("epoch", format!("{} is not an epoch (0, 1, 2, …)", m.epoch)));
                }
            }
            Record::Comparison(c) => {
                name("model_a", &c.model_a);
                name("model_b", &c.model_b);
                name("benchmark", &c.benchmark);
                name("sample", &c.sample);
                if let Some(judge) = &c.judge {
                    name("judge", judge);
                }
                if c.model_a == c.model_b {
                    problems.push(("model_b", "is the same model as model_a".into()));
                }
                if !(c.weight.is_finite() && c.weight > 0.0) {
                    problems.push(("weight", format!("{} is not a positive number", c.weight)));
                }
            }
        }
        if !problems.is_empty() {
            for (field, why) in problems {
                self.error(at.error(Some(field), why))?;
            }
            return Ok(());
        }
        if self.failed() {
            // Nothing will be stored; keep reading only to find more errors.
            return Ok(());
        }
        let records = self.summary.measurements + self.summary.comparisons;
        if records >= self.limits.max_records {
            return Err(self.fatal(at.error(
                None,
                format!(
                    "the import holds more than {} records; split it into several runs",
                    self.limits.max_records
                ),
            )));
        }
        match &record {
            Record::Measurement(m) => {
                self.summary.measurements += 1;
                self.count_names(&m.benchmark, &m.sample, [&m.model, &m.model]);
            }
            Record::Comparison(c) => {
                self.summary.comparisons += 1;
                self.count_names(&c.benchmark, &c.sample, [&c.model_a, &c.model_b]);
            }
        }
        self.sink.record(at, record);
        Ok(())
    }

    fn count_names(&mut self, benchmark: &str, sample: &str, models: [&str; 2]) {
        for model in models {
            if !self.models.contains(model) {
                self.models.insert(model.to_owned());
            }
        }
        if !self.benchmarks.contains(benchmark) {
            self.benchmarks.insert(benchmark.to_owned());
        }
        let key = (benchmark.to_owned(), sample.to_owned());
        self.samples.insert(key);
    }

    fn finish(self, unit: &Unit) -> Result<Summary, ImportError> {
        let (label, format) = (unit.label.as_str(), unit.format);
        if let Some(err) = self.io_error {
            return Err(err);
        }
        if self.error_count > 0 {
            return Err(ImportError::Invalid {
                label: label.to_owned(),
                errors: self.errors,
                count: self.error_count,
            });
        }
        let mut summary = self.summary;
        summary.format = Some(format);
        summary.models = self.models.len() as u64;
        summary.benchmarks = self.benchmarks.len() as u64;
        summary.samples = self.samples.len() as u64;
        if summary.measurements + summary.comparisons == 0 {
            return Err(ImportError::invalid(
                label,
                Location::file(unit.files.first().map_or(label, |f| f.name.as_str()))
                    .error(None, no_records_reason(&summary)),
            ));
        }
        Ok(summary)
    }
}

fn no_records_reason(summary: &Summary) -> String {
    let mut reason = "holds no per-sample results to import".to_owned();
    if !summary.skipped.is_empty() {
        reason.push_str(&format!(" (skipped: {})", summary.skipped.join("; ")));
    }
    reason
}

/// Reads a unit, passing every record to `sink`, and says what it held.
///
/// On `Err`, the sink may have received records read before the first error; a caller that
/// stores records must discard them (the server builds its batch in memory and drops it).
pub fn read_unit(
    unit: &Unit,
    options: &Options,
    limits: &Limits,
    sink: &mut dyn Sink,
) -> Result<Summary, ImportError> {
    let mut reader = Reader::new(sink, *limits);
    let outcome = match unit.format {
        Format::LmEval => lm_eval::read(unit, options, &mut reader),
        Format::Inspect => inspect::read(unit, options, &mut reader),
        Format::Helm => helm::read(unit, options, &mut reader),
        Format::Arena => arena::read(unit, options, &mut reader),
        Format::ArenaHard => arena_hard::read(unit, options, &mut reader),
        Format::Eee => eee::read(unit, options, &mut reader),
    };
    // A Stop's reason is already in the reader.
    let _ = outcome;
    reader.finish(unit)
}
