//! Micro-benchmarks of the ORM's own work, each on the code path the ORM runs (N = 10,000,
//! a table shaped like the seed's `characters`):
//!
//! - `sql/*`: building the SQL of the seed's queries;
//! - `insert/*`: encoding and sending a 10,000-row bulk insert: a session commit vs the raw
//!   client with `serde_json` values, both to a loopback stub that answers at once;
//! - `decode/*`: decoding a 10,000-row answer body into tracked models (as a query does) vs
//!   into `serde_json::Value` rows (as the raw client does);
//! - `flush/*`: computing the flush of 10,000 models changed in one object key (the plan,
//!   with its arguments as values), and committing it to the stub (`set_key` and `get_mut`).
//!
//! ```text
//! cargo bench -p cratedb-orm --bench orm
//! ```

use std::hint::black_box;

use cratedb_orm::client::SqlResponse;
use cratedb_orm::expr::{count, count_star};
use cratedb_orm::session::Handle;
use cratedb_orm::{Client, CrateModel, Object, ObjectArray, Session, Value};
use criterion::{criterion_group, criterion_main, BatchSize, Criterion};
use serde_json::json;

#[path = "../../examples/stub_server.rs"]
mod stub_server;

#[derive(CrateModel, Debug, Clone, Default, PartialEq)]
#[cratedb(table = "characters")]
struct Character {
    #[cratedb(primary_key)]
    id: String,
    name: Option<String>,
    quote: String,
    details: Option<Object>,
    more_details: Option<ObjectArray>,
}

const ROWS: usize = 10_000;
const COLUMNS: [&str; 5] = ["id", "name", "quote", "details", "more_details"];

fn model(n: usize) -> Character {
    Character {
        id: format!("id-{n:08}"),
        name: Some(format!("Character {n}")),
        quote: "We're on a space ship Arthur. In space.".into(),
        details: Some(cratedb_orm::object! { "gender": "male", "species": "human", "age": n % 90 }),
        more_details: Some(ObjectArray::from(vec![
            cratedb_orm::object! { "foo": 1, "bar": 10 },
            cratedb_orm::object! { "foo": 2 },
        ])),
    }
}

fn row(n: usize) -> Vec<Value> {
    vec![
        json!(format!("id-{n:08}")),
        json!(format!("Character {n}")),
        json!("We're on a space ship Arthur. In space."),
        json!({"gender": "male", "species": "human", "age": n % 90}),
        json!([{"foo": 1, "bar": 10}, {"foo": 2}]),
    ]
}

/// The answer body of `SELECT` the 10,000 rows.
fn answer_body() -> Vec<u8> {
    stub_server::select_body(&COLUMNS, (0..ROWS).map(row).collect()).expect("serializable")
}

fn offline_session() -> Session {
    Session::new(Client::new("crate://127.0.0.1:9").expect("valid URL"))
}

/// A client of a loopback stub that answers at once (bulk requests with one result a row).
fn stub_client() -> Client {
    let port = stub_server::start(answer_body()).expect("loopback stub");
    Client::builder()
        .url(&format!("crate://127.0.0.1:{port}"))
        .gzip_requests_over(None)
        .build()
        .expect("client")
}

/// A session tracking the 10,000 rows as loaded by a query (objects held as received text),
/// and their handles.
fn loaded(client: &Client, body: &[u8]) -> (Session, Vec<Handle<Character>>) {
    let mut session = Session::new(client.clone());
    let handles = session.track_body::<Character>(body).expect("rows fit");
    assert_eq!(handles.len(), ROWS);
    (session, handles)
}

fn sql_building(c: &mut Criterion) {
    let mut session = offline_session();
    c.bench_function("sql/seed_queries", |b| {
        b.iter(|| {
            let a = session
                .query::<Character>()
                .select((Character::name(), Character::details().key("gender")))
                .order_by(Character::name())
                .to_sql();
            let f = session
                .query::<Character>()
                .filter(Character::details().key("gender").eq("male"))
                .to_sql();
            let any = session
                .query::<Character>()
                .filter(Character::more_details().key("foo").any_eq(1))
                .to_sql();
            let counts = session
                .query::<Character>()
                .select(count(Character::id()))
                .to_sql();
            let group = session
                .query::<Character>()
                .select((count_star(), Character::name()))
                .group_by(Character::name())
                .order_by(count_star().desc())
                .order_by(Character::name())
                .to_sql();
            black_box((a, f, any, counts, group))
        })
    });
}

fn insert(c: &mut Criterion) {
    let client = stub_client();
    c.bench_function("insert/commit_10k_models", |b| {
        b.iter(|| {
            let mut session = Session::new(client.clone());
            session.add_all((0..ROWS).map(model));
            session.commit().expect("commit");
            session
        })
    });
    let sql = format!(
        "INSERT INTO \"characters\" ({}) VALUES ($1, $2, $3, $4, $5)",
        COLUMNS.map(|c| format!("\"{c}\"")).join(", ")
    );
    c.bench_function("insert/raw_bulk_10k_values", |b| {
        b.iter(|| {
            let rows: Vec<Vec<Value>> = (0..ROWS).map(row).collect();
            black_box(client.bulk(&sql, &rows).expect("bulk"));
            rows
        })
    });
}

fn decoding(c: &mut Criterion) {
    let body = answer_body();
    c.bench_function("decode/10k_rows_into_values", |b| {
        b.iter(|| black_box(SqlResponse::from_body("stub", &body).expect("answer")))
    });
    c.bench_function("decode/10k_rows_into_models", |b| {
        b.iter(|| {
            let mut session = offline_session();
            black_box(session.track_body::<Character>(&body).expect("rows fit"));
            session
        })
    });
}

fn flush(c: &mut Criterion) {
    let client = stub_client();
    let body = answer_body();
    c.bench_function("flush/plan_10k_one_key_updates", |b| {
        b.iter_batched(
            || {
                let (mut session, hs) = loaded(&client, &body);
                for h in hs {
                    session
                        .set_key(h, Character::details(), &["species"], "Betelgeusian")
                        .expect("set");
                }
                session
            },
            |session| black_box(session.pending_statements()),
            BatchSize::LargeInput,
        )
    });
    c.bench_function("flush/commit_10k_set_key", |b| {
        b.iter_batched(
            || loaded(&client, &body),
            |(mut session, hs)| {
                for h in hs {
                    session
                        .set_key(h, Character::details(), &["species"], "Betelgeusian")
                        .expect("set");
                }
                session.commit().expect("commit");
                session
            },
            BatchSize::LargeInput,
        )
    });
    c.bench_function("flush/commit_10k_get_mut", |b| {
        b.iter_batched(
            || loaded(&client, &body),
            |(mut session, hs)| {
                for h in hs {
                    if let Some(d) = session[h].details.as_mut() {
                        d.set("species", "Betelgeusian");
                    }
                }
                session.commit().expect("commit");
                session
            },
            BatchSize::LargeInput,
        )
    });
}

criterion_group! {
    name = benches;
    config = Criterion::default().sample_size(20);
    targets = sql_building, insert, decoding, flush
}
criterion_main!(benches);
