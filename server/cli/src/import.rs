//! `podium import`: find harness output on disk, upload it unit by unit.
//!
//! Each unit (one harness run: an lm-eval folder, a HELM run folder, one log or battles file)
//! is one streamed multipart upload to `POST /v1/imports`, and so one submission that lands
//! whole or not at all. Before uploading, the CLI hashes the unit exactly as the server does
//! and asks `GET /v1/imports/{hash}`: units already stored are skipped without sending a byte,
//! so an interrupted run resumes where it stopped and a repeated run stores nothing new.

use std::fs::File;
use std::io::{Cursor, Read};
use std::path::PathBuf;

use clap::Args;
use indicatif::{ProgressBar, ProgressDrawTarget, ProgressStyle};
use podium_import::{Discard, Format, ImportError, Limits, Options, Unit, discover, unit_hash};
use podium_wire::api::{ImportReceipt, SubmissionView};

use crate::CliError;
use crate::client::{Client, Connection, encode};

/// Arguments of `podium import`.
#[derive(Debug, Clone, Args)]
pub struct ImportArgs {
    /// Files or folders (searched recursively) of harness output.
    #[arg(required = true)]
    pub paths: Vec<PathBuf>,
    /// `auto` (recognise each file), or one of lm-eval, inspect, helm, arena, arena-hard, eee.
    #[arg(long, default_value = "auto")]
    pub format: String,
    /// Model name to use instead of the one in the files.
    #[arg(long)]
    pub model: Option<String>,
    /// Benchmark name (arena battles and arena-hard judgments name none).
    #[arg(long)]
    pub benchmark: Option<String>,
    /// arena-hard v0.1 judgments: the baseline model.
    #[arg(long)]
    pub baseline: Option<String>,
    /// Read and check everything locally, print what would be imported, upload nothing.
    #[arg(long)]
    pub dry_run: bool,
    /// The server.
    #[command(flatten)]
    pub connection: Connection,
}

/// What a run did, for the closing line and the exit status.
#[derive(Debug, Default, Clone, PartialEq, Eq)]
pub struct ImportTally {
    /// Units stored now.
    pub stored: u64,
    /// Units found already stored.
    pub present: u64,
    /// Units that failed.
    pub failed: u64,
    /// Measurements stored now.
    pub measurements: u64,
    /// Comparisons stored now.
    pub comparisons: u64,
}

/// Runs `podium import`.
pub fn run(args: &ImportArgs) -> Result<ImportTally, CliError> {
    let forced = match args.format.as_str() {
        "auto" => None,
        name => Some(Format::parse(name).ok_or_else(|| {
            CliError::Usage(format!(
                "--format must be auto or one of {}",
                Format::ALL.map(Format::name).join(", ")
            ))
        })?),
    };
    // Normalised exactly as the server does, so the unit hashes agree.
    let options = Options {
        model: args.model.clone(),
        benchmark: args.benchmark.clone(),
        baseline: args.baseline.clone(),
    }
    .normalized();
    let found = discover(&args.paths, forced).map_err(CliError::Import)?;
    for ignored in &found.ignored {
        eprintln!(
            "  skipping {} (not a format podium imports)",
            ignored.display()
        );
    }
    if found.units.is_empty() {
        return Err(CliError::Usage(format!(
            "found nothing to import in {}",
            args.paths
                .iter()
                .map(|p| p.display().to_string())
                .collect::<Vec<_>>()
                .join(", ")
        )));
    }
    if args.dry_run {
        return dry_run(&found.units, &options);
    }
    let client = Client::new(&args.connection);
    if !client.has_token() {
        return Err(CliError::Usage(
            "importing needs a token of scope submit: --token or PODIUM_TOKEN".into(),
        ));
    }
    let sizes: Vec<u64> = found.units.iter().map(Unit::size).collect();
    let progress = progress_bar(sizes.iter().sum());
    let mut tally = ImportTally::default();
    for (unit, size) in found.units.iter().zip(sizes) {
        progress.set_message(unit.label.clone());
        let before = progress.position();
        match import_unit(&client, unit, &options, &progress) {
            Ok(Done::Present(id)) => {
                tally.present += 1;
                say(
                    &progress,
                    format!(
                        "= {} ({}): already imported, submission {id}",
                        unit.label, unit.format
                    ),
                );
            }
            Ok(Done::Stored(receipt)) => {
                let line = describe(unit, &receipt);
                if receipt.replayed {
                    tally.present += 1;
                } else {
                    tally.stored += 1;
                    tally.measurements += receipt.submission.measurements;
                    tally.comparisons += receipt.submission.comparisons;
                }
                say(&progress, line);
            }
            Err(err) => {
                tally.failed += 1;
                say(
                    &progress,
                    format!("! {} ({}): {err}", unit.label, unit.format),
                );
            }
        }
        // Whatever happened, the unit's bytes are accounted for.
        progress.set_position(before + size);
    }
    progress.finish_and_clear();
    println!(
        "{} unit(s) stored ({} measurements, {} comparisons), {} already present, {} failed",
        tally.stored, tally.measurements, tally.comparisons, tally.present, tally.failed
    );
    if tally.failed > 0 {
        return Err(CliError::Failed(format!(
            "{} of {} unit(s) failed; nothing of those was stored (run again to retry them: \
             units already stored are skipped)",
            tally.failed,
            found.units.len()
        )));
    }
    Ok(tally)
}

/// One line per unit on stdout, drawn around the progress bar (which lives on stderr and is
/// hidden when stderr is not a terminal).
fn say(progress: &ProgressBar, line: String) {
    progress.suspend(|| println!("{line}"));
}

enum Done {
    Present(i64),
    Stored(Box<ImportReceipt>),
}

fn describe(unit: &Unit, receipt: &ImportReceipt) -> String {
    let s = &receipt.submission;
    if receipt.replayed {
        return format!(
            "= {} ({}): already imported, submission {}",
            unit.label, unit.format, s.id
        );
    }
    let mut line = format!(
        "+ {} ({}): submission {}, {} measurements, {} comparisons",
        unit.label, receipt.format, s.id, s.measurements, s.comparisons
    );
    if let Some(c) = &receipt.counts {
        line.push_str(&format!(
            " ({} model(s), {} benchmark(s), {} sample(s))",
            c.models, c.benchmarks, c.samples
        ));
    }
    for skipped in &receipt.skipped {
        line.push_str(&format!("\n    skipped: {skipped}"));
    }
    line
}

fn progress_bar(total: u64) -> ProgressBar {
    let bar = ProgressBar::with_draw_target(Some(total), ProgressDrawTarget::stderr());
    bar.set_style(
        ProgressStyle::with_template(
            "{bar:30} {bytes}/{total_bytes} {bytes_per_sec} eta {eta} {wide_msg}",
        )
        .unwrap_or_else(|_| ProgressStyle::default_bar()),
    );
    bar
}

fn import_unit(
    client: &Client,
    unit: &Unit,
    options: &Options,
    progress: &ProgressBar,
) -> Result<Done, CliError> {
    let hash = unit_hash(unit, options).map_err(CliError::Import)?;
    let known = client.get(&format!("/v1/imports/{hash}"))?;
    match known.status {
        200 => {
            let view: SubmissionView = known.json("checking for an earlier import")?;
            return Ok(Done::Present(view.id));
        }
        404 => {}
        _ => return Err(known.problem("checking for an earlier import")),
    }
    let (body, length, content_type) = multipart_body(unit, progress)?;
    let mut path = format!("/v1/imports?format={}", unit.format.name());
    for (key, value) in [
        ("model", &options.model),
        ("benchmark", &options.benchmark),
        ("baseline", &options.baseline),
    ] {
        if let Some(value) = value {
            path.push_str(&format!("&{key}={}", encode(value)));
        }
    }
    let answer = client.post_stream(&path, &content_type, length, body)?;
    let receipt: ImportReceipt = answer.json("importing")?;
    Ok(Done::Stored(Box::new(receipt)))
}

/// The unit's files as one multipart/form-data stream: (body, length, content type).
fn multipart_body(
    unit: &Unit,
    progress: &ProgressBar,
) -> Result<(Box<dyn Read>, u64, String), CliError> {
    // A boundary that cannot occur in the files' bytes by accident in practice.
    let boundary = format!("podium-{:016x}{:08x}", rand_seed(unit), std::process::id());
    let mut parts: Vec<Box<dyn Read>> = Vec::new();
    let mut length = 0u64;
    for file in &unit.files {
        let head = format!(
            "--{boundary}\r\nContent-Disposition: form-data; name=\"file\"; filename=\"{}\"\r\n\
             Content-Type: application/octet-stream\r\n\r\n",
            file.name.replace('\\', "\\\\").replace('"', "\\\"")
        );
        let size = std::fs::metadata(&file.path)
            .map_err(|e| CliError::Import(io_error(&file.path, &e)))?
            .len();
        let data =
            File::open(&file.path).map_err(|e| CliError::Import(io_error(&file.path, &e)))?;
        length += head.len() as u64 + size + 2;
        parts.push(Box::new(Cursor::new(head.into_bytes())));
        parts.push(Box::new(progress.wrap_read(data.take(size))));
        parts.push(Box::new(Cursor::new(b"\r\n".to_vec())));
    }
    let tail = format!("--{boundary}--\r\n");
    length += tail.len() as u64;
    parts.push(Box::new(Cursor::new(tail.into_bytes())));
    parts.push(Box::new(UploadEnd {
        progress: progress.clone(),
        label: unit.label.clone(),
    }));
    let body = parts
        .into_iter()
        .reduce(|a, b| Box::new(a.chain(b)))
        .unwrap_or_else(|| Box::new(std::io::empty()));
    Ok((
        body,
        length,
        format!("multipart/form-data; boundary={boundary}"),
    ))
}

/// Reads nothing; when the upload reaches it, the bar says the server is now reading the files
/// (a large unit takes a while after its last byte is sent).
struct UploadEnd {
    progress: ProgressBar,
    label: String,
}

impl Read for UploadEnd {
    fn read(&mut self, _: &mut [u8]) -> std::io::Result<usize> {
        self.progress
            .set_message(format!("{}: sent, the server is reading it", self.label));
        Ok(0)
    }
}

fn rand_seed(unit: &Unit) -> u64 {
    use std::hash::{BuildHasher, RandomState};
    RandomState::new().hash_one(&unit.label)
}

fn io_error(path: &std::path::Path, err: &std::io::Error) -> ImportError {
    ImportError::Io {
        path: path.display().to_string(),
        message: err.to_string(),
    }
}

fn dry_run(units: &[Unit], options: &Options) -> Result<ImportTally, CliError> {
    let mut tally = ImportTally::default();
    for unit in units {
        match podium_import::read_unit(unit, options, &Limits::default(), &mut Discard) {
            Ok(summary) => {
                tally.stored += 1;
                tally.measurements += summary.measurements;
                tally.comparisons += summary.comparisons;
                println!(
                    "+ {} ({}): {} measurements, {} comparisons ({} model(s), {} benchmark(s), \
                     {} sample(s))",
                    unit.label,
                    unit.format,
                    summary.measurements,
                    summary.comparisons,
                    summary.models,
                    summary.benchmarks,
                    summary.samples
                );
                for skipped in &summary.skipped {
                    println!("    skipped: {skipped}");
                }
            }
            Err(err) => {
                tally.failed += 1;
                println!(
                    "! {} ({}): {}",
                    unit.label,
                    unit.format,
                    CliError::Import(err)
                );
            }
        }
    }
    println!(
        "dry run: {} unit(s) readable ({} measurements, {} comparisons), {} failed; nothing uploaded",
        tally.stored, tally.measurements, tally.comparisons, tally.failed
    );
    if tally.failed > 0 {
        return Err(CliError::Failed(format!("{} unit(s) failed", tally.failed)));
    }
    Ok(tally)
}
