//! `create_table_sql()` & co.: the model's DDL, via `cratedb_orm::ddl`.

use proc_macro2::TokenStream;
use quote::quote;

use crate::model::Model;

/// The DDL functions generated on every model: name, the `cratedb_orm::ddl` function it
/// calls, and what it returns.
pub const DDL_FNS: [(&str, &str, &str); 4] = [
    (
        "create_table_sql",
        "create_table",
        "`CREATE TABLE` statement",
    ),
    (
        "create_table_if_not_exists_sql",
        "create_table_if_not_exists",
        "`CREATE TABLE IF NOT EXISTS` statement",
    ),
    ("drop_table_sql", "drop_table", "`DROP TABLE` statement"),
    (
        "drop_table_if_exists_sql",
        "drop_table_if_exists",
        "`DROP TABLE IF EXISTS` statement",
    ),
];

/// The inherent DDL functions.
pub fn ddl_fns(model: &Model) -> TokenStream {
    let ident = &model.ident;
    let fns = DDL_FNS
        .into_iter()
    .map(|(name, function, what)| {
        let name = syn::Ident::new(name, proc_macro2::Span::call_site());
        let function = syn::Ident::new(function, proc_macro2::Span::call_site());
        let doc = format!("The {what} of this model's table.");
        quote! {
            #[doc = #doc]
            pub fn #name() -> ::std::string::String {
                ::cratedb_orm::__private::ddl::#function(<Self as ::cratedb_orm::__private::CrateModel>::meta())
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
