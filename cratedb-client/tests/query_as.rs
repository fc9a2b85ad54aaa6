//! Typed rows: `query_as` deserializes rows into tuples, structs and values straight from the
//! body; rows that do not fit name the row and column.

use std::collections::BTreeMap;

use cratedb_client::testing::{Reply, TestServer};
use cratedb_client::{Client, Error};
use serde_json::{json, Value};

const NO_ARGS: &[Value] = &[];

fn client_for(cols: &'static [&'static str], rows: Vec<Vec<Value>>) -> (TestServer, Client) {
    let server = TestServer::with_handler(move |_| Reply::rows(cols, rows.clone()));
    let client = Client::new(&server.url()).unwrap_or_else(|e| panic!("{e}"));
    (server, client)
}

#[derive(Debug, PartialEq, serde::Deserialize)]
struct Character {
    name: String,
    age: Option<i32>,
    details: BTreeMap<String, Value>,
    tags: Vec<String>,
}

#[test]
fn tuples_structs_and_values() {
    let rows = vec![
        vec![
            json!("Arthur"),
            json!(42),
            json!({"gender": "male"}),
            json!(["human"]),
        ],
        vec![json!("Marvin"), Value::Null, json!({}), json!([])],
    ];
    let (_server, client) = client_for(&["name", "age", "details", "tags"], rows.clone());

    let r = client
        .query_as::<(String, Option<i32>, Value, Vec<String>), _>("SELECT * FROM c", NO_ARGS)
        .unwrap_or_else(|e| panic!("{e}"));
    assert_eq!(r.cols, ["name", "age", "details", "tags"]);
    assert_eq!(r.rowcount, 2);
    assert_eq!(r.rows[0].0, "Arthur");
    assert_eq!(r.rows[1].1, None);

    let r = client
        .query_as::<Character, _>("SELECT * FROM c", NO_ARGS)
        .unwrap_or_else(|e| panic!("{e}"));
    assert_eq!(
        r.rows[0],
        Character {
            name: "Arthur".into(),
            age: Some(42),
            details: BTreeMap::from([("gender".to_string(), json!("male"))]),
            tags: vec!["human".into()],
        }
    );

    let r = client
        .query_as::<Vec<Value>, _>("SELECT * FROM c", NO_ARGS)
        .unwrap_or_else(|e| panic!("{e}"));
    assert_eq!(r.rows, rows);
}

#[test]
fn big_integers_are_exact() {
    let (_server, client) = client_for(
        &["id"],
        vec![
            vec![json!(9_007_199_254_740_993_i64)],
            vec![json!(i64::MIN)],
        ],
    );
    let r = client
        .query_as::<(i64,), _>("SELECT id FROM t", NO_ARGS)
        .unwrap_or_else(|e| panic!("{e}"));
    assert_eq!(r.rows, vec![(9_007_199_254_740_993,), (i64::MIN,)]);
    let r = client
        .sql("SELECT id FROM t", NO_ARGS)
        .unwrap_or_else(|e| panic!("{e}"));
    assert_eq!(r.rows[0][0].as_i64(), Some(9_007_199_254_740_993));
}

#[test]
fn dml_answer_has_no_rows() {
    let server = TestServer::with_handler(|_| Reply::rowcount(5));
    let client = Client::new(&server.url()).unwrap_or_else(|e| panic!("{e}"));
    let r = client
        .query_as::<(i64,), _>("UPDATE t SET a = 1", NO_ARGS)
        .unwrap_or_else(|e| panic!("{e}"));
    assert!(r.rows.is_empty());
    assert_eq!(r.rowcount, 5);
    // The untyped answer keeps CrateDB's `[[]]`.
    let r = client
        .sql("UPDATE t SET a = 1", NO_ARGS)
        .unwrap_or_else(|e| panic!("{e}"));
    assert_eq!(r.rows, vec![Vec::<Value>::new()]);
}

#[test]
fn wrong_type_names_row_and_column() {
    let (_server, client) = client_for(
        &["name", "age"],
        vec![vec![json!("a"), json!(1)], vec![json!("b"), json!("old")]],
    );
    match client.query_as::<(String, i64), _>("SELECT name, age FROM t", NO_ARGS) {
        Err(e @ Error::Decode { .. }) => {
            let text = e.to_string();
            assert!(text.starts_with("row 1, column 1 (\"age\"): "), "{text}");
            assert!(text.contains("expected i64"), "{text}");
        }
        other => panic!("{other:?}"),
    }
    match client.query_as::<Character, _>("SELECT name, age FROM t", NO_ARGS) {
        Err(Error::Decode { row, column, .. }) => assert_eq!((row, column), (0, Some(2))),
        other => panic!("{other:?}"),
    }
}

#[test]
fn too_many_or_too_few_columns() {
    let (_server, client) = client_for(&["a", "b"], vec![vec![json!(1), json!(2)]]);
    match client.query_as::<(i64,), _>("SELECT a, b FROM t", NO_ARGS) {
        Err(Error::Decode {
            row,
            column,
            column_name,
            message,
        }) => {
            assert_eq!(
                (row, column, column_name.as_deref()),
                (0, Some(1), Some("b"))
            );
            assert!(message.contains("more columns"), "{message}");
        }
        other => panic!("{other:?}"),
    }
    match client.query_as::<(i64, i64, i64), _>("SELECT a, b FROM t", NO_ARGS) {
        Err(Error::Decode {
            row,
            column,
            column_name,
            ..
        }) => {
            assert_eq!((row, column, column_name), (0, Some(2), None));
        }
        other => panic!("{other:?}"),
    }
}

#[test]
fn sql_errors_pass_through() {
    let server = TestServer::with_handler(|_| Reply::error(4041, "RelationUnknown[t]"));
    let client = Client::new(&server.url()).unwrap_or_else(|e| panic!("{e}"));
    let e = client
        .query_as::<(i64,), _>("SELECT a FROM t", NO_ARGS)
        .err();
    assert!(e
        .as_ref()
        .and_then(Error::sql_error)
        .is_some_and(|e| e.is_unknown_relation()));
}
