//! What a query reads: a [`Relation`] (a model's table, or an [alias](crate::alias) of it),
//! or relations joined ([`Inner`], [`Left`], [`Right`], [`Full`], [`Cross`]), or a
//! [`Correlated`] subquery's relations with those of the enclosing query it reads. A
//! [`Source`] says, in types, which relations its expressions may read (its scope) and what
//! one row of the whole-model result is: `Handle<Reading>`, `(Handle<Reading>,
//! Handle<Device>)`, `(Handle<Device>, Option<Handle<Alert>>)`.

use std::marker::PhantomData;

use serde_json::Value;

use crate::expr::scope::{Cat, RefList};
use crate::expr::select_tree::Relation as FromItem;
use crate::expr::N;
use crate::model::{CrateModel, RowLayout};
use crate::{Error, Handle, Result, Session};

/// A table a query reads: a model's table, or an alias of it (see [`alias!`](crate::alias)).
/// Every model is one.
pub trait Relation: 'static {
    /// The model whose rows it holds.
    type Model: CrateModel;

    /// The alias it goes by (`None`: the table's own name).
    fn alias() -> Option<&'static str> {
        None
    }

    /// The name its columns are qualified with: the alias, or the table's name.
    fn name() -> &'static str {
        Self::alias().unwrap_or(Self::Model::meta().name)
    }
}

impl<M: CrateModel> Relation for M {
    type Model = M;
}

/// The `FROM` item of relation `R`: its table, under its alias if it has one.
pub(crate) fn from_item<R: Relation>() -> FromItem {
    FromItem::Table {
        table: R::Model::meta().qualified_name(),
        alias: R::alias(),
    }
}

/// One relation of a query's whole-model rows: the name its columns are qualified with, and
/// its model's metadata.
#[derive(Debug, Clone, Copy)]
pub struct RelationInfo {
    /// The table's name or its alias.
    pub name: &'static str,
    /// The model's table.
    pub meta: &'static crate::TableMeta,
}

/// The select list of a whole-model query over `relations`: every column of each, then its
/// version columns when versioned (see `model_sql::select_nodes`).
pub(crate) fn whole_select_list(relations: &[RelationInfo]) -> Vec<N> {
    relations
        .iter()
        .flat_map(|r| crate::model_sql::select_nodes(r.meta, r.name))
        .collect()
}

/// What a query reads, in types: its relations and the shape of a whole-model row.
pub trait Source: 'static {
    /// The relations its expressions may read (a type-level list).
    type Scope: RefList;
    /// The relations of an enclosing query it reads (a correlated subquery); `()` otherwise.
    type Outer: RefList;
    /// One whole-model row, as models tracked by the session.
    type Tracked;
    /// One whole-model row, as owned models.
    type Owned;

    /// Its relations, in select-list order.
    fn relations(out: &mut Vec<RelationInfo>);

    /// Decodes one whole-model row (its values in select-list order) into tracked models.
    fn track(session: &mut Session, row: &mut Cursor) -> Result<Self::Tracked>;

    /// Decodes one whole-model row into owned models.
    fn own(row: &mut Cursor) -> Result<Self::Owned>;
}

/// The values of one result row, taken relation by relation.
pub struct Cursor {
    values: Vec<Value>,
    at: usize,
}

impl Cursor {
    pub(crate) fn new(values: Vec<Value>) -> Self {
        Cursor { values, at: 0 }
    }

    /// The next relation's values (its select-list width), and the layout to decode them:
    /// `None` when an outer join left it out (every identity column NULL).
    fn next<M: CrateModel>(&mut self) -> Result<Option<(RowLayout, &mut [Value])>> {
        let meta = M::meta();
        let names = crate::model_sql::select_names(meta);
        let start = self.at;
        let end = start + names.len();
        self.at = end;
        let found = self.values.len();
        let Some(values) = self.values.get_mut(start..end) else {
            return Err(Error::Decode {
                column: meta.model.to_owned(),
                expected: format!("a row of at least {end} values"),
                found: format!("{found} values"),
            });
        };
        let ids = meta.identity_columns();
        if !ids.is_empty()
            && ids
                .iter()
                .all(|&i| values.get(i).is_none_or(Value::is_null))
        {
            return Ok(None);
        }
        Ok(Some((RowLayout::new(meta, &names), values)))
    }

    /// The next relation as a tracked model (`None`: left out by an outer join).
    pub(crate) fn track<M: CrateModel>(
        &mut self,
        session: &mut Session,
    ) -> Result<Option<Handle<M>>> {
        match self.next::<M>()? {
            Some((layout, values)) => session.track_values::<M>(&layout, values).map(Some),
            None => Ok(None),
        }
    }

    /// The next relation as an owned model (`None`: left out by an outer join).
    pub(crate) fn own<M: CrateModel>(&mut self) -> Result<Option<M>> {
        match self.next::<M>()? {
            Some((layout, values)) => M::from_row(&layout, values).map(Some),
            None => Ok(None),
        }
    }
}

/// A relation that must be in every row (the left side of a join, an inner join's right).
fn required<T>(value: Option<T>, name: &str) -> Result<T> {
    value.ok_or_else(|| Error::Decode {
        column: name.to_owned(),
        expected: "a row of the joined table (its key is NOT NULL)".to_owned(),
        found: "NULL".to_owned(),
    })
}

impl<R: Relation> Source for R {
    type Scope = (R, ());
    type Outer = ();
    type Tracked = Handle<R::Model>;
    type Owned = R::Model;

    fn relations(out: &mut Vec<RelationInfo>) {
        out.push(RelationInfo {
            name: R::name(),
            meta: R::Model::meta(),
        });
    }

    fn track(session: &mut Session, row: &mut Cursor) -> Result<Self::Tracked> {
        required(row.track::<R::Model>(session)?, R::name())
    }

    fn own(row: &mut Cursor) -> Result<Self::Owned> {
        required(row.own::<R::Model>()?, R::name())
    }
}

/// Appends one element to a row tuple: `(A, B)` and `C` give `(A, B, C)`.
pub trait Push<X> {
    /// The longer tuple.
    type Out;
    /// Appends `x`.
    fn push(self, x: X) -> Self::Out;
}

impl<M, X> Push<X> for Handle<M> {
    type Out = (Handle<M>, X);
    fn push(self, x: X) -> Self::Out {
        (self, x)
    }
}

macro_rules! push_tuple {
    ($($t:ident $i:tt),+) => {
        impl<$($t,)+ X> Push<X> for ($($t,)+) {
            type Out = ($($t,)+ X);
            fn push(self, x: X) -> Self::Out {
                ($(self.$i,)+ x)
            }
        }
    };
}
push_tuple!(A 0, B 1);
push_tuple!(A 0, B 1, C 2);
push_tuple!(A 0, B 1, C 2, D 3);
push_tuple!(A 0, B 1, C 2, D 3, E 4);
push_tuple!(A 0, B 1, C 2, D 3, E 4, F 5);

/// Appends one element to an owned row: a model, or a tuple of them.
pub trait PushOwned<X> {
    /// The longer tuple.
    type Out;
    /// Appends `x`.
    fn push_owned(self, x: X) -> Self::Out;
}

impl<M: CrateModel, X> PushOwned<X> for M {
    type Out = (M, X);
    fn push_owned(self, x: X) -> Self::Out {
        (self, x)
    }
}

macro_rules! push_owned_tuple {
    ($($t:ident $i:tt),+) => {
        impl<$($t,)+ X> PushOwned<X> for ($($t,)+) {
            type Out = ($($t,)+ X);
            fn push_owned(self, x: X) -> Self::Out {
                ($(self.$i,)+ x)
            }
        }
    };
}
push_owned_tuple!(A 0, B 1);
push_owned_tuple!(A 0, B 1, C 2);
push_owned_tuple!(A 0, B 1, C 2, D 3);
push_owned_tuple!(A 0, B 1, C 2, D 3, E 4);
push_owned_tuple!(A 0, B 1, C 2, D 3, E 4, F 5);

macro_rules! join_source {
    ($(#[$doc:meta])* $name:ident, $tracked:ty, $owned:ty, |$session:ident, $row:ident| $track:expr, |$orow:ident| $own:expr) => {
        $(#[$doc])*
        pub struct $name<L, R>(PhantomData<fn() -> (L, R)>);

        impl<L, R> Source for $name<L, R>
        where
            L: Source,
            R: Relation,
            L::Tracked: Push<$tracked>,
            L::Owned: PushOwned<$owned>,
        {
            type Scope = Cat<L::Scope, (R, ())>;
            type Outer = L::Outer;
            type Tracked = <L::Tracked as Push<$tracked>>::Out;
            type Owned = <L::Owned as PushOwned<$owned>>::Out;

            fn relations(out: &mut Vec<RelationInfo>) {
                L::relations(out);
                R::relations(out);
            }

            fn track($session: &mut Session, $row: &mut Cursor) -> Result<Self::Tracked> {
                let left = L::track($session, $row)?;
                let right: $tracked = $track;
                Ok(left.push(right))
            }

            fn own($orow: &mut Cursor) -> Result<Self::Owned> {
                let left = L::own($orow)?;
                let right: $owned = $own;
                Ok(left.push_owned(right))
            }
        }
    };
}

join_source!(
    /// `L JOIN R ON …`: rows of both.
    Inner,
    Handle<R::Model>,
    R::Model,
    |session, row| required(row.track::<R::Model>(session)?, R::name())?,
    |row| required(row.own::<R::Model>()?, R::name())?
);

join_source!(
    /// `L LEFT JOIN R ON …`: every row of `L`, with `R` where one matches (`None` otherwise).
    Left,
    Option<Handle<R::Model>>,
    Option<R::Model>,
    |session, row| row.track::<R::Model>(session)?,
    |row| row.own::<R::Model>()?
);

join_source!(
    /// `L CROSS JOIN R`: every pair.
    Cross,
    Handle<R::Model>,
    R::Model,
    |session, row| required(row.track::<R::Model>(session)?, R::name())?,
    |row| required(row.own::<R::Model>()?, R::name())?
);

/// `L RIGHT JOIN R ON …`: every row of `R`, with `L` where one matches. `L` is one relation
/// (the result would otherwise need every earlier relation optional).
pub struct Right<L, R>(PhantomData<fn() -> (L, R)>);

impl<L: Relation, R: Relation> Source for Right<L, R> {
    type Scope = (L, (R, ()));
    type Outer = ();
    type Tracked = (Option<Handle<L::Model>>, Handle<R::Model>);
    type Owned = (Option<L::Model>, R::Model);

    fn relations(out: &mut Vec<RelationInfo>) {
        L::relations(out);
        R::relations(out);
    }

    fn track(session: &mut Session, row: &mut Cursor) -> Result<Self::Tracked> {
        let left = row.track::<L::Model>(session)?;
        let right = required(row.track::<R::Model>(session)?, R::name())?;
        Ok((left, right))
    }

    fn own(row: &mut Cursor) -> Result<Self::Owned> {
        let left = row.own::<L::Model>()?;
        let right = required(row.own::<R::Model>()?, R::name())?;
        Ok((left, right))
    }
}

/// `L FULL JOIN R ON …`: every row of both, each side where one matches. `L` is one
/// relation.
pub struct Full<L, R>(PhantomData<fn() -> (L, R)>);

impl<L: Relation, R: Relation> Source for Full<L, R> {
    type Scope = (L, (R, ()));
    type Outer = ();
    type Tracked = (Option<Handle<L::Model>>, Option<Handle<R::Model>>);
    type Owned = (Option<L::Model>, Option<R::Model>);

    fn relations(out: &mut Vec<RelationInfo>) {
        L::relations(out);
        R::relations(out);
    }

    fn track(session: &mut Session, row: &mut Cursor) -> Result<Self::Tracked> {
        Ok((
            row.track::<L::Model>(session)?,
            row.track::<R::Model>(session)?,
        ))
    }

    fn own(row: &mut Cursor) -> Result<Self::Owned> {
        Ok((row.own::<L::Model>()?, row.own::<R::Model>()?))
    }
}

/// A subquery over `S` that also reads the relations `O` of the query enclosing it (a
/// correlated subquery: `EXISTS (SELECT 1 FROM alerts WHERE alerts.device_id =
/// devices.id)`). Its expressions may read both; the enclosing query must have `O`.
pub struct Correlated<S, O>(PhantomData<fn() -> (S, O)>);

impl<S: Source, O: RefList + 'static> Source for Correlated<S, O> {
    type Scope = Cat<S::Scope, O>;
    type Outer = Cat<S::Outer, O>;
    type Tracked = S::Tracked;
    type Owned = S::Owned;

    fn relations(out: &mut Vec<RelationInfo>) {
        S::relations(out);
    }

    fn track(session: &mut Session, row: &mut Cursor) -> Result<Self::Tracked> {
        S::track(session, row)
    }

    fn own(row: &mut Cursor) -> Result<Self::Owned> {
        S::own(row)
    }
}
