//! Reading the comparison columns once, checked: every method of this crate starts here.
//!
//! A comparison becomes a [`Verdict`]: the two models, the prompt (sample index), the 5-level
//! verdict from `model_a`'s side and the weight. The 5-level scale is the Arena-Hard judge's:
//! +2 `A>>B`, +1 `A>B`, 0 tie or both bad, −1 `B>A`, −2 `B>>A`; a win is *strong* when its
//! strength is ≥ 2 (the wire format stores `>>` as strength 2, `>` as 1, and a plain winner
//! without a strength counts as `>`).
//!
//! Why it is shaped so:
//! - **Untrusted data is an error naming the row, never a panic**: indices out of range, winner
//!   codes this ABI version does not know, weights that are not finite and positive, strengths
//!   that are present but not finite numbers ≥ 0, and malformed style covariates are all
//!   `INVALID_DATA` with the row number.
//! - **Style is read only when asked for.** Parsing a million metadata objects costs more than
//!   the whole fit, so [`style_of`] is called by `anchor_bt` only with `style_control` on, and
//!   skips (without parsing) metadata that does not mention `"style"`.

use podium_plugin_api::abi::{
    PODIUM_WINNER_BOTH_BAD, PODIUM_WINNER_MODEL_A, PODIUM_WINNER_MODEL_B, PODIUM_WINNER_TIE,
};
use podium_plugin_api::sdk::{Dataset, Host, MethodError};
use serde_json::Value;

/// How many rows are handled between two polls of the host's cancellation flag.
pub const CHECK_EVERY: usize = 1 << 16;

/// The style covariates a comparison's `metadata.style.model_a` / `.model_b` may carry, in the
/// order their features and coefficients are reported.
pub const STYLE_KEYS: [&str; 4] = ["tokens", "headers", "lists", "bold"];

/// One checked comparison.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct Verdict {
    /// The comparison's row in the dataset (for metadata, timestamps and error messages).
    pub row: usize,
    /// `model_a`'s index.
    pub a: usize,
    /// `model_b`'s index.
    pub b: usize,
    /// The prompt (sample index).
    pub sample: usize,
    /// The 5-level verdict from `model_a`'s side: +2, +1, 0, −1, −2.
    pub level: i8,
    /// The comparison's weight (finite, > 0).
    pub weight: f64,
}

impl Verdict {
    /// The verdict from the side of `model` (which must be `a` or `b`): `level` for `a`,
    /// `−level` for `b`. Position-swapped games of one prompt thus read alike.
    pub fn level_for(&self, model: usize) -> i8 {
        if model == self.a {
            self.level
        } else {
            -self.level
        }
    }

    /// The other model of the comparison, seen from `model`.
    pub fn opponent(&self, model: usize) -> usize {
        if model == self.a { self.b } else { self.a }
    }

    /// `model_a`'s outcome as a number: 1 win, 0.5 tie or both bad, 0 loss.
    pub fn y(&self) -> f64 {
        match self.level.signum() {
            1 => 1.0,
            0 => 0.5,
            _ => 0.0,
        }
    }
}

/// All comparisons between two different models, checked, in row order.
#[derive(Debug, Clone, Default)]
pub struct Verdicts {
    /// The verdicts.
    pub rows: Vec<Verdict>,
    /// Comparisons of a model with itself (valid, but they say nothing and are skipped).
    pub self_comparisons: usize,
}

/// Reads and checks every comparison (see the module documentation for what is refused).
pub fn read(host: &Host<'_>, data: &Dataset<'_>) -> Result<Verdicts, MethodError> {
    let c = &data.comparisons;
    let n = c.models_a.len();
    let models = data.model_count();
    let samples = data.sample_count();
    let lengths = [
        c.models_b.len(),
        c.samples.len(),
        c.winners.len(),
        c.strengths.len(),
        c.weights.len(),
    ];
    if lengths.iter().any(|&l| l != n) {
        return Err(MethodError::invalid_data(
            "the comparison columns have different lengths",
        ));
    }
    let mut out = Verdicts {
        rows: Vec::with_capacity(n),
        self_comparisons: 0,
    };
    for i in 0..n {
        if i % CHECK_EVERY == 0 {
            host.check_cancelled()?;
        }
        let (a, b, sample) = (
            c.models_a[i] as usize,
            c.models_b[i] as usize,
            c.samples[i] as usize,
        );
        if a >= models || b >= models {
            return Err(MethodError::invalid_data(format!(
                "comparison {i}: model index {} out of range ({models} models)",
                a.max(b)
            )));
        }
        if sample >= samples {
            return Err(MethodError::invalid_data(format!(
                "comparison {i}: sample index {sample} out of range ({samples} samples)"
            )));
        }
        let weight = c.weights[i];
        if !(weight.is_finite() && weight > 0.0) {
            return Err(MethodError::invalid_data(format!(
                "comparison {i}: weight {weight} is not a finite number > 0"
            )));
        }
        let strength = c.strengths[i];
        let absent_or_valid = strength.is_nan() || (strength.is_finite() && strength >= 0.0);
        if !absent_or_valid {
            return Err(MethodError::invalid_data(format!(
                "comparison {i}: strength {strength} is not a finite number ≥ 0"
            )));
        }
        // Strong when the strength says `>>` (≥ 2); absent strength is a plain preference.
        let magnitude = if strength >= 2.0 { 2 } else { 1 };
        let level = match c.winners[i] {
            PODIUM_WINNER_MODEL_A => magnitude,
            PODIUM_WINNER_MODEL_B => -magnitude,
            PODIUM_WINNER_TIE | PODIUM_WINNER_BOTH_BAD => 0,
            other => {
                return Err(MethodError::invalid_data(format!(
                    "comparison {i}: unknown winner code {other}"
                )));
            }
        };
        if a == b {
            out.self_comparisons += 1;
            continue;
        }
        out.rows.push(Verdict {
            row: i,
            a,
            b,
            sample,
            level,
            weight,
        });
    }
    Ok(out)
}

/// The index of the model named `name`, if the dataset has it.
pub fn find_model(data: &Dataset<'_>, name: &str) -> Option<usize> {
    (0..data.model_count()).find(|&i| data.model_name(i) == name)
}

/// The style covariates of one comparison: per [`STYLE_KEYS`] entry, `(model_a, model_b)`
/// values when the key is present.
pub type Style = [Option<(f64, f64)>; STYLE_KEYS.len()];

/// Reads `metadata.style` of comparison `row`: `None` when absent; `INVALID_DATA` naming the
/// row when malformed (not an object with exactly `model_a` and `model_b`, each an object with
/// the same non-empty set of [`STYLE_KEYS`], each value a finite number ≥ 0).
pub fn style_of(data: &Dataset<'_>, row: usize) -> Result<Option<Style>, MethodError> {
    parse_style(row, data.comparison_metadata(row))
}

/// [`style_of`] on the metadata text `text` of comparison `row`.
///
/// Two paths with one result: a typed pass that borrows from `text` and allocates nothing
/// (`fast::style`), which answers only when the metadata is valid and its style (if any)
/// well-formed, and otherwise the general path through a [`Value`] tree, which finds the
/// first problem and words the error. Building that tree for a million rows was most of
/// `anchor_bt`'s time with style control.
pub fn parse_style(row: usize, text: &str) -> Result<Option<Style>, MethodError> {
    // Cheap skip: metadata that never mentions the key cannot hold it.
    if !text.contains("\"style\"") {
        return Ok(None);
    }
    match fast::style(text) {
        Some(style) => Ok(style),
        None => parse_style_checked(row, text),
    }
}

/// The general path of [`parse_style`]: the whole metadata as a [`Value`], checked step by
/// step so that the error names what is wrong.
fn parse_style_checked(row: usize, text: &str) -> Result<Option<Style>, MethodError> {
    let bad = |why: String| MethodError::invalid_data(format!("comparison {row}: {why}"));
    let meta: Value =
        serde_json::from_str(text).map_err(|e| bad(format!("metadata is not valid JSON ({e})")))?;
    let Some(style) = meta.as_object().and_then(|m| m.get("style")) else {
        return Ok(None);
    };
    let Some(style) = style.as_object() else {
        return Err(bad("metadata.style must be an object".into()));
    };
    if let Some(key) = style.keys().find(|k| *k != "model_a" && *k != "model_b") {
        return Err(bad(format!(
            "metadata.style.{key}: unknown side (expected model_a and model_b)"
        )));
    }
    let side = |name: &str| -> Result<&serde_json::Map<String, Value>, MethodError> {
        match style.get(name) {
            Some(Value::Object(map)) if !map.is_empty() => Ok(map),
            Some(_) => Err(bad(format!(
                "metadata.style.{name} must be a non-empty object"
            ))),
            None => Err(bad(format!("metadata.style.{name} is missing"))),
        }
    };
    let (sa, sb) = (side("model_a")?, side("model_b")?);
    for (name, map) in [("model_a", sa), ("model_b", sb)] {
        if let Some(key) = map.keys().find(|k| !STYLE_KEYS.contains(&k.as_str())) {
            return Err(bad(format!(
                "metadata.style.{name}.{key}: unknown covariate (known: {})",
                STYLE_KEYS.join(", ")
            )));
        }
    }
    let mut out: Style = [None; STYLE_KEYS.len()];
    for (k, key) in STYLE_KEYS.iter().enumerate() {
        let value = |name: &str, map: &serde_json::Map<String, Value>| match map.get(*key) {
            None => Ok(None),
            Some(v) => match v.as_f64() {
                Some(x) if x.is_finite() && x >= 0.0 => Ok(Some(x)),
                _ => Err(bad(format!(
                    "metadata.style.{name}.{key} must be a finite number ≥ 0, got {v}"
                ))),
            },
        };
        match (value("model_a", sa)?, value("model_b", sb)?) {
            (Some(x), Some(y)) => out[k] = Some((x, y)),
            (None, None) => {}
            _ => {
                return Err(bad(format!(
                    "metadata.style: {key} is given for one side only (both sides need the \
                     same keys)"
                )));
            }
        }
    }
    Ok(Some(out))
}

/// The style feature of one covariate: `(x_a − x_b) / (x_a + x_b)`, in [−1, 1], 0 when both
/// are 0 (a relative difference, so token counts and bold counts share one scale).
pub fn style_feature(x_a: f64, x_b: f64) -> f64 {
    let sum = x_a + x_b;
    if sum > 0.0 { (x_a - x_b) / sum } else { 0.0 }
}

/// The allocation-free pass of [`parse_style`]: serde visitors that read the metadata in
/// place, keep only the style numbers, and give up (`None`) at anything the general path would
/// refuse or would answer differently, so that path alone words the errors.
///
/// Every value goes through the same serde_json deserializer calls a [`Value`] tree would
/// (`deserialize_any` for what is skipped, with its recursion limit and number range checks),
/// so whatever this pass accepts the tree accepts too, with the same numbers.
mod fast {
    use std::fmt;

    use serde::de::{self, DeserializeSeed, Deserializer, MapAccess, SeqAccess, Visitor};

    use super::{STYLE_KEYS, Style};

    /// `Some(style)` (`Some(None)` when there is no top-level `style`) when `text` is a JSON
    /// object whose `style` is well-formed; `None` when the general path must decide.
    pub(super) fn style(text: &str) -> Option<Option<Style>> {
        serde_json::from_str::<Meta>(text).ok().map(|meta| meta.0)
    }

    /// Refusal of this pass; never shown (the general path words the error).
    fn give_up<E: de::Error>() -> E {
        E::custom("not on the fast path")
    }

    /// The metadata object: its `style`, every other member read and dropped.
    struct Meta(Option<Style>);

    impl<'de> de::Deserialize<'de> for Meta {
        fn deserialize<D: Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
            d.deserialize_map(MetaVisitor)
        }
    }

    struct MetaVisitor;

    impl<'de> Visitor<'de> for MetaVisitor {
        type Value = Meta;

        fn expecting(&self, f: &mut fmt::Formatter) -> fmt::Result {
            f.write_str("an object")
        }

        fn visit_map<A: MapAccess<'de>>(self, mut map: A) -> Result<Meta, A::Error> {
            let mut style = None;
            while let Some(key) = map.next_key_seed(KeyIn(&["style"]))? {
                if key.is_some() {
                    // A repeated key: the tree keeps the last one; leave that to it.
                    if style.is_some() {
                        return Err(give_up());
                    }
                    style = Some(map.next_value_seed(StyleSeed)?);
                } else {
                    map.next_value_seed(Skip)?;
                }
            }
            Ok(Meta(style))
        }
    }

    /// A map key, matched against `names` without allocating: its index, `None` for others.
    struct KeyIn(&'static [&'static str]);

    impl<'de> DeserializeSeed<'de> for KeyIn {
        type Value = Option<usize>;

        fn deserialize<D: Deserializer<'de>>(self, d: D) -> Result<Option<usize>, D::Error> {
            d.deserialize_str(self)
        }
    }

    impl<'de> Visitor<'de> for KeyIn {
        type Value = Option<usize>;

        fn expecting(&self, f: &mut fmt::Formatter) -> fmt::Result {
            f.write_str("a key")
        }

        fn visit_str<E: de::Error>(self, v: &str) -> Result<Option<usize>, E> {
            Ok(self.0.iter().position(|name| *name == v))
        }
    }

    /// `metadata.style`: exactly `model_a` and `model_b`, each once, with the same keys.
    struct StyleSeed;

    impl<'de> DeserializeSeed<'de> for StyleSeed {
        type Value = Style;

        fn deserialize<D: Deserializer<'de>>(self, d: D) -> Result<Style, D::Error> {
            d.deserialize_map(self)
        }
    }

    impl<'de> Visitor<'de> for StyleSeed {
        type Value = Style;

        fn expecting(&self, f: &mut fmt::Formatter) -> fmt::Result {
            f.write_str("a style object")
        }

        fn visit_map<A: MapAccess<'de>>(self, mut map: A) -> Result<Style, A::Error> {
            let mut sides: [Option<Side>; 2] = [None, None];
            while let Some(key) = map.next_key_seed(KeyIn(&["model_a", "model_b"]))? {
                let Some(k) = key else {
                    return Err(give_up());
                };
                if sides[k].is_some() {
                    return Err(give_up());
                }
                sides[k] = Some(map.next_value_seed(SideSeed)?);
            }
            let [Some(a), Some(b)] = sides else {
                return Err(give_up());
            };
            let mut out: Style = [None; STYLE_KEYS.len()];
            for (k, slot) in out.iter_mut().enumerate() {
                match (a[k], b[k]) {
                    (Some(x), Some(y)) => *slot = Some((x, y)),
                    (None, None) => {}
                    _ => return Err(give_up()),
                }
            }
            Ok(out)
        }
    }

    /// One side's covariates, per [`STYLE_KEYS`] entry.
    type Side = [Option<f64>; STYLE_KEYS.len()];

    /// `metadata.style.model_x`: a non-empty object of known keys, each once, each a finite
    /// number ≥ 0.
    struct SideSeed;

    impl<'de> DeserializeSeed<'de> for SideSeed {
        type Value = Side;

        fn deserialize<D: Deserializer<'de>>(self, d: D) -> Result<Side, D::Error> {
            d.deserialize_map(self)
        }
    }

    impl<'de> Visitor<'de> for SideSeed {
        type Value = Side;

        fn expecting(&self, f: &mut fmt::Formatter) -> fmt::Result {
            f.write_str("a side's covariates")
        }

        fn visit_map<A: MapAccess<'de>>(self, mut map: A) -> Result<Side, A::Error> {
            let mut side: Side = [None; STYLE_KEYS.len()];
            while let Some(key) = map.next_key_seed(KeyIn(&STYLE_KEYS))? {
                let Some(k) = key else {
                    return Err(give_up());
                };
                // A number (integer or not) as the tree's `as_f64` reads it; anything else
                // fails here.
                let x: f64 = map.next_value()?;
                if side[k].is_some() || !(x.is_finite() && x >= 0.0) {
                    return Err(give_up());
                }
                side[k] = Some(x);
            }
            if side.iter().all(Option::is_none) {
                return Err(give_up());
            }
            Ok(side)
        }
    }

    /// Any JSON value, read through `deserialize_any` as a tree would read it, and dropped.
    struct Skip;

    impl<'de> de::Deserialize<'de> for Skip {
        fn deserialize<D: Deserializer<'de>>(d: D) -> Result<Skip, D::Error> {
            d.deserialize_any(Skip)
        }
    }

    impl<'de> DeserializeSeed<'de> for Skip {
        type Value = Skip;

        fn deserialize<D: Deserializer<'de>>(self, d: D) -> Result<Skip, D::Error> {
            d.deserialize_any(Skip)
        }
    }

    impl<'de> Visitor<'de> for Skip {
        type Value = Skip;

        fn expecting(&self, f: &mut fmt::Formatter) -> fmt::Result {
            f.write_str("any JSON value")
        }

        fn visit_bool<E: de::Error>(self, _: bool) -> Result<Skip, E> {
            Ok(Skip)
        }

        fn visit_i64<E: de::Error>(self, _: i64) -> Result<Skip, E> {
            Ok(Skip)
        }

        fn visit_u64<E: de::Error>(self, _: u64) -> Result<Skip, E> {
            Ok(Skip)
        }

        fn visit_f64<E: de::Error>(self, _: f64) -> Result<Skip, E> {
            Ok(Skip)
        }

        fn visit_str<E: de::Error>(self, _: &str) -> Result<Skip, E> {
            Ok(Skip)
        }

        fn visit_unit<E: de::Error>(self) -> Result<Skip, E> {
            Ok(Skip)
        }

        fn visit_seq<A: SeqAccess<'de>>(self, mut seq: A) -> Result<Skip, A::Error> {
            while seq.next_element::<Skip>()?.is_some() {}
            Ok(Skip)
        }

        fn visit_map<A: MapAccess<'de>>(self, mut map: A) -> Result<Skip, A::Error> {
            while map.next_key::<Skip>()?.is_some() {
                map.next_value::<Skip>()?;
            }
            Ok(Skip)
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// The fast path must give exactly the general path's answer, errors included.
    #[test]
    fn both_paths_agree() {
        let deep = format!(
            r#"{{"style": {{"model_a": {{"tokens": 1}}, "model_b": {{"tokens": 2}}}}, "x": {}{}}}"#,
            "[".repeat(200),
            "]".repeat(200)
        );
        let cases = [
            r#"{"style": {"model_a": {"tokens": 5, "bold": 0}, "model_b": {"tokens": 7, "bold": 1}}}"#,
            r#"{"judge": "x", "style": {"model_b": {"lists": 2.5, "headers": 1e2}, "model_a": {"headers": 0, "lists": 18446744073709551615}}, "n": [1, -2.5e-3, null, true, {"a": "s\u00e9"}]}"#,
            r#"{"style": {"model_a": {"tokens": -0}, "model_b": {"tokens": 0.0}}}"#,
            r#"{"st\u0079le": {"model_a": {"tokens": 1}, "model_b": {"tokens": 2}}, "note": "style"}"#,
            r#"{"note": "\"style\""}"#,
            r#"{"x": {"style": 3}}"#,
            r#"["style"]"#,
            r#""style""#,
            r#"{"style": null}"#,
            r#"{"style": 3}"#,
            r#"{"style": [[1], [2]]}"#,
            r#"{"style": {"model_a": [1, 2, 3, 4], "model_b": [1, 2, 3, 4]}}"#,
            r#"{"style": {"model_a": {"tokens": 5}}}"#,
            r#"{"style": {"model_a": {}, "model_b": {}}}"#,
            r#"{"style": {"model_a": {"tokens": 5}, "model_b": {"tokens": -1}}}"#,
            r#"{"style": {"model_a": {"tokens": 5}, "model_b": {"tokens": null}}}"#,
            r#"{"style": {"model_a": {"tokens": 5}, "model_b": {"lists": 1}}}"#,
            r#"{"style": {"model_a": {"length": 5}, "model_b": {"length": 1}}}"#,
            r#"{"style": {"model_a": {"tokens": 5}, "model_b": {"tokens": "7"}}}"#,
            r#"{"style": {"model_a": {"tokens": 5}, "model_b": {"tokens": 7}, "judge": {}}}"#,
            r#"{"style": {"model_a": {"tokens": 5, "tokens": 6}, "model_b": {"tokens": 7}}}"#,
            r#"{"style": {"model_a": {"tokens": 5}, "model_a": {"tokens": 6}, "model_b": {"tokens": 7}}}"#,
            r#"{"style": 1, "style": {"model_a": {"tokens": 5}, "model_b": {"tokens": 7}}}"#,
            r#"{"style": {"model_a": {"tokens": 5}, "model_b": {"tokens": 7}}, "style": 1}"#,
            r#"{"style": {"model_a": {"tokens": 5}, "model_b": {"tokens": 7}}, "big": 1e400}"#,
            r#"{"style": {"model_a": {"tokens": 1e400}, "model_b": {"tokens": 7}}}"#,
            r#"{"style": {"model_a": {"tokens": 5}, "model_b": {"tokens": 7}}} trailing"#,
            r#"{"style": {"model_a": {"tokens": 5}, "model_b": {"tokens": 7}}, "s": "\x"}"#,
            r#"{"style": "#,
            &deep,
        ];
        for text in cases {
            let fast = format!("{:?}", parse_style(7, text));
            let checked = format!("{:?}", parse_style_checked(7, text));
            assert_eq!(fast, checked, "{text}");
        }
        // The common case is answered by the fast path.
        assert!(fast::style(cases[0]).is_some_and(|s| s.is_some()));
        assert!(fast::style(cases[1]).is_some_and(|s| s.is_some()));
        assert!(fast::style(&deep).is_none());
    }
}
