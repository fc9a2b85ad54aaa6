//! [`SqlRequest`]: one `POST /_sql` as the test server received it.

use serde_json::Value;

/// One `POST /_sql` request as received (body decoded, gzip undone).
#[derive(Debug, Clone, PartialEq)]
pub struct SqlRequest {
    /// The statement text.
    pub stmt: String,
    /// `args` (empty when the request had none).
    pub args: Vec<Value>,
    /// `bulk_args`, for a bulk request.
    pub bulk_args: Option<Vec<Vec<Value>>>,
    /// Request headers in the order received, names in lower case.
    pub headers: Vec<(String, String)>,
    /// The URL query string without `?` (e.g. `types&error_trace=true`), empty when none.
    pub query: String,
    /// Whether the body came gzip-compressed (`Content-Encoding: gzip`).
    pub gzipped: bool,
}

impl SqlRequest {
    /// The value of a header (name matched case-insensitively).
    pub fn header(&self, name: &str) -> Option<&str> {
        self.headers
            .iter()
            .find(|(n, _)| n.eq_ignore_ascii_case(name))
            .map(|(_, v)| v.as_str())
    }

    /// Whether this is a bulk request.
    pub fn is_bulk(&self) -> bool {
        self.bulk_args.is_some()
    }

    /// Whether the URL query has `name` (as `name` or `name=value`).
    pub fn has_query_param(&self, name: &str) -> bool {
        self.query_param(name).is_some()
    }

    /// The value of a URL query parameter (`""` for a bare `name`).
    pub fn query_param(&self, name: &str) -> Option<&str> {
        self.query
            .split('&')
            .map(|p| p.split_once('=').unwrap_or((p, "")))
            .find(|(k, _)| *k == name)
            .map(|(_, v)| v)
    }
}
