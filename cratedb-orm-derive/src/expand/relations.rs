//! Relationships: `belongs_to(parent = P, key = "…")` and `has_many(child = C, key = "…")`
//! become `impl BelongsTo<P> for Self` and `impl BelongsTo<Self> for C`: the child's key
//! column holds the parent's primary key.

use proc_macro2::TokenStream;
use quote::{quote, quote_spanned};

use crate::model::Model;

/// The `BelongsTo` impls of `model`'s relationships.
pub fn relations(model: &Model) -> TokenStream {
    let ident = &model.ident;
    let impls = model.relations.iter().map(|r| {
        let other = &r.other;
        let (key, span) = &r.key;
        let (child, parent) = if r.belongs_to {
            (quote!(#ident), quote!(#other))
        } else {
            (quote!(#other), quote!(#ident))
        };
        quote_spanned! {*span=>
            #[automatically_derived]
            impl ::cratedb_orm::__private::BelongsTo<#parent> for #child {
                const FOREIGN_KEY: &'static str = #key;
            }
        }
    });
    quote! { #(#impls)* }
}
