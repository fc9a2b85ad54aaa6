//! The validated model: `#[cratedb(...)]` items interpreted and checked, with every
//! mistake collected as a `syn::Error` pointing at the offending token.
//!
//! Checks that need the field's Rust type (e.g. `index = false` on an OBJECT) cannot be
//! done here, since a macro sees only syntax; they become `const` assertions in the
//! expansion (see `expand/checks.rs`), except the obvious `Option<…>` primary key which is
//! reported here with a better message.

use proc_macro2::{Span, TokenStream};
use syn::spanned::Spanned;
use syn::{Data, DeriveInput, Fields, Ident, Path, Type};

use crate::attr::parse_attrs;
use crate::case::snake_case;
use crate::errors::Errors;

mod expect;
mod field_options;
mod struct_options;
mod validate;

use field_options::parse_field;
use struct_options::parse_struct_options;
use validate::validate;

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

const STRUCT_OPTIONS: &str = "`table`, `schema`, `number_of_shards`, `number_of_replicas`, \
    `clustered_by`, `partitioned_by`, `with`, `fulltext`, `versioned`, `belongs_to`, `has_many`";

const FIELD_OPTIONS: &str = "`primary_key`, `column`, `default`, `server_default`, \
    `generated`, `compute`, `index`, `columnstore`, `fulltext`, `fetched`, `object`, \
    `renamed_from`, `skip`";

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

/// A relationship through a key: `belongs_to(parent = Device, key = "device_id")` (this
/// model's column `key` holds a `Device`'s primary key) or `has_many(child = Alert, key =
/// "device_id")` (the `Alert` column `key` holds this model's primary key).
pub struct RelationSpec {
    /// `true` for `belongs_to`, `false` for `has_many`.
    pub belongs_to: bool,
    /// The other model.
    pub other: Path,
    /// The key column (of this model for `belongs_to`, of the child for `has_many`), with
    /// where it was written.
    pub key: (String, Span),
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
    /// `compute = path`: a function of the model that gives a `generated` column's value on
    /// the client (what CrateDB would compute), so the column is sent and checked by CrateDB.
    pub compute: Option<Path>,
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
    /// `renamed_from = "old"`: the column's former name, with where it was written (a
    /// migration renames the column instead of adding a new one).
    pub renamed_from: Option<(String, Span)>,
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
    /// Relationships declared on the struct.
    pub relations: Vec<RelationSpec>,
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
        relations: Vec::new(),
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
