//! The HTTP side of the CLI: one agent, the server's URL and token, and problem+json answers
//! turned into readable errors.

use std::io::Read;
use std::time::Duration;

use clap::Args;
use podium_wire::Problem;
use serde::de::DeserializeOwned;

use crate::CliError;

/// Where the server is and who is asking; flags win over the environment.
#[derive(Debug, Clone, Args)]
pub struct Connection {
    /// The server's base URL.
    #[arg(long, env = "PODIUM_URL", default_value = "http://127.0.0.1:8080")]
    pub server: String,
    /// A bearer token (`podium token create`); imports need scope submit.
    #[arg(long, env = "PODIUM_TOKEN", hide_env_values = true)]
    pub token: Option<String>,
}

/// An HTTP answer, read whole (answers are small: receipts, leaderboards, listings).
#[derive(Debug)]
pub struct Answer {
    /// Status code.
    pub status: u16,
    /// `Location`, if sent.
    pub location: Option<String>,
    /// The body.
    pub body: Vec<u8>,
}

impl Answer {
    /// The body as `T`, or the server's problem as an error.
    pub fn json<T: DeserializeOwned>(&self, what: &str) -> Result<T, CliError> {
        if self.status >= 400 {
            return Err(self.problem(what));
        }
        serde_json::from_slice(&self.body).map_err(|e| {
            CliError::Protocol(format!(
                "{what}: the server's answer is not what this client expects ({e}): {}",
                String::from_utf8_lossy(&self.body)
            ))
        })
    }

    /// The error this answer stands for.
    pub fn problem(&self, what: &str) -> CliError {
        match serde_json::from_slice::<Problem>(&self.body) {
            Ok(problem) => CliError::Server {
                what: what.to_owned(),
                problem: Box::new(problem),
            },
            Err(_) => CliError::Protocol(format!(
                "{what}: HTTP {}: {}",
                self.status,
                String::from_utf8_lossy(&self.body)
            )),
        }
    }
}

/// A connection to one server.
pub struct Client {
    base: String,
    token: Option<String>,
    agent: ureq::Agent,
}

impl Client {
    /// A client for `connection`.
    pub fn new(connection: &Connection) -> Client {
        let agent = ureq::Agent::config_builder()
            .http_status_as_error(false)
            // Uploads of large logs take as long as they take; only connecting is bounded.
            .timeout_connect(Some(Duration::from_secs(30)))
            .build()
            .new_agent();
        Client {
            base: connection.server.trim_end_matches('/').to_owned(),
            token: connection.token.clone().filter(|t| !t.trim().is_empty()),
            agent,
        }
    }

    /// The full URL of `path` (which starts with `/`).
    pub fn url(&self, path: &str) -> String {
        format!("{}{path}", self.base)
    }

    /// Whether a token was given.
    pub fn has_token(&self) -> bool {
        self.token.is_some()
    }

    fn finish(
        &self,
        url: &str,
        result: Result<ureq::http::Response<ureq::Body>, ureq::Error>,
    ) -> Result<Answer, CliError> {
        let mut response = result.map_err(|e| CliError::Transport {
            url: url.to_owned(),
            message: e.to_string(),
        })?;
        let location = response
            .headers()
            .get("location")
            .and_then(|v| v.to_str().ok())
            .map(str::to_owned);
        let body = response
            .body_mut()
            .with_config()
            .limit(1 << 30)
            .read_to_vec()
            .map_err(|e| CliError::Transport {
                url: url.to_owned(),
                message: e.to_string(),
            })?;
        Ok(Answer {
            status: response.status().as_u16(),
            location,
            body,
        })
    }

    /// `GET path`.
    pub fn get(&self, path: &str) -> Result<Answer, CliError> {
        let url = self.url(path);
        let mut request = self.agent.get(&url);
        if let Some(token) = &self.token {
            request = request.header("Authorization", format!("Bearer {token}"));
        }
        self.finish(&url, request.call())
    }

    /// `POST path` with a JSON body.
    pub fn post_json(&self, path: &str, body: &serde_json::Value) -> Result<Answer, CliError> {
        let url = self.url(path);
        let mut request = self.agent.post(&url);
        if let Some(token) = &self.token {
            request = request.header("Authorization", format!("Bearer {token}"));
        }
        let text = serde_json::to_vec(body).unwrap_or_default();
        self.finish(
            &url,
            request
                .header("Content-Type", "application/json")
                .send(&text[..]),
        )
    }

    /// `POST path` streaming `length` bytes from `body`.
    pub fn post_stream(
        &self,
        path: &str,
        content_type: &str,
        length: u64,
        body: impl Read + 'static,
    ) -> Result<Answer, CliError> {
        let url = self.url(path);
        let mut request = self.agent.post(&url);
        if let Some(token) = &self.token {
            request = request.header("Authorization", format!("Bearer {token}"));
        }
        self.finish(
            &url,
            request
                .header("Content-Type", content_type)
                .header("Content-Length", length.to_string())
                .send(ureq::SendBody::from_owned_reader(body)),
        )
    }
}

/// Percent-encodes a query-string value.
pub fn encode(value: &str) -> String {
    let mut out = String::with_capacity(value.len());
    for byte in value.bytes() {
        match byte {
            b'A'..=b'Z' | b'a'..=b'z' | b'0'..=b'9' | b'-' | b'_' | b'.' | b'~' => {
                out.push(byte as char)
            }
            other => out.push_str(&format!("%{other:02X}")),
        }
    }
    out
}
