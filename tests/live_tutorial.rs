//! The tutorial against a real CrateDB (`CRATEDB_URL`), and again against one that speaks only
//! HTTPS, verified with its CA (`CRATEDB_TLS_URL`), asserting the seed's results. Each run is in a
//! schema of its own, dropped afterwards; prints one line and passes when its URL is unset.
#[path = "../examples/tutorial.rs"]
#[allow(dead_code)]
mod tutorial;

#[path = "../cratedb-orm/tests/live/mod.rs"]
mod live;

use cratedb_orm::{Session, Value};
use serde_json::json;
use tutorial::{Character, City, Counter, Item, Log};

#[test]
fn live_tutorial_gives_the_seed_results() {
    let Some(live) = live::connect("tutorial") else {
        return;
    };
    runs_the_tutorial(&live);
}

#[test]
fn live_tutorial_over_tls_gives_the_seed_results() {
    let Some(live) = live::connect_tls("tutorial_tls") else {
        return;
    };
    let client = format!("{:?}", live.client);
    assert!(
        client.contains("tls: true") && client.contains("verify_ssl_cert: true"),
        "CRATEDB_TLS_URL connects with TLS and verifies the node: {client}"
    );
    runs_the_tutorial(&live);
}

/// Runs the tutorial on `live.url` and checks its results and what it left in the database.
fn runs_the_tutorial(live: &live::Live) {
    let mut out = Vec::new();
    let results = tutorial::run(&live.url, &mut out)
        .unwrap_or_else(|e| panic!("tutorial failed: {e}\n{}", String::from_utf8_lossy(&out)));
    let printed = String::from_utf8_lossy(&out).to_string();
    println!("{printed}");
    // The URL's schema (this run's own) is the one it works in, and says so before the DROPs.
    let notice = format!(
        "=> in schema {} (and nowhere else): characters",
        live.schema
    );
    assert!(printed.contains(&notice), "{printed}");
    let some = |s: &str| Some(s.to_string());
    assert_eq!(
        results.names_genders,
        vec![
            (some("Arthur Dent"), json!("male")),
            (some("Tricia McMillan"), json!("female"))
        ]
    );
    assert_eq!(results.genders, vec![json!("female"), json!("male")]);
    assert_eq!(results.male, vec![some("Arthur Dent")]);
    assert_eq!(results.any_foo_1, vec![some("Arthur Dent")]);
    assert_eq!(
        results.foo_by_name,
        vec![Some(vec![json!(1), json!(2), json!(3)]), None]
    );
    assert_eq!(results.count_id, 2);
    assert_eq!(results.count_star, 2);
    assert_eq!(
        results.count_by_name,
        vec![(1, some("Arthur Dent")), (1, some("Tricia McMillan"))]
    );
    assert_eq!(results.arthur_foo, vec![json!(1), json!(2), json!(3)]);
    assert_eq!(results.fulltext_arthur, vec![some("Arthur Dent")]);
    assert_eq!(results.space_quotes, vec![some("Tricia McMillan")]);

    // What each write step left in the database, read by a session of its own.
    let mut s = Session::new(live.client.clone());
    let characters = s
        .query::<Character>()
        .order_by(Character::name())
        .all()
        .expect("characters");
    assert_eq!(characters.len(), 2);
    let (arthur, trillian) = (&s[characters[0]], &s[characters[1]]);
    let details = |c: &Character| c.details.clone().map(Value::from);
    // Arthur: species changed by a one-key update; the array set, then appended to.
    assert_eq!(
        details(arthur),
        Some(json!({"gender": "male", "species": "Betelgeusian"}))
    );
    assert_eq!(
        arthur.more_details.clone().map(Value::from),
        Some(json!([{"foo": 1, "bar": 10}, {"foo": 2}, {"foo": 3}]))
    );
    assert_eq!(arthur.name_normalized.as_deref(), Some("arthur dent"));
    assert!(arthur.created_at.is_some());
    // Trillian: the removed key is NULL.
    assert_eq!(
        details(trillian),
        Some(json!({"gender": "female", "species": "human", "female_only_attribute": null}))
    );
    assert_eq!(trillian.more_details, None);
    assert_eq!(trillian.quote, "We're on a space ship Arthur. In space.");

    // The log entry under the _id the session read back, the item under its server-made key
    // (the tutorial refreshed only its characters).
    live.refresh("logs");
    live.refresh("items");
    let logs = s.query::<Log>().all().expect("logs");
    assert_eq!(logs.len(), 1);
    assert!(results.log_id.is_some());
    assert_eq!(s[logs[0]].id, results.log_id);
    assert_eq!(s[logs[0]].message, "Arthur Dent met Tricia McMillan");
    // `ts` was left to current_timestamp: read back after the insert, and stored so.
    let ts = results.log_ts.expect("ts read back");
    assert!(ts > 1_700_000_000_000, "a time of insertion: {ts}");
    assert_eq!(s[logs[0]].ts.map(|t| t.millis()), Some(ts));
    // The counters' keys: insertion times made by now(), one each, each stored.
    let ids: Vec<i64> = results.counter_ids.iter().flatten().copied().collect();
    assert_eq!(ids.len(), 3);
    // Distinct, not necessarily in order: a counter that met another's millisecond (4091)
    // lands in the tutorial's next commit, after the one behind it.
    let mut distinct = ids.clone();
    distinct.sort_unstable();
    distinct.dedup();
    assert_eq!(distinct.len(), 3, "one millisecond each: {ids:?}");
    for id in ids {
        let c = s
            .find::<Counter>(id)
            .expect("find")
            .expect("the counter's row");
        assert!((1..=3).contains(&s[c].count));
    }
    let items = s.query::<Item>().all().expect("items");
    assert_eq!(items.len(), 1);
    assert!(results.item_id.is_some());
    assert_eq!(s[items[0]].id, results.item_id);
    assert_eq!(s[items[0]].name, "Towel");

    // Tokyo, its point quantised by the geo index, its area as sent.
    let tokyo = s
        .find::<City>("Tokyo")
        .expect("find")
        .expect("Tokyo is stored");
    let point = s[tokyo].coordinate.expect("coordinate");
    assert!((point.lon - 139.76).abs() < 1e-6 && (point.lat - 35.68).abs() < 1e-6);
    let area = s[tokyo].area.as_ref().expect("area");
    assert_eq!(area.geometry_type(), "Polygon");
}
