//! The [`Session`]: a unit of work that tracks models and flushes minimal, batched writes.
//!
//! # How it works
//! The session owns the models it tracks and hands out [`Handle`]s. When a model is first
//! borrowed mutably (`session[h]` in a mutable place, or [`get_mut`](Session::get_mut)), the
//! session keeps a copy of its last state known to be in the database (copy on write: models
//! only read cost nothing extra). On [`commit`](Session::commit) it compares each changed model
//! with that copy, column by column with typed comparisons, and sends only what changed:
//!
//! - new models: one `bulk_args` INSERT per table and column set, or — when the table has
//!   server-generated values (`_id`, `DEFAULT now()`, generated columns) — one multi-row
//!   `INSERT … VALUES (…), (…) RETURNING …` (CrateDB refuses `RETURNING` in bulk requests),
//!   whose returned values are stored on the models;
//! - changed models: one UPDATE each, with only the changed columns and, for `OBJECT`
//!   columns, only the changed keys (`SET "details"['species'] = $1`; deleted keys are set to
//!   `NULL`); UPDATEs of the same SQL shape across models travel in ONE bulk request;
//! - deleted models: one bulk DELETE per table.
//!
//! # No transactions
//! CrateDB has no transactions: every row write is atomic on its own, and a commit is a
//! sequence of requests. If a request fails, the rows it carried and every later row stay
//! pending in the session, and [`Error::Commit`] says what landed and what did not. Call
//! `commit` again to retry the pending writes, or [`rollback`](Session::rollback) to drop
//! them (rollback restores the models to their last known database state; it cannot undo
//! rows that already landed).
//!
//! ```
//! use cratedb_orm::{object, Client, CrateModel, Object, Session};
//!
//! #[derive(CrateModel, Debug, Default)]
//! #[cratedb(table = "characters")]
//! struct Character {
//!     #[cratedb(primary_key)]
//!     id: String,
//!     name: String,
//!     details: Object,
//! }
//!
//! let mut session = Session::new(Client::new("crate://localhost:4200")?); // does not connect
//! let arthur = session.attach(Character {
//!     id: "a1".into(),
//!     name: "Arthur Dent".into(),
//!     details: object! { "species": "human" },
//! });
//! session[arthur].details.set("species", "Betelgeusian");
//! let next = session.pending_statements();
//! assert_eq!(next[0].sql, r#"UPDATE "characters" SET "details"['species'] = $1 WHERE "id" = $2"#);
//! assert!(session.is_pending(arthur));
//! # Ok::<(), cratedb_orm::Error>(())
//! ```
//!
//! Generated columns are computed by CrateDB: after an UPDATE of the columns they derive from,
//! the model holds the old value until [`reload`](Session::reload).

mod batch;
mod commit;
mod commit_error;
mod diff;
mod entry;
mod erased;
mod handle;
mod key;
pub(crate) mod load_sink;
mod matching;
mod outcome;
mod paths;
mod plan;
mod progress;
mod send;
mod settle;
mod statement;
mod table;
mod targets;

use std::any::TypeId;
use std::ops::{Index, IndexMut};
use std::sync::atomic::{AtomicU64, Ordering};

use cratedb_client::{Client, SqlResponse};
use serde_json::Value;

pub use commit_error::{CommitError, RowFailure, RowFailureCause, WriteKind};
pub use diff::{apply_path, diff_objects};
pub use handle::Handle;
pub use key::{KeyPart, PrimaryKey};
pub use progress::CommitProgress;
pub use statement::{Statement, StatementArgs};

use erased::ErasedTable;
use plan::Limits;
use table::Table;

use crate::expr::kind::{self, ExprType};
use crate::expr::Column;
use crate::{CrateModel, CrateType, Error, Result, RowLayout};

/// Renders a model read, given the model columns to read as NULL.
pub(crate) type RenderRead<'a> = dyn Fn(&[usize]) -> (String, Vec<Value>) + 'a;

/// Sends a model read through a session.
pub(crate) type RunRead<'a, T> = dyn FnMut(&mut Session, &str, &[Value]) -> Result<T> + 'a;

/// Source of session ids (handles carry the id of their session).
static NEXT_SESSION: AtomicU64 = AtomicU64::new(1);

/// A unit of work over a [`Client`]: tracks added and loaded models and writes their changes
/// on [`commit`](Session::commit).
///
/// Sessions are cheap: create one per unit of work over a shared (cloned) client. A session
/// is `Send`, not `Sync` (use one per thread).
pub struct Session {
    /// This session's id, carried by its handles.
    id: u64,
    client: Client,
    tables: Vec<Box<dyn ErasedTable>>,
    /// The model type of each table, in `tables` order (a session has few tables: a scan
    /// beats hashing on every access).
    by_type: Vec<TypeId>,
    limits: Limits,
    /// Whether a model query may read columns its table lacks as NULL.
    missing_as_null: bool,
    /// Per model type: the columns found missing from its table, read as NULL.
    nulls: Vec<(TypeId, Vec<usize>)>,
}

impl std::fmt::Debug for Session {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Session")
            .field("client", &self.client)
            .field("tables", &self.tables.len())
            .finish()
    }
}

/// Default most rows per bulk request or multi-row INSERT.
pub const DEFAULT_BATCH_SIZE: usize = 10_000;

/// Default longest multi-row INSERT statement, under CrateDB's `statement_max_length`
/// (262144 characters).
pub const DEFAULT_MAX_STATEMENT_LEN: usize = crate::model_sql::MAX_STATEMENT_LEN;

impl Session {
    /// A session over `client` (clone a shared client; clones share connections and server
    /// state).
    pub fn new(client: Client) -> Self {
        Session {
            id: NEXT_SESSION.fetch_add(1, Ordering::Relaxed),
            client,
            tables: Vec::new(),
            by_type: Vec::new(),
            limits: Limits {
                batch_size: DEFAULT_BATCH_SIZE,
                max_statement_len: DEFAULT_MAX_STATEMENT_LEN,
                in_flight: 1,
            },
            missing_as_null: false,
            nulls: Vec::new(),
        }
    }

    /// Sets the most rows sent in one bulk request or multi-row INSERT (default 10,000).
    pub fn with_batch_size(mut self, rows: usize) -> Self {
        self.limits.batch_size = rows.max(1);
        self
    }

    /// Sets how many requests of a commit may be under way at once (default 1: each request
    /// is answered before the next is sent). Batches of the same table and kind of write
    /// (e.g. the 10,000-row chunks of a large insert) then go side by side, each from a
    /// thread of its own, which the client spreads over its servers round-robin; writes of
    /// another kind wait until those are answered, and every answer is settled as before
    /// (a failed commit keeps each row landed or pending with its cause). Worth it against a
    /// cluster: on a 3-node cluster 3 in flight raised a 1,000,000-row commit from 30,400 to
    /// about 50,000 rows/s; on one node it gained little. Memory grows by one serialized
    /// request body per extra request in flight.
    ///
    /// ```
    /// # use cratedb_orm::{Client, Session};
    /// let session = Session::new(Client::new("crate://h1:4200,h2:4200,h3:4200")?).with_requests_in_flight(3);
    /// # Ok::<(), cratedb_orm::Error>(())
    /// ```
    pub fn with_requests_in_flight(mut self, requests: usize) -> Self {
        self.limits.in_flight = requests.max(1);
        self
    }

    /// Sets the longest multi-row INSERT statement text (default 200,000 characters).
    pub fn with_max_statement_len(mut self, chars: usize) -> Self {
        self.limits.max_statement_len = chars;
        self
    }

    /// Reads a model's `Option` columns that its table does not have yet as NULL (`None`),
    /// instead of failing with [`Error::MissingColumn`]: for an application that already
    /// has a new field while the migration that adds its column has not run.
    ///
    /// A model query (`query::<M>()` returning models, `find`, `reload`) that CrateDB
    /// answers with `[4043] ColumnUnknownException[Column battery_pct unknown]` for such a
    /// column is sent again with `NULL AS "battery_pct"` in its place; the session
    /// remembers the column for that model and reads it so from then on (a new session
    /// looks again, so use one per unit of work). Only top-level `Option` columns outside
    /// the primary key qualify; a query that filters or sorts on the missing column, or
    /// selects it explicitly, still fails with [`Error::MissingColumn`]. Writes are not
    /// changed: an INSERT of the model names the column, which a strict table refuses
    /// (and a dynamic one adds with a type guessed from the value).
    ///
    /// ```
    /// # use cratedb_orm::{Client, Session};
    /// let session = Session::new(Client::new("crate://localhost:4200")?).read_missing_columns_as_null(true);
    /// # Ok::<(), cratedb_orm::Error>(())
    /// ```
    pub fn read_missing_columns_as_null(mut self, on: bool) -> Self {
        self.missing_as_null = on;
        self
    }

    /// The columns of `M` this session reads as NULL (found missing from its table).
    fn null_columns<M: CrateModel>(&self) -> Vec<usize> {
        let id = TypeId::of::<M>();
        self.nulls
            .iter()
            .find(|(t, _)| *t == id)
            .map(|(_, n)| n.clone())
            .unwrap_or_default()
    }

    /// Runs a model read: `render` gives its statement for the columns read as NULL, `run`
    /// sends it. CrateDB's 4043 about a column of `M` becomes [`Error::MissingColumn`], or,
    /// with [`read_missing_columns_as_null`](Session::read_missing_columns_as_null) and an
    /// `Option` column, a retry reading it as NULL.
    pub(crate) fn read_models<M: CrateModel, T>(
        &mut self,
        render: &RenderRead<'_>,
        run: &mut RunRead<'_, T>,
    ) -> Result<T> {
        loop {
            let nulls = self.null_columns::<M>();
            let (sql, args) = render(&nulls);
            let err = match run(self, &sql, &args) {
                Ok(value) => return Ok(value),
                Err(err) => err,
            };
            let retry = self
                .missing_as_null
                .then(|| crate::missing_column::nullable_column::<M>(&err))
                .flatten()
                .filter(|index| !nulls.contains(index));
            let Some(index) = retry else {
                return Err(crate::missing_column::explain::<M>(err));
            };
            let id = TypeId::of::<M>();
            match self.nulls.iter_mut().find(|(t, _)| *t == id) {
                Some((_, columns)) => columns.push(index),
                None => self.nulls.push((id, vec![index])),
            }
        }
    }

    /// The client this session sends its statements with.
    pub fn client(&self) -> &Client {
        &self.client
    }

    fn table_index<M: CrateModel>(&self) -> Option<usize> {
        let id = TypeId::of::<M>();
        self.by_type.iter().position(|t| *t == id)
    }

    fn table<M: CrateModel>(&self) -> Option<&Table<M>> {
        let t = self.table_index::<M>()?;
        self.tables.get(t)?.as_any().downcast_ref()
    }

    fn table_mut<M: CrateModel>(&mut self) -> &mut Table<M> {
        let t = match self.table_index::<M>() {
            Some(t) => t,
            None => {
                self.tables.push(Box::new(Table::<M>::new()));
                self.by_type.push(TypeId::of::<M>());
                self.tables.len() - 1
            }
        };
        // The slot at `t` holds a `Table<M>` by construction of `by_type`.
        match self
            .tables
            .get_mut(t)
            .and_then(|b| b.as_any_mut().downcast_mut::<Table<M>>())
        {
            Some(table) => table,
            None => unreachable_table::<M>(),
        }
    }

    /// Tracks a new model; it is inserted by the next [`commit`](Session::commit).
    /// Client-side defaults (`#[cratedb(default = …)]`) are applied now, so generated ids
    /// are visible at once.
    pub fn add<M: CrateModel>(&mut self, model: M) -> Handle<M> {
        let id = self.id;
        Handle::new(id, self.table_mut::<M>().add(model))
    }

    /// Tracks several new models.
    pub fn add_all<M: CrateModel>(
        &mut self,
        models: impl IntoIterator<Item = M>,
    ) -> Vec<Handle<M>> {
        let id = self.id;
        let table = self.table_mut::<M>();
        let models = models.into_iter();
        table.reserve(models.size_hint().0);
        models.map(|m| Handle::new(id, table.add(m))).collect()
    }

    /// Tracks a model that is known to be in the database as it is, without reading it
    /// (e.g. built from data you loaded yourself); its changes from now on are written by
    /// the next commit. A row already tracked keeps its in-session state and handle.
    /// Versioned models attached this way have no known version: load them instead.
    pub fn attach<M: CrateModel>(&mut self, model: M) -> Handle<M> {
        let id = self.id;
        Handle::new(id, self.table_mut::<M>().attach(model))
    }

    /// The entry behind `handle`, if it is a handle of this session.
    fn entry<M: CrateModel>(&self, handle: Handle<M>) -> Option<&entry::Entry<M>> {
        if handle.session != self.id {
            return None;
        }
        self.table::<M>()?.entry(handle.index)
    }

    /// The index behind `handle`, if it is a handle of this session.
    fn own<M>(&self, handle: Handle<M>) -> Option<usize> {
        (handle.session == self.id).then_some(handle.index)
    }

    /// The model behind `handle` (`None` for a handle of another session, or of a model
    /// [taken](Session::take) out).
    pub fn get<M: CrateModel>(&self, handle: Handle<M>) -> Option<&M> {
        self.entry(handle)
            .filter(|e| e.is_readable())
            .map(entry::Entry::model)
    }

    /// The model behind `handle`, to change it; changes are written by the next commit
    /// (`None` for a handle of another session, or of a model taken out).
    pub fn get_mut<M: CrateModel>(&mut self, handle: Handle<M>) -> Option<&mut M> {
        let index = self.own(handle)?;
        self.entry(handle).filter(|e| e.is_readable())?;
        self.table_mut::<M>().touch(index)
    }

    /// Every model of type `M` the session tracks (new, loaded, changed or marked for
    /// deletion; not detached or taken), with its handle, in the order the session met them.
    ///
    /// ```
    /// use cratedb_orm::{Client, CrateModel, Session};
    ///
    /// #[derive(CrateModel, Debug, Default)]
    /// #[cratedb(table = "characters")]
    /// struct Character {
    ///     #[cratedb(primary_key)]
    ///     id: String,
    ///     name: String,
    /// }
    ///
    /// let mut session = Session::new(Client::new("crate://localhost:4200")?); // does not connect
    /// session.attach(Character { id: "a1".into(), name: "Arthur".into() });
    /// session.add(Character { id: "t1".into(), name: "Trillian".into() });
    /// let names: Vec<&str> = session.iter::<Character>().map(|(_, c)| c.name.as_str()).collect();
    /// assert_eq!(names, ["Arthur", "Trillian"]);
    /// # Ok::<(), cratedb_orm::Error>(())
    /// ```
    pub fn iter<M: CrateModel>(&self) -> impl Iterator<Item = (Handle<M>, &M)> + '_ {
        let id = self.id;
        self.table::<M>()
            .map(|t| t.entries())
            .unwrap_or_default()
            .iter()
            .enumerate()
            .filter(|(_, e)| e.is_tracked())
            .map(move |(index, e)| (Handle::new(id, index), e.model()))
    }

    /// Moves a model out of the session and returns it (owned): the session no longer
    /// tracks it, does not write its pending changes, and forgets its row (a later query of
    /// the row gives a new handle); `handle` then reads nothing (`get` gives `None`). `None`
    /// for a handle of another session or a model taken already.
    ///
    /// ```
    /// use cratedb_orm::{Client, CrateModel, Session};
    ///
    /// #[derive(CrateModel, Debug, Default, PartialEq)]
    /// #[cratedb(table = "characters")]
    /// struct Character {
    ///     #[cratedb(primary_key)]
    ///     id: String,
    ///     name: String,
    /// }
    ///
    /// let mut session = Session::new(Client::new("crate://localhost:4200")?); // does not connect
    /// let h = session.attach(Character { id: "a1".into(), name: "Arthur".into() });
    /// let arthur: Character = session.take(h).expect("tracked");
    /// assert_eq!(arthur.name, "Arthur");
    /// assert!(session.get(h).is_none());
    /// assert!(session.pending_statements().is_empty());
    /// # Ok::<(), cratedb_orm::Error>(())
    /// ```
    pub fn take<M: CrateModel>(&mut self, handle: Handle<M>) -> Option<M> {
        let index = self.own(handle)?;
        self.table_mut::<M>().untrack(index, true)
    }

    /// Stops tracking a model and returns a copy of it (SQLAlchemy's `expunge`): the session
    /// does not write its pending changes and forgets its row (a later query of the row gives
    /// a new handle), while `handle` still reads the model as it is. `None` for a handle of
    /// another session or a model taken out.
    pub fn detach<M: CrateModel + Clone>(&mut self, handle: Handle<M>) -> Option<M> {
        let index = self.own(handle)?;
        let model = self.get(handle).cloned()?;
        self.table_mut::<M>().untrack(index, false);
        Some(model)
    }

    /// Sets one column of a tracked model and records the change: the next commit writes
    /// exactly `SET "column" = $1` for it, without a copy of the model kept to compare
    /// against (the cheapest way to change many loaded models; see the
    /// [module docs](self)). Otherwise the same as assigning through
    /// [`get_mut`](Session::get_mut); [`rollback`](Session::rollback) puts the old value back.
    ///
    /// # Errors
    /// [`Error::Encode`] for a primary-key column of a model in the database, a read-only
    /// (generated or fetched) column, a value that does not fit, or a handle of another
    /// session. Nothing changes then.
    pub fn set<M: CrateModel, T: CrateType>(
        &mut self,
        handle: Handle<M>,
        column: Column<M, T>,
        value: impl Into<T>,
    ) -> Result<()> {
        let index = column_index::<M>(column.name())?;
        let value = value.into().to_value();
        let entry = self.own(handle).ok_or_else(|| foreign(column.name()))?;
        self.table_mut::<M>()
            .set_path::<&str>(entry, index, &[], value)
    }

    /// Sets the value at a key path of an OBJECT column of a tracked model (`&["species"]`,
    /// or `&["address", "city"]` for a nested key) and records the change: the next commit
    /// writes exactly `SET "details"['species'] = $1` for it, without a copy of the model
    /// kept to compare against. Missing intermediate objects are created; a NULL object
    /// becomes one holding the path (and the whole column is written).
    ///
    /// ```
    /// use cratedb_orm::{object, Client, CrateModel, Object, Session};
    ///
    /// #[derive(CrateModel, Debug, Default)]
    /// #[cratedb(table = "characters")]
    /// struct Character {
    ///     #[cratedb(primary_key)]
    ///     id: String,
    ///     details: Object,
    /// }
    ///
    /// let mut session = Session::new(Client::new("crate://localhost:4200")?); // does not connect
    /// let arthur = session.attach(Character { id: "a1".into(), details: object! { "species": "human" } });
    /// session.set_key(arthur, Character::details(), &["species"], "Betelgeusian")?;
    /// assert_eq!(session[arthur].details["species"], "Betelgeusian");
    /// let next = session.pending_statements();
    /// assert_eq!(next[0].sql, r#"UPDATE "characters" SET "details"['species'] = $1 WHERE "id" = $2"#);
    /// # Ok::<(), cratedb_orm::Error>(())
    /// ```
    ///
    /// # Errors
    /// [`Error::Encode`] when the path is empty or crosses a value that is not an object,
    /// or as for [`set`](Session::set). Nothing changes then.
    pub fn set_key<M, T, S, V>(
        &mut self,
        handle: Handle<M>,
        column: Column<M, T>,
        path: &[S],
        value: V,
    ) -> Result<()>
    where
        M: CrateModel,
        T: ExprType<Kind = kind::Object>,
        S: AsRef<str>,
        V: Into<Value>,
    {
        if path.is_empty() {
            return Err(Error::Encode {
                column: column.name().to_owned(),
                message: "the key path is empty".to_owned(),
            });
        }
        let index = column_index::<M>(column.name())?;
        let entry = self.own(handle).ok_or_else(|| foreign(column.name()))?;
        self.table_mut::<M>()
            .set_path(entry, index, path, value.into())
    }

    /// Whether the model is tracked and in the database (inserted or loaded, not deleted).
    pub fn is_persistent<M: CrateModel>(&self, handle: Handle<M>) -> bool {
        self.entry(handle).is_some_and(entry::Entry::is_persistent)
    }

    /// Whether the next commit would write this model (new, changed or deleted).
    pub fn is_pending<M: CrateModel>(&self, handle: Handle<M>) -> bool {
        self.entry(handle).is_some_and(entry::Entry::is_pending)
    }

    /// Marks a model for deletion (a new, never inserted model is simply dropped).
    pub fn delete<M: CrateModel>(&mut self, handle: Handle<M>) {
        if let Some(index) = self.own(handle) {
            self.table_mut::<M>().delete(index);
        }
    }

    /// The requests the next commit would send, without sending anything: the statements
    /// and arguments are built by the same code that builds what a commit sends. (A commit
    /// may send more: follow-ups that an answer calls for, such as rows a multi-row INSERT
    /// skipped, sent again one by one to learn why.)
    pub fn pending_statements(&self) -> Vec<Statement> {
        let mut statements = Vec::new();
        for table in &self.tables {
            let plan = table.plan(self.limits);
            statements.extend(plan.batches.iter().map(|b| table.statement(b)));
        }
        statements
    }

    /// Writes every pending change: inserts, minimal updates, deletes (see the module docs).
    ///
    /// On failure nothing pending is lost: [`Error::Commit`] lists the rows that did not
    /// land, and they stay pending for the next commit. A connection-level failure stops
    /// the commit (later requests are not sent); an SQL error fails only its own request.
    /// Rows that a multi-row `INSERT … VALUES` skipped are sent again one by one to get
    /// CrateDB's own error for each; a request that failed as a whole with an analysis
    /// error (e.g. a value that does not cast) is sent again in halves until the failing
    /// rows are found, so that the others land. A row whose earlier INSERT may have landed
    /// (its answer was lost) and that meets a duplicate key is looked up by key: if the
    /// stored row is the one sent, it counts as landed.
    pub fn commit(&mut self) -> Result<()> {
        commit::commit(&mut self.tables, &self.client, self.limits, &mut |_| {})
    }

    /// [`commit`](Session::commit), telling `progress` how far it is after each answered
    /// request: the row writes to settle, and how many landed or failed so far (see
    /// [`CommitProgress`]). For a progress line, or a progress-bar crate:
    ///
    /// ```no_run
    /// # use cratedb_orm::{Client, Session};
    /// # let mut session = Session::new(Client::new("crate://localhost:4200")?);
    /// session.commit_with_progress(|p| {
    ///     eprint!("\r{} of {} rows written ({} requests)", p.written, p.total, p.requests);
    /// })?;
    /// # Ok::<(), cratedb_orm::Error>(())
    /// ```
    ///
    /// With a progress-bar crate such as `indicatif`: `bar.set_length(p.total)` and
    /// `bar.set_position(p.written + p.failed)` in the callback. `examples/bulk_load.rs` shows a
    /// progress line for a 1,000,000-row commit.
    pub fn commit_with_progress(
        &mut self,
        mut progress: impl FnMut(&CommitProgress),
    ) -> Result<()> {
        commit::commit(&mut self.tables, &self.client, self.limits, &mut progress)
    }

    /// Drops every pending change: new models are no longer tracked, changed and deleted
    /// models go back to their last known database state. Rows a failed commit already wrote
    /// stay written (CrateDB has no transactions).
    pub fn rollback(&mut self) -> Result<()> {
        for table in &mut self.tables {
            table.rollback();
        }
        Ok(())
    }

    /// Drops the pending changes of one model (its last known database state comes back).
    pub fn expire<M: CrateModel>(&mut self, handle: Handle<M>) -> Result<()> {
        if let Some(index) = self.own(handle) {
            self.table_mut::<M>().expire(index);
        }
        Ok(())
    }

    /// Sends a new model's INSERT again on the next commit although an earlier INSERT of it
    /// may have landed (its answer was lost; see [`RowFailureCause::OutcomeUnknown`]). Call
    /// it after checking that the row is not in the table: for a table whose keys the
    /// server makes, a second INSERT of a row that did land writes it twice. Models whose
    /// key the client knows need no such call: the next commit checks them by key. Rows
    /// whose answer was lost go in multi-row INSERTs of at most ten rows from then on
    /// (CrateDB 6.4.3 never answers one in which more than ten rows of a shard fail).
    pub fn resend<M: CrateModel>(&mut self, handle: Handle<M>) {
        if let Some(index) = self.own(handle) {
            self.table_mut::<M>().resend(index);
        }
    }

    /// Reads the model's row again from CrateDB by primary key (real-time, no refresh
    /// needed), dropping pending changes. Returns `false` when the row no longer exists.
    pub fn reload<M: CrateModel>(&mut self, handle: Handle<M>) -> Result<bool> {
        let meta = M::meta();
        let Some(entry) = self.entry(handle).filter(|e| e.is_readable()) else {
            return Ok(false);
        };
        let key = key::identity_values(entry.stored_identity());
        self.read_models::<M, bool>(
            &|nulls| crate::model_sql::select_by_identity_nulls(meta, [key.clone()], nulls),
            &mut |session, sql, args| {
                let mut response = session.client.sql(sql, args)?;
                let layout = RowLayout::new(meta, &response.cols);
                let version = layout.version_positions();
                match response.rows.first_mut() {
                    Some(row) => {
                        session
                            .table_mut::<M>()
                            .reload(handle.index, &layout, version, row)?;
                        Ok(true)
                    }
                    None => Ok(false),
                }
            },
        )
    }

    /// The model with this primary key: from the session if tracked, else read from CrateDB
    /// (`WHERE pk = …` is real-time: no `REFRESH TABLE` needed after an insert).
    pub fn find<M: CrateModel>(&mut self, key: impl PrimaryKey) -> Result<Option<Handle<M>>> {
        let key = key.key_values();
        let meta = M::meta();
        if let Some(k) = key::identity_key(&key) {
            let tracked = self.table_index::<M>().is_some();
            if let Some(index) = tracked.then(|| self.table_mut::<M>().find(&k)).flatten() {
                return Ok(Some(Handle::new(self.id, index)));
            }
        }
        let handles = self.read_models::<M, Vec<Handle<M>>>(
            &|nulls| crate::model_sql::select_by_identity_nulls(meta, [key.clone()], nulls),
            &mut |session, sql, args| session.load::<M>(sql, args),
        )?;
        Ok(handles.into_iter().next())
    }

    /// Runs a query and tracks its rows as models, decoded as the response is parsed. A row
    /// that is already tracked keeps its in-session state and yields its existing handle.
    pub(crate) fn load<M: CrateModel>(
        &mut self,
        sql: &str,
        args: &[Value],
    ) -> Result<Vec<Handle<M>>> {
        self.load_tracked_with::<M, _>(sql, args, |tracked| tracked)
    }

    /// [`load`](Session::load), each model also seen by the [`Keep`](load_sink::Keep) that
    /// `wrap` makes around the tracking one.
    pub(crate) fn load_tracked_with<'t, M: CrateModel, K>(
        &'t mut self,
        sql: &str,
        args: &[Value],
        wrap: impl FnOnce(load_sink::Tracked<'t, M>) -> K,
    ) -> Result<K::Output>
    where
        K: load_sink::Keep<M>,
    {
        let client = self.client.clone();
        let id = self.id;
        let tracked = load_sink::Tracked::new(self.table_mut::<M>(), id);
        let mut sink = load_sink::LoadSink::new(wrap(tracked));
        let result = client.query_with(sql, args, &mut sink);
        sink.finish(result)
    }

    /// Runs a query and returns its rows as owned models, decoded as the response is
    /// parsed; the session does not track them.
    pub(crate) fn load_owned<M: CrateModel>(&self, sql: &str, args: &[Value]) -> Result<Vec<M>> {
        self.load_owned_with(sql, args, Vec::new())
    }

    /// Runs a query and hands its rows, decoded into owned models as the response is
    /// parsed, to `keep`; the session does not track them. The whole answer is received
    /// first (failover as for any read).
    pub(crate) fn load_owned_with<M: CrateModel, K: load_sink::Keep<M>>(
        &self,
        sql: &str,
        args: &[Value],
        keep: K,
    ) -> Result<K::Output> {
        let mut sink = load_sink::LoadSink::new(keep);
        let result = self.client.query_with(sql, args, &mut sink);
        sink.finish(result)
    }

    /// Runs a query and hands its rows to `keep` as owned models, each decoded as soon as it
    /// has arrived ([`Client::stream_with`]); the session does not track them.
    pub(crate) fn stream_owned<M: CrateModel, K: load_sink::Keep<M>>(
        &self,
        sql: &str,
        args: &[Value],
        keep: K,
    ) -> Result<K::Output> {
        let mut sink = load_sink::LoadSink::new(keep);
        let result = self.client.stream_with(sql, args, &mut sink);
        sink.finish(result)
    }

    /// Decodes the rows of a CrateDB answer body (`{"cols": …, "rows": …}`, as `POST /_sql`
    /// returns it) straight into models and tracks them, exactly as a query does: for answers
    /// obtained some other way (recorded, or in benchmarks). A row already tracked keeps its
    /// in-session state and yields its existing handle.
    ///
    /// ```
    /// use cratedb_orm::{Client, CrateModel, Session};
    ///
    /// #[derive(CrateModel, Debug, Default)]
    /// #[cratedb(table = "characters")]
    /// struct Character {
    ///     #[cratedb(primary_key)]
    ///     id: String,
    ///     name: String,
    /// }
    ///
    /// let mut session = Session::new(Client::new("crate://localhost:4200")?); // does not connect
    /// let body = br#"{"cols":["id","name"],"rows":[["a1","Arthur Dent"]],"rowcount":1}"#;
    /// let handles = session.track_body::<Character>(body)?;
    /// assert_eq!(session[handles[0]].name, "Arthur Dent");
    /// # Ok::<(), cratedb_orm::Error>(())
    /// ```
    ///
    /// # Errors
    /// [`Error::Decode`] for a row that does not fit the model, [`Error::Client`] for a body
    /// that is not a regular answer.
    pub fn track_body<M: CrateModel>(&mut self, body: &[u8]) -> Result<Vec<Handle<M>>> {
        let id = self.id;
        let tracked = load_sink::Tracked::new(self.table_mut::<M>(), id);
        let mut sink = load_sink::LoadSink::new(tracked);
        let result = cratedb_client::ResultInfo::from_body_into("answer body", body, &mut sink);
        sink.finish(result)
    }

    /// Decodes the rows of `response` (by column name) into models and tracks them. A row
    /// that is already tracked keeps its in-session state and yields its existing handle.
    /// Versioned models also read `_seq_no` and `_primary_term` from the row.
    pub fn track_rows<M: CrateModel>(&mut self, response: SqlResponse) -> Result<Vec<Handle<M>>> {
        let layout = RowLayout::new(M::meta(), &response.cols);
        let version = layout.version_positions();
        let id = self.id;
        let table = self.table_mut::<M>();
        let mut handles = Vec::with_capacity(response.rows.len());
        for mut row in response.rows {
            handles.push(Handle::new(id, table.load(&layout, version, &mut row)?));
        }
        Ok(handles)
    }

    /// Tracks the model whose values `values` holds (laid out as `layout`; taken out, left
    /// `Null`): its handle, the existing one for a row already tracked. How a join's rows are
    /// loaded, relation by relation.
    pub(crate) fn track_values<M: CrateModel>(
        &mut self,
        layout: &RowLayout,
        values: &mut [Value],
    ) -> Result<Handle<M>> {
        let version = layout.version_positions();
        let id = self.id;
        let index = self.table_mut::<M>().load(layout, version, values)?;
        Ok(Handle::new(id, index))
    }

    /// `REFRESH TABLE` for the model's table: makes recent writes visible to searches
    /// (queries not by primary key). CrateDB refreshes every second by default.
    pub fn refresh_table<M: CrateModel>(&self) -> Result<()> {
        let sql = crate::model_sql::refresh_sql(M::meta());
        self.client.sql(&sql, &[] as &[Value])?;
        Ok(())
    }
}

/// The index of the column named `name` in `M`'s metadata.
fn column_index<M: CrateModel>(name: &str) -> Result<usize> {
    M::meta()
        .columns
        .iter()
        .position(|c| c.name == name)
        .ok_or_else(|| Error::Encode {
            column: name.to_owned(),
            message: format!("no such column in {}", M::meta().model),
        })
}

/// The error for a handle of another session.
fn foreign(column: &str) -> Error {
    Error::Encode {
        column: column.to_owned(),
        message: "the handle is not of this session".to_owned(),
    }
}

fn unreachable_table<M>() -> ! {
    // `by_type` maps `TypeId::of::<M>()` only to a `Table<M>`; this cannot happen.
    panic!(
        "cratedb-orm internal error: session table for {} has another type",
        std::any::type_name::<M>()
    )
}

impl<M: CrateModel> Index<Handle<M>> for Session {
    type Output = M;

    /// # Panics
    /// When `handle` comes from another session (like indexing a `Vec` out of bounds).
    fn index(&self, handle: Handle<M>) -> &M {
        match self.get(handle) {
            Some(m) => m,
            None => panic!("{handle:?} does not belong to this session"),
        }
    }
}

impl<M: CrateModel> IndexMut<Handle<M>> for Session {
    /// # Panics
    /// When `handle` comes from another session (like indexing a `Vec` out of bounds).
    fn index_mut(&mut self, handle: Handle<M>) -> &mut M {
        match self.get_mut(handle) {
            Some(m) => m,
            None => panic!("{handle:?} does not belong to this session"),
        }
    }
}
