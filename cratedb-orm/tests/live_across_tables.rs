//! Queries across tables on the real server, each checked against the same query written by
//! hand: joins of every kind (tuples of tracked models, `Option` on the optional side),
//! partial selections across tables, a self-join through an alias, subqueries with bound
//! values (`IN`, correlated `EXISTS`, scalar subqueries), `WITH`, subqueries in `FROM`,
//! `UNION [ALL]`, window functions, the latest row per group, an expression in SELECT and
//! GROUP BY with a bound value, `ANY` on an object key holding an array, and relationships
//! (joins through the declared key, eager loading in one query per relation).

mod fleet;
mod live;

use std::collections::BTreeMap;

use cratedb_orm::expr::{
    avg, count_star, function, max, param, Frame, FrameEnd, FrameStart, Window,
};
use cratedb_orm::query::Select;
use cratedb_orm::{object, Client, Session, TimestampTz, Value};
use fleet::{Alert, Device, Gateway, Reading, Recent};
use serde_json::json;

const HOUR: i64 = 3_600_000;
/// 2026-01-01T00:00:00Z.
const START: i64 = 1_767_225_600_000;

/// Two gateways, four devices under them (d4 has no alerts, d3 no readings), 48 hourly
/// readings per device with readings, alerts of several severities.
fn fleet(live: &live::Live) -> Client {
    live.create::<Device>();
    live.create::<Reading>();
    live.create::<Alert>();
    let mut s = Session::new(live.client.clone());
    for (id, parent) in [
        ("gw-1", None),
        ("gw-2", None),
        ("d1", Some("gw-1")),
        ("d2", Some("gw-1")),
        ("d3", Some("gw-2")),
        ("d4", Some("gw-2")),
    ] {
        let zones: Vec<&str> = match id {
            "d1" | "d3" => vec!["depot", "yard"],
            "d2" => vec!["yard"],
            _ => Vec::new(),
        };
        s.add(Device {
            id: id.into(),
            name: format!("{id}-name"),
            parent_id: parent.map(Into::into),
            tags: Some(object! { "zones": zones }),
        });
    }
    for (k, device) in ["d1", "d2", "d4"].into_iter().enumerate() {
        for h in 0..48_i64 {
            s.add(Reading {
                device_id: device.into(),
                ts: TimestampTz(START + h * HOUR),
                day: None,
                temp: 10.0 + k as f64 * 5.0 + (h % 12) as f64,
            });
        }
    }
    for (i, (device, severity)) in [
        ("d1", 1),
        ("d1", 4),
        ("d1", 5),
        ("d2", 2),
        ("d3", 4),
        ("gw-1", 3),
    ]
    .into_iter()
    .enumerate()
    {
        s.add(Alert {
            id: format!("a{i}"),
            device_id: device.into(),
            severity,
            message: format!("alert {i} of {device}"),
        });
    }
    s.commit().unwrap_or_else(|e| panic!("fleet: {e}"));
    for table in ["devices", "readings", "alerts"] {
        live.refresh(table);
    }
    live.client.clone()
}

/// The rows of a hand-written query.
fn raw(client: &Client, sql: &str, args: &[Value]) -> Vec<Vec<Value>> {
    client
        .sql(sql, args)
        .unwrap_or_else(|e| panic!("{sql}: {e}"))
        .rows
}

#[test]
fn live_joins_of_every_kind_match_the_hand_written_query() {
    let Some(live) = live::connect("joins") else {
        return;
    };
    let client = fleet(&live);
    let mut s = Session::new(client.clone());

    // Readings with their device's name: a partial selection across two tables.
    let rows: Vec<(String, TimestampTz, String)> = s
        .query::<Reading>()
        .join::<Device>()
        .on(Reading::device_id().eq(Device::id()))
        .filter(Reading::temp().ge(20.0))
        .select((Reading::device_id(), Reading::ts(), Device::name()))
        .order_by((Reading::device_id(), Reading::ts()))
        .limit(1000)
        .all()
        .expect("join");
    let expected = raw(
        &client,
        "SELECT r.device_id, r.ts, d.name FROM readings r JOIN devices d ON r.device_id = d.id \
         WHERE r.temp >= $1 ORDER BY r.device_id, r.ts LIMIT 1000",
        &[json!(20.0)],
    );
    assert_eq!(rows.len(), expected.len());
    for (row, e) in rows.iter().zip(&expected) {
        assert_eq!(
            (json!(row.0), json!(row.1 .0), json!(row.2)),
            (e[0].clone(), e[1].clone(), e[2].clone())
        );
    }

    // Whole models: tuples of tracked models; one device in many rows is one model.
    let pairs = s
        .query::<Reading>()
        .join::<Device>()
        .on(Reading::device_id().eq(Device::id()))
        .filter(Device::id().eq("d1"))
        .order_by(Reading::ts())
        .all()
        .expect("join models");
    assert_eq!(pairs.len(), 48);
    assert!(pairs.iter().all(|(_, d)| *d == pairs[0].1));
    let (reading, device) = pairs[0];
    assert_eq!(s[reading].device_id, "d1");
    assert_eq!(s[device].name, "d1-name");
    // Tracked like any loaded model: change one, commit, minimal UPDATE.
    s[device].name = "d1-renamed".into();
    assert_eq!(
        s.pending_statements()[0].sql,
        r#"UPDATE "devices" SET "name" = $1 WHERE "id" = $2"#
    );
    s.commit().expect("update through a join");
    let mut check = Session::new(client.clone());
    let d1 = check.find::<Device>("d1").expect("find").expect("d1");
    assert_eq!(check[d1].name, "d1-renamed");

    // LEFT JOIN: every device, its alerts or None.
    let left = s
        .query::<Device>()
        .left_join::<Alert>()
        .on(Alert::device_id().eq(Device::id()))
        .order_by((Device::id(), Alert::id()))
        .all()
        .expect("left join");
    let expected = raw(
        &client,
        "SELECT d.id, a.id FROM devices d LEFT JOIN alerts a ON a.device_id = d.id \
         ORDER BY d.id, a.id",
        &[],
    );
    let got: Vec<(String, Option<String>)> = left
        .iter()
        .map(|&(d, a)| (s[d].id.clone(), a.map(|a| s[a].id.clone())))
        .collect();
    let want: Vec<(String, Option<String>)> = expected
        .iter()
        .map(|r| {
            (
                r[0].as_str().unwrap_or_default().to_owned(),
                r[1].as_str().map(str::to_owned),
            )
        })
        .collect();
    assert_eq!(got, want);
    assert!(got.contains(&("d4".into(), None)));

    // RIGHT and FULL joins: readings' devices and alerts' devices.
    let right = s
        .query::<Alert>()
        .right_join::<Device>()
        .on(Alert::device_id().eq(Device::id()))
        .all()
        .expect("right join");
    let right_expected = raw(
        &client,
        "SELECT count(*) FROM alerts a RIGHT JOIN devices d ON a.device_id = d.id",
        &[],
    );
    assert_eq!(json!(right.len()), right_expected[0][0]);
    assert!(right.iter().any(|(a, d)| a.is_none() && s[*d].id == "d4"));
    let full = s
        .query::<Alert>()
        .full_join::<Device>()
        .on(Alert::device_id().eq(Device::id()))
        .load()
        .expect("full join");
    let full_expected = raw(
        &client,
        "SELECT count(*) FROM alerts a FULL JOIN devices d ON a.device_id = d.id",
        &[],
    );
    assert_eq!(json!(full.len()), full_expected[0][0]);

    // CROSS JOIN, counted.
    let cross = s
        .query::<Device>()
        .cross_join::<Alert>()
        .select(count_star())
        .scalar()
        .expect("cross join");
    assert_eq!(cross, 36);

    // A self-join through an alias: each device with its gateway.
    let with_gateway: Vec<(String, String)> = s
        .query::<Device>()
        .join::<Gateway>()
        .on(Device::parent_id().eq(Gateway::col(Device::id())))
        .select((Device::id(), Gateway::col(Device::name())))
        .order_by(Device::id())
        .all()
        .expect("self-join");
    assert_eq!(
        with_gateway,
        [
            ("d1", "gw-1-name"),
            ("d2", "gw-1-name"),
            ("d3", "gw-2-name"),
            ("d4", "gw-2-name")
        ]
        .map(|(a, b)| (a.to_owned(), b.to_owned()))
    );
    println!(
        "joins: {} readings with names, 48 (reading, device) pairs tracked, left {} / right {} \
         / full {} / cross {} rows as the hand-written SQL; self-join {:?}",
        rows.len(),
        left.len(),
        right.len(),
        full.len(),
        cross,
        with_gateway
    );
}

#[test]
fn live_subqueries_unions_and_with_match_the_hand_written_query() {
    let Some(live) = live::connect("subqueries") else {
        return;
    };
    let client = fleet(&live);
    let mut s = Session::new(client.clone());

    // Devices that have an alert of severity >= 4: IN (SELECT …) with a bound value.
    let severe = Select::<Alert>::new()
        .filter(Alert::severity().ge(4))
        .select(Alert::device_id());
    let mut ids: Vec<String> = s
        .query::<Device>()
        .filter(Device::id().in_select(severe))
        .select(Device::id())
        .all()
        .expect("IN (SELECT …)");
    ids.sort();
    assert_eq!(ids, ["d1", "d3"]);

    // Correlated EXISTS with a bound severity, and NOT EXISTS.
    let alerted = |min: i32| {
        Select::<Alert>::new()
            .correlated::<(Device, ())>()
            .filter(
                Alert::device_id()
                    .eq(Device::id())
                    .and(Alert::severity().gt(min)),
            )
            .select(Alert::id())
    };
    let mut with: Vec<String> = s
        .query::<Device>()
        .filter(alerted(1).exists())
        .select(Device::id())
        .all()
        .expect("EXISTS");
    with.sort();
    let expected = raw(
        &client,
        "SELECT d.id FROM devices d WHERE EXISTS (SELECT 1 FROM alerts a WHERE a.device_id = d.id \
         AND a.severity > $1) ORDER BY d.id",
        &[json!(1)],
    );
    assert_eq!(
        json!(with),
        json!(expected.iter().map(|r| r[0].clone()).collect::<Vec<_>>())
    );
    let mut without: Vec<String> = s
        .query::<Device>()
        .filter(alerted(0).not_exists())
        .select(Device::id())
        .all()
        .expect("NOT EXISTS");
    without.sort();
    assert_eq!(without, ["d4", "gw-2"]);

    // A correlated scalar subquery in the select list, one in WHERE.
    let per_device = Select::<Alert>::new()
        .correlated::<(Device, ())>()
        .filter(Alert::device_id().eq(Device::id()))
        .select(count_star())
        .as_scalar();
    let counts: BTreeMap<String, Option<i64>> = s
        .query::<Device>()
        .select((Device::id(), per_device))
        .all()
        .expect("scalar subquery")
        .into_iter()
        .collect();
    assert_eq!(counts["d1"], Some(3));
    assert_eq!(counts["d4"], Some(0));
    let hottest = Select::<Reading>::new()
        .select(max(Reading::temp()))
        .as_scalar();
    let at_max: Vec<(String, f64)> = s
        .query::<Reading>()
        .filter(Reading::temp().ge(hottest))
        .select((Reading::device_id(), Reading::temp()))
        .all()
        .expect("scalar in WHERE");
    let max_expected = raw(&client, "SELECT max(temp) FROM readings", &[]);
    assert!(!at_max.is_empty());
    assert!(at_max.iter().all(|(_, t)| json!(t) == max_expected[0][0]));

    // WITH and a subquery in FROM, over the readings of the second day.
    let day2 = TimestampTz(START + 24 * HOUR);
    let recent = Select::<Reading>::new().filter(Reading::ts().ge(day2));
    let hot = s
        .run(
            Select::<Recent>::with_query(recent.clone())
                .filter(Recent::col(Reading::temp()).gt(25.0)),
        )
        .all()
        .expect("WITH");
    let hot_expected = raw(
        &client,
        "SELECT count(*) FROM readings WHERE ts >= $1 AND temp > $2",
        &[json!(day2.0), json!(25.0)],
    );
    assert_eq!(json!(hot.len()), hot_expected[0][0]);
    assert!(hot.iter().all(|&h| s[h].ts >= day2 && s[h].temp > 25.0));
    let n = s
        .run(Select::<Recent>::from_query(recent).select(count_star()))
        .scalar()
        .expect("FROM (SELECT …)");
    assert_eq!(n, 72);

    // UNION ALL and UNION.
    let names: Vec<String> = s
        .run(
            Select::<Device>::new()
                .select(Device::id())
                .union_all(
                    Select::<Alert>::new()
                        .select(Alert::device_id())
                        .filter(Alert::severity().ge(4)),
                )
                .order_by(Device::id()),
        )
        .all()
        .expect("UNION ALL");
    assert_eq!(names.len(), 6 + 3);
    let distinct: Vec<String> = s
        .run(
            Select::<Device>::new()
                .select(Device::id())
                .union(Select::<Alert>::new().select(Alert::device_id()))
                .order_by(Device::id()),
        )
        .all()
        .expect("UNION");
    assert_eq!(distinct.len(), 6);
    println!(
        "subqueries: IN {ids:?}, EXISTS {with:?}, NOT EXISTS {without:?}, alerts per device \
         {counts:?}, {} readings at the maximum, WITH {} rows, FROM-subquery {n}, UNION ALL {} / \
         UNION {}",
        at_max.len(),
        hot.len(),
        names.len(),
        distinct.len()
    );
}

#[test]
fn live_window_functions_and_the_latest_reading_per_device() {
    let Some(live) = live::connect("windows") else {
        return;
    };
    let client = fleet(&live);
    let mut s = Session::new(client.clone());

    let w = Window::new()
        .partition_by(Reading::device_id())
        .order_by(Reading::ts());
    type Row = (
        String,
        TimestampTz,
        i64,
        i64,
        i64,
        Option<f64>,
        Option<f64>,
        Option<f64>,
        Option<f64>,
        Option<f64>,
    );
    let rows: Vec<Row> = s
        .query::<Reading>()
        .select((
            Reading::device_id(),
            Reading::ts(),
            w.row_number(),
            w.rank(),
            w.dense_rank(),
            w.lag(Reading::temp(), 1),
            w.lead(Reading::temp(), 1),
            w.first_value(Reading::temp()),
            w.clone()
                .frame(Frame::rows(FrameStart::Preceding(2), FrameEnd::CurrentRow))
                .avg(Reading::temp()),
            w.sum(Reading::temp()),
        ))
        .order_by((Reading::device_id(), Reading::ts()))
        .limit(1000)
        .all()
        .expect("window functions");
    let expected = raw(
        &client,
        "SELECT device_id, ts, row_number() OVER w, rank() OVER w, dense_rank() OVER w, \
         lag(temp, 1) OVER w, lead(temp, 1) OVER w, first_value(temp) OVER w, \
         avg(temp) OVER (PARTITION BY device_id ORDER BY ts ROWS BETWEEN 2 PRECEDING AND CURRENT ROW), \
         sum(temp) OVER w FROM readings WINDOW w AS (PARTITION BY device_id ORDER BY ts) \
         ORDER BY device_id, ts LIMIT 1000",
        &[],
    );
    assert_eq!(rows.len(), expected.len());
    for (r, e) in rows.iter().zip(&expected) {
        let got = json!([r.0, r.1 .0, r.2, r.3, r.4, r.5, r.6, r.7, r.8, r.9]);
        assert_eq!(got, Value::Array(e.clone()));
    }

    // The latest reading of each device, as whole tracked models.
    let latest = s
        .run(
            Select::<Reading>::new()
                .filter(Reading::temp().gt(0.0))
                .latest_per(Reading::device_id(), Reading::ts().desc())
                .order_by(Reading::device_id()),
        )
        .all()
        .expect("latest per device");
    let expected = raw(
        &client,
        "SELECT device_id, ts FROM (SELECT device_id, ts, row_number() OVER \
         (PARTITION BY device_id ORDER BY ts DESC) AS rn FROM readings) t WHERE rn = 1 \
         ORDER BY device_id",
        &[],
    );
    let got: Vec<Value> = latest
        .iter()
        .map(|&h| json!([s[h].device_id, s[h].ts.0]))
        .collect();
    assert_eq!(
        got,
        expected
            .iter()
            .map(|r| Value::Array(r.clone()))
            .collect::<Vec<_>>()
    );
    println!(
        "windows: {} rows of row_number/rank/dense_rank/lag/lead/first_value/moving avg/sum as \
         the hand-written SQL; latest per device {:?}",
        rows.len(),
        got
    );
}

#[test]
fn live_an_expression_with_a_bound_value_in_select_and_group_by() {
    let Some(live) = live::connect("group_param") else {
        return;
    };
    let client = fleet(&live);
    let mut s = Session::new(client.clone());
    // `date_trunc($1, ts)` in SELECT and GROUP BY: CrateDB refuses `$1` … `$2`; one `$1` is
    // the same expression.
    let hour = function::<TimestampTz, _>("date_trunc", (param::<String, _>("day"), Reading::ts()));
    let per_day: Vec<(TimestampTz, i64, Option<f64>)> = s
        .query::<Reading>()
        .select((hour.clone(), count_star(), avg(Reading::temp())))
        .group_by(hour.clone())
        .order_by(hour)
        .all()
        .expect("GROUP BY with a bound value");
    assert_eq!(
        per_day.iter().map(|r| (r.0 .0, r.1)).collect::<Vec<_>>(),
        vec![(START, 72), (START + 24 * HOUR, 72)]
    );
    // ANY on an object key that holds an array.
    let mut depot: Vec<String> = s
        .query::<Device>()
        .filter(Device::tags().key("zones").any_eq("depot"))
        .select(Device::id())
        .all()
        .expect("ANY on an object key");
    depot.sort();
    assert_eq!(depot, ["d1", "d3"]);
    println!("GROUP BY date_trunc($1, ts): {per_day:?}; zones containing depot: {depot:?}");
}

#[test]
fn live_relationships_join_and_load_eagerly() {
    let Some(live) = live::connect("relations") else {
        return;
    };
    fleet(&live);
    let (logged, log) = live.logging_client();
    let mut s = Session::new(logged);

    // Alerts with their device, through the declared key.
    let pairs = s
        .query::<Alert>()
        .join_parent::<Device>()
        .filter(Alert::severity().ge(3))
        .order_by(Alert::id())
        .all()
        .expect("join_parent");
    assert_eq!(pairs.len(), 4);
    assert!(pairs.iter().all(|&(a, d)| s[a].device_id == s[d].id));

    // Every device with its alerts: two queries, whatever the number of devices.
    log.take();
    let with_alerts = s
        .query::<Device>()
        .order_by(Device::id())
        .all_with_children::<Alert>()
        .expect("eager load");
    let sent = log.take();
    assert_eq!(sent.len(), 2, "{sent:?}");
    let counts: Vec<(String, usize)> = with_alerts
        .iter()
        .map(|(d, alerts)| (s[*d].id.clone(), alerts.len()))
        .collect();
    assert_eq!(
        counts,
        [
            ("d1", 3),
            ("d2", 1),
            ("d3", 1),
            ("d4", 0),
            ("gw-1", 1),
            ("gw-2", 0)
        ]
        .map(|(d, n)| (d.to_owned(), n))
    );
    for (d, alerts) in &with_alerts {
        assert!(alerts.iter().all(|&a| s[a].device_id == s[*d].id));
    }
    // The children are tracked: change one, commit.
    let (_, alerts) = &with_alerts[0];
    s[alerts[0]].message = "acknowledged".into();
    s.commit().expect("commit a child");

    // The parents of readings, in one query.
    let readings = s
        .query::<Reading>()
        .order_by((Reading::device_id(), Reading::ts()))
        .limit(100)
        .all()
        .expect("readings");
    log.take();
    let parents = s
        .load_parents::<Reading, Device>(&readings)
        .expect("parents");
    assert_eq!(log.take().len(), 1);
    assert!(readings
        .iter()
        .zip(&parents)
        .all(|(&r, p)| p.is_some_and(|p| s[p].id == s[r].device_id)));
    println!(
        "relationships: 4 alerts with their devices; 6 devices with their alerts in 2 requests: \
         {counts:?}; parents of 100 readings in 1 request"
    );
}
