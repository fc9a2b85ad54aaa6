//! Request and response bodies of `POST /_sql` (see PROTOCOL.md): building `{"stmt", "args"}` /
//! `{"stmt", "bulk_args"}` bodies, and reading regular, bulk and error answers.

use serde::Serialize;

use crate::{BulkResponse, Error, Result, SqlError, SqlResponse};

/// `{"stmt": stmt, "args": args}`; `args` must serialize to a JSON array.
pub(crate) fn sql_body<A: Serialize + ?Sized>(stmt: &str, args: &A) -> Result<Vec<u8>> {
    let args = serialize_args(args, "args")?;
    if !is_array(&args) {
        return Err(Error::InvalidArgs {
            message: "args must serialize to a JSON array (a slice, Vec or tuple of values)"
                .to_string(),
        });
    }
    body_with(stmt, "args", &args)
}

/// `{"stmt": stmt, "bulk_args": bulk_args}`; `bulk_args` must serialize to an array of arrays.
/// Returns the body and the number of argument rows.
pub(crate) fn bulk_body<A: Serialize + ?Sized>(
    stmt: &str,
    bulk_args: &A,
) -> Result<(Vec<u8>, usize)> {
    let args = serialize_args(bulk_args, "bulk_args")?;
    let rows = count_array_rows(&args).ok_or_else(|| Error::InvalidArgs {
        message: "bulk_args must serialize to a JSON array of arrays (one array per row)"
            .to_string(),
    })?;
    Ok((body_with(stmt, "bulk_args", &args)?, rows))
}

fn serialize_args<A: Serialize + ?Sized>(args: &A, what: &str) -> Result<Vec<u8>> {
    serde_json::to_vec(args).map_err(|e| Error::InvalidArgs {
        message: format!("{what} cannot be serialized to JSON: {e}"),
    })
}

fn body_with(stmt: &str, key: &str, args: &[u8]) -> Result<Vec<u8>> {
    let mut body = Vec::with_capacity(stmt.len() + args.len() + 32);
    body.extend_from_slice(b"{\"stmt\":");
    serde_json::to_writer(&mut body, stmt).map_err(|e| Error::InvalidArgs {
        message: format!("the statement cannot be serialized to JSON: {e}"),
    })?;
    body.extend_from_slice(b",\"");
    body.extend_from_slice(key.as_bytes());
    body.extend_from_slice(b"\":");
    body.extend_from_slice(args);
    body.push(b'}');
    Ok(body)
}

fn is_array(json: &[u8]) -> bool {
    json.first() == Some(&b'[')
}

/// Counts the elements of a compact JSON array whose elements must all be arrays; `None` when
/// it is not such an array. One pass over the bytes, no parsing into values.
fn count_array_rows(json: &[u8]) -> Option<usize> {
    if !is_array(json) {
        return None;
    }
    let mut depth = 0usize;
    let mut in_string = false;
    let mut escaped = false;
    let mut rows = 0usize;
    let mut expect_row = true;
    for &b in json {
        if in_string {
            if escaped {
                escaped = false;
            } else if b == b'\\' {
                escaped = true;
            } else if b == b'"' {
                in_string = false;
            }
            continue;
        }
        match b {
            b'"' => {
                if depth == 1 {
                    return None;
                }
                in_string = true;
            }
            b'[' | b'{' => {
                if depth == 1 {
                    if b != b'[' || !expect_row {
                        return None;
                    }
                    rows += 1;
                    expect_row = false;
                }
                depth += 1;
            }
            b']' | b'}' => depth = depth.checked_sub(1)?,
            b',' if depth == 1 => expect_row = true,
            b' ' | b'\n' | b'\t' | b'\r' => {}
            _ if depth == 1 => return None,
            _ => {}
        }
    }
    (depth == 0).then_some(rows)
}

/// How many bytes of a body [`excerpt`] shows.
const EXCERPT_MAX: usize = 200;

/// How many leading bytes of a body [`parse_failure_of`] needs to describe it exactly as
/// [`parse_failure`] describes the whole body.
pub(crate) const PARSE_FAILURE_HEAD: usize = EXCERPT_MAX + 1;

/// A short, printable excerpt of a body for error messages.
pub(crate) fn excerpt(body: &[u8]) -> String {
    let text = String::from_utf8_lossy(body.get(..EXCERPT_MAX.min(body.len())).unwrap_or(body));
    let mut out: String = text
        .chars()
        .map(|c| if c.is_control() { ' ' } else { c })
        .collect::<String>()
        .trim()
        .to_string();
    if body.len() > EXCERPT_MAX {
        out.push('…');
    }
    out
}

#[derive(serde::Deserialize)]
struct ErrorBody {
    error: SqlError,
    #[serde(default)]
    error_trace: Option<String>,
}

/// The CrateDB error of an error body, with the server trace appended when there is one.
pub(crate) fn sql_error_of(body: &[u8]) -> Option<SqlError> {
    let parsed: ErrorBody = serde_json::from_slice(body).ok()?;
    let mut error = parsed.error;
    if let Some(trace) = parsed.error_trace.filter(|t| !t.is_empty()) {
        error.message.push_str("\nerror_trace: ");
        error.message.push_str(&trace);
    }
    Some(error)
}

fn status_meaning(status: u16) -> &'static str {
    match status {
        400 => "bad request",
        401 => "unauthorized",
        403 => "forbidden",
        404 => "not found",
        405 => "method not allowed",
        408 => "request timeout",
        409 => "conflict",
        413 => "request body too large for the server (http.max_content_length)",
        414 => "URI too long",
        429 => "too many requests",
        500 => "internal server error",
        502 => "bad gateway",
        503 => "service unavailable",
        504 => "gateway timeout",
        300..=399 => "redirect (not followed)",
        _ => "unexpected HTTP status",
    }
}

/// The error for a non-2xx answer that is not a node failure.
pub(crate) fn error_from_answer(server: &str, status: u16, body: &[u8]) -> Error {
    if let Some(error) = sql_error_of(body) {
        return Error::Sql {
            server: server.to_string(),
            status,
            error,
        };
    }
    let text = excerpt(body);
    if status == 401 {
        // A failed login answers with plain text, not a CrateDB error body.
        return Error::Sql {
            server: server.to_string(),
            status,
            error: SqlError {
                code: 4010,
                message: if text.is_empty() {
                    "unauthorized".to_string()
                } else {
                    text
                },
            },
        };
    }
    let meaning = status_meaning(status);
    Error::Http {
        server: server.to_string(),
        status,
        message: if text.is_empty() {
            meaning.to_string()
        } else {
            format!("{meaning}: {text}")
        },
    }
}

/// Why a 502/503/504 answer makes the server count as failed.
pub(crate) fn node_failure_reason(status: u16, body: &[u8]) -> String {
    let meaning = status_meaning(status);
    match sql_error_of(body) {
        Some(e) => format!("HTTP {status} {meaning}: {e}"),
        None => format!("HTTP {status} {meaning}"),
    }
}

fn protocol(server: &str, message: String) -> Error {
    Error::Protocol {
        server: server.to_string(),
        message,
    }
}

/// Describes a body that failed to parse.
pub(crate) fn parse_failure(body: &[u8], e: &serde_json::Error) -> String {
    parse_failure_of(body.len(), body, e)
}

/// Describes a body of `len` bytes that failed to parse, from its first bytes (`head`, at
/// least [`PARSE_FAILURE_HEAD`] of them when the body is that long): for a body parsed
/// through a reader, which has given its bytes back by the time it fails.
pub(crate) fn parse_failure_of(len: usize, head: &[u8], e: &serde_json::Error) -> String {
    if len == 0 {
        return "empty response body".to_string();
    }
    match e.classify() {
        serde_json::error::Category::Eof => {
            format!("truncated JSON body ({len} bytes): {e}")
        }
        serde_json::error::Category::Syntax => {
            format!("response is not JSON ({e}): {}", excerpt(head))
        }
        _ => format!("unexpected response shape: {e}"),
    }
}

/// Reads a regular answer.
pub(crate) fn parse_sql_response(server: &str, body: &[u8]) -> Result<SqlResponse> {
    serde_json::from_slice(body).map_err(|e| protocol(server, parse_failure(body, &e)))
}

/// Reads a bulk answer and checks it has one result per argument row.
pub(crate) fn parse_bulk_response(server: &str, body: &[u8], rows: usize) -> Result<BulkResponse> {
    let response: BulkResponse =
        serde_json::from_slice(body).map_err(|e| protocol(server, parse_failure(body, &e)))?;
    if response.results.len() != rows {
        return Err(protocol(
            server,
            format!(
                "bulk answer has {} results for {rows} argument rows",
                response.results.len()
            ),
        ));
    }
    Ok(response)
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    #[test]
    fn bodies() {
        let b = sql_body("SELECT $1", &[json!("a\"b")]).unwrap_or_default();
        assert_eq!(
            String::from_utf8_lossy(&b),
            r#"{"stmt":"SELECT $1","args":["a\"b"]}"#
        );
        assert!(sql_body("SELECT 1", &json!({"a": 1})).is_err());
        let (b, n) =
            bulk_body("INSERT", &vec![vec![json!(1)], vec![json!("x,]")]]).unwrap_or_default();
        assert_eq!(n, 2);
        assert_eq!(
            String::from_utf8_lossy(&b),
            r#"{"stmt":"INSERT","bulk_args":[[1],["x,]"]]}"#
        );
    }

    #[test]
    fn bulk_shape() {
        assert_eq!(count_array_rows(b"[]"), Some(0));
        assert_eq!(count_array_rows(b"[[1,[2]],[{\"a\":[1]}],[]]"), Some(3));
        assert_eq!(count_array_rows(b"[1,2]"), None);
        assert_eq!(count_array_rows(b"[[1],2]"), None);
        assert_eq!(count_array_rows(b"[[1],\"x\"]"), None);
        assert_eq!(count_array_rows(b"[[1],{\"a\":1}]"), None);
        assert_eq!(count_array_rows(b"{}"), None);
        assert_eq!(count_array_rows(b"[[\"]\\\"[\"]]"), Some(1));
    }

    #[test]
    fn errors() {
        let e = error_from_answer(
            "h:1",
            409,
            br#"{"error":{"message":"DuplicateKeyException[x]","code":4091},"error_trace":"at x"}"#,
        );
        assert!(e.is_duplicate_key());
        assert!(e.to_string().contains("error_trace: at x"));
        let e = error_from_answer("h:1", 401, b"trust authentication failed for user \"x\"");
        assert!(e.sql_error().is_some_and(SqlError::is_unauthorized));
        let e = error_from_answer("h:1", 413, b"");
        assert!(matches!(e, Error::Http { status: 413, .. }));
        let e = error_from_answer("h:1", 429, b"");
        assert!(e.to_string().contains("too many requests"));
    }
}
