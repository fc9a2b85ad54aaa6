//! Property: applying the emitted key updates to `a` yields `b` (deleted keys as NULL).

use cratedb_orm::session::{apply_path, diff_objects};
use proptest::prelude::*;
use serde_json::{Map, Value};

fn leaf() -> impl Strategy<Value = Value> {
    prop_oneof![
        Just(Value::Null),
        any::<bool>().prop_map(Value::from),
        any::<i64>().prop_map(Value::from),
        "[a-zé'\\[\\]\" ]{0,6}".prop_map(Value::from),
        prop::collection::vec(any::<i32>().prop_map(Value::from), 0..3).prop_map(Value::from),
    ]
}

fn object() -> impl Strategy<Value = Map<String, Value>> {
    let key = "[a-d'\\]]{1,2}";
    leaf()
        .prop_recursive(3, 24, 4, move |inner| {
            prop::collection::btree_map(key, inner, 0..4)
                .prop_map(|m| Value::Object(m.into_iter().collect()))
        })
        .prop_map(|v| match v {
            Value::Object(m) => m,
            other => Map::from_iter([("k".to_string(), other)]),
        })
}

/// `b` with every key that `a` has and `b` lacks set to NULL, recursively.
fn expected(a: &Map<String, Value>, b: &Map<String, Value>) -> Map<String, Value> {
    let mut out = b.clone();
    for (k, av) in a {
        match (av, b.get(k)) {
            (_, None) => {
                out.insert(k.clone(), Value::Null);
            }
            (Value::Object(ao), Some(Value::Object(bo))) => {
                out.insert(k.clone(), Value::Object(expected(ao, bo)));
            }
            _ => {}
        }
    }
    out
}

fn sorted(v: Value) -> Value {
    match v {
        Value::Object(m) => {
            let mut items: Vec<_> = m.into_iter().map(|(k, v)| (k, sorted(v))).collect();
            items.sort_by(|x, y| x.0.cmp(&y.0));
            Value::Object(items.into_iter().collect())
        }
        other => other,
    }
}

proptest! {
    #[test]
    fn applying_the_diff_to_a_yields_b(a in object(), b in object()) {
        let mut updates = Vec::new();
        diff_objects(&a, &b, &mut Vec::new(), &mut |p, v| updates.push((p.to_vec(), v.clone())));
        let mut target = Value::Object(a.clone());
        for (path, value) in &updates {
            apply_path(&mut target, path, value.clone());
        }
        prop_assert_eq!(sorted(target), sorted(Value::Object(expected(&a, &b))));
        if a == b {
            prop_assert!(updates.is_empty());
        }
    }
}
