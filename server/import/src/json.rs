//! Streaming JSON documents: a top-level array, or a top-level object with one big array, is
//! read element by element (each element at most [`crate::Limits::max_member_bytes`]), so an
//! inspect log with a hundred thousand samples or a large HELM `per_instance_stats.json` never
//! sits in memory whole. Elements are deserialised into the caller's type: unknown fields are
//! skipped without being built. Keys of the top-level object that are neither the array nor
//! wanted are skipped without a cap, since nothing of them is held.

use std::cell::Cell;
use std::fmt;
use std::io::{BufRead, BufReader, Read};
use std::marker::PhantomData;
use std::rc::Rc;

use serde::de::{
    self, DeserializeOwned, DeserializeSeed, IgnoredAny, MapAccess, SeqAccess, Visitor,
};
use serde_json::Value;

use crate::{Location, Reader, Stop};

/// Counts what the JSON parser consumes: newlines (for line numbers), the line where the
/// current element starts, and its size (for the cap). serde_json pulls from a reader one byte
/// at a time (the `BufReader` inside keeps that cheap), so the counts are exact whenever the
/// parser hands control back to a visitor.
struct Counting<R> {
    inner: R,
    state: Rc<Progress>,
}

#[derive(Default)]
struct Progress {
    newlines: Cell<u64>,
    /// Line of the first byte that is neither whitespace nor `,` since [`Progress::mark`].
    element_line: Cell<u64>,
    bytes_since_mark: Cell<u64>,
    cap: Cell<u64>,
    /// Whether bytes since the mark count against the cap: a value that is skipped is never
    /// held, so however large it is costs no memory.
    capped: Cell<bool>,
    /// Set when the cap stopped the parser, so the failure is reported as such (serde_json
    /// sees only an I/O error).
    over_cap: Cell<bool>,
}

impl Progress {
    /// Starts a value that is built in memory: its size counts against the cap.
    fn mark(&self) {
        self.element_line.set(0);
        self.bytes_since_mark.set(0);
        self.capped.set(true);
    }

    /// Starts a value that is skipped: no cap.
    fn mark_skipped(&self) {
        self.mark();
        self.capped.set(false);
    }
}

impl<R: Read> Read for Counting<R> {
    fn read(&mut self, buf: &mut [u8]) -> std::io::Result<usize> {
        let n = self.inner.read(buf)?;
        let state = &self.state;
        for &b in &buf[..n] {
            if state.element_line.get() == 0 && !matches!(b, b' ' | b'\t' | b'\r' | b'\n' | b',') {
                state.element_line.set(state.newlines.get() + 1);
            }
            if b == b'\n' {
                state.newlines.set(state.newlines.get() + 1);
            }
        }
        let size = state.bytes_since_mark.get() + n as u64;
        state.bytes_since_mark.set(size);
        if state.capped.get() && size > state.cap.get() {
            state.over_cap.set(true);
            return Err(std::io::Error::other(format!(
                "an element is larger than the limit of {} bytes",
                state.cap.get()
            )));
        }
        Ok(n)
    }
}

/// What the per-element callback gets.
pub(crate) struct Element<T> {
    /// 0-based position in the array.
    pub index: u64,
    /// The line where the element starts.
    pub line: u64,
    /// The element.
    pub value: T,
}

struct Ctx<'r, 's, F> {
    reader: &'r mut Reader<'s>,
    progress: Rc<Progress>,
    on_element: F,
    stopped: bool,
}

/// Reads the JSON array at the top level of `source`, calling `on_element` for each element
/// in turn. Syntax errors and elements that do not fit `T` are reported at `at` with the line.
pub(crate) fn stream_array<'s, T, F>(
    reader: &mut Reader<'s>,
    source: impl Read,
    at: &Location,
    on_element: F,
) -> Result<(), Stop>
where
    T: DeserializeOwned,
    F: FnMut(&mut Reader<'s>, Element<T>) -> Result<(), Stop>,
{
    stream::<T, F, fn(&str, Value)>(reader, source, at, None, on_element)
}

/// Reads the JSON object at the top level of `source`: the array under `array_key` element by
/// element (`on_element`), the keys in `wanted` whole (`on_key`, in document order), every
/// other key skipped. `on_key` is called before the elements of any array that follows it.
pub(crate) fn stream_object<'s, T, F, K>(
    reader: &mut Reader<'s>,
    source: impl Read,
    at: &Location,
    array_key: &str,
    wanted: &[&str],
    mut on_key: K,
    on_element: F,
) -> Result<(), Stop>
where
    T: DeserializeOwned,
    F: FnMut(&mut Reader<'s>, Element<T>) -> Result<(), Stop>,
    K: FnMut(&str, Value),
{
    stream::<T, F, K>(
        reader,
        source,
        at,
        Some((array_key, wanted, &mut on_key)),
        on_element,
    )
}

fn stream<'s, T, F, K>(
    reader: &mut Reader<'s>,
    source: impl Read,
    at: &Location,
    object: Option<(&str, &[&str], &mut K)>,
    on_element: F,
) -> Result<(), Stop>
where
    T: DeserializeOwned,
    F: FnMut(&mut Reader<'s>, Element<T>) -> Result<(), Stop>,
    K: FnMut(&str, Value),
{
    let progress = Rc::new(Progress::default());
    progress.cap.set(reader.limits.max_member_bytes);
    progress.capped.set(true);
    let mut inner = BufReader::with_capacity(256 * 1024, source);
    // Editors on Windows write a byte order mark that serde_json rejects; read_document
    // accepts it too.
    if let Ok(head) = inner.fill_buf()
        && head.starts_with(b"\xEF\xBB\xBF")
    {
        inner.consume(3);
    }
    let counting = Counting {
        inner,
        state: Rc::clone(&progress),
    };
    let mut de = serde_json::Deserializer::from_reader(counting);
    let mut ctx = Ctx {
        reader,
        progress: Rc::clone(&progress),
        on_element,
        stopped: false,
    };
    let result = match object {
        None => de::Deserializer::deserialize_seq(
            &mut de,
            ArrayVisitor::<T, F> {
                ctx: &mut ctx,
                _t: PhantomData,
            },
        ),
        Some((array_key, wanted, on_key)) => de::Deserializer::deserialize_map(
            &mut de,
            ObjectVisitor::<T, F, K> {
                ctx: &mut ctx,
                array_key,
                wanted,
                on_key,
                _t: PhantomData,
            },
        ),
    }
    .and_then(|()| de.end());
    if ctx.stopped {
        return Err(Stop);
    }
    match result {
        Ok(()) => Ok(()),
        Err(_) if progress.over_cap.get() => {
            // Reported where the oversized value starts: the place a reader can find.
            let line = match progress.element_line.get() {
                0 => progress.newlines.get() + 1,
                line => line,
            };
            let cap = progress.cap.get();
            Err(ctx.reader.fatal(at.at_line(line).error(
                None,
                format!("a value is larger than the limit of {cap} bytes"),
            )))
        }
        Err(err) => {
            let line = if err.line() > 0 {
                err.line() as u64
            } else {
                progress.newlines.get() + 1
            };
            Err(ctx
                .reader
                .fatal(at.at_line(line).error(None, json_reason(&err))))
        }
    }
}

fn json_reason(err: &serde_json::Error) -> String {
    // serde_json appends " at line L column C"; the location is reported separately.
    let text = err.to_string();
    let text = match text.rfind(" at line ") {
        Some(cut) => &text[..cut],
        None => &text,
    };
    // A well-formed document of the wrong shape ("invalid type: …") is not "invalid JSON".
    match err.classify() {
        serde_json::error::Category::Data => text.to_owned(),
        _ => format!("invalid JSON: {text}"),
    }
}

struct ArrayVisitor<'c, 'r, 's, T, F> {
    ctx: &'c mut Ctx<'r, 's, F>,
    _t: PhantomData<T>,
}

impl<'de, 's, T, F> Visitor<'de> for ArrayVisitor<'_, '_, 's, T, F>
where
    T: DeserializeOwned,
    F: FnMut(&mut Reader<'s>, Element<T>) -> Result<(), Stop>,
{
    type Value = ();

    fn expecting(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("a JSON array")
    }

    fn visit_unit<E: de::Error>(self) -> Result<(), E> {
        Ok(())
    }

    fn visit_seq<A: SeqAccess<'de>>(self, mut seq: A) -> Result<(), A::Error> {
        let mut index = 0u64;
        loop {
            self.ctx.progress.mark();
            let Some(value) = seq.next_element::<T>()? else {
                return Ok(());
            };
            let line = self.ctx.progress.element_line.get();
            let element = Element { index, line, value };
            if (self.ctx.on_element)(self.ctx.reader, element).is_err() {
                self.ctx.stopped = true;
                return Err(de::Error::custom("stopped"));
            }
            index += 1;
        }
    }
}

impl<'de, 's, T, F> DeserializeSeed<'de> for ArrayVisitor<'_, '_, 's, T, F>
where
    T: DeserializeOwned,
    F: FnMut(&mut Reader<'s>, Element<T>) -> Result<(), Stop>,
{
    type Value = ();

    fn deserialize<D: de::Deserializer<'de>>(self, deserializer: D) -> Result<(), D::Error> {
        // `deserialize_any` so that an array key holding `null` (as some writers put for "no
        // samples") reads as empty; any other non-array is still refused by the visitor.
        deserializer.deserialize_any(self)
    }
}

struct ObjectVisitor<'c, 'r, 's, 'k, T, F, K> {
    ctx: &'c mut Ctx<'r, 's, F>,
    array_key: &'k str,
    wanted: &'k [&'k str],
    on_key: &'k mut K,
    _t: PhantomData<T>,
}

impl<'de, 's, T, F, K> Visitor<'de> for ObjectVisitor<'_, '_, 's, '_, T, F, K>
where
    T: DeserializeOwned,
    F: FnMut(&mut Reader<'s>, Element<T>) -> Result<(), Stop>,
    K: FnMut(&str, Value),
{
    type Value = ();

    fn expecting(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("a JSON object")
    }

    fn visit_map<A: MapAccess<'de>>(self, mut map: A) -> Result<(), A::Error> {
        while let Some(key) = map.next_key::<String>()? {
            if key == self.array_key {
                map.next_value_seed(ArrayVisitor::<T, F> {
                    ctx: &mut *self.ctx,
                    _t: PhantomData,
                })?;
            } else if self.wanted.contains(&key.as_str()) {
                self.ctx.progress.mark();
                let value: Value = map.next_value()?;
                (self.on_key)(&key, value);
            } else {
                self.ctx.progress.mark_skipped();
                map.next_value::<IgnoredAny>()?;
            }
            // The next key is built in memory: it counts against the cap again.
            self.ctx.progress.mark();
        }
        Ok(())
    }
}

/// Reads a whole (small) JSON document of at most the member cap, as `T`. Errors name the
/// line.
pub(crate) fn read_document<T: DeserializeOwned>(
    reader: &mut Reader<'_>,
    source: impl Read,
    at: &Location,
) -> Result<T, Stop> {
    let cap = reader.limits.max_member_bytes;
    let mut bytes = Vec::new();
    let read = source.take(cap + 1).read_to_end(&mut bytes);
    if let Err(err) = read {
        let path = std::path::PathBuf::from(&at.file);
        return Err(reader.io(&path, &err));
    }
    if bytes.len() as u64 > cap {
        return Err(reader.fatal(at.error(
            None,
            format!("the document is larger than the limit of {cap} bytes"),
        )));
    }
    let bytes = bytes.strip_prefix(b"\xEF\xBB\xBF").unwrap_or(&bytes);
    from_python_json(bytes)
        .map_err(|err| reader.fatal(at.at_line(err.line() as u64).error(None, json_reason(&err))))
}

/// Parses JSON as Python's `json` module writes it: strict JSON, or, failing that, with its
/// bare `NaN`, `Infinity` and `-Infinity` read as `null` (lm-eval and HELM write them for
/// undefined metrics; a reader then treats the value as missing). The error is the strict
/// parse's.
fn from_python_json<T: DeserializeOwned>(bytes: &[u8]) -> Result<T, serde_json::Error> {
    match serde_json::from_slice(bytes) {
        Ok(value) => Ok(value),
        Err(err) => match non_finite_as_null(bytes) {
            Some(cleaned) => serde_json::from_slice(&cleaned).map_err(|_| err),
            None => Err(err),
        },
    }
}

/// `bytes` with every `NaN`, `Infinity` and `-Infinity` outside strings replaced by `null`;
/// `None` when there is none.
fn non_finite_as_null(bytes: &[u8]) -> Option<Vec<u8>> {
    const TOKENS: [&[u8]; 3] = [b"-Infinity", b"Infinity", b"NaN"];
    let mut out = Vec::with_capacity(bytes.len());
    let (mut in_string, mut escaped, mut replaced) = (false, false, false);
    let mut i = 0;
    while i < bytes.len() {
        let b = bytes[i];
        if in_string {
            if escaped {
                escaped = false;
            } else if b == b'\\' {
                escaped = true;
            } else if b == b'"' {
                in_string = false;
            }
        } else if b == b'"' {
            in_string = true;
        } else if let Some(token) = TOKENS.iter().find(|t| bytes[i..].starts_with(t)) {
            out.extend_from_slice(b"null");
            i += token.len();
            replaced = true;
            continue;
        }
        out.push(b);
        i += 1;
    }
    replaced.then_some(out)
}

/// Parses one JSONL line as `T`; a failure is reported at `at` (whose line is the line's).
pub(crate) fn parse_line<T: DeserializeOwned>(
    reader: &mut Reader<'_>,
    at: &Location,
    line: &[u8],
) -> Result<Option<T>, Stop> {
    match from_python_json(line) {
        Ok(value) => Ok(Some(value)),
        Err(err) => {
            reader.error(at.error(None, json_reason(&err)))?;
            Ok(None)
        }
    }
}

/// A JSON value as a number for a measurement: numbers as they are, booleans as 1/0. `None`
/// for anything else.
pub fn number(value: &Value) -> Option<f64> {
    match value {
        Value::Number(n) => n.as_f64(),
        Value::Bool(b) => Some(if *b { 1.0 } else { 0.0 }),
        _ => None,
    }
}

/// A JSON scalar as an id: strings as they are, integers in decimal. `None` otherwise.
pub fn id_text(value: &Value) -> Option<String> {
    match value {
        Value::String(s) => Some(s.clone()),
        Value::Number(n) if n.is_i64() || n.is_u64() => Some(n.to_string()),
        Value::Number(n) => Some(n.to_string()),
        _ => None,
    }
}

#[cfg(test)]
mod tests {

    #[test]
    fn python_non_finite_numbers_read_as_null() {
        let text =
            br#"{"a": NaN, "b": [Infinity, -Infinity], "c": "NaN in a string \" NaN", "d": 1}"#;
        let value: Value = from_python_json(text).unwrap();
        assert_eq!(
            value,
            serde_json::json!({"a": null, "b": [null, null], "c": "NaN in a string \" NaN", "d": 1})
        );
        assert!(non_finite_as_null(br#"{"a": "NaN"}"#).is_none());
        // Still not JSON: the strict parse's error is kept.
        assert!(from_python_json::<Value>(b"{NaN: 1").is_err());
    }

    use super::*;
    use crate::{Collect, Limits};

    fn limits(cap: u64) -> Limits {
        Limits {
            max_member_bytes: cap,
            ..Limits::default()
        }
    }

    /// Runs `f` with a fresh reader; returns its result and the errors it collected.
    fn with_reader<R>(
        cap: u64,
        f: impl FnOnce(&mut Reader<'_>) -> R,
    ) -> (R, Vec<podium_wire::LineError>) {
        let mut sink = Collect::default();
        let mut reader = Reader::new(&mut sink, limits(cap));
        let out = f(&mut reader);
        (out, reader.errors.clone())
    }

    fn at() -> Location {
        Location::file("t.json")
    }

    #[test]
    fn array_indices_and_lines() {
        let text = b"[\n  {\"a\": 1},\n  2,\n\n  \"three\", [4,\n 5]\n]";
        let mut seen = Vec::new();
        let (out, errors) = with_reader(1 << 20, |reader| {
            stream_array(reader, &text[..], &at(), |_, e: Element<Value>| {
                seen.push((e.index, e.line, e.value));
                Ok(())
            })
        });
        assert!(out.is_ok() && errors.is_empty(), "{errors:?}");
        let expected: Vec<(u64, u64, Value)> = vec![
            (0, 2, serde_json::json!({"a": 1})),
            (1, 3, serde_json::json!(2)),
            (2, 5, serde_json::json!("three")),
            (3, 5, serde_json::json!([4, 5])),
        ];
        assert_eq!(seen, expected);
    }

    #[test]
    fn object_keys_in_document_order_and_elements_after_them() {
        let text =
            br#"{"skip": {"samples": [9]}, "eval": {"x": 1}, "samples": [{"n": 1}, {"n": 2}],
"status": "done", "other": [1, 2]}"#;
        let log = std::cell::RefCell::new(Vec::new());
        let (out, errors) = with_reader(1 << 20, |reader| {
            stream_object(
                reader,
                &text[..],
                &at(),
                "samples",
                &["eval", "status"],
                |key, value| log.borrow_mut().push(format!("{key}={value}")),
                |_, e: Element<Value>| {
                    log.borrow_mut()
                        .push(format!("#{}@{}={}", e.index, e.line, e.value));
                    Ok(())
                },
            )
        });
        assert!(out.is_ok() && errors.is_empty(), "{errors:?}");
        assert_eq!(
            log.into_inner(),
            [
                r#"eval={"x":1}"#,
                r##"#0@1={"n":1}"##,
                r##"#1@1={"n":2}"##,
                r#"status="done""#
            ]
        );
    }

    #[test]
    fn callback_stop_stops_without_another_error() {
        let text = b"[1, 2, 3]";
        let mut calls = 0;
        let (out, errors) = with_reader(1 << 20, |reader| {
            stream_array(reader, &text[..], &at(), |_, _: Element<u8>| {
                calls += 1;
                Err(Stop)
            })
        });
        assert!(out.is_err());
        assert_eq!(calls, 1);
        assert!(errors.is_empty(), "{errors:?}");
    }

    #[test]
    fn cap_applies_per_element() {
        // Each element is under the cap though the document is not.
        let text = format!("[{}]", vec!["\"abcdefgh\""; 50].join(","));
        let (out, errors) = with_reader(16, |reader| {
            stream_array(reader, text.as_bytes(), &at(), |_, _: Element<String>| {
                Ok(())
            })
        });
        assert!(out.is_ok(), "{errors:?}");
        let text = "[\"short\",\n\"a much longer string than sixteen bytes\"]";
        let (out, errors) = with_reader(16, |reader| {
            stream_array(reader, text.as_bytes(), &at(), |_, _: Element<String>| {
                Ok(())
            })
        });
        assert!(out.is_err());
        assert_eq!(errors.len(), 1);
        assert_eq!(errors[0].line, 2);
        assert_eq!(
            errors[0].reason,
            "a value is larger than the limit of 16 bytes"
        );
    }

    #[test]
    fn read_document_and_parse_line_report_lines() {
        let (out, errors) = with_reader(1 << 20, |reader| {
            read_document::<Value>(reader, &b"{\n\"a\": 1,\n\"b\" 2}"[..], &at())
        });
        assert!(out.is_err());
        assert_eq!(errors[0].line, 3);
        assert!(errors[0].reason.starts_with("invalid JSON: expected `:`"));
        let (out, errors) = with_reader(4, |reader| {
            read_document::<Value>(reader, &b"[1, 2, 3]"[..], &at())
        });
        assert!(out.is_err());
        assert!(
            errors[0]
                .reason
                .contains("larger than the limit of 4 bytes")
        );
        let (out, errors) = with_reader(1 << 20, |reader| {
            parse_line::<Value>(reader, &at().at_line(7), b"{nope}")
        });
        assert!(matches!(out, Ok(None)));
        assert_eq!(errors[0].line, 7);
    }

    #[test]
    fn ids_and_numbers() {
        use serde_json::json;
        assert_eq!(id_text(&json!(12)).as_deref(), Some("12"));
        assert_eq!(id_text(&json!("x-1")).as_deref(), Some("x-1"));
        assert_eq!(id_text(&json!(1.5)).as_deref(), Some("1.5"));
        assert_eq!(id_text(&json!(null)), None);
        assert_eq!(id_text(&json!([1])), None);
        assert_eq!(number(&json!(true)), Some(1.0));
        assert_eq!(number(&json!(0.25)), Some(0.25));
        assert_eq!(number(&json!("1")), None);
    }
}
