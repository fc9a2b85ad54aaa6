//! Error answers map to typed errors: CrateDB error bodies keep code and message; non-JSON
//! 401/413/429 bodies, other statuses, and invalid arguments have their own variants.

use cratedb_client::testing::{Reply, TestServer};
use cratedb_client::{Client, Error, SqlError};
use serde_json::{json, Value};

const NO_ARGS: &[Value] = &[];

fn answer(reply: Reply) -> Error {
    let server = TestServer::with_handler(move |_| reply.clone());
    let client = Client::new(&server.url()).unwrap_or_else(|e| panic!("{e}"));
    match client.sql("SELECT 1", NO_ARGS) {
        Err(e) => e,
        Ok(r) => panic!("expected an error, got {r:?}"),
    }
}

fn sql_error(e: &Error) -> (u16, SqlError) {
    match e {
        Error::Sql { status, error, .. } => (*status, error.clone()),
        other => panic!("expected Error::Sql, got {other:?}"),
    }
}

#[test]
fn duplicate_key() {
    let e = answer(Reply::error(
        4091,
        "DuplicateKeyException[A document with the same primary key exists already]",
    ));
    let (status, error) = sql_error(&e);
    assert_eq!(status, 409);
    assert_eq!(error.code, 4091);
    assert!(error.message.starts_with("DuplicateKeyException"));
    assert!(e.is_duplicate_key() && !e.is_version_conflict());
    assert!(e.to_string().contains("4091") && e.to_string().contains("127.0.0.1:"));
}

#[test]
fn version_conflict() {
    let e = answer(Reply::error(4092, "VersionConflictEngineException[...]"));
    assert!(e.is_version_conflict());
    assert_eq!(sql_error(&e).0, 409);
}

#[test]
fn unknown_relation_column_schema() {
    let e = answer(Reply::error(
        4041,
        "RelationUnknown[Relation 'doc.nope' unknown]",
    ));
    let (status, error) = sql_error(&e);
    assert_eq!(status, 404);
    assert!(error.is_unknown_relation());
    assert!(
        sql_error(&answer(Reply::error(4043, "ColumnUnknownException[x]")))
            .1
            .is_unknown_column()
    );
    assert!(
        sql_error(&answer(Reply::error(4045, "SchemaUnknownException[x]")))
            .1
            .is_unknown_schema()
    );
}

#[test]
fn syntax_error() {
    let e = answer(Reply::error(
        4000,
        "SQLParseException[line 1:1: mismatched input]",
    ));
    let (status, error) = sql_error(&e);
    assert_eq!(status, 400);
    assert!(error.is_syntax_error());
    assert!(e.sql_error().is_some());
}

#[test]
fn unauthorized_json_and_plain_text() {
    let (status, error) = sql_error(&answer(Reply::error(4010, "UnauthorizedException[x]")));
    assert_eq!(status, 401);
    assert!(error.is_unauthorized());
    let (_, error) = sql_error(&answer(Reply::error(4011, "MissingPrivilegeException[x]")));
    assert!(error.is_unauthorized());
    // A failed login is a plain-text 401.
    let e = answer(Reply::raw(
        401,
        "trust authentication failed for user \"bob\"",
    ));
    let (status, error) = sql_error(&e);
    assert_eq!(status, 401);
    assert!(error.is_unauthorized());
    assert!(error.message.contains("trust authentication failed"));
    let (_, error) = sql_error(&answer(Reply::raw(401, "")));
    assert_eq!(error.message, "unauthorized");
}

#[test]
fn too_large_and_too_many_requests() {
    match answer(Reply::raw(413, "")) {
        Error::Http {
            status, message, ..
        } => {
            assert_eq!(status, 413);
            assert!(message.contains("max_content_length"), "{message}");
        }
        other => panic!("{other:?}"),
    }
    match answer(Reply::status(429)) {
        Error::Http {
            status, message, ..
        } => {
            assert_eq!(status, 429);
            assert!(message.contains("too many requests"), "{message}");
        }
        other => panic!("{other:?}"),
    }
    let (status, error) = sql_error(&answer(Reply::error(4290, "TooManyRequests")));
    assert_eq!((status, error.code), (429, 4290));
}

#[test]
fn server_errors_keep_code() {
    let (status, error) = sql_error(&answer(Reply::error(5000, "UnhandledServerException[x]")));
    assert_eq!((status, error.code), (500, 5000));
    let e = answer(Reply::raw(500, "<html>Internal error</html>"));
    match e {
        Error::Http {
            status, message, ..
        } => {
            assert_eq!(status, 500);
            assert!(message.contains("<html>"), "{message}");
        }
        other => panic!("{other:?}"),
    }
    // A JSON body without CrateDB's error object is not an SQL error.
    assert!(matches!(
        answer(Reply::raw(400, "{\"unexpected\": true}")),
        Error::Http { status: 400, .. }
    ));
}

#[test]
fn error_trace_is_appended_when_asked() {
    let server = TestServer::with_handler(|_| Reply::error(5000, "UnhandledServerException[boom]"));
    let client = Client::new(&format!("{}/?error_trace=true", server.url()))
        .unwrap_or_else(|e| panic!("{e}"));
    let e = client.sql("SELECT 1", NO_ARGS).err();
    let message = e
        .as_ref()
        .and_then(Error::sql_error)
        .map(|e| e.message.clone());
    let message = message.unwrap_or_default();
    assert!(
        message.starts_with("UnhandledServerException[boom]"),
        "{message}"
    );
    assert!(message.contains("error_trace: io.crate"), "{message}");
}

#[test]
fn invalid_args_are_caught_before_sending() {
    let server = TestServer::start();
    let client = Client::new(&server.url()).unwrap_or_else(|e| panic!("{e}"));
    let e = client.sql("SELECT $1", &json!({"a": 1})).err();
    assert!(matches!(e, Some(Error::InvalidArgs { .. })), "{e:?}");
    let e = client.sql("SELECT $1", &1).err();
    assert!(matches!(e, Some(Error::InvalidArgs { .. })), "{e:?}");
    let e = client.bulk("INSERT INTO t VALUES ($1)", &[1, 2]).err();
    assert!(matches!(e, Some(Error::InvalidArgs { .. })), "{e:?}");
    let mut bad = std::collections::HashMap::new();
    bad.insert(vec![1], 2);
    let e = client.sql("SELECT $1", &[bad]).err();
    assert!(matches!(e, Some(Error::InvalidArgs { .. })), "{e:?}");
    assert_eq!(server.request_count(), 0);
}
