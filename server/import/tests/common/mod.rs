//! Helpers shared by the reader tests.
#![allow(dead_code)]

use std::path::{Path, PathBuf};

use podium_import::{
    Collect, Format, ImportError, Limits, Location, Options, Summary, Unit, UnitFile, read_unit,
};
use podium_wire::LineError;
use podium_wire::record::{Comparison, Measurement, Record};

/// A committed fixture.
pub fn fixture(rel: &str) -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR"))
        .join("tests/fixtures")
        .join(rel)
}

/// A third-party example file or folder under `$PODIUM_SHARED_DATA`, or `None` (after saying so) when the
/// variable is unset: those files are not in the repository.
pub fn shared(rel: &str) -> Option<PathBuf> {
    let Some(root) = std::env::var_os("PODIUM_SHARED_DATA") else {
        eprintln!("skipped: PODIUM_SHARED_DATA is not set (it names the folder of {rel})");
        return None;
    };
    let path = PathBuf::from(root).join(rel);
    assert!(path.exists(), "{} is missing", path.display());
    Some(path)
}

/// A one-file unit.
pub fn unit(format: Format, path: &Path) -> Unit {
    let name = path.file_name().unwrap().to_string_lossy().into_owned();
    Unit::new(
        format,
        path.display().to_string(),
        vec![UnitFile {
            name,
            path: path.to_owned(),
        }],
    )
}

pub fn read_with(
    unit: &Unit,
    options: &Options,
    limits: &Limits,
) -> Result<(Summary, Vec<(Location, Record<'static>)>), ImportError> {
    let mut sink = Collect::default();
    let summary = read_unit(unit, options, limits, &mut sink)?;
    Ok((summary, sink.records))
}

/// Reads a unit that must be valid.
pub fn read_ok(unit: &Unit, options: &Options) -> (Summary, Vec<(Location, Record<'static>)>) {
    match read_with(unit, options, &Limits::default()) {
        Ok(read) => read,
        Err(e) => panic!("{} failed: {e:?}", unit.label),
    }
}

/// The errors of a unit that must be invalid.
pub fn read_invalid(unit: &Unit, options: &Options, limits: &Limits) -> Vec<LineError> {
    match read_with(unit, options, limits) {
        Ok((summary, _)) => panic!("{} read without error: {summary:?}", unit.label),
        Err(ImportError::Invalid { errors, .. }) => errors,
        Err(e) => panic!("{} failed with {e:?}, not content errors", unit.label),
    }
}

/// Reads a unit whose records must all be measurements.
pub fn read_measurements(
    unit: &Unit,
    options: &Options,
) -> Result<(Summary, Vec<Measurement<'static>>), ImportError> {
    let (summary, records) = read_with(unit, options, &Limits::default())?;
    Ok((summary, measurements(&records)))
}

/// The content errors of a read that must fail with them.
pub fn content_errors<T: std::fmt::Debug>(result: Result<T, ImportError>) -> Vec<LineError> {
    match result {
        Err(ImportError::Invalid { errors, .. }) => errors,
        other => panic!("expected invalid content, got {other:?}"),
    }
}

pub fn measurements(records: &[(Location, Record<'static>)]) -> Vec<Measurement<'static>> {
    records
        .iter()
        .map(|(_, r)| match r {
            Record::Measurement(m) => m.clone(),
            other => panic!("not a measurement: {other:?}"),
        })
        .collect()
}

pub fn comparisons(records: &[(Location, Record<'static>)]) -> Vec<Comparison<'static>> {
    records
        .iter()
        .map(|(_, r)| match r {
            Record::Comparison(c) => c.clone(),
            other => panic!("not a comparison: {other:?}"),
        })
        .collect()
}

/// Writes `text` to `name` in a fresh temporary folder.
pub fn temp_file(name: &str, text: &[u8]) -> (tempfile::TempDir, PathBuf) {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join(name);
    std::fs::write(&path, text).unwrap();
    (dir, path)
}
