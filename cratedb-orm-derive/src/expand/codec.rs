//! Row encoding and decoding: `to_values`, `column_value`, `from_row`, `set_column`,
//! `apply_defaults`; change detection: `column_eq`, `snapshot`.

use proc_macro2::TokenStream;
use quote::{quote, quote_spanned};
use syn::spanned::Spanned;

use crate::model::{Field, Model};

/// The codec methods of `impl CrateModel`.
pub fn codec_fns(model: &Model) -> TokenStream {
    let columns: Vec<&Field> = model.columns().collect();
    let count = columns.len();
    let model_name = model.ident.to_string();

    let to_values = columns.iter().map(|f| encode(f));
    let value_arms = columns.iter().enumerate().map(|(i, f)| {
        let encode = encode(f);
        quote!(#i => #encode,)
    });
    let decoded_fields = model.fields.iter().map(|f| {
        let ident = &f.ident;
        match columns.iter().position(|c| c.ident == f.ident) {
            Some(i) => {
                let decode = decode(f, quote!(layout.take(row, #i)));
                quote!(#ident: #decode?,)
            }
            None => quote!(#ident: ::core::default::Default::default(),),
        }
    });
    let set_arms = columns.iter().enumerate().map(|(i, f)| {
        let ident = &f.ident;
        let decode = decode(f, quote!(value));
        quote!(#i => self.#ident = #decode?,)
    });
    let eq_arms = columns.iter().enumerate().map(|(i, f)| {
        let ident = &f.ident;
        let ty = &f.ty;
        let eq = quote_spanned!(ty.span()=> <#ty as ::core::cmp::PartialEq>::eq);
        quote!(#i => #eq(&self.#ident, &other.#ident),)
    });
    let object_arms = columns.iter().enumerate().map(|(i, f)| {
        let ident = &f.ident;
        let ty = &f.ty;
        let crate_type = quote_spanned!(ty.span()=> <#ty as ::cratedb_orm::CrateType>);
        quote!(#i => #crate_type::as_object(&self.#ident),)
    });
    let serialize_arms = columns.iter().enumerate().map(|(i, f)| {
        let ident = &f.ident;
        let ty = &f.ty;
        let crate_type = quote_spanned!(ty.span()=> <#ty as ::cratedb_orm::CrateType>);
        quote!(#i => #crate_type::serialize_wire(&self.#ident, serializer),)
    });
    let snapshot_fields = model.fields.iter().map(|f| {
        let ident = &f.ident;
        let ty = &f.ty;
        if columns.iter().any(|c| c.ident == f.ident) {
            let clone = quote_spanned!(ty.span()=> <#ty as ::core::clone::Clone>::clone);
            quote!(#ident: #clone(&self.#ident),)
        } else {
            quote!(#ident: ::core::default::Default::default(),)
        }
    });
    let defaults = columns.iter().filter_map(|f| {
        let path = f.default.as_ref()?;
        let ident = &f.ident;
        Some(quote_spanned! {path.span()=>
            if ::cratedb_orm::model::IsUnset::is_unset(&self.#ident) {
                self.#ident = ::core::convert::Into::into(#path());
            }
        })
    });

    quote! {
        fn to_values(&self) -> ::std::vec::Vec<::cratedb_orm::Value> {
            ::std::vec![#(#to_values),*]
        }

        fn column_value(&self, index: usize) -> ::cratedb_orm::Value {
            match index {
                #(#value_arms)*
                _ => ::cratedb_orm::Value::Null,
            }
        }

        fn from_row(
            layout: &::cratedb_orm::RowLayout,
            row: &mut [::cratedb_orm::Value],
        ) -> ::cratedb_orm::Result<Self> {
            ::core::result::Result::Ok(Self {
                #(#decoded_fields)*
            })
        }

        fn set_column(
            &mut self,
            index: usize,
            value: ::cratedb_orm::Value,
        ) -> ::cratedb_orm::Result<()> {
            match index {
                #(#set_arms)*
                _ => {
                    return ::core::result::Result::Err(::cratedb_orm::Error::decode(
                        ::std::format!("#{}", index),
                        ::cratedb_orm::types::DecodeError {
                            expected: ::std::format!(
                                "a column index of {} (below {})",
                                #model_name,
                                #count
                            ),
                            found: ::std::string::ToString::to_string(&index),
                        },
                    ));
                }
            }
            ::core::result::Result::Ok(())
        }

        fn apply_defaults(&mut self) {
            #(#defaults)*
        }

        fn column_eq(&self, other: &Self, index: usize) -> bool {
            match index {
                #(#eq_arms)*
                _ => true,
            }
        }

        fn column_object(
            &self,
            index: usize,
        ) -> ::core::option::Option<&::cratedb_orm::__serde_json::Map<::std::string::String, ::cratedb_orm::Value>> {
            match index {
                #(#object_arms)*
                _ => ::core::option::Option::None,
            }
        }

        fn serialize_column<S: ::cratedb_orm::__Serializer>(
            &self,
            index: usize,
            serializer: S,
        ) -> ::core::result::Result<S::Ok, S::Error> {
            match index {
                #(#serialize_arms)*
                _ => serializer.serialize_unit(),
            }
        }

        fn snapshot(&self) -> Self {
            Self {
                #(#snapshot_fields)*
            }
        }
    }
}

/// Encodes the field (errors about its type point at the field's type).
fn encode(field: &Field) -> TokenStream {
    let ty = &field.ty;
    let ident = &field.ident;
    let crate_type = quote_spanned!(ty.span()=> <#ty as ::cratedb_orm::CrateType>);
    quote!(#crate_type::to_value(&self.#ident))
}

/// Decodes `value` into the field's type, naming the column in the error.
fn decode(field: &Field, value: TokenStream) -> TokenStream {
    let ty = &field.ty;
    let column = &field.column;
    let crate_type = quote_spanned!(ty.span()=> <#ty as ::cratedb_orm::CrateType>);
    quote! {
        #crate_type::from_value(#value)
            .map_err(|e| ::cratedb_orm::Error::decode(#column, e))
    }
}
