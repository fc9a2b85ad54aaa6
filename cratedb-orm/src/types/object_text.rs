//! Finding one top-level member in the JSON text of an object, so that an [`Object`] still
//! held as received text can have one key read or replaced without parsing the whole object
//! (the common change of a loaded row: `details['species'] = …`).
//!
//! The text is always valid JSON (the parser checked it when it arrived); anything this
//! scanner does not handle plainly — an escaped key, a key that occurs twice, text that is
//! not an object — is [`Member::Unknown`], and the caller parses the object instead.
//!
//! [`Object`]: super::Object

use std::ops::Range;

/// Where the top-level member `key` stands in an object's JSON text.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) enum Member {
    /// The byte range of its value.
    Value(Range<usize>),
    /// The key is absent: a new member goes at this byte offset (the closing `}`); `first`
    /// when the object is empty (no `,` before it).
    Absent { at: usize, first: bool },
    /// Not decided by a plain scan: parse the object.
    Unknown,
}

/// Finds the top-level member `key` in `text`, the JSON text of an object.
pub(crate) fn find_member(text: &str, key: &str) -> Member {
    scan(text.as_bytes(), key.as_bytes()).unwrap_or(Member::Unknown)
}

fn scan(b: &[u8], key: &[u8]) -> Option<Member> {
    let mut i = skip_ws(b, 0);
    if b.get(i) != Some(&b'{') {
        return None;
    }
    i = skip_ws(b, i + 1);
    if b.get(i) == Some(&b'}') {
        return Some(Member::Absent { at: i, first: true });
    }
    let mut found = None;
    loop {
        // A key: a string without escapes (an escaped key is left to the parser).
        if b.get(i) != Some(&b'"') {
            return None;
        }
        let start = i + 1;
        let len = b.get(start..)?.iter().position(|&c| c == b'"')?;
        let name = b.get(start..start + len)?;
        if name.contains(&b'\\') {
            return None;
        }
        i = skip_ws(b, start + len + 1);
        if b.get(i) != Some(&b':') {
            return None;
        }
        let value_start = skip_ws(b, i + 1);
        let value_end = skip_value(b, value_start)?;
        if name == key {
            if found.is_some() {
                return None; // a key twice: which one counts is the parser's business
            }
            found = Some(value_start..value_end);
        }
        i = skip_ws(b, value_end);
        match b.get(i) {
            Some(b',') => i = skip_ws(b, i + 1),
            Some(b'}') => {
                return Some(match found {
                    Some(range) => Member::Value(range),
                    None => Member::Absent {
                        at: i,
                        first: false,
                    },
                })
            }
            _ => return None,
        }
    }
}

fn skip_ws(b: &[u8], mut i: usize) -> usize {
    while matches!(b.get(i), Some(b' ' | b'\t' | b'\n' | b'\r')) {
        i += 1;
    }
    i
}

/// The end of the value starting at `i`.
fn skip_value(b: &[u8], i: usize) -> Option<usize> {
    match b.get(i)? {
        b'"' => skip_string(b, i),
        b'{' | b'[' => {
            let mut depth = 0usize;
            let mut j = i;
            loop {
                match b.get(j)? {
                    b'"' => {
                        j = skip_string(b, j)?;
                        continue;
                    }
                    b'{' | b'[' => depth += 1,
                    b'}' | b']' => {
                        depth = depth.checked_sub(1)?;
                        if depth == 0 {
                            return Some(j + 1);
                        }
                    }
                    _ => {}
                }
                j += 1;
            }
        }
        _ => {
            // A number or a literal: up to the next delimiter.
            let len = b
                .get(i..)?
                .iter()
                .position(|c| matches!(c, b',' | b'}' | b']' | b' ' | b'\t' | b'\n' | b'\r'))?;
            Some(i + len)
        }
    }
}

/// The end of the string starting at `i` (its opening quote).
fn skip_string(b: &[u8], i: usize) -> Option<usize> {
    let mut j = i + 1;
    loop {
        match b.get(j)? {
            b'\\' => j += 2,
            b'"' => return Some(j + 1),
            _ => j += 1,
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn value<'t>(text: &'t str, key: &str) -> Option<&'t str> {
        match find_member(text, key) {
            Member::Value(r) => text.get(r),
            _ => None,
        }
    }

    #[test]
    fn finds_values_of_every_kind() {
        let text = r#"{"s":"a \"quoted\" } ] , word","n":-1.5,"t":true,"z":null,"o":{"x":[1,{"y":"}"}]},"a":[[],{}]}"#;
        assert_eq!(value(text, "s"), Some(r#""a \"quoted\" } ] , word""#));
        assert_eq!(value(text, "n"), Some("-1.5"));
        assert_eq!(value(text, "t"), Some("true"));
        assert_eq!(value(text, "z"), Some("null"));
        assert_eq!(value(text, "o"), Some(r#"{"x":[1,{"y":"}"}]}"#));
        assert_eq!(value(text, "a"), Some("[[],{}]"));
        // Only top-level keys count.
        assert_eq!(
            find_member(text, "x"),
            Member::Absent {
                at: text.len() - 1,
                first: false
            }
        );
    }

    #[test]
    fn whitespace_and_empty_objects() {
        let text = " { \"a\" : 1 ,\n \"b\" :\t\"two\" } ";
        assert_eq!(value(text, "a"), Some("1"));
        assert_eq!(value(text, "b"), Some("\"two\""));
        assert_eq!(
            find_member(" {  } ", "a"),
            Member::Absent { at: 4, first: true }
        );
    }

    #[test]
    fn leaves_unclear_cases_to_the_parser() {
        assert_eq!(find_member(r#"{"a\u0062":1}"#, "ab"), Member::Unknown);
        assert_eq!(find_member(r#"{"a":1,"a":2}"#, "a"), Member::Unknown);
        assert_eq!(find_member("[1,2]", "a"), Member::Unknown);
        assert_eq!(find_member(r#"{"a":1"#, "a"), Member::Unknown);
        assert_eq!(find_member("", "a"), Member::Unknown);
    }
}
