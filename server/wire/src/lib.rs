//! Podium's wire types: what travels over HTTP between clients and the server.
//!
//! This crate is deliberately free of I/O, databases and HTTP frameworks so that the server and
//! the client CLI (which turns harness log files into submissions) share one definition of a
//! record and one definition of "valid". Three parts:
//!
//! - [`record`]: the submission records (`measurement`, `comparison`) and [`record::parse_line`],
//!   which turns one NDJSON line into a validated record or a list of field-level errors. The
//!   fast path borrows strings from the input; the error path re-reads the line as a generic JSON
//!   value so that every error names the field at fault.
//! - [`api`]: request and response bodies of the REST API (benchmark definitions, receipts,
//!   listings, pages).
//! - [`problem`]: the RFC 9457 `application/problem+json` body every error response carries.
//!
//! Every type that appears in the API derives `utoipa::ToSchema`, so the committed OpenAPI
//! document is generated from these very definitions.

pub mod api;
pub mod problem;
pub mod record;

pub use problem::Problem;
pub use record::{LineError, MetricKind, Record, Winner, parse_line};
