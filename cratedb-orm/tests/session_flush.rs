//! Session: the exact statements a commit sends, and what it does with the answers.

mod session_support;

use cratedb_client::testing::{Reply, SqlRequest, TestServer};
use cratedb_client::{Client, SqlResponse};
use cratedb_orm::session::{CommitError, RowFailureCause, Session, Statement, WriteKind};
use cratedb_orm::{Error, Value};
use cratedb_orm::{Object, TimestampTz};
use serde_json::json;
use session_support::{bulk, note_at_version_4_2, Entry, Note, Person};

fn offline_session() -> Session {
    // Building a client does not connect.
    Session::new(Client::new("crate://127.0.0.1:9").expect("valid URL"))
}

fn person_row(id: &str, name: &str, details: Value) -> SqlResponse {
    SqlResponse {
        cols: ["id", "name", "details", "tags", "created_at"]
            .map(String::from)
            .to_vec(),
        rows: vec![vec![
            json!(id),
            json!(name),
            details,
            json!([]),
            json!(1_700_000_000_000i64),
        ]],
        rowcount: 1,
        ..SqlResponse::default()
    }
}

fn obj(v: Value) -> Object {
    match v {
        Value::Object(m) => Object::from(m),
        _ => Object::new(),
    }
}

/// The rows of each statement the next commit would send.
fn planned_rows(session: &Session) -> Vec<usize> {
    session
        .pending_statements()
        .iter()
        .map(Statement::row_count)
        .collect()
}

/// The error of a commit that must fail.
fn commit_error(session: &mut Session) -> Box<CommitError> {
    match session.commit() {
        Err(Error::Commit(e)) => e,
        other => panic!("expected a failed commit, got {other:?}"),
    }
}

/// What CrateDB answers a successful write: one rowcount per bulk row, or rowcount 1.
fn default_reply(req: &SqlRequest) -> Reply {
    match &req.bulk_args {
        Some(rows) => Reply::bulk(vec![1; rows.len()]),
        None => Reply::rowcount(1),
    }
}

/// Answers a multi-row INSERT … RETURNING like CrateDB: one row per VALUES tuple, the inserted
/// values plus the server-made ones (`created_at`, `_id`).
fn echo_returning(req: &SqlRequest) -> Reply {
    if !req.stmt.contains("RETURNING") {
        return default_reply(req);
    }
    let cols_part = req.stmt.split(" RETURNING ").nth(1).unwrap_or("");
    let cols: Vec<String> = cols_part
        .split(", ")
        .map(|c| c.trim_matches('"').to_string())
        .collect();
    let inserted: Vec<String> = req.stmt
        [req.stmt.find('(').unwrap_or(0) + 1..req.stmt.find(')').unwrap_or(0)]
        .split(", ")
        .map(|c| c.trim_matches('"').to_string())
        .collect();
    let args = req.args.clone();
    let rows: Vec<Vec<Value>> = args
        .chunks(inserted.len())
        .enumerate()
        .map(|(n, chunk)| {
            cols.iter()
                .map(|c| match inserted.iter().position(|i| i == c) {
                    Some(p) => chunk[p].clone(),
                    None if c == "created_at" => json!(1_700_000_000_000i64),
                    None if c == "_id" => json!(format!("server-id-{n}")),
                    None if c == "_seq_no" => json!(n),
                    None if c == "_primary_term" => json!(1),
                    None => Value::Null,
                })
                .collect()
        })
        .collect();
    let col_refs: Vec<&str> = cols.iter().map(String::as_str).collect();
    Reply::rows(&col_refs, rows)
}

#[test]
fn new_models_with_a_server_default_are_inserted_in_one_multi_row_insert_returning() {
    let server = TestServer::with_handler(echo_returning);
    let mut session = Session::new(Client::new(&server.url()).unwrap());
    let a = session.add(Person {
        name: "Arthur".into(),
        details: obj(json!({"gender": "male"})),
        ..Person::default()
    });
    let b = session.add(Person {
        name: "Trillian".into(),
        ..Person::default()
    });
    assert!(
        session[a].id.as_ref().is_some_and(|id| !id.is_empty()),
        "client default applied on add"
    );
    let planned = session.pending_statements();
    assert_eq!(planned.len(), 1);
    assert_eq!(
        planned[0].sql,
        r#"INSERT INTO "people" ("id", "name", "details", "tags") VALUES ($1, $2, $3, $4), ($5, $6, $7, $8) ON CONFLICT DO NOTHING RETURNING "id", "name", "details", "tags", "created_at""#
    );
    session.commit().unwrap();
    assert_eq!(server.requests().len(), 1);
    assert_eq!(session[a].created_at, Some(TimestampTz(1_700_000_000_000)));
    assert_eq!(session[b].created_at, Some(TimestampTz(1_700_000_000_000)));
    assert!(
        session.pending_statements().is_empty(),
        "nothing left to write"
    );
    session.commit().unwrap();
    assert_eq!(server.requests().len(), 1, "a no-op commit sends nothing");
}

#[test]
fn rows_without_server_values_go_in_one_bulk_insert() {
    let server = TestServer::start();
    let mut session = Session::new(Client::new(&server.url()).unwrap());
    let models = (0..3).map(|n| Person {
        id: Some(format!("p{n}")),
        name: format!("n{n}"),
        created_at: Some(TimestampTz(5)),
        ..Person::default()
    });
    session.add_all(models);
    session.commit().unwrap();
    let reqs = server.requests();
    assert_eq!(reqs.len(), 1);
    assert_eq!(
        reqs[0].stmt,
        r#"INSERT INTO "people" ("id", "name", "details", "tags", "created_at") VALUES ($1, $2, $3, $4, $5)"#
    );
    assert_eq!(
        reqs[0].bulk_args.clone().unwrap(),
        (0..3)
            .map(|n| vec![
                json!(format!("p{n}")),
                json!(format!("n{n}")),
                json!({}),
                json!([]),
                json!(5)
            ])
            .collect::<Vec<_>>()
    );
}

#[test]
fn one_changed_object_key_sends_one_minimal_update() {
    let mut session = offline_session();
    let h = session
        .track_rows::<Person>(person_row(
            "a",
            "Arthur",
            json!({"gender": "male", "species": "human"}),
        ))
        .unwrap()[0];
    session[h].details.set("species", json!("elf"));
    assert_eq!(
        session.pending_statements(),
        vec![bulk(
            r#"UPDATE "people" SET "details"['species'] = $1 WHERE "id" = $2"#,
            vec![vec![json!("elf"), json!("a")]]
        )]
    );
}

#[test]
fn nested_deleted_and_added_keys_mixed_with_a_scalar_column() {
    let mut session = offline_session();
    let h = session
        .track_rows::<Person>(person_row(
            "a",
            "Arthur",
            json!({"a": {"b": 1, "c": 2}, "gone": true, "same": 1}),
        ))
        .unwrap()[0];
    let p = &mut session[h];
    p.name = "Arthur Dent".into();
    p.details = obj(json!({"a": {"b": 1, "c": 3}, "same": 1, "new": "x"}));
    assert_eq!(
        session.pending_statements(),
        vec![bulk(
            r#"UPDATE "people" SET "name" = $1, "details"['a']['c'] = $2, "details"['new'] = $3, "details"['gone'] = $4 WHERE "id" = $5"#,
            vec![vec![
                json!("Arthur Dent"),
                json!(3),
                json!("x"),
                Value::Null,
                json!("a")
            ]]
        )]
    );
}

#[test]
fn keys_with_quotes_are_escaped_literals() {
    let mut session = offline_session();
    let h = session
        .track_rows::<Person>(person_row("a", "A", json!({})))
        .unwrap()[0];
    session[h].details.set("it's", json!(1));
    assert_eq!(
        session.pending_statements()[0].sql,
        r#"UPDATE "people" SET "details"['it''s'] = $1 WHERE "id" = $2"#
    );
}

#[test]
fn arrays_are_rewritten_whole() {
    let mut session = offline_session();
    let h = session
        .track_rows::<Person>(person_row("a", "A", json!({})))
        .unwrap()[0];
    session[h].tags.push("x".into());
    assert_eq!(
        session.pending_statements(),
        vec![bulk(
            r#"UPDATE "people" SET "tags" = $1 WHERE "id" = $2"#,
            vec![vec![json!(["x"]), json!("a")]]
        )]
    );
}

#[test]
fn unchanged_models_send_nothing() {
    let mut session = offline_session();
    let h = session
        .track_rows::<Person>(person_row("a", "A", json!({"k": 1})))
        .unwrap()[0];
    session[h].details.set("k", json!(1));
    assert!(session.pending_statements().is_empty());
    assert!(!session.is_pending(h));
}

#[test]
fn loading_the_same_row_twice_gives_the_same_tracked_model() {
    let mut session = offline_session();
    let h1 = session
        .track_rows::<Person>(person_row("a", "A", json!({})))
        .unwrap()[0];
    session[h1].name = "changed".into();
    let h2 = session
        .track_rows::<Person>(person_row("a", "A", json!({})))
        .unwrap()[0];
    assert_eq!(h1, h2);
    assert_eq!(session[h2].name, "changed", "in-session state is kept");
}

#[test]
fn ten_thousand_same_shape_updates_are_one_request() {
    let server = TestServer::start();
    let mut session = Session::new(Client::new(&server.url()).unwrap());
    let rows: Vec<Vec<Value>> = (0..10_000)
        .map(|n| {
            vec![
                json!(format!("p{n}")),
                json!("n"),
                json!({"species": "human"}),
                json!([]),
                Value::Null,
            ]
        })
        .collect();
    let response = SqlResponse {
        cols: ["id", "name", "details", "tags", "created_at"]
            .map(String::from)
            .to_vec(),
        rows,
        rowcount: 10_000,
        ..SqlResponse::default()
    };
    let handles = session.track_rows::<Person>(response).unwrap();
    for &h in &handles {
        session[h].details.set("species", json!("elf"));
    }
    session.commit().unwrap();
    let reqs = server.requests();
    assert_eq!(reqs.len(), 1);
    assert_eq!(
        reqs[0].stmt,
        r#"UPDATE "people" SET "details"['species'] = $1 WHERE "id" = $2"#
    );
    assert_eq!(reqs[0].bulk_args.as_ref().map(Vec::len), Some(10_000));
}

#[test]
fn a_partial_bulk_failure_keeps_exactly_the_failed_rows_pending() {
    let server = TestServer::with_handler(|req: &SqlRequest| {
        let n = req.bulk_args.as_ref().map_or(0, Vec::len);
        if n == 3 {
            let body = json!({"cols": [], "duration": 1.5, "results": [{"rowcount": 1}, {"rowcount": -2, "error": {"code": 4091, "message": "DuplicateKeyException[A document with the same primary key exists already]"}}, {"rowcount": 1}]});
            Reply::raw(200, body.to_string())
        } else {
            default_reply(req)
        }
    });
    let mut session = Session::new(Client::new(&server.url()).unwrap());
    let hs = session.add_all((0..3).map(|n| Person {
        id: Some(format!("p{n}")),
        name: "x".into(),
        created_at: Some(TimestampTz(1)),
        ..Person::default()
    }));
    let commit = commit_error(&mut session);
    assert!(commit.is_duplicate_key(), "{commit}");
    assert_eq!(commit.written, 2);
    assert_eq!(commit.failures.len(), 1);
    assert_eq!(commit.failures[0].key.as_deref(), Some("\"p1\""));
    assert_eq!(commit.failures[0].kind, WriteKind::Insert);
    assert!(matches!(&commit.failures[0].cause, RowFailureCause::Sql(e) if e.code == 4091));
    assert!(!session.is_pending(hs[0]) && session.is_pending(hs[1]) && !session.is_pending(hs[2]));
    // The duplicate key was looked up (CrateDB also answers 4091 for a row it wrote itself
    // when it ran the write again on a new primary): the stand-in finds no row as sent.
    let reqs = server.requests();
    assert_eq!(reqs.len(), 2);
    assert!(reqs[1].stmt.starts_with("SELECT"), "{}", reqs[1].stmt);
    // The next commit sends exactly the failed row.
    session.commit().unwrap();
    let reqs = server.requests();
    assert_eq!(reqs.len(), 3);
    assert_eq!(reqs[2].bulk_args.clone().unwrap()[0][0], json!("p1"));
    assert_eq!(reqs[2].bulk_args.as_ref().map(Vec::len), Some(1));
}

/// A bulk INSERT of p0..p2 whose p1 meets 4091 in a clean answer; the lookup finds p1 stored
/// with `stored_name`. While a shard's primary changes (fails over, or relocates as a
/// restarted node rejoins), CrateDB runs a bulk INSERT's shard request again on the new
/// primary, which has the rows already: 4091 for rows it wrote itself, in a clean answer.
fn duplicate_of_the_row_sent(
    stored_name: &'static str,
) -> (TestServer, cratedb_orm::Result<()>, Vec<bool>) {
    let server = TestServer::with_handler(move |req: &SqlRequest| {
        let n = req.bulk_args.as_ref().map_or(0, Vec::len);
        if n == 3 {
            let body = json!({"cols": [], "duration": 1.5, "results": [{"rowcount": 1}, {"rowcount": -2, "error": {"code": 4091, "message": "DuplicateKeyException[A document with the same primary key exists already]"}}, {"rowcount": 1}]});
            Reply::raw(200, body.to_string())
        } else if req.stmt.starts_with("SELECT") {
            Reply::rows(
                &["id", "name", "details", "tags", "created_at"],
                vec![vec![
                    json!("p1"),
                    json!(stored_name),
                    json!({}),
                    json!([]),
                    json!(1),
                ]],
            )
        } else {
            default_reply(req)
        }
    });
    let mut session = Session::new(Client::new(&server.url()).unwrap());
    let hs = session.add_all((0..3).map(|n| Person {
        id: Some(format!("p{n}")),
        name: "x".into(),
        created_at: Some(TimestampTz(1)),
        ..Person::default()
    }));
    let result = session.commit();
    let pending = hs.iter().map(|&h| session.is_pending(h)).collect();
    (server, result, pending)
}

#[test]
fn a_duplicate_key_for_the_very_row_sent_counts_as_landed() {
    let (server, result, pending) = duplicate_of_the_row_sent("x");
    result.expect("the row stored is the row sent: the database holds the model as sent");
    assert_eq!(pending, [false, false, false]);
    let reqs = server.requests();
    assert_eq!(reqs.len(), 2, "the INSERT, then one lookup by key");
    assert!(reqs[1].stmt.starts_with("SELECT"), "{}", reqs[1].stmt);
    // A stored row that differs from the row sent is another writer's: the duplicate key
    // stands, with CrateDB's error, and the row stays pending.
    let (server, result, pending) = duplicate_of_the_row_sent("someone else");
    let Err(cratedb_orm::Error::Commit(c)) = result else {
        panic!("{result:?}")
    };
    assert!(c.is_duplicate_key(), "{c}");
    assert!(
        matches!(&c.failures[0].cause, RowFailureCause::Sql(e) if e.code == 4091),
        "{c}"
    );
    assert_eq!(pending, [false, true, false]);
    assert_eq!(server.requests().len(), 2);
}

#[test]
fn a_failed_request_keeps_everything_pending() {
    let server = TestServer::with_handler(|_req: &SqlRequest| Reply::status(503));
    let mut session = Session::new(Client::new(&server.url()).unwrap());
    let h = session
        .track_rows::<Person>(person_row("a", "A", json!({})))
        .unwrap()[0];
    session[h].name = "B".into();
    session.add(Person {
        id: Some("new".into()),
        name: "N".into(),
        created_at: Some(TimestampTz(1)),
        ..Person::default()
    });
    let commit = commit_error(&mut session);
    assert_eq!(commit.written, 0);
    assert_eq!(commit.failures.len(), 2, "{commit}");
    assert!(commit.cause.is_some());
    assert_eq!(
        session.pending_statements().len(),
        2,
        "both writes still pending"
    );
}

#[test]
fn an_sql_error_fails_only_its_own_request() {
    let server = TestServer::with_handler(|req: &SqlRequest| {
        if req.stmt.starts_with("INSERT") {
            Reply::error(4043, "ColumnUnknownException[Column tags unknown]")
        } else {
            default_reply(req)
        }
    });
    let mut session = Session::new(Client::new(&server.url()).unwrap());
    let h = session
        .track_rows::<Person>(person_row("a", "A", json!({})))
        .unwrap()[0];
    session[h].name = "B".into();
    let n = session.add(Person {
        id: Some("new".into()),
        name: "N".into(),
        created_at: Some(TimestampTz(1)),
        ..Person::default()
    });
    let commit = commit_error(&mut session);
    assert_eq!(commit.written, 1);
    assert!(matches!(&commit.failures[0].cause, RowFailureCause::Sql(e) if e.code == 4043));
    assert!(session.is_pending(n));
    assert!(!session.is_pending(h));
}

#[test]
fn fetched_ids_are_read_back_and_stored() {
    let server = TestServer::with_handler(echo_returning);
    let mut session = Session::new(Client::new(&server.url()).unwrap());
    let hs = session.add_all(["one", "two"].map(|m| Entry {
        id: None,
        message: m.into(),
    }));
    session.commit().unwrap();
    let reqs = server.requests();
    assert_eq!(
        reqs[0].stmt,
        r#"INSERT INTO "entries" ("message") VALUES ($1), ($2) RETURNING "_id", "message""#
    );
    assert_eq!(session[hs[0]].id.as_deref(), Some("server-id-0"));
    assert_eq!(session[hs[1]].id.as_deref(), Some("server-id-1"));
    // Now keyed by _id: an update uses it.
    session[hs[1]].message = "zwei".into();
    assert_eq!(
        session.pending_statements(),
        vec![bulk(
            r#"UPDATE "entries" SET "message" = $1 WHERE "_id" = $2"#,
            vec![vec![json!("zwei"), json!("server-id-1")]]
        )]
    );
}

#[test]
fn rows_skipped_by_a_multi_row_insert_are_looked_up_then_sent_again_alone_for_their_cause() {
    // A multi-row INSERT leaves out rows whose key exists (ON CONFLICT DO NOTHING) and rows
    // that fail (CrateDB skips them silently): only `b` comes back. A lookup by key finds `a`
    // stored already (another row: a duplicate key) and not `c`, which is sent again alone
    // and refused with its own error, as CrateDB does.
    let server = TestServer::with_handler(|req: &SqlRequest| {
        if req.stmt.starts_with("SELECT") {
            return Reply::rows(
                &["id", "name", "details", "tags", "created_at"],
                vec![vec![
                    json!("a"),
                    json!("other"),
                    json!({}),
                    json!([]),
                    json!(1),
                ]],
            );
        }
        if !req.stmt.starts_with("INSERT") {
            return default_reply(req);
        }
        if req.stmt.matches("), (").count() == 0 {
            return Reply::error(4000, "SQLParseException[\"name\" must not be null]");
        }
        Reply::rows(
            &["id", "name", "details", "tags", "created_at"],
            vec![vec![json!("b"), json!("B"), json!({}), json!([]), json!(7)]],
        )
    });
    let mut session = Session::new(Client::new(&server.url()).unwrap());
    let [a, b, c] = ["a", "b", "c"].map(|id| {
        session.add(Person {
            id: Some(id.into()),
            name: id.to_uppercase(),
            ..Person::default()
        })
    });
    let err = commit_error(&mut session);
    assert!(err.is_duplicate_key());
    assert_eq!((err.written, err.failures.len()), (1, 2));
    let cause = |key: &str| {
        err.failures
            .iter()
            .find(|f| f.key.as_deref() == Some(key))
            .map(|f| (f.cause.clone(), f.may_have_landed))
    };
    assert_eq!(cause("\"a\""), Some((RowFailureCause::DuplicateKey, false)));
    assert!(matches!(cause("\"c\""), Some((RowFailureCause::Sql(e), false)) if e.code == 4000));
    assert!(session.is_pending(a) && session.is_pending(c));
    assert!(!session.is_pending(b));
    assert_eq!(session[b].created_at, Some(TimestampTz(7)));
    // The multi-row INSERT, one lookup of both skipped keys, then row `c` alone.
    let requests = server.requests();
    assert_eq!(requests.len(), 3);
    assert_eq!(
        requests[1].stmt,
        r#"SELECT "id", "name", "details", "tags", "created_at" FROM "people" WHERE "id" = $1 OR "id" = $2"#
    );
    assert_eq!(requests[1].args, vec![json!("a"), json!("c")]);
    assert_eq!(requests[2].args[0], json!("c"));
    assert!(requests[2].stmt.ends_with(
        r#"VALUES ($1, $2, $3, $4) RETURNING "id", "name", "details", "tags", "created_at""#
    ));
}

#[test]
fn versioned_updates_check_seq_no_and_a_conflict_keeps_the_model_pending() {
    let server = TestServer::with_handler(|req: &SqlRequest| {
        if req.stmt.starts_with("UPDATE") {
            Reply::rows(&["_seq_no", "_primary_term"], vec![]) // 0 rows: changed meanwhile
        } else {
            default_reply(req)
        }
    });
    let mut session = Session::new(Client::new(&server.url()).unwrap());
    let h = session.track_rows::<Note>(note_at_version_4_2()).unwrap()[0];
    session[h].body = "new".into();
    let commit = commit_error(&mut session);
    assert!(commit.is_stale());
    assert_eq!(commit.failures[0].model, "Note");
    let reqs = server.requests();
    assert_eq!(
        reqs[0].stmt,
        r#"UPDATE "notes" SET "body" = $1 WHERE "id" = $2 AND "_seq_no" = $3 AND "_primary_term" = $4 RETURNING "_seq_no", "_primary_term""#
    );
    assert_eq!(
        reqs[0].args.clone(),
        vec![json!("new"), json!("n1"), json!(4), json!(2)]
    );
    assert!(session.is_pending(h));
}

#[test]
fn a_versioned_update_whose_answer_was_lost_and_then_finds_the_row_changed_may_have_landed() {
    // The first UPDATE's connection closes before an answer (it may have run); the resent
    // UPDATE finds the version gone: that change may be its own first attempt.
    let updates = std::sync::atomic::AtomicUsize::new(0);
    let server = TestServer::with_handler(move |req: &SqlRequest| {
        if req.stmt.starts_with("UPDATE") {
            if updates.fetch_add(1, std::sync::atomic::Ordering::SeqCst) == 0 {
                Reply::close()
            } else {
                Reply::rows(&["_seq_no", "_primary_term"], vec![])
            }
        } else {
            default_reply(req)
        }
    });
    let mut session = Session::new(Client::new(&server.url()).unwrap());
    let h = session.track_rows::<Note>(note_at_version_4_2()).unwrap()[0];
    session[h].body = "new".into();
    let first = commit_error(&mut session);
    assert!(first.may_have_landed() && !first.is_stale(), "{first}");
    let second = commit_error(&mut session);
    assert!(second.is_stale(), "{second}");
    assert!(
        second.may_have_landed() && second.failures[0].may_have_landed,
        "the change found may be the lost UPDATE's own: {second}"
    );
    assert!(session.is_pending(h));
}

/// A session whose versioned UPDATE of note `n1` (loaded at `_seq_no` 4, `_primary_term` 2)
/// is answered stale, and whose lookup of the row finds it at `term`.
fn stale_update_with_term_now(term: i64) -> (TestServer, cratedb_orm::Result<()>) {
    let server = TestServer::with_handler(move |req: &SqlRequest| {
        if req.stmt.starts_with("UPDATE") {
            Reply::rows(&["_seq_no", "_primary_term"], vec![])
        } else if req.stmt.starts_with("SELECT") {
            Reply::rows(
                &["id", "body", "_seq_no", "_primary_term"],
                vec![vec![json!("n1"), json!("new"), json!(5), json!(term)]],
            )
        } else {
            default_reply(req)
        }
    });
    let mut session = Session::new(Client::new(&server.url()).unwrap());
    let h = session.track_rows::<Note>(note_at_version_4_2()).unwrap()[0];
    session[h].body = "new".into();
    let result = session.commit();
    (server, result)
}

#[test]
fn a_stale_answer_after_a_primary_failover_may_be_the_writes_own_change() {
    // The row's primary term moved on (2 → 3): CrateDB may have run the UPDATE on the old
    // primary and again on the new one, where it met its own change.
    let (server, result) = stale_update_with_term_now(3);
    let Err(cratedb_orm::Error::Commit(c)) = result else {
        panic!("{result:?}")
    };
    assert!(c.is_stale() && c.may_have_landed(), "{c}");
    let reqs = server.requests();
    assert_eq!(reqs.len(), 2, "the UPDATE, then one lookup by key");
    assert!(reqs[1].stmt.starts_with("SELECT") && reqs[1].stmt.contains(r#""_primary_term""#));

    // Same term: no failover, the change was another writer's.
    let (_server, result) = stale_update_with_term_now(2);
    let Err(cratedb_orm::Error::Commit(c)) = result else {
        panic!("{result:?}")
    };
    assert!(c.is_stale() && !c.may_have_landed(), "{c}");
}

#[test]
fn deletes_are_one_bulk_request_and_rollback_restores() {
    let server = TestServer::start();
    let mut session = Session::new(Client::new(&server.url()).unwrap());
    let a = session
        .track_rows::<Person>(person_row("a", "A", json!({})))
        .unwrap()[0];
    let b = session
        .track_rows::<Person>(person_row("b", "B", json!({})))
        .unwrap()[0];
    session[a].name = "changed".into();
    session.rollback().unwrap();
    assert_eq!(session[a].name, "A");
    session.delete(a);
    session.delete(b);
    assert_eq!(
        session.pending_statements(),
        vec![bulk(
            r#"DELETE FROM "people" WHERE "id" = $1"#,
            vec![vec![json!("a")], vec![json!("b")]]
        )]
    );
    session.commit().unwrap();
    assert_eq!(server.requests().len(), 1);
    assert!(!session.is_persistent(a));
}

#[test]
fn find_uses_the_identity_map_then_the_primary_key() {
    let server = TestServer::with_handler(|req: &SqlRequest| {
        if req.stmt.starts_with("SELECT") {
            Reply::rows(
                &["id", "name", "details", "tags", "created_at"],
                vec![vec![
                    json!("z"),
                    json!("Zaphod"),
                    json!({}),
                    json!([]),
                    Value::Null,
                ]],
            )
        } else {
            default_reply(req)
        }
    });
    let mut session = Session::new(Client::new(&server.url()).unwrap());
    let z = session.find::<Person>("z").unwrap().unwrap();
    assert_eq!(session[z].name, "Zaphod");
    let reqs = server.requests();
    assert_eq!(
        reqs[0].stmt,
        r#"SELECT "id", "name", "details", "tags", "created_at" FROM "people" WHERE "id" = $1"#
    );
    assert_eq!(session.find::<Person>("z").unwrap(), Some(z));
    assert_eq!(
        server.requests().len(),
        1,
        "second find served from the session"
    );
}

#[test]
fn large_batches_are_chunked() {
    let mut session = offline_session().with_batch_size(4);
    session.add_all((0..10).map(|n| Person {
        id: Some(format!("p{n}")),
        name: "x".into(),
        created_at: Some(TimestampTz(1)),
        ..Person::default()
    }));
    assert_eq!(planned_rows(&session), vec![4, 4, 2]);
    let mut session = offline_session().with_max_statement_len(200);
    session.add_all((0..10).map(|n| Person {
        id: Some(format!("p{n}")),
        name: "x".into(),
        ..Person::default()
    }));
    let planned = session.pending_statements();
    assert!(planned.len() > 1);
    assert!(planned.iter().all(|s| s.sql.len() <= 200), "{planned:?}");
    assert_eq!(planned.iter().map(Statement::row_count).sum::<usize>(), 10);
}

#[test]
fn a_session_is_send() {
    fn is_send<T: Send>() {}
    is_send::<Session>();
}

#[test]
fn rows_a_disturbed_bulk_answer_calls_failed_are_checked_by_key() {
    // While a node fails, CrateDB answers 4091 (first rows per shard) or a bare -2 (the
    // rest) also for rows its own retry wrote: in an answer with rows failed without detail,
    // each such row is looked up by key, and stored as sent it counts as landed.
    let server = TestServer::with_handler(|req: &SqlRequest| {
        if req.bulk_args.as_ref().map_or(0, Vec::len) == 3 {
            let body = json!({"cols": [], "duration": 1.5, "results": [
                {"rowcount": -2, "error": {"code": 4091, "message": "DuplicateKeyException[A document with the same primary key exists already]"}},
                {"rowcount": -2},
                {"rowcount": 1}]});
            return Reply::raw(200, body.to_string());
        }
        if req.stmt.starts_with("SELECT") {
            let row = |id: &str| vec![json!(id), json!("x"), json!({}), json!([]), json!(1)];
            return Reply::rows(
                &["id", "name", "details", "tags", "created_at"],
                vec![row("p0"), row("p1")],
            );
        }
        default_reply(req)
    });
    let mut session = Session::new(Client::new(&server.url()).unwrap());
    let hs = session.add_all((0..3).map(|n| Person {
        id: Some(format!("p{n}")),
        name: "x".into(),
        created_at: Some(TimestampTz(1)),
        ..Person::default()
    }));
    session.commit().unwrap_or_else(|e| panic!("{e}"));
    assert!(hs.iter().all(|&h| session.is_persistent(h)));
    let reqs = server.requests();
    assert_eq!(
        reqs.len(),
        3,
        "the insert, then one lookup per kind of doubt"
    );
    assert!(reqs[1..].iter().all(|r| r.stmt.starts_with("SELECT")));
}

/// A server that never answers the first multi-row INSERT in time (as CrateDB 6.4.3 does not
/// answer one in which more than ten rows of a shard fail), then answers like `echo_returning`.
fn first_insert_unanswered() -> TestServer {
    let first = std::sync::atomic::AtomicBool::new(true);
    TestServer::with_handler(move |req: &SqlRequest| {
        if req.stmt.contains("RETURNING") && first.swap(false, std::sync::atomic::Ordering::SeqCst)
        {
            return Reply::delay(std::time::Duration::from_secs(3), echo_returning(req));
        }
        echo_returning(req)
    })
}

fn impatient_client(server: &TestServer) -> Client {
    Client::builder()
        .servers([server.addr()])
        .timeout(std::time::Duration::from_millis(400))
        .build()
        .unwrap()
}

/// The rows of each INSERT the server received after the first request.
fn later_insert_rows(server: &TestServer) -> Vec<usize> {
    server
        .requests()
        .iter()
        .skip(1)
        .filter(|r| r.stmt.starts_with("INSERT"))
        .map(|r| r.stmt.matches("), (").count() + 1)
        .collect()
}

#[test]
fn rows_of_an_unanswered_multi_row_insert_go_again_ten_to_a_statement() {
    let server = first_insert_unanswered();
    let mut session = Session::new(impatient_client(&server));
    let handles: Vec<_> = (0..25)
        .map(|i| {
            session.add(Person {
                name: format!("Person {i}"),
                ..Person::default()
            })
        })
        .collect();
    assert_eq!(
        session.pending_statements().len(),
        1,
        "one statement at first"
    );
    let err = commit_error(&mut session);
    assert_eq!(err.written, 0);
    assert_eq!(err.failures.len(), 25, "{err}");
    assert!(err.failures.iter().all(|f| f.may_have_landed), "{err}");

    // Sent again, no statement holds more than ten of them (so no shard sees more than ten
    // failures), and pending_statements shows just that.
    assert_eq!(planned_rows(&session), [10, 10, 5]);
    session.commit().unwrap_or_else(|e| panic!("{e}"));
    assert_eq!(later_insert_rows(&server), [10, 10, 5]);
    assert!(handles.iter().all(|&h| !session.is_pending(h)));
    assert!(handles.iter().all(|&h| session[h].created_at.is_some()));

    // Models added now (never sent) go in one statement again.
    for i in 0..25 {
        session.add(Person {
            name: format!("Later {i}"),
            ..Person::default()
        });
    }
    assert_eq!(session.pending_statements().len(), 1);
}

#[test]
fn server_keyed_rows_sent_again_by_resend_go_ten_to_a_statement() {
    let server = first_insert_unanswered();
    let mut session = Session::new(impatient_client(&server));
    let handles: Vec<_> = (0..12)
        .map(|i| {
            session.add(Entry {
                message: format!("entry {i}"),
                ..Entry::default()
            })
        })
        .collect();
    let err = commit_error(&mut session);
    assert_eq!(err.failures.len(), 12, "{err}");
    // The server makes their keys: they are not sent again until told.
    assert!(session.pending_statements().is_empty());
    let again = commit_error(&mut session);
    assert!(again
        .failures
        .iter()
        .all(|f| matches!(f.cause, RowFailureCause::OutcomeUnknown)));
    for &h in &handles {
        session.resend(h);
    }
    assert_eq!(planned_rows(&session), [10, 2]);
    session.commit().unwrap_or_else(|e| panic!("{e}"));
    assert_eq!(later_insert_rows(&server), [10, 2]);
    assert!(handles.iter().all(|&h| !session.is_pending(h)));
}

/// A composite key: text, a timestamp, a number.
#[derive(cratedb_orm::CrateModel, Debug, Clone, Default, PartialEq)]
#[cratedb(table = "readings_pk")]
struct ReadingPk {
    #[cratedb(primary_key)]
    device: String,
    #[cratedb(primary_key)]
    ts: TimestampTz,
    #[cratedb(primary_key)]
    slot: i64,
    value: i32,
}

#[test]
fn a_failed_row_of_a_composite_key_names_its_key_as_a_tuple() {
    let server = TestServer::with_handler(|req: &SqlRequest| {
        let n = req.bulk_args.as_ref().map_or(0, Vec::len);
        if n == 2 {
            let body = json!({"cols": [], "duration": 1.5, "results": [{"rowcount": 1}, {"rowcount": -2, "error": {"code": 4091, "message": "DuplicateKeyException[A document with the same primary key exists already]"}}]});
            Reply::raw(200, body.to_string())
        } else {
            default_reply(req)
        }
    });
    let mut session = Session::new(Client::new(&server.url()).unwrap());
    session.add_all([
        ReadingPk {
            device: "go".into(),
            ts: TimestampTz(1_743_466_400_000),
            slot: 1_743_465_600_000,
            value: 1,
        },
        ReadingPk {
            device: "stop".into(),
            ts: TimestampTz(1_743_466_401_000),
            slot: 1_743_465_600_000,
            value: 2,
        },
    ]);
    let commit = commit_error(&mut session);
    let failure = &commit.failures[0];
    assert_eq!(
        failure.key.as_deref(),
        Some(r#"("stop", 1743466401000, 1743465600000)"#)
    );
    assert_eq!(
        failure.key_values(),
        Some(vec![
            json!("stop"),
            json!(1_743_466_401_000_i64),
            json!(1_743_465_600_000_i64)
        ])
    );
    assert!(
        failure
            .to_string()
            .starts_with(r#"INSERT ReadingPk ("stop", 1743466401000, 1743465600000): "#),
        "{failure}"
    );
}
