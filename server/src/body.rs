//! Reading a submission body while it streams in.
//!
//! The HTTP worker only forwards chunks; a blocking thread splits them into lines, hashes the
//! bytes (for idempotency) and validates each line into a [`BatchBuilder`] as it arrives, so
//! parsing overlaps the upload and no body is ever held in memory as text (NDJSON; a JSON array
//! has to be read whole). The outcome is a batch, or every error found (the caller lists the
//! first hundred).

use bytes::Bytes;
use podium_storage::ingest::{Batch, BatchBuilder};
use podium_wire::LineError;
use podium_wire::record::{MAX_LINE_BYTES, is_json, parse_line};
use serde_json::value::RawValue;
use sha2::{Digest, Sha256};
use tokio::sync::mpsc::Receiver;

use crate::error::ApiError;

/// How the body is framed.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum BodyFormat {
    /// One JSON object per line (`application/x-ndjson`).
    Ndjson,
    /// One JSON array of objects (`application/json`).
    JsonArray,
}

impl BodyFormat {
    /// The name recorded as the submission's source format.
    pub fn name(self) -> &'static str {
        match self {
            BodyFormat::Ndjson => "ndjson",
            BodyFormat::JsonArray => "json",
        }
    }
}

/// What the HTTP side sends to the reader.
pub enum Chunk {
    /// More bytes.
    Data(Bytes),
    /// The body is complete.
    End,
}

/// A body read to the end.
pub struct ReadBody {
    /// The validated records.
    pub batch: Batch,
    /// SHA-256 of the body, hex.
    pub content_hash: String,
}

/// Splits NDJSON into lines and feeds them to the batch.
struct LineReader {
    builder: BatchBuilder,
    pending: Vec<u8>,
    line_no: u64,
    /// The current line passed the length limit: drop bytes until the next newline.
    skipping: bool,
    json_lines: u64,
}

impl LineReader {
    fn new() -> Self {
        LineReader {
            builder: BatchBuilder::new(),
            pending: Vec::new(),
            line_no: 0,
            skipping: false,
            json_lines: 0,
        }
    }

    fn feed(&mut self, mut data: &[u8]) {
        while !data.is_empty() {
            match memchr::memchr(b'\n', data) {
                Some(end) => {
                    let (head, rest) = (&data[..end], &data[end + 1..]);
                    data = rest;
                    self.line_no += 1;
                    if self.skipping {
                        self.skipping = false;
                        continue;
                    }
                    if self.pending.is_empty() {
                        self.line(head);
                    } else {
                        let mut line = std::mem::take(&mut self.pending);
                        line.extend_from_slice(head);
                        self.line(&line);
                        line.clear();
                        self.pending = line;
                    }
                }
                None => {
                    if !self.skipping {
                        self.pending.extend_from_slice(data);
                        if self.pending.len() > MAX_LINE_BYTES {
                            self.builder.reject([LineError::whole(
                                self.line_no + 1,
                                format!("line is longer than the limit of {MAX_LINE_BYTES} bytes"),
                            )]);
                            self.pending = Vec::new();
                            self.skipping = true;
                        }
                    }
                    data = &[];
                }
            }
        }
    }

    fn line(&mut self, line: &[u8]) {
        let line = line.strip_suffix(b"\r").unwrap_or(line);
        if line.iter().all(u8::is_ascii_whitespace) {
            return;
        }
        if line.len() > MAX_LINE_BYTES {
            self.builder.reject([LineError::whole(
                self.line_no,
                format!("line is longer than the limit of {MAX_LINE_BYTES} bytes"),
            )]);
            return;
        }
        match parse_line(self.line_no, line) {
            Ok(record) => {
                self.json_lines += 1;
                self.builder.push(self.line_no, record);
            }
            Err(errors) => {
                if is_json(line) {
                    self.json_lines += 1;
                }
                self.builder.reject(errors);
            }
        }
    }

    fn finish(mut self) -> Result<BatchBuilder, ApiError> {
        if !self.pending.is_empty() {
            self.line_no += 1;
            let last = std::mem::take(&mut self.pending);
            self.line(&last);
        }
        if self.json_lines == 0 {
            return Err(if self.builder.error_count() == 0 {
                ApiError::BadRequest("the body holds no records".into())
            } else {
                ApiError::BadRequest(
                    "the body is not NDJSON: no line is a JSON value (one JSON object per line \
                     is expected)"
                        .into(),
                )
            });
        }
        Ok(self.builder)
    }
}

fn read_json_array(body: &[u8]) -> Result<BatchBuilder, ApiError> {
    let elements: Vec<&RawValue> = serde_json::from_slice(body).map_err(|err| {
        ApiError::BadRequest(format!(
            "an application/json submission must be one JSON array of records: {err}"
        ))
    })?;
    if elements.is_empty() {
        return Err(ApiError::BadRequest("the body holds no records".into()));
    }
    let mut builder = BatchBuilder::new();
    for (i, element) in elements.iter().enumerate() {
        let number = i as u64 + 1;
        match parse_line(number, element.get().as_bytes()) {
            Ok(record) => builder.push(number, record),
            Err(errors) => builder.reject(errors),
        }
    }
    Ok(builder)
}

/// Hands every chunk to `consume` (and the hasher) until [`Chunk::End`].
fn drain(
    chunks: &mut Receiver<Chunk>,
    hasher: &mut Sha256,
    mut consume: impl FnMut(&[u8]),
) -> Result<(), ApiError> {
    while let Some(chunk) = chunks.blocking_recv() {
        match chunk {
            Chunk::Data(data) => {
                hasher.update(&data);
                consume(&data);
            }
            Chunk::End => return Ok(()),
        }
    }
    Err(ApiError::BadRequest("the body ended early".into()))
}

/// Reads the body from `chunks` until [`Chunk::End`]; blocking, run it off the async workers.
/// A channel closed before `End` means the client went away: the submission is abandoned.
pub fn read_body(format: BodyFormat, mut chunks: Receiver<Chunk>) -> Result<ReadBody, ApiError> {
    let mut hasher = Sha256::new();
    let builder = match format {
        BodyFormat::Ndjson => {
            let mut reader = LineReader::new();
            drain(&mut chunks, &mut hasher, |data| reader.feed(data))?;
            reader.finish()?
        }
        BodyFormat::JsonArray => {
            let mut body = Vec::new();
            drain(&mut chunks, &mut hasher, |data| {
                body.extend_from_slice(data)
            })?;
            read_json_array(&body)?
        }
    };
    let records = builder.record_count();
    let batch = builder.finish().map_err(|errors| {
        ApiError::rejected(
            format!(
                "{} error(s) in the submission ({records} valid record(s)); nothing was stored",
                errors.len()
            ),
            errors,
        )
    })?;
    Ok(ReadBody {
        batch,
        content_hash: hex::encode(hasher.finalize()),
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    fn read(chunks: &[&[u8]]) -> Result<ReadBody, ApiError> {
        let (tx, rx) = tokio::sync::mpsc::channel(chunks.len() + 1);
        for chunk in chunks {
            tx.try_send(Chunk::Data(Bytes::copy_from_slice(chunk)))
                .ok()
                .unwrap();
        }
        tx.try_send(Chunk::End).ok().unwrap();
        read_body(BodyFormat::Ndjson, rx)
    }

    const M: &str = r#"{"type":"measurement","model":"m","benchmark":"b","sample":"s","metric":"acc","value":1}"#;

    #[test]
    fn lines_split_across_chunks() {
        let body = format!("{M}\n\n{}\r\n", M.replace("\"s\"", "\"t\""));
        let bytes = body.as_bytes();
        for cut in 1..bytes.len() {
            let read = read(&[&bytes[..cut], &bytes[cut..]]).unwrap();
            assert_eq!(read.batch.measurement_count(), 2, "cut at {cut}");
        }
    }

    #[test]
    fn last_line_without_newline_counts() {
        assert_eq!(read(&[M.as_bytes()]).unwrap().batch.measurement_count(), 1);
    }

    #[test]
    fn errors_carry_line_numbers() {
        let body = format!(
            "{M}\n{{\"type\":\"measurement\"}}\n{}\n",
            M.replace("1}", "1,\"epoch\":1}")
        );
        let Err(ApiError::Unprocessable { errors, .. }) = read(&[body.as_bytes()]) else {
            panic!("expected a rejection");
        };
        assert!(errors.iter().all(|e| e.line == 2), "{errors:?}");
    }

    #[test]
    fn not_ndjson_at_all() {
        assert!(matches!(
            read(&[b"hello world\nthis is text\n"]),
            Err(ApiError::BadRequest(_))
        ));
        assert!(matches!(read(&[b"\n\n"]), Err(ApiError::BadRequest(_))));
    }

    #[test]
    fn overlong_line_is_reported_and_skipped() {
        let long = format!("{{\"type\":\"{}\"}}", "x".repeat(MAX_LINE_BYTES + 10));
        let body = format!("{M}\n{long}\n{M}\n");
        let bytes = body.as_bytes();
        let chunks: Vec<&[u8]> = bytes.chunks(64 * 1024).collect();
        let Err(ApiError::Unprocessable { errors, .. }) = read(&chunks) else {
            panic!("expected a rejection");
        };
        // Line 2 is too long; line 3 repeats line 1's key.
        assert_eq!(
            errors.iter().map(|e| e.line).collect::<Vec<_>>(),
            vec![2, 3]
        );
    }

    #[test]
    fn hash_covers_every_byte() {
        let a = read(&[M.as_bytes(), b"\n"]).unwrap().content_hash;
        let b = read(&[M.as_bytes(), b"\n\n"]).unwrap().content_hash;
        assert_ne!(a, b);
        assert_eq!(a.len(), 64);
    }
}
