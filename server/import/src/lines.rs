//! Line-by-line reading with a length cap: JSONL and CSV files are never held whole, and one
//! overlong line costs at most the cap in memory before it is reported and skipped.

use std::fs::File;
use std::io::{BufRead, BufReader, Read};
use std::path::Path;

use crate::{Location, Reader, Stop};

/// Calls `each(reader, at, line)` for every line of the file at `path` that is not blank, with
/// `at.line` set to its 1-based number. `\r\n` endings and a UTF-8 byte order mark on the first
/// line are removed. A line longer than the reader's cap is reported and skipped.
pub(crate) fn each_line(
    reader: &mut Reader<'_>,
    path: &Path,
    at: &mut Location,
    each: impl FnMut(&mut Reader<'_>, &Location, &[u8]) -> Result<(), Stop>,
) -> Result<(), Stop> {
    let file = File::open(path).map_err(|e| reader.io(path, &e))?;
    each_line_of(reader, file, path, at, each)
}

/// [`each_line`] over any byte source (an archive member, a test buffer); `path` is only for
/// I/O error messages.
pub(crate) fn each_line_of(
    reader: &mut Reader<'_>,
    source: impl Read,
    path: &Path,
    at: &mut Location,
    mut each: impl FnMut(&mut Reader<'_>, &Location, &[u8]) -> Result<(), Stop>,
) -> Result<(), Stop> {
    let cap = reader.limits.max_line_bytes;
    let mut input = BufReader::with_capacity(256 * 1024, source);
    let mut line: Vec<u8> = Vec::new();
    let mut number: u64 = 0;
    let mut overlong = false;
    loop {
        let chunk = match input.fill_buf() {
            Ok(chunk) => chunk,
            Err(e) if e.kind() == std::io::ErrorKind::Interrupted => continue,
            Err(e) => return Err(reader.io(path, &e)),
        };
        if chunk.is_empty() {
            if !line.is_empty() || overlong {
                number += 1;
                finish_line(reader, at, number, &mut line, overlong, cap, &mut each)?;
            }
            return Ok(());
        }
        let (taken, complete) = match memchr::memchr(b'\n', chunk) {
            Some(end) => (end + 1, true),
            None => (chunk.len(), false),
        };
        let body = if complete { &chunk[..taken - 1] } else { chunk };
        if !overlong {
            if line.len() + body.len() > cap {
                overlong = true;
                line = Vec::new();
            } else {
                line.extend_from_slice(body);
            }
        }
        input.consume(taken);
        if complete {
            number += 1;
            finish_line(reader, at, number, &mut line, overlong, cap, &mut each)?;
            overlong = false;
        }
    }
}

fn finish_line(
    reader: &mut Reader<'_>,
    at: &mut Location,
    number: u64,
    line: &mut Vec<u8>,
    overlong: bool,
    cap: usize,
    each: &mut impl FnMut(&mut Reader<'_>, &Location, &[u8]) -> Result<(), Stop>,
) -> Result<(), Stop> {
    at.line = number;
    if overlong {
        return reader.error(at.error(
            None,
            format!("line is longer than the limit of {cap} bytes"),
        ));
    }
    let mut text: &[u8] = line;
    if number == 1 {
        text = text.strip_prefix(b"\xEF\xBB\xBF").unwrap_or(text);
    }
    text = text.strip_suffix(b"\r").unwrap_or(text);
    let result = if text.iter().all(u8::is_ascii_whitespace) {
        Ok(())
    } else {
        each(reader, at, text)
    };
    line.clear();
    result
}

/// The first line of a file that is not blank (at most `cap` bytes of it), for sniffing.
pub fn first_line(path: &Path, cap: usize) -> std::io::Result<Option<Vec<u8>>> {
    let mut input = BufReader::new(File::open(path)?.take(cap as u64 * 4));
    let mut line = Vec::new();
    loop {
        line.clear();
        let read = (&mut input).take(cap as u64).read_until(b'\n', &mut line)?;
        if read == 0 {
            return Ok(None);
        }
        let text = line.strip_prefix(b"\xEF\xBB\xBF").unwrap_or(&line);
        if !text.iter().all(u8::is_ascii_whitespace) {
            let text = text.strip_suffix(b"\n").unwrap_or(text);
            let text = text.strip_suffix(b"\r").unwrap_or(text);
            return Ok(Some(text.to_vec()));
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::{Collect, Limits};

    /// Hands out a few bytes per read, so lines straddle the buffer's refills.
    struct Trickle<'a>(&'a [u8]);

    impl Read for Trickle<'_> {
        fn read(&mut self, buf: &mut [u8]) -> std::io::Result<usize> {
            let n = self.0.len().min(buf.len()).min(3);
            buf[..n].copy_from_slice(&self.0[..n]);
            self.0 = &self.0[n..];
            Ok(n)
        }
    }

    #[test]
    fn lines_numbers_endings_and_the_cap() {
        let text = b"\xEF\xBB\xBFfirst\r\n\n  \nsecond\nthis line is too long\nthird\r\nlast";
        let mut sink = Collect::default();
        let limits = Limits {
            max_line_bytes: 10,
            ..Limits::default()
        };
        let mut reader = Reader::new(&mut sink, limits);
        let mut seen = Vec::new();
        let mut at = Location::file("t.jsonl");
        each_line_of(
            &mut reader,
            Trickle(text),
            Path::new("t.jsonl"),
            &mut at,
            |_, at, line| {
                seen.push((at.line, String::from_utf8(line.to_vec()).unwrap()));
                Ok(())
            },
        )
        .unwrap();
        let expected: Vec<(u64, String)> = [(1, "first"), (4, "second"), (6, "third"), (7, "last")]
            .into_iter()
            .map(|(n, s)| (n, s.to_owned()))
            .collect();
        assert_eq!(seen, expected);
        assert_eq!(reader.errors.len(), 1);
        assert_eq!(reader.errors[0].line, 5);
        assert!(reader.errors[0].reason.contains("limit of 10 bytes"));
    }
}
