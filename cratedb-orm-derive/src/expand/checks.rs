//! Compile-time checks that need a field's Rust type, as `const` assertions on
//! `CrateType::CLASS` / `CrateType::NULLABLE`, each pointing at the offending option.

use proc_macro2::{Span, TokenStream};
use quote::quote_spanned;
use syn::spanned::Spanned;
use syn::Ident;

use crate::model::{Field, Fulltext};

/// `const _: () = assert!(…)` items for every type-dependent option of `fields`, and for
/// field names the ORM reserves (`::cratedb_orm::__private::RESERVED`: the accessor would
/// clash with a generated function or a `CrateModel` method).
pub fn type_checks(model: &Ident, fields: &[&Field], fulltext: &[Fulltext]) -> TokenStream {
    let mut out = TokenStream::new();
    for field in fields.iter().filter(|f| !f.skip) {
        let name = field.name();
        let message = format!(
            "a field named `{name}` would get an accessor `{model}::{name}()` that clashes \
             with the generated function of that name; rename the field and keep the column \
             name with `#[cratedb(column = \"{name}\")]`"
        );
        out.extend(quote_spanned! {field.ident.span()=>
            const _: () = ::core::assert!(
                !::cratedb_orm::__private::is_reserved(#name),
                #message
            );
        });
        // Every column type is a `CrateType`, and its `CLASS` (which may hold its own
        // checks, e.g. the dimension of a `FloatVector<N>`) evaluates.
        let ty = &field.ty;
        out.extend(quote_spanned! {ty.span()=>
            const _: ::cratedb_orm::__private::TypeClass = <#ty as ::cratedb_orm::__private::CrateType>::CLASS;
        });
        let mut check = |span: Span, condition: &str, message: String| {
            out.extend(assertion(field, span, condition, &message));
        };
        if let Some((false, span)) = field.index {
            check(
                span,
                "CLASS.allows_index_off()",
                format!("`index = false` is not allowed on OBJECT, ARRAY(OBJECT) or GEO columns (field `{name}`)"),
            );
        }
        if let Some((false, span)) = field.columnstore {
            check(
                span,
                "CLASS.allows_columnstore_off()",
                format!("`columnstore = false` is only allowed on TEXT, numeric and timestamp columns (field `{name}`)"),
            );
        }
        if let Some((_, span)) = &field.fulltext {
            check(
                *span,
                "CLASS.allows_fulltext()",
                format!("a fulltext index needs a TEXT column (field `{name}`)"),
            );
        }
        if let Some(object) = &field.object {
            check(
                object.span,
                "CLASS.is_object()",
                format!("`object(...)` applies only to OBJECT and ARRAY(OBJECT) columns (field `{name}`)"),
            );
        }
        if let Some((_, span)) = &field.server_default {
            check(
                *span,
                "CLASS.allows_server_default()",
                format!("CrateDB does not accept a DEFAULT on OBJECT columns (field `{name}`)"),
            );
        }
        if let Some(span) = field.primary_key {
            check(
                span,
                "CLASS.allows_primary_key()",
                format!("a primary key cannot be an OBJECT, ARRAY, GEO or FLOAT_VECTOR column (field `{name}`)"),
            );
            let server_generated = field.server_default.is_some() || field.fetched;
            if !field.is_option && !server_generated {
                check(
                    span,
                    "!NULLABLE",
                    format!("a primary key cannot have a nullable type (field `{name}`): primary keys are NOT NULL"),
                );
            }
        }
    }
    for index in fulltext {
        for (column, span) in &index.columns {
            if let Some(field) = fields.iter().find(|f| !f.skip && &f.column == column) {
                let message = format!(
                    "the fulltext index `{}` needs TEXT columns, and `{column}` is not one",
                    index.name
                );
                out.extend(assertion(field, *span, "CLASS.allows_fulltext()", &message));
            }
        }
    }
    out
}

/// `const _: () = assert!(<Ty as CrateType>::<condition>, "<message>");` at `span`.
fn assertion(field: &Field, span: Span, condition: &str, message: &str) -> TokenStream {
    let ty = &field.ty;
    let (negate, member) = match condition.strip_prefix('!') {
        Some(rest) => (quote_spanned!(span=> !), rest),
        None => (TokenStream::new(), condition),
    };
    let member: TokenStream = member.parse().unwrap_or_default();
    quote_spanned! {span=>
        const _: () = ::core::assert!(
            #negate <#ty as ::cratedb_orm::__private::CrateType>::#member,
            #message
        );
    }
}
