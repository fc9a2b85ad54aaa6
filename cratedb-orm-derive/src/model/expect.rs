//! Reading option values out of attribute items, reporting what was expected.

use std::collections::HashMap;

use proc_macro2::Span;
use syn::{Lit, LitStr};

use super::Setting;
use crate::attr::{Item, Key, Value};
use crate::errors::Errors;

/// Reports a second occurrence of the same option.
#[derive(Default)]
pub struct Seen(HashMap<String, Span>);

impl Seen {
    /// Where `key` was first written, if it was.
    pub fn span_of(&self, key: &str) -> Option<Span> {
        self.0.get(key).copied()
    }

    /// How many distinct options were seen.
    pub fn len(&self) -> usize {
        self.0.len()
    }

    /// True the first time `key` is seen; afterwards reports a duplicate and returns false.
    pub fn first(&mut self, key: &Key, errors: &mut Errors) -> bool {
        if self.0.contains_key(&key.name) {
            errors.push(key.span, format_args!("duplicate option `{}`", key.name));
            false
        } else {
            self.0.insert(key.name.clone(), key.span);
            true
        }
    }
}

pub fn item_key(item: &Item) -> Option<&Key> {
    match item {
        Item::Flag(k) | Item::Assign(k, _) | Item::List(k, _) => Some(k),
        Item::Bare(_) => None,
    }
}

pub fn expected(item: &Item, message: &str, errors: &mut Errors) {
    let span = match item {
        Item::Assign(_, value) => value.span(),
        other => other.span(),
    };
    errors.push(span, message);
}

/// Whether the flag is set. A flag written with a value is reported but still counts as
/// set, so that one mistake does not cascade into others (e.g. "no primary key").
pub fn expect_flag(item: &Item, errors: &mut Errors) -> bool {
    match item {
        Item::Flag(_) => true,
        Item::Assign(k, _) | Item::List(k, _) => {
            errors.push(
                k.span,
                format_args!("`{}` takes no value: write just `{}`", k.name, k.name),
            );
            true
        }
        Item::Bare(v) => {
            errors.push(v.span(), "expected an option name");
            false
        }
    }
}

pub fn expect_str(item: &Item, example: &str, errors: &mut Errors) -> Option<LitStr> {
    if let Item::Assign(_, Value::Lit(Lit::Str(s))) = item {
        return Some(s.clone());
    }
    let name = item_key(item).map(|k| k.name.clone()).unwrap_or_default();
    expected(
        item,
        &format!("`{name}` expects a string, e.g. `{example}`"),
        errors,
    );
    None
}

/// A non-empty string (a name).
pub fn expect_name(item: &Item, example: &str, errors: &mut Errors) -> Option<String> {
    let s = expect_str(item, example, errors)?;
    if s.value().is_empty() {
        errors.push(s.span(), "this name cannot be empty");
        return None;
    }
    Some(s.value())
}

/// A non-empty SQL expression, with its span.
pub fn expect_expr(item: &Item, example: &str, errors: &mut Errors) -> Option<(String, Span)> {
    let s = expect_str(item, example, errors)?;
    if s.value().trim().is_empty() {
        errors.push(s.span(), "the SQL expression cannot be empty");
        return None;
    }
    Some((s.value(), s.span()))
}

pub fn expect_bool(item: &Item, example: &str, errors: &mut Errors) -> Option<bool> {
    if let Item::Assign(_, Value::Lit(Lit::Bool(b))) = item {
        return Some(b.value);
    }
    let name = item_key(item).map(|k| k.name.clone()).unwrap_or_default();
    expected(
        item,
        &format!("`{name}` expects `true` or `false`, e.g. `{example}`"),
        errors,
    );
    None
}

pub fn expect_int(item: &Item, example: &str, errors: &mut Errors) -> Option<(i64, Span)> {
    match item {
        Item::Assign(_, Value::Lit(Lit::Int(i))) => match i.base10_parse() {
            Ok(n) => Some((n, i.span())),
            Err(e) => {
                errors.push_error(e);
                None
            }
        },
        Item::Assign(_, v @ Value::Neg(Lit::Int(_), _)) => {
            errors.push(
                v.span(),
                format_args!("expected a positive integer, e.g. `{example}`"),
            );
            None
        }
        _ => {
            let name = item_key(item).map(|k| k.name.clone()).unwrap_or_default();
            expected(
                item,
                &format!("`{name}` expects an integer, e.g. `{example}`"),
                errors,
            );
            None
        }
    }
}

/// A list of string literals (`columns("a", "b")`).
pub fn string_list(items: &[Item], example: &str, errors: &mut Errors) -> Vec<LitStr> {
    let mut out = Vec::new();
    for item in items {
        match item {
            Item::Bare(Value::Lit(Lit::Str(s))) if !s.value().is_empty() => out.push(s.clone()),
            other => errors.push(
                other.span(),
                format_args!("expected a column name as a string, e.g. `{example}`"),
            ),
        }
    }
    out
}

pub fn setting_value(value: &Value, errors: &mut Errors) -> Option<Setting> {
    let parsed = match value {
        Value::Lit(Lit::Str(s)) => Ok(Setting::Text(s.value())),
        Value::Lit(Lit::Bool(b)) => Ok(Setting::Bool(b.value)),
        Value::Lit(Lit::Int(i)) => i.base10_parse().map(Setting::Int),
        Value::Lit(Lit::Float(f)) => f.base10_parse().map(Setting::Float),
        Value::Neg(Lit::Int(i), _) => i.base10_parse::<i64>().map(|n| Setting::Int(-n)),
        Value::Neg(Lit::Float(f), _) => f.base10_parse::<f64>().map(|x| Setting::Float(-x)),
        other => Err(syn::Error::new(
            other.span(),
            "a table setting is a string, number or boolean",
        )),
    };
    parsed.map_err(|e| errors.push_error(e)).ok()
}
