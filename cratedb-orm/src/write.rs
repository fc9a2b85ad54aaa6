//! Writes outside the session's unit of work: bulk inserts ([`insert_many`]), upserts
//! ([`upsert`], `ON CONFLICT … DO UPDATE SET … / DO NOTHING`), [`update_where`] and
//! [`delete_where`] with filters, and `RETURNING`.
//!
//! These statements go straight to the [`Client`]; models they touch are not tracked.
//!
//! ```
//! use cratedb_orm::write::{insert_many, update_where};
//! use cratedb_orm::CrateModel;
//!
//! #[derive(Debug, Default, CrateModel)]
//! #[cratedb(table = "characters")]
//! struct Character {
//!     #[cratedb(primary_key)]
//!     id: String,
//!     name: Option<String>,
//!     quote: String,
//! }
//!
//! let update = update_where::<Character, _>(Character::name().eq("Arthur Dent"))
//!     .set(Character::quote(), "Don't panic");
//! let (sql, args) = update.to_sql()?;
//! assert_eq!(sql, r#"UPDATE "characters" SET "quote" = $1 WHERE "name" = $2"#);
//! assert_eq!(args, vec![serde_json::json!("Don't panic"), serde_json::json!("Arthur Dent")]);
//!
//! let mut models = vec![Character { id: "a".into(), quote: "42".into(), ..Default::default() }];
//! let upsert = insert_many(&mut models).on_conflict_update(Character::quote());
//! assert_eq!(
//!     upsert.statements()?[0].sql,
//!     r#"INSERT INTO "characters" ("id", "name", "quote") VALUES ($1, $2, $3) ON CONFLICT ("id") DO UPDATE SET "quote" = excluded."quote""#
//! );
//! # Ok::<(), cratedb_orm::Error>(())
//! ```

use std::marker::PhantomData;

use cratedb_client::Client;
use serde_json::Value;

use crate::error::FailedRow;
use crate::expr::kind::{self, Bool, ExprType};
use crate::expr::scope::Only;
use crate::expr::{n, AsExpr, Column, ColumnList, Node, Selection, N};
use crate::model_sql;
use crate::query::{write_conditions, write_list};
use crate::sql::SqlWriter;
use crate::{CrateModel, Error, Result, TableMeta};

/// Rows per bulk request by default (keeps request bodies far below CrateDB's 100 MB
/// `http.max_content_length` for ordinary rows).
pub const DEFAULT_CHUNK_ROWS: usize = 10_000;

/// What an INSERT does when a row's primary key exists already.
#[derive(Debug, Clone, PartialEq, Eq)]
enum Conflict {
    /// Fail the row (CrateDB's default; a duplicate is a failed row in a bulk request).
    Fail,
    /// `ON CONFLICT DO NOTHING`.
    DoNothing,
    /// `ON CONFLICT (pk) DO UPDATE SET c = excluded.c` for these columns.
    Update(Vec<&'static str>),
    /// The same for every inserted column outside the primary key.
    UpdateAll,
}

/// One statement of an insert with its argument rows (one per model, `bulk_args`).
#[derive(Debug, Clone, PartialEq)]
pub struct BulkStatement {
    /// The statement, with placeholders `$1..$n` for one row.
    pub sql: String,
    /// Indexes into the model's `meta().columns` of the inserted columns, in order.
    pub columns: Vec<usize>,
    /// The argument rows.
    pub rows: Vec<Vec<Value>>,
    /// For each row, the index of its model in the input.
    pub indices: Vec<usize>,
}

/// Inserts many models in bulk requests (`bulk_args`: one statement, many rows).
///
/// Client-side defaults are applied to the models first (so generated ids are visible to
/// the caller). Rows whose server-default columns (e.g. `DEFAULT now()`) are unset leave
/// those columns out, so the server fills them; rows are grouped by the columns they set.
pub fn insert_many<M: CrateModel>(models: &mut [M]) -> Insert<'_, M> {
    for model in models.iter_mut() {
        crate::client_expr::fill_client_values(model);
    }
    Insert {
        models,
        conflict: Conflict::Fail,
        chunk_rows: DEFAULT_CHUNK_ROWS,
    }
}

/// Inserts or updates many models: [`insert_many`] with
/// `ON CONFLICT (<primary key>) DO UPDATE SET <every other column> = excluded.<column>`.
pub fn upsert<M: CrateModel>(models: &mut [M]) -> Insert<'_, M> {
    insert_many(models).on_conflict_update_all()
}

/// A bulk INSERT of models, built by [`insert_many`] or [`upsert`].
pub struct Insert<'a, M> {
    models: &'a mut [M],
    conflict: Conflict,
    chunk_rows: usize,
}

impl<'a, M: CrateModel> Insert<'a, M> {
    /// Skips rows whose primary key exists already (`ON CONFLICT (pk) DO NOTHING`).
    pub fn on_conflict_do_nothing(mut self) -> Self {
        self.conflict = Conflict::DoNothing;
        self
    }

    /// Updates these columns of existing rows
    /// (`ON CONFLICT (pk) DO UPDATE SET "name" = excluded."name"`).
    pub fn on_conflict_update<C: ColumnList<M>>(mut self, columns: C) -> Self {
        let mut names = Vec::new();
        columns.push_columns(&mut names);
        self.conflict = Conflict::Update(names);
        self
    }

    /// Updates every inserted column outside the primary key of existing rows.
    pub fn on_conflict_update_all(mut self) -> Self {
        self.conflict = Conflict::UpdateAll;
        self
    }

    /// At most `rows` rows per request (default [`DEFAULT_CHUNK_ROWS`]; at least 1).
    pub fn chunk_size(mut self, rows: usize) -> Self {
        self.chunk_rows = rows.max(1);
        self
    }

    /// The models, after client-side defaults were applied.
    pub fn models(&self) -> &[M] {
        self.models
    }

    /// The bulk statements this insert sends: one per set of inserted columns, before
    /// chunking.
    pub fn statements(&self) -> Result<Vec<BulkStatement>> {
        let meta = M::meta();
        let mut statements: Vec<BulkStatement> = Vec::new();
        for (index, model) in self.models.iter().enumerate() {
            let values = model.to_values();
            let columns = inserted_columns(meta, &values);
            let row: Vec<Value> = columns
                .iter()
                .map(|&c| values.get(c).cloned().unwrap_or(Value::Null))
                .collect();
            match statements.iter_mut().find(|s| s.columns == columns) {
                Some(statement) => {
                    statement.rows.push(row);
                    statement.indices.push(index);
                }
                None => {
                    check_columns(meta, &columns)?;
                    let mut w = model_sql::bulk_insert_sql(meta, &columns);
                    write_conflict(&mut w, meta, &columns, &self.conflict)?;
                    let (sql, _) = w.finish();
                    statements.push(BulkStatement {
                        sql,
                        columns,
                        rows: vec![row],
                        indices: vec![index],
                    });
                }
            }
        }
        Ok(statements)
    }

    /// Sends the insert; returns the number of rows written (or updated).
    ///
    /// When some rows fail (e.g. a duplicate key without `ON CONFLICT`), the others are
    /// still written and the error [`Error::RowsFailed`] lists the failed rows by index.
    /// A request that fails as a whole returns its error; rows of earlier requests (see
    /// [`chunk_size`](Self::chunk_size)) stay written.
    pub fn execute(self, client: &Client) -> Result<u64> {
        let mut affected: u64 = 0;
        let mut failed = Vec::new();
        for statement in self.statements()? {
            for (rows, indices) in statement
                .rows
                .chunks(self.chunk_rows)
                .zip(statement.indices.chunks(self.chunk_rows))
            {
                let response = client.bulk(&statement.sql, rows)?;
                for (i, &index) in indices.iter().enumerate() {
                    match response.results.get(i) {
                        Some(result) if result.is_ok() => {
                            affected = affected
                                .saturating_add(u64::try_from(result.rowcount).unwrap_or(0));
                        }
                        Some(result) => failed.push(FailedRow {
                            index,
                            error: result.error.clone(),
                        }),
                        None => failed.push(FailedRow { index, error: None }),
                    }
                }
            }
        }
        if failed.is_empty() {
            Ok(affected)
        } else {
            Err(Error::RowsFailed {
                failed,
                total: self.models.len(),
            })
        }
    }

    /// Inserts with one multi-row `INSERT … VALUES (…), (…) RETURNING …` per chunk instead
    /// of bulk requests (CrateDB refuses `RETURNING` in bulk requests), returning the
    /// selected values of every inserted row.
    ///
    /// CrateDB silently skips rows with a duplicate primary key in a multi-row insert:
    /// fewer rows come back then.
    pub fn returning<S>(self, selection: S) -> InsertReturning<'a, M, S>
    where
        S: Selection,
        S::Refs: Only<M>,
    {
        let mut nodes = Vec::new();
        selection.push_selected(&mut nodes);
        InsertReturning {
            insert: self,
            returning: nodes.into_iter().map(|n| n.0).collect(),
            _selection: PhantomData,
        }
    }
}

/// An insert with `RETURNING`, built by [`Insert::returning`].
pub struct InsertReturning<'a, M, S> {
    insert: Insert<'a, M>,
    returning: Vec<N>,
    _selection: PhantomData<fn() -> S>,
}

impl<M: CrateModel, S: Selection> InsertReturning<'_, M, S> {
    /// The statements this insert sends: SQL text and arguments, chunked so that each
    /// stays under CrateDB's statement length limit.
    pub fn statements(&self) -> Result<Vec<(String, Vec<Value>)>> {
        let meta = M::meta();
        let mut out = Vec::new();
        for bulk in self.insert.statements()? {
            let Some(first) = bulk.rows.first() else {
                continue;
            };
            let width = first.len();
            let columns = &bulk.columns;
            check_columns(meta, columns)?;
            // The statement without its tuples, to cut the rows under the length limit.
            let mut fixed = SqlWriter::new();
            model_sql::write_insert_head(&mut fixed, meta, columns);
            fixed.push(" VALUES ");
            write_conflict(&mut fixed, meta, columns, &self.insert.conflict)?;
            fixed.push(" RETURNING ");
            write_list(&mut fixed, &self.returning);
            let chunks = model_sql::chunk_rows(
                bulk.rows.len(),
                width,
                fixed.sql().len(),
                model_sql::MAX_STATEMENT_LEN,
                self.insert.chunk_rows,
            );
            let mut rows = bulk.rows.iter();
            for count in chunks {
                let mut w = SqlWriter::new();
                model_sql::write_insert_head(&mut w, meta, columns);
                w.push(" VALUES ");
                for (r, row) in rows.by_ref().take(count).enumerate() {
                    if r > 0 {
                        w.push(", ");
                    }
                    w.push("(");
                    for (i, value) in row.iter().enumerate() {
                        if i > 0 {
                            w.push(", ");
                        }
                        w.param(value.clone());
                    }
                    w.push(")");
                }
                write_conflict(&mut w, meta, columns, &self.insert.conflict)?;
                w.push(" RETURNING ");
                write_list(&mut w, &self.returning);
                out.push(w.finish());
            }
        }
        Ok(out)
    }

    /// Sends the insert and decodes the returned rows.
    pub fn fetch(self, client: &Client) -> Result<Vec<S::Output>> {
        let mut rows = Vec::new();
        for (sql, args) in self.statements()? {
            let response = client.sql(&sql, &args)?;
            let cols = response.cols;
            for row in response.rows {
                rows.push(S::decode_row(&cols, row)?);
            }
        }
        Ok(rows)
    }
}

/// Indexes (into `meta.columns`) of the columns a row inserts: every writable column,
/// except server-default (and computed generated) columns the row leaves unset (`NULL`), so
/// the server fills them.
fn inserted_columns(meta: &TableMeta, values: &[Value]) -> Vec<usize> {
    meta.columns
        .iter()
        .enumerate()
        .filter(|(i, c)| {
            let left_to_server =
                c.is_filled_when_left_out() && values.get(*i).is_none_or(Value::is_null);
            !c.is_read_only() && !left_to_server
        })
        .map(|(i, _)| i)
        .collect()
}

/// A model without a column to insert cannot be inserted.
fn check_columns(meta: &TableMeta, columns: &[usize]) -> Result<()> {
    if columns.is_empty() {
        return Err(Error::InvalidQuery {
            message: format!("{} has no column to insert", meta.model),
        });
    }
    Ok(())
}

fn write_conflict(
    w: &mut SqlWriter,
    meta: &TableMeta,
    columns: &[usize],
    conflict: &Conflict,
) -> Result<()> {
    let key: Vec<&'static str> = meta
        .primary_key
        .iter()
        .filter_map(|&i| meta.columns.get(i).map(|c| c.name))
        .collect();
    let updates: Vec<&'static str> = match conflict {
        Conflict::Fail => return Ok(()),
        Conflict::DoNothing => Vec::new(),
        Conflict::Update(names) => names.clone(),
        Conflict::UpdateAll => columns
            .iter()
            .filter_map(|&i| meta.columns.get(i))
            .filter(|c| !c.primary_key)
            .map(|c| c.name)
            .collect(),
    };
    if key.is_empty() {
        if updates.is_empty() {
            w.push(" ON CONFLICT DO NOTHING");
            return Ok(());
        }
        return Err(Error::InvalidQuery {
            message: format!(
                "ON CONFLICT DO UPDATE needs a primary key, and {} has none",
                meta.model
            ),
        });
    }
    w.push(" ON CONFLICT (");
    for (i, name) in key.iter().enumerate() {
        if i > 0 {
            w.push(", ");
        }
        w.ident(name);
    }
    w.push(")");
    if updates.is_empty() {
        w.push(" DO NOTHING");
        return Ok(());
    }
    w.push(" DO UPDATE SET ");
    for (i, name) in updates.iter().enumerate() {
        if i > 0 {
            w.push(", ");
        }
        w.ident(name).push(" = ");
        N::Qualified("excluded", name).render(w);
    }
    Ok(())
}

/// An `UPDATE … SET … WHERE …` of model `M`'s table.
pub struct Update<M> {
    sets: Vec<(N, N)>,
    filters: Vec<N>,
    _model: PhantomData<fn() -> M>,
}

/// `UPDATE <table> SET … WHERE filter`: add assignments with [`Update::set`] and
/// [`Update::set_key`], more conditions with [`Update::filter`].
pub fn update_where<M: CrateModel, C>(filter: C) -> Update<M>
where
    C: AsExpr<Bool>,
    C::Refs: Only<M>,
{
    Update {
        sets: Vec::new(),
        filters: vec![n(filter)],
        _model: PhantomData,
    }
}

impl<M: CrateModel> Update<M> {
    /// `SET "column" = value`; the value may be a Rust value, a column or an expression
    /// (`Doc::rank() + 1`).
    pub fn set<T, V>(mut self, column: Column<M, T>, value: V) -> Self
    where
        T: ExprType,
        V: AsExpr<T::Kind>,
        V::Refs: Only<M>,
    {
        self.sets.push((N::Column(column.name()), n(value)));
        self
    }

    /// `SET "column"['a']['b'] = value`: one key of an object column.
    pub fn set_key<T, K, V>(mut self, column: Column<M, T>, path: K, value: V) -> Self
    where
        T: ExprType<Kind = kind::Object>,
        K: IntoIterator,
        K::Item: Into<String>,
        V: AsExpr<kind::Json>,
        V::Refs: Only<M>,
    {
        let mut target = N::Column(column.name());
        for key in path {
            target = N::Subscript(Box::new(target), key.into());
        }
        self.sets.push((target, n(value)));
        self
    }

    /// Adds a `WHERE` condition (joined with `AND`).
    pub fn filter<C>(mut self, condition: C) -> Self
    where
        C: AsExpr<Bool>,
        C::Refs: Only<M>,
    {
        self.filters.push(n(condition));
        self
    }

    fn render(&self, w: &mut SqlWriter) -> Result<()> {
        qualify_for_subqueries(w, &self.filters);
        if self.sets.is_empty() {
            return Err(Error::InvalidQuery {
                message: format!("UPDATE of {} sets nothing", M::meta().model),
            });
        }
        w.push("UPDATE ")
            .push(&M::meta().qualified_name())
            .push(" SET ");
        for (i, (target, value)) in self.sets.iter().enumerate() {
            if i > 0 {
                w.push(", ");
            }
            target.render(w);
            w.push(" = ");
            value.render(w);
        }
        write_conditions(w, " WHERE ", &self.filters);
        Ok(())
    }

    /// The statement: SQL text and arguments; an error when nothing is set.
    pub fn to_sql(&self) -> Result<(String, Vec<Value>)> {
        let mut w = SqlWriter::new();
        self.render(&mut w)?;
        Ok(w.finish())
    }

    /// Sends the update; returns the number of rows updated.
    pub fn execute(self, client: &Client) -> Result<u64> {
        let (sql, args) = self.to_sql()?;
        let response = client.sql(&sql, &args)?;
        Ok(u64::try_from(response.rowcount).unwrap_or(0))
    }

    /// Adds `RETURNING …`: the selected values of every updated row.
    pub fn returning<S>(self, selection: S) -> Returning<Self, S>
    where
        S: Selection,
        S::Refs: Only<M>,
    {
        Returning::new(self, selection)
    }
}

/// A `DELETE FROM … WHERE …` of model `M`'s table.
pub struct Delete<M> {
    filters: Vec<N>,
    _model: PhantomData<fn() -> M>,
}

/// `DELETE FROM <table> WHERE filter`; more conditions with [`Delete::filter`].
pub fn delete_where<M: CrateModel, C>(filter: C) -> Delete<M>
where
    C: AsExpr<Bool>,
    C::Refs: Only<M>,
{
    Delete {
        filters: vec![n(filter)],
        _model: PhantomData,
    }
}

impl<M: CrateModel> Delete<M> {
    /// Adds a `WHERE` condition (joined with `AND`).
    pub fn filter<C>(mut self, condition: C) -> Self
    where
        C: AsExpr<Bool>,
        C::Refs: Only<M>,
    {
        self.filters.push(n(condition));
        self
    }

    /// The statement: SQL text and arguments.
    pub fn to_sql(&self) -> (String, Vec<Value>) {
        let mut w = SqlWriter::new();
        qualify_for_subqueries(&mut w, &self.filters);
        w.push("DELETE FROM ").push(&M::meta().qualified_name());
        write_conditions(&mut w, " WHERE ", &self.filters);
        w.finish()
    }

    /// Sends the delete; returns the number of rows deleted.
    pub fn execute(self, client: &Client) -> Result<u64> {
        let (sql, args) = self.to_sql();
        let response = client.sql(&sql, &args)?;
        Ok(u64::try_from(response.rowcount).unwrap_or(0))
    }
}

/// `DELETE FROM <table> WHERE filter` where `filter` references only the table's partition
/// columns (`PARTITIONED BY`): CrateDB then drops every partition the condition holds for,
/// whole, without looking at rows (fast, and no empty partitions left behind), e.g. the
/// retention of a time-series table: `delete_partitions::<Reading, _>(Reading::day().lt(cutoff))`.
///
/// A condition on any other column is an error here: CrateDB would delete row by row and
/// leave emptied partitions in place (use [`delete_where`] for that).
///
/// ```
/// use cratedb_orm::{write, CrateModel, TimestampTz};
///
/// #[derive(CrateModel)]
/// #[cratedb(table = "readings", partitioned_by("day"))]
/// struct Reading {
///     #[cratedb(primary_key)]
///     device_id: String,
///     #[cratedb(primary_key)]
///     ts: TimestampTz,
///     #[cratedb(primary_key, generated = "date_trunc('day', ts)")]
///     day: Option<TimestampTz>,
/// }
///
/// let cutoff = TimestampTz(1_767_225_600_000);
/// let drop = write::delete_partitions::<Reading, _>(Reading::day().lt(cutoff))?;
/// assert_eq!(drop.to_sql().0, r#"DELETE FROM "readings" WHERE "day" < $1"#);
/// assert!(write::delete_partitions::<Reading, _>(Reading::ts().lt(cutoff)).is_err());
/// # Ok::<(), cratedb_orm::Error>(())
/// ```
pub fn delete_partitions<M: CrateModel, C>(filter: C) -> Result<PartitionDelete<M>>
where
    C: AsExpr<Bool>,
    C::Refs: Only<M>,
{
    let meta = M::meta();
    let filter = n(filter);
    let mut columns = Vec::new();
    filter.for_each_column(&mut |c| columns.push(c));
    let others: Vec<&str> = columns
        .iter()
        .copied()
        .filter(|c| !meta.partitioned_by.contains(c))
        .collect();
    if meta.partitioned_by.is_empty() || columns.is_empty() || !others.is_empty() {
        return Err(Error::InvalidQuery {
            message: format!(
                "delete_partitions needs a condition on the partition columns of {} only ({}); \
                 it references {}: CrateDB would delete row by row (use delete_where)",
                meta.model,
                if meta.partitioned_by.is_empty() {
                    "it is not partitioned".to_owned()
                } else {
                    meta.partitioned_by.join(", ")
                },
                if columns.is_empty() {
                    "no column".to_owned()
                } else {
                    columns.join(", ")
                }
            ),
        });
    }
    Ok(PartitionDelete {
        delete: Delete {
            filters: vec![filter],
            _model: PhantomData,
        },
    })
}

/// A delete of whole partitions (see [`delete_partitions`]).
pub struct PartitionDelete<M> {
    delete: Delete<M>,
}

impl<M: CrateModel> PartitionDelete<M> {
    /// The statement: SQL text and arguments.
    pub fn to_sql(&self) -> (String, Vec<Value>) {
        self.delete.to_sql()
    }

    /// Sends the delete. CrateDB drops the partitions without counting their rows (it answers
    /// `rowcount: -1`); [`reflect::partitions_of`](crate::reflect::partitions_of) lists them
    /// with their rows beforehand.
    pub fn execute(self, client: &Client) -> Result<()> {
        let (sql, args) = self.to_sql();
        client.sql(&sql, &args)?;
        Ok(())
    }
}

/// Writes columns table-qualified when a condition has a subquery (a correlated one names
/// this table's columns, and its own).
fn qualify_for_subqueries(w: &mut SqlWriter, filters: &[N]) {
    if filters.iter().any(N::has_subquery) {
        w.qualify_columns(true);
    }
}

/// A statement with `RETURNING …` (see [`Update::returning`]).
pub struct Returning<W, S> {
    statement: W,
    returning: Vec<N>,
    _selection: PhantomData<fn() -> S>,
}

impl<W, S: Selection> Returning<W, S> {
    fn new(statement: W, selection: S) -> Self {
        let mut nodes: Vec<Node> = Vec::new();
        selection.push_selected(&mut nodes);
        Returning {
            statement,
            returning: nodes.into_iter().map(|n| n.0).collect(),
            _selection: PhantomData,
        }
    }
}

impl<M: CrateModel, S: Selection> Returning<Update<M>, S> {
    /// The statement: SQL text and arguments.
    pub fn to_sql(&self) -> Result<(String, Vec<Value>)> {
        let mut w = SqlWriter::new();
        self.statement.render(&mut w)?;
        w.push(" RETURNING ");
        write_list(&mut w, &self.returning);
        Ok(w.finish())
    }

    /// Sends the statement and decodes the returned rows.
    pub fn fetch(self, client: &Client) -> Result<Vec<S::Output>> {
        let (sql, args) = self.to_sql()?;
        let response = client.sql(&sql, &args)?;
        let cols = response.cols;
        response
            .rows
            .into_iter()
            .map(|row| S::decode_row(&cols, row))
            .collect()
    }
}
