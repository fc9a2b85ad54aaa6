//! [`Error`], [`SqlError`] and the crate's [`Result`] alias.

use std::fmt;

/// The result type of this crate.
pub type Result<T, E = Error> = std::result::Result<T, E>;

/// An error reported by CrateDB in a response body: `{"error": {"code": 4091, "message": "…"}}`.
#[derive(Debug, Clone, PartialEq, Eq, serde::Deserialize, serde::Serialize)]
pub struct SqlError {
    /// CrateDB's error code, e.g. 4091 (duplicate primary key).
    pub code: i64,
    /// CrateDB's message, e.g. `DuplicateKeyException[A document with the same primary key exists already]`.
    pub message: String,
}

impl SqlError {
    /// 4091: a row with the same primary key exists already.
    pub fn is_duplicate_key(&self) -> bool {
        self.code == 4091
    }

    /// 4092: optimistic concurrency conflict (re-read, then retry).
    pub fn is_version_conflict(&self) -> bool {
        self.code == 4092
    }

    /// 4041: unknown relation (table or view).
    pub fn is_unknown_relation(&self) -> bool {
        self.code == 4041
    }

    /// 4043: unknown column.
    pub fn is_unknown_column(&self) -> bool {
        self.code == 4043
    }

    /// 4045: unknown schema.
    pub fn is_unknown_schema(&self) -> bool {
        self.code == 4045
    }

    /// 4010/4011: not authorized, or missing privilege.
    pub fn is_unauthorized(&self) -> bool {
        self.code == 4010 || self.code == 4011
    }

    /// 4000: invalid syntax or unsupported statement.
    pub fn is_syntax_error(&self) -> bool {
        self.code == 4000
    }
}

impl fmt::Display for SqlError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "[{}] {}", self.code, self.message)
    }
}

/// Everything that can go wrong talking to CrateDB.
///
/// Messages name the server (`host:port`) but never credentials.
#[derive(Debug, Clone, thiserror::Error)]
#[non_exhaustive]
pub enum Error {
    /// CrateDB rejected the statement (never retried).
    #[error("CrateDB error {error} (HTTP {status} from {server})")]
    Sql {
        /// The server that answered, `host:port`.
        server: String,
        /// The HTTP status.
        status: u16,
        /// Code and message from the body.
        error: SqlError,
    },
    /// A server could not be reached or did not answer in time.
    #[error("connection to {server} failed: {reason}")]
    Connection {
        /// The server, `host:port`.
        server: String,
        /// What went wrong, and what to do where that is known: the timeout that ran out with
        /// its value and setting, a host name that could not be resolved, a certificate that
        /// failed verification and why, plain HTTP to a port that speaks TLS.
        reason: String,
    },
    /// Every server failed; one entry per attempt, in order. Each attempt either never reached
    /// its server (refused, not resolved, not connected in time, TLS failure, plain HTTP
    /// dropped by a port that speaks TLS), was answered 502/503/504, or — for a read, or any
    /// statement with `retry_writes` — ended with its outcome unknown.
    #[error("all CrateDB servers failed: {}", format_failures(.failures))]
    AllServersFailed {
        /// Each server with its failure.
        failures: Vec<(String, String)>,
    },
    /// The server's answer was not what the protocol allows (non-JSON, truncated, wrong shape).
    #[error("protocol error from {server}: {message}")]
    Protocol {
        /// The server that answered, `host:port`.
        server: String,
        /// What was wrong with the answer.
        message: String,
    },
    /// A response body was larger than the configured limit.
    #[error("response from {server} exceeds the body limit of {limit} bytes")]
    BodyTooLarge {
        /// The server that answered, `host:port`.
        server: String,
        /// The limit in bytes.
        limit: u64,
    },
    /// The connection URL is malformed.
    #[error("invalid CrateDB URL: {message}")]
    InvalidUrl {
        /// What is wrong, naming the offending part (never the password).
        message: String,
    },
    /// The client configuration is contradictory or invalid.
    #[error("invalid client configuration: {message}")]
    InvalidConfig {
        /// What is wrong.
        message: String,
    },
    /// An HTTP error answer without a CrateDB error body (e.g. 413 over `http.max_content_length`,
    /// 429 with an empty body, a proxy's HTML page). Never retried.
    #[error("HTTP {status} from {server}: {message}")]
    Http {
        /// The server that answered, `host:port`.
        server: String,
        /// The HTTP status.
        status: u16,
        /// What the status means, and the start of the body when there was one.
        message: String,
    },
    /// The statement's arguments could not be sent: they did not serialize to a JSON array
    /// (`args`) or an array of arrays (`bulk_args`).
    #[error("invalid statement arguments: {message}")]
    InvalidArgs {
        /// What is wrong.
        message: String,
    },
    /// A row did not fit the requested type (see `Client::query_as`).
    #[error("row {row}{}: {message}", format_column(*.column, .column_name.as_deref()))]
    Decode {
        /// Index of the row in the result (0-based).
        row: usize,
        /// Index of the column (0-based), when known.
        column: Option<usize>,
        /// Name of the column, when known.
        column_name: Option<String>,
        /// What was expected and what was found.
        message: String,
    },
}

fn format_column(column: Option<usize>, name: Option<&str>) -> String {
    match (column, name) {
        (Some(i), Some(name)) => format!(", column {i} ({name:?})"),
        (Some(i), None) => format!(", column {i}"),
        (None, _) => String::new(),
    }
}

fn format_failures(failures: &[(String, String)]) -> String {
    failures
        .iter()
        .map(|(server, reason)| format!("{server}: {reason}"))
        .collect::<Vec<_>>()
        .join("; ")
}

/// Shorter secrets are not redacted: replacing every `ab` in a message would garble it and
/// reveal more than it hides.
const MIN_REDACTED_LEN: usize = 4;

pub(crate) fn scrub(text: &mut String, secrets: &[crate::Secret]) {
    for secret in secrets {
        let s = secret.expose();
        if s.len() >= MIN_REDACTED_LEN && text.contains(s) {
            *text = text.replace(s, "<redacted>");
        }
    }
}

impl Error {
    /// The error for a non-2xx answer from `server` that is not a node failure, exactly as the
    /// client reports it: [`Error::Sql`] when the body is a CrateDB error body (or a plain-text
    /// 401), [`Error::Http`] otherwise.
    ///
    /// ```
    /// use cratedb_client::Error;
    ///
    /// let body = br#"{"error":{"message":"DuplicateKeyException[x]","code":4091}}"#;
    /// assert!(Error::from_http_answer("h:4200", 409, body).is_duplicate_key());
    /// let e = Error::from_http_answer("h:4200", 413, b"");
    /// assert!(matches!(e, Error::Http { status: 413, .. }));
    /// ```
    pub fn from_http_answer(server: &str, status: u16, body: &[u8]) -> Error {
        crate::wire::error_from_answer(server, status, body)
    }

    /// The same error with every occurrence of a secret (password, token, encoded
    /// credentials) replaced by `<redacted>` — for messages that carry text a server sent.
    pub(crate) fn redacted(mut self, secrets: &[crate::Secret]) -> Error {
        if secrets.is_empty() {
            return self;
        }
        match &mut self {
            Error::Sql { server, error, .. } => {
                scrub(server, secrets);
                scrub(&mut error.message, secrets);
            }
            Error::Connection { server, reason } => {
                scrub(server, secrets);
                scrub(reason, secrets);
            }
            Error::AllServersFailed { failures } => {
                for (server, reason) in failures {
                    scrub(server, secrets);
                    scrub(reason, secrets);
                }
            }
            Error::Protocol { server, message }
            | Error::Http {
                server, message, ..
            } => {
                scrub(server, secrets);
                scrub(message, secrets);
            }
            Error::BodyTooLarge { server, .. } => scrub(server, secrets),
            Error::InvalidUrl { message }
            | Error::InvalidConfig { message }
            | Error::InvalidArgs { message } => scrub(message, secrets),
            Error::Decode {
                column_name,
                message,
                ..
            } => {
                if let Some(name) = column_name {
                    scrub(name, secrets);
                }
                scrub(message, secrets);
            }
        }
        self
    }

    /// The CrateDB error, if this is one.
    pub fn sql_error(&self) -> Option<&SqlError> {
        match self {
            Error::Sql { error, .. } => Some(error),
            _ => None,
        }
    }

    /// A duplicate primary key (4091).
    pub fn is_duplicate_key(&self) -> bool {
        self.sql_error().is_some_and(SqlError::is_duplicate_key)
    }

    /// Whether the statement may have run although this error came back, so that a write's
    /// outcome is unknown: the connection failed after the request was sent, the answer was
    /// cut off or unreadable or too large, or CrateDB answered an internal error (5xxx).
    /// `false` when the request never reached a server (every server refused or was
    /// unavailable) or was rejected before it ran (a 4xxx SQL error, a non-CrateDB HTTP
    /// error, bad arguments or configuration).
    ///
    /// ```
    /// use cratedb_client::Error;
    ///
    /// let cut = Error::Connection { server: "h:4200".into(), reason: "reset".into() };
    /// assert!(cut.may_have_executed());
    /// let refused = Error::AllServersFailed { failures: vec![("h:4200".into(), "refused".into())] };
    /// assert!(!refused.may_have_executed());
    /// let duplicate = Error::from_http_answer("h:4200", 409, br#"{"error":{"message":"x","code":4091}}"#);
    /// assert!(!duplicate.may_have_executed());
    /// ```
    pub fn may_have_executed(&self) -> bool {
        match self {
            Error::Sql { error, .. } => error.code >= 5000,
            Error::Connection { .. } | Error::Protocol { .. } | Error::BodyTooLarge { .. } => true,
            _ => false,
        }
    }

    /// An optimistic concurrency conflict (4092).
    pub fn is_version_conflict(&self) -> bool {
        self.sql_error().is_some_and(SqlError::is_version_conflict)
    }
}

#[cfg(test)]
mod tests {
    use super::Error;
    use crate::Secret;

    #[test]
    fn redacted_replaces_secrets_in_every_text() {
        let secrets = [Secret::new("hunter22"), Secret::new("ab")];
        let e = Error::AllServersFailed {
            failures: vec![("h:1".into(), "said hunter22 and ab".into())],
        }
        .redacted(&secrets);
        // Too-short secrets are left alone rather than garbling the message.
        assert_eq!(
            e.to_string(),
            "all CrateDB servers failed: h:1: said <redacted> and ab"
        );
        let e = Error::Decode {
            row: 0,
            column: Some(0),
            column_name: Some("hunter22".into()),
            message: "x".into(),
        }
        .redacted(&secrets);
        assert!(!format!("{e:?}").contains("hunter22"));
    }
}
