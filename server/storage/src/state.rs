//! The data version: one counter, bumped inside every transaction that changes what a
//! leaderboard could see, and read per request, so that caches keyed on it stay right across
//! several server processes sharing one database.

use diesel::prelude::*;

use crate::DbConnection;
use crate::error::Result;
use crate::schema::podium_state;

/// The current data version.
pub fn data_version(conn: &mut DbConnection) -> Result<i64> {
    Ok(podium_state::table
        .select(podium_state::data_version)
        .first(conn)?)
}

/// Increments the data version; call inside the transaction that changes the data.
pub(crate) fn bump_data_version(conn: &mut DbConnection) -> Result<i64> {
    Ok(diesel::update(podium_state::table)
        .set(podium_state::data_version.eq(podium_state::data_version + 1))
        .returning(podium_state::data_version)
        .get_result(conn)?)
}
