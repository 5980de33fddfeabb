//! Finding import units on disk and recognising formats.
//!
//! Harness output is recognised by its own conventions: lm-eval folders by `results_*.json`
//! (with the `samples_<task>_<time>.jsonl` of the same time), HELM run folders by
//! `run_spec.json` + `per_instance_stats.json`, inspect logs by the `.eval` extension or an
//! `eval` header in a `.json`, and JSONL/CSV files by the fields of their first record.

use std::collections::BTreeMap;
use std::io::Read;
use std::path::{Path, PathBuf};

use std::io::{BufRead, BufReader};

use serde::Deserialize;
use serde::de::IgnoredAny;

use crate::lines::first_line;
use crate::lm_eval::{results_time, samples_task};
use crate::{Format, ImportError, Location, Unit, UnitFile};

/// How much of a file is read to recognise it.
const SNIFF_BYTES: usize = 64 * 1024;

/// What [`discover`] found.
#[derive(Debug, Default)]
pub struct Discovery {
    /// The units, in path order.
    pub units: Vec<Unit>,
    /// Files inside the given folders that are no known format (left alone).
    pub ignored: Vec<PathBuf>,
}

/// Finds the import units in `paths` (files or folders, searched recursively). With `forced`,
/// every given file is read as that format and folders yield only units of it.
///
/// A file named explicitly that is no known format is an error; inside folders such files are
/// listed in [`Discovery::ignored`].
pub fn discover(paths: &[PathBuf], forced: Option<Format>) -> Result<Discovery, ImportError> {
    let mut found = Discovery::default();
    for path in paths {
        let meta = std::fs::metadata(path).map_err(|e| ImportError::io(path, &e))?;
        if meta.is_dir() {
            walk(path, forced, &mut found)?;
        } else {
            let unit = unit_for_file(path, forced)?.ok_or_else(|| {
                ImportError::invalid(
                    path.display().to_string(),
                    Location::file(path.display().to_string()).error(
                        None,
                        "is not a format Podium recognises (lm-eval results/samples, inspect \
                         .eval/.json, HELM run files, arena battles .jsonl/.json/.csv, arena-hard \
                         judgments, Every Eval Ever .jsonl); name one with --format",
                    ),
                )
            })?;
            push_unique(&mut found.units, unit);
        }
    }
    Ok(found)
}

fn push_unique(units: &mut Vec<Unit>, unit: Unit) {
    if !units.contains(&unit) {
        units.push(unit);
    }
}

fn entries(dir: &Path) -> Result<(Vec<PathBuf>, Vec<PathBuf>), ImportError> {
    let mut files = Vec::new();
    let mut dirs = Vec::new();
    let read = std::fs::read_dir(dir).map_err(|e| ImportError::io(dir, &e))?;
    for entry in read {
        let entry = entry.map_err(|e| ImportError::io(dir, &e))?;
        let path = entry.path();
        let kind = entry.file_type().map_err(|e| ImportError::io(&path, &e))?;
        if kind.is_dir() {
            dirs.push(path);
        } else if kind.is_file() || (kind.is_symlink() && path.is_file()) {
            files.push(path);
        }
    }
    files.sort();
    dirs.sort();
    Ok((files, dirs))
}

fn base_name(path: &Path) -> String {
    path.file_name()
        .map_or_else(String::new, |n| n.to_string_lossy().into_owned())
}

fn walk(dir: &Path, forced: Option<Format>, found: &mut Discovery) -> Result<(), ImportError> {
    let (files, dirs) = entries(dir)?;
    let wants = |format: Format| forced.is_none_or(|f| f == format);
    let mut taken = vec![false; files.len()];
    if let Some(unit) = helm_unit(dir, &files) {
        if wants(Format::Helm) {
            push_unique(&mut found.units, unit);
        }
        // A HELM run folder's other files (scenario_state.json, stats.json, …) belong to the
        // run: they are not "unknown files" to report.
        taken.iter_mut().for_each(|t| *t = true);
    }
    for unit in lm_eval_units(dir, &files) {
        for file in &unit.files {
            if let Some(i) = files.iter().position(|f| *f == file.path) {
                taken[i] = true;
            }
        }
        if wants(Format::LmEval) {
            push_unique(&mut found.units, unit);
        }
    }
    for (file, taken) in files.iter().zip(taken) {
        if taken {
            continue;
        }
        match sniff(file).map_err(|e| ImportError::io(file, &e))? {
            Some(format) if wants(format) && format != Format::LmEval && format != Format::Helm => {
                push_unique(&mut found.units, single(format, file));
            }
            _ => found.ignored.push(file.clone()),
        }
    }
    for sub in dirs {
        walk(&sub, forced, found)?;
    }
    Ok(())
}

fn single(format: Format, path: &Path) -> Unit {
    Unit::new(
        format,
        path.display().to_string(),
        vec![UnitFile {
            name: base_name(path),
            path: path.to_owned(),
        }],
    )
}

/// The files of a HELM run folder that are read (the others are left alone).
const HELM_FILES: [&str; 3] = ["run_spec.json", "per_instance_stats.json", "scenario.json"];

fn helm_unit(dir: &Path, files: &[PathBuf]) -> Option<Unit> {
    let has = |name: &str| files.iter().any(|f| base_name(f) == name);
    if !(has("run_spec.json") && has("per_instance_stats.json")) {
        return None;
    }
    let unit_files = files
        .iter()
        .filter(|f| HELM_FILES.contains(&base_name(f).as_str()))
        .map(|f| UnitFile {
            name: base_name(f),
            path: f.clone(),
        })
        .collect();
    Some(Unit::new(
        Format::Helm,
        dir.display().to_string(),
        unit_files,
    ))
}

fn lm_eval_units(dir: &Path, files: &[PathBuf]) -> Vec<Unit> {
    let mut runs: BTreeMap<String, PathBuf> = BTreeMap::new();
    for file in files {
        if let Some(time) = results_time(&base_name(file)) {
            runs.insert(time.to_owned(), file.clone());
        }
    }
    if runs.is_empty() {
        return Vec::new();
    }
    let samples: Vec<&PathBuf> = files
        .iter()
        .filter(|f| {
            let name = base_name(f);
            name.starts_with("samples_") && name.ends_with(".jsonl")
        })
        .collect();
    let mut claimed = vec![false; samples.len()];
    let mut units = Vec::new();
    // Timestamped runs first, so an untimed `results.json` only gets the leftovers.
    let mut order: Vec<(&String, &PathBuf)> = runs.iter().collect();
    order.sort_by_key(|(time, _)| time.is_empty());
    for (time, results) in order {
        let mut unit_files = vec![UnitFile {
            name: base_name(results),
            path: results.clone(),
        }];
        for (i, sample) in samples.iter().enumerate() {
            let name = base_name(sample);
            let belongs = if time.is_empty() {
                // An untimed results.json takes only untimed samples files: a timestamped one
                // belongs to a timestamped run.
                !claimed[i] && samples_task(&name).is_some_and(|(_, time)| time.is_none())
            } else {
                name.ends_with(&format!("_{time}.jsonl"))
            };
            if belongs && !claimed[i] {
                claimed[i] = true;
                unit_files.push(UnitFile {
                    name,
                    path: (*sample).clone(),
                });
            }
        }
        let label = if runs.len() == 1 {
            dir.display().to_string()
        } else {
            results.display().to_string()
        };
        units.push(Unit::new(Format::LmEval, label, unit_files));
    }
    units
}

/// The unit a file named on the command line stands for (`None`: not recognised).
fn unit_for_file(path: &Path, forced: Option<Format>) -> Result<Option<Unit>, ImportError> {
    let format = match forced {
        Some(format) => Some(format),
        None => sniff(path).map_err(|e| ImportError::io(path, &e))?,
    };
    let dir = path.parent().unwrap_or(Path::new("."));
    let dir = if dir.as_os_str().is_empty() {
        Path::new(".")
    } else {
        dir
    };
    Ok(match format {
        None => None,
        Some(Format::LmEval) => {
            let (files, _) = entries(dir)?;
            let name = base_name(path);
            let units = lm_eval_units(dir, &files);
            let unit = units
                .into_iter()
                .find(|u| u.files.iter().any(|f| f.name == name));
            Some(unit.ok_or_else(|| {
                ImportError::invalid(
                    path.display().to_string(),
                    Location::file(name).error(
                        None,
                        "is an lm-eval samples file without its results_<time>.json beside it \
                         (the model name and metric directions are read from there)",
                    ),
                )
            })?)
        }
        Some(Format::Helm) if helm_role(path) => {
            let (files, _) = entries(dir)?;
            helm_unit(dir, &files)
        }
        Some(format) => Some(single(format, path)),
    })
}

fn helm_role(path: &Path) -> bool {
    HELM_FILES.contains(&base_name(path).as_str())
}

/// Recognises one file by its name and first bytes.
pub fn sniff(path: &Path) -> std::io::Result<Option<Format>> {
    sniff_named(path, &base_name(path))
}

/// [`sniff`] of the file at `path` as if it were called `name` (an upload spooled to a
/// temporary file).
pub fn sniff_named(path: &Path, name: &str) -> std::io::Result<Option<Format>> {
    let lower = name.to_ascii_lowercase();
    if lower.ends_with(".eval") {
        return Ok(Some(Format::Inspect));
    }
    if results_time(name).is_some() || (name.starts_with("samples_") && lower.ends_with(".jsonl")) {
        return Ok(Some(Format::LmEval));
    }
    if HELM_FILES.contains(&name) {
        return Ok(Some(Format::Helm));
    }
    if lower.ends_with(".jsonl") || lower.ends_with(".ndjson") {
        return first_record_keys(path).map(|keys| keys.and_then(|k| jsonl_format(&k)));
    }
    if lower.ends_with(".csv") {
        let Some(header) = first_line(path, SNIFF_BYTES)? else {
            return Ok(None);
        };
        let header = String::from_utf8_lossy(&header);
        let columns: Vec<&str> = header
            .split(',')
            .map(|c| c.trim().trim_matches('"'))
            .collect();
        let has = |c: &str| columns.contains(&c);
        return Ok((has("model_a") && has("model_b") && has("winner")).then_some(Format::Arena));
    }
    if lower.ends_with(".json") {
        // Members of an unpacked inspect `.eval` archive hold a log's header without its
        // samples; the archive, not its parts, is the log.
        let in_journal = path
            .parent()
            .and_then(Path::file_name)
            .is_some_and(|d| d == "_journal");
        if in_journal || ["header.json", "summaries.json", "reductions.json"].contains(&name) {
            return Ok(None);
        }
        let mut head = Vec::with_capacity(SNIFF_BYTES);
        std::fs::File::open(path)?
            .take(SNIFF_BYTES as u64)
            .read_to_end(&mut head)?;
        let text = String::from_utf8_lossy(&head);
        let trimmed = text.trim_start_matches('\u{feff}').trim_start();
        let has_key = |key: &str| {
            text.contains(&format!("\"{key}\":")) || text.contains(&format!("\"{key}\" :"))
        };
        if trimmed.starts_with('{') && has_key("eval") && (has_key("version") || has_key("status"))
        {
            return Ok(Some(Format::Inspect));
        }
        if has_key("model_a") && has_key("model_b") && has_key("winner") {
            return Ok(Some(Format::Arena));
        }
        return Ok(None);
    }
    Ok(None)
}

/// Which of the recognising fields the first record of a JSONL file has. The values are
/// skipped unbuilt, so a first line of any size (an agentic transcript) costs no memory.
#[derive(Deserialize)]
struct FirstKeys {
    games: Option<IgnoredAny>,
    model: Option<IgnoredAny>,
    model_a: Option<IgnoredAny>,
    model_b: Option<IgnoredAny>,
    winner: Option<IgnoredAny>,
    evaluation_id: Option<IgnoredAny>,
    sample_id: Option<IgnoredAny>,
    model_id: Option<IgnoredAny>,
    doc_id: Option<IgnoredAny>,
    metrics: Option<IgnoredAny>,
    doc_hash: Option<IgnoredAny>,
}

/// The keys of the first JSON value of a file, or `None` when it is not a JSON object.
fn first_record_keys(path: &Path) -> std::io::Result<Option<FirstKeys>> {
    let mut input = BufReader::new(std::fs::File::open(path)?);
    if input.fill_buf()?.starts_with(b"\xEF\xBB\xBF") {
        input.consume(3);
    }
    let mut values = serde_json::Deserializer::from_reader(input).into_iter::<FirstKeys>();
    Ok(values.next().and_then(Result::ok))
}

/// The JSONL format whose first record has `keys`.
fn jsonl_format(keys: &FirstKeys) -> Option<Format> {
    let has = |k: &Option<IgnoredAny>| k.is_some();
    if has(&keys.games) && has(&keys.model) {
        Some(Format::ArenaHard)
    } else if has(&keys.model_a) && has(&keys.model_b) && has(&keys.winner) {
        Some(Format::Arena)
    } else if has(&keys.evaluation_id) && has(&keys.sample_id) && has(&keys.model_id) {
        Some(Format::Eee)
    } else if has(&keys.doc_id) && (has(&keys.metrics) || has(&keys.doc_hash)) {
        Some(Format::LmEval)
    } else {
        None
    }
}

/// The format of an uploaded set of files (the server's `format=auto`): folder formats by
/// their file names, single files by [`sniff`].
pub fn detect_format(files: &[UnitFile]) -> Option<Format> {
    let has = |name: &str| files.iter().any(|f| f.name == name);
    if has("run_spec.json") && has("per_instance_stats.json") {
        return Some(Format::Helm);
    }
    if files.iter().any(|f| results_time(&f.name).is_some()) {
        return Some(Format::LmEval);
    }
    match files {
        [one] => sniff_named(&one.path, &one.name).ok().flatten(),
        _ => None,
    }
}
