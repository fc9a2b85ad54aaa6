//! Every type refuses values of the wrong shape with an error naming the expected type.

use cratedb_orm::types::DecodeError;
use cratedb_orm::{
    CrateType, FloatVector, GeoPoint, GeoShape, Object, ObjectArray, Timestamp, TimestampTz,
};
use serde_json::{json, Value};

fn error<T: CrateType + std::fmt::Debug>(value: Value) -> DecodeError {
    T::from_value(value).expect_err("must not decode")
}

#[test]
fn each_type_names_what_it_expected() {
    let cases: Vec<(DecodeError, &str, &str)> = vec![
        (error::<String>(json!(1)), "TEXT", "1"),
        (error::<bool>(json!("yes")), "BOOLEAN", "\"yes\""),
        (error::<i16>(json!(40_000)), "SMALLINT (i16)", "40000"),
        (error::<i32>(json!(2.5)), "INTEGER (i32)", "2.5"),
        (error::<i64>(json!("9")), "BIGINT (i64)", "\"9\""),
        (error::<f32>(json!(1e39)), "REAL (f32)", "1e+39"),
        (error::<f64>(json!(null)), "DOUBLE PRECISION (f64)", "null"),
        (
            error::<Timestamp>(json!("noon")),
            "TIMESTAMP WITHOUT TIME ZONE (epoch millis or ISO-8601 text)",
            "\"noon\"",
        ),
        (
            error::<TimestampTz>(json!([1])),
            "TIMESTAMP WITH TIME ZONE (epoch millis or ISO-8601 text)",
            "[1]",
        ),
        (error::<Object>(json!([])), "OBJECT", "[]"),
        (error::<ObjectArray>(json!({})), "ARRAY(OBJECT)", "{}"),
        (
            error::<GeoPoint>(json!([1])),
            "GEO_POINT ([lon, lat] with -180 <= lon <= 180 and -90 <= lat <= 90, GeoJSON Point or WKT POINT)",
            "[1]",
        ),
        (
            error::<GeoShape>(json!({"type": "Point", "coordinates": [500, 0]})),
            "GEO_SHAPE (GeoJSON geometry: position [500,0] out of range)",
            "{\"type\":\"Point\",\"coordinates\":[500,0]}",
        ),
        (
            error::<FloatVector<2>>(json!([1.0])),
            "FLOAT_VECTOR(2)",
            "1 values: [1.0]",
        ),
        (
            error::<Vec<String>>(json!(["a", 2])),
            "ARRAY(TEXT) (element 1: TEXT)",
            "2",
        ),
        (error::<Option<i32>>(json!("x")), "INTEGER (i32)", "\"x\""),
    ];
    for (err, expected, found) in cases {
        assert_eq!(err.expected, expected);
        assert_eq!(err.found, found);
    }
}

#[test]
fn long_values_are_shortened_in_errors() {
    let long = "x".repeat(500);
    let err = error::<i64>(json!(long));
    assert_eq!(err.found.chars().count(), 81);
    assert!(err.found.ends_with('…'));
}

#[test]
fn the_model_layer_adds_the_column() {
    let err = cratedb_orm::Error::decode("details", error::<Object>(json!(3)));
    assert_eq!(
        err.to_string(),
        "column \"details\": expected OBJECT, found 3"
    );
}
