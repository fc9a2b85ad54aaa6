//! Micro-benchmarks of the ORM's own work (no I/O): SQL building for the seed's queries,
//! encoding a 10,000-row bulk insert, decoding 10,000 rows into models vs into JSON values,
//! and planning the flush of 10,000 changed models.
//!
//! ```text
//! cargo bench -p cratedb-orm --bench orm
//! ```

use std::hint::black_box;

use cratedb_orm::expr::{count, count_star};
use cratedb_orm::session::StatementArgs;
use cratedb_orm::{object, Client, CrateModel, Object, ObjectArray, RowLayout, Session, Value};
use criterion::{criterion_group, criterion_main, Criterion};
use serde_json::json;

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

fn model(n: usize) -> Character {
    Character {
        id: format!("id-{n:08}"),
        name: Some(format!("Character {n}")),
        quote: "We're on a space ship Arthur. In space.".into(),
        details: Some(object! { "gender": "male", "species": "human", "age": n % 90 }),
        more_details: Some(ObjectArray::from(vec![
            object! { "foo": 1, "bar": 10 },
            object! { "foo": 2 },
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

fn offline_session() -> Session {
    Session::new(Client::new("crate://127.0.0.1:9").expect("valid URL"))
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

fn bulk_insert_encoding(c: &mut Criterion) {
    c.bench_function("insert/encode_10k_models", |b| {
        b.iter_batched(
            || {
                let mut session = offline_session();
                session.add_all((0..ROWS).map(model));
                session
            },
            |session| {
                let statements = session.pending_statements();
                let body = match &statements[0].args {
                    StatementArgs::Bulk(rows) => serde_json::to_vec(rows).expect("serializable"),
                    StatementArgs::Single(args) => serde_json::to_vec(args).expect("serializable"),
                };
                black_box(body.len())
            },
            criterion::BatchSize::LargeInput,
        )
    });
}

fn decoding(c: &mut Criterion) {
    let cols: Vec<String> = ["id", "name", "quote", "details", "more_details"]
        .map(String::from)
        .to_vec();
    let body =
        serde_json::to_vec(&json!({"cols": cols, "rows": (0..ROWS).map(row).collect::<Vec<_>>()}))
            .expect("serializable");
    c.bench_function("decode/10k_rows_into_values", |b| {
        b.iter(|| {
            let v: Value = serde_json::from_slice(&body).expect("json");
            black_box(v)
        })
    });
    c.bench_function("decode/10k_rows_into_models", |b| {
        b.iter(|| {
            let v: Value = serde_json::from_slice(&body).expect("json");
            let layout = RowLayout::new(Character::meta(), &cols);
            let models: Vec<Character> = match v {
                Value::Object(mut body) => match body.remove("rows") {
                    Some(Value::Array(rows)) => rows
                        .into_iter()
                        .filter_map(|r| match r {
                            Value::Array(mut cells) => {
                                Character::from_row(&layout, &mut cells).ok()
                            }
                            _ => None,
                        })
                        .collect(),
                    _ => Vec::new(),
                },
                _ => Vec::new(),
            };
            black_box(models)
        })
    });
}

fn flush_diff(c: &mut Criterion) {
    c.bench_function("flush/plan_10k_one_key_updates", |b| {
        b.iter_batched(
            || {
                let mut session = offline_session();
                let handles: Vec<_> = (0..ROWS).map(|n| session.attach(model(n))).collect();
                for &h in &handles {
                    if let Some(d) = session[h].details.as_mut() {
                        d.set("species", "Betelgeusian");
                    }
                }
                session
            },
            |session| black_box(session.pending_statements()),
            criterion::BatchSize::LargeInput,
        )
    });
}

criterion_group! {
    name = benches;
    config = Criterion::default().sample_size(20);
    targets = sql_building, bulk_insert_encoding, decoding, flush_diff
}
criterion_main!(benches);
