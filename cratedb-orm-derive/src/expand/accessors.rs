//! Typed column accessors for the query DSL: `Character::name()`.

use proc_macro2::TokenStream;
use quote::quote;

use crate::model::Model;

/// `pub const fn <field>() -> Column<Self, FieldType>` for every persisted field, and
/// `pub const fn <index>() -> expr::Index<Self>` for every named fulltext index.
pub fn accessors(model: &Model) -> TokenStream {
    let ident = &model.ident;
    // Columns and indexes know their table, to be written qualified where a statement reads
    // several tables.
    let table = &model.table;
    // A field named like a DDL function gets no accessor: the reserved-name check reports
    // it (one error, not a second one for a duplicate definition).
    let fns = model.columns().filter(|f| {
        let name = f.name();
        !super::ddl::DDL_FNS.iter().any(|(ddl, _, _)| *ddl == name)
    });
    let fns = fns.map(|f| {
        let name = &f.ident;
        let ty = &f.ty;
        let column = &f.column;
        let doc = format!(
            "The `{column}` column, for queries (`{}::{}()`).",
            ident,
            f.name()
        );
        quote! {
            #[doc = #doc]
            pub const fn #name() -> ::cratedb_orm::__private::Column<Self, #ty> {
                ::cratedb_orm::__private::Column::of(#table, #column)
            }
        }
    });
    // Every accessor name once: a model with errors (an index named like a column, two
    // indexes of one name) gets its stand-in accessors without one more error.
    let mut taken: Vec<String> = model.columns().map(|f| f.name()).collect();
    let indexes = model.fulltext.iter().filter_map(|index| {
        let name = &index.name;
        let accessor = accessor_name(name);
        if taken.contains(&accessor) {
            return None;
        }
        taken.push(accessor.clone());
        let fn_ident = syn::Ident::new(&accessor, index.span);
        let doc = format!("The fulltext index `{name}`, for `match_` (`{ident}::{fn_ident}()`).");
        Some(quote! {
            #[doc = #doc]
            pub const fn #fn_ident() -> ::cratedb_orm::__private::Index<Self> {
                ::cratedb_orm::__private::Index::of(#table, #name)
            }
        })
    });
    quote! {
        #[automatically_derived]
        impl #ident {
            #(#fns)*
            #(#indexes)*
        }
    }
}

/// The accessor name of a fulltext index: the index name with every character that cannot
/// be in an identifier replaced by `_` (CrateDB index names are usually plain words).
fn accessor_name(index: &str) -> String {
    let mut out: String = index
        .chars()
        .map(|c| {
            if c.is_alphanumeric() || c == '_' {
                c
            } else {
                '_'
            }
        })
        .collect();
    if out.is_empty() || out.starts_with(|c: char| c.is_ascii_digit()) {
        out.insert(0, '_');
    }
    // A keyword (`match`, `type`, …) gets a trailing `_`, like `match_`.
    if syn::parse_str::<syn::Ident>(&out).is_err() {
        out.push('_');
    }
    out
}
