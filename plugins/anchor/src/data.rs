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
    let text = data.comparison_metadata(row);
    // Cheap skip: metadata that never mentions the key cannot hold it.
    if !text.contains("\"style\"") {
        return Ok(None);
    }
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
