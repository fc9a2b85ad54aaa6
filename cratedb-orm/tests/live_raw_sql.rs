//! Raw SQL against a real CrateDB (`CRATEDB_URL`): statements with bound parameters of every
//! kind, rows decoded by position into tuples, by name into models (untracked or tracked by a
//! session, then changed and committed), `RETURNING`, DDL row counts, and the client's own
//! `sql` / `query_as` / `bulk`.

mod live;

use cratedb_orm::raw::raw;
use cratedb_orm::{object, CrateModel, GeoPoint, Object, Session, TimestampTz, Value};
use serde_json::json;

#[derive(CrateModel, Debug, Clone, Default, PartialEq)]
#[cratedb(table = "events", number_of_shards = 3, number_of_replicas = "0")]
struct Event {
    #[cratedb(primary_key)]
    id: i64,
    kind: String,
    at: TimestampTz,
    payload: Option<Object>,
    place: Option<GeoPoint>,
    tags: Option<Vec<String>>,
}

#[test]
fn live_raw_statements_bind_decode_and_track() {
    let Some(live) = live::connect("raw_sql") else {
        return;
    };
    let client = &live.client;
    // DDL: CREATE answers rowcount 1, CREATE … IF NOT EXISTS on an existing table 0.
    let create = cratedb_orm::ddl::create_table(Event::meta());
    assert_eq!(raw(create.as_str()).execute(client).expect("create"), 1);
    let again = cratedb_orm::ddl::create_table_if_not_exists(Event::meta());
    assert_eq!(
        raw(again.as_str()).execute(client).expect("create again"),
        0
    );

    // Every kind of parameter, `$n` and `?` placeholders.
    let insert = r#"INSERT INTO "events" ("id", "kind", "at", "payload", "place", "tags") VALUES ($1, $2, $3, $4, $5, $6)"#;
    for id in 1..=3i64 {
        let n = raw(insert)
            .bind(id)
            .bind(if id == 2 { "crash" } else { "boot" })
            .bind(TimestampTz::from_millis(1_700_000_000_000 + id))
            .bind(object! { "n": id, "it's": ["a", "b"] })
            .bind(GeoPoint::from((9.74, 47.41)))
            .bind(vec![format!("t{id}")])
            .execute(client)
            .expect("insert");
        assert_eq!(n, 1);
    }
    let n = raw(r#"INSERT INTO "events" ("id", "kind", "at") VALUES (?, ?, ?)"#)
        .bind(4i64)
        .bind("idle")
        .bind("2024-01-02T03:04:05.678Z")
        .execute(client)
        .expect("insert with ? and an ISO timestamp");
    assert_eq!(n, 1);
    live.refresh("events");

    // Rows by position into tuples; timestamps come back as epoch milliseconds.
    let rows: Vec<(i64, String, TimestampTz, Option<Vec<String>>)> =
        raw(r#"SELECT "id", "kind", "at", "tags" FROM "events" WHERE "id" >= $1 ORDER BY "id""#)
            .bind(2)
            .fetch(client)
            .expect("fetch tuples");
    assert_eq!(
        rows,
        vec![
            (
                2,
                "crash".into(),
                TimestampTz::from_millis(1_700_000_000_002),
                Some(vec!["t2".into()])
            ),
            (
                3,
                "boot".into(),
                TimestampTz::from_millis(1_700_000_000_003),
                Some(vec!["t3".into()])
            ),
            (
                4,
                "idle".into(),
                TimestampTz::from_millis(1_704_164_645_678),
                None
            ),
        ]
    );
    // Object keys by subscript, as JSON values.
    let rows: Vec<Vec<Value>> =
        raw(r#"SELECT "payload"['n'], "payload"['it''s'], "place" FROM "events" WHERE "id" = $1"#)
            .bind(1)
            .fetch(client)
            .expect("fetch values");
    assert_eq!(rows.len(), 1);
    assert_eq!(rows[0][0], json!(1));
    assert_eq!(rows[0][1], json!(["a", "b"]));
    let place = rows[0][2].as_array().expect("[lon, lat]");
    assert!(
        (place[0].as_f64().unwrap_or(0.0) - 9.74).abs() < 1e-6,
        "{place:?}"
    );

    // Rows by column name into models, whatever the column order; untracked.
    let models: Vec<Event> =
        raw(r#"SELECT "tags", "payload", "kind", "id", "at", "place" FROM "events" ORDER BY "id""#)
            .fetch_models(client)
            .expect("fetch models");
    assert_eq!(models.len(), 4);
    assert_eq!(models[3].kind, "idle");
    assert_eq!(
        models[0].payload.clone().map(Value::from),
        Some(json!({ "n": 1, "it's": ["a", "b"] }))
    );

    // Tracked by a session: changed, then committed as a minimal UPDATE.
    let mut s = Session::new(client.clone());
    let tracked = raw(r#"SELECT * FROM "events" WHERE "kind" = $1"#)
        .bind("boot")
        .track::<Event>(&mut s)
        .expect("track");
    assert_eq!(tracked.len(), 2);
    for &h in &tracked {
        s[h].payload.as_mut().expect("payload").set("seen", true);
    }
    let pending = s.pending_statements();
    assert_eq!(pending.len(), 1);
    assert_eq!(
        pending[0].sql,
        r#"UPDATE "events" SET "payload"['seen'] = $1 WHERE "id" = $2"#
    );
    s.commit().expect("commit tracked");
    live.refresh("events");
    let seen: Vec<(i64, Value)> =
        raw(r#"SELECT "id", "payload"['seen'] FROM "events" WHERE "id" = $1 OR "id" = $2 ORDER BY "id""#)
            .bind(1)
            .bind(3)
            .fetch(client)
            .expect("seen");
    assert_eq!(seen, vec![(1, json!(true)), (3, json!(true))]);

    // RETURNING, and the raw response.
    let response = raw(r#"UPDATE "events" SET "kind" = $1 WHERE "id" = $2 RETURNING "id", "kind""#)
        .bind("reboot")
        .bind(3)
        .response(client)
        .expect("update returning");
    assert_eq!(response.cols, vec!["id", "kind"]);
    assert_eq!(response.rows, vec![vec![json!(3), json!("reboot")]]);
    assert_eq!(response.rowcount, 1);
    let n = raw(r#"DELETE FROM "events" WHERE "id" = $1"#)
        .bind(4)
        .execute(client)
        .expect("delete");
    assert_eq!(n, 1);

    // BEGIN and COMMIT are accepted and do nothing.
    raw("BEGIN").execute(client).expect("BEGIN");
    raw("COMMIT").execute(client).expect("COMMIT");
}

#[test]
fn live_the_client_alone() {
    let Some(live) = live::connect("raw_client") else {
        return;
    };
    let client = &live.client;
    client
        .sql(
            r#"CREATE TABLE "pairs" ("k" TEXT PRIMARY KEY, "v" BIGINT) WITH (number_of_replicas = '0')"#,
            &[] as &[Value],
        )
        .expect("create");
    let bulk = client
        .bulk(
            r#"INSERT INTO "pairs" ("k", "v") VALUES ($1, $2)"#,
            &vec![
                vec![json!("a"), json!(1)],
                vec![json!("b"), json!(2)],
                vec![json!("a"), json!(3)],
            ],
        )
        .expect("bulk");
    assert_eq!(bulk.failed_rows(), vec![2]);
    assert_eq!(bulk.results[2].error.as_ref().map(|e| e.code), Some(4091));
    client
        .sql(r#"REFRESH TABLE "pairs""#, &[] as &[Value])
        .expect("refresh");
    let rows = client
        .query_as::<(String, i64), _>(
            r#"SELECT "k", "v" FROM "pairs" WHERE "v" < $1 ORDER BY "k""#,
            &(10,),
        )
        .expect("query_as");
    assert_eq!(rows.rows, vec![("a".to_string(), 1), ("b".to_string(), 2)]);
    assert_eq!(rows.cols, vec!["k", "v"]);
    let r = client
        .sql(r#"SELECT count(*) FROM "pairs""#, &[] as &[Value])
        .expect("count");
    assert_eq!(r.rows, vec![vec![json!(2)]]);
    assert!(r.duration >= 0.0);
    assert_eq!(client.default_schema(), Some(live.schema.as_str()));
}
