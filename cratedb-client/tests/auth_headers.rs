//! Headers on the wire: Basic and Bearer authorization, Default-Schema, content type, and the
//! `types` / `error_trace` query parameters.

use cratedb_client::testing::{Reply, TestServer};
use cratedb_client::Client;
use serde_json::{json, Value};

const NO_ARGS: &[Value] = &[];

fn one_request(client: &Client, server: &TestServer) -> cratedb_client::testing::SqlRequest {
    server.clear_requests();
    client
        .sql("SELECT 1", NO_ARGS)
        .unwrap_or_else(|e| panic!("{e}"));
    let mut requests = server.requests();
    assert_eq!(requests.len(), 1);
    requests.remove(0)
}

#[test]
fn basic_auth_from_url_with_percent_encoding() {
    let server = TestServer::start();
    let url = format!("crate://admin:s%40cr%3At@{}", server.addr());
    let client = Client::new(&url).unwrap_or_else(|e| panic!("{e}"));
    let req = one_request(&client, &server);
    // base64("admin:s@cr:t")
    assert_eq!(req.header("authorization"), Some("Basic YWRtaW46c0Bjcjp0"));
}

#[test]
fn basic_auth_user_without_password() {
    let server = TestServer::start();
    let client =
        Client::new(&format!("crate://crate@{}", server.addr())).unwrap_or_else(|e| panic!("{e}"));
    let req = one_request(&client, &server);
    // base64("crate:")
    assert_eq!(req.header("authorization"), Some("Basic Y3JhdGU6"));
}

#[test]
fn basic_auth_from_builder() {
    let server = TestServer::start();
    let client = Client::builder()
        .server(&server.addr())
        .basic_auth("admin", "s3cr3t!")
        .build()
        .unwrap_or_else(|e| panic!("{e}"));
    let req = one_request(&client, &server);
    assert_eq!(
        req.header("authorization"),
        Some("Basic YWRtaW46czNjcjN0IQ==")
    );
}

#[test]
fn bearer_token() {
    let server = TestServer::start();
    let client = Client::builder()
        .url(&server.url())
        .jwt("eyJhbGciOiJSUzI1NiJ9.eyJpc3MiOiJ4In0.c2ln")
        .build()
        .unwrap_or_else(|e| panic!("{e}"));
    let req = one_request(&client, &server);
    assert_eq!(
        req.header("authorization"),
        Some("Bearer eyJhbGciOiJSUzI1NiJ9.eyJpc3MiOiJ4In0.c2ln")
    );
    client.server_info().unwrap_or_else(|e| panic!("{e}"));
    assert_eq!(server.root_request_count(), 1);
}

#[test]
fn no_auth_no_schema_by_default() {
    let server = TestServer::start();
    let client = Client::new(&server.url()).unwrap_or_else(|e| panic!("{e}"));
    let req = one_request(&client, &server);
    assert_eq!(req.header("authorization"), None);
    assert_eq!(req.header("default-schema"), None);
    assert_eq!(req.header("content-type"), Some("application/json"));
    assert_eq!(req.header("accept"), Some("application/json"));
    assert_eq!(req.query, "");
}

#[test]
fn default_schema_header() {
    let server = TestServer::start();
    let client = Client::new(&format!("{}/?schema=my_schema", server.url()))
        .unwrap_or_else(|e| panic!("{e}"));
    assert_eq!(client.default_schema(), Some("my_schema"));
    for _ in 0..3 {
        let req = one_request(&client, &server);
        assert_eq!(req.header("default-schema"), Some("my_schema"));
    }
}

#[test]
fn types_and_error_trace_query() {
    let server = TestServer::with_handler(|_| {
        Reply::rows(
            &["a", "b", "c"],
            vec![vec![json!("x"), json!(1), json!([1.5])]],
        )
    });
    let client = Client::builder()
        .url(&format!("{}/?error_trace=true", server.url()))
        .col_types(true)
        .build()
        .unwrap_or_else(|e| panic!("{e}"));
    let r = client
        .sql("SELECT a, b, c FROM t", NO_ARGS)
        .unwrap_or_else(|e| panic!("{e}"));
    assert_eq!(
        r.col_types,
        Some(vec![json!(4), json!(10), json!([100, 6])])
    );
    let req = server.requests().remove(0);
    assert_eq!(req.query, "types&error_trace=true");
}

#[test]
fn statement_and_args_are_sent_as_given() {
    let server = TestServer::start();
    let client = Client::new(&server.url()).unwrap_or_else(|e| panic!("{e}"));
    client
        .sql(
            "SELECT * FROM \"t\" WHERE \"a\" = $1 AND \"b\" = $2",
            &(json!("it's \"quoted\""), 9_007_199_254_740_993_i64),
        )
        .unwrap_or_else(|e| panic!("{e}"));
    let req = server.requests().remove(0);
    assert_eq!(
        req.stmt,
        "SELECT * FROM \"t\" WHERE \"a\" = $1 AND \"b\" = $2"
    );
    assert_eq!(
        req.args,
        vec![json!("it's \"quoted\""), json!(9_007_199_254_740_993_i64)]
    );
    assert!(req.bulk_args.is_none());
}

#[test]
fn execute_sends_no_args() {
    let server = TestServer::start();
    let client = Client::new(&server.url()).unwrap_or_else(|e| panic!("{e}"));
    let r = client
        .execute("REFRESH TABLE \"doc\".\"t\"")
        .unwrap_or_else(|e| panic!("{e}"));
    assert_eq!(r.rowcount, 1);
    let req = server.requests().remove(0);
    assert_eq!(req.stmt, "REFRESH TABLE \"doc\".\"t\"");
    assert!(req.args.is_empty() && req.bulk_args.is_none());
}
