//! Joins and eager loading through declared relationships ([`BelongsTo`]).

use std::collections::HashMap;

use serde_json::Value;

use super::source::{Inner, Left, Relation, Source};
use super::{Query, Select, Whole};
use crate::expr::select_tree::{Join, JoinKind};
use crate::model::CrateModel;
use crate::relation::{join_condition, key_columns, BelongsTo};
use crate::{Handle, Result, Session};

/// A parent with its children, as eager loading returns them
/// ([`Query::all_with_children`]).
pub type WithChildren<P, C> = (Handle<P>, Vec<Handle<C>>);

/// Most keys in one eager-loading query (`"key" = ANY($1)`).
const KEYS_PER_QUERY: usize = 10_000;

impl<C: Relation, S> Select<C, S> {
    /// `JOIN <parent> ON "child"."key" = "parent"."id"`: each row with its parent, through the
    /// declared relationship (see [`crate::relation`]).
    pub fn join_parent<P>(mut self) -> Select<Inner<C, P>, S>
    where
        P: Relation,
        C::Model: BelongsTo<P::Model>,
    {
        let on = join_condition::<C::Model, P::Model>(C::name(), P::name());
        self.tree.joins.push(Join {
            kind: JoinKind::Inner,
            relation: super::source::from_item::<P>(),
            on: Some(on),
        });
        self.retype()
    }
}

impl<P: Relation, S> Select<P, S> {
    fn join_children_as<C, F>(mut self, kind: JoinKind) -> Select<F, S>
    where
        C: Relation,
        C::Model: BelongsTo<P::Model>,
    {
        let on = join_condition::<C::Model, P::Model>(C::name(), P::name());
        self.tree.joins.push(Join {
            kind,
            relation: super::source::from_item::<C>(),
            on: Some(on),
        });
        self.retype()
    }

    /// `JOIN <child> ON "child"."key" = "parent"."id"`: each parent once per child.
    pub fn join_children<C>(self) -> Select<Inner<P, C>, S>
    where
        C: Relation,
        C::Model: BelongsTo<P::Model>,
    {
        self.join_children_as::<C, _>(JoinKind::Inner)
    }

    /// `LEFT JOIN <child> ON …`: parents without children too (with `None`).
    pub fn left_join_children<C>(self) -> Select<Left<P, C>, S>
    where
        C: Relation,
        C::Model: BelongsTo<P::Model>,
    {
        self.join_children_as::<C, _>(JoinKind::Left)
    }
}

impl<'s, C: Relation, S> Query<'s, C, S> {
    /// `JOIN <parent> ON …` (see [`Select::join_parent`]).
    pub fn join_parent<P>(self) -> Query<'s, Inner<C, P>, S>
    where
        P: Relation,
        C::Model: BelongsTo<P::Model>,
    {
        self.map(Select::join_parent)
    }

    /// `JOIN <child> ON …` (see [`Select::join_children`]).
    pub fn join_children<X>(self) -> Query<'s, Inner<C, X>, S>
    where
        X: Relation,
        X::Model: BelongsTo<C::Model>,
    {
        self.map(Select::join_children)
    }

    /// `LEFT JOIN <child> ON …` (see [`Select::left_join_children`]).
    pub fn left_join_children<X>(self) -> Query<'s, Left<C, X>, S>
    where
        X: Relation,
        X::Model: BelongsTo<C::Model>,
    {
        self.map(Select::left_join_children)
    }
}

impl<'s, P: Relation> Query<'s, P, Whole> {
    /// Every matching parent with its children, tracked by the session: the parents' query,
    /// then one query for the children of all of them (`"key" = ANY($1)`, 10,000 keys a
    /// query), never one per parent.
    pub fn all_with_children<C>(self) -> Result<Vec<WithChildren<P::Model, C>>>
    where
        C: BelongsTo<P::Model>,
        P: Source,
    {
        let (sql, args) = self.select.to_sql();
        let session = self.session;
        let parents = session.load::<P::Model>(&sql, &args)?;
        let children = session.load_children::<P::Model, C>(&parents)?;
        Ok(parents.into_iter().zip(children).collect())
    }
}

impl Session {
    /// The children of each of `parents` (in their order), tracked by the session: one query
    /// per 10,000 parents (`SELECT … FROM "alerts" WHERE "device_id" = ANY($1)`), the rows
    /// grouped by their key. A search: rows written less than a second ago show after
    /// [`refresh_table`](Session::refresh_table).
    pub fn load_children<P: CrateModel, C: BelongsTo<P>>(
        &mut self,
        parents: &[Handle<P>],
    ) -> Result<Vec<Vec<Handle<C>>>> {
        let (fk, pk) = key_columns::<C, P>()?;
        // The positions of each key among the parents (a parent listed twice gets its
        // children twice).
        let mut at: HashMap<String, Vec<usize>> = HashMap::new();
        let mut keys: Vec<Value> = Vec::new();
        for (i, &h) in parents.iter().enumerate() {
            let Some(parent) = self.get(h) else { continue };
            let key = parent.column_value(pk);
            let positions = at.entry(key.to_string()).or_default();
            if positions.is_empty() {
                keys.push(key);
            }
            positions.push(i);
        }
        let mut out: Vec<Vec<Handle<C>>> = vec![Vec::new(); parents.len()];
        for chunk in keys.chunks(KEYS_PER_QUERY) {
            let (sql, args) = crate::model_sql::select_by_any_key(C::meta(), fk, chunk.to_vec());
            for child in self.load::<C>(&sql, &args)? {
                let Some(key) = self.get(child).map(|c| c.column_value(fk).to_string()) else {
                    continue;
                };
                for &i in at.get(&key).map_or(&[][..], Vec::as_slice) {
                    if let Some(children) = out.get_mut(i) {
                        children.push(child);
                    }
                }
            }
        }
        Ok(out)
    }

    /// The parent of each of `children` (in their order; `None` where no row holds the key),
    /// tracked by the session: one query per 10,000 distinct keys (`"id" = ANY($1)`).
    pub fn load_parents<C: BelongsTo<P>, P: CrateModel>(
        &mut self,
        children: &[Handle<C>],
    ) -> Result<Vec<Option<Handle<P>>>> {
        let (fk, pk) = key_columns::<C, P>()?;
        let mut seen: HashMap<String, Option<Handle<P>>> = HashMap::new();
        let mut keys: Vec<Value> = Vec::new();
        let child_keys: Vec<Option<String>> = children
            .iter()
            .map(|&h| {
                let key = self.get(h)?.column_value(fk);
                if key.is_null() {
                    return None;
                }
                let text = key.to_string();
                if seen.insert(text.clone(), None).is_none() {
                    keys.push(key);
                }
                Some(text)
            })
            .collect();
        for chunk in keys.chunks(KEYS_PER_QUERY) {
            let (sql, args) = crate::model_sql::select_by_any_key(P::meta(), pk, chunk.to_vec());
            for parent in self.load::<P>(&sql, &args)? {
                if let Some(key) = self.get(parent).map(|p| p.column_value(pk).to_string()) {
                    seen.insert(key, Some(parent));
                }
            }
        }
        Ok(child_keys
            .into_iter()
            .map(|k| k.and_then(|k| seen.get(&k).copied().flatten()))
            .collect())
    }
}
