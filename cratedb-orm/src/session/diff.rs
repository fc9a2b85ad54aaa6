//! Per-key differences of OBJECT values: the keys a minimal UPDATE assigns.

use serde_json::{Map, Value};

use crate::types::lookup;
use crate::types::object_text::members;

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

/// [`diff_objects`] for two objects still held as JSON text, without parsing them: members
/// are compared by their text, and only members whose text differs are parsed (and compared
/// as values, nested objects key by key). `false` (nothing emitted) when the texts do not
/// have the same keys in the same order, or a plain scan cannot read them: parse them then.
pub(crate) fn diff_object_texts(
    old: &str,
    new: &str,
    emit: &mut dyn FnMut(&[String], &Value),
) -> bool {
    let (Some(old), Some(new)) = (members(old), members(new)) else {
        return false;
    };
    if old.len() != new.len() || old.iter().zip(&new).any(|((a, _), (b, _))| a != b) {
        return false;
    }
    // Parse every differing pair first: nothing is emitted unless all of them parse.
    let mut changed = Vec::new();
    for ((key, o), (_, n)) in old.iter().zip(&new) {
        if o == n {
            continue;
        }
        match (
            serde_json::from_str::<Value>(o),
            serde_json::from_str::<Value>(n),
        ) {
            (Ok(o), Ok(n)) => changed.push((*key, o, n)),
            _ => return false,
        }
    }
    let mut path = Vec::new();
    for (key, o, n) in &changed {
        diff_value(key, o, n, &mut path, emit);
    }
    true
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

    fn text_diffs(o: &str, n: &str) -> Option<Vec<(Vec<String>, Value)>> {
        let mut out = Vec::new();
        diff_object_texts(o, n, &mut |p, v| out.push((p.to_vec(), v.clone()))).then_some(out)
    }

    #[test]
    fn texts_with_the_same_keys_diff_like_their_maps() {
        let o = r#"{"gender":"male","species":"human","a":{"b":1,"c":2},"n":1.0,"s":"\u0041"}"#;
        let n = r#"{"gender":"male","species":"elf","a":{"b":1,"c":3},"n":1.0,"s":"A"}"#;
        let expected = diffs(
            serde_json::from_str(o).unwrap(),
            serde_json::from_str(n).unwrap(),
        );
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
            proptest::prop_assert_eq!(got, Some(diffs(o, n)));
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
