//! Column type names written in attributes (`object(columns(age = "INTEGER"))`) → code
//! building the matching `::cratedb_orm::__private::SqlType`.

use proc_macro2::TokenStream;
use quote::quote;

/// Parses a CrateDB type name (case-insensitive) into an expression of type
/// `::cratedb_orm::__private::SqlType`, or explains what is accepted.
pub fn parse_sql_type(text: &str) -> Result<TokenStream, String> {
    let normalized = text
        .split_whitespace()
        .collect::<Vec<_>>()
        .join(" ")
        .to_uppercase();
    parse(&normalized).ok_or_else(|| {
        format!(
            "unknown column type {text:?}; expected TEXT, BOOLEAN, SMALLINT, INTEGER, BIGINT, \
             REAL, DOUBLE PRECISION, TIMESTAMP WITH TIME ZONE, TIMESTAMP WITHOUT TIME ZONE, \
             GEO_POINT, GEO_SHAPE, IP, NUMERIC(p[, s]), OBJECT[(DYNAMIC|STRICT|IGNORED)], \
             FLOAT_VECTOR(n) or ARRAY(type)"
        )
    })
}

fn parse(text: &str) -> Option<TokenStream> {
    let simple = match text {
        "TEXT" | "STRING" | "VARCHAR" => Some(quote!(Text)),
        "BOOLEAN" | "BOOL" => Some(quote!(Boolean)),
        "SMALLINT" | "SHORT" => Some(quote!(Smallint)),
        "INTEGER" | "INT" => Some(quote!(Integer)),
        "BIGINT" | "LONG" => Some(quote!(Bigint)),
        "REAL" | "FLOAT" => Some(quote!(Real)),
        "DOUBLE PRECISION" | "DOUBLE" => Some(quote!(Double)),
        "TIMESTAMP WITH TIME ZONE" | "TIMESTAMPTZ" => Some(quote!(TimestampTz)),
        "TIMESTAMP WITHOUT TIME ZONE" | "TIMESTAMP" => Some(quote!(Timestamp)),
        "GEO_POINT" => Some(quote!(GeoPoint)),
        "GEO_SHAPE" => Some(quote!(GeoShape)),
        "IP" => Some(quote!(Ip)),
        _ => None,
    };
    if let Some(variant) = simple {
        return Some(quote!(::cratedb_orm::__private::SqlType::#variant));
    }
    if let Some(inner) = parenthesized(text, "ARRAY") {
        let inner = parse(inner)?;
        return Some(
            quote!(::cratedb_orm::__private::SqlType::Array(::std::boxed::Box::new(#inner))),
        );
    }
    if let Some(args) = parenthesized(text, "NUMERIC") {
        let (precision, scale) = numeric_args(args)?;
        return Some(quote!(::cratedb_orm::__private::SqlType::Numeric {
            precision: #precision,
            scale: #scale,
        }));
    }
    if let Some(n) = parenthesized(text, "FLOAT_VECTOR") {
        let n: usize = n.parse().ok().filter(|n| (1..=2048).contains(n))?;
        return Some(quote!(::cratedb_orm::__private::SqlType::FloatVector(#n)));
    }
    let policy = if text == "OBJECT" {
        quote!(::core::option::Option::None)
    } else {
        let variant = match parenthesized(text, "OBJECT")? {
            "DYNAMIC" => quote!(Dynamic),
            "STRICT" => quote!(Strict),
            "IGNORED" => quote!(Ignored),
            _ => return None,
        };
        quote!(::core::option::Option::Some(::cratedb_orm::__private::ObjectPolicy::#variant))
    };
    Some(quote!(::cratedb_orm::__private::SqlType::Object {
        policy: #policy,
        columns: ::std::vec::Vec::new(),
    }))
}

/// `p` or `p, s` of `NUMERIC(p, s)`: what CrateDB stores (1 <= p <= 38, s <= p).
fn numeric_args(args: &str) -> Option<(u8, u8)> {
    let (p, s) = match args.split_once(',') {
        Some((p, s)) => (p.trim(), s.trim()),
        None => (args, "0"),
    };
    let precision: u8 = p.parse().ok().filter(|p| (1..=38).contains(p))?;
    let scale: u8 = s.parse().ok().filter(|s| *s <= precision)?;
    Some((precision, scale))
}

/// `NAME(inner)` → `inner` (trimmed).
fn parenthesized<'a>(text: &'a str, name: &str) -> Option<&'a str> {
    let rest = text.strip_prefix(name)?.trim_start();
    Some(rest.strip_prefix('(')?.strip_suffix(')')?.trim())
}

#[cfg(test)]
mod tests {
    use super::parse_sql_type;

    #[test]
    fn accepts_known_types() {
        for ok in [
            "text",
            "double  precision",
            "ARRAY(array(INT))",
            "object(strict)",
            "FLOAT_VECTOR(3)",
            "timestamp with time zone",
            "ip",
            "NUMERIC(12, 2)",
            "numeric(38)",
            "ARRAY(NUMERIC(5,1))",
        ] {
            assert!(parse_sql_type(ok).is_ok(), "{ok}");
        }
        for bad in [
            "",
            "JSONB",
            "ARRAY(",
            "OBJECT(LOOSE)",
            "FLOAT_VECTOR(0)",
            "ARRAY(NOPE)",
            "NUMERIC",
            "NUMERIC(39, 2)",
            "NUMERIC(4, 6)",
            "NUMERIC(a)",
        ] {
            assert!(parse_sql_type(bad).is_err(), "{bad}");
        }
    }
}
