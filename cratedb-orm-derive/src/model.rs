//! The validated model: `#[cratedb(...)]` items interpreted and checked, with every
//! mistake collected as a `syn::Error` pointing at the offending token.
//!
//! Checks that need the field's Rust type (e.g. `index = false` on an OBJECT) cannot be
//! done here, since a macro sees only syntax; they become `const` assertions in the
//! expansion (see `expand/checks.rs`), except the obvious `Option<…>` primary key which is
//! reported here with a better message.

use std::collections::HashMap;

use proc_macro2::{Span, TokenStream};
use syn::spanned::Spanned;
use syn::{Data, DeriveInput, Fields, Ident, Lit, LitStr, Path, Type};

use crate::attr::{parse_attrs, Item, Key, Value};
use crate::case::snake_case;
use crate::errors::Errors;
use crate::sql_type::parse_sql_type;

/// System columns a field may map to (read-only, never in DDL).
const SYSTEM_COLUMNS: &[&str] = &[
    "_id",
    "_seq_no",
    "_primary_term",
    "_score",
    "_version",
    "_docid",
    "_raw",
];

/// Functions an accessor must not clash with: the generated DDL functions, and the
/// `CrateModel` methods (an inherent `Model::meta()` would shadow the trait's).
const RESERVED_FNS: &[&str] = &[
    "create_table_sql",
    "create_table_if_not_exists_sql",
    "drop_table_sql",
    "drop_table_if_exists_sql",
    "meta",
    "to_values",
    "column_value",
    "from_row",
    "set_column",
    "apply_defaults",
];

const STRUCT_OPTIONS: &str = "`table`, `schema`, `number_of_shards`, `number_of_replicas`, \
    `clustered_by`, `partitioned_by`, `with`, `fulltext`, `versioned`";

const FIELD_OPTIONS: &str = "`primary_key`, `column`, `default`, `server_default`, \
    `generated`, `index`, `columnstore`, `fulltext`, `fetched`, `object`, `skip`";

/// A table setting in `WITH (…)`.
pub enum Setting {
    Text(String),
    Int(i64),
    Float(f64),
    Bool(bool),
}

/// A named fulltext index.
pub struct Fulltext {
    pub name: String,
    /// Column names, with where each was written.
    pub columns: Vec<(String, Span)>,
    pub analyzer: Option<String>,
    /// Where `fulltext` was written.
    pub span: Span,
}

/// `object(policy = "…", columns(key = "TYPE", …))` on a field.
pub struct ObjectSpec {
    /// `Dynamic`, `Strict` or `Ignored`.
    pub policy: Option<Ident>,
    /// Declared sub-columns: name and an expression building its `SqlType`.
    pub columns: Vec<(String, TokenStream)>,
    pub span: Span,
}

/// One struct field.
pub struct Field {
    pub ident: Ident,
    pub ty: Type,
    /// The SQL column name.
    pub column: String,
    pub skip: bool,
    pub primary_key: Option<Span>,
    pub default: Option<Path>,
    pub server_default: Option<(String, Span)>,
    pub generated: Option<(String, Span)>,
    /// `Some((false, span))` for `index = false`.
    pub index: Option<(bool, Span)>,
    pub columnstore: Option<(bool, Span)>,
    /// Column-level fulltext index with an optional analyzer.
    pub fulltext: Option<(Option<String>, Span)>,
    /// `fulltext(name = "…", analyzer = "…")` on the field: a named index over this column
    /// (its column name is filled in by [`build`]).
    pub named_fulltext: Option<Fulltext>,
    /// Explicit `fetched`, or a system column.
    pub fetched: bool,
    pub object: Option<ObjectSpec>,
    /// The field's type is syntactically `Option<…>`.
    pub is_option: bool,
}

impl Field {
    /// The field name without `r#`.
    pub fn name(&self) -> String {
        syn::ext::IdentExt::unraw(&self.ident).to_string()
    }
}

/// The whole model.
pub struct Model {
    pub ident: Ident,
    pub table: String,
    pub schema: Option<String>,
    pub number_of_shards: Option<u32>,
    pub clustered_by: Option<(String, Span)>,
    pub partitioned_by: Vec<(String, Span)>,
    pub with: Vec<(String, Setting)>,
    pub fulltext: Vec<Fulltext>,
    pub versioned: bool,
    /// Every field, persisted or skipped, in declaration order.
    pub fields: Vec<Field>,
}

impl Model {
    /// The persisted fields, in column order.
    pub fn columns(&self) -> impl Iterator<Item = &Field> {
        self.fields.iter().filter(|f| !f.skip)
    }
}

/// Builds and validates the model: the model as far as it could be read (`None` when the
/// input is not a struct with named fields) and every error found. The model is valid only
/// when there are no errors; otherwise it still serves for the type-dependent checks.
pub fn build(input: &DeriveInput) -> (Option<Model>, Errors) {
    let mut errors = Errors::default();
    if !input.generics.params.is_empty() || input.generics.where_clause.is_some() {
        errors.push(
            input.generics.span(),
            "#[derive(CrateModel)] does not support generic structs: a model maps one table",
        );
    }
    let named = match &input.data {
        Data::Struct(data) => match &data.fields {
            Fields::Named(named) => Some(named),
            _ => None,
        },
        _ => None,
    };
    let Some(named) = named else {
        errors.push(
            input.ident.span(),
            "#[derive(CrateModel)] needs a struct with named fields",
        );
        return (None, errors);
    };

    let mut model = Model {
        ident: input.ident.clone(),
        table: snake_case(&input.ident.to_string()),
        schema: None,
        number_of_shards: None,
        clustered_by: None,
        partitioned_by: Vec::new(),
        with: Vec::new(),
        fulltext: Vec::new(),
        versioned: false,
        fields: Vec::new(),
    };
    parse_struct_options(
        &parse_attrs(&input.attrs, &mut errors),
        &mut model,
        &mut errors,
    );

    for field in &named.named {
        let Some(ident) = field.ident.clone() else {
            continue;
        };
        let items = parse_attrs(&field.attrs, &mut errors);
        let mut field = parse_field(ident, field.ty.clone(), &items, &mut errors);
        if let Some(mut index) = field.named_fulltext.take() {
            index.columns = vec![(field.column.clone(), index.span)];
            model.fulltext.push(index);
        }
        model.fields.push(field);
    }

    validate(&model, &mut errors);
    (Some(model), errors)
}

/// Reports a second occurrence of the same option.
#[derive(Default)]
struct Seen(HashMap<String, Span>);

impl Seen {
    /// True the first time `key` is seen; afterwards reports a duplicate and returns false.
    fn first(&mut self, key: &Key, errors: &mut Errors) -> bool {
        if self.0.contains_key(&key.name) {
            errors.push(key.span, format_args!("duplicate option `{}`", key.name));
            false
        } else {
            self.0.insert(key.name.clone(), key.span);
            true
        }
    }
}

fn parse_struct_options(items: &[Item], model: &mut Model, errors: &mut Errors) {
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
        // `fulltext(...)` may be repeated; `with(...)` entries are checked one by one.
        if key.name != "fulltext" && key.name != "with" && !seen.first(key, errors) {
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

fn parse_field(ident: Ident, ty: Type, items: &[Item], errors: &mut Errors) -> Field {
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
        index: None,
        columnstore: None,
        fulltext: None,
        named_fulltext: None,
        fetched: false,
        object: None,
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
    let span_of = |name: &str| seen.0.get(name).copied();
    if let Some(skip) = skip_span {
        if seen.0.len() > 1 {
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
                "index",
                "columnstore",
                "fulltext",
                "object",
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
    if let Some((_, span)) = &field.generated {
        for (option, present) in [
            ("default", field.default.is_some()),
            ("server_default", field.server_default.is_some()),
            ("primary_key", field.primary_key.is_some()),
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
        for option in ["default", "server_default", "generated"] {
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
    if let Some(pk) = field.primary_key {
        let server_generated = field.server_default.is_some() || field.fetched;
        if field.is_option && !server_generated {
            errors.push(
                pk,
                "a primary key cannot be `Option<…>` (primary keys are NOT NULL), unless \
                 CrateDB generates it: add `server_default = \"…\"` or `fetched`, or use a \
                 non-`Option` type (with `default = some_fn` for a client-side key)",
            );
        }
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

/// Cross-field checks: column names, keys, clustering, partitioning, indexes, identity.
fn validate(model: &Model, errors: &mut Errors) {
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
        let name = field.name();
        if RESERVED_FNS.contains(&name.as_str()) {
            errors.push(
                field.ident.span(),
                format_args!(
                    "a field named `{name}` would get an accessor `{}::{name}()` that clashes \
                     with the generated function of that name; rename the field and keep the \
                     column name with `#[cratedb(column = \"{name}\")]`",
                    model.ident
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
    if primary_key.is_empty() && !columns.contains_key("_id") {
        errors.push(
            model.ident.span(),
            "a model needs a primary key (`#[cratedb(primary_key)]` on a field) or an `_id` \
             field (`#[cratedb(column = \"_id\", fetched)] id: Option<String>`) so that the \
             session can update and delete its rows",
        );
    }
}

// ---- small helpers ------------------------------------------------------------------

fn item_key(item: &Item) -> Option<&Key> {
    match item {
        Item::Flag(k) | Item::Assign(k, _) | Item::List(k, _) => Some(k),
        Item::Bare(_) => None,
    }
}

fn expected(item: &Item, message: &str, errors: &mut Errors) {
    let span = match item {
        Item::Assign(_, value) => value.span(),
        other => other.span(),
    };
    errors.push(span, message);
}

/// Whether the flag is set. A flag written with a value is reported but still counts as
/// set, so that one mistake does not cascade into others (e.g. "no primary key").
fn expect_flag(item: &Item, errors: &mut Errors) -> bool {
    match item {
        Item::Flag(_) => true,
        Item::Assign(k, _) | Item::List(k, _) => {
            errors.push(
                k.span,
                format_args!("`{}` takes no value: write just `{}`", k.name, k.name),
            );
            true
        }
        Item::Bare(v) => {
            errors.push(v.span(), "expected an option name");
            false
        }
    }
}

fn expect_str(item: &Item, example: &str, errors: &mut Errors) -> Option<LitStr> {
    if let Item::Assign(_, Value::Lit(Lit::Str(s))) = item {
        return Some(s.clone());
    }
    let name = item_key(item).map(|k| k.name.clone()).unwrap_or_default();
    expected(
        item,
        &format!("`{name}` expects a string, e.g. `{example}`"),
        errors,
    );
    None
}

/// A non-empty string (a name).
fn expect_name(item: &Item, example: &str, errors: &mut Errors) -> Option<String> {
    let s = expect_str(item, example, errors)?;
    if s.value().is_empty() {
        errors.push(s.span(), "this name cannot be empty");
        return None;
    }
    Some(s.value())
}

/// A non-empty SQL expression, with its span.
fn expect_expr(item: &Item, example: &str, errors: &mut Errors) -> Option<(String, Span)> {
    let s = expect_str(item, example, errors)?;
    if s.value().trim().is_empty() {
        errors.push(s.span(), "the SQL expression cannot be empty");
        return None;
    }
    Some((s.value(), s.span()))
}

fn expect_bool(item: &Item, example: &str, errors: &mut Errors) -> Option<bool> {
    if let Item::Assign(_, Value::Lit(Lit::Bool(b))) = item {
        return Some(b.value);
    }
    let name = item_key(item).map(|k| k.name.clone()).unwrap_or_default();
    expected(
        item,
        &format!("`{name}` expects `true` or `false`, e.g. `{example}`"),
        errors,
    );
    None
}

fn expect_int(item: &Item, example: &str, errors: &mut Errors) -> Option<(i64, Span)> {
    match item {
        Item::Assign(_, Value::Lit(Lit::Int(i))) => match i.base10_parse() {
            Ok(n) => Some((n, i.span())),
            Err(e) => {
                errors.push_error(e);
                None
            }
        },
        Item::Assign(_, v @ Value::Neg(Lit::Int(_), _)) => {
            errors.push(
                v.span(),
                format_args!("expected a positive integer, e.g. `{example}`"),
            );
            None
        }
        _ => {
            let name = item_key(item).map(|k| k.name.clone()).unwrap_or_default();
            expected(
                item,
                &format!("`{name}` expects an integer, e.g. `{example}`"),
                errors,
            );
            None
        }
    }
}

/// A list of string literals (`columns("a", "b")`).
fn string_list(items: &[Item], example: &str, errors: &mut Errors) -> Vec<LitStr> {
    let mut out = Vec::new();
    for item in items {
        match item {
            Item::Bare(Value::Lit(Lit::Str(s))) if !s.value().is_empty() => out.push(s.clone()),
            other => errors.push(
                other.span(),
                format_args!("expected a column name as a string, e.g. `{example}`"),
            ),
        }
    }
    out
}

fn setting_value(value: &Value, errors: &mut Errors) -> Option<Setting> {
    let parsed = match value {
        Value::Lit(Lit::Str(s)) => Ok(Setting::Text(s.value())),
        Value::Lit(Lit::Bool(b)) => Ok(Setting::Bool(b.value)),
        Value::Lit(Lit::Int(i)) => i.base10_parse().map(Setting::Int),
        Value::Lit(Lit::Float(f)) => f.base10_parse().map(Setting::Float),
        Value::Neg(Lit::Int(i), _) => i.base10_parse::<i64>().map(|n| Setting::Int(-n)),
        Value::Neg(Lit::Float(f), _) => f.base10_parse::<f64>().map(|x| Setting::Float(-x)),
        other => Err(syn::Error::new(
            other.span(),
            "a table setting is a string, number or boolean",
        )),
    };
    parsed.map_err(|e| errors.push_error(e)).ok()
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
