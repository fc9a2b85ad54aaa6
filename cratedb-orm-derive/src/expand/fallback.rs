//! What the derive emits beside the errors of a model it cannot accept: a `CrateModel` impl
//! whose bodies never run (the compilation fails on the errors), the column accessors and
//! the DDL functions. Code that uses the model then compiles as far as the model goes, so a
//! bad model gives its own errors, not one more at every place it is used.

use proc_macro2::TokenStream;
use quote::quote;

use super::{accessors, ddl};
use crate::model::Model;

/// The stand-in items for `model` (`None`: not even its fields could be read).
pub fn fallback(ident: &syn::Ident, model: Option<&Model>) -> TokenStream {
    let p = quote!(::cratedb_orm::__private);
    let items = model.map(|m| {
        let accessors = accessors::accessors(m);
        let ddl = ddl::ddl_fns(m);
        quote!(#accessors #ddl)
    });
    quote! {
        #[automatically_derived]
        impl #p::CrateModel for #ident {
            fn meta() -> &'static #p::TableMeta {
                ::core::unreachable!()
            }
            fn to_values(&self) -> ::std::vec::Vec<#p::Value> {
                ::core::unreachable!()
            }
            fn column_value(&self, _: usize) -> #p::Value {
                ::core::unreachable!()
            }
            fn from_row(_: &#p::RowLayout, _: &mut [#p::Value]) -> #p::Result<Self> {
                ::core::unreachable!()
            }
            fn set_column(&mut self, _: usize, _: #p::Value) -> #p::Result<()> {
                ::core::unreachable!()
            }
            fn apply_defaults(&mut self) {}
            fn column_eq(&self, _: &Self, _: usize) -> bool {
                ::core::unreachable!()
            }
            fn snapshot(&self) -> Self {
                ::core::unreachable!()
            }
        }
        #items
    }
}
