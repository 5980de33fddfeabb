//! arena-hard-auto judgments, as comparisons.
//!
//! arena-hard-auto has an LLM judge compare each model's answer with a baseline model's answer
//! on every question, twice with the answers' positions swapped, and writes one JSONL line per
//! question and model:
//! - v2.0: `{"uid", "category", "judge", "model", "baseline", "games": [g1, g2]}`;
//! - v0.1: `{"question_id", "model", "judge", "games": [g1, g2]}`, the baseline named only in
//!   the run's config, so it must be given in the import options (`baseline`).
//!
//! Each game is `{"score": "A>B", "judgment", "user_prompt" | "prompt"}` or null. Game 1 shows
//! the baseline as assistant A and the model as B; game 2 the model as A and the baseline as B.
//! The score is the judge's label on the five-level scale `A>>B`, `A>B`, `A=B`, `B>A`, `B>>A`,
//! also spelled `A<<B`, `A<B`, `B=A`, `B<A`, `B<<A` (arena-hard-auto reads all ten).
//!
//! Mapping: one comparison per game, model_a and model_b in the game's positions, winner and
//! strength from the label (`>>` = 2, `>` = 1), judge = the line's `judge`, sample = `uid` (or
//! `question_id`), sample metadata `{"category"}` when given, comparison metadata `{"game": 1 |
//! 2}` so the position-swapped pair stays recognisable. Benchmark = the `benchmark` option,
//! else `arena-hard`. A null game or a null score (the judge's answer had no parsable label)
//! is left out and counted in the summary. (arena-hard-auto's `show_result` drops the whole
//! question when either game lacks a verdict; here the other game, a valid judgment, stays
//! evidence.)

use std::borrow::Cow;

use podium_wire::record::{Comparison, Record, Verdict};
use serde::Deserialize;
use serde_json::{Map, Value};

use crate::json;
use crate::lines;
use crate::{Location, Options, Reader, Stop, Unit};

/// The fields of a judgment line that are read. The judge's long answers (`judgment`) and the
/// prompts are skipped unbuilt. A game of the wrong shape makes the line unreadable as a whole.
#[derive(Deserialize)]
#[serde(expecting = "an arena-hard judgment object")]
struct Judgment {
    uid: Option<Value>,
    question_id: Option<Value>,
    category: Option<Value>,
    judge: Option<Value>,
    model: Option<Value>,
    baseline: Option<Value>,
    games: Option<Vec<Option<Game>>>,
}

#[derive(Deserialize)]
#[serde(expecting = "a game object or null")]
struct Game {
    score: Option<Value>,
}

pub(crate) fn read(unit: &Unit, options: &Options, reader: &mut Reader<'_>) -> Result<(), Stop> {
    let benchmark = options.benchmark.as_deref().unwrap_or("arena-hard");
    let mut unjudged = 0u64;
    for file in &unit.files {
        let mut at = Location::file(&file.name);
        lines::each_line(reader, &file.path, &mut at, |reader, at, line| {
            let Some(judgment) = json::parse_line::<Judgment>(reader, at, line)? else {
                return Ok(());
            };
            one(reader, at, options, benchmark, judgment, &mut unjudged)
        })?;
    }
    if unjudged > 0 {
        reader.skip(format!(
            "{unjudged} game(s) without a verdict (a null game or score: the judge gave no \
             parsable label)"
        ));
    }
    Ok(())
}

/// A score label as a verdict, read the way arena-hard-auto reads it.
fn verdict(label: &str) -> Option<Verdict> {
    let label = label.trim();
    let canonical = match label {
        "A<<B" => "B>>A",
        "A<B" => "B>A",
        "B=A" => "A=B",
        "B<A" => "A>B",
        "B<<A" => "A>>B",
        other => other,
    };
    Verdict::parse(canonical)
}

fn one(
    reader: &mut Reader<'_>,
    at: &Location,
    options: &Options,
    benchmark: &str,
    line: Judgment,
    unjudged: &mut u64,
) -> Result<(), Stop> {
    let mut problems: Vec<(String, String)> = Vec::new();
    let model = match &line.model {
        Some(Value::String(model)) => Some(model.clone()),
        None | Some(Value::Null) => {
            problems.push(("model".into(), "required".into()));
            None
        }
        Some(_) => {
            problems.push(("model".into(), "must be a string (a model name)".into()));
            None
        }
    };
    let baseline = match (&line.baseline, &options.baseline) {
        (Some(Value::String(named)), Some(given)) if named != given => {
            problems.push((
                "baseline".into(),
                format!("the line's baseline {named:?} differs from the one given, {given:?}"),
            ));
            None
        }
        (Some(Value::String(named)), _) => Some(named.clone()),
        (None | Some(Value::Null), Some(given)) => Some(given.clone()),
        (None | Some(Value::Null), None) => {
            // Every line of a v0.1 file lacks it: one error says it all.
            return Err(reader.fatal(at.error(
                Some("baseline"),
                "the line names no baseline model (arena-hard v0.1 judgments take it from \
                 the run's config); give the baseline in the import options",
            )));
        }
        (Some(_), _) => {
            problems.push(("baseline".into(), "must be a string (a model name)".into()));
            None
        }
    };
    if let (Some(model), Some(baseline)) = (&model, &baseline)
        && model == baseline
    {
        problems.push((
            "model".into(),
            format!("{model:?} is the baseline itself; a model is judged against the baseline"),
        ));
    }
    let (id_field, id) = match (&line.uid, &line.question_id) {
        (Some(uid), _) if !uid.is_null() => ("uid", Some(uid)),
        (_, Some(qid)) if !qid.is_null() => ("question_id", Some(qid)),
        _ => ("uid", None),
    };
    let sample = match id {
        None => {
            problems.push(("uid".into(), "required (or question_id)".into()));
            None
        }
        Some(value) => {
            let id = json::id_text(value);
            if id.is_none() {
                problems.push((id_field.into(), "must be a string or a number".into()));
            }
            id
        }
    };
    let games = match &line.games {
        Some(games) if (1..=2).contains(&games.len()) => games.as_slice(),
        Some(games) => {
            problems.push((
                "games".into(),
                format!(
                    "holds {} games; arena-hard writes two (the second position-swapped)",
                    games.len()
                ),
            ));
            &[]
        }
        None => {
            problems.push(("games".into(), "required".into()));
            &[]
        }
    };
    let mut verdicts: Vec<(usize, Verdict)> = Vec::new();
    let mut missing = 0u64;
    for (i, game) in games.iter().enumerate() {
        match game.as_ref().map(|g| &g.score) {
            None | Some(None | Some(Value::Null)) => missing += 1,
            Some(Some(Value::String(label))) => match verdict(label) {
                Some(v) => verdicts.push((i, v)),
                None => problems.push((
                    format!("games[{i}].score"),
                    format!(
                        "{label:?} is not a verdict; expected A>>B, A>B, A=B, B>A, B>>A (or \
                         A<<B, A<B, B=A, B<A, B<<A)"
                    ),
                )),
            },
            Some(Some(other)) => problems.push((
                format!("games[{i}].score"),
                format!("{other} is not a verdict label"),
            )),
        }
    }
    if !problems.is_empty() {
        for (field, why) in problems {
            reader.error(at.error(Some(&field), why))?;
        }
        return Ok(());
    }
    let (Some(model), Some(baseline), Some(sample)) = (model, baseline, sample) else {
        return Ok(());
    };
    *unjudged += missing;
    let judge = match line.judge {
        Some(Value::String(judge)) if !judge.is_empty() => Some(judge),
        _ => None,
    };
    let sample_metadata = match line.category {
        Some(category @ (Value::String(_) | Value::Number(_))) => {
            Some(Map::from_iter([("category".to_owned(), category)]))
        }
        _ => None,
    };
    for (i, verdict) in verdicts {
        // Game 1: baseline in position A; game 2: swapped.
        let (a, b) = if i == 0 {
            (&baseline, &model)
        } else {
            (&model, &baseline)
        };
        let record = Record::Comparison(Comparison {
            benchmark: Cow::Borrowed(benchmark),
            sample: Cow::Borrowed(&sample),
            model_a: Cow::Borrowed(a),
            model_b: Cow::Borrowed(b),
            winner: verdict.winner(),
            judge: judge.as_deref().map(Cow::Borrowed),
            weight: 1.0,
            strength: verdict.strength(),
            timestamp: None,
            metadata: Some(Map::from_iter([("game".to_owned(), Value::from(i + 1))])),
            sample_metadata: sample_metadata.clone(),
            sample_embedding: None,
            embedding_space: None,
        });
        reader.emit(at, record)?;
    }
    Ok(())
}
