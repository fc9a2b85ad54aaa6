//! `#[derive(CrateModel)]` for `cratedb-orm`.

use proc_macro::TokenStream;

/// Derives `cratedb_orm::CrateModel`. See the `cratedb-orm` documentation.
#[proc_macro_derive(CrateModel, attributes(cratedb))]
pub fn derive_crate_model(input: TokenStream) -> TokenStream {
    let _ = input;
    TokenStream::new()
}
