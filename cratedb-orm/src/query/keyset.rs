//! Keyset pagination: a model query read in pages ordered by a unique column, each page
//! starting after the last key of the one before (`WHERE … AND "key" > $n ORDER BY "key"
//! LIMIT n`), so that every page costs the same however deep it is, where `OFFSET` makes
//! the server skip every row before it.

use std::marker::PhantomData;

use serde_json::Value;

use super::source::Relation;
use super::{Query, Select, Whole};
use crate::expr::{Column, Order, ToSqlValue, N};
use crate::model::CrateModel;
use crate::session::load_sink::LastKey;
use crate::{Error, Handle, Result, Session};

/// Pages of a model query ordered by a unique column (keyset pagination), without `OFFSET`.
/// Made by [`Select::keyset`] (or [`Query::pages`], an iterator over it).
///
/// Each page is the query's own statement with its conditions, plus the key:
///
/// ```sql
/// SELECT <columns> FROM "t" WHERE <filters> AND "key" > $n ORDER BY "key" LIMIT <size>
/// ```
///
/// where `$n` is the key of the last row of the page before (bound, never inlined; the
/// first page has no key condition). `descending()` gives `"key" < $n ORDER BY "key"
/// DESC`. CrateDB finds the start of each page through the key's index, so every page
/// costs about the same however deep it is, where `OFFSET` makes the server collect and
/// skip every row before the page (see the README's figures).
///
/// **The key must be unique and ordered**: the primary key when it is one column, or any
/// other column whose values are all different (a timestamp is unique only if no two rows
/// share one: rows with the same key as the last of a page would be skipped). Its values
/// must compare with `>`/`<` as `ORDER BY` sorts them (numbers, timestamps, text). Rows
/// whose key is NULL are never returned (a nullable key adds `"key" IS NOT NULL`).
/// Composite keys are not supported: page by a unique column of its own (for example a
/// generated `id`), or by the key's first column when that alone is unique.
///
/// The query may filter; its own `ORDER BY`, `LIMIT`, `OFFSET`, `GROUP BY`, `HAVING`,
/// `DISTINCT` and `UNION` are refused ([`Error::InvalidQuery`]), since the pager sets the
/// order and the limit. Pages are read one statement each, so rows written meanwhile show
/// up in later pages when their key comes after the current one (and after a refresh).
///
/// ```
/// use cratedb_orm::query::Select;
/// use cratedb_orm::{CrateModel, Value};
///
/// #[derive(CrateModel, Debug, Clone, Default)]
/// #[cratedb(table = "readings")]
/// struct Reading {
///     #[cratedb(primary_key)]
///     id: i64,
///     sensor: String,
///     value: f64,
/// }
///
/// let pager = Select::<Reading>::new()
///     .filter(Reading::sensor().eq("sensor-7"))
///     .keyset(Reading::id(), 1000);
/// assert_eq!(
///     pager.page_sql()?,
///     (r#"SELECT "id", "sensor", "value" FROM "readings" WHERE "sensor" = $1 ORDER BY "id" LIMIT 1000"#.to_string(),
///      vec![Value::from("sensor-7")])
/// );
/// // After a page that ended with id 41,999, or resuming from a saved key:
/// let pager = pager.after(&41_999_i64);
/// assert_eq!(
///     pager.page_sql()?.0,
///     r#"SELECT "id", "sensor", "value" FROM "readings" WHERE "sensor" = $1 AND "id" > $2 ORDER BY "id" LIMIT 1000"#
/// );
/// # Ok::<(), cratedb_orm::Error>(())
/// ```
///
/// Against a server, owned models page by page, or tracked handles (the session keeps
/// what it tracks: [`take`](Session::take) or [`detach`](Session::detach) the models of a
/// page you are done with to keep its memory flat):
///
/// ```no_run
/// # use cratedb_orm::query::Select;
/// # use cratedb_orm::{Client, CrateModel, Session};
/// # #[derive(CrateModel, Debug, Clone, Default)]
/// # #[cratedb(table = "readings")]
/// # struct Reading { #[cratedb(primary_key)] id: i64, sensor: String, value: f64 }
/// let mut session = Session::new(Client::new("crate://localhost:4200")?);
/// let mut pager = Select::<Reading>::new().keyset(Reading::id(), 1000);
/// while let Some(page) = pager.next_tracked(&mut session)? {
///     for &h in &page {
///         session[h].value *= 2.0;
///     }
///     session.commit()?;
///     for h in page {
///         session.take(h);
///     }
/// }
/// # Ok::<(), cratedb_orm::Error>(())
/// ```
pub struct Keyset<R: Relation, T> {
    select: Select<R, Whole>,
    key: N,
    key_name: &'static str,
    page_size: u64,
    descending: bool,
    last: Option<Value>,
    done: bool,
    _key: PhantomData<fn() -> T>,
}

impl<R: Relation> Select<R, Whole> {
    /// Pages of this query ordered by `key`, `page_size` rows each (see [`Keyset`]; the key
    /// must be unique).
    pub fn keyset<T>(self, key: Column<R, T>, page_size: u64) -> Keyset<R, T> {
        Keyset {
            select: self,
            key: key.node(),
            key_name: key.name(),
            page_size,
            descending: false,
            last: None,
            done: false,
            _key: PhantomData,
        }
    }
}

impl<'s, R: Relation> Query<'s, R, Whole> {
    /// The query's models in pages of `page_size`, by keyset pagination on `key` (a unique
    /// column; see [`Keyset`] for the SQL and what it requires): an iterator of pages of
    /// owned models, untracked. After an error it ends.
    ///
    /// ```no_run
    /// use cratedb_orm::{Client, CrateModel, Session};
    ///
    /// #[derive(CrateModel, Debug, Clone, Default)]
    /// #[cratedb(table = "readings")]
    /// struct Reading {
    ///     #[cratedb(primary_key)]
    ///     id: i64,
    ///     sensor: String,
    ///     value: f64,
    /// }
    ///
    /// let mut session = Session::new(Client::new("crate://localhost:4200")?);
    /// for page in session
    ///     .query::<Reading>()
    ///     .filter(Reading::sensor().eq("sensor-7"))
    ///     .pages(Reading::id(), 1000)
    /// {
    ///     for reading in page? {
    ///         println!("{} {}", reading.id, reading.value);
    ///     }
    /// }
    /// # Ok::<(), cratedb_orm::Error>(())
    /// ```
    pub fn pages<T>(self, key: Column<R, T>, page_size: u64) -> Pages<'s, R, T> {
        Pages {
            session: self.session,
            keyset: self.select.keyset(key, page_size),
        }
    }
}

impl<R: Relation, T> Keyset<R, T> {
    /// Pages in descending key order: `"key" < $n ORDER BY "key" DESC`.
    pub fn descending(mut self) -> Self {
        self.descending = true;
        self
    }

    /// Starts after this key (the first page then has the key condition too): to resume a
    /// walk from a key saved earlier ([`last_key`](Keyset::last_key)).
    pub fn after(mut self, key: &T) -> Self
    where
        T: ToSqlValue,
    {
        self.last = Some(key.to_sql_value());
        self.done = false;
        self
    }

    /// The key of the last row read so far (what the next page starts after), as sent.
    pub fn last_key(&self) -> Option<&Value> {
        self.last.as_ref()
    }

    /// Whether the last page has been read (a page shorter than the page size, or empty).
    pub fn is_done(&self) -> bool {
        self.done
    }

    /// The statement of the next page: SQL text and arguments.
    ///
    /// # Errors
    /// [`Error::InvalidQuery`] when the query cannot be paged (see [`Keyset`]).
    pub fn page_sql(&self) -> Result<(String, Vec<Value>)> {
        Ok(self.page_select()?.to_sql())
    }

    /// The next page as owned models, untracked; `None` once the last page has been read.
    pub fn next_page(&mut self, session: &mut Session) -> Result<Option<Vec<R::Model>>> {
        self.next_with(session, |session, sql, args, index| {
            session.load_owned_with::<R::Model, _>(sql, args, last_key(Vec::new(), index))
        })
    }

    /// The next page as models tracked by `session` (their handles; a row already tracked
    /// keeps its in-session state); `None` once the last page has been read. The next page
    /// starts after the key the last row had in the answer.
    pub fn next_tracked(&mut self, session: &mut Session) -> Result<Option<Vec<Handle<R::Model>>>> {
        self.next_with(session, |session, sql, args, index| {
            session.load_tracked_with::<R::Model, _>(sql, args, |tracked| last_key(tracked, index))
        })
    }

    /// Reads the next page with `load` (given the statement and the key's column index),
    /// which returns the page, the key of its last row and its row count.
    fn next_with<P>(
        &mut self,
        session: &mut Session,
        mut load: impl FnMut(&mut Session, &str, &[Value], usize) -> Result<(P, Option<Value>, usize)>,
    ) -> Result<Option<P>> {
        if self.done {
            return Ok(None);
        }
        let index = self.key_index()?;
        let select = self.page_select()?;
        let (page, last, rows) = session.read_models::<R::Model, _>(
            &|nulls| select.to_sql_nulls(nulls),
            &mut |session, sql, args| load(session, sql, args, index),
        )?;
        if rows == 0 {
            self.done = true;
            return Ok(None);
        }
        match last {
            Some(last) if !last.is_null() => self.last = Some(last),
            // A key read as NULL (a column missing from the table): no page can follow.
            _ => self.done = true,
        }
        if (rows as u64) < self.page_size {
            self.done = true;
        }
        Ok(Some(page))
    }

    /// The key's index among the model's columns.
    fn key_index(&self) -> Result<usize> {
        let meta = <R::Model as CrateModel>::meta();
        meta.column_index(self.key_name)
            .ok_or_else(|| Error::InvalidQuery {
                message: format!(
                    "keyset pagination: {} has no column {:?}",
                    meta.model, self.key_name
                ),
            })
    }

    /// The statement of the next page.
    fn page_select(&self) -> Result<Select<R, Whole>> {
        let refuse = |what: &str| {
            Err(Error::InvalidQuery {
                message: format!(
                    "keyset pagination sets the order and the limit of each page; the query \
                     cannot have its own {what}"
                ),
            })
        };
        let tree = &self.select.tree;
        if !tree.order.is_empty() {
            return refuse("ORDER BY");
        }
        if tree.limit.is_some() || tree.offset.is_some() {
            return refuse("LIMIT or OFFSET");
        }
        if !tree.group_by.is_empty() || !tree.having.is_empty() {
            return refuse("GROUP BY or HAVING");
        }
        if tree.distinct || !tree.unions.is_empty() || !tree.with.is_empty() {
            return refuse("DISTINCT, UNION or WITH");
        }
        if self.page_size == 0 {
            return Err(Error::InvalidQuery {
                message: "keyset pagination needs a page size of at least 1".to_string(),
            });
        }
        let meta = <R::Model as CrateModel>::meta();
        let nullable = meta.column(self.key_name).is_none_or(|c| c.nullable);
        let mut select = self.select.clone();
        let tree = &mut select.tree;
        if nullable {
            tree.filters
                .push(N::IsNull(Box::new(self.key.clone()), true));
        }
        if let Some(last) = &self.last {
            let op = if self.descending {
                crate::expr::BinOp::Lt
            } else {
                crate::expr::BinOp::Gt
            };
            tree.filters
                .push(N::binary(op, self.key.clone(), N::Param(last.clone())));
        }
        tree.order = vec![Order::of_node(self.key.clone(), self.descending)];
        tree.limit = Some(self.page_size);
        Ok(select)
    }
}

/// A [`LastKey`] around `inner`, noting column `index`.
fn last_key<K>(inner: K, index: usize) -> LastKey<K> {
    LastKey {
        inner,
        index,
        last: None,
        rows: 0,
    }
}

impl<R: Relation, T> Clone for Keyset<R, T> {
    fn clone(&self) -> Self {
        Keyset {
            select: self.select.clone(),
            key: self.key.clone(),
            key_name: self.key_name,
            page_size: self.page_size,
            descending: self.descending,
            last: self.last.clone(),
            done: self.done,
            _key: PhantomData,
        }
    }
}

impl<R: Relation, T> std::fmt::Debug for Keyset<R, T> {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Keyset")
            .field("key", &self.key_name)
            .field("page_size", &self.page_size)
            .field("descending", &self.descending)
            .field("last", &self.last)
            .field("done", &self.done)
            .finish_non_exhaustive()
    }
}

/// The pages of a model query by keyset pagination, as owned models: an iterator made by
/// [`Query::pages`]. Each item is one page (never empty); after an error the iterator ends.
pub struct Pages<'s, R: Relation, T> {
    session: &'s mut Session,
    keyset: Keyset<R, T>,
}

impl<R: Relation, T> Pages<'_, R, T> {
    /// The pager underneath (its next statement, the last key read).
    pub fn keyset(&self) -> &Keyset<R, T> {
        &self.keyset
    }
}

impl<R: Relation, T> Iterator for Pages<'_, R, T> {
    type Item = Result<Vec<R::Model>>;

    fn next(&mut self) -> Option<Self::Item> {
        match self.keyset.next_page(self.session) {
            Ok(page) => page.map(Ok),
            Err(e) => {
                self.keyset.done = true;
                Some(Err(e))
            }
        }
    }
}
