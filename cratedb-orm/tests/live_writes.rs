//! Inserts, deletes, upserts, `update_where` and `delete_where` against a real CrateDB
//! (`CRATEDB_URL`): the session's two insert paths (a bulk request for rows without
//! server-made values, one multi-row `INSERT … RETURNING` for rows with them, split under
//! `statement_max_length`), every column type read back as CrateDB stores it, deletes in one
//! bulk request, and the statement-level writes of `write::*` with their row counts and
//! `RETURNING` rows.

mod live;
mod models;

use cratedb_orm::write::{delete_where, insert_many, update_where, upsert};
use cratedb_orm::{
    object, CrateModel, FloatVector, GeoPoint, Object, ObjectArray, Session, Timestamp, TimestampTz,
};
use models::Character;
use serde_json::json;

/// Every column type, and no value made by the server: inserted by a bulk request.
#[derive(CrateModel, Debug, Clone, Default, PartialEq)]
#[cratedb(table = "readings", number_of_shards = 3, number_of_replicas = "0")]
struct Reading {
    #[cratedb(primary_key)]
    id: String,
    sensor: String,
    value: f64,
    count: i64,
    small: Option<i32>,
    ok: bool,
    at: TimestampTz,
    local: Option<Timestamp>,
    tags: Vec<String>,
    samples: Option<Vec<i64>>,
    info: Option<Object>,
    history: Option<ObjectArray>,
    location: Option<GeoPoint>,
    embedding: Option<FloatVector<2>>,
}

fn reading(n: i64) -> Reading {
    Reading {
        id: format!("r{n:04}"),
        sensor: format!("sensor-{}", n % 7),
        value: n as f64 / 3.0,
        count: n * 1_000_000_007,
        small: (n % 2 == 0).then_some(n as i32),
        ok: n % 3 == 0,
        at: TimestampTz::from_millis(1_700_000_000_000 + n),
        local: Some(Timestamp::from_millis(1_600_000_000_123 + n)),
        tags: vec![format!("t{}", n % 5), "all".into()],
        // The largest BIGINT CrateDB stores is i64::MAX - 1 (i64::MAX and i64::MIN are refused).
        samples: Some(vec![n, -n, i64::MAX - 1 - n]),
        // Keys in no particular order; CrateDB returns them in its own.
        info: Some(object! {
            "zeta": n,
            "alpha": { "nested": format!("v{n}"), "flag": true },
            "größe": 1.5,
            "it's": "quoted",
        }),
        history: Some(ObjectArray::from(vec![
            object! { "step": 1, "note": "first" },
            object! { "step": 2 },
        ])),
        location: Some(GeoPoint::from((13.4 + n as f64 / 1000.0, 52.5))),
        embedding: Some(FloatVector([n as f32, 0.5])),
    }
}

/// Whether two points are equal up to the geo index's quantisation (about 1e-7 degrees).
fn near(a: Option<GeoPoint>, b: Option<GeoPoint>) -> bool {
    match (a, b) {
        (Some(a), Some(b)) => (a.lon - b.lon).abs() < 1e-6 && (a.lat - b.lat).abs() < 1e-6,
        (a, b) => a == b,
    }
}

/// `r` with its location replaced by the expected one when they are equal up to
/// quantisation (so the rest compares exactly).
fn with_location_of(mut r: Reading, expected: &Reading) -> Reading {
    assert!(
        near(r.location, expected.location),
        "{:?} vs {:?}",
        r.location,
        expected.location
    );
    r.location = expected.location;
    r
}

#[test]
fn live_session_bulk_inserts_read_back_every_type_as_sent() {
    let Some(live) = live::connect("writes_bulk") else {
        return;
    };
    live.create::<Reading>();
    let (client, log) = live.logging_client();
    let mut s = Session::new(client.clone());
    let handles = s.add_all((0..500).map(reading));
    s.commit().expect("insert 500");
    let sent = log.take();
    assert_eq!(sent.len(), 1, "{sent:?}");
    assert!(sent[0].sql.starts_with(r#"INSERT INTO "readings" ("#));
    assert!(!sent[0].sql.contains("RETURNING"));
    assert_eq!(sent[0].bulk_rows, Some(500));
    assert!(handles.iter().all(|&h| !s.is_pending(h)));

    // By primary key (real-time), in a fresh session: every value as sent, objects with
    // their keys in whatever order.
    let mut fresh = Session::new(client.clone());
    for n in [0, 1, 2, 250, 499] {
        let expected = reading(n);
        let h = fresh
            .find::<Reading>(expected.id.as_str())
            .expect("find")
            .expect("row");
        assert_eq!(with_location_of(fresh[h].clone(), &expected), expected);
    }

    // By a query after a refresh: all 500, equal to what was sent.
    live.refresh("readings");
    let mut loaded = Session::new(client.clone());
    let all = loaded
        .query::<Reading>()
        .order_by(Reading::id())
        .limit(1000)
        .all()
        .expect("load");
    assert_eq!(all.len(), 500);
    for (n, &h) in all.iter().enumerate() {
        let expected = reading(n as i64);
        assert_eq!(with_location_of(loaded[h].clone(), &expected), expected);
    }
    // Loaded and unchanged: a commit sends nothing.
    loaded.commit().expect("no-op");
    assert!(log.take().iter().all(|s| s.sql.starts_with("SELECT")));
}

#[test]
fn live_multi_row_insert_returning_gives_each_model_its_own_server_values() {
    let Some(live) = live::connect("writes_returning") else {
        return;
    };
    live.create::<Character>();
    let (client, log) = live.logging_client();
    let mut s = Session::new(client.clone());
    let before = TimestampTz::now().millis();
    let handles = s.add_all((0..300).map(|n| Character {
        id: Some(format!("c{n:03}")),
        name: Some(format!("Name Number {n}")),
        quote: format!("quote {n}"),
        details: Some(object! { "n": n, "b": { "y": 2, "x": 1 }, "a": "first" }),
        ..Character::default()
    }));
    s.commit().expect("insert 300");
    let after = TimestampTz::now().millis();
    let sent = log.take();
    assert_eq!(sent.len(), 1, "{sent:?}");
    assert!(sent[0].sql.contains(" RETURNING "), "{}", sent[0].sql);
    assert_eq!(sent[0].bulk_rows, None);

    // CrateDB returns the rows in shard order (3 shards), not in VALUES order: each model
    // still gets the values of its own row.
    for (n, &h) in handles.iter().enumerate() {
        let c = &s[h];
        assert_eq!(c.id, Some(format!("c{n:03}")));
        assert_eq!(
            c.name_normalized.as_deref(),
            Some(format!("name number {n}").as_str()),
            "generated column of {:?}",
            c.id
        );
        let created = c.created_at.expect("DEFAULT now() read back").millis();
        assert!(
            (before - 1000..=after + 1000).contains(&created),
            "{created} not in {before}..{after}"
        );
    }
    // The server's values are what is stored.
    let mut fresh = Session::new(client.clone());
    for n in [0usize, 150, 299] {
        let h = fresh
            .find::<Character>(format!("c{n:03}").as_str())
            .expect("find")
            .expect("row");
        assert_eq!(fresh[h], s[handles[n]]);
    }
}

#[test]
fn live_a_large_multi_row_insert_is_split_under_statement_max_length() {
    let Some(live) = live::connect("writes_split") else {
        return;
    };
    live.create::<Character>();
    let (client, log) = live.logging_client();
    let mut s = Session::new(client.clone());
    let handles = s.add_all((0..10_000).map(|n| Character {
        name: Some(format!("N{n}")),
        quote: "q".into(),
        ..Character::default()
    }));
    s.commit().expect("insert 10,000");
    let sent = log.take();
    assert!(sent.len() >= 2, "{} statements", sent.len());
    for stmt in &sent {
        assert!(stmt.ok && stmt.sql.contains(" RETURNING "));
        assert!(stmt.sql.len() <= 262_144, "{} characters", stmt.sql.len());
    }
    assert!(handles
        .iter()
        .all(|&h| !s.is_pending(h) && s[h].created_at.is_some()));
    live.refresh("characters");
    assert_eq!(s.query::<Character>().count().expect("count"), 10_000);
}

#[test]
fn live_deletes_are_one_bulk_request_and_a_row_gone_already_counts_as_deleted() {
    let Some(live) = live::connect("writes_delete") else {
        return;
    };
    live.create::<Reading>();
    let (client, log) = live.logging_client();
    let mut rows: Vec<Reading> = (0..10).map(reading).collect();
    insert_many(&mut rows).execute(&client).expect("insert");
    live.refresh("readings");
    log.take();

    let mut s = Session::new(client.clone());
    let all = s
        .query::<Reading>()
        .order_by(Reading::id())
        .all()
        .expect("load");
    for &h in &all[..4] {
        s.delete(h);
    }
    s.commit().expect("delete 4");
    let sent = log.take();
    let deletes: Vec<_> = sent
        .iter()
        .filter(|s| s.sql.starts_with("DELETE"))
        .collect();
    assert_eq!(deletes.len(), 1, "{sent:?}");
    assert_eq!(deletes[0].sql, r#"DELETE FROM "readings" WHERE "id" = $1"#);
    assert_eq!(deletes[0].bulk_rows, Some(4));
    let mut fresh = Session::new(client.clone());
    for n in 0..10 {
        let found = fresh
            .find::<Reading>(format!("r{n:04}").as_str())
            .expect("find");
        assert_eq!(found.is_some(), n >= 4, "r{n:04}");
    }

    // Another session deletes a row this one still holds: deleting it here finds it gone,
    // which is what was asked.
    let mut other = Session::new(client.clone());
    let h = other.find::<Reading>("r0004").expect("find").expect("row");
    other.delete(h);
    other.commit().expect("other deletes");
    s.delete(all[4]);
    s.delete(all[5]);
    s.commit()
        .expect("deleting a row that is gone already is done");
    // (A new session: `fresh` tracks r0005 from its earlier find, and `find` answers from
    // the identity map first.)
    let stored = |id: &str| {
        Session::new(client.clone())
            .find::<Reading>(id)
            .expect("find")
            .is_some()
    };
    assert!(!stored("r0004") && !stored("r0005"));

    // A deleted key can be inserted again.
    s.add(reading(5));
    s.commit().expect("insert again");
    assert!(stored("r0005"));
}

#[derive(CrateModel, Debug, Clone, Default, PartialEq)]
#[cratedb(table = "stock", number_of_shards = 3, number_of_replicas = "0")]
struct Stock {
    #[cratedb(primary_key)]
    sku: String,
    name: String,
    qty: i64,
    price: Option<f64>,
    attrs: Option<Object>,
}

fn stock(sku: &str, name: &str, qty: i64) -> Stock {
    Stock {
        sku: sku.into(),
        name: name.into(),
        qty,
        price: Some(1.5),
        attrs: Some(object! { "color": "red", "size": { "w": 1, "h": 2 } }),
    }
}

#[test]
fn live_upsert_update_where_and_delete_where() {
    let Some(live) = live::connect("writes_where") else {
        return;
    };
    live.create::<Stock>();
    let client = live.client.clone();
    let mut rows = vec![stock("a", "Towel", 1), stock("b", "Tea", 2)];
    assert_eq!(insert_many(&mut rows).execute(&client).expect("insert"), 2);

    // upsert: one new row, one updated in every column.
    let mut rows = vec![
        Stock {
            price: None,
            attrs: None,
            ..stock("a", "Big towel", 10)
        },
        stock("c", "Babel fish", 3),
    ];
    assert_eq!(upsert(&mut rows).execute(&client).expect("upsert"), 2);
    let mut s = Session::new(client.clone());
    let a = s.find::<Stock>("a").expect("find").expect("row");
    assert_eq!(
        s[a],
        Stock {
            price: None,
            attrs: None,
            ..stock("a", "Big towel", 10)
        }
    );

    // ON CONFLICT DO NOTHING: the existing row is kept, the new one lands; CrateDB counts
    // only the inserted row.
    let mut rows = vec![stock("b", "Other tea", 99), stock("d", "Peanuts", 4)];
    let n = insert_many(&mut rows)
        .on_conflict_do_nothing()
        .execute(&client)
        .expect("do nothing");
    assert_eq!(n, 1);
    // ON CONFLICT DO UPDATE SET of one column.
    let mut rows = vec![stock("b", "Not this name", 20)];
    insert_many(&mut rows)
        .on_conflict_update(Stock::qty())
        .execute(&client)
        .expect("update qty");
    let mut fresh = Session::new(client.clone());
    let b = fresh.find::<Stock>("b").expect("find").expect("row");
    assert_eq!((fresh[b].name.as_str(), fresh[b].qty), ("Tea", 20));

    // insert_many(…).returning: rows come back in the server's order.
    let mut rows = vec![stock("e", "Gin", 5), stock("f", "Tonic", 6)];
    let mut got: Vec<(String, i64)> = insert_many(&mut rows)
        .returning((Stock::sku(), Stock::qty()))
        .fetch(&client)
        .expect("insert returning");
    got.sort();
    assert_eq!(got, vec![("e".into(), 5), ("f".into(), 6)]);

    // update_where on non-key columns sees only refreshed rows, as a user's must.
    live.refresh("stock");
    let n = update_where::<Stock, _>(Stock::qty().lt(5))
        .set(Stock::qty(), Stock::qty() + 100)
        .set_key(Stock::attrs(), ["size", "w"], 7)
        .set_key(Stock::attrs(), ["größe"], "groß")
        .execute(&client)
        .expect("update where");
    assert_eq!(n, 2, "c (3) and d (4)");
    let mut updated: Vec<(String, i64, serde_json::Value)> =
        update_where::<Stock, _>(Stock::sku().in_list(["e", "f"]))
            .set(Stock::price(), 9.5)
            .returning((Stock::sku(), Stock::qty(), Stock::attrs().key("size")))
            .fetch(&client)
            .expect("update returning");
    updated.sort_by(|x, y| x.0.cmp(&y.0));
    assert_eq!(
        updated,
        vec![
            ("e".into(), 5, json!({"w": 1, "h": 2})),
            ("f".into(), 6, json!({"w": 1, "h": 2}))
        ]
    );
    live.refresh("stock");
    let mut check = Session::new(client.clone());
    let rows: Vec<(String, i64, Option<f64>, serde_json::Value)> = check
        .query::<Stock>()
        .select((
            Stock::sku(),
            Stock::qty(),
            Stock::price(),
            Stock::attrs().key("size"),
        ))
        .order_by(Stock::sku())
        .all()
        .expect("rows");
    assert_eq!(
        rows,
        vec![
            ("a".into(), 10, None, json!(null)),
            ("b".into(), 20, Some(1.5), json!({"w": 1, "h": 2})),
            ("c".into(), 103, Some(1.5), json!({"w": 7, "h": 2})),
            ("d".into(), 104, Some(1.5), json!({"w": 7, "h": 2})),
            ("e".into(), 5, Some(9.5), json!({"w": 1, "h": 2})),
            ("f".into(), 6, Some(9.5), json!({"w": 1, "h": 2})),
        ]
    );
    let c = check.find::<Stock>("c").expect("find").expect("row");
    assert_eq!(
        check[c].attrs.as_ref().and_then(|a| a.get("größe")),
        Some(&json!("groß"))
    );

    // delete_where.
    let n = delete_where::<Stock, _>(Stock::qty().gt(100))
        .execute(&client)
        .expect("delete where");
    assert_eq!(n, 2);
    let n = delete_where::<Stock, _>(Stock::qty().gt(100))
        .execute(&client)
        .expect("delete where, again");
    assert_eq!(n, 0);
    live.refresh("stock");
    assert_eq!(check.query::<Stock>().count().expect("count"), 4);
}

#[test]
fn live_insert_returning_may_answer_null_for_an_object_it_stored() {
    let Some(live) = live::connect("writes_returning_null") else {
        return;
    };
    live.create::<Stock>();
    let client = live.client.clone();
    // A fresh table: the first rows with objects make CrateDB's dynamic mapping grow.
    let mut rows: Vec<Stock> = (0..12)
        .map(|n| stock(&format!("s{n:02}"), "Towel", n))
        .collect();
    let returned: Vec<(String, Option<Object>)> = insert_many(&mut rows)
        .returning((Stock::sku(), Stock::attrs()))
        .fetch(&client)
        .expect("insert returning");
    assert_eq!(returned.len(), 12);
    let sent = stock("x", "x", 0).attrs;
    // Each returned object is the one sent, or NULL: the rows of a shard that waited for the
    // mapping update come back without it (CrateDB 6.4.3).
    let nulls = returned.iter().filter(|(_, a)| a.is_none()).count();
    assert!(
        returned.iter().all(|(_, a)| a.is_none() || *a == sent),
        "{returned:?}"
    );
    eprintln!("{nulls} of 12 objects came back NULL from INSERT … RETURNING");
    // What is stored is what was sent.
    let mut s = Session::new(client.clone());
    for n in 0..12 {
        let h = s
            .find::<Stock>(format!("s{n:02}").as_str())
            .expect("find")
            .expect("row");
        assert_eq!(s[h].attrs, sent, "s{n:02}");
    }
}
