//! The error paths against a real CrateDB (`CRATEDB_URL`), each with CrateDB's own code, HTTP
//! status and message as the server gives them: duplicate key (4091), NOT NULL, cast and range
//! errors (4000), unknown table (4041) and column (4043), syntax error (4000), a statement over
//! `statement_max_length` (4000), a failed login (401, plain text). Through raw SQL, queries,
//! bulk writes and session commits, as a user meets them.

mod live;

use cratedb_orm::raw::raw;
use cratedb_orm::session::RowFailureCause;
use cratedb_orm::write::insert_many;
use cratedb_orm::{Client, CrateModel, Error, Session, Value};
use live::sql_error;

#[derive(CrateModel, Debug, Clone, Default, PartialEq)]
#[cratedb(table = "people", number_of_replicas = "0")]
struct Person {
    #[cratedb(primary_key)]
    id: i64,
    name: String,
    age: Option<i32>,
}

/// The same table as an outdated model sees it: `name` nullable, `age` as text.
#[derive(CrateModel, Debug, Clone, Default, PartialEq)]
#[cratedb(table = "people")]
struct Drifted {
    #[cratedb(primary_key)]
    id: i64,
    name: Option<String>,
    age: Option<String>,
}

/// The same table with a column it does not have.
#[derive(CrateModel, Debug, Clone, Default, PartialEq)]
#[cratedb(table = "people")]
struct WithNickname {
    #[cratedb(primary_key)]
    id: i64,
    name: String,
    nickname: Option<String>,
}

fn person(id: i64, name: &str) -> Person {
    Person {
        id,
        name: name.into(),
        age: Some(42),
    }
}

const DUPLICATE: &str =
    "DuplicateKeyException[A document with the same primary key exists already]";

#[test]
fn live_duplicate_key_is_4091_on_every_path() {
    let Some(live) = live::connect("errors_duplicate") else {
        return;
    };
    live.create::<Person>();
    let insert = r#"INSERT INTO "people" ("id", "name") VALUES ($1, $2)"#;
    raw(insert)
        .bind(1)
        .bind("Arthur")
        .execute(&live.client)
        .expect("first insert");

    // A single-row INSERT: the request fails with 409.
    let err = raw(insert)
        .bind(1)
        .bind("Ford")
        .execute(&live.client)
        .expect_err("duplicate");
    assert_eq!(sql_error(&err), Some((409, 4091, DUPLICATE.into())));
    let Error::Client(client_err) = &err else {
        panic!("a client error: {err:?}")
    };
    assert!(client_err.is_duplicate_key());

    // A bulk insert: that row fails with the same error, the others land.
    let mut rows = vec![person(2, "Ford"), person(1, "again"), person(3, "Zaphod")];
    match insert_many(&mut rows).execute(&live.client) {
        Err(Error::RowsFailed { failed, total }) => {
            assert_eq!(total, 3);
            assert_eq!(failed.len(), 1);
            assert_eq!(failed[0].index, 1);
            let e = failed[0].error.as_ref().expect("the row's error");
            assert_eq!((e.code, e.message.as_str()), (4091, DUPLICATE));
        }
        other => panic!("expected one failed row, got {other:?}"),
    }

    // A session commit (bulk path): the duplicate stays pending with CrateDB's error.
    let mut s = Session::new(live.client.clone());
    let dup = s.add(person(3, "Zaphod again"));
    let new = s.add(person(4, "Marvin"));
    let err = s.commit().expect_err("duplicate");
    let Error::Commit(commit) = err else {
        panic!("a commit error: {err}")
    };
    assert_eq!(commit.written, 1);
    assert_eq!(commit.failures.len(), 1, "{commit}");
    assert_eq!(commit.failures[0].key.as_deref(), Some("3"));
    match &commit.failures[0].cause {
        RowFailureCause::Sql(e) => {
            assert_eq!((e.code, e.message.as_str()), (4091, DUPLICATE))
        }
        other => panic!("expected CrateDB's error, got {other:?}"),
    }
    assert!(commit.is_duplicate_key());
    assert!(s.is_pending(dup));
    assert!(!s.is_pending(new));

    // The very row stored, inserted again: CrateDB answers 4091 (as it does for rows it runs
    // again itself on a new primary); the row read back by key is the row sent, so the
    // INSERT counts as landed and nothing stays pending.
    let mut s = Session::new(live.client.clone());
    let twin = s.add(person(3, "Zaphod"));
    s.commit().expect("the row stored is the row sent");
    assert!(!s.is_pending(twin));
}

#[test]
fn live_not_null_and_cast_errors_are_4000() {
    let Some(live) = live::connect("errors_not_null") else {
        return;
    };
    live.create::<Person>();

    // NOT NULL, single row.
    let err = raw(r#"INSERT INTO "people" ("id", "name") VALUES ($1, $2)"#)
        .bind(1)
        .bind(Value::Null)
        .execute(&live.client)
        .expect_err("null name");
    assert_eq!(
        sql_error(&err),
        Some((
            400,
            4000,
            r#"SQLParseException["name" must not be null]"#.into()
        ))
    );

    // A cast error, single row.
    let err = raw(r#"INSERT INTO "people" ("id", "name", "age") VALUES ($1, $2, $3)"#)
        .bind(1)
        .bind("Arthur")
        .bind("forty-two")
        .execute(&live.client)
        .expect_err("text into an integer");
    assert_eq!(
        sql_error(&err),
        Some((
            400,
            4000,
            "SQLParseException[Cannot cast value `forty-two` to type `integer`]".into()
        ))
    );

    // BIGINT stores i64::MIN + 1 ..= i64::MAX - 1: the two extremes are refused.
    for extreme in [i64::MAX, i64::MIN] {
        let err = raw(r#"INSERT INTO "people" ("id", "name") VALUES ($1, $2)"#)
            .bind(extreme)
            .bind("Arthur")
            .execute(&live.client)
            .expect_err("out of range");
        assert_eq!(
            sql_error(&err),
            Some((
                400,
                4000,
                format!(
                    "SQLParseException[Value {extreme} exceeds allowed range for column of type bigint]"
                )
            ))
        );
    }

    // Through an outdated model in one bulk insert: a NULL fails its row only, with its error.
    let drifted = |id: i64, name: Option<&str>, age: &str| Drifted {
        id,
        name: name.map(str::to_string),
        age: Some(age.into()),
    };
    let mut rows = vec![
        drifted(1, None, "42"),
        drifted(2, Some("Ford"), "42"),
        drifted(3, Some("Zaphod"), "42"),
    ];
    match insert_many(&mut rows).execute(&live.client) {
        Err(Error::RowsFailed { failed, total }) => {
            assert_eq!(total, 3);
            let got: Vec<(usize, Option<(i64, String)>)> = failed
                .iter()
                .map(|f| (f.index, f.error.clone().map(|e| (e.code, e.message))))
                .collect();
            let not_null = r#"SQLParseException["name" must not be null]"#.to_string();
            assert_eq!(got, vec![(0, Some((4000, not_null)))]);
        }
        other => panic!("expected one failed row, got {other:?}"),
    }
    // A value that cannot be cast fails the whole bulk request (CrateDB checks the types of
    // every row before writing any): nothing is written.
    let mut rows = vec![
        drifted(4, Some("Marvin"), "42"),
        drifted(5, Some("Trillian"), "forty-two"),
    ];
    let err = insert_many(&mut rows)
        .execute(&live.client)
        .expect_err("cast error");
    assert_eq!(
        sql_error(&err),
        Some((
            400,
            4000,
            "SQLParseException[Cannot cast value `forty-two` to type `integer`]".into()
        ))
    );
    let mut s = Session::new(live.client.clone());
    let h = s.find::<Person>(3).expect("find").expect("a good row");
    assert_eq!(s[h].age, Some(42), "'42' was cast to an integer");
    for id in [1, 4, 5] {
        assert!(s.find::<Person>(id).expect("find").is_none(), "row {id}");
    }
}

#[test]
fn live_unknown_table_is_4041_and_unknown_column_4043() {
    let Some(live) = live::connect("errors_unknown") else {
        return;
    };
    let mut s = Session::new(live.client.clone());
    // The table is named as the statement names it (unqualified; the schema comes from the client).
    let relation = "RelationUnknown[Relation 'people' unknown]".to_string();

    // A query on a table that does not exist.
    let err = s.query::<Person>().all().expect_err("no table");
    assert_eq!(sql_error(&err), Some((404, 4041, relation.clone())));
    let Error::Client(client_err) = &err else {
        panic!("a client error: {err:?}")
    };
    assert!(client_err
        .sql_error()
        .is_some_and(|e| e.is_unknown_relation()));

    // A commit into it: the request fails, every model stays pending.
    let h = s.add(person(1, "Arthur"));
    let err = s.commit().expect_err("no table");
    let Error::Commit(commit) = err else {
        panic!("a commit error: {err}")
    };
    assert_eq!(commit.written, 0);
    assert_eq!(
        commit
            .cause
            .as_ref()
            .and_then(|c| c.sql_error())
            .map(|e| (e.code, e.message.clone())),
        Some((4041, relation.clone()))
    );
    assert_eq!(
        commit.failures[0].cause,
        RowFailureCause::Sql(cratedb_orm::client::SqlError {
            code: 4041,
            message: relation.clone()
        })
    );
    assert!(s.is_pending(h));

    // Once the table exists the same commit goes through.
    live.create::<Person>();
    s.commit().expect("commit after create");
    assert!(!s.is_pending(h));

    // A model with a column the table does not have: CrateDB's 4043, named with the fix.
    let err = s.query::<WithNickname>().all().expect_err("unknown column");
    assert!(
        matches!(&err, Error::MissingColumn { column, fix, .. }
            if column == "nickname" && fix.contains(r#"ADD COLUMN "nickname""#)),
        "{err}"
    );
    assert_eq!(
        sql_error(&err),
        Some((
            404,
            4043,
            "ColumnUnknownException[Column nickname unknown]".into()
        ))
    );
    // A filter on it.
    let err = s
        .query::<WithNickname>()
        .filter(WithNickname::nickname().eq("Ford"))
        .count()
        .expect_err("unknown column");
    assert_eq!(
        sql_error(&err),
        Some((
            404,
            4043,
            "ColumnUnknownException[Column nickname unknown]".into()
        ))
    );
}

#[test]
fn live_syntax_errors_and_too_long_statements_are_4000() {
    let Some(live) = live::connect("errors_syntax") else {
        return;
    };
    let err = raw("SELEC 1").execute(&live.client).expect_err("syntax");
    let (status, code, message) = sql_error(&err).expect("an SQL error");
    assert_eq!((status, code), (400, 4000));
    assert!(
        message.starts_with("ParsingException[line 1:1: mismatched input 'SELEC' expecting {"),
        "{message}"
    );
    let err = raw("SELECT * FROM")
        .execute(&live.client)
        .expect_err("syntax");
    let (status, code, message) = sql_error(&err).expect("an SQL error");
    assert_eq!((status, code), (400, 4000));
    assert!(
        message.starts_with("ParsingException[line 1:14: "),
        "{message}"
    );
    assert!(err.to_string().contains("ParsingException"), "{err}");

    // A statement over CrateDB's statement_max_length (262144 characters).
    let long = format!("SELECT '{}'", "x".repeat(300_000));
    let err = raw(long.as_str())
        .execute(&live.client)
        .expect_err("too long");
    assert_eq!(
        sql_error(&err),
        Some((
            400,
            4000,
            format!(
                "SQLParseException[Statement exceeds `statement_max_length` (262144 allowed, {} provided). Try replacing inline values with parameter placeholders (`?`)]",
                long.len()
            )
        ))
    );
    // The same value as a bound parameter is fine.
    let (echoed,): (String,) = raw("SELECT $1")
        .bind("x".repeat(300_000))
        .fetch::<(String,)>(&live.client)
        .expect("bound")
        .pop()
        .expect("one row");
    assert_eq!(echoed.len(), 300_000);
}

#[test]
fn live_a_failed_login_is_401_with_a_plain_text_body() {
    let Some(live) = live::connect("errors_login") else {
        return;
    };
    let base = std::env::var("CRATEDB_URL").expect("CRATEDB_URL");
    let servers: Vec<String> = Client::new(&base).expect("url").servers();
    let client = Client::builder()
        .servers(servers)
        .basic_auth("nobody", "secret-password")
        .build()
        .expect("client");
    let err = client
        .sql("SELECT 1", &[] as &[Value])
        .expect_err("no such user");
    let sql = err.sql_error().expect("reported as an SQL error");
    assert_eq!(sql.code, 4010);
    assert!(sql.is_unauthorized());
    assert!(
        sql.message
            .contains(r#"password authentication failed for user "nobody""#),
        "{}",
        sql.message
    );
    assert!(matches!(
        err,
        cratedb_orm::client::Error::Sql { status: 401, .. }
    ));
    assert!(!format!("{err} {err:?}").contains("secret-password"));
    drop(live);
}
