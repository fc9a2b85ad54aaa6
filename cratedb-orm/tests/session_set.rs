//! `Session::set` and `Session::set_key`: recorded changes (no copy of the model kept) write
//! exactly the assigned columns and keys, batch like other updates, mix with changes made
//! through `get_mut`, survive failed commits and roll back.

mod session_support;

use cratedb_client::testing::{Reply, SqlRequest, TestServer};
use cratedb_client::{Client, SqlResponse};
use cratedb_orm::session::{Session, Statement, StatementArgs};
use cratedb_orm::{object, Error, Value};
use serde_json::json;
use session_support::{bulk, note_at_version_4_2, Note, Person};

fn offline_session() -> Session {
    Session::new(Client::new("crate://127.0.0.1:9").expect("valid URL"))
}

fn people(rows: &[(&str, Value)]) -> SqlResponse {
    SqlResponse {
        cols: ["id", "name", "details", "tags", "created_at"]
            .map(String::from)
            .to_vec(),
        rows: rows
            .iter()
            .map(|(id, details)| vec![json!(id), json!("n"), details.clone(), json!([]), json!(1)])
            .collect(),
        rowcount: rows.len() as i64,
        ..SqlResponse::default()
    }
}

#[test]
fn set_key_sends_only_that_key_for_every_model_in_one_request() {
    let mut session = offline_session();
    let hs = session
        .track_rows::<Person>(people(&[
            ("a", json!({"species": "human", "age": 30})),
            ("b", json!({"age": 40})),
        ]))
        .unwrap();
    for &h in &hs {
        session
            .set_key(h, Person::details(), &["species"], "Betelgeusian")
            .unwrap();
    }
    assert_eq!(session[hs[1]].details["species"], "Betelgeusian");
    assert!(session.is_pending(hs[0]));
    assert_eq!(
        session.pending_statements(),
        vec![bulk(
            r#"UPDATE "people" SET "details"['species'] = $1 WHERE "id" = $2"#,
            vec![
                vec![json!("Betelgeusian"), json!("a")],
                vec![json!("Betelgeusian"), json!("b")]
            ]
        )]
    );
}

#[test]
fn set_writes_a_whole_column_and_nested_keys_create_objects() {
    let mut session = offline_session();
    let h = session
        .track_rows::<Person>(people(&[("a", json!({"x": 1}))]))
        .unwrap()[0];
    session.set(h, Person::name(), "Ford").unwrap();
    session
        .set_key(h, Person::details(), &["address", "city"], "Guildford")
        .unwrap();
    assert_eq!(session[h].name, "Ford");
    assert_eq!(
        session.pending_statements(),
        vec![bulk(
            r#"UPDATE "people" SET "name" = $1, "details"['address']['city'] = $2 WHERE "id" = $3"#,
            vec![vec![json!("Ford"), json!("Guildford"), json!("a")]]
        )]
    );
}

#[test]
fn recorded_changes_mix_with_changes_through_get_mut() {
    let mut session = offline_session();
    let hs = session
        .track_rows::<Person>(people(&[
            ("a", json!({"species": "human", "gender": "male"})),
            ("b", json!({"species": "human", "gender": "female"})),
        ]))
        .unwrap();
    session
        .set_key(hs[0], Person::details(), &["species"], "elf")
        .unwrap();
    session
        .set_key(hs[1], Person::details(), &["species"], "elf")
        .unwrap();
    // Afterwards through the model: the copy is taken now, the recorded key still counts.
    session[hs[1]].details.set("gender", "other");
    session[hs[1]].details.set("species", "orc");
    let statements = session.pending_statements();
    assert_eq!(
        statements,
        vec![
            bulk(
                r#"UPDATE "people" SET "details"['species'] = $1 WHERE "id" = $2"#,
                vec![vec![json!("elf"), json!("a")]]
            ),
            bulk(
                r#"UPDATE "people" SET "details"['species'] = $1, "details"['gender'] = $2 WHERE "id" = $3"#,
                vec![vec![json!("orc"), json!("other"), json!("b")]]
            ),
        ]
    );
    // A whole-column assignment covers the recorded key.
    session[hs[0]].details = object! { "species": "elf", "gender": "male", "new": 1 };
    session
        .set(hs[0], Person::details(), object! { "only": true })
        .unwrap();
    assert_eq!(
        session.pending_statements()[0],
        bulk(
            r#"UPDATE "people" SET "details"['only'] = $1, "details"['species'] = $2, "details"['gender'] = $3 WHERE "id" = $4"#,
            vec![vec![json!(true), Value::Null, Value::Null, json!("a")]]
        )
    );
}

#[test]
fn rollback_and_expire_put_recorded_values_back() {
    let mut session = offline_session();
    let hs = session
        .track_rows::<Person>(people(&[
            ("a", json!({"species": "human"})),
            ("b", json!({"species": "human"})),
        ]))
        .unwrap();
    for &h in &hs {
        session
            .set_key(h, Person::details(), &["species"], "elf")
            .unwrap();
        session
            .set_key(h, Person::details(), &["species"], "orc")
            .unwrap();
        session.set_key(h, Person::details(), &["new"], 1).unwrap();
        session.set(h, Person::name(), "changed").unwrap();
    }
    session[hs[1]].details.set("later", true);
    session.expire(hs[0]).unwrap();
    assert_eq!(session[hs[0]].details, object! { "species": "human" });
    assert_eq!(session[hs[0]].name, "n");
    assert!(!session.is_pending(hs[0]) && session.is_pending(hs[1]));
    session.rollback().unwrap();
    assert_eq!(session[hs[1]].details, object! { "species": "human" });
    assert_eq!(session[hs[1]].name, "n");
    assert!(session.pending_statements().is_empty());
}

#[test]
fn refused_changes_change_nothing() {
    let mut session = offline_session();
    let h = session
        .track_rows::<Person>(people(&[("a", json!({"n": 1}))]))
        .unwrap()[0];
    let e = session
        .set(h, Person::id(), Some("b".to_owned()))
        .unwrap_err();
    assert!(
        matches!(e, Error::Encode { ref column, .. } if column == "id"),
        "{e}"
    );
    let e = session
        .set_key(h, Person::details(), &["n", "deeper"], 2)
        .unwrap_err();
    assert!(e.to_string().contains("not an object"), "{e}");
    let e = session
        .set_key(h, Person::details(), &[] as &[&str], 2)
        .unwrap_err();
    assert!(e.to_string().contains("empty"), "{e}");
    assert!(!session.is_pending(h));
    assert_eq!(session[h].details, object! { "n": 1 });
    // A new model: the change is simply part of its INSERT.
    let new = session.add(Person {
        id: Some("new".into()),
        ..Person::default()
    });
    session
        .set(new, Person::id(), Some("renamed".to_owned()))
        .unwrap();
    assert_eq!(session[new].id.as_deref(), Some("renamed"));
}

#[test]
fn a_failed_commit_keeps_recorded_changes_and_the_retry_sends_them() {
    let fail = std::sync::Arc::new(std::sync::atomic::AtomicBool::new(true));
    let flag = fail.clone();
    let server = TestServer::with_handler(move |req: &SqlRequest| {
        if flag.load(std::sync::atomic::Ordering::SeqCst) {
            Reply::status(503)
        } else {
            Reply::bulk(vec![1; req.bulk_args.as_ref().map_or(0, Vec::len)])
        }
    });
    let mut session = Session::new(Client::new(&server.url()).unwrap());
    let h = session
        .track_rows::<Person>(people(&[("a", json!({"species": "human"}))]))
        .unwrap()[0];
    session
        .set_key(h, Person::details(), &["species"], "elf")
        .unwrap();
    assert!(session.commit().is_err());
    assert!(session.is_pending(h));
    fail.store(false, std::sync::atomic::Ordering::SeqCst);
    session.commit().unwrap();
    assert!(!session.is_pending(h));
    let reqs = server.requests();
    assert_eq!(
        reqs.last().and_then(|r| r.bulk_args.clone()),
        Some(vec![vec![json!("elf"), json!("a")]])
    );
    // Landed: a rollback now keeps the written value.
    session.rollback().unwrap();
    assert_eq!(session[h].details["species"], "elf");
}

#[test]
fn versioned_models_check_their_version() {
    let mut session = offline_session();
    let h = session.track_rows::<Note>(note_at_version_4_2()).unwrap()[0];
    session.set(h, Note::body(), "new").unwrap();
    assert_eq!(
        session.pending_statements(),
        vec![Statement {
            sql: r#"UPDATE "notes" SET "body" = $1 WHERE "id" = $2 AND "_seq_no" = $3 AND "_primary_term" = $4 RETURNING "_seq_no", "_primary_term""#.into(),
            args: StatementArgs::Single(vec![json!("new"), json!("n1"), json!(4), json!(2)]),
            rows: 1,
        }]
    );
}

#[test]
fn more_distinct_paths_than_recorded_fall_back_to_a_copy() {
    let mut session = offline_session();
    let h = session
        .track_rows::<Person>(people(&[("a", json!({}))]))
        .unwrap()[0];
    let keys: Vec<String> = (0..70).map(|k| format!("k{k:02}")).collect();
    for key in &keys {
        session.set_key(h, Person::details(), &[key], 1).unwrap();
    }
    let statements = session.pending_statements();
    assert_eq!(statements.len(), 1);
    let StatementArgs::Bulk(rows) = &statements[0].args else {
        panic!("bulk expected")
    };
    assert_eq!(rows[0].len(), 71, "70 keys and the id");
    for key in &keys {
        assert!(statements[0].sql.contains(&format!("['{key}']")), "{key}");
    }
    session.rollback().unwrap();
    assert!(session[h].details.is_empty());
}
