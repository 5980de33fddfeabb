//! A unit's content hash: what makes a repeated import recognisable.
//!
//! SHA-256 over a framed encoding of the format, the options, and the files' bytes. Files are
//! framed by length, so no two different units encode alike. A single-file unit leaves its
//! name out: renaming a battles file and importing it again must not count its battles twice.
//! Multi-file units (lm-eval, HELM) keep names, because a name says a file's role (the task of
//! `samples_<task>_<time>.jsonl`).

use std::io::Read;

use sha2::{Digest, Sha256};

use crate::{ImportError, Options, Unit};

/// Version of the framing; bump it if the encoding changes.
const FRAMING: &[u8] = b"podium-import/1\0";

/// The hex SHA-256 naming a unit's content under `options`. Reads every file once, streaming.
pub fn unit_hash(unit: &Unit, options: &Options) -> Result<String, ImportError> {
    let mut hasher = Sha256::new();
    hasher.update(FRAMING);
    frame(&mut hasher, unit.format.name().as_bytes());
    let options = serde_json::to_vec(options).unwrap_or_default();
    frame(&mut hasher, &options);
    let named = unit.files.len() > 1;
    hasher.update((unit.files.len() as u64).to_le_bytes());
    let mut buffer = vec![0u8; 256 * 1024];
    for file in &unit.files {
        if named {
            frame(&mut hasher, file.name.as_bytes());
        }
        let length = std::fs::metadata(&file.path)
            .map_err(|e| ImportError::io(&file.path, &e))?
            .len();
        hasher.update(length.to_le_bytes());
        let mut input =
            std::fs::File::open(&file.path).map_err(|e| ImportError::io(&file.path, &e))?;
        let mut seen = 0u64;
        loop {
            let n = input
                .read(&mut buffer)
                .map_err(|e| ImportError::io(&file.path, &e))?;
            if n == 0 {
                break;
            }
            seen += n as u64;
            hasher.update(&buffer[..n]);
        }
        if seen != length {
            return Err(ImportError::Io {
                path: file.path.display().to_string(),
                message: "the file changed while it was read".into(),
            });
        }
    }
    Ok(hex::encode(hasher.finalize()))
}

fn frame(hasher: &mut Sha256, bytes: &[u8]) {
    hasher.update((bytes.len() as u64).to_le_bytes());
    hasher.update(bytes);
}
