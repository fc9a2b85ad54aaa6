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
        let crate_type = quote_spanned!(ty.span()=> <#ty as ::cratedb_orm::__private::CrateType>);
        quote!(#i => #crate_type::as_object(&self.#ident),)
    });
    let object_ref_arms = columns.iter().enumerate().map(|(i, f)| {
        let ident = &f.ident;
        let ty = &f.ty;
        let crate_type = quote_spanned!(ty.span()=> <#ty as ::cratedb_orm::__private::CrateType>);
        quote!(#i => #crate_type::object_ref(&self.#ident),)
    });
    let object_mut_arms = columns.iter().enumerate().map(|(i, f)| {
        let ident = &f.ident;
        let ty = &f.ty;
        let crate_type = quote_spanned!(ty.span()=> <#ty as ::cratedb_orm::__private::CrateType>);
        quote!(#i => #crate_type::object_mut(&mut self.#ident),)
    });
    let serialize_arms = columns.iter().enumerate().map(|(i, f)| {
        let ident = &f.ident;
        let ty = &f.ty;
        let crate_type = quote_spanned!(ty.span()=> <#ty as ::cratedb_orm::__private::CrateType>);
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
    let decode_row = decode_row_fn(model, &columns);
    let defaults = columns.iter().filter_map(|f| {
        let path = f.default.as_ref()?;
        let ident = &f.ident;
        Some(quote_spanned! {path.span()=>
            if ::core::option::Option::is_none(&self.#ident) {
                self.#ident = ::core::convert::Into::into(#path());
            }
        })
    });
    // Computed generated columns after the defaults: they may depend on defaulted fields.
    let computed = columns.iter().filter_map(|f| {
        let path = f.compute.as_ref()?;
        let ident = &f.ident;
        Some(quote_spanned! {path.span()=>
            if ::core::option::Option::is_none(&self.#ident) {
                let value = #path(&*self);
                self.#ident = ::core::convert::Into::into(value);
            }
        })
    });

    quote! {
        fn to_values(&self) -> ::std::vec::Vec<::cratedb_orm::__private::Value> {
            ::std::vec![#(#to_values),*]
        }

        fn column_value(&self, index: usize) -> ::cratedb_orm::__private::Value {
            match index {
                #(#value_arms)*
                _ => ::cratedb_orm::__private::Value::Null,
            }
        }

        fn from_row(
            layout: &::cratedb_orm::__private::RowLayout,
            row: &mut [::cratedb_orm::__private::Value],
        ) -> ::cratedb_orm::__private::Result<Self> {
            ::core::result::Result::Ok(Self {
                #(#decoded_fields)*
            })
        }

        fn set_column(
            &mut self,
            index: usize,
            value: ::cratedb_orm::__private::Value,
        ) -> ::cratedb_orm::__private::Result<()> {
            match index {
                #(#set_arms)*
                _ => {
                    return ::core::result::Result::Err(::cratedb_orm::__private::Error::decode(
                        ::std::format!("#{}", index),
                        ::cratedb_orm::__private::DecodeError {
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
            #(#computed)*
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
        ) -> ::core::option::Option<&::cratedb_orm::__private::Map<::std::string::String, ::cratedb_orm::__private::Value>> {
            match index {
                #(#object_arms)*
                _ => ::core::option::Option::None,
            }
        }

        fn column_object_ref(&self, index: usize) -> ::core::option::Option<&::cratedb_orm::__private::Object> {
            match index {
                #(#object_ref_arms)*
                _ => ::core::option::Option::None,
            }
        }

        fn column_object_mut(
            &mut self,
            index: usize,
        ) -> ::core::option::Option<&mut ::cratedb_orm::__private::Object> {
            match index {
                #(#object_mut_arms)*
                _ => ::core::option::Option::None,
            }
        }

        fn serialize_column<S: ::cratedb_orm::__private::Serializer>(
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

        #decode_row
    }
}

/// `decode_row`: each column decoded from the parser into a local as its position comes
/// (`CrateType::deserialize_wire`), then the model built from the locals; a column the result
/// lacks decodes as `null` (as `from_row` does).
fn decode_row_fn(model: &Model, columns: &[&Field]) -> TokenStream {
    let local = |i: usize| quote::format_ident!("__c{}", i);
    let locals = columns.iter().enumerate().map(|(i, f)| {
        let ty = &f.ty;
        let name = local(i);
        quote!(let mut #name: ::core::option::Option<#ty> = ::core::option::Option::None;)
    });
    // One seed type per column, calling the field type's `deserialize_wire` by its trait
    // path: a field type that is not a `CrateType` reports the same error as elsewhere (one
    // error, not one more per generic bound).
    let seeds = columns.iter().enumerate().map(|(i, f)| {
        let ty = &f.ty;
        let seed = quote::format_ident!("__Seed{}", i);
        let crate_type = quote_spanned!(ty.span()=> <#ty as ::cratedb_orm::__private::CrateType>);
        quote! {
            struct #seed;
            impl<'de> ::cratedb_orm::__private::DeserializeSeed<'de> for #seed {
                type Value = ::core::result::Result<#ty, ::cratedb_orm::__private::DecodeError>;
                fn deserialize<D: ::cratedb_orm::__private::Deserializer<'de>>(
                    self,
                    d: D,
                ) -> ::core::result::Result<Self::Value, D::Error> {
                    #crate_type::deserialize_wire(d)
                }
            }
        }
    });
    let arms = columns.iter().enumerate().map(|(i, f)| {
        let name = local(i);
        let column = &f.column;
        let seed = quote::format_ident!("__Seed{}", i);
        quote! {
            ::core::option::Option::Some(#i) => match ::cratedb_orm::__private::SeqAccess::next_element_seed(&mut row, #seed)? {
                ::core::option::Option::Some(::core::result::Result::Ok(v)) => {
                    #name = ::core::option::Option::Some(v);
                    true
                }
                ::core::option::Option::Some(::core::result::Result::Err(e)) => {
                    return ::core::result::Result::Ok(::core::result::Result::Err(
                        ::cratedb_orm::__private::Error::decode(#column, e),
                    ));
                }
                ::core::option::Option::None => false,
            },
        }
    });
    let fields = model.fields.iter().map(|f| {
        let ident = &f.ident;
        match columns.iter().position(|c| c.ident == f.ident) {
            Some(i) => {
                let name = local(i);
                let ty = &f.ty;
                let column = &f.column;
                let crate_type = quote_spanned!(ty.span()=> <#ty as ::cratedb_orm::__private::CrateType>);
                quote! {
                    #ident: match #name {
                        ::core::option::Option::Some(v) => v,
                        ::core::option::Option::None => match #crate_type::from_value(::cratedb_orm::__private::Value::Null) {
                            ::core::result::Result::Ok(v) => v,
                            ::core::result::Result::Err(e) => {
                                return ::core::result::Result::Ok(::core::result::Result::Err(
                                    ::cratedb_orm::__private::Error::decode(#column, e),
                                ));
                            }
                        },
                    },
                }
            }
            None => quote!(#ident: ::core::default::Default::default(),),
        }
    });
    quote! {
        fn decode_row<'de, A: ::cratedb_orm::__private::SeqAccess<'de>>(
            layout: &::cratedb_orm::__private::RowLayout,
            mut row: A,
            kept: &mut ::std::vec::Vec<(usize, ::cratedb_orm::__private::Value)>,
        ) -> ::core::result::Result<::cratedb_orm::__private::Result<Self>, A::Error> {
            #(#seeds)*
            #(#locals)*
            let mut position = 0usize;
            loop {
                let more = match layout.column_at(position) {
                    #(#arms)*
                    _ => layout.read_other(position, &mut row, kept)?,
                };
                if !more {
                    break;
                }
                position += 1;
            }
            ::core::result::Result::Ok(::core::result::Result::Ok(Self {
                #(#fields)*
            }))
        }
    }
}

/// Encodes the field (errors about its type point at the field's type).
fn encode(field: &Field) -> TokenStream {
    let ty = &field.ty;
    let ident = &field.ident;
    let crate_type = quote_spanned!(ty.span()=> <#ty as ::cratedb_orm::__private::CrateType>);
    quote!(#crate_type::to_value(&self.#ident))
}

/// Decodes `value` into the field's type, naming the column in the error.
fn decode(field: &Field, value: TokenStream) -> TokenStream {
    let ty = &field.ty;
    let column = &field.column;
    let crate_type = quote_spanned!(ty.span()=> <#ty as ::cratedb_orm::__private::CrateType>);
    quote! {
        #crate_type::from_value(#value)
            .map_err(|e| ::cratedb_orm::__private::Error::decode(#column, e))
    }
}
