//! Decodes a regular answer straight into [`Rows<T>`]: each row (a JSON array) is deserialized
//! into `T` (a tuple, a struct in serde's sequence form, a `Vec`, …) as the body is parsed, with
//! no `serde_json::Value` per row. A row that does not fit reports its row and column.

use std::cell::RefCell;
use std::fmt;
use std::marker::PhantomData;

use serde::de::value::SeqAccessDeserializer;
use serde::de::{
    Deserialize, DeserializeOwned, DeserializeSeed, IgnoredAny, MapAccess, SeqAccess, Visitor,
};
use serde::Deserializer;
use serde_json::value::RawValue;

use crate::body_chunks::{BodyChunks, CONTIGUOUS_MAX};
use crate::wire::{parse_failure, parse_failure_of, PARSE_FAILURE_HEAD};
use crate::{Error, Result, Rows};

/// Where and why a row failed to decode.
#[derive(Debug)]
struct Failure {
    row: usize,
    column: Option<usize>,
    message: String,
}

/// Parses `body` into rows of `T`. Empty rows (`[]`, which DML answers carry) are skipped.
pub(crate) fn decode_rows<T: DeserializeOwned>(server: &str, body: &[u8]) -> Result<Rows<T>> {
    let failure = RefCell::new(None);
    let mut target = TypedRows::<T> {
        failure: &failure,
        _t: PhantomData,
    };
    let (cols, rows, rowcount, duration) = parse_response(
        server,
        serde_json::Deserializer::from_slice(body),
        |e| parse_failure(body, e),
        &mut target,
        &failure,
    )?;
    let rows = rows.unwrap_or_default();
    let rowcount = rowcount.unwrap_or(rows.len() as i64);
    Ok(Rows {
        cols,
        rows,
        rowcount,
        duration,
    })
}

/// Parses `body`, passing each row to `sink` as it is read (see
/// [`Client::query_with`](crate::Client::query_with)). A body of more than [`CONTIGUOUS_MAX`]
/// bytes is parsed through a reader that gives each chunk back once it has been read, so
/// the body's memory shrinks as the sink's grows.
pub(crate) fn decode_into<S: RowSink>(
    server: &str,
    body: BodyChunks,
    sink: &mut S,
) -> Result<ResultInfo> {
    if body.len() <= CONTIGUOUS_MAX {
        decode_slice_into(server, &body.into_vec(), sink)
    } else {
        decode_chunks_into(server, body, sink)
    }
}

/// [`decode_into`] from one buffer.
fn decode_slice_into<S: RowSink>(server: &str, body: &[u8], sink: &mut S) -> Result<ResultInfo> {
    sink_rows(
        server,
        serde_json::Deserializer::from_slice(body),
        |e| parse_failure(body, e),
        sink,
    )
}

/// [`decode_into`] through a [`ConsumingReader`](crate::body_chunks::ConsumingReader)
/// (buffered: serde_json reads byte by byte). A failure is described from a copy of the
/// body's first bytes, as [`parse_failure`] would describe the whole body.
fn decode_chunks_into<S: RowSink>(
    server: &str,
    body: BodyChunks,
    sink: &mut S,
) -> Result<ResultInfo> {
    let len = body.len();
    let head = body.head(PARSE_FAILURE_HEAD);
    let reader = std::io::BufReader::new(body.into_reader());
    sink_rows(
        server,
        serde_json::Deserializer::from_reader(reader),
        |e| parse_failure_of(len, &head, e),
        sink,
    )
}

/// Parses a regular answer from `de`, passing each row to `sink`.
pub(crate) fn sink_rows<'de, R: serde_json::de::Read<'de>, S: RowSink>(
    server: &str,
    de: serde_json::Deserializer<R>,
    describe: impl Fn(&serde_json::Error) -> String,
    sink: &mut S,
) -> Result<ResultInfo> {
    let failure = RefCell::new(None);
    let mut target = SinkRows {
        sink,
        failure: &failure,
        cols_seen: false,
        early: Vec::new(),
        count: 0,
    };
    let (cols, _, rowcount, duration) =
        parse_response(server, de, describe, &mut target, &failure)?;
    let count = target.count;
    Ok(ResultInfo {
        cols,
        rows: count,
        rowcount: rowcount.unwrap_or(count as i64),
        duration,
    })
}

/// Parses a regular answer from `de`, the `"rows"` array read by `target`; maps failures to
/// the client's errors (a cut or malformed body is the server's fault: [`Error::Protocol`],
/// its message from `describe`).
fn parse_response<'de, R: serde_json::de::Read<'de>, T: RowsTarget>(
    server: &str,
    mut de: serde_json::Deserializer<R>,
    describe: impl Fn(&serde_json::Error) -> String,
    target: &mut T,
    failure: &RefCell<Option<Failure>>,
) -> Result<Parsed<T::Rows>> {
    let names = RefCell::new(Vec::new());
    let result = ResponseSeed {
        target,
        names: &names,
    }
    .deserialize(&mut de)
    .and_then(|parsed| de.end().map(|()| parsed));
    match result {
        Ok(parsed) => Ok(parsed),
        // A body cut short or not JSON is the server's fault, even when it breaks inside a
        // row: a protocol error naming the server, not a decode error.
        Err(e) if !e.is_data() => Err(Error::Protocol {
            server: server.to_string(),
            message: describe(&e),
        }),
        Err(e) => match failure.take() {
            Some(f) => Err(Error::Decode {
                row: f.row,
                column: f.column,
                column_name: f.column.and_then(|c| names.borrow().get(c).cloned()),
                message: f.message,
            }),
            None => Err(Error::Protocol {
                server: server.to_string(),
                message: describe(&e),
            }),
        },
    }
}

/// A parsed response: column names, what the target made of `"rows"`, `"rowcount"`, and
/// `"duration"`.
type Parsed<T> = (Vec<String>, Option<T>, Option<i64>, f64);

/// Receives the rows of a result one by one, as the response body is parsed: no
/// `serde_json::Value` per row, no `Vec` of rows. See [`Client::query_with`](crate::Client::query_with).
///
/// ```
/// use cratedb_client::RowSink;
/// use serde::de::SeqAccess;
///
/// /// Sums the first column of every row.
/// #[derive(Default)]
/// struct Sum(i64);
///
/// impl RowSink for Sum {
///     fn columns(&mut self, _cols: &[String]) {}
///     fn row<'de, A: SeqAccess<'de>>(&mut self, mut row: A) -> Result<(), A::Error> {
///         self.0 += row.next_element::<i64>()?.unwrap_or(0);
///         while row.next_element::<serde::de::IgnoredAny>()?.is_some() {}
///         Ok(())
///     }
/// }
/// ```
pub trait RowSink {
    /// The result's column names; called once, before the first row.
    fn columns(&mut self, cols: &[String]);

    /// Reads one row: `row` yields its values in the order of the columns. Values the sink
    /// does not read are skipped. An error fails the request with
    /// [`Error::Decode`](crate::Error::Decode) naming the row and the column being read.
    ///
    /// Read values as owned types (`String`, `Cow<str>`, `Box<RawValue>`, …): a large
    /// answer is parsed from a reader, which cannot lend `&'de str` or `&'de RawValue`.
    fn row<'de, A: SeqAccess<'de>>(&mut self, row: A) -> std::result::Result<(), A::Error>;
}

/// What [`Client::query_with`](crate::Client::query_with) returns besides the rows it passed
/// to the sink.
#[derive(Debug, Clone, PartialEq, Default)]
pub struct ResultInfo {
    /// Column names.
    pub cols: Vec<String>,
    /// Rows passed to the sink.
    pub rows: usize,
    /// Rows returned or affected, as the server reports it.
    pub rowcount: i64,
    /// Server-side duration in milliseconds.
    pub duration: f64,
}

impl ResultInfo {
    /// Reads the body of a successful (2xx) regular answer, passing each row to `sink` as it
    /// is parsed, exactly as [`Client::query_with`](crate::Client::query_with) does: for
    /// answers obtained some other way (recorded, or in benchmarks and fuzzing). `server`
    /// names the source in errors; a broken body is [`Error::Protocol`].
    ///
    /// ```
    /// use cratedb_client::{ResultInfo, RowSink};
    /// use serde::de::SeqAccess;
    ///
    /// #[derive(Default)]
    /// struct Names(Vec<String>);
    ///
    /// impl RowSink for Names {
    ///     fn columns(&mut self, _cols: &[String]) {}
    ///     fn row<'de, A: SeqAccess<'de>>(&mut self, mut row: A) -> Result<(), A::Error> {
    ///         if let Some(name) = row.next_element::<String>()? {
    ///             self.0.push(name);
    ///         }
    ///         while row.next_element::<serde::de::IgnoredAny>()?.is_some() {}
    ///         Ok(())
    ///     }
    /// }
    ///
    /// let body = br#"{"cols":["name","n"],"rows":[["a",1],["b",2]],"rowcount":2}"#;
    /// let mut names = Names::default();
    /// let info = ResultInfo::from_body_into("h:4200", body, &mut names)?;
    /// assert_eq!((info.rows, names.0), (2, vec!["a".to_string(), "b".to_string()]));
    /// # Ok::<(), cratedb_client::Error>(())
    /// ```
    pub fn from_body_into<S: RowSink>(server: &str, body: &[u8], sink: &mut S) -> Result<Self> {
        decode_slice_into(server, body, sink)
    }
}

/// Reads the `"rows"` array of a response.
trait RowsTarget {
    type Rows;
    /// The `"cols"` array, when it is read.
    fn columns(&mut self, cols: &[String]);
    fn rows<'de, D: Deserializer<'de>>(
        &mut self,
        d: D,
    ) -> std::result::Result<Self::Rows, D::Error>;
    /// The end of the response object.
    fn finish<E: serde::de::Error>(&mut self, cols: &[String]) -> std::result::Result<(), E>;
}

struct ResponseSeed<'n, 't, R> {
    target: &'t mut R,
    /// The column names, once read (to name a failed row's column).
    names: &'n RefCell<Vec<String>>,
}

impl<'de, R: RowsTarget> DeserializeSeed<'de> for ResponseSeed<'_, '_, R> {
    type Value = Parsed<R::Rows>;

    fn deserialize<D: Deserializer<'de>>(self, d: D) -> std::result::Result<Self::Value, D::Error> {
        d.deserialize_map(self)
    }
}

impl<'de, R: RowsTarget> Visitor<'de> for ResponseSeed<'_, '_, R> {
    type Value = Parsed<R::Rows>;

    fn expecting(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("a CrateDB response object")
    }

    fn visit_map<M: MapAccess<'de>>(
        self,
        mut map: M,
    ) -> std::result::Result<Self::Value, M::Error> {
        let mut cols = Vec::new();
        let mut rows = None;
        let mut rowcount = None;
        let mut duration = 0.0;
        while let Some(key) = map.next_key::<std::borrow::Cow<'de, str>>()? {
            match key.as_ref() {
                "cols" => {
                    cols = map.next_value()?;
                    self.target.columns(&cols);
                    self.names.borrow_mut().clone_from(&cols);
                }
                "rows" => rows = Some(map.next_value_seed(TargetSeed(&mut *self.target))?),
                "rowcount" => rowcount = Some(map.next_value()?),
                "duration" => duration = map.next_value()?,
                _ => {
                    map.next_value::<IgnoredAny>()?;
                }
            }
        }
        self.target.finish(&cols)?;
        Ok((cols, rows, rowcount, duration))
    }
}

/// Hands the `"rows"` value to a target.
struct TargetSeed<'t, R>(&'t mut R);

impl<'de, R: RowsTarget> DeserializeSeed<'de> for TargetSeed<'_, R> {
    type Value = R::Rows;

    fn deserialize<D: Deserializer<'de>>(self, d: D) -> std::result::Result<R::Rows, D::Error> {
        self.0.rows(d)
    }
}

/// Rows decoded into `Vec<T>`.
struct TypedRows<'c, T> {
    failure: &'c RefCell<Option<Failure>>,
    _t: PhantomData<fn() -> T>,
}

impl<T: DeserializeOwned> RowsTarget for TypedRows<'_, T> {
    type Rows = Vec<T>;

    fn columns(&mut self, _cols: &[String]) {}

    fn rows<'de, D: Deserializer<'de>>(&mut self, d: D) -> std::result::Result<Vec<T>, D::Error> {
        d.deserialize_seq(RowsSeed::<T> {
            failure: self.failure,
            _t: PhantomData,
        })
    }

    fn finish<E: serde::de::Error>(&mut self, _cols: &[String]) -> std::result::Result<(), E> {
        Ok(())
    }
}

/// Rows passed to a [`RowSink`]. Rows that come before the column names (CrateDB sends the
/// names first) are kept as raw JSON and passed on once the names are known.
struct SinkRows<'s, 'c, S> {
    sink: &'s mut S,
    failure: &'c RefCell<Option<Failure>>,
    cols_seen: bool,
    early: Vec<Box<RawValue>>,
    count: usize,
}

impl<S: RowSink> SinkRows<'_, '_, S> {
    /// Passes one row (a JSON array deserializer) to the sink, recording a failure.
    fn pass<'de, D: Deserializer<'de>>(&mut self, d: D) -> std::result::Result<(), D::Error> {
        let row = self.count;
        self.count += 1;
        d.deserialize_seq(SinkRowVisitor {
            sink: &mut *self.sink,
            failure: self.failure,
            row,
        })
    }
}

impl<S: RowSink> RowsTarget for SinkRows<'_, '_, S> {
    type Rows = usize;

    fn columns(&mut self, cols: &[String]) {
        self.sink.columns(cols);
        self.cols_seen = true;
    }

    fn rows<'de, D: Deserializer<'de>>(&mut self, d: D) -> std::result::Result<usize, D::Error> {
        if self.cols_seen {
            d.deserialize_seq(SinkRowsVisitor(self))?;
        } else {
            self.early = Deserialize::deserialize(d)?;
        }
        Ok(self.count)
    }

    fn finish<E: serde::de::Error>(&mut self, cols: &[String]) -> std::result::Result<(), E> {
        if !self.cols_seen {
            self.columns(cols);
        }
        if !self.early.is_empty() {
            for raw in std::mem::take(&mut self.early) {
                let mut de = serde_json::Deserializer::from_str(raw.get());
                self.pass(&mut de).map_err(E::custom)?;
            }
        }
        Ok(())
    }
}

struct SinkRowsVisitor<'a, 's, 'c, S>(&'a mut SinkRows<'s, 'c, S>);

impl<'de, S: RowSink> Visitor<'de> for SinkRowsVisitor<'_, '_, '_, S> {
    type Value = ();

    fn expecting(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("an array of rows")
    }

    fn visit_seq<A: SeqAccess<'de>>(self, mut seq: A) -> std::result::Result<(), A::Error> {
        while seq.next_element_seed(SinkRowSeed(&mut *self.0))?.is_some() {}
        Ok(())
    }
}

struct SinkRowSeed<'a, 's, 'c, S>(&'a mut SinkRows<'s, 'c, S>);

impl<'de, S: RowSink> DeserializeSeed<'de> for SinkRowSeed<'_, '_, '_, S> {
    type Value = ();

    fn deserialize<D: Deserializer<'de>>(self, d: D) -> std::result::Result<(), D::Error> {
        self.0.pass(d)
    }
}

struct SinkRowVisitor<'s, 'c, S> {
    sink: &'s mut S,
    failure: &'c RefCell<Option<Failure>>,
    row: usize,
}

impl<'de, S: RowSink> Visitor<'de> for SinkRowVisitor<'_, '_, S> {
    type Value = ();

    fn expecting(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("a row (an array of column values)")
    }

    fn visit_seq<A: SeqAccess<'de>>(self, seq: A) -> std::result::Result<(), A::Error> {
        let mut counting = CountingSeq {
            inner: seq,
            index: 0,
            ended_at: None,
        };
        match self.sink.row(&mut counting) {
            Ok(()) => {
                // Skip what the sink left unread.
                while counting.next_element::<IgnoredAny>()?.is_some() {}
                Ok(())
            }
            Err(e) => {
                let mut failure = self.failure.borrow_mut();
                if failure.is_none() {
                    *failure = Some(Failure {
                        row: self.row,
                        column: Some(counting.ended_at.unwrap_or(counting.index)),
                        message: e.to_string(),
                    });
                }
                Err(e)
            }
        }
    }
}

struct RowsSeed<'c, T> {
    failure: &'c RefCell<Option<Failure>>,
    _t: PhantomData<fn() -> T>,
}

impl<'de, T: DeserializeOwned> DeserializeSeed<'de> for RowsSeed<'_, T> {
    type Value = Vec<T>;

    fn deserialize<D: Deserializer<'de>>(self, d: D) -> std::result::Result<Vec<T>, D::Error> {
        d.deserialize_seq(self)
    }
}

impl<'de, T: DeserializeOwned> Visitor<'de> for RowsSeed<'_, T> {
    type Value = Vec<T>;

    fn expecting(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("an array of rows")
    }

    fn visit_seq<S: SeqAccess<'de>>(self, mut seq: S) -> std::result::Result<Vec<T>, S::Error> {
        let mut rows = Vec::with_capacity(seq.size_hint().unwrap_or(0));
        let mut row = 0;
        while let Some(value) = seq.next_element_seed(RowSeed::<T> {
            row,
            failure: self.failure,
            _t: PhantomData,
        })? {
            if let Some(value) = value {
                rows.push(value);
            }
            row += 1;
        }
        Ok(rows)
    }
}

struct RowSeed<'c, T> {
    row: usize,
    failure: &'c RefCell<Option<Failure>>,
    _t: PhantomData<fn() -> T>,
}

impl<'de, T: DeserializeOwned> DeserializeSeed<'de> for RowSeed<'_, T> {
    type Value = Option<T>;

    fn deserialize<D: Deserializer<'de>>(self, d: D) -> std::result::Result<Option<T>, D::Error> {
        d.deserialize_seq(self)
    }
}

impl<'de, T: DeserializeOwned> Visitor<'de> for RowSeed<'_, T> {
    type Value = Option<T>;

    fn expecting(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("a row (an array of column values)")
    }

    fn visit_seq<S: SeqAccess<'de>>(self, seq: S) -> std::result::Result<Option<T>, S::Error> {
        let mut counting = CountingSeq {
            inner: seq,
            index: 0,
            ended_at: None,
        };
        let value = T::deserialize(SeqAccessDeserializer::new(&mut counting));
        if counting.ended_at == Some(0) {
            // `[]`: the placeholder row of a DML answer.
            return Ok(None);
        }
        match value {
            Ok(value) => {
                if counting.ended_at.is_none() {
                    let read = counting.index;
                    if counting.inner.next_element::<IgnoredAny>()?.is_some() {
                        let message = format!(
                            "the row has more columns than {} reads ({read})",
                            std::any::type_name::<T>()
                        );
                        *self.failure.borrow_mut() = Some(Failure {
                            row: self.row,
                            column: Some(read),
                            message: message.clone(),
                        });
                        return Err(serde::de::Error::custom(message));
                    }
                }
                Ok(Some(value))
            }
            Err(e) => {
                *self.failure.borrow_mut() = Some(Failure {
                    row: self.row,
                    column: Some(counting.ended_at.unwrap_or(counting.index)),
                    message: e.to_string(),
                });
                Err(e)
            }
        }
    }
}

/// Passes a row's elements through, counting them.
struct CountingSeq<S> {
    inner: S,
    /// Index of the next element.
    index: usize,
    /// Set when the row ended, to the number of elements it had.
    ended_at: Option<usize>,
}

impl<'de, S: SeqAccess<'de>> SeqAccess<'de> for CountingSeq<S> {
    type Error = S::Error;

    fn next_element_seed<E: DeserializeSeed<'de>>(
        &mut self,
        seed: E,
    ) -> std::result::Result<Option<E::Value>, S::Error> {
        if self.ended_at.is_some() {
            return Ok(None);
        }
        match self.inner.next_element_seed(seed)? {
            Some(v) => {
                self.index += 1;
                Ok(Some(v))
            }
            None => {
                self.ended_at = Some(self.index);
                Ok(None)
            }
        }
    }

    fn size_hint(&self) -> Option<usize> {
        self.inner.size_hint()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[derive(Debug, PartialEq, serde::Deserialize)]
    struct Person {
        name: String,
        age: Option<i64>,
    }

    #[test]
    fn body_cut_inside_a_row_is_a_protocol_error() {
        for body in [
            &br#"{"cols":["v"],"rows":[["x"#[..],
            br#"{"cols":["v"],"rows":[["a","#,
            br#"{"cols":["v"],"rows":[[<"#,
        ] {
            match decode_rows::<(String,)>("h:1", body) {
                Err(Error::Protocol { server, .. }) => assert_eq!(server, "h:1"),
                other => panic!("{other:?}"),
            }
        }
    }

    #[test]
    fn tuples_and_structs() {
        let body =
            br#"{"cols":["name","age"],"rows":[["a",1],["b",null]],"rowcount":2,"duration":0.5}"#;
        let rows: Rows<(String, Option<i64>)> =
            decode_rows("h", body).unwrap_or_else(|e| panic!("{e}"));
        assert_eq!(rows.rows, vec![("a".into(), Some(1)), ("b".into(), None)]);
        assert_eq!(rows.cols, vec!["name", "age"]);
        assert_eq!(rows.rowcount, 2);
        let rows: Rows<Person> = decode_rows("h", body).unwrap_or_else(|e| panic!("{e}"));
        assert_eq!(
            rows.rows[1],
            Person {
                name: "b".into(),
                age: None
            }
        );
    }

    #[test]
    fn empty_dml_row_skipped() {
        let body = br#"{"cols":[],"rows":[[]],"rowcount":3,"duration":0.5}"#;
        let rows: Rows<(i64,)> = decode_rows("h", body).unwrap_or_else(|e| panic!("{e}"));
        assert!(rows.rows.is_empty());
        assert_eq!(rows.rowcount, 3);
    }

    /// The decode error of `{"cols":["name","age"],"rows":[["a",1],["b","x"]]}` read as
    /// `(String, i64)`: row 1, column 1 (`age`), not an i64.
    fn assert_age_not_i64(result: Result<()>) {
        match result {
            Err(Error::Decode {
                row,
                column,
                column_name,
                message,
            }) => {
                assert_eq!(
                    (row, column, column_name.as_deref()),
                    (1, Some(1), Some("age"))
                );
                assert!(message.contains("expected i64"), "{message}");
            }
            other => panic!("{other:?}"),
        }
    }

    #[test]
    fn decode_error_names_row_and_column() {
        let body = br#"{"cols":["name","age"],"rows":[["a",1],["b","x"]],"rowcount":2}"#;
        assert_age_not_i64(decode_rows::<(String, i64)>("h", body).map(drop));
        let e = decode_rows::<(String,)>("h", body).err();
        assert!(
            matches!(
                e,
                Some(Error::Decode {
                    row: 0,
                    column: Some(1),
                    ..
                })
            ),
            "{e:?}"
        );
        let e = decode_rows::<(String, i64, i64)>("h", body).err();
        assert!(
            matches!(
                e,
                Some(Error::Decode {
                    row: 0,
                    column: Some(2),
                    ..
                })
            ),
            "{e:?}"
        );
    }

    #[test]
    fn malformed_is_protocol() {
        let e = decode_rows::<(i64,)>("h:1", br#"{"cols":["a"],"rows":[[1],"#).err();
        assert!(
            matches!(e, Some(Error::Protocol { ref server, .. }) if server == "h:1"),
            "{e:?}"
        );
        let e = decode_rows::<(i64,)>("h:1", b"<html>").err();
        assert!(matches!(e, Some(Error::Protocol { .. })), "{e:?}");
        let e = decode_rows::<(i64,)>("h:1", b"[1]").err();
        assert!(matches!(e, Some(Error::Protocol { .. })), "{e:?}");
    }

    /// Collects `(name, age)` rows, and the column names it was given.
    #[derive(Default)]
    struct Collect {
        cols: Vec<String>,
        rows: Vec<(String, Option<i64>)>,
    }

    impl RowSink for Collect {
        fn columns(&mut self, cols: &[String]) {
            self.cols = cols.to_vec();
        }

        fn row<'de, A: SeqAccess<'de>>(&mut self, mut row: A) -> std::result::Result<(), A::Error> {
            let name = row.next_element::<String>()?.unwrap_or_default();
            let age = row.next_element::<Option<i64>>()?.flatten();
            self.rows.push((name, age));
            Ok(())
        }
    }

    /// Both ways [`decode_into`] parses: from one buffer, and through the consuming reader
    /// (here over 3-byte chunks, so that tokens straddle chunks).
    const WAYS: [Decode; 2] = [decode_slice_into, decode_split_into];

    type Decode = fn(&str, &[u8], &mut Collect) -> Result<ResultInfo>;

    fn split(body: &[u8]) -> BodyChunks {
        BodyChunks::from_chunks(body.chunks(3).map(<[u8]>::to_vec))
    }

    fn decode_split_into(server: &str, body: &[u8], sink: &mut Collect) -> Result<ResultInfo> {
        decode_chunks_into(server, split(body), sink)
    }

    #[test]
    fn sink_gets_columns_then_rows() {
        for decode in WAYS {
            let body = br#"{"cols":["name","age","extra"],"rows":[["a",1,[1,{"x":2}]],["b",null,3]],"rowcount":2,"duration":0.5}"#;
            let mut sink = Collect::default();
            let info = decode("h", body, &mut sink).unwrap_or_else(|e| panic!("{e}"));
            assert_eq!(sink.cols, ["name", "age", "extra"]);
            assert_eq!(sink.rows, [("a".into(), Some(1)), ("b".into(), None)]);
            assert_eq!(
                info,
                ResultInfo {
                    cols: vec!["name".into(), "age".into(), "extra".into()],
                    rows: 2,
                    rowcount: 2,
                    duration: 0.5
                }
            );
        }
    }

    #[test]
    fn sink_rows_before_columns_are_passed_after_them() {
        for decode in WAYS {
            let body = br#"{"rows":[["a",1],["b",2]],"rowcount":2,"cols":["name","age"]}"#;
            let mut sink = Collect::default();
            let info = decode("h", body, &mut sink).unwrap_or_else(|e| panic!("{e}"));
            assert_eq!(sink.cols, ["name", "age"]);
            assert_eq!(sink.rows, [("a".into(), Some(1)), ("b".into(), Some(2))]);
            assert_eq!(info.rows, 2);
        }
    }

    #[test]
    fn sink_errors_name_row_and_column() {
        for decode in WAYS {
            let body = br#"{"cols":["name","age"],"rows":[["a",1],["b","x"]],"rowcount":2}"#;
            assert_age_not_i64(decode("h", body, &mut Collect::default()).map(drop));
            let body = br#"{"rows":[[1]],"cols":["name"]}"#;
            let e = decode("h", body, &mut Collect::default()).err();
            assert!(
                matches!(
                    e,
                    Some(Error::Decode {
                        row: 0,
                        column: Some(0),
                        ..
                    })
                ),
                "{e:?}"
            );
        }
    }

    #[test]
    fn sink_malformed_or_cut_is_protocol() {
        for decode in WAYS {
            for body in [
                &br#"{"cols":["name"],"rows":[["a"],["#[..],
                br#"{"cols":["name"],"rows":[["a""#,
                b"<html>",
            ] {
                let e = decode("h:1", body, &mut Collect::default()).err();
                assert!(
                    matches!(e, Some(Error::Protocol { ref server, .. }) if server == "h:1"),
                    "{e:?}"
                );
            }
        }
    }

    /// `message` with the digits after "column " removed.
    fn without_column(message: &str) -> String {
        match message.split_once(" column ") {
            Some((before, after)) => {
                let rest = after.trim_start_matches(|c: char| c.is_ascii_digit());
                format!("{before} column{rest}")
            }
            None => message.to_string(),
        }
    }

    #[test]
    fn reader_path_describes_failures_like_the_slice_path() {
        let long_name = "n".repeat(300);
        let long = format!(r#"{{"cols":["{long_name}"],"rows":[["a"],<]]}}"#);
        let bodies: [&[u8]; 6] = [
            br#"{"cols":["name"],"rows":[["a"],["#,
            br#"{"cols":["name"],"rows":[["a""#,
            b"<html>",
            b"[1]",
            br#"{"cols":["name"],"rows":[["a"]]} trailing"#,
            long.as_bytes(),
        ];
        for body in bodies {
            let slice = decode_slice_into("h:1", body, &mut Collect::default());
            let chunks = decode_split_into("h:1", body, &mut Collect::default());
            match (slice, chunks) {
                (
                    Err(Error::Protocol { message: a, .. }),
                    Err(Error::Protocol { message: b, .. }),
                ) => {
                    // serde_json may place a data error one column apart in a reader.
                    assert_eq!(without_column(&a), without_column(&b));
                }
                other => panic!("{other:?}"),
            }
        }
    }

    #[test]
    fn large_bodies_go_through_the_reader() {
        let row = r#"["a name that is long enough",1],"#;
        let n = CONTIGUOUS_MAX / row.len() + 10;
        let mut body = String::from(r#"{"cols":["name","age"],"rows":["#);
        for _ in 0..n {
            body.push_str(row);
        }
        body.pop();
        body.push_str("]}");
        assert!(body.len() > CONTIGUOUS_MAX);
        let mut sink = Collect::default();
        let info = decode_into("h", BodyChunks::from(body.into_bytes()), &mut sink)
            .unwrap_or_else(|e| panic!("{e}"));
        assert_eq!((info.rows, info.rowcount), (n, n as i64));
        assert_eq!(sink.rows.len(), n);
        let small = br#"{"cols":["name"],"rows":[["a"]]}"#.to_vec();
        let info = decode_into("h", BodyChunks::from(small), &mut Collect::default())
            .unwrap_or_else(|e| panic!("{e}"));
        assert_eq!(info.rows, 1);
    }
}
