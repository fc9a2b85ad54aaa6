//! Records real exchanges with CrateDB as test fixtures: for each statement shape the library
//! sends (bulk and multi-row inserts, per-key and versioned updates, deletes, upserts, queries,
//! reflection) and each kind of error answer, the request the library sent and the answer the
//! server gave, in `cratedb-client/tests/fixtures/<name>.json`. The loopback test server's
//! answers are checked against them (`cratedb-client/tests/recorded_exchanges.rs`).
//!
//! ```text
//! CRATEDB_URL=crate://127.0.0.1:4200 cargo run -p cratedb-orm --example record_fixtures
//! CRATEDB_URL=crate://127.0.0.1:4200 cargo run -p cratedb-orm --example record_fixtures -- /tmp/out
//! ```
//!
//! The library talks to a loopback recording proxy (`cratedb_client::testing::TestServer`)
//! that passes each request on to the CrateDB of `CRATEDB_URL` (plain HTTP, no credentials) and
//! keeps both sides. Everything happens in the schema `orm_fixtures`, dropped before and after.

use std::collections::BTreeMap;
use std::error::Error;
use std::io::Write;
use std::net::TcpStream;
use std::path::{Path, PathBuf};
use std::sync::{Arc, Mutex};
use std::time::Duration;

use cratedb_client::testing::{Reply, SqlRequest, TestServer};
use cratedb_orm::raw::raw;
use cratedb_orm::write::{delete_where, insert_many, update_where, upsert};
use cratedb_orm::{
    object, reflect, Client, CrateModel, GeoPoint, Object, Session, TimestampTz, Value,
};
use serde_json::{json, Map};

#[path = "../cratedb-client/tests/support/raw_http.rs"]
mod raw_http;
use raw_http::{read_answer, RawAnswer};

const SCHEMA: &str = "orm_fixtures";

/// Requests sent straight to the server (name, description, method, path, body): the node
/// information, and what CrateDB answers to requests the library never sends.
const DIRECT: &[(&str, &str, &str, &str, &str)] = &[
    (
        "root",
        "GET / : the node's name, cluster and version",
        "GET",
        "/",
        "",
    ),
    ("root_head", "HEAD / : a liveness probe", "HEAD", "/", ""),
    (
        "get_unknown_path",
        "GET of a path CrateDB does not serve",
        "GET",
        "/nothing",
        "",
    ),
    (
        "post_unknown_path",
        "POST to a path CrateDB does not serve",
        "POST",
        "/nothing",
        "{}",
    ),
    (
        "request_missing_body",
        "POST /_sql without a body",
        "POST",
        "/_sql",
        "",
    ),
    (
        "request_not_json",
        "a body that is not JSON",
        "POST",
        "/_sql",
        "not json",
    ),
    (
        "request_unknown_key",
        "a body with a key CrateDB does not know",
        "POST",
        "/_sql",
        r#"{"stmt":"SELECT 1","foo":1}"#,
    ),
    (
        "request_args_and_bulk_args",
        "a body with both args and bulk_args",
        "POST",
        "/_sql",
        r#"{"stmt":"SELECT 1","args":[1],"bulk_args":[[1]]}"#,
    ),
    (
        "request_missing_stmt",
        "a body without stmt",
        "POST",
        "/_sql",
        r#"{"args":[]}"#,
    ),
    (
        "request_args_not_an_array",
        "args that are not an array",
        "POST",
        "/_sql",
        r#"{"stmt":"SELECT 1","args":"x"}"#,
    ),
    (
        "request_bulk_row_not_an_array",
        "a bulk_args row that is not an array",
        "POST",
        "/_sql",
        r#"{"stmt":"SELECT 1","bulk_args":[1]}"#,
    ),
];

/// A model with server-made values (a DEFAULT and a generated column): inserted by one
/// multi-row `INSERT … RETURNING`.
#[derive(CrateModel, Debug, Clone, Default, PartialEq)]
#[cratedb(table = "heroes", number_of_shards = 3, number_of_replicas = "0")]
struct Hero {
    #[cratedb(primary_key)]
    id: String,
    name: String,
    #[cratedb(generated = "lower(name)")]
    name_lower: Option<String>,
    details: Option<Object>,
    #[cratedb(server_default = "now()")]
    created_at: Option<TimestampTz>,
}

/// A model without server-made values: inserted by a bulk request.
#[derive(CrateModel, Debug, Clone, Default, PartialEq)]
#[cratedb(table = "plain", number_of_shards = 3, number_of_replicas = "0")]
struct Plain {
    #[cratedb(primary_key)]
    id: i64,
    label: String,
    score: Option<i32>,
    place: Option<GeoPoint>,
    info: Option<Object>,
}

/// A versioned model: UPDATE and DELETE check `_seq_no` and `_primary_term`.
#[derive(CrateModel, Debug, Clone, Default, PartialEq)]
#[cratedb(table = "notes", versioned, number_of_replicas = "0")]
struct Note {
    #[cratedb(primary_key)]
    id: String,
    body: String,
}

/// One request and its answer.
struct Exchange {
    label: String,
    request: Value,
    response: Value,
}

/// The recording proxy's books: the current step's name and description, and what was seen.
#[derive(Default)]
struct Books {
    label: String,
    what: BTreeMap<String, String>,
    exchanges: Vec<Exchange>,
}

type Shared = Arc<Mutex<Books>>;

fn books(shared: &Shared) -> std::sync::MutexGuard<'_, Books> {
    shared.lock().unwrap_or_else(|e| e.into_inner())
}

/// An HTTP answer as read from the wire.
struct Answer {
    status: u16,
    headers: Vec<(String, String)>,
    body: Vec<u8>,
}

/// Sends one HTTP/1.1 request to `upstream` on a connection of its own and reads the answer
/// (by its Content-Length).
fn http(
    upstream: &str,
    method: &str,
    target: &str,
    headers: &[(&str, &str)],
    body: &[u8],
) -> std::io::Result<Answer> {
    let mut stream = TcpStream::connect(upstream)?;
    stream.set_read_timeout(Some(Duration::from_secs(120)))?;
    let mut head = format!("{method} {target} HTTP/1.1\r\nHost: {upstream}\r\n");
    for (name, value) in headers {
        head.push_str(&format!("{name}: {value}\r\n"));
    }
    head.push_str(&format!(
        "Content-Length: {}\r\nConnection: close\r\n\r\n",
        body.len()
    ));
    stream.write_all(head.as_bytes())?;
    stream.write_all(body)?;
    stream.flush()?;
    let RawAnswer {
        status,
        headers,
        body,
    } = read_answer(&mut stream)?;
    Ok(Answer {
        status,
        headers,
        body,
    })
}

/// The request body as the library sent it: `{"stmt", "args"}` or `{"stmt", "bulk_args"}`.
fn request_body(req: &SqlRequest) -> Value {
    match &req.bulk_args {
        Some(rows) => json!({ "stmt": req.stmt, "bulk_args": rows }),
        None => json!({ "stmt": req.stmt, "args": req.args }),
    }
}

/// The answer as a fixture records it: status, the headers that matter, and the body (JSON,
/// or text when it is not JSON).
fn response_json(answer: &Answer) -> Value {
    let headers: Map<String, Value> = answer
        .headers
        .iter()
        .filter(|(n, _)| n != "content-length")
        .map(|(n, v)| (n.clone(), json!(v)))
        .collect();
    let mut out = Map::new();
    out.insert("status".into(), json!(answer.status));
    out.insert("headers".into(), Value::Object(headers));
    match serde_json::from_slice::<Value>(&answer.body) {
        Ok(body) => out.insert("body".into(), body),
        Err(_) => out.insert(
            "body_text".into(),
            json!(String::from_utf8_lossy(&answer.body)),
        ),
    };
    Value::Object(out)
}

/// The recording proxy's handler: pass the request on, keep both sides, answer as the server
/// did.
fn forward(shared: &Shared, upstream: &str, req: &SqlRequest) -> Reply {
    let body = request_body(req);
    let target = if req.query.is_empty() {
        "/_sql".to_string()
    } else {
        format!("/_sql?{}", req.query)
    };
    let mut headers = vec![("Content-Type", "application/json")];
    if let Some(schema) = req.header("default-schema") {
        headers.push(("Default-Schema", schema));
    }
    if let Some(auth) = req.header("authorization") {
        headers.push(("Authorization", auth));
    }
    let answer = match http(
        upstream,
        "POST",
        &target,
        &headers,
        body.to_string().as_bytes(),
    ) {
        Ok(answer) => answer,
        Err(e) => return Reply::raw(599, format!("recorder: {upstream} failed: {e}")),
    };
    // Credentials are never written to a fixture; the user name says what was sent.
    let mut sent_headers = Map::new();
    sent_headers.insert("content-type".into(), json!("application/json"));
    if let Some(schema) = req.header("default-schema") {
        sent_headers.insert("default-schema".into(), json!(schema));
    }
    if let Some(auth) = req.header("authorization") {
        let scheme = auth.split(' ').next().unwrap_or("");
        sent_headers.insert(
            "authorization".into(),
            json!(format!("{scheme} <not recorded>")),
        );
    }
    let request = json!({
        "method": "POST",
        "path": "/_sql",
        "query": req.query,
        "headers": sent_headers,
        "body": body,
    });
    let response = response_json(&answer);
    let mut b = books(shared);
    let label = b.label.clone();
    b.exchanges.push(Exchange {
        label,
        request,
        response,
    });
    Reply::raw(answer.status, answer.body)
}

/// Runs the steps, naming what each records.
struct Recorder {
    shared: Shared,
}

impl Recorder {
    /// Runs `f`, recording its exchanges as `name` (`name_1`, `name_2`, … when it sends
    /// several) with the description `what`.
    fn step<T>(&self, name: &str, what: &str, f: impl FnOnce() -> T) -> T {
        {
            let mut b = books(&self.shared);
            b.label = name.to_string();
            b.what.insert(name.to_string(), what.to_string());
        }
        let out = f();
        books(&self.shared).label.clear();
        out
    }
}

fn main() {
    if let Err(e) = run() {
        eprintln!("record_fixtures failed: {e}");
        std::process::exit(1);
    }
}

fn run() -> Result<(), Box<dyn Error>> {
    let url = std::env::var("CRATEDB_URL")
        .map_err(|_| "set CRATEDB_URL to a CrateDB to record from (e.g. crate://127.0.0.1:4200)")?;
    let upstream = Client::new(&url)?
        .servers()
        .into_iter()
        .next()
        .ok_or("CRATEDB_URL names no server")?;
    let out_dir = std::env::args().nth(1).map_or_else(
        || Path::new(env!("CARGO_MANIFEST_DIR")).join("../cratedb-client/tests/fixtures"),
        PathBuf::from,
    );

    let shared: Shared = Arc::default();
    let proxy = {
        let shared = Arc::clone(&shared);
        let upstream = upstream.clone();
        TestServer::builder()
            .gzip(false)
            .handler(move |req: &SqlRequest| forward(&shared, &upstream, req))
            .start()
    };
    let proxy_url = format!("{}/?schema={SCHEMA}", proxy.url());
    let client = Client::new(&proxy_url)?;
    let rec = Recorder {
        shared: Arc::clone(&shared),
    };

    drop_tables(&client)?;
    let result = record(&rec, &client, &proxy);
    drop_tables(&client)?;
    result?;

    // Straight to the server: the node information, and what it answers to requests the
    // library never sends (the loopback server gives the same answers).
    let mut fixtures: Vec<(String, Value)> = Vec::new();
    for &(name, what, method, path, body) in DIRECT {
        let mut headers = vec![("Accept", "application/json")];
        if method == "POST" {
            headers.push(("Content-Type", "application/json"));
        }
        let answer = http(&upstream, method, path, &headers, body.as_bytes())?;
        let mut sent = Map::new();
        for (n, v) in &headers {
            sent.insert(n.to_ascii_lowercase(), json!(v));
        }
        fixtures.push((
            name.to_string(),
            json!({
                "name": name,
                "what": what,
                "request": { "method": method, "path": path, "query": "", "headers": sent, "body_text": body },
                "response": response_json(&answer),
            }),
        ));
    }

    let b = books(&shared);
    let mut by_label: BTreeMap<&str, Vec<&Exchange>> = BTreeMap::new();
    for x in b.exchanges.iter().filter(|x| !x.label.is_empty()) {
        by_label.entry(x.label.as_str()).or_default().push(x);
    }
    for (label, exchanges) in by_label {
        let what = b.what.get(label).cloned().unwrap_or_default();
        let several = exchanges.len() > 1;
        for (i, x) in exchanges.iter().enumerate() {
            let name = if several {
                format!("{label}_{}", i + 1)
            } else {
                label.to_string()
            };
            fixtures.push((
                name.clone(),
                json!({ "name": name, "what": what, "request": x.request, "response": x.response }),
            ));
        }
    }
    std::fs::create_dir_all(&out_dir)?;
    let version = reflect::server_version(&Client::new(&url)?)?
        .map(|v| v.text)
        .unwrap_or_default();
    for (name, mut fixture) in fixtures {
        if let Some(map) = fixture.as_object_mut() {
            map.insert("server".into(), json!(format!("CrateDB {version}")));
        }
        let path = out_dir.join(format!("{name}.json"));
        std::fs::write(&path, serde_json::to_string_pretty(&fixture)? + "\n")?;
        println!("{}", path.display());
    }
    Ok(())
}

fn drop_tables(client: &Client) -> Result<(), Box<dyn Error>> {
    for sql in [
        Hero::drop_table_if_exists_sql(),
        Plain::drop_table_if_exists_sql(),
        Note::drop_table_if_exists_sql(),
    ] {
        client.sql(&sql, &[] as &[Value])?;
    }
    Ok(())
}

fn hero(id: &str, name: &str) -> Hero {
    Hero {
        id: id.into(),
        name: name.into(),
        // Keys in no sorted order: CrateDB answers them in another.
        details: Some(object! { "zeta": 1, "alpha": { "y": 2, "x": 1 }, "mid": "m" }),
        ..Hero::default()
    }
}

fn plain(id: i64, label: &str) -> Plain {
    Plain {
        id,
        label: label.into(),
        score: Some(id as i32),
        place: Some(GeoPoint::from((1.0, 2.0))),
        info: Some(object! { "b": 1, "a": 2 }),
    }
}

/// Every step: what the library sends, as a user's program sends it.
fn record(rec: &Recorder, client: &Client, proxy: &TestServer) -> Result<(), Box<dyn Error>> {
    rec.step("ddl_create_table", "CREATE TABLE: a DDL answer", || {
        client.sql(&Hero::create_table_sql(), &[] as &[Value])
    })?;
    client.sql(&Plain::create_table_sql(), &[] as &[Value])?;
    client.sql(&Note::create_table_sql(), &[] as &[Value])?;

    // Inserts.
    let mut s = Session::new(client.clone());
    s.add_all((1..=3).map(|i| plain(i, &format!("p{i}"))));
    rec.step(
        "insert_bulk",
        "a session commit of 3 models without server-made values: one bulk INSERT",
        || s.commit(),
    )?;
    let mut rows = vec![
        plain(4, "new"),
        plain(1, "duplicate key"),
        plain(5, "also new"),
    ];
    let bulk_failed = rec.step(
        "insert_bulk_failed_rows",
        "a bulk INSERT whose second row has a duplicate key: that row fails with its error",
        || insert_many(&mut rows).execute(client),
    );
    assert!(bulk_failed.is_err(), "the duplicate fails");
    let failed = rec.step(
        "insert_bulk_not_null_row",
        "a bulk INSERT (client.bulk) whose second row has NULL in a NOT NULL column",
        || {
            client.bulk(
                r#"INSERT INTO "plain" ("id", "label") VALUES ($1, $2)"#,
                &vec![vec![json!(6), json!("six")], vec![json!(7), Value::Null]],
            )
        },
    )?;
    assert_eq!(failed.failed_rows(), vec![1]);
    s.add_all(
        [
            "arthur",
            "ford",
            "trillian",
            "zaphod",
            "marvin",
            "slartibartfast",
        ]
        .iter()
        .map(|id| hero(id, &id.to_uppercase())),
    );
    rec.step(
        "insert_returning_multi_row",
        "a session commit of 6 models with server-made values (3 shards): one multi-row \
         INSERT … RETURNING; the rows come back in shard order, not in VALUES order",
        || s.commit(),
    )?;
    let mut returning = vec![hero("deep-thought", "Deep Thought"), hero("eddie", "Eddie")];
    rec.step(
        "insert_returning_objects",
        "insert_many(…).returning((id, details)): objects come back with their keys in \
         another order than sent",
        || {
            insert_many(&mut returning)
                .returning((Hero::id(), Hero::details()))
                .fetch(client)
        },
    )?;
    let mut skipped = vec![hero("agrajag", "Agrajag"), hero("arthur", "Arthur again")];
    rec.step(
        "insert_returning_skipped_row",
        "a multi-row INSERT … RETURNING whose second row has a duplicate key: CrateDB skips \
         it silently (rowcount 1, one row)",
        || {
            insert_many(&mut skipped)
                .returning(Hero::id())
                .fetch(client)
        },
    )?;

    // Queries.
    raw(r#"REFRESH TABLE "heroes""#).execute(client)?;
    rec.step("refresh_table", "REFRESH TABLE", || {
        raw(r#"REFRESH TABLE "plain""#).execute(client)
    })?;
    let mut q = Session::new(client.clone());
    rec.step(
        "select_models",
        "session.query::<Hero>() ordered by id: every column, objects with their keys in \
         CrateDB's order, timestamps as epoch milliseconds",
        || q.query::<Hero>().order_by(Hero::id()).limit(3).all(),
    )?;
    let typed = Client::builder()
        .url(&format!("{}/?schema={SCHEMA}", proxy.url()))
        .col_types(true)
        .build()?;
    let mut t = Session::new(typed.clone());
    rec.step(
        "select_models_with_types",
        "the same query from a client with col_types(true): ?types adds col_types",
        || t.query::<Plain>().order_by(Plain::id()).all(),
    )?;
    rec.step("select_empty", "a query matching no row", || {
        q.query::<Hero>().filter(Hero::name().eq("nobody")).all()
    })?;
    rec.step("select_count", "count(*)", || q.query::<Plain>().count())?;
    let mut f = Session::new(client.clone());
    rec.step(
        "find_by_primary_key",
        "session.find: a real-time lookup by primary key; a geo point comes back quantised",
        || f.find::<Plain>(1i64),
    )?;
    rec.step(
        "reflection_columns",
        "reflect::columns_of: information_schema.columns",
        || reflect::columns_of::<Plain>(client),
    )?;

    // Updates.
    let loaded = q.query::<Hero>().order_by(Hero::id()).limit(2).all()?;
    for &h in &loaded {
        q[h].details
            .as_mut()
            .ok_or("details")?
            .set_path(&["alpha", "x"], 10)?;
    }
    rec.step(
        "update_object_key_bulk",
        "a one-key change to 2 loaded models: one bulk UPDATE of a subscript",
        || q.commit(),
    )?;
    let mut other = Session::new(client.clone());
    let gone = other.find::<Plain>(3i64)?.ok_or("row 3")?;
    other.delete(gone);
    other.commit()?;
    let mut stale = Session::new(client.clone());
    let h3 = stale.attach(plain(3, "p3"));
    stale[h3].label = "changed".into();
    let missing = rec.step(
        "update_missing_row_bulk",
        "a bulk UPDATE of a row deleted meanwhile: the row fails with 40411",
        || stale.commit(),
    );
    assert!(missing.is_err());

    let mut n = Session::new(client.clone());
    n.add(Note {
        id: "n1".into(),
        body: "v1".into(),
    });
    n.add(Note {
        id: "n2".into(),
        body: "v1".into(),
    });
    n.commit()?;
    let mut a = Session::new(client.clone());
    let mut b = Session::new(client.clone());
    let a1 = a.find::<Note>("n1")?.ok_or("n1")?;
    let b1 = b.find::<Note>("n1")?.ok_or("n1")?;
    let a2 = a.find::<Note>("n2")?.ok_or("n2")?;
    let b2 = b.find::<Note>("n2")?.ok_or("n2")?;
    b[b1].body = "from b".into();
    rec.step(
        "update_versioned_returning",
        "a versioned UPDATE … RETURNING \"_seq_no\", \"_primary_term\"",
        || b.commit(),
    )?;
    a[a1].body = "from a".into();
    let stale_update = rec.step(
        "update_versioned_stale",
        "a versioned UPDATE of a row changed meanwhile: no row matches (rowcount 0)",
        || a.commit(),
    );
    assert!(stale_update.is_err());
    a.rollback()?;
    b[b2].body = "changed".into();
    b.commit()?;
    a.delete(a2);
    let stale_delete = rec.step(
        "delete_versioned_stale_bulk",
        "a versioned bulk DELETE of a row changed meanwhile: the row fails with 4092",
        || a.commit(),
    );
    assert!(stale_delete.is_err());

    // Deletes.
    let mut d = Session::new(client.clone());
    let d1 = d.find::<Plain>(1i64)?.ok_or("row 1")?;
    let d2 = d.find::<Plain>(2i64)?.ok_or("row 2")?;
    d.delete(d1);
    d.delete(d2);
    rec.step(
        "delete_bulk",
        "a session commit deleting 2 models: one bulk DELETE",
        || d.commit(),
    )?;
    let mut d = Session::new(client.clone());
    let h = d.attach(plain(2, "p2"));
    d.delete(h);
    let missing = rec.step(
        "delete_bulk_missing_row",
        "a bulk DELETE of a row that is gone: the row fails with 40411 (the session counts it deleted)",
        || d.commit(),
    );
    assert!(
        missing.is_ok(),
        "a row gone already is deleted: {missing:?}"
    );

    // Statement-level writes.
    let mut rows = vec![plain(4, "upserted"), plain(8, "inserted")];
    rec.step(
        "upsert_bulk",
        "upsert: bulk INSERT … ON CONFLICT (pk) DO UPDATE SET every column",
        || upsert(&mut rows).execute(client),
    )?;
    let mut rows = vec![plain(4, "kept"), plain(9, "new")];
    rec.step(
        "insert_on_conflict_do_nothing_bulk",
        "bulk INSERT … ON CONFLICT DO NOTHING: the existing row counts 0",
        || {
            insert_many(&mut rows)
                .on_conflict_do_nothing()
                .execute(client)
        },
    )?;
    raw(r#"REFRESH TABLE "plain""#).execute(client)?;
    rec.step(
        "update_where",
        "update_where with a value and an object key",
        || {
            update_where::<Plain, _>(Plain::id().ge(8))
                .set(Plain::score(), 80)
                .set_key(Plain::info(), ["c"], "new key")
                .execute(client)
        },
    )?;
    rec.step(
        "update_where_returning",
        "update_where(…).returning(…)",
        || {
            update_where::<Plain, _>(Plain::id().eq(4))
                .set(Plain::score(), Plain::score() + 1)
                .returning((Plain::id(), Plain::score()))
                .fetch(client)
        },
    )?;
    rec.step("delete_where", "delete_where", || {
        delete_where::<Plain, _>(Plain::id().ge(8)).execute(client)
    })?;

    // Errors.
    let insert = r#"INSERT INTO "plain" ("id", "label") VALUES ($1, $2)"#;
    let errors = [
        (
            "error_duplicate_key",
            "a single-row INSERT with a duplicate key: 409",
            raw(insert).bind(4).bind("again"),
        ),
        (
            "error_not_null",
            "NULL into a NOT NULL column",
            raw(insert).bind(20).bind(Value::Null),
        ),
        (
            "error_cast",
            "a value that cannot be cast to the column's type",
            raw(r#"INSERT INTO "plain" ("id", "label", "score") VALUES ($1, $2, $3)"#)
                .bind(21)
                .bind("x")
                .bind("forty-two"),
        ),
        (
            "error_unknown_table",
            "a table that does not exist: 404",
            raw(r#"SELECT * FROM "no_such_table""#),
        ),
        (
            "error_unknown_column",
            "a column that does not exist: 404",
            raw(r#"SELECT "no_such_column" FROM "plain""#),
        ),
        ("error_syntax", "a syntax error", raw("SELEC 1")),
        (
            "error_statement_too_long",
            "a statement over statement_max_length (262144 characters)",
            raw(format!("SELECT '{}'", "x".repeat(262_200))),
        ),
    ];
    for (name, what, statement) in errors {
        let result = rec.step(name, what, || statement.execute(client));
        assert!(result.is_err(), "{name} fails");
    }
    let traced = Client::builder()
        .url(&format!("{}/?schema={SCHEMA}", proxy.url()))
        .error_trace(true)
        .build()?;
    let result = rec.step(
        "error_with_trace",
        "an error from a client with error_trace(true): the body adds error_trace",
        || traced.sql(r#"SELECT * FROM "no_such_table""#, &[] as &[Value]),
    );
    assert!(result.is_err());
    let stranger = Client::builder()
        .server(&proxy.addr())
        .basic_auth("nobody", "wrong")
        .build()?;
    let result = rec.step(
        "error_unauthorized",
        "a login with an unknown user: 401 with a plain-text body",
        || stranger.sql("SELECT 1", &[] as &[Value]),
    );
    assert!(result.is_err());
    let bad_token = Client::builder()
        .server(&proxy.addr())
        .jwt("not-a-jwt")
        .build()?;
    let result = rec.step(
        "error_invalid_jwt",
        "a bearer token that is not a JWT: 500 with a plain-text body",
        || bad_token.sql("SELECT 1", &[] as &[Value]),
    );
    assert!(result.is_err());
    Ok(())
}
