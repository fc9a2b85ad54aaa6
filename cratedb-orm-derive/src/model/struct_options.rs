//! Struct-level options: table, schema, sharding, partitioning, settings, named indexes.

use syn::Lit;

use super::expect::{
    expect_flag, expect_int, expect_name, expect_str, expected, item_key, setting_value,
    string_list, Seen,
};
use super::{Fulltext, Model, RelationSpec, Setting, FIELD_OPTIONS, STRUCT_OPTIONS};
use crate::attr::{Item, Value};
use crate::errors::Errors;

pub fn parse_struct_options(items: &[Item], model: &mut Model, errors: &mut Errors) {
    let mut seen = Seen::default();
    let mut setting_names = Seen::default();
    for item in items {
        let key = match item {
            Item::Flag(k) | Item::Assign(k, _) | Item::List(k, _) if !k.quoted => k,
            other => {
                errors.push(
                    other.span(),
                    format_args!("expected a struct option: {STRUCT_OPTIONS}"),
                );
                continue;
            }
        };
        // `fulltext(...)` and relationships may be repeated; `with(...)` entries are checked
        // one by one.
        let repeatable = ["fulltext", "with", "belongs_to", "has_many"];
        if !repeatable.contains(&key.name.as_str()) && !seen.first(key, errors) {
            continue;
        }
        match key.name.as_str() {
            "table" => {
                if let Some(s) = expect_name(item, "table = \"characters\"", errors) {
                    model.table = s;
                }
            }
            "schema" => {
                if let Some(s) = expect_name(item, "schema = \"doc\"", errors) {
                    model.schema = Some(s);
                }
            }
            "number_of_shards" => {
                if let Some((n, span)) = expect_int(item, "number_of_shards = 3", errors) {
                    match u32::try_from(n) {
                        Ok(n) if n >= 1 => model.number_of_shards = Some(n),
                        _ => errors.push(span, "`number_of_shards` must be at least 1"),
                    }
                }
            }
            "number_of_replicas" => {
                if setting_names.first(key, errors) {
                    match item {
                        Item::Assign(_, Value::Lit(Lit::Str(s))) => model
                            .with
                            .push(("number_of_replicas".into(), Setting::Text(s.value()))),
                        Item::Assign(_, Value::Lit(Lit::Int(i))) => match i.base10_parse() {
                            Ok(n) => model
                                .with
                                .push(("number_of_replicas".into(), Setting::Int(n))),
                            Err(e) => errors.push_error(e),
                        },
                        _ => expected(
                            item,
                            "`number_of_replicas` expects an integer or a range, e.g. \
                             `number_of_replicas = \"0-1\"`",
                            errors,
                        ),
                    }
                }
            }
            "clustered_by" => {
                if let Some(s) = expect_str(item, "clustered_by = \"id\"", errors) {
                    model.clustered_by = Some((s.value(), s.span()));
                }
            }
            "partitioned_by" => {
                let columns = match item {
                    Item::Assign(_, Value::Lit(Lit::Str(s))) => vec![s.clone()],
                    Item::List(k, list) => {
                        if list.is_empty() {
                            errors.push(k.span, "`partitioned_by` needs at least one column");
                        }
                        string_list(list, "partitioned_by(\"day\")", errors)
                    }
                    _ => {
                        expected(
                            item,
                            "`partitioned_by` expects column names, e.g. \
                             `partitioned_by(\"day\")`",
                            errors,
                        );
                        Vec::new()
                    }
                };
                for s in columns {
                    model.partitioned_by.push((s.value(), s.span()));
                }
            }
            "with" => {
                let Item::List(_, list) = item else {
                    expected(
                        item,
                        "`with` expects table settings, e.g. `with(refresh_interval = 1000)`",
                        errors,
                    );
                    continue;
                };
                for entry in list {
                    let Item::Assign(k, value) = entry else {
                        errors.push(
                            entry.span(),
                            "expected a table setting, e.g. `refresh_interval = 1000` or \
                             `\"blocks.read_only\" = true`",
                        );
                        continue;
                    };
                    if !setting_names.first(k, errors) {
                        continue;
                    }
                    if let Some(setting) = setting_value(value, errors) {
                        if k.name.is_empty() {
                            errors.push(k.span, "a setting name cannot be empty");
                        } else {
                            model.with.push((k.name.clone(), setting));
                        }
                    }
                }
            }
            "fulltext" => {
                if let Some(index) = parse_named_fulltext(item, errors) {
                    model.fulltext.push(index);
                }
            }
            "versioned" => {
                if expect_flag(item, errors) {
                    model.versioned = true;
                }
            }
            "belongs_to" | "has_many" => {
                if let Some(relation) = parse_relation(item, key.name == "belongs_to", errors) {
                    model.relations.push(relation);
                }
            }
            other => {
                let hint = if FIELD_OPTIONS.contains(&format!("`{other}`")) {
                    " (it is a field option: put it on a field)"
                } else {
                    ""
                };
                errors.push(
                    key.span,
                    format_args!(
                        "unknown struct option `{other}`{hint}; expected one of {STRUCT_OPTIONS}"
                    ),
                );
            }
        }
    }
}

/// `fulltext(name = "name_ft", columns("name"), analyzer = "english")` on the struct.
fn parse_named_fulltext(item: &Item, errors: &mut Errors) -> Option<Fulltext> {
    let Item::List(key, list) = item else {
        expected(
            item,
            "`fulltext` expects `fulltext(name = \"name_ft\", columns(\"name\"), \
             analyzer = \"english\")`",
            errors,
        );
        return None;
    };
    let mut seen = Seen::default();
    let mut name = None;
    let mut columns = Vec::new();
    let mut analyzer = None;
    let mut ok = true;
    for entry in list {
        let Some(k) = item_key(entry) else {
            errors.push(
                entry.span(),
                "expected `name = \"…\"`, `columns(\"…\")` or `analyzer = \"…\"`",
            );
            ok = false;
            continue;
        };
        if !seen.first(k, errors) {
            ok = false;
            continue;
        }
        match k.name.as_str() {
            "name" => name = expect_name(entry, "name = \"name_ft\"", errors),
            "analyzer" => {
                analyzer = expect_name(entry, "analyzer = \"english\"", errors);
            }
            "columns" => match entry {
                Item::List(_, cols) => columns = string_list(cols, "columns(\"name\")", errors),
                _ => {
                    expected(entry, "`columns` expects `columns(\"name\", …)`", errors);
                    ok = false;
                }
            },
            other => {
                errors.push(
                    k.span,
                    format_args!(
                        "unknown fulltext option `{other}`; expected `name`, `columns` or \
                         `analyzer`"
                    ),
                );
                ok = false;
            }
        }
    }
    let Some(name) = name else {
        if ok {
            errors.push(
                key.span,
                "a fulltext index needs a name: `fulltext(name = \"name_ft\", …)`",
            );
        }
        return None;
    };
    if columns.is_empty() {
        errors.push(
            key.span,
            "a fulltext index needs columns: `fulltext(…, columns(\"name\"))`",
        );
        return None;
    }
    Some(Fulltext {
        name,
        columns: columns.iter().map(|c| (c.value(), c.span())).collect(),
        analyzer,
        span: key.span,
    })
}

/// `belongs_to(parent = Device, key = "device_id")` or `has_many(child = Alert, key =
/// "device_id")` on the struct.
fn parse_relation(item: &Item, belongs_to: bool, errors: &mut Errors) -> Option<RelationSpec> {
    let (other_name, example) = if belongs_to {
        (
            "parent",
            "`belongs_to(parent = Device, key = \"device_id\")`",
        )
    } else {
        ("child", "`has_many(child = Alert, key = \"device_id\")`")
    };
    let Item::List(head, list) = item else {
        expected(item, &format!("expected {example}"), errors);
        return None;
    };
    let mut seen = Seen::default();
    let mut other = None;
    let mut key = None;
    for entry in list {
        match (item_key(entry), entry) {
            (Some(k), _) if !seen.first(k, errors) => {}
            (Some(k), Item::Assign(_, Value::Path(path))) if k.name == other_name => {
                other = Some(path.clone());
            }
            (Some(k), _) if k.name == "key" => {
                if let Some(s) = expect_str(entry, "key = \"device_id\"", errors) {
                    key = Some((s.value(), s.span()));
                }
            }
            (Some(k), _) if k.name == other_name => {
                errors.push(
                    entry.span(),
                    format_args!("`{other_name}` expects a model type, e.g. {example}"),
                );
            }
            (Some(k), _) => errors.push(
                k.span,
                format_args!(
                    "unknown option `{}`; expected `{other_name}` and `key`, e.g. {example}",
                    k.name
                ),
            ),
            (None, _) => errors.push(entry.span(), format_args!("expected {example}")),
        }
    }
    match (other, key) {
        (Some(other), Some(key)) => Some(RelationSpec {
            belongs_to,
            other,
            key,
        }),
        (None, _) => {
            errors.push(
                head.span,
                format_args!("missing `{other_name} = Model`: {example}"),
            );
            None
        }
        (_, None) => {
            errors.push(head.span, format_args!("missing `key = \"…\"`: {example}"));
            None
        }
    }
}
