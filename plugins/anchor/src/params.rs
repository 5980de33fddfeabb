//! The three methods' parameters, parsed and checked again here (the host validates against
//! the schema first, but a method must not rely on that); every error names its field.

use podium_plugin_api::params::{
    boolean, finite, integer_in, number_in, one_of, optional_string, reject_unknown,
};
use podium_plugin_api::sdk::{Dataset, MethodError, Params};

use crate::bt::Errors;
use crate::data::find_model;

/// The largest number of bootstrap rounds accepted.
pub const MAX_ROUNDS: u64 = 100_000;

/// The largest `max_iter` accepted.
pub const MAX_ITER_LIMIT: u64 = 1_000;

/// `anchor`: required, and a model of the data.
fn anchor(params: &Params, data: &Dataset<'_>) -> Result<usize, MethodError> {
    let name = optional_string(params, "anchor")?.ok_or_else(|| {
        MethodError::invalid_params("anchor", "required: the name of the anchor model")
    })?;
    find_model(data, name).ok_or_else(|| {
        MethodError::invalid_params(
            "anchor",
            format!("no model named \"{name}\" in the selected data"),
        )
    })
}

/// Parameters of `anchor_win_rate`.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct WinRateParams {
    /// The anchor's model index.
    pub anchor: usize,
    /// Weight multiplier of a strong verdict (≥ 1).
    pub strong_weight: f64,
    /// Bootstrap rounds (0 = no interval).
    pub rounds: u64,
    /// Lower quantile of the interval.
    pub low_quantile: f64,
    /// Upper quantile of the interval.
    pub high_quantile: f64,
}

impl WinRateParams {
    /// The fields the schema declares.
    pub const FIELDS: [&'static str; 5] = [
        "anchor",
        "strong_weight",
        "rounds",
        "low_quantile",
        "high_quantile",
    ];

    /// Parses and checks `params` against `data` (the anchor must be one of its models).
    pub fn parse(params: &Params, data: &Dataset<'_>) -> Result<WinRateParams, MethodError> {
        reject_unknown(params, &Self::FIELDS)?;
        let strong_weight = number_in(params, "strong_weight", 1.0, 1000.0, 1.0)?;
        let rounds = integer_in(params, "rounds", 0, MAX_ROUNDS, 100)?;
        let low_quantile = number_in(params, "low_quantile", 0.0, 1.0, 0.05)?;
        let high_quantile = number_in(params, "high_quantile", 0.0, 1.0, 0.95)?;
        if high_quantile < low_quantile {
            return Err(MethodError::invalid_params(
                "high_quantile",
                format!("must be ≥ low_quantile ({low_quantile}), got {high_quantile}"),
            ));
        }
        Ok(WinRateParams {
            anchor: anchor(params, data)?,
            strong_weight,
            rounds,
            low_quantile,
            high_quantile,
        })
    }
}

/// Which intervals `anchor_bt` reports.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum IntervalKind {
    /// Wald intervals with these standard errors.
    Wald(Errors),
    /// None.
    None,
}

/// Parameters of `anchor_bt`.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct BtParams {
    /// The anchor's model index.
    pub anchor: usize,
    /// The anchor's fixed rating.
    pub anchor_rating: f64,
    /// Whether style covariates enter the design.
    pub style_control: bool,
    /// The interval.
    pub interval: IntervalKind,
    /// Coverage of the interval, in (0, 1).
    pub level: f64,
    /// At most this many Newton steps.
    pub max_iter: u64,
}

impl BtParams {
    /// The fields the schema declares.
    pub const FIELDS: [&'static str; 6] = [
        "anchor",
        "anchor_rating",
        "style_control",
        "interval",
        "level",
        "max_iter",
    ];

    /// Parses and checks `params` against `data`.
    pub fn parse(params: &Params, data: &Dataset<'_>) -> Result<BtParams, MethodError> {
        reject_unknown(params, &Self::FIELDS)?;
        let anchor_rating = finite(params, "anchor_rating", 1000.0)?;
        let style_control = boolean(params, "style_control", false)?;
        let interval = match one_of(
            params,
            "interval",
            &["sandwich", "fisher", "none"],
            "sandwich",
        )? {
            "sandwich" => IntervalKind::Wald(Errors::Sandwich),
            "fisher" => IntervalKind::Wald(Errors::Fisher),
            _ => IntervalKind::None,
        };
        let level = number_in(params, "level", 0.0, 1.0, 0.95)?;
        if level <= 0.0 || level >= 1.0 {
            return Err(MethodError::invalid_params(
                "level",
                format!("must be strictly between 0 and 1, got {level}"),
            ));
        }
        let max_iter = integer_in(params, "max_iter", 1, MAX_ITER_LIMIT, 100)?;
        Ok(BtParams {
            anchor: anchor(params, data)?,
            anchor_rating,
            style_control,
            interval,
            level,
            max_iter,
        })
    }
}

/// Parameters of `anchor_selection`.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct SelectionParams {
    /// 5 (the 5-level verdicts) or 3 (win / tie / loss).
    pub levels: u8,
    /// Use only the first k prompts (by sample index) the candidate has data on.
    pub screen_prompts: Option<u64>,
}

impl SelectionParams {
    /// The fields the schema declares.
    pub const FIELDS: [&'static str; 2] = ["levels", "screen_prompts"];

    /// Parses and checks `params`.
    pub fn parse(params: &Params) -> Result<SelectionParams, MethodError> {
        reject_unknown(params, &Self::FIELDS)?;
        let levels = integer_in(params, "levels", 3, 5, 5)?;
        if levels == 4 {
            return Err(MethodError::invalid_params(
                "levels",
                "must be 3 or 5, got 4",
            ));
        }
        let screen_prompts = if params.contains_key("screen_prompts") {
            Some(integer_in(
                params,
                "screen_prompts",
                1,
                u64::from(u32::MAX),
                1,
            )?)
        } else {
            None
        };
        Ok(SelectionParams {
            levels: levels as u8,
            screen_prompts,
        })
    }
}
