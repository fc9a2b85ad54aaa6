//! [`Reply`]: what the test server answers to one `POST /_sql`, in CrateDB's exact shapes.

use std::time::Duration;

use serde_json::{json, Map, Value};

use super::request::SqlRequest;

/// One row's outcome in a bulk answer (see [`Reply::bulk_results`]).
#[derive(Debug, Clone, PartialEq)]
pub enum BulkRow {
    /// The row succeeded, affecting this many rows: `{"rowcount": n}`.
    Ok(i64),
    /// The row failed without details (servers before 5.10, or past the first 10 failures per
    /// shard): `{"rowcount": -2}`.
    Failed,
    /// The row failed with an error (CrateDB 5.10+):
    /// `{"rowcount": -2, "error": {"code": …, "message": …}}`.
    Error(i64, String),
}

/// What the test server answers. Build one with the constructors; wrap it with
/// [`Reply::delay`] or [`Reply::truncated`] to misbehave.
#[derive(Debug, Clone, PartialEq)]
pub struct Reply(pub(crate) Kind);

#[derive(Debug, Clone, PartialEq)]
pub(crate) enum Kind {
    Rows {
        cols: Vec<String>,
        /// `col_types` as given; inferred from the values when `None`.
        types: Option<Vec<Value>>,
        rows: Vec<Vec<Value>>,
    },
    Rowcount(i64),
    Bulk(Vec<BulkRow>),
    Error {
        code: i64,
        message: String,
    },
    Status(u16),
    Raw {
        status: u16,
        body: Vec<u8>,
    },
    Unauthorized(String),
    Delay(Duration, Box<Reply>),
    Close,
    Truncated(Box<Reply>),
    Huge(usize),
    ClaimedLength(u64, Box<Reply>),
}

/// A rendered answer: status, body, and what to do with the connection.
#[derive(Debug)]
pub(crate) enum Action {
    Send {
        status: u16,
        body: Vec<u8>,
        /// Headers besides `content-length` (and `content-encoding` when gzipped).
        headers: Vec<(&'static str, String)>,
        /// Announce the full length but send half the body, then close.
        truncate: bool,
        /// Close the connection after this answer.
        close: bool,
    },
    /// Announce `length` as `Content-Length`, send `body` (shorter), then close.
    Claim {
        status: u16,
        body: Vec<u8>,
        length: u64,
    },
    Close,
}

/// CrateDB's `content-type` of its JSON answers to `POST /_sql`.
const JSON_CONTENT_TYPE: &str = "application/json; charset=UTF-8";

impl Action {
    /// `body` with `status`, as CrateDB sends it: a JSON body with
    /// `content-type: application/json; charset=UTF-8`; any other body (plain text, empty)
    /// without a `content-type`.
    pub(crate) fn send(status: u16, body: Vec<u8>) -> Action {
        let headers = if body.first() == Some(&b'{') {
            vec![("content-type", JSON_CONTENT_TYPE.to_string())]
        } else {
            Vec::new()
        };
        Action::Send {
            status,
            body,
            headers,
            truncate: false,
            close: false,
        }
    }
}

/// The HTTP status CrateDB answers an error code with (PROTOCOL.md): 400 for 4000–4008 and
/// 400xx, 401 for 4010/4011, 403 for 403x, 404 for 404x/404xx, 409 for 409x/409xx, 429 for 4290,
/// 500 for 5000–5006, 503 for 5030–5035; other 4xxx codes give 400, other codes 500.
pub fn status_for_code(code: i64) -> u16 {
    let prefix = match code {
        1000..=9999 => code / 10,
        10000..=99999 => code / 100,
        _ => 0,
    };
    match prefix {
        400 | 401 | 403 | 404 | 409 | 429 | 500 | 503 => prefix as u16,
        401..=499 => 400,
        _ => 500,
    }
}

impl Reply {
    /// A result set: `{"cols": [...], "rows": [...], "rowcount": rows.len(), "duration": …}`,
    /// with `col_types` inferred from the values when the request asked for `?types`.
    pub fn rows(cols: &[&str], rows: Vec<Vec<Value>>) -> Reply {
        Reply(Kind::Rows {
            cols: cols.iter().map(|c| c.to_string()).collect(),
            types: None,
            rows,
        })
    }

    /// A result set whose `col_types` (sent when the request asked for `?types`) are these
    /// type ids (PROTOCOL.md), e.g. `13` for a `GEO_POINT` that [`Reply::rows`] would infer as
    /// an array of doubles from its value.
    pub fn rows_with_types(cols: &[&str], col_types: Vec<Value>, rows: Vec<Vec<Value>>) -> Reply {
        Reply(Kind::Rows {
            cols: cols.iter().map(|c| c.to_string()).collect(),
            types: Some(col_types),
            rows,
        })
    }

    /// A DML/DDL answer: `{"cols": [], "rows": [[]], "rowcount": n, "duration": …}`.
    pub fn rowcount(n: i64) -> Reply {
        Reply(Kind::Rowcount(n))
    }

    /// A bulk answer with one result per row: a rowcount each, `-2` marking a failed row
    /// without details.
    pub fn bulk(rowcounts: Vec<i64>) -> Reply {
        Reply(Kind::Bulk(
            rowcounts
                .into_iter()
                .map(|n| {
                    if n == -2 {
                        BulkRow::Failed
                    } else {
                        BulkRow::Ok(n)
                    }
                })
                .collect(),
        ))
    }

    /// A bulk answer with per-row errors where given.
    pub fn bulk_results(rows: Vec<BulkRow>) -> Reply {
        Reply(Kind::Bulk(rows))
    }

    /// A CrateDB error: `{"error": {"message": …, "code": …}}` (plus `"error_trace"` when the
    /// request asked for `error_trace=true`), with the HTTP status for the code
    /// (see [`status_for_code`]).
    pub fn error(code: i64, message: &str) -> Reply {
        Reply(Kind::Error {
            code,
            message: message.to_string(),
        })
    }

    /// A bare HTTP status with an empty body (e.g. 503 from a node without master, or a proxy's
    /// 502/504).
    pub fn status(status: u16) -> Reply {
        Reply(Kind::Status(status))
    }

    /// Exactly this status and body (e.g. malformed JSON, a plain-text 500). A body starting
    /// with `{` is sent with CrateDB's JSON `content-type`, any other without one (as CrateDB
    /// sends its plain-text answers).
    pub fn raw(status: u16, body: impl Into<Vec<u8>>) -> Reply {
        Reply(Kind::Raw {
            status,
            body: body.into(),
        })
    }

    /// A failed login as CrateDB answers it: status 401, the plain-text `message` (e.g.
    /// `password authentication failed for user "nobody"`) followed by a newline,
    /// `www-authenticate: Basic realm="CrateDB Authenticator"`, no `content-type`, and the
    /// connection closed afterwards.
    pub fn unauthorized(message: &str) -> Reply {
        Reply(Kind::Unauthorized(message.to_string()))
    }

    /// `value` as a JSON body with status 200.
    pub fn json(value: Value) -> Reply {
        Reply::raw(200, value.to_string())
    }

    /// `reply`, after waiting `delay` (to trigger client timeouts).
    pub fn delay(delay: Duration, reply: Reply) -> Reply {
        Reply(Kind::Delay(delay, Box::new(reply)))
    }

    /// No answer: the connection is closed once the request is read.
    pub fn close() -> Reply {
        Reply(Kind::Close)
    }

    /// `reply` announced with its full `Content-Length` but cut off halfway, then the
    /// connection is closed.
    pub fn truncated(reply: Reply) -> Reply {
        Reply(Kind::Truncated(Box::new(reply)))
    }

    /// `reply` announced with `Content-Length: length` (e.g. 2 GB) while only its real body is
    /// sent, then the connection is closed: a client must refuse or fail without reserving
    /// `length` bytes.
    pub fn claimed_length(length: u64, reply: Reply) -> Reply {
        Reply(Kind::ClaimedLength(length, Box::new(reply)))
    }

    /// A valid result set of at least `bytes` bytes (one text column).
    pub fn huge(bytes: usize) -> Reply {
        Reply(Kind::Huge(bytes))
    }

    /// The answer the default handler gives: one result per bulk row, or `rowcount(1)`.
    pub fn default_for(request: &SqlRequest) -> Reply {
        match &request.bulk_args {
            Some(rows) => Reply::bulk(vec![1; rows.len()]),
            None => Reply::rowcount(1),
        }
    }

    pub(crate) fn render(&self, request: Option<&SqlRequest>) -> (Option<Duration>, Action) {
        let types = request.is_some_and(|r| r.has_query_param("types"));
        let trace = request.is_some_and(|r| r.query_param("error_trace") == Some("true"));
        let send = |status: u16, body: Value| Action::send(status, body.to_string().into_bytes());
        match &self.0 {
            Kind::Rows {
                cols,
                types: given,
                rows,
            } => {
                let mut body = Map::new();
                body.insert("cols".into(), json!(cols));
                if types {
                    let col_types = match given {
                        Some(t) => t.clone(),
                        None => infer_types(cols.len(), rows),
                    };
                    body.insert("col_types".into(), Value::Array(col_types));
                }
                body.insert("rows".into(), json!(rows));
                body.insert("rowcount".into(), json!(rows.len()));
                body.insert("duration".into(), json!(0.123));
                (None, send(200, Value::Object(body)))
            }
            Kind::Rowcount(n) => {
                let mut body = Map::new();
                body.insert("cols".into(), json!([]));
                if types {
                    body.insert("col_types".into(), json!([]));
                }
                body.insert("rows".into(), json!([[]]));
                body.insert("rowcount".into(), json!(n));
                body.insert("duration".into(), json!(0.123));
                (None, send(200, Value::Object(body)))
            }
            Kind::Bulk(results) => {
                let results: Vec<Value> = results
                    .iter()
                    .map(|r| match r {
                        BulkRow::Ok(n) => json!({ "rowcount": n }),
                        BulkRow::Failed => json!({ "rowcount": -2 }),
                        BulkRow::Error(code, message) => json!({
                            "rowcount": -2,
                            "error": { "code": code, "message": message },
                        }),
                    })
                    .collect();
                let body = json!({ "cols": [], "duration": 0.456, "results": results });
                (None, send(200, body))
            }
            Kind::Error { code, message } => {
                let mut body = Map::new();
                body.insert("error".into(), json!({ "message": message, "code": code }));
                if trace {
                    body.insert(
                        "error_trace".into(),
                        json!(format!(
                            "io.crate.exceptions.TestServerException: {message}\n\tat io.crate.test"
                        )),
                    );
                }
                (None, send(status_for_code(*code), Value::Object(body)))
            }
            Kind::Status(status) => (None, Action::send(*status, Vec::new())),
            Kind::Raw { status, body } => (None, Action::send(*status, body.clone())),
            Kind::Unauthorized(message) => (
                None,
                Action::Send {
                    status: 401,
                    body: format!("{message}\n").into_bytes(),
                    headers: vec![(
                        "www-authenticate",
                        r#"Basic realm="CrateDB Authenticator""#.to_string(),
                    )],
                    truncate: false,
                    close: true,
                },
            ),
            Kind::Delay(delay, reply) => {
                let (inner_delay, action) = reply.render(request);
                (Some(*delay + inner_delay.unwrap_or_default()), action)
            }
            Kind::Close => (None, Action::Close),
            Kind::Truncated(reply) => {
                let (delay, action) = reply.render(request);
                let action = match action {
                    Action::Send {
                        status,
                        body,
                        headers,
                        ..
                    } => Action::Send {
                        status,
                        body,
                        headers,
                        truncate: true,
                        close: true,
                    },
                    other => other,
                };
                (delay, action)
            }
            Kind::ClaimedLength(length, reply) => {
                let (delay, action) = reply.render(request);
                let action = match action {
                    Action::Send { status, body, .. } | Action::Claim { status, body, .. } => {
                        Action::Claim {
                            status,
                            body,
                            length: *length,
                        }
                    }
                    Action::Close => Action::Close,
                };
                (delay, action)
            }
            Kind::Huge(bytes) => (None, Action::send(200, huge_body(*bytes))),
        }
    }
}

fn huge_body(bytes: usize) -> Vec<u8> {
    let cell = "x".repeat(1000);
    let row_len = cell.len() + 6;
    let count = bytes / row_len + 1;
    let mut body = Vec::with_capacity(count * row_len + 100);
    body.extend_from_slice(b"{\"cols\":[\"x\"],\"rows\":[");
    for i in 0..count {
        if i > 0 {
            body.push(b',');
        }
        body.extend_from_slice(b"[\"");
        body.extend_from_slice(cell.as_bytes());
        body.extend_from_slice(b"\"]");
    }
    body.extend_from_slice(format!("],\"rowcount\":{count},\"duration\":1.0}}").as_bytes());
    body
}

/// Type ids (PROTOCOL.md) from the first non-null value of each column.
fn infer_types(ncols: usize, rows: &[Vec<Value>]) -> Vec<Value> {
    (0..ncols)
        .map(|c| {
            rows.iter()
                .filter_map(|r| r.get(c))
                .find(|v| !v.is_null())
                .map_or(json!(0), type_of)
        })
        .collect()
}

fn type_of(v: &Value) -> Value {
    match v {
        Value::Null => json!(0),
        Value::Bool(_) => json!(3),
        Value::String(_) => json!(4),
        Value::Number(n) if n.is_f64() => json!(6),
        Value::Number(_) => json!(10),
        Value::Object(_) => json!(12),
        Value::Array(items) => {
            let inner = items
                .iter()
                .find(|v| !v.is_null())
                .map_or(json!(0), type_of);
            json!([100, inner])
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn statuses() {
        for (code, status) in [
            (4000, 400),
            (4008, 400),
            (40001, 400),
            (4010, 401),
            (4011, 401),
            (4031, 403),
            (4041, 404),
            (40410, 404),
            (4091, 409),
            (4092, 409),
            (40910, 409),
            (4290, 429),
            (5000, 500),
            (5005, 500),
            (5030, 503),
            (5035, 503),
            (4044, 404),
            (4100, 400),
            (1, 500),
        ] {
            assert_eq!(status_for_code(code), status, "{code}");
        }
    }
}
