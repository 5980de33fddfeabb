//! RFC 9457 problem details: the one body shape of every error response.

use serde::{Deserialize, Serialize};
use utoipa::ToSchema;

use crate::record::LineError;

/// The media type of a problem body.
pub const PROBLEM_CONTENT_TYPE: &str = "application/problem+json";

/// An RFC 9457 problem document, with Podium's extension members.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, ToSchema)]
pub struct Problem {
    /// A URI naming the kind of problem; `about:blank` when the status says it all.
    #[serde(rename = "type")]
    pub kind: String,
    /// Short summary of the kind of problem.
    pub title: String,
    /// The HTTP status code.
    pub status: u16,
    /// What went wrong this time, for a person.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub detail: Option<String>,
    /// The request path.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub instance: Option<String>,
    /// For rejected submissions: the lines at fault (at most 100).
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub errors: Vec<LineError>,
    /// For rejected submissions: how many errors there were in all (may exceed `errors.len()`).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub error_count: Option<u64>,
}
