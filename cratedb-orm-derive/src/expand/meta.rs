//! `CrateModel::meta()`: the table metadata, built once in a `OnceLock`.

use proc_macro2::TokenStream;
use quote::{quote, quote_spanned};
use syn::spanned::Spanned;

use crate::model::{Field, Model, Setting};

/// The `meta()` function.
pub fn meta_fn(model: &Model) -> TokenStream {
    let model_name = model.ident.to_string();
    let table = &model.table;
    let schema = option_str(model.schema.as_deref());
    let columns = model.columns().map(column_meta);
    let primary_key = model
        .columns()
        .enumerate()
        .filter(|(_, f)| f.primary_key.is_some())
        .map(|(i, _)| i);
    let clustered_by = option_str(model.clustered_by.as_ref().map(|(c, _)| c.as_str()));
    let shards = match model.number_of_shards {
        Some(n) => quote!(::core::option::Option::Some(#n)),
        None => quote!(::core::option::Option::None),
    };
    let partitioned_by = model.partitioned_by.iter().map(|(c, _)| c);
    let with = model.with.iter().map(|(key, value)| {
        let value = match value {
            Setting::Text(s) => quote!(Text(#s)),
            Setting::Int(n) => quote!(Int(#n)),
            Setting::Float(x) => quote!(Float(#x)),
            Setting::Bool(b) => quote!(Bool(#b)),
        };
        quote!((#key, ::cratedb_orm::__private::TableSetting::#value))
    });
    let fulltext = model.fulltext.iter().map(|index| {
        let name = &index.name;
        let columns = index.columns.iter().map(|(c, _)| c);
        let analyzer = option_str(index.analyzer.as_deref());
        quote! {
            ::cratedb_orm::__private::FulltextIndex {
                name: #name,
                columns: ::std::vec![#(#columns),*],
                analyzer: #analyzer,
            }
        }
    });
    let versioned = model.versioned;
    quote! {
        fn meta() -> &'static ::cratedb_orm::__private::TableMeta {
            static META: ::std::sync::OnceLock<::cratedb_orm::__private::TableMeta> =
                ::std::sync::OnceLock::new();
            META.get_or_init(|| {
                let mut meta = ::cratedb_orm::__private::TableMeta::new(#model_name, #table);
                meta.schema = #schema;
                meta.columns = ::std::vec![#(#columns),*];
                meta.primary_key = ::std::vec![#(#primary_key),*];
                meta.clustered_by = #clustered_by;
                meta.number_of_shards = #shards;
                meta.partitioned_by = ::std::vec![#(#partitioned_by),*];
                meta.with = ::std::vec![#(#with),*];
                meta.fulltext_indexes = ::std::vec![#(#fulltext),*];
                meta.versioned = #versioned;
                meta.finish()
            })
        }
    }
}

/// `ColumnMeta::new(…)` with the field's options.
fn column_meta(field: &Field) -> TokenStream {
    let ty = &field.ty;
    let column = &field.column;
    let field_name = field.name();
    let crate_type = quote_spanned!(ty.span()=> <#ty as ::cratedb_orm::__private::CrateType>);
    let mut sql_type = quote!(#crate_type::sql_type());
    if let Some(object) = &field.object {
        let policy = match &object.policy {
            Some(p) => {
                quote!(::core::option::Option::Some(::cratedb_orm::__private::ObjectPolicy::#p))
            }
            None => quote!(::core::option::Option::None),
        };
        let columns = object
            .columns
            .iter()
            .map(|(name, ty)| quote!((::std::string::String::from(#name), #ty)));
        sql_type = quote!(#sql_type.with_object(#policy, ::std::vec![#(#columns),*]));
    }
    let mut options = Vec::new();
    if field.primary_key.is_some() {
        options.push(quote!(.primary_key()));
    }
    if field.default.is_some() {
        options.push(quote!(.client_default()));
    }
    if let Some((expr, _)) = &field.server_default {
        options.push(quote!(.server_default(#expr)));
    }
    if let Some((expr, _)) = &field.generated {
        options.push(quote!(.generated(#expr)));
    }
    if field.compute.is_some() {
        options.push(quote!(.computed()));
    }
    if let Some((on, _)) = field.index {
        options.push(quote!(.index(#on)));
    }
    if let Some((on, _)) = field.columnstore {
        options.push(quote!(.columnstore(#on)));
    }
    if let Some((analyzer, _)) = &field.fulltext {
        let analyzer = option_str(analyzer.as_deref());
        options.push(quote!(.fulltext(#analyzer)));
    }
    if field.fetched {
        options.push(quote!(.fetched()));
    }
    if let Some((old, _)) = &field.renamed_from {
        options.push(quote!(.renamed_from(#old)));
    }
    quote! {
        ::cratedb_orm::__private::ColumnMeta::new(#column, #field_name, #sql_type, #crate_type::NULLABLE)
            #(#options)*
    }
}

fn option_str(value: Option<&str>) -> TokenStream {
    match value {
        Some(s) => quote!(::core::option::Option::Some(#s)),
        None => quote!(::core::option::Option::None),
    }
}
