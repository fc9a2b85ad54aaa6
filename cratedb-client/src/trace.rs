//! Statement tracing (feature `tracing`): one span per request, so statements join the
//! application's own logs (the counterpart of SQLAlchemy's `echo=True`).
//!
//! Every [`Client`](crate::Client) request runs inside a `DEBUG` span named `sql`, target
//! `cratedb_client`, with these fields:
//!
//! | field | value |
//! |---|---|
//! | `statement` | the SQL text as sent |
//! | `server` | the server that answered (the last one tried), `host:port` |
//! | `rowcount` | rows returned or affected as CrateDB reports them (for bulk requests the sum over the rows that succeeded) |
//! | `bulk_rows` | for a bulk request, the number of argument rows |
//! | `duration_ms` | wall-clock time of the whole request, failovers included |
//! | `ok` | whether it succeeded; `error` holds the error when not |
//!
//! When the request ends, a `DEBUG` event in the span (`"statement finished"` or
//! `"statement failed"`) carries the same figures, so a plain log formatter prints one line
//! per statement. The arguments are only in a `TRACE` event (`"arguments"`, field `args`, the
//! JSON array as sent) at the start of the request: they may hold personal data, so they show
//! only when `TRACE` is enabled for `cratedb_client`. Credentials never appear: the password,
//! the token and the encoded `Authorization` value are not fields, and a statement or argument
//! text that contains one has it replaced by `<redacted>`.
//!
//! Without the feature this module compiles to nothing.

use std::time::Duration;

use crate::{BulkResponse, Error, ResultInfo, Rows, Secret, SqlResponse};

/// What a successful request reports as its row count.
pub(crate) trait RowCount {
    /// Rows returned or affected, as CrateDB reports them.
    fn row_count(&self) -> i64;
}

impl RowCount for SqlResponse {
    fn row_count(&self) -> i64 {
        self.rowcount
    }
}

impl<T> RowCount for Rows<T> {
    fn row_count(&self) -> i64 {
        self.rowcount
    }
}

impl RowCount for ResultInfo {
    fn row_count(&self) -> i64 {
        self.rowcount
    }
}

impl RowCount for BulkResponse {
    /// The rows changed by the argument rows that succeeded.
    fn row_count(&self) -> i64 {
        self.results.iter().map(|r| r.rowcount.max(0)).sum()
    }
}

/// The span of one request (nothing without the `tracing` feature).
pub(crate) struct RequestTrace {
    #[cfg(feature = "tracing")]
    span: tracing::Span,
}

#[cfg(feature = "tracing")]
mod imp {
    use super::*;
    use tracing::field::Empty;

    /// The target of every span and event.
    const TARGET: &str = "cratedb_client";

    /// `text` with each secret replaced by `<redacted>`, as in error messages.
    fn scrub(text: &str, secrets: &[Secret]) -> String {
        let mut out = text.to_string();
        crate::error::scrub(&mut out, secrets);
        out
    }

    /// The `args` / `bulk_args` array of a request body, as JSON text.
    fn args_of(body: &[u8]) -> String {
        #[derive(serde::Deserialize)]
        struct Body<'a> {
            #[serde(borrow)]
            args: Option<&'a serde_json::value::RawValue>,
            #[serde(borrow)]
            bulk_args: Option<&'a serde_json::value::RawValue>,
        }
        match serde_json::from_slice::<Body<'_>>(body) {
            Ok(Body { args: Some(a), .. })
            | Ok(Body {
                bulk_args: Some(a), ..
            }) => a.get().to_string(),
            _ => "[]".to_string(),
        }
    }

    impl RequestTrace {
        /// Opens the span of a request (and, at `TRACE`, logs its arguments in it).
        pub(crate) fn start(
            stmt: &str,
            bulk_rows: Option<usize>,
            body: &[u8],
            secrets: &[Secret],
        ) -> RequestTrace {
            let span = tracing::debug_span!(
                target: TARGET,
                "sql",
                statement = %scrub(stmt, secrets),
                server = Empty,
                rowcount = Empty,
                bulk_rows = bulk_rows,
                duration_ms = Empty,
                ok = Empty,
                error = Empty,
            );
            span.in_scope(|| {
                tracing::trace!(target: TARGET, args = %scrub(&args_of(body), secrets), "arguments");
            });
            RequestTrace { span }
        }

        /// Runs the request inside the span.
        pub(crate) fn in_scope<R>(&self, f: impl FnOnce() -> R) -> R {
            self.span.in_scope(f)
        }

        /// Records the outcome and logs the closing event.
        pub(crate) fn finish(&self, server: &str, elapsed: Duration, outcome: Result<i64, &Error>) {
            let duration_ms = elapsed.as_secs_f64() * 1000.0;
            let span = &self.span;
            span.record("server", server);
            span.record("duration_ms", duration_ms);
            span.record("ok", outcome.is_ok());
            let _entered = span.enter();
            match outcome {
                Ok(rows) => {
                    span.record("rowcount", rows);
                    tracing::debug!(
                        target: TARGET,
                        server,
                        rowcount = rows,
                        duration_ms,
                        "statement finished"
                    );
                }
                Err(e) => {
                    span.record("error", tracing::field::display(e));
                    tracing::debug!(
                        target: TARGET,
                        server,
                        duration_ms,
                        error = %e,
                        "statement failed"
                    );
                }
            }
        }
    }
}

#[cfg(not(feature = "tracing"))]
impl RequestTrace {
    /// Nothing to open without the `tracing` feature.
    #[inline]
    pub(crate) fn start(
        _stmt: &str,
        _bulk_rows: Option<usize>,
        _body: &[u8],
        _secrets: &[Secret],
    ) -> RequestTrace {
        RequestTrace {}
    }

    /// Runs `f`.
    #[inline]
    pub(crate) fn in_scope<R>(&self, f: impl FnOnce() -> R) -> R {
        f()
    }

    /// Nothing to record without the `tracing` feature.
    #[inline]
    pub(crate) fn finish(&self, _server: &str, _elapsed: Duration, _outcome: Result<i64, &Error>) {}
}
