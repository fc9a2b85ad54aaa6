//! A 2xx answer parsed straight from the connection ([`Client::stream_with`](crate::Client::stream_with)):
//! each row goes to the sink as soon as its bytes have arrived, and nothing but the row being
//! parsed and the read buffers is held. Failures while the body streams in are reported with
//! the number of rows already passed on, and never retried.

use std::cell::RefCell;
use std::io::{self, BufReader, Read};
use std::time::Duration;

use serde::de::SeqAccess;

use crate::liveness::Unresponsive;
use crate::row_decoder::sink_rows;
use crate::transport::show_duration;
use crate::wire::{parse_failure_of, PARSE_FAILURE_HEAD};
use crate::{Error, Result, ResultInfo, RowSink};

/// Size of the buffer the body is read through (serde_json reads byte by byte).
const READ_BUFFER: usize = 64 * 1024;

/// What the reader saw: the body's first bytes (to describe a body that is not JSON), how
/// many bytes arrived, and how the connection failed, if it did.
#[derive(Default)]
struct Seen {
    head: Vec<u8>,
    bytes: usize,
    broke: Option<Broke>,
}

/// How reading the body failed.
enum Broke {
    /// The request timeout ran out.
    Timeout,
    /// The liveness check gave the server up.
    Unresponsive(String),
    /// The connection broke, or the body (its chunking or gzip stream) was corrupt.
    Cut(String),
}

/// A reader that records what [`Seen`] holds.
struct Watched<'a, R> {
    inner: R,
    seen: &'a RefCell<Seen>,
}

impl<R: Read> Read for Watched<'_, R> {
    fn read(&mut self, buf: &mut [u8]) -> io::Result<usize> {
        match self.inner.read(buf) {
            Ok(n) => {
                let mut seen = self.seen.borrow_mut();
                seen.bytes += n;
                let wanted = PARSE_FAILURE_HEAD.saturating_sub(seen.head.len());
                if wanted > 0 {
                    seen.head.extend(buf.iter().take(n.min(wanted)));
                }
                Ok(n)
            }
            Err(e) => {
                self.seen.borrow_mut().broke = Some(broke(&e));
                Err(e)
            }
        }
    }
}

/// Sorts a failure to read the body.
fn broke(e: &io::Error) -> Broke {
    let inner = e.get_ref();
    if let Some(u) = inner.and_then(|i| i.downcast_ref::<Unresponsive>()) {
        return Broke::Unresponsive(u.to_string());
    }
    match inner.and_then(|i| i.downcast_ref::<ureq::Error>()) {
        Some(ureq::Error::Timeout(_)) => Broke::Timeout,
        Some(ureq::Error::Io(io)) => Broke::Cut(io.to_string()),
        Some(other) => Broke::Cut(other.to_string()),
        None if e.kind() == io::ErrorKind::TimedOut => Broke::Timeout,
        None => Broke::Cut(e.to_string()),
    }
}

/// Counts the rows the sink accepted.
struct Counted<'s, S> {
    sink: &'s mut S,
    rows: usize,
}

impl<S: RowSink> RowSink for Counted<'_, S> {
    fn columns(&mut self, cols: &[String]) {
        self.sink.columns(cols);
    }

    fn row<'de, A: SeqAccess<'de>>(&mut self, row: A) -> std::result::Result<(), A::Error> {
        self.sink.row(row)?;
        self.rows += 1;
        Ok(())
    }
}

/// Parses a regular answer from `body` as it arrives, passing each row to `sink`. `timeout`
/// is the request timeout (named in the error when it runs out mid-stream).
///
/// A failure after the first row reached the sink says how many rows were passed on; a row
/// the sink rejects is [`Error::Decode`] as in [`decode_into`](crate::row_decoder::decode_into).
pub(crate) fn decode_stream_into<R: Read, S: RowSink>(
    server: &str,
    body: R,
    timeout: Duration,
    sink: &mut S,
) -> Result<ResultInfo> {
    let seen = RefCell::new(Seen::default());
    let reader = BufReader::with_capacity(
        READ_BUFFER,
        Watched {
            inner: body,
            seen: &seen,
        },
    );
    let mut counted = Counted { sink, rows: 0 };
    let result = sink_rows(
        server,
        serde_json::Deserializer::from_reader(reader),
        |e| {
            let seen = seen.borrow();
            match &seen.broke {
                Some(Broke::Cut(reason)) => {
                    format!("the answer broke off after {} bytes ({reason})", seen.bytes)
                }
                // Reported below as a connection failure.
                Some(Broke::Timeout | Broke::Unresponsive(_)) => String::new(),
                None => parse_failure_of(seen.bytes, &seen.head, e),
            }
        },
        &mut counted,
    );
    let rows = counted.rows;
    let delivered = |what: String| {
        if rows == 0 {
            what
        } else {
            let rows = match rows {
                1 => "1 row had".to_string(),
                n => format!("{n} rows had"),
            };
            format!("{what}; {rows} been passed on already (a streamed answer is never retried)")
        }
    };
    result.map_err(|e| match (e, seen.into_inner().broke) {
        (Error::Protocol { .. }, Some(Broke::Timeout)) => Error::Connection {
            server: server.to_string(),
            reason: delivered(format!(
                "the request timeout of {} ran out while the answer was streaming in \
                 (ClientBuilder::timeout; it covers the whole answer, the time spent on each \
                 row included)",
                show_duration(timeout)
            )),
        },
        (Error::Protocol { .. }, Some(Broke::Unresponsive(reason))) => Error::Connection {
            server: server.to_string(),
            reason: delivered(reason),
        },
        (Error::Protocol { server, message }, _) => Error::Protocol {
            server,
            message: delivered(message),
        },
        (other, _) => other,
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    /// Collects the first column of each row as text.
    #[derive(Default)]
    struct Firsts(Vec<String>);

    impl RowSink for Firsts {
        fn columns(&mut self, _cols: &[String]) {}
        fn row<'de, A: SeqAccess<'de>>(&mut self, mut row: A) -> std::result::Result<(), A::Error> {
            self.0.extend(row.next_element::<String>()?);
            Ok(())
        }
    }

    /// Gives `data`, then fails with `error`.
    struct Failing {
        data: io::Cursor<Vec<u8>>,
        error: Option<io::Error>,
    }

    impl Read for Failing {
        fn read(&mut self, buf: &mut [u8]) -> io::Result<usize> {
            let n = self.data.read(buf)?;
            if n > 0 {
                return Ok(n);
            }
            match self.error.take() {
                Some(e) => Err(e),
                None => Ok(0),
            }
        }
    }

    fn failing(data: &str, error: io::Error) -> Failing {
        Failing {
            data: io::Cursor::new(data.as_bytes().to_vec()),
            error: Some(error),
        }
    }

    const T: Duration = Duration::from_secs(7);

    #[test]
    fn rows_and_counts() {
        let body = br#"{"cols":["a"],"rows":[["x"],["y"]],"rowcount":2,"duration":1.5}"#;
        let mut sink = Firsts::default();
        let info =
            decode_stream_into("h:1", &body[..], T, &mut sink).unwrap_or_else(|e| panic!("{e}"));
        assert_eq!(sink.0, ["x", "y"]);
        assert_eq!((info.rows, info.rowcount, info.duration), (2, 2, 1.5));
    }

    #[test]
    fn a_cut_says_how_many_rows_were_passed_on() {
        let cut = failing(
            r#"{"cols":["a"],"rows":[["x"],["y"],["z"#,
            io::Error::new(io::ErrorKind::UnexpectedEof, "Peer disconnected"),
        );
        let mut sink = Firsts::default();
        match decode_stream_into("h:1", cut, T, &mut sink) {
            Err(Error::Protocol { server, message }) => {
                assert_eq!(server, "h:1");
                assert!(
                    message.starts_with("the answer broke off after 37 bytes (Peer disconnected)"),
                    "{message}"
                );
                assert!(
                    message.contains("2 rows had been passed on already"),
                    "{message}"
                );
            }
            other => panic!("{other:?}"),
        }
        assert_eq!(sink.0, ["x", "y"]);
    }

    #[test]
    fn a_timeout_is_a_connection_failure() {
        let timeout = io::Error::other(ureq::Error::Timeout(ureq::Timeout::Global));
        let cut = failing(r#"{"cols":["a"],"rows":[["x"],"#, timeout);
        match decode_stream_into("h:1", cut, T, &mut Firsts::default()) {
            Err(Error::Connection { server, reason }) => {
                assert_eq!(server, "h:1");
                assert!(
                    reason.contains("request timeout of 7 s ran out"),
                    "{reason}"
                );
                assert!(reason.contains("1 row had been passed on"), "{reason}");
            }
            other => panic!("{other:?}"),
        }
    }

    #[test]
    fn malformed_and_truncated_bodies_are_protocol_errors() {
        let cases: [(&[u8], &str); 3] = [
            (b"<html>oops</html>", "response is not JSON"),
            (
                br#"{"cols":["a"],"rows":[["x"],"#,
                "truncated JSON body (28 bytes)",
            ),
            (br#"{"cols":["a"],"rows":[["x"],<"#, "response is not JSON"),
        ];
        for (body, expected) in cases {
            match decode_stream_into("h:1", body, T, &mut Firsts::default()) {
                Err(Error::Protocol { message, .. }) => {
                    assert!(message.starts_with(expected), "{message}");
                }
                other => panic!("{other:?}"),
            }
        }
    }

    #[test]
    fn a_rejected_row_is_a_decode_error() {
        let body = br#"{"cols":["a"],"rows":[["x"],[1]]}"#;
        match decode_stream_into("h:1", &body[..], T, &mut Firsts::default()) {
            Err(Error::Decode {
                row, column_name, ..
            }) => assert_eq!((row, column_name.as_deref()), (1, Some("a"))),
            other => panic!("{other:?}"),
        }
    }
}
