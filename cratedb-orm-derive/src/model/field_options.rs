//! Field-level options, and the checks of one field's options against each other.

use proc_macro2::Span;
use syn::spanned::Spanned;
use syn::{Ident, Lit, Path, Type};

use super::expect::{
    expect_bool, expect_expr, expect_flag, expect_name, expect_str, expected, item_key, Seen,
};
use super::{Field, Fulltext, ObjectSpec, FIELD_OPTIONS, STRUCT_OPTIONS, SYSTEM_COLUMNS};
use crate::attr::{Item, Value};
use crate::errors::Errors;
use crate::sql_type::parse_sql_type;

pub fn parse_field(ident: Ident, ty: Type, items: &[Item], errors: &mut Errors) -> Field {
    let mut field = Field {
        column: syn::ext::IdentExt::unraw(&ident).to_string(),
        ident,
        is_option: is_option(&ty),
        ty,
        skip: false,
        primary_key: None,
        default: None,
        server_default: None,
        generated: None,
        compute: None,
        index: None,
        columnstore: None,
        fulltext: None,
        named_fulltext: None,
        fetched: false,
        object: None,
        renamed_from: None,
    };
    let mut seen = Seen::default();
    let mut column_span = None;
    let mut fetched_span = None;
    let mut skip_span = None;
    for item in items {
        let Some(key) = item_key(item).filter(|k| !k.quoted) else {
            errors.push(
                item.span(),
                format_args!("expected a field option: {FIELD_OPTIONS}"),
            );
            continue;
        };
        if !seen.first(key, errors) {
            continue;
        }
        match key.name.as_str() {
            "primary_key" => {
                if expect_flag(item, errors) {
                    field.primary_key = Some(key.span);
                }
            }
            "column" => {
                if let Some(s) = expect_str(item, "column = \"_id\"", errors) {
                    column_span = Some(s.span());
                    field.column = s.value();
                }
            }
            "default" => match item {
                Item::Assign(_, Value::Path(path)) => field.default = Some(path.clone()),
                Item::Assign(_, Value::Lit(Lit::Str(s))) => match s.parse::<Path>() {
                    Ok(path) => field.default = Some(path),
                    Err(_) => errors.push(s.span(), "expected a function path"),
                },
                _ => expected(
                    item,
                    "`default` expects a function, e.g. `default = gen_key` (for a SQL \
                     expression use `server_default = \"now()\"`)",
                    errors,
                ),
            },
            "server_default" => {
                if let Some(s) = expect_expr(item, "server_default = \"now()\"", errors) {
                    field.server_default = Some(s);
                }
            }
            "generated" => {
                if let Some(s) = expect_expr(item, "generated = \"lower(name)\"", errors) {
                    field.generated = Some(s);
                }
            }
            "compute" => match item {
                Item::Assign(_, Value::Path(path)) => field.compute = Some(path.clone()),
                Item::Assign(_, Value::Lit(Lit::Str(s))) => match s.parse::<Path>() {
                    Ok(path) => field.compute = Some(path),
                    Err(_) => errors.push(s.span(), "expected a function path"),
                },
                _ => expected(
                    item,
                    "`compute` expects a function of the model, e.g. `compute = Reading::day_of` \
                     (`fn day_of(r: &Reading) -> TimestampTz`)",
                    errors,
                ),
            },
            "index" => {
                if let Some(b) = expect_bool(item, "index = false", errors) {
                    field.index = Some((b, key.span));
                }
            }
            "columnstore" => {
                if let Some(b) = expect_bool(item, "columnstore = false", errors) {
                    field.columnstore = Some((b, key.span));
                }
            }
            "fulltext" => match item {
                Item::Flag(_) => field.fulltext = Some((None, key.span)),
                Item::List(_, list) => {
                    let mut seen = Seen::default();
                    let mut analyzer = None;
                    let mut name = None;
                    for entry in list {
                        match item_key(entry) {
                            Some(k) if !seen.first(k, errors) => {}
                            Some(k) if k.name == "analyzer" => {
                                analyzer = expect_name(entry, "analyzer = \"english\"", errors);
                            }
                            Some(k) if k.name == "name" => {
                                name = expect_name(entry, "name = \"name_ft\"", errors);
                            }
                            Some(k) => errors.push(
                                k.span,
                                format_args!(
                                    "unknown fulltext option `{}`; expected `analyzer` or \
                                     `name` (a named index over several columns goes on the \
                                     struct: `#[cratedb(fulltext(name = \"…\", \
                                     columns(\"…\", \"…\")))]`)",
                                    k.name
                                ),
                            ),
                            None => errors.push(
                                entry.span(),
                                "expected `analyzer = \"…\"` or `name = \"…\"`",
                            ),
                        }
                    }
                    match name {
                        Some(name) => {
                            field.named_fulltext = Some(Fulltext {
                                name,
                                columns: Vec::new(),
                                analyzer,
                                span: key.span,
                            });
                        }
                        None => field.fulltext = Some((analyzer, key.span)),
                    }
                }
                Item::Assign(..) | Item::Bare(_) => expected(
                    item,
                    "`fulltext` expects `fulltext` or `fulltext(analyzer = \"english\")`",
                    errors,
                ),
            },
            "fetched" => {
                if expect_flag(item, errors) {
                    field.fetched = true;
                    fetched_span = Some(key.span);
                }
            }
            "object" => field.object = parse_object(item, errors),
            "renamed_from" => {
                if let Some(s) = expect_str(item, "renamed_from = \"old_name\"", errors) {
                    field.renamed_from = Some((s.value(), s.span()));
                }
            }
            "skip" => {
                if expect_flag(item, errors) {
                    field.skip = true;
                    skip_span = Some(key.span);
                }
            }
            other => {
                let hint = if STRUCT_OPTIONS.contains(&format!("`{other}`")) {
                    " (it is a struct option: put it on the struct)"
                } else {
                    ""
                };
                errors.push(
                    key.span,
                    format_args!(
                        "unknown field option `{other}`{hint}; expected one of {FIELD_OPTIONS}"
                    ),
                );
            }
        }
    }
    check_field(
        &mut field,
        column_span,
        fetched_span,
        skip_span,
        &seen,
        errors,
    );
    field
}

/// Checks the options of one field against each other.
fn check_field(
    field: &mut Field,
    column_span: Option<Span>,
    fetched_span: Option<Span>,
    skip_span: Option<Span>,
    seen: &Seen,
    errors: &mut Errors,
) {
    let span_of = |name: &str| seen.span_of(name);
    if let Some(skip) = skip_span {
        if seen.len() > 1 {
            errors.push(
                skip,
                "a `skip` field is not a column and takes no other options",
            );
        }
        return;
    }
    let column_span = column_span.unwrap_or(field.ident.span());
    if field.column.is_empty() {
        errors.push(column_span, "a column name cannot be empty");
    } else if field.column.contains('.') {
        errors.push(
            column_span,
            "CrateDB column names cannot contain `.`; use an `Object` for nested keys",
        );
    } else if field.column.starts_with('_') {
        if SYSTEM_COLUMNS.contains(&field.column.as_str()) {
            field.fetched = true;
            for option in [
                "primary_key",
                "default",
                "server_default",
                "generated",
                "compute",
                "index",
                "columnstore",
                "fulltext",
                "object",
                "renamed_from",
            ] {
                if let Some(span) = span_of(option) {
                    errors.push(
                        span,
                        format_args!(
                            "`{}` is a system column: it is read-only and not declared in \
                             the table, so `{option}` does not apply",
                            field.column
                        ),
                    );
                }
            }
        } else {
            errors.push(
                column_span,
                format_args!(
                    "column names starting with `_` are reserved for CrateDB's system \
                     columns ({})",
                    SYSTEM_COLUMNS.join(", ")
                ),
            );
        }
    }
    if let Some((old, span)) = &field.renamed_from {
        check_renamed_from(old, *span, &field.column, errors);
    }
    if let Some((_, span)) = &field.generated {
        for (option, present) in [
            ("default", field.default.is_some()),
            ("server_default", field.server_default.is_some()),
        ] {
            if present {
                errors.push(
                    *span,
                    format_args!(
                        "a `generated` column is computed by CrateDB and cannot also have \
                         `{option}`"
                    ),
                );
            }
        }
    }
    if let (Some(path), None) = (&field.compute, &field.generated) {
        let span = span_of("compute").unwrap_or_else(|| path.span());
        errors.push(
            span,
            "`compute` gives a `generated` column's value on the client: add \
             `generated = \"…\"` (the expression CrateDB checks the value against), or use \
             `default = …` for a plain client-side default",
        );
    }
    if let (Some((_, span)), true) = (&field.generated, field.primary_key.is_some()) {
        if !field.is_option {
            errors.push(
                *span,
                "a `generated` primary-key column gets its value from CrateDB after the insert \
                 (or from `compute = …` on the client), so the field must be `Option<…>`",
            );
        }
    }
    if let (Some(_), false) = (&field.compute, field.is_option) {
        if field.generated.is_some() && field.primary_key.is_none() {
            if let Some(span) = span_of("compute") {
                errors.push(
                    span,
                    "`compute` fills the field only while it is `None`, so the field must be \
                     `Option<…>`",
                );
            }
        }
    }
    if let (Some(path), Some((_, span))) = (&field.default, &field.server_default) {
        errors.push(
            *span,
            format_args!(
                "`server_default` conflicts with `default = {}`: choose the client-side or \
                 the server-side default",
                quote::quote!(#path).to_string().replace(' ', "")
            ),
        );
    }
    if let Some(fetched) = fetched_span {
        for option in ["default", "server_default", "generated", "compute"] {
            if span_of(option).is_some() {
                errors.push(
                    fetched,
                    format_args!(
                        "a `fetched` column gets its value from CrateDB and cannot also \
                         have `{option}`"
                    ),
                );
            }
        }
    }
    if let (Some((false, _)), Some((_, fulltext))) = (field.index, &field.fulltext) {
        errors.push(
            *fulltext,
            "`fulltext` conflicts with `index = false` (`INDEX OFF` disables every index)",
        );
    }
    if let Some(path) = &field.default {
        if !field.is_option {
            let span = span_of("default").unwrap_or_else(|| path.span());
            errors.push(
                span,
                format_args!(
                    "`default = {}` fills the field only while it is `None`, so the field \
                     must be `Option<…>`: a client-side default never replaces a value you \
                     set (`false`, `0` and `\"\"` are values too)",
                    quote::quote!(#path).to_string().replace(' ', "")
                ),
            );
        }
    }
    if let Some((_, span)) = &field.server_default {
        if !field.is_option {
            errors.push(
                *span,
                "`server_default` lets CrateDB fill the column when the model leaves it \
                 `None`, so the field must be `Option<…>`: a non-`Option` field always \
                 sends its Rust value and the server default would never apply",
            );
        }
    }
    if let Some(pk) = field.primary_key {
        let filled = field.server_default.is_some()
            || field.fetched
            || field.default.is_some()
            || field.generated.is_some();
        if field.is_option && !filled {
            errors.push(
                pk,
                "a primary key cannot be `Option<…>` (primary keys are NOT NULL), unless it \
                 is filled for you: add `default = some_fn` (a client-side key), \
                 `server_default = \"…\"` or `fetched`, or use a non-`Option` type",
            );
        }
    }
}

/// `renamed_from = "old"`: a former column name, which must be a name a column could have
/// had, and not the column's own name.
fn check_renamed_from(old: &str, span: Span, column: &str, errors: &mut Errors) {
    if old.is_empty() {
        errors.push(span, "`renamed_from` needs the column's former name");
    } else if old == column {
        errors.push(
            span,
            format_args!(
                "`renamed_from = \"{old}\"` is the column's own name: name the column it had \
                 before (a migration renames that column to `{column}`)"
            ),
        );
    } else if old.contains('.') || old.contains('[') {
        errors.push(
            span,
            "`renamed_from` names a top-level column (CrateDB column names cannot contain `.`; \
             keys of an object column are not renamed through a field)",
        );
    } else if old.starts_with('_') {
        errors.push(
            span,
            format_args!(
                "`{old}` cannot be a former column name: names starting with `_` are \
                 reserved for CrateDB's system columns, which cannot be renamed"
            ),
        );
    }
}

/// `object(policy = "strict", columns(name = "TEXT", …))`.
fn parse_object(item: &Item, errors: &mut Errors) -> Option<ObjectSpec> {
    let Item::List(key, list) = item else {
        expected(
            item,
            "`object` expects `object(policy = \"strict\")` and/or \
             `object(columns(name = \"TEXT\"))`",
            errors,
        );
        return None;
    };
    let mut spec = ObjectSpec {
        policy: None,
        columns: Vec::new(),
        span: key.span,
    };
    let mut seen = Seen::default();
    for entry in list {
        let Some(k) = item_key(entry) else {
            errors.push(entry.span(), "expected `policy = \"…\"` or `columns(…)`");
            continue;
        };
        if !seen.first(k, errors) {
            continue;
        }
        match k.name.as_str() {
            "policy" => {
                if let Some(s) = expect_str(entry, "policy = \"strict\"", errors) {
                    let variant = match s.value().to_lowercase().as_str() {
                        "dynamic" => "Dynamic",
                        "strict" => "Strict",
                        "ignored" => "Ignored",
                        _ => {
                            errors.push(
                                s.span(),
                                "an object policy is \"dynamic\", \"strict\" or \"ignored\"",
                            );
                            continue;
                        }
                    };
                    spec.policy = Some(Ident::new(variant, s.span()));
                }
            }
            "columns" => {
                let Item::List(_, cols) = entry else {
                    expected(
                        entry,
                        "`columns` expects `columns(name = \"TEXT\", …)`",
                        errors,
                    );
                    continue;
                };
                let mut names = Seen::default();
                for col in cols {
                    let Item::Assign(name, value) = col else {
                        errors.push(col.span(), "expected `name = \"TYPE\"`");
                        continue;
                    };
                    if !names.first(name, errors) {
                        continue;
                    }
                    let Some(ty) = value.as_str() else {
                        errors.push(value.span(), "expected a type name, e.g. \"TEXT\"");
                        continue;
                    };
                    match parse_sql_type(&ty.value()) {
                        Ok(tokens) => spec.columns.push((name.name.clone(), tokens)),
                        Err(message) => errors.push(ty.span(), message),
                    }
                }
            }
            other => errors.push(
                k.span,
                format_args!("unknown object option `{other}`; expected `policy` or `columns`"),
            ),
        }
    }
    Some(spec)
}

/// Whether the type is written `Option<…>` (any path ending in `Option`).
fn is_option(ty: &Type) -> bool {
    match ty {
        Type::Path(p) if p.qself.is_none() => p.path.segments.last().is_some_and(|s| {
            s.ident == "Option" && matches!(s.arguments, syn::PathArguments::AngleBracketed(_))
        }),
        Type::Group(g) => is_option(&g.elem),
        Type::Paren(p) => is_option(&p.elem),
        _ => false,
    }
}
