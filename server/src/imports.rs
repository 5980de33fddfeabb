//! Imports of harness files: from spooled upload to stored submission.
//!
//! The HTTP handler spools the uploaded files to a temporary folder (ZIP archives need random
//! access, and nothing is held in memory whole); this module does the rest on a blocking
//! thread: recognise the format, hash the content, answer a replay without reading the files
//! again, read them with `podium-import` into a [`BatchBuilder`], and ingest the batch as one
//! submission. Errors of the storage layer's whole-batch checks come back with record numbers;
//! [`Places`] turns them into the file, member and line the record was read from.

use std::collections::HashMap;

use podium_import::{Format, ImportError, Location, Options, Sink, Unit, UnitFile};
use podium_storage::StorageError;
use podium_storage::ingest::{self, BatchBuilder, Outcome, SubmissionMeta};
use podium_wire::api::{ImportCounts, ImportReceipt, SubmissionReceipt};
use podium_wire::{LineError, Record};

use crate::error::ApiError;

/// Where each record came from, compactly: an interned (file, member) and a line per record.
#[derive(Default)]
struct Places {
    names: Vec<(String, Option<String>)>,
    index: HashMap<(String, Option<String>), u32>,
    records: Vec<(u32, u64)>,
}

impl Places {
    fn add(&mut self, at: &Location) -> u64 {
        let last = self.names.len().checked_sub(1);
        let index = match last {
            // Records come in runs from one place: the common case costs no hashing.
            Some(i) if self.names[i].0 == at.file && self.names[i].1 == at.member => i as u32,
            _ => {
                let key = (at.file.clone(), at.member.clone());
                match self.index.get(&key) {
                    Some(&i) => i,
                    None => {
                        let i = self.names.len() as u32;
                        self.names.push(key.clone());
                        self.index.insert(key, i);
                        i
                    }
                }
            }
        };
        self.records.push((index, at.line));
        self.records.len() as u64
    }

    /// Where record `number` was read, as `file[member]:line`.
    fn describe(&self, number: u64) -> Option<String> {
        let &(name, line) = usize::try_from(number)
            .ok()
            .and_then(|n| n.checked_sub(1))
            .and_then(|i| self.records.get(i))?;
        let (file, member) = &self.names[name as usize];
        let mut text = file.clone();
        if let Some(member) = member {
            text.push_str(&format!("[{member}]"));
        }
        if line > 0 {
            text.push_str(&format!(":{line}"));
        }
        Some(text)
    }

    /// Rewrites an error about record number `error.line` into one about its file and line.
    /// The batch's own messages refer to other records as "line N" (e.g. "repeats the
    /// measurement of line N"); those numbers are record numbers too and are rewritten.
    fn locate(&self, mut error: LineError) -> LineError {
        let Some(&(name, line)) = usize::try_from(error.line)
            .ok()
            .and_then(|n| n.checked_sub(1))
            .and_then(|i| self.records.get(i))
        else {
            return error;
        };
        let (file, member) = &self.names[name as usize];
        error.file = Some(file.clone());
        error.member = member.clone();
        error.line = line;
        error.reason = self.rewrite_references(&error.reason);
        error
    }

    fn rewrite_references(&self, reason: &str) -> String {
        let mut out = String::with_capacity(reason.len());
        let mut rest = reason;
        while let Some(at) = rest.find("line ") {
            out.push_str(&rest[..at]);
            let after = &rest[at + 5..];
            let digits = after.bytes().take_while(u8::is_ascii_digit).count();
            match after[..digits]
                .parse::<u64>()
                .ok()
                .and_then(|n| self.describe(n))
            {
                Some(place) => out.push_str(&place),
                None => out.push_str(&rest[at..at + 5 + digits]),
            }
            rest = &after[digits..];
        }
        out.push_str(rest);
        out
    }
}

/// A sink filling a submission batch, remembering where each record was read.
struct BatchSink {
    builder: BatchBuilder,
    places: Places,
}

impl Sink for BatchSink {
    fn record(&mut self, at: &Location, record: Record<'_>) {
        let number = self.places.add(at);
        self.builder.push(number, record);
    }
}

/// One import request, ready to run: the spooled files and what to do with them.
pub struct ImportJob {
    /// The uploaded files (names as uploaded, paths in the spool folder).
    pub files: Vec<UnitFile>,
    /// The format asked for; `None` recognises it.
    pub format: Option<Format>,
    /// Options for formats that need them.
    pub options: Options,
    /// The submitting token.
    pub token_id: i64,
    /// The client's Idempotency-Key.
    pub idempotency_key: Option<String>,
}

/// Runs an import to the end (blocking: call it off the async workers).
pub fn run(
    store: &podium_storage::Store,
    job: ImportJob,
) -> Result<(ImportReceipt, Option<i64>), ApiError> {
    let format = match job.format {
        Some(format) => format,
        None => podium_import::detect_format(&job.files).ok_or_else(|| {
            ApiError::BadRequest(format!(
                "cannot tell the format of {}; name it with ?format= (one of {})",
                names(&job.files).join(", "),
                format_names()
            ))
        })?,
    };
    check_files(format, &job.files)?;
    let label = names(&job.files).join(", ");
    let unit = Unit::new(format, label, job.files);
    let options = job.options.normalized();
    let content_hash = podium_import::unit_hash(&unit, &options).map_err(import_error)?;
    let meta = SubmissionMeta {
        token_id: job.token_id,
        source_format: format.name().to_owned(),
        content_hash: content_hash.clone(),
        idempotency_key: job.idempotency_key,
    };
    let files = names(&unit.files);
    // A replay is answered before the files are read again. The connection goes back to the
    // pool while the files are read (that can take minutes); ingest takes one again.
    let prior = ingest::find_prior(
        &mut *store.conn()?,
        meta.token_id,
        meta.idempotency_key.as_deref(),
        &content_hash,
    )?;
    match prior {
        ingest::Prior::Replay(stored) => {
            return Ok((
                ImportReceipt {
                    format: format.name().to_owned(),
                    files,
                    replayed: true,
                    submission: receipt(&stored.body)?,
                    counts: None,
                    skipped: Vec::new(),
                },
                None,
            ));
        }
        ingest::Prior::KeyReused(id) => {
            return Err(StorageError::IdempotencyKeyReused(id).into());
        }
        ingest::Prior::New => {}
    }

    let mut sink = BatchSink {
        builder: BatchBuilder::new(),
        places: Places::default(),
    };
    let summary = podium_import::read_unit(
        &unit,
        &options,
        &podium_import::Limits::default(),
        &mut sink,
    )
    .map_err(import_error)?;
    let BatchSink { builder, places } = sink;
    let batch = builder.finish().map_err(|errors| {
        let count = errors.len();
        ApiError::rejected(
            format!("{count} error(s) in {}; nothing was stored", unit.label),
            errors.into_iter().map(|e| places.locate(e)).collect(),
        )
    })?;
    let outcome = match ingest::ingest(&mut *store.conn()?, &meta, &batch) {
        Err(StorageError::Rejected(errors)) => {
            let count = errors.len();
            return Err(ApiError::rejected(
                format!(
                    "{count} record(s) of {} contradict stored declarations; nothing was stored",
                    unit.label
                ),
                errors.into_iter().map(|e| places.locate(e)).collect(),
            ));
        }
        other => other?,
    };
    let (stored, replayed) = match outcome {
        Outcome::Created(stored) => (stored, false),
        Outcome::Replayed(stored) => (stored, true),
    };
    let submission = receipt(&stored.body)?;
    let id = (!replayed).then_some(submission.id);
    Ok((
        ImportReceipt {
            format: format.name().to_owned(),
            files,
            replayed,
            submission,
            counts: Some(ImportCounts {
                models: summary.models,
                benchmarks: summary.benchmarks,
                samples: summary.samples,
                measurements: summary.measurements,
                comparisons: summary.comparisons,
            }),
            skipped: summary.skipped,
        },
        id,
    ))
}

fn receipt(body: &str) -> Result<SubmissionReceipt, ApiError> {
    serde_json::from_str(body)
        .map_err(|e| ApiError::Internal(format!("a stored receipt is unreadable: {e}")))
}

fn names(files: &[UnitFile]) -> Vec<String> {
    files.iter().map(|f| f.name.clone()).collect()
}

fn format_names() -> String {
    Format::ALL
        .iter()
        .map(|f| f.name())
        .collect::<Vec<_>>()
        .join(", ")
}

/// Folder formats need their files by role; single-file formats take exactly one.
fn check_files(format: Format, files: &[UnitFile]) -> Result<(), ApiError> {
    let has = |name: &str| files.iter().any(|f| f.name == name);
    match format {
        Format::LmEval => {
            let results = files
                .iter()
                .filter(|f| f.name.starts_with("results") && f.name.ends_with(".json"))
                .count();
            if results != 1 {
                return Err(ApiError::BadRequest(format!(
                    "an lm-eval import needs exactly one results_<time>.json file (found \
                     {results}) and its samples_<task>_<time>.jsonl files, sent as \
                     multipart/form-data parts with their file names"
                )));
            }
        }
        Format::Helm => {
            if !(has("run_spec.json") && has("per_instance_stats.json")) {
                return Err(ApiError::BadRequest(
                    "a HELM import needs run_spec.json and per_instance_stats.json (scenario.json \
                     optional), sent as multipart/form-data parts with those file names"
                        .into(),
                ));
            }
        }
        _ => {
            if files.len() != 1 {
                return Err(ApiError::BadRequest(format!(
                    "a {format} import is one file; {} were sent (import them one request each)",
                    files.len()
                )));
            }
        }
    }
    Ok(())
}

/// The one place import errors become API errors.
fn import_error(err: ImportError) -> ApiError {
    match err {
        ImportError::Invalid {
            label,
            errors,
            count,
        } => ApiError::Unprocessable {
            detail: format!("{count} error(s) in {label}; nothing was stored"),
            errors: errors
                .into_iter()
                .take(crate::error::MAX_LISTED_ERRORS)
                .collect(),
            count,
        },
        // The files are the server's own spool: failing to read them is the server's fault.
        ImportError::Io { path, message } => {
            ApiError::Internal(format!("reading the spooled upload {path}: {message}"))
        }
    }
}

/// A safe file name from an uploaded part's name: its last path component.
pub fn upload_name(raw: &str) -> Result<String, ApiError> {
    let name = raw.rsplit(['/', '\\']).next().unwrap_or("").trim();
    if name.is_empty() || name == "." || name == ".." || name.len() > 255 {
        return Err(ApiError::BadRequest(format!(
            "the uploaded file name {raw:?} is not usable; send the file's own name"
        )));
    }
    if name.chars().any(char::is_control) {
        return Err(ApiError::BadRequest(format!(
            "the uploaded file name {raw:?} contains control characters"
        )));
    }
    Ok(name.to_owned())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn places_map_record_numbers_back() {
        let mut places = Places::default();
        let a = Location {
            file: "a.jsonl".into(),
            member: None,
            line: 3,
        };
        let b = Location {
            file: "b.eval".into(),
            member: Some("samples/1_epoch_1.json".into()),
            line: 0,
        };
        assert_eq!(places.add(&a), 1);
        assert_eq!(places.add(&b), 2);
        assert_eq!(places.add(&a.at_line(9)), 3);
        assert_eq!(places.names.len(), 2);
        let located = places.locate(LineError::whole(3, "repeated"));
        assert_eq!(located.file.as_deref(), Some("a.jsonl"));
        assert_eq!(located.line, 9);
        let located = places.locate(LineError::field(2, "metric_kind", "contradicts"));
        assert_eq!(located.member.as_deref(), Some("samples/1_epoch_1.json"));
        // References to other records in the text become places too.
        let located = places.locate(LineError::whole(
            3,
            "repeats the measurement of line 1 (same model); see line 99",
        ));
        assert_eq!(
            located.reason,
            "repeats the measurement of a.jsonl:3 (same model); see line 99"
        );
        let located = places.locate(LineError::whole(3, "contradicts line 2"));
        assert_eq!(located.reason, "contradicts b.eval[samples/1_epoch_1.json]");
        // Numbers outside the batch stay as they are.
        assert_eq!(places.locate(LineError::whole(7, "x")).line, 7);
    }

    #[test]
    fn upload_names_keep_only_the_base_name() {
        assert_eq!(
            upload_name("dir/sub/results_1.json").unwrap(),
            "results_1.json"
        );
        assert_eq!(upload_name("C:\\logs\\x.eval").unwrap(), "x.eval");
        assert!(upload_name("..").is_err());
        assert!(upload_name("a/").is_err());
    }
}
