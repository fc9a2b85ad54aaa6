//! `#[derive(CrateModel)]` for [`cratedb-orm`](https://docs.rs/cratedb-orm), the Rust ORM
//! for CrateDB: a struct becomes a table model with its DDL, a typed column accessor per
//! field and the row codec the session uses. Use it through `cratedb_orm::CrateModel` (this
//! crate is re-exported there); misuse is a compile error pointing at the attribute or type.
//!
//! ```
//! use cratedb_orm::{CrateModel, Object, TimestampTz};
//!
//! #[derive(CrateModel, Debug, Clone, Default, PartialEq)]
//! #[cratedb(table = "characters", number_of_shards = 3)]
//! pub struct Character {
//!     #[cratedb(primary_key)]
//!     pub id: String,
//!     #[cratedb(fulltext(name = "quote_ft", analyzer = "english"))]
//!     pub quote: String,                    // not an Option: NOT NULL
//!     pub details: Option<Object>,          // OBJECT, nullable
//!     #[cratedb(server_default = "now()")]
//!     pub created_at: Option<TimestampTz>,  // filled by CrateDB, read back after insert
//! }
//!
//! assert_eq!(
//!     Character::create_table_sql(),
//!     r#"CREATE TABLE "characters" ("id" TEXT NOT NULL, "quote" TEXT NOT NULL, "details" OBJECT, "created_at" TIMESTAMP WITH TIME ZONE DEFAULT now(), INDEX "quote_ft" USING FULLTEXT ("quote") WITH (analyzer = 'english'), PRIMARY KEY ("id")) CLUSTERED INTO 3 SHARDS"#
//! );
//! // A typed column for the query DSL:
//! let condition = Character::quote().eq("Don't panic");
//! # let _ = condition;
//! ```
//!
//! The `#[cratedb(...)]` options are documented on `cratedb_orm::CrateModel`.
//!
//! Pipeline (as in `serde_derive`): `attr` parses every `#[cratedb(...)]` into a uniform
//! syntax tree → `model` interprets and validates it, collecting all errors with the span
//! of the offending token → `expand` emits the `CrateModel` impl, column accessors, DDL
//! functions and `const` type checks, using only `::cratedb_orm::__private::` paths (the
//! ORM's one door for generated code). A model with errors gets, beside its errors, a
//! stand-in impl (`expand/fallback.rs`), so that its uses add no errors of their own.
//!
//! The attribute reference is in `cratedb_orm`'s documentation of `CrateModel`.

mod attr;
mod case;
mod errors;
mod expand;
mod model;
mod sql_type;

use proc_macro::TokenStream;

/// Derives `cratedb_orm::CrateModel` for a struct with named fields. See the
/// `cratedb_orm::CrateModel` documentation for the `#[cratedb(...)]` options.
#[proc_macro_derive(CrateModel, attributes(cratedb))]
pub fn derive_crate_model(input: TokenStream) -> TokenStream {
    let input = syn::parse_macro_input!(input as syn::DeriveInput);
    match model::build(&input) {
        (Some(model), errors) if errors.is_empty() => expand::expand(&model),
        (model, errors) => {
            // Report the type-dependent mistakes in the same compilation as the others.
            let mut out = errors.to_compile_errors();
            if let Some(model) = &model {
                let fields: Vec<&model::Field> = model.fields.iter().collect();
                out.extend(expand::type_checks(&model.ident, &fields, &model.fulltext));
            }
            // A generic type cannot get the stand-in impl (its error says so already).
            if input.generics.params.is_empty() {
                out.extend(expand::fallback(&input.ident, model.as_ref()));
            }
            out
        }
    }
    .into()
}
