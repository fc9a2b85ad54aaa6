//! Cross-field checks of a model.

use std::collections::HashMap;

use proc_macro2::Span;

use super::{Field, Model, SYSTEM_COLUMNS};
use crate::errors::Errors;

/// Cross-field checks: column names, keys, clustering, partitioning, indexes, identity.
pub fn validate(model: &Model, errors: &mut Errors) {
    if model.table.is_empty() {
        errors.push(model.ident.span(), "the table name cannot be empty");
    }
    let mut columns: HashMap<&str, &Field> = HashMap::new();
    for field in model.columns() {
        if columns.insert(field.column.as_str(), field).is_some() {
            errors.push(
                field.ident.span(),
                format_args!("two fields map to the column `{}`", field.column),
            );
        }
    }
    let mut renamed: HashMap<&str, &Field> = HashMap::new();
    for field in model.columns() {
        let Some((old, span)) = &field.renamed_from else {
            continue;
        };
        // A name the field's own checks refused is reported there already.
        let refused = old.is_empty()
            || *old == field.column
            || old.starts_with('_')
            || old.contains(['.', '[']);
        if refused {
            continue;
        }
        if let Some(current) = columns.get(old.as_str()) {
            errors.push(
                *span,
                format_args!(
                    "the column `{old}` is still in this model (field `{}`): a column renamed \
                     away is no longer a field",
                    current.name()
                ),
            );
        } else if let Some(first) = renamed.insert(old.as_str(), field) {
            errors.push(
                *span,
                format_args!(
                    "two fields are renamed from the column `{old}` (`{}` and `{}`): a column \
                     can only be renamed once",
                    first.name(),
                    field.name()
                ),
            );
        }
    }
    let primary_key: Vec<&str> = model
        .columns()
        .filter(|f| f.primary_key.is_some())
        .map(|f| f.column.as_str())
        .collect();
    let declared = |name: &str| {
        columns
            .get(name)
            .is_some_and(|f| !SYSTEM_COLUMNS.contains(&f.column.as_str()))
    };
    let renamed = |name: &str| {
        model
            .columns()
            .find(|f| f.name() == name && f.column != name)
            .map(|f| format!(" (the field `{name}` is the column `{}`)", f.column))
            .unwrap_or_default()
    };
    let mut check_key_column = |name: &str, span: Span, what: &str| {
        if !declared(name) {
            errors.push(
                span,
                format_args!(
                    "{what} column `{name}` is not a column of this model{}",
                    renamed(name)
                ),
            );
        } else if !primary_key.is_empty() && !primary_key.contains(&name) {
            errors.push(
                span,
                format_args!("{what} column `{name}` must be part of the primary key"),
            );
        }
    };
    if let Some((name, span)) = &model.clustered_by {
        check_key_column(name, *span, "the `clustered_by`");
    }
    for (name, span) in &model.partitioned_by {
        check_key_column(name, *span, "the `partitioned_by`");
    }
    let mut index_names: HashMap<&str, ()> = HashMap::new();
    for index in &model.fulltext {
        if columns.contains_key(index.name.as_str()) {
            errors.push(
                index.span,
                format_args!(
                    "the fulltext index `{}` has the name of a column",
                    index.name
                ),
            );
        }
        if index_names.insert(index.name.as_str(), ()).is_some() {
            errors.push(
                index.span,
                format_args!("two fulltext indexes are named `{}`", index.name),
            );
        }
        for (column, span) in &index.columns {
            if !declared(column) {
                errors.push(
                    *span,
                    format_args!(
                        "the fulltext column `{column}` is not a column of this model{}",
                        renamed(column)
                    ),
                );
            }
        }
    }
    for relation in model.relations.iter().filter(|r| r.belongs_to) {
        let (key, span) = &relation.key;
        if !declared(key) {
            errors.push(
                *span,
                format_args!(
                    "the `belongs_to` key `{key}` is not a column of this model{}",
                    renamed(key)
                ),
            );
        }
    }
    if primary_key.is_empty() && !columns.contains_key("_id") {
        errors.push(
            model.ident.span(),
            "a model needs a primary key (`#[cratedb(primary_key)]` on a field) or an `_id` \
             field (`#[cratedb(column = \"_id\", fetched)] id: Option<String>`) so that the \
             session can update and delete its rows",
        );
    }
}
