//! Code generation from a validated [`Model`]. Only `::cratedb_orm::__private::` (and
//! `::core`, `::std`) paths are emitted: the ORM's one door for generated code.

mod accessors;
mod checks;
mod codec;
mod ddl;
mod fallback;
mod meta;
mod relations;

use proc_macro2::TokenStream;
use quote::quote;

use crate::model::{Field, Model};

pub use checks::type_checks;
pub use fallback::fallback;

/// Everything the derive generates for `model`.
pub fn expand(model: &Model) -> TokenStream {
    let ident = &model.ident;
    let meta = meta::meta_fn(model);
    let codec = codec::codec_fns(model);
    let accessors = accessors::accessors(model);
    let ddl = ddl::ddl_fns(model);
    let fields: Vec<&Field> = model.fields.iter().collect();
    let checks = type_checks(ident, &fields, &model.fulltext);
    let relations = relations::relations(model);
    quote! {
        #[automatically_derived]
        impl ::cratedb_orm::__private::CrateModel for #ident {
            #meta
            #codec
        }

        #accessors
        #ddl
        #checks
        #relations
    }
}
