//! API tokens: random bearer secrets, stored only as their SHA-256.
//!
//! The secrets carry 256 bits of entropy, so a plain SHA-256 (no salt, no slow hash) is enough to
//! make a stolen table useless, and it keeps authentication one indexed lookup.

use chrono::Utc;
use diesel::prelude::*;
use rand::RngCore;
use sha2::{Digest, Sha256};

use crate::DbConnection;
use crate::error::{Result, StorageError};
use crate::schema::api_tokens;

/// What a token may do. Reads need no token at all.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Scope {
    /// Authenticates but may not write (for clients that want to identify themselves).
    Read,
    /// May submit, and retract its own submissions.
    Submit,
    /// May do everything, including retracting anyone's submission.
    Admin,
}

impl Scope {
    /// The stored name.
    pub fn as_str(self) -> &'static str {
        match self {
            Scope::Read => "read",
            Scope::Submit => "submit",
            Scope::Admin => "admin",
        }
    }

    /// Parses the stored name.
    pub fn parse(text: &str) -> Option<Self> {
        match text {
            "read" => Some(Scope::Read),
            "submit" => Some(Scope::Submit),
            "admin" => Some(Scope::Admin),
            _ => None,
        }
    }

    /// Whether the scope allows writes.
    pub fn can_submit(self) -> bool {
        matches!(self, Scope::Submit | Scope::Admin)
    }
}

/// An authenticated caller.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Token {
    /// The token's row id (submissions remember it).
    pub id: i64,
    /// What it may do.
    pub scope: Scope,
}

fn hash_secret(secret: &str) -> String {
    hex::encode(Sha256::digest(secret.as_bytes()))
}

/// Creates a token and returns it with its secret; the secret is not stored and cannot be shown
/// again.
pub fn create_token(
    conn: &mut DbConnection,
    scope: Scope,
    label: Option<&str>,
) -> Result<(Token, String)> {
    let mut bytes = [0u8; 32];
    rand::rng().fill_bytes(&mut bytes);
    let secret = format!("pdm_{}", hex::encode(bytes));
    let id: i64 = diesel::insert_into(api_tokens::table)
        .values((
            api_tokens::token_hash.eq(hash_secret(&secret)),
            api_tokens::scope.eq(scope.as_str()),
            api_tokens::label.eq(label),
            api_tokens::created_at.eq(Utc::now().naive_utc()),
        ))
        .returning(api_tokens::id)
        .get_result(conn)?;
    Ok((Token { id, scope }, secret))
}

/// Finds the live token with this secret.
pub fn authenticate(conn: &mut DbConnection, secret: &str) -> Result<Option<Token>> {
    let row: Option<(i64, String)> = api_tokens::table
        .filter(api_tokens::token_hash.eq(hash_secret(secret)))
        .filter(api_tokens::revoked.eq(false))
        .select((api_tokens::id, api_tokens::scope))
        .first(conn)
        .optional()?;
    row.map(|(id, scope)| {
        Scope::parse(&scope)
            .map(|scope| Token { id, scope })
            .ok_or_else(|| StorageError::Conflict(format!("token {id} has unknown scope {scope}")))
    })
    .transpose()
}
