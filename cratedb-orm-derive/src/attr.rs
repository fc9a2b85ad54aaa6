//! Parsing of `#[cratedb(...)]` into a small, uniform syntax tree ([`Item`]).
//!
//! The grammar is deliberately generic — `key`, `key = value`, `key(items…)`, and bare
//! literals inside lists — so that parsing never stops at the first unknown option: the
//! model layer interprets the items and reports every mistake with its span.

use proc_macro2::Span;
use syn::ext::IdentExt;
use syn::parse::{Parse, ParseStream};
use syn::punctuated::Punctuated;
use syn::{Attribute, Lit, LitStr, Path, Token};

use crate::errors::Errors;

/// The name of an option: an identifier, or a string for names that are not identifiers
/// (`"blocks.read_only" = true` in `with(...)`).
#[derive(Clone)]
pub struct Key {
    /// The name as written (without quotes).
    pub name: String,
    /// Where it was written.
    pub span: Span,
    /// Whether it was written as a string literal.
    pub quoted: bool,
}

/// A value after `=`.
#[derive(Clone)]
pub enum Value {
    /// A literal (string, integer, float, bool).
    Lit(Lit),
    /// A negated numeric literal (`-1`).
    Neg(Lit, Span),
    /// A path (`gen_key`, `crate::ids::new_id`).
    Path(Path),
}

impl Value {
    /// The span of the whole value.
    pub fn span(&self) -> Span {
        match self {
            Value::Lit(lit) => lit.span(),
            Value::Neg(_, span) => *span,
            Value::Path(path) => syn::spanned::Spanned::span(path),
        }
    }

    /// A string literal's value.
    pub fn as_str(&self) -> Option<&LitStr> {
        match self {
            Value::Lit(Lit::Str(s)) => Some(s),
            _ => None,
        }
    }
}

/// One entry of an attribute list.
pub enum Item {
    /// `key`
    Flag(Key),
    /// `key = value`
    Assign(Key, Value),
    /// `key(items…)`
    List(Key, Vec<Item>),
    /// A bare value inside a list (`"name"` in `columns("name")`).
    Bare(Value),
}

impl Item {
    /// The span to point at for this item.
    pub fn span(&self) -> Span {
        match self {
            Item::Flag(k) | Item::Assign(k, _) | Item::List(k, _) => k.span,
            Item::Bare(v) => v.span(),
        }
    }
}

impl Parse for Item {
    fn parse(input: ParseStream) -> syn::Result<Self> {
        if input.peek(Token![-]) {
            return parse_value(input).map(Item::Bare);
        }
        let key = if input.peek(Lit) {
            let lit: Lit = input.parse()?;
            match lit {
                Lit::Str(s) if input.peek(Token![=]) => Key {
                    name: s.value(),
                    span: s.span(),
                    quoted: true,
                },
                other => return Ok(Item::Bare(Value::Lit(other))),
            }
        } else {
            let ident = syn::Ident::parse_any(input)?;
            Key {
                name: ident.unraw().to_string(),
                span: ident.span(),
                quoted: false,
            }
        };
        if input.peek(Token![=]) {
            input.parse::<Token![=]>()?;
            Ok(Item::Assign(key, parse_value(input)?))
        } else if input.peek(syn::token::Paren) {
            let content;
            syn::parenthesized!(content in input);
            let items = Punctuated::<Item, Token![,]>::parse_terminated(&content)?;
            Ok(Item::List(key, items.into_iter().collect()))
        } else {
            Ok(Item::Flag(key))
        }
    }
}

fn parse_value(input: ParseStream) -> syn::Result<Value> {
    if input.peek(Token![-]) {
        let minus: Token![-] = input.parse()?;
        let lit: Lit = input.parse()?;
        let span = minus.span.join(lit.span()).unwrap_or(lit.span());
        return match lit {
            Lit::Int(_) | Lit::Float(_) => Ok(Value::Neg(lit, span)),
            _ => Err(syn::Error::new(lit.span(), "expected a number after `-`")),
        };
    }
    if input.peek(Lit) {
        return input.parse().map(Value::Lit);
    }
    if input.peek(syn::Ident)
        || input.peek(Token![::])
        || input.peek(Token![crate])
        || input.peek(Token![self])
        || input.peek(Token![super])
    {
        let path = Path::parse_mod_style(input)?;
        if input.peek(syn::token::Paren) {
            return Err(input.error(
                "a call is not a value here: SQL expressions are strings \
                 (`server_default = \"now()\"`), and a client-side default is a function \
                 path without parentheses (`default = gen_key`)",
            ));
        }
        return Ok(Value::Path(path));
    }
    Err(input.error("expected a literal or a path"))
}

/// The items of every `#[cratedb(...)]` attribute in `attrs`, in order. A malformed
/// attribute is reported and skipped; the others are still parsed.
pub fn parse_attrs(attrs: &[Attribute], errors: &mut Errors) -> Vec<Item> {
    let mut items = Vec::new();
    for attr in attrs.iter().filter(|a| a.path().is_ident("cratedb")) {
        if let syn::Meta::List(_) = &attr.meta {
            match attr.parse_args_with(Punctuated::<Item, Token![,]>::parse_terminated) {
                Ok(parsed) => items.extend(parsed),
                Err(e) => errors.push_error(e),
            }
        } else {
            errors.push(
                syn::spanned::Spanned::span(attr),
                "expected `#[cratedb(...)]` with options in parentheses",
            );
        }
    }
    items
}
