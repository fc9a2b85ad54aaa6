//! Wire round trips for every CrateDB type: value → JSON text → value, via proptest.

mod models;

use std::fmt::Debug;

use cratedb_orm::{
    CrateModel, CrateType, FloatVector, GeoPoint, GeoShape, Object, ObjectArray, RowLayout,
    Timestamp, TimestampTz, Value,
};
use proptest::prelude::*;
use serde_json::{json, Map};

/// Encodes, sends through JSON text as the client would, and decodes.
fn wire<T: CrateType>(value: &T) -> T {
    let text = serde_json::to_string(&value.to_value()).expect("JSON text");
    let back: Value = serde_json::from_str(&text).expect("valid JSON");
    T::from_value(back).expect("decodes")
}

/// Serializes as the session does and decodes as queries do (straight from the text).
fn wire_stream<T: CrateType>(value: &T) -> T {
    let text = serde_json::to_string(&cratedb_orm::types::Wire(value)).expect("JSON text");
    let mut de = serde_json::Deserializer::from_str(&text);
    T::deserialize_wire(&mut de)
        .expect("valid JSON")
        .expect("decodes")
}

fn assert_round_trip<T: CrateType + PartialEq + Debug>(value: T) {
    assert_eq!(wire(&value), value);
    assert_eq!(wire_stream(&value), value, "streamed");
}

/// Decoding JSON text straight (`deserialize_wire`) agrees with decoding its `Value`.
fn assert_decoders_agree<T: CrateType + PartialEq + Debug>(v: &Value) {
    let text = serde_json::to_string(v).expect("JSON text");
    let mut de = serde_json::Deserializer::from_str(&text);
    let streamed = T::deserialize_wire(&mut de).expect("valid JSON");
    assert_eq!(streamed, T::from_value(v.clone()), "{text}");
}

/// Arbitrary JSON, nested a few levels, with non-ASCII keys and text.
fn json_value() -> impl Strategy<Value = Value> {
    let leaf = prop_oneof![
        Just(Value::Null),
        any::<bool>().prop_map(Value::from),
        any::<i64>().prop_map(Value::from),
        any::<u64>().prop_map(Value::from),
        (-1e300..1e300_f64).prop_map(Value::from),
        "\\PC*".prop_map(Value::from),
    ];
    leaf.prop_recursive(3, 24, 6, |inner| {
        prop_oneof![
            prop::collection::vec(inner.clone(), 0..5).prop_map(Value::Array),
            prop::collection::vec(("\\PC{0,8}", inner), 0..5)
                .prop_map(|pairs| Value::Object(pairs.into_iter().collect::<Map<_, _>>())),
        ]
    })
}

fn object() -> impl Strategy<Value = Object> {
    prop::collection::vec(("\\PC{0,8}", json_value()), 0..6)
        .prop_map(|pairs| pairs.into_iter().collect())
}

fn lon() -> impl Strategy<Value = f64> {
    -180.0..=180.0_f64
}

fn lat() -> impl Strategy<Value = f64> {
    -90.0..=90.0_f64
}

fn ring() -> impl Strategy<Value = Vec<(f64, f64)>> {
    prop::collection::vec((lon(), lat()), 3..8).prop_map(|mut points| {
        points.push(points[0]);
        points
    })
}

fn geo_shape() -> impl Strategy<Value = GeoShape> {
    let simple = prop_oneof![
        (lon(), lat()).prop_map(|p| GeoShape::point(p).unwrap()),
        prop::collection::vec((lon(), lat()), 2..6).prop_map(|p| GeoShape::line_string(p).unwrap()),
        prop::collection::vec((lon(), lat()), 0..6).prop_map(|p| GeoShape::multi_point(p).unwrap()),
        prop::collection::vec(ring(), 1..3).prop_map(|r| GeoShape::polygon(r).unwrap()),
        prop::collection::vec(prop::collection::vec((lon(), lat()), 2..4), 0..3)
            .prop_map(|l| GeoShape::multi_line_string(l).unwrap()),
        prop::collection::vec(prop::collection::vec(ring(), 1..2), 0..3)
            .prop_map(|p| GeoShape::multi_polygon(p).unwrap()),
    ];
    simple.prop_recursive(2, 8, 3, |inner| {
        prop::collection::vec(inner, 0..3).prop_map(GeoShape::geometry_collection)
    })
}

proptest! {
    #[test]
    fn text_round_trips(s in "\\PC*") {
        assert_round_trip(s);
    }

    #[test]
    fn non_ascii_text_round_trips(s in "[äöüßéèñ中文日本語🦀\u{0}-\u{1f}\"\\\\]{0,40}") {
        assert_round_trip(s);
    }

    #[test]
    fn integers_round_trip(a in any::<i16>(), b in any::<i32>(), c in any::<i64>()) {
        assert_round_trip(a);
        assert_round_trip(b);
        assert_round_trip(c);
    }

    #[test]
    fn bigint_beyond_2_pow_53_is_exact(n in (1_i64 << 53)..=i64::MAX, negative in any::<bool>()) {
        let n = if negative { -n } else { n };
        assert_round_trip(n);
        prop_assert_eq!(n.to_value().to_string(), n.to_string());
    }

    #[test]
    fn floats_round_trip(x in any::<f64>(), y in any::<f32>()) {
        let back = wire(&x);
        prop_assert!(back == x || (x.is_nan() && back.is_nan()), "{x} came back as {back}");
        let back = wire(&y);
        prop_assert!(back == y || (y.is_nan() && back.is_nan()), "{y} came back as {back}");
    }

    #[test]
    fn bools_and_options_round_trip(b in any::<bool>(), o in proptest::option::of(any::<i32>())) {
        assert_round_trip(b);
        assert_round_trip(o);
    }

    #[test]
    fn arrays_round_trip(
        v in prop::collection::vec(any::<i64>(), 0..10),
        w in prop::collection::vec(proptest::option::of("\\PC{0,6}"), 0..10),
        n in prop::collection::vec(prop::collection::vec(any::<bool>(), 0..3), 0..3),
    ) {
        assert_round_trip(v);
        assert_round_trip(w);
        assert_round_trip(n);
    }

    #[test]
    fn timestamps_round_trip(millis in any::<i64>()) {
        assert_round_trip(Timestamp(millis));
        assert_round_trip(TimestampTz(millis));
        // The ISO-8601 text form round-trips too.
        prop_assert_eq!(TimestampTz(millis).to_string().parse::<TimestampTz>(), Ok(TimestampTz(millis)));
        prop_assert_eq!(Timestamp(millis).to_string().parse::<Timestamp>(), Ok(Timestamp(millis)));
        prop_assert_eq!(
            TimestampTz::from_value(json!(TimestampTz(millis).to_string())),
            Ok(TimestampTz(millis))
        );
    }

    #[test]
    fn objects_round_trip(o in object(), more in prop::collection::vec(object(), 0..4)) {
        assert_round_trip(o.clone());
        assert_round_trip(ObjectArray::from(more));
        let back = wire(&o);
        prop_assert_eq!(back.keys().collect::<Vec<_>>(), o.keys().collect::<Vec<_>>(), "key order kept");
    }

    #[test]
    fn json_values_round_trip(v in json_value()) {
        assert_round_trip(v);
    }

    #[test]
    fn streamed_decoding_agrees_with_value_decoding(v in json_value()) {
        assert_decoders_agree::<Object>(&v);
        assert_decoders_agree::<ObjectArray>(&v);
        assert_decoders_agree::<Option<Object>>(&v);
        assert_decoders_agree::<Option<ObjectArray>>(&v);
        assert_decoders_agree::<String>(&v);
        assert_decoders_agree::<Option<i64>>(&v);
        assert_decoders_agree::<f64>(&v);
        assert_decoders_agree::<Vec<Option<i32>>>(&v);
        assert_decoders_agree::<Value>(&v);
        let wrapped = json!({ "k": v.clone(), "l": [v] });
        assert_decoders_agree::<Object>(&wrapped);
        assert_decoders_agree::<ObjectArray>(&json!([wrapped.clone(), {}]));
    }

    #[test]
    fn geo_points_round_trip(lon in lon(), lat in lat()) {
        let p = GeoPoint::new(lon, lat);
        assert_round_trip(p);
        prop_assert_eq!(GeoPoint::from_value(p.to_geojson()), Ok(p));
        prop_assert_eq!(GeoPoint::from_value(json!(p.to_string())), Ok(p));
    }

    #[test]
    fn geo_shapes_round_trip(shape in geo_shape()) {
        assert_round_trip(shape);
    }

    #[test]
    fn float_vectors_round_trip(values in prop::array::uniform4(-1e30_f32..1e30_f32)) {
        assert_round_trip(FloatVector(values));
    }

    #[test]
    fn models_round_trip(
        id in "\\PC{1,20}",
        name in proptest::option::of("\\PC*"),
        quote in "\\PC*",
        details in proptest::option::of(object()),
        created in proptest::option::of(any::<i64>()),
    ) {
        let c = models::Character {
            id: Some(id),
            name,
            quote,
            details,
            created_at: created.map(TimestampTz),
            ..Default::default()
        };
        let text = serde_json::to_string(&c.to_values()).unwrap();
        let mut row: Vec<Value> = serde_json::from_str(&text).unwrap();
        let back = models::Character::from_row(&RowLayout::identity(models::Character::meta()), &mut row).unwrap();
        prop_assert_eq!(back, c);
    }
}

/// Decodes JSON text as a column value, as queries do.
fn received<T: CrateType>(text: &str) -> Result<T, cratedb_orm::types::DecodeError> {
    let mut de = serde_json::Deserializer::from_str(text);
    T::deserialize_wire(&mut de).expect("valid JSON")
}

/// Serializes as the session does.
fn sent<T: CrateType>(value: &T) -> String {
    serde_json::to_string(&cratedb_orm::types::Wire(value)).expect("JSON text")
}

proptest! {
    #[test]
    fn received_object_arrays_keep_their_text(more in prop::collection::vec(object(), 0..4), extra in object()) {
        let built = ObjectArray::from(more.clone());
        let text = sent(&built);
        let a: ObjectArray = received(&text).expect("decodes");
        // Unchanged: written back byte for byte, before and after reading, and when copied.
        prop_assert_eq!(sent(&a), text.clone());
        prop_assert_eq!(sent(&a.clone()), text.clone());
        prop_assert_eq!(&a, &received::<ObjectArray>(&text).expect("decodes"));
        prop_assert_eq!(&a, &built);
        prop_assert_eq!(&built, &a);
        prop_assert_eq!(a.len(), more.len());
        prop_assert_eq!(a.as_slice(), more.as_slice());
        prop_assert_eq!(a.iter().collect::<Vec<_>>(), (&a).into_iter().collect::<Vec<_>>());
        prop_assert_eq!(sent(&a), text.clone());
        prop_assert_eq!(a.to_value(), built.to_value());
        // Changed: the change is what is written.
        let mut pushed = a.clone();
        pushed.push(extra.clone());
        let mut expected = more.clone();
        expected.push(extra.clone());
        prop_assert_eq!(&pushed, &ObjectArray::from(expected.clone()));
        prop_assert_eq!(received::<ObjectArray>(&sent(&pushed)).expect("decodes"), ObjectArray::from(expected));
        let mut emptied = a.clone();
        emptied.as_mut_vec().clear();
        prop_assert_eq!(sent(&emptied), "[]");
        prop_assert_eq!(a.into_vec(), more);
    }
}

/// Whether serde_json keeps numbers as text (its `arbitrary_precision` feature, turned on by
/// this crate's `rust_decimal` feature): then a number beyond `f64` still parses.
fn arbitrary_precision() -> bool {
    serde_json::from_str::<Value>("1e400").is_ok()
}

#[test]
fn received_object_arrays_table() {
    // (received text, written back unchanged, equal to)
    let cases = [
        ("[]", "[]", json!([])),
        ("[ ]", "[ ]", json!([])),
        ("[{}]", "[{}]", json!([{}])),
        (
            r#"[ {"b": 1, "a": [1, {"x": null}]} , {"c": "\"]"} ]"#,
            r#"[ {"b": 1, "a": [1, {"x": null}]} , {"c": "\"]"} ]"#,
            json!([{"b": 1, "a": [1, {"x": null}]}, {"c": "\"]"}]),
        ),
        // An exponent is parsed at once (it might not read back the same later). With
        // serde_json's `arbitrary_precision` (feature `rust_decimal`) the number keeps its text.
        (
            r#"[{"a": 1.5e3}]"#,
            if arbitrary_precision() {
                r#"[{"a":1.5e+3}]"#
            } else {
                r#"[{"a":1500.0}]"#
            },
            serde_json::from_str(r#"[{"a": 1.5e3}]"#).unwrap(),
        ),
        (
            r#"[{"k": "\u00e9"}]"#,
            r#"[{"k": "\u00e9"}]"#,
            json!([{"k": "é"}]),
        ),
    ];
    for (text, back, value) in cases {
        let a: ObjectArray = received(text).unwrap_or_else(|e| panic!("{text}: {e}"));
        assert_eq!(sent(&a), back, "{text}");
        assert_eq!(a, ObjectArray::from_value(value.clone()).unwrap(), "{text}");
        assert_eq!(sent(&a), back, "{text}: read");
        assert_eq!(a.to_value(), value, "{text}");
    }
    // Not an array of objects: the same error as decoding the value.
    for text in ["{}", "1", "null", "[1]", "[{}, []]", "[{}, null]"] {
        let streamed = received::<ObjectArray>(text).expect_err(text);
        if let Ok(value) = serde_json::from_str::<Value>(text) {
            assert_eq!(
                streamed,
                ObjectArray::from_value(value).unwrap_err(),
                "{text}"
            );
        } else {
            assert_eq!(streamed.expected, "ARRAY(OBJECT)", "{text}");
        }
    }
    // A number beyond f64: not JSON serde_json can hold, unless its `arbitrary_precision`
    // (feature `rust_decimal`) keeps the number's text.
    let text = r#"[{"a": 1e400}]"#;
    match received::<ObjectArray>(text) {
        Err(e) => {
            assert!(!arbitrary_precision(), "{text}: {e}");
            assert_eq!(e.expected, "ARRAY(OBJECT)", "{text}");
        }
        Ok(a) => {
            assert!(arbitrary_precision(), "{text}");
            assert_eq!(
                a.values_of("a").first(),
                serde_json::from_str::<Value>("1e400").ok().as_ref()
            );
        }
    }
}

#[cfg(feature = "chrono")]
proptest! {
    #[test]
    fn chrono_round_trips(millis in -8_000_000_000_000_000_i64..8_000_000_000_000_i64) {
        let t = chrono::DateTime::from_timestamp_millis(millis).unwrap();
        assert_round_trip(t);
        assert_round_trip(t.naive_utc());
    }
}

#[cfg(feature = "time")]
proptest! {
    #[test]
    fn time_round_trips(millis in -60_000_000_000_000_i64..200_000_000_000_000_i64) {
        let t = time::OffsetDateTime::from_unix_timestamp_nanos(i128::from(millis) * 1_000_000).unwrap();
        assert_round_trip(t);
        assert_round_trip(time::PrimitiveDateTime::new(t.date(), t.time()));
    }
}
