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
    find(text, key.as_bytes()).unwrap_or(Member::Unknown)
}

fn find(text: &str, key: &[u8]) -> Option<Member> {
    let mut members = Members::new(text)?;
    let mut found = None;
    loop {
        match members.step()? {
            Step::Member { name, value } => {
                if name.as_bytes() == key {
                    if found.is_some() {
                        return None; // a key twice: which one counts is the parser's business
                    }
                    found = Some(value);
                }
            }
            Step::End { at, empty } => {
                return Some(match found {
                    Some(range) => Member::Value(range),
                    None => Member::Absent { at, first: empty },
                })
            }
        }
    }
}

/// Most members [`zip_members`] walks (it looks for repeated keys pairwise).
const MAX_MEMBERS: usize = 32;

/// Walks the members of two objects' JSON texts side by side, calling `each(key, old value
/// text, new value text)` for each pair. `true` when both have the same keys in the same
/// order, each once (and at most [`MAX_MEMBERS`]); otherwise `false`, and what `each` was
/// given so far means nothing.
pub(crate) fn zip_members<'t>(
    old: &'t str,
    new: &'t str,
    mut each: impl FnMut(&'t str, &'t str, &'t str),
) -> bool {
    let (Some(mut a), Some(mut b)) = (Members::new(old), Members::new(new)) else {
        return false;
    };
    let mut seen = [""; MAX_MEMBERS];
    let mut count = 0;
    loop {
        match (a.step(), b.step()) {
            (Some(Step::End { .. }), Some(Step::End { .. })) => return true,
            (
                Some(Step::Member {
                    name,
                    value: old_value,
                }),
                Some(Step::Member {
                    name: new_name,
                    value: new_value,
                }),
            ) if name == new_name => {
                if count == MAX_MEMBERS || seen[..count].contains(&name) {
                    return false;
                }
                seen[count] = name;
                count += 1;
                match (old.get(old_value), new.get(new_value)) {
                    (Some(o), Some(n)) => each(name, o, n),
                    _ => return false,
                }
            }
            _ => return false,
        }
    }
}

/// One step through an object's members.
enum Step<'t> {
    /// A member: its key as written (no escapes) and the byte range of its value.
    Member { name: &'t str, value: Range<usize> },
    /// The closing `}` at byte `at`; `empty` when the object has no members.
    End { at: usize, empty: bool },
}

/// Walks the members of an object's JSON text.
struct Members<'t> {
    text: &'t str,
    /// The byte after the last thing read (white space skipped).
    i: usize,
    first: bool,
}

impl<'t> Members<'t> {
    /// `None` when the text is not an object.
    fn new(text: &'t str) -> Option<Self> {
        let b = text.as_bytes();
        let i = skip_ws(b, 0);
        (b.get(i) == Some(&b'{')).then(|| Members {
            text,
            i: skip_ws(b, i + 1),
            first: true,
        })
    }

    /// The next member or the end; `None` when a plain scan cannot tell.
    fn step(&mut self) -> Option<Step<'t>> {
        let b = self.text.as_bytes();
        match (self.first, b.get(self.i)) {
            (true, Some(b'}')) => {
                return Some(Step::End {
                    at: self.i,
                    empty: true,
                })
            }
            (true, _) => self.first = false,
            (false, Some(b',')) => self.i = skip_ws(b, self.i + 1),
            (false, Some(b'}')) => {
                return Some(Step::End {
                    at: self.i,
                    empty: false,
                })
            }
            (false, _) => return None,
        }
        // A key: a string without escapes (an escaped key is left to the parser).
        if b.get(self.i) != Some(&b'"') {
            return None;
        }
        let start = self.i + 1;
        let len = b.get(start..)?.iter().position(|&c| c == b'"')?;
        let name = self.text.get(start..start + len)?;
        if name.contains('\\') {
            return None;
        }
        let colon = skip_ws(b, start + len + 1);
        if b.get(colon) != Some(&b':') {
            return None;
        }
        let value_start = skip_ws(b, colon + 1);
        let value_end = skip_value(b, value_start)?;
        self.i = skip_ws(b, value_end);
        Some(Step::Member {
            name,
            value: value_start..value_end,
        })
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

    fn zipped<'t>(old: &'t str, new: &'t str) -> Option<Vec<(&'t str, &'t str, &'t str)>> {
        let mut out = Vec::new();
        zip_members(old, new, |k, o, n| out.push((k, o, n))).then_some(out)
    }

    #[test]
    fn zips_members_with_the_same_keys() {
        let old = r#"{"b":1,"a":{"x":"}"},"c":[1,2]}"#;
        let new = r#"{ "b" : 2 , "a" : {"x":"}"} , "c" : [1,2] }"#;
        assert_eq!(
            zipped(old, new),
            Some(vec![
                ("b", "1", "2"),
                ("a", r#"{"x":"}"}"#, r#"{"x":"}"}"#),
                ("c", "[1,2]", "[1,2]")
            ])
        );
        assert_eq!(zipped("{}", "{ }"), Some(vec![]));
        assert_eq!(zipped(r#"{"a":1,"b":2}"#, r#"{"b":2,"a":1}"#), None);
        assert_eq!(zipped(r#"{"a":1}"#, r#"{"a":1,"b":2}"#), None);
        assert_eq!(zipped(r#"{"a":1,"a":2}"#, r#"{"a":1,"a":2}"#), None);
        assert_eq!(zipped(r#"{"\u0061":1}"#, r#"{"\u0061":1}"#), None);
        let many = format!(
            "{{{}}}",
            (0..=MAX_MEMBERS)
                .map(|i| format!("\"k{i}\":{i}"))
                .collect::<Vec<_>>()
                .join(",")
        );
        assert_eq!(zipped(&many, &many), None);
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
