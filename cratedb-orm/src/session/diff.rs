//! Per-key differences of OBJECT values: the keys a minimal UPDATE assigns.

use serde_json::{Map, Value};

use crate::types::lookup;
use crate::types::object_text::zip_members;

/// Calls `emit(path, value)` for every key that differs between two objects: changed or
/// added keys with their new value, deleted keys with `Null`; nested objects on both sides
/// are descended into. The value is borrowed: a caller that only needs the paths copies
/// nothing.
pub fn diff_objects(
    old: &Map<String, Value>,
    new: &Map<String, Value>,
    path: &mut Vec<String>,
    emit: &mut dyn FnMut(&[String], &Value),
) {
    // The usual case — the new object is an edited copy with the same keys in the same order —
    // needs no key lookups.
    if old.len() == new.len() && old.keys().zip(new.keys()).all(|(a, b)| a == b) {
        for ((key, o), n) in old.iter().zip(new.values()) {
            diff_value(key, o, n, path, emit);
        }
        return;
    }
    for (key, n) in new {
        match lookup(old, key) {
            Some(o) => diff_value(key, o, n, path, emit),
            None => {
                path.push(key.clone());
                emit(path, n);
                path.pop();
            }
        }
    }
    for key in old.keys() {
        if lookup(new, key).is_none() {
            path.push(key.clone());
            emit(path, &Value::Null);
            path.pop();
        }
    }
}

/// The paths [`diff_objects`] would give for two objects still held as JSON text, found
/// without parsing the objects: members are compared by their text, and only members whose
/// text differs are looked at further (two plain strings that differ are a change; anything
/// else is parsed and compared as values, nested objects key by key). `false` (nothing
/// emitted) when the texts do not have the same keys in the same order, or a plain scan
/// cannot read them: parse them then.
pub(crate) fn diff_object_texts(old: &str, new: &str, emit: &mut dyn FnMut(&[String])) -> bool {
    let mut differing = Vec::new();
    if !zip_members(old, new, |key, o, n| {
        if o != n {
            differing.push((key, o, n));
        }
    }) {
        return false;
    }
    // Parse what must be parsed first: nothing is emitted unless all of it parses.
    let mut changes = Vec::with_capacity(differing.len());
    for (key, o, n) in differing {
        if plain_string(o) && plain_string(n) {
            changes.push((key, None));
            continue;
        }
        match (
            serde_json::from_str::<Value>(o),
            serde_json::from_str::<Value>(n),
        ) {
            (Ok(o), Ok(n)) => changes.push((key, Some((o, n)))),
            _ => return false,
        }
    }
    let mut path = Vec::new();
    for (key, values) in &changes {
        match values {
            None => {
                path.push((*key).to_owned());
                emit(&path);
                path.pop();
            }
            Some((o, n)) => diff_value(key, o, n, &mut path, &mut |p, _| emit(p)),
        }
    }
    true
}

/// A JSON string without escapes: two such texts that differ are different strings.
fn plain_string(text: &str) -> bool {
    text.len() >= 2 && text.starts_with('"') && text.ends_with('"') && !text.contains('\\')
}

/// The assignments for one key present on both sides.
fn diff_value(
    key: &str,
    old: &Value,
    new: &Value,
    path: &mut Vec<String>,
    emit: &mut dyn FnMut(&[String], &Value),
) {
    if old == new {
        return;
    }
    path.push(key.to_string());
    match (old, new) {
        (Value::Object(o), Value::Object(n)) => diff_objects(o, n, path, emit),
        _ => emit(path, new),
    }
    path.pop();
}

/// Applies key assignments to an object the way CrateDB applies `SET "col"['a']['b'] = v`:
/// intermediate objects are created as needed. Used by tests and by the session to check
/// its own diffs.
pub fn apply_path(target: &mut Value, path: &[String], value: Value) {
    let Some((last, parents)) = path.split_last() else {
        *target = value;
        return;
    };
    let mut cur = target;
    for key in parents {
        if !cur.is_object() {
            *cur = Value::Object(Map::new());
        }
        let Value::Object(map) = cur else { return };
        cur = map
            .entry(key.clone())
            .or_insert_with(|| Value::Object(Map::new()));
    }
    if !cur.is_object() {
        *cur = Value::Object(Map::new());
    }
    if let Value::Object(map) = cur {
        map.insert(last.clone(), value);
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    fn diffs(o: Value, n: Value) -> Vec<(Vec<String>, Value)> {
        let (Value::Object(o), Value::Object(n)) = (o, n) else {
            panic!("objects expected")
        };
        let mut out = Vec::new();
        diff_objects(&o, &n, &mut Vec::new(), &mut |p, v| {
            out.push((p.to_vec(), v.clone()))
        });
        out
    }

    fn text_diffs(o: &str, n: &str) -> Option<Vec<Vec<String>>> {
        let mut out = Vec::new();
        diff_object_texts(o, n, &mut |p| out.push(p.to_vec())).then_some(out)
    }

    fn paths(diffs: Vec<(Vec<String>, Value)>) -> Vec<Vec<String>> {
        diffs.into_iter().map(|(p, _)| p).collect()
    }

    #[test]
    fn texts_with_the_same_keys_diff_like_their_maps() {
        let o = r#"{"gender":"male","species":"human","a":{"b":1,"c":2},"n":1.0,"s":"\u0041"}"#;
        let n = r#"{"gender":"male","species":"elf","a":{"b":1,"c":3},"n":1.0,"s":"A"}"#;
        let expected = paths(diffs(
            serde_json::from_str(o).unwrap(),
            serde_json::from_str(n).unwrap(),
        ));
        assert_eq!(text_diffs(o, n), Some(expected));
        assert_eq!(text_diffs(o, o), Some(vec![]));
        // Other keys or another order: left to the maps.
        assert_eq!(text_diffs(r#"{"a":1,"b":2}"#, r#"{"b":2,"a":1}"#), None);
        assert_eq!(text_diffs(r#"{"a":1}"#, r#"{"a":1,"b":2}"#), None);
    }

    proptest::proptest! {
        #[test]
        fn text_diffs_agree_with_map_diffs(
            old in proptest::collection::vec(("[abc]{1,2}", leaf()), 0..5),
            changes in proptest::collection::vec((0usize..5, leaf()), 0..4),
        ) {
            let old: Map<String, Value> = old.into_iter().collect();
            let mut new = old.clone();
            for (i, v) in changes {
                if let Some((_, slot)) = new.iter_mut().nth(i) {
                    *slot = v;
                }
            }
            let (o, n) = (Value::Object(old), Value::Object(new));
            let got = text_diffs(&o.to_string(), &n.to_string());
            proptest::prop_assert_eq!(got, Some(paths(diffs(o, n))));
        }
    }

    fn leaf() -> impl proptest::strategy::Strategy<Value = Value> {
        use proptest::prelude::*;
        prop_oneof![
            Just(Value::Null),
            any::<i8>().prop_map(Value::from),
            "[xy\"}]{0,2}".prop_map(Value::from),
            proptest::collection::vec(("[pq]", any::<i8>()), 0..3).prop_map(|kv| {
                Value::Object(kv.into_iter().map(|(k, v)| (k, Value::from(v))).collect())
            }),
        ]
    }

    #[test]
    fn changed_added_deleted_and_nested_keys() {
        let d = diffs(
            json!({"gender": "male", "species": "human", "a": {"b": 1, "c": 2}, "gone": 1}),
            json!({"gender": "male", "species": "elf", "a": {"b": 1, "c": 3}, "new": [1]}),
        );
        assert_eq!(
            d,
            vec![
                (vec!["species".to_string()], json!("elf")),
                (vec!["a".to_string(), "c".to_string()], json!(3)),
                (vec!["new".to_string()], json!([1])),
                (vec!["gone".to_string()], Value::Null),
            ]
        );
    }

    #[test]
    fn object_replaced_by_scalar_is_assigned_whole() {
        let d = diffs(json!({"a": {"b": 1}}), json!({"a": 5}));
        assert_eq!(d, vec![(vec!["a".to_string()], json!(5))]);
    }

    #[test]
    fn apply_path_creates_parents() {
        let mut v = json!({});
        apply_path(&mut v, &["a".into(), "b".into()], json!(1));
        assert_eq!(v, json!({"a": {"b": 1}}));
    }
}
