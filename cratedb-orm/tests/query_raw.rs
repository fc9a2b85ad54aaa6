//! Raw SQL with bound parameters, mapped into tuples and models.

mod dsl_support;

use cratedb_client::SqlResponse;
use cratedb_orm::raw::{decode_models, decode_rows, raw};
use cratedb_orm::{Error, Object, Value};
use dsl_support::Character;
use serde_json::json;

fn response(cols: &[&str], rows: Vec<Vec<Value>>) -> SqlResponse {
    SqlResponse {
        cols: cols.iter().map(|c| c.to_string()).collect(),
        col_types: None,
        rowcount: rows.len() as i64,
        rows,
        duration: 0.5,
    }
}

#[test]
fn binds_parameters_in_order() {
    let q =
        raw("SELECT * FROM characters WHERE name = $1 AND details['age'] > $2 AND id IN ($3, $4)")
            .bind("Arthur")
            .bind(Some(40))
            .bind_all(["a", "b"]);
    assert_eq!(
        q.args(),
        &[json!("Arthur"), json!(40), json!("a"), json!("b")]
    );
    assert!(q.sql().starts_with("SELECT * FROM characters"));
    let q = raw("SELECT $1").bind(None::<i64>).bind(vec![1, 2]);
    assert_eq!(q.args(), &[Value::Null, json!([1, 2])]);
}

#[test]
fn rows_decode_into_tuples() {
    let rows: Vec<(String, Option<i64>)> = decode_rows(response(
        &["name", "n"],
        vec![
            vec![json!("Arthur"), json!(42)],
            vec![json!("Ford"), Value::Null],
        ],
    ))
    .unwrap_or_default();
    assert_eq!(
        rows,
        vec![("Arthur".into(), Some(42)), ("Ford".into(), None)]
    );
    let rows: Vec<Vec<Value>> = decode_rows(response(
        &["a", "b", "c"],
        vec![vec![json!(1), json!(2), json!(3)]],
    ))
    .unwrap_or_default();
    assert_eq!(rows, vec![vec![json!(1), json!(2), json!(3)]]);
}

#[test]
fn tuple_of_the_wrong_width_or_type_is_an_error() {
    let r = decode_rows::<(String,)>(response(&["a", "b"], vec![vec![json!("x"), json!("y")]]));
    assert!(matches!(r, Err(Error::Decode { .. })));
    let r = decode_rows::<(i64,)>(response(&["n"], vec![vec![json!("seven")]]));
    assert_eq!(
        r.err().map(|e| e.to_string()).as_deref(),
        Some(r#"column "n": expected BIGINT (i64), found "seven""#)
    );
}

#[test]
fn rows_decode_into_models_by_column_name() {
    let models: Vec<Character> = decode_models(response(
        &["quote", "id", "details", "name", "extra"],
        vec![vec![
            json!("Don't panic"),
            json!("a1"),
            json!({"gender": "male"}),
            json!("Arthur Dent"),
            json!("ignored"),
        ]],
    ))
    .unwrap_or_default();
    let mut details = serde_json::Map::new();
    details.insert("gender".into(), json!("male"));
    assert_eq!(
        models,
        vec![Character {
            id: Some("a1".into()),
            name: Some("Arthur Dent".into()),
            quote: "Don't panic".into(),
            details: Some(Object::from(details)),
            more_details: None,
        }]
    );
    let err =
        decode_models::<Character>(response(&["id", "quote"], vec![vec![json!(1), json!("q")]]));
    assert_eq!(
        err.err().map(|e| e.to_string()).as_deref(),
        Some(r#"column "id": expected TEXT, found 1"#)
    );
}
