//! Raw SQL: your statement text with bound parameters (`$1`, `$2`, …), its rows mapped
//! into models (tracked by a session, or not) or tuples.
//!
//! ```
//! use cratedb_orm::raw::raw;
//! let q = raw("SELECT name FROM characters WHERE details['age'] > $1 AND name LIKE $2")
//!     .bind(40)
//!     .bind("A%");
//! assert_eq!(q.args(), &[serde_json::json!(40), serde_json::json!("A%")]);
//! ```

use cratedb_client::{Client, SqlResponse};
use serde_json::Value;

use crate::expr::{FromRow, ToSqlValue};
use crate::{CrateModel, Error, Handle, Result, RowLayout, Session};

/// A raw SQL statement with its bound arguments.
#[derive(Debug, Clone, PartialEq)]
pub struct Raw {
    sql: String,
    args: Vec<Value>,
}

/// A raw SQL statement; bind its `$n` parameters in order with [`Raw::bind`].
pub fn raw(sql: impl Into<String>) -> Raw {
    Raw {
        sql: sql.into(),
        args: Vec::new(),
    }
}

impl Raw {
    /// Binds the next parameter.
    pub fn bind<V: ToSqlValue>(mut self, value: V) -> Self {
        self.args.push(value.to_sql_value());
        self
    }

    /// Binds several parameters, in order.
    pub fn bind_all<I>(mut self, values: I) -> Self
    where
        I: IntoIterator,
        I::Item: ToSqlValue,
    {
        self.args
            .extend(values.into_iter().map(|v| v.to_sql_value()));
        self
    }

    /// The statement text.
    pub fn sql(&self) -> &str {
        &self.sql
    }

    /// The bound arguments.
    pub fn args(&self) -> &[Value] {
        &self.args
    }

    /// Sends the statement; returns CrateDB's response as is.
    pub fn response(&self, client: &Client) -> Result<SqlResponse> {
        Ok(client.sql(&self.sql, &self.args)?)
    }

    /// Sends the statement; returns the row count (rows affected or returned; -1 when
    /// CrateDB cannot tell).
    pub fn execute(&self, client: &Client) -> Result<i64> {
        Ok(self.response(client)?.rowcount)
    }

    /// Sends the statement and decodes each row by position into `R`: a tuple of
    /// decodable types (`(String, Option<i64>)`), or `Vec<Value>`.
    pub fn fetch<R: FromRow>(&self, client: &Client) -> Result<Vec<R>> {
        decode_rows(self.response(client)?)
    }

    /// Sends the statement and decodes each row into a model, by column name; the models
    /// are not tracked.
    pub fn fetch_models<M: CrateModel>(&self, client: &Client) -> Result<Vec<M>> {
        decode_models(self.response(client)?)
    }

    /// Sends the statement and decodes each row into a model tracked by `session` (a row
    /// the session already tracks keeps its in-session state).
    pub fn track<M: CrateModel>(&self, session: &mut Session) -> Result<Vec<Handle<M>>> {
        let response = self.response(session.client())?;
        session.track_rows::<M>(response)
    }
}

/// Decodes every row of `response` by position into `R`.
pub fn decode_rows<R: FromRow>(response: SqlResponse) -> Result<Vec<R>> {
    let cols = response.cols;
    response
        .rows
        .into_iter()
        .map(|row| {
            if let Some(width) = R::WIDTH {
                if row.len() != width {
                    return Err(Error::Decode {
                        column: cols.join(", "),
                        expected: format!("a row of {width} values"),
                        found: format!("{} values", row.len()),
                    });
                }
            }
            R::from_row(&cols, row)
        })
        .collect()
}

/// Decodes every row of `response` into a model of type `M`, by column name.
pub fn decode_models<M: CrateModel>(response: SqlResponse) -> Result<Vec<M>> {
    let layout = RowLayout::new(M::meta(), &response.cols);
    response
        .rows
        .into_iter()
        .map(|mut row| M::from_row(&layout, &mut row))
        .collect()
}
