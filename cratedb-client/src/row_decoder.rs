//! Decodes a regular answer straight into [`Rows<T>`]: each row (a JSON array) is deserialized
//! into `T` (a tuple, a struct in serde's sequence form, a `Vec`, …) as the body is parsed, with
//! no `serde_json::Value` per row. A row that does not fit reports its row and column.

use std::cell::RefCell;
use std::fmt;
use std::marker::PhantomData;

use serde::de::value::SeqAccessDeserializer;
use serde::de::{DeserializeOwned, DeserializeSeed, IgnoredAny, MapAccess, SeqAccess, Visitor};
use serde::Deserializer;

use crate::wire::parse_failure;
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
    let cols = RefCell::new(Vec::new());
    let mut de = serde_json::Deserializer::from_slice(body);
    let seed = ResponseSeed::<T> {
        failure: &failure,
        cols: &cols,
        _t: PhantomData,
    };
    let result = seed
        .deserialize(&mut de)
        .and_then(|rows| de.end().map(|()| rows));
    match result {
        Ok(rows) => Ok(rows),
        // A body cut short or not JSON is the server's fault, even when it breaks inside a
        // row: a protocol error naming the server, not a decode error.
        Err(e) if !e.is_data() => Err(Error::Protocol {
            server: server.to_string(),
            message: parse_failure(body, &e),
        }),
        Err(e) => match failure.into_inner() {
            Some(f) => {
                let column_name = f.column.and_then(|c| cols.borrow().get(c).cloned());
                Err(Error::Decode {
                    row: f.row,
                    column: f.column,
                    column_name,
                    message: f.message,
                })
            }
            None => Err(Error::Protocol {
                server: server.to_string(),
                message: parse_failure(body, &e),
            }),
        },
    }
}

struct ResponseSeed<'c, T> {
    failure: &'c RefCell<Option<Failure>>,
    cols: &'c RefCell<Vec<String>>,
    _t: PhantomData<fn() -> T>,
}

impl<'de, T: DeserializeOwned> DeserializeSeed<'de> for ResponseSeed<'_, T> {
    type Value = Rows<T>;

    fn deserialize<D: Deserializer<'de>>(self, d: D) -> std::result::Result<Rows<T>, D::Error> {
        d.deserialize_map(self)
    }
}

impl<'de, T: DeserializeOwned> Visitor<'de> for ResponseSeed<'_, T> {
    type Value = Rows<T>;

    fn expecting(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("a CrateDB response object")
    }

    fn visit_map<M: MapAccess<'de>>(self, mut map: M) -> std::result::Result<Rows<T>, M::Error> {
        let mut rows = Vec::new();
        let mut rowcount = None;
        let mut duration = 0.0;
        while let Some(key) = map.next_key::<std::borrow::Cow<'de, str>>()? {
            match key.as_ref() {
                "cols" => *self.cols.borrow_mut() = map.next_value()?,
                "rows" => {
                    rows = map.next_value_seed(RowsSeed::<T> {
                        failure: self.failure,
                        _t: PhantomData,
                    })?
                }
                "rowcount" => rowcount = Some(map.next_value()?),
                "duration" => duration = map.next_value()?,
                _ => {
                    map.next_value::<IgnoredAny>()?;
                }
            }
        }
        let rowcount = rowcount.unwrap_or(rows.len() as i64);
        Ok(Rows {
            cols: self.cols.borrow().clone(),
            rows,
            rowcount,
            duration,
        })
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

    #[test]
    fn decode_error_names_row_and_column() {
        let body = br#"{"cols":["name","age"],"rows":[["a",1],["b","x"]],"rowcount":2}"#;
        let e = decode_rows::<(String, i64)>("h", body).err();
        match e {
            Some(Error::Decode {
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
}
