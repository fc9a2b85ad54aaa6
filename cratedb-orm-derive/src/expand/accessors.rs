//! Typed column accessors for the query DSL: `Character::name()`.

use proc_macro2::TokenStream;
use quote::quote;

use crate::model::Model;

/// `pub const fn <field>() -> Column<Self, FieldType>` for every persisted field.
pub fn accessors(model: &Model) -> TokenStream {
    let ident = &model.ident;
    let fns = model.columns().map(|f| {
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
            pub const fn #name() -> ::cratedb_orm::Column<Self, #ty> {
                ::cratedb_orm::Column::new(#column)
            }
        }
    });
    quote! {
        #[automatically_derived]
        impl #ident {
            #(#fns)*
        }
    }
}
