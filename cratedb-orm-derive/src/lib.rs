//! `#[derive(CrateModel)]` for `cratedb-orm`.
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
