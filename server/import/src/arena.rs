//! Arena battles, as comparisons.
//!
//! A battle is one human (or judge) vote between two anonymous answers to one prompt:
//! `{"question_id", "model_a", "model_b", "winner", "judge", "tstamp", "language", "turn",
//! "anony", "conversation_a", "conversation_b", …}`, as in the LMSYS Chatbot Arena dumps and
//! arena-hard-auto's battle files. Accepted as JSONL (one battle a line), a `.json` document (an
//! array of battles, streamed element by element, or one battle object), or CSV with a header
//! row naming the columns.
//!
//! Mapping, one comparison per battle: `model_a`, `model_b` and `winner` are required;
//! `winner` is `model_a`, `model_b`, `tie`, or `tie (bothbad)` / `both_bad` (both bad). The
//! sample is `question_id`, or else the battle's position (JSONL: its line; CSV: its data row;
//! JSON array: its 1-based element number): every battle is its own conversation, so a
//! position names it honestly. Benchmark = the `benchmark` option, else `arena`. `judge` (the
//! voter) is kept when it is a string, `tstamp` (Unix seconds) becomes the timestamp, and the
//! scalar fields `language`, `turn`, `anony`, `category` become the comparison's metadata. The
//! conversations are not read.

use std::borrow::Cow;
use std::cell::Cell;
use std::fs::File;
use std::io::{BufRead, BufReader, Read};
use std::rc::Rc;

use chrono::{DateTime, Utc};
use podium_wire::record::{Comparison, Record, Winner};
use serde::Deserialize;
use serde_json::{Map, Value};

use crate::json::{self, Element};
use crate::lines;
use crate::{Location, Options, Reader, Stop, Unit, UnitFile};

/// The fields of a battle that are read; the conversations are skipped unbuilt. Every field is
/// a loose `Value` so that a wrong type is an error about that field, not about the line.
#[derive(Deserialize, Default)]
#[serde(expecting = "a battle object")]
struct Battle {
    model_a: Option<Value>,
    model_b: Option<Value>,
    winner: Option<Value>,
    question_id: Option<Value>,
    judge: Option<Value>,
    tstamp: Option<Value>,
    language: Option<Value>,
    turn: Option<Value>,
    anony: Option<Value>,
    category: Option<Value>,
}

/// The scalar fields kept as comparison metadata.
const METADATA: [&str; 4] = ["language", "turn", "anony", "category"];

const WINNERS: &str = "model_a, model_b, tie, tie (bothbad), both_bad";

pub(crate) fn read(unit: &Unit, options: &Options, reader: &mut Reader<'_>) -> Result<(), Stop> {
    let benchmark = options.benchmark.as_deref().unwrap_or("arena");
    for file in &unit.files {
        let lower = file.name.to_ascii_lowercase();
        let named = |ext: &str| lower.ends_with(ext);
        if named(".csv") {
            read_csv(file, benchmark, reader)?;
        } else if named(".jsonl") || named(".ndjson") {
            read_jsonl(file, benchmark, reader)?;
        } else {
            // `.json`, or an upload whose name says nothing: the first byte decides.
            match first_byte(file).map_err(|e| reader.io(&file.path, &e))? {
                Some(b'[') => read_array(file, benchmark, reader)?,
                Some(b'{') if named(".json") => read_object(file, benchmark, reader)?,
                Some(b'{') | None => read_jsonl(file, benchmark, reader)?,
                Some(_) if named(".json") => read_object(file, benchmark, reader)?,
                Some(_) => read_csv(file, benchmark, reader)?,
            }
        }
    }
    Ok(())
}

/// The first byte that is not whitespace (or a byte order mark): what kind of document it is.
fn first_byte(file: &UnitFile) -> std::io::Result<Option<u8>> {
    let mut input = BufReader::new(File::open(&file.path)?);
    let mut start = true;
    loop {
        let chunk = input.fill_buf()?;
        if chunk.is_empty() {
            return Ok(None);
        }
        let mut skip = 0;
        if start {
            start = false;
            if chunk.starts_with(b"\xEF\xBB\xBF") {
                skip = 3;
            }
        }
        if let Some(&b) = chunk[skip..].iter().find(|b| !b.is_ascii_whitespace()) {
            return Ok(Some(b));
        }
        let len = chunk.len();
        input.consume(len);
    }
}

fn read_jsonl(file: &UnitFile, benchmark: &str, reader: &mut Reader<'_>) -> Result<(), Stop> {
    let mut at = Location::file(&file.name);
    lines::each_line(reader, &file.path, &mut at, |reader, at, line| {
        let Some(battle) = json::parse_line::<Battle>(reader, at, line)? else {
            return Ok(());
        };
        one(reader, at, benchmark, battle, at.line)
    })
}

fn read_array(file: &UnitFile, benchmark: &str, reader: &mut Reader<'_>) -> Result<(), Stop> {
    let at = Location::file(&file.name);
    let source = File::open(&file.path).map_err(|e| reader.io(&file.path, &e))?;
    json::stream_array(reader, source, &at, |reader, element: Element<Battle>| {
        let here = at.at_line(element.line);
        one(reader, &here, benchmark, element.value, element.index + 1)
    })
}

fn read_object(file: &UnitFile, benchmark: &str, reader: &mut Reader<'_>) -> Result<(), Stop> {
    let at = Location::file(&file.name).at_line(1);
    let source = File::open(&file.path).map_err(|e| reader.io(&file.path, &e))?;
    let battle: Battle = json::read_document(reader, source, &at)?;
    one(reader, &at, benchmark, battle, 1)
}

/// Counts the bytes the CSV parser takes since the record being read began, so that one
/// record without an end cannot grow past the line cap.
struct Capped<R> {
    inner: R,
    taken: u64,
    record_start: Rc<Cell<u64>>,
    cap: u64,
}

impl<R: Read> Read for Capped<R> {
    fn read(&mut self, buf: &mut [u8]) -> std::io::Result<usize> {
        let n = self.inner.read(buf)?;
        self.taken += n as u64;
        // The parser reads ahead by up to its buffer; allow for that.
        if self.taken.saturating_sub(self.record_start.get()) > self.cap + CSV_BUFFER as u64 {
            return Err(std::io::Error::other(format!(
                "a record is longer than the limit of {} bytes",
                self.cap
            )));
        }
        Ok(n)
    }
}

const CSV_BUFFER: usize = 64 * 1024;

fn read_csv(file: &UnitFile, benchmark: &str, reader: &mut Reader<'_>) -> Result<(), Stop> {
    let whole = Location::file(&file.name);
    let source = File::open(&file.path).map_err(|e| reader.io(&file.path, &e))?;
    let record_start = Rc::new(Cell::new(0u64));
    let mut csv = csv::ReaderBuilder::new()
        .flexible(false)
        .has_headers(true)
        .buffer_capacity(CSV_BUFFER)
        .from_reader(Capped {
            inner: source,
            taken: 0,
            record_start: Rc::clone(&record_start),
            cap: reader.limits.max_line_bytes as u64,
        });
    let header: Vec<String> = match csv.headers() {
        Ok(header) => header
            .iter()
            .map(|h| h.trim_start_matches('\u{feff}').trim().to_owned())
            .collect(),
        Err(e) => {
            return Err(reader.fatal(whole.at_line(1).error(None, csv_reason(&e))));
        }
    };
    let column = |name: &str| header.iter().position(|h| h == name);
    let shown = header.join(",");
    let mut required = [0usize; 3];
    for (slot, name) in required.iter_mut().zip(["model_a", "model_b", "winner"]) {
        match column(name) {
            Some(i) => *slot = i,
            None => {
                return Err(reader.fatal(whole.at_line(1).error(
                    Some(name),
                    format!(
                        "the CSV header ({shown}) has no `{name}` column; a battles CSV needs \
                         model_a, model_b and winner"
                    ),
                )));
            }
        }
    }
    let optional: Vec<(&str, usize)> = ["question_id", "judge", "tstamp"]
        .into_iter()
        .chain(METADATA)
        .filter_map(|name| column(name).map(|i| (name, i)))
        .collect();

    let mut record = csv::StringRecord::new();
    let mut row = 0u64;
    loop {
        record_start.set(csv.position().byte());
        match csv.read_record(&mut record) {
            Ok(false) => return Ok(()),
            Ok(true) => {}
            Err(e) => {
                let line = e
                    .position()
                    .map_or(csv.position().line(), csv::Position::line);
                let at = whole.at_line(line);
                if matches!(e.kind(), csv::ErrorKind::Io(_)) {
                    // Nothing after an unreadable or overlong stretch can be trusted.
                    return Err(reader.fatal(at.error(None, csv_reason(&e))));
                }
                row += 1;
                reader.error(at.error(None, csv_reason(&e)))?;
                continue;
            }
        }
        row += 1;
        let line = record
            .position()
            .map_or(csv.position().line(), csv::Position::line);
        let at = whole.at_line(line);
        let cell = |i: usize| record.get(i).filter(|c| !c.is_empty());
        let text = |i: usize| cell(i).map(|c| Value::String(c.to_owned()));
        let mut battle = Battle {
            model_a: text(required[0]),
            model_b: text(required[1]),
            winner: text(required[2]),
            ..Battle::default()
        };
        for &(name, i) in &optional {
            let Some(c) = cell(i) else { continue };
            let value = csv_value(name, c);
            let slot = match name {
                "question_id" => &mut battle.question_id,
                "judge" => &mut battle.judge,
                "tstamp" => &mut battle.tstamp,
                "language" => &mut battle.language,
                "turn" => &mut battle.turn,
                "anony" => &mut battle.anony,
                _ => &mut battle.category,
            };
            *slot = Some(value);
        }
        one(reader, &at, benchmark, battle, row)?;
    }
}

/// A CSV cell as the JSON value the same field would have in a JSON dump.
fn csv_value(name: &str, cell: &str) -> Value {
    match name {
        "tstamp" | "turn" => {
            if let Ok(n) = cell.parse::<i64>() {
                return Value::from(n);
            }
            match cell.parse::<f64>() {
                Ok(x) if name == "tstamp" && x.is_finite() => Value::from(x),
                _ => Value::String(cell.to_owned()),
            }
        }
        "anony" => match cell.to_ascii_lowercase().as_str() {
            "true" => Value::Bool(true),
            "false" => Value::Bool(false),
            _ => Value::String(cell.to_owned()),
        },
        _ => Value::String(cell.to_owned()),
    }
}

fn csv_reason(e: &csv::Error) -> String {
    match e.kind() {
        csv::ErrorKind::UnequalLengths {
            expected_len, len, ..
        } => format!("the row has {len} fields; the header has {expected_len}"),
        csv::ErrorKind::Utf8 { err, .. } => {
            format!("field {} is not UTF-8 text: {err}", err.field() + 1)
        }
        _ => format!("invalid CSV: {e}"),
    }
}

/// One battle: a comparison, or errors about its fields. `position` names the sample when the
/// battle has no `question_id`.
fn one(
    reader: &mut Reader<'_>,
    at: &Location,
    benchmark: &str,
    battle: Battle,
    position: u64,
) -> Result<(), Stop> {
    let mut problems: Vec<(&str, String)> = Vec::new();
    let mut model = |field: &'static str, value: &Option<Value>| match value {
        Some(Value::String(name)) => Some(name.clone()),
        None | Some(Value::Null) => {
            problems.push((field, "required".into()));
            None
        }
        Some(_) => {
            problems.push((field, "must be a string (a model name)".into()));
            None
        }
    };
    let model_a = model("model_a", &battle.model_a);
    let model_b = model("model_b", &battle.model_b);
    let winner = match &battle.winner {
        Some(Value::String(w)) => {
            let parsed = match w.as_str() {
                "tie (bothbad)" => Some(Winner::BothBad),
                other => Winner::parse(other),
            };
            if parsed.is_none() {
                problems.push((
                    "winner",
                    format!("{w:?} is not a winner; expected one of {WINNERS}"),
                ));
            }
            parsed
        }
        None | Some(Value::Null) => {
            problems.push(("winner", format!("required: one of {WINNERS}")));
            None
        }
        Some(other) => {
            problems.push((
                "winner",
                format!("{other} is not a winner; expected one of {WINNERS}"),
            ));
            None
        }
    };
    let sample = match &battle.question_id {
        None | Some(Value::Null) => Some(position.to_string()),
        Some(value) => {
            let id = json::id_text(value);
            if id.is_none() {
                problems.push(("question_id", "must be a string or a number".into()));
            }
            id
        }
    };
    let timestamp = match &battle.tstamp {
        None | Some(Value::Null) => None,
        Some(value) => {
            let time = value.as_f64().and_then(unix_time);
            if time.is_none() {
                problems.push(("tstamp", format!("{value} is not a time in Unix seconds")));
            }
            time
        }
    };
    if !problems.is_empty() {
        for (field, why) in problems {
            reader.error(at.error(Some(field), why))?;
        }
        return Ok(());
    }
    let (Some(model_a), Some(model_b), Some(winner), Some(sample)) =
        (model_a, model_b, winner, sample)
    else {
        return Ok(());
    };
    let judge = match battle.judge {
        Some(Value::String(judge)) if !judge.is_empty() => Some(Cow::Owned(judge)),
        _ => None,
    };
    let mut metadata = Map::new();
    for (name, value) in
        METADATA
            .into_iter()
            .zip([battle.language, battle.turn, battle.anony, battle.category])
    {
        if let Some(value @ (Value::String(_) | Value::Number(_) | Value::Bool(_))) = value {
            metadata.insert(name.to_owned(), value);
        }
    }
    let record = Record::Comparison(Comparison {
        benchmark: Cow::Borrowed(benchmark),
        sample: Cow::Owned(sample),
        model_a: Cow::Owned(model_a),
        model_b: Cow::Owned(model_b),
        winner,
        judge,
        weight: 1.0,
        strength: None,
        timestamp,
        metadata: (!metadata.is_empty()).then_some(metadata),
        sample_metadata: None,
        sample_embedding: None,
        embedding_space: None,
    });
    reader.emit(at, record)
}

/// Unix seconds (fractional, as the arena dumps write them) as a UTC time.
fn unix_time(seconds: f64) -> Option<DateTime<Utc>> {
    if !seconds.is_finite() {
        return None;
    }
    // A double near today's Unix time resolves about a quarter of a microsecond: finer digits
    // are noise (1682351591.1322 would read as …132200003), so round to the microsecond.
    let micros = (seconds * 1e6).round();
    if micros.abs() >= 9.0e18 {
        return None;
    }
    DateTime::from_timestamp_micros(micros as i64)
}
