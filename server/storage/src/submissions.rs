//! Reading and retracting submissions.
//!
//! Retraction deletes nothing: it flags the submission, so its rows stop counting and an older
//! value of the same measurement key counts again. The flag is flipped inside a transaction
//! that bumps the data version.

use chrono::{NaiveDateTime, Utc};
use diesel::prelude::*;
use podium_wire::api::SubmissionView;

use crate::error::{Result, StorageError};
use crate::schema::submissions;
use crate::tokens::{Scope, Token};
use crate::{DbConnection, state};

type Row = (
    i64,
    i64,
    NaiveDateTime,
    String,
    String,
    Option<String>,
    i64,
    i64,
    bool,
    Option<NaiveDateTime>,
);

fn load(conn: &mut DbConnection, id: i64) -> Result<Row> {
    submissions::table
        .find(id)
        .select((
            submissions::id,
            submissions::token_id,
            submissions::created_at,
            submissions::source_format,
            submissions::content_hash,
            submissions::idempotency_key,
            submissions::n_measurements,
            submissions::n_comparisons,
            submissions::retracted,
            submissions::retracted_at,
        ))
        .first(conn)
        .optional()?
        .ok_or_else(|| StorageError::NotFound(format!("submission {id}")))
}

fn view(row: Row) -> SubmissionView {
    let (id, _, created_at, source_format, content_hash, key, n_m, n_c, retracted, retracted_at) =
        row;
    SubmissionView {
        id,
        created_at: created_at.and_utc(),
        source_format,
        content_hash,
        idempotency_key: key,
        measurements: n_m,
        comparisons: n_c,
        retracted,
        retracted_at: retracted_at.map(|t| t.and_utc()),
    }
}

/// A submission's record.
pub fn get_submission(conn: &mut DbConnection, id: i64) -> Result<SubmissionView> {
    load(conn, id).map(view)
}

/// Why a retraction was refused.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum RetractRefusal {
    /// Only the submitting token or an admin token may retract.
    NotOwner,
}

/// Retracts a submission; retracting twice is harmless and changes nothing the second time.
pub fn retract_submission(
    conn: &mut DbConnection,
    id: i64,
    by: Token,
) -> Result<Result<SubmissionView, RetractRefusal>> {
    conn.transaction(|conn| {
        let row = load(conn, id)?;
        if row.1 != by.id && by.scope != Scope::Admin {
            return Ok(Err(RetractRefusal::NotOwner));
        }
        if !row.8 {
            diesel::update(submissions::table.find(id))
                .set((
                    submissions::retracted.eq(true),
                    submissions::retracted_at.eq(Some(Utc::now().naive_utc())),
                    submissions::retracted_by.eq(Some(by.id)),
                ))
                .execute(conn)?;
            state::bump_data_version(conn)?;
        }
        Ok(Ok(view(load(conn, id)?)))
    })
}
