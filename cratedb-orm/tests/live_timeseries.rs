//! CrateDB's time-series layout on the real server: a generated partition column in the
//! primary key (`day GENERATED ALWAYS AS date_trunc('day', ts)`, `PARTITIONED BY (day)`),
//! computed on the client where that is exact (bulk INSERTs) or read back after the insert
//! (`date_trunc('day', 'Europe/Berlin', ts)`: multi-row `INSERT … RETURNING`); batched inserts
//! that create partitions; failing rows with their own cause after CrateDB's error answers;
//! dropping whole partitions; the partitions as reflection lists them; `date_trunc` in queries.

mod live;

use std::collections::BTreeMap;

use cratedb_orm::expr::{count_star, date_trunc};
use cratedb_orm::session::RowFailureCause;
use cratedb_orm::types::TruncUnit;
use cratedb_orm::{
    object, reflect, write, Client, CrateModel, Error, Object, Session, TimestampTz, Value,
};
use serde_json::json;

const HOUR: i64 = 3_600_000;
const DAY: i64 = 24 * HOUR;
/// 2026-01-01T00:00:00Z.
const START: i64 = 1_767_225_600_000;

/// The layout: `day` is `date_trunc('day', ts)`, which the client computes exactly, so the
/// key is known before the insert.
#[derive(CrateModel, Debug, Clone, Default, PartialEq)]
#[cratedb(table = "readings", partitioned_by("day"), number_of_replicas = 0)]
struct Reading {
    #[cratedb(primary_key)]
    device_id: String,
    #[cratedb(primary_key)]
    ts: TimestampTz,
    #[cratedb(primary_key, generated = "date_trunc('day', ts)")]
    day: Option<TimestampTz>,
    metrics: Option<Object>,
}

/// The layout partitioned by the day in Berlin, which CrateDB computes: read back.
#[derive(CrateModel, Debug, Clone, Default, PartialEq)]
#[cratedb(
    table = "local_readings",
    partitioned_by("day"),
    number_of_replicas = 0
)]
struct LocalReading {
    #[cratedb(primary_key)]
    device_id: String,
    #[cratedb(primary_key)]
    ts: TimestampTz,
    #[cratedb(primary_key, generated = "date_trunc('day', 'Europe/Berlin', ts)")]
    day: Option<TimestampTz>,
    metrics: Option<Object>,
}

fn day_of(r: &ComputedReading) -> TimestampTz {
    r.ts.truncate(TruncUnit::Day)
}

/// The layout with `day` computed by a function of the model (`compute`).
#[derive(CrateModel, Debug, Clone, Default, PartialEq)]
#[cratedb(
    table = "computed_readings",
    partitioned_by("day"),
    number_of_replicas = 0
)]
struct ComputedReading {
    #[cratedb(primary_key)]
    device_id: String,
    #[cratedb(primary_key)]
    ts: TimestampTz,
    #[cratedb(primary_key, generated = "date_trunc('day', ts)", compute = day_of)]
    day: Option<TimestampTz>,
    metrics: Option<Object>,
}

/// A reading with a value a CHECK constraint guards, in a table made by raw SQL; its day is
/// computed on the client (bulk INSERTs).
#[derive(CrateModel, Debug, Clone, Default, PartialEq)]
#[cratedb(table = "checked")]
struct Checked {
    #[cratedb(primary_key)]
    device_id: String,
    #[cratedb(primary_key)]
    ts: TimestampTz,
    #[cratedb(primary_key, generated = "date_trunc('day', ts)")]
    day: Option<TimestampTz>,
    v: i32,
}

/// The same with the day in Berlin, read back (multi-row `INSERT … RETURNING`).
#[derive(CrateModel, Debug, Clone, Default, PartialEq)]
#[cratedb(table = "checked")]
struct LocalChecked {
    #[cratedb(primary_key)]
    device_id: String,
    #[cratedb(primary_key)]
    ts: TimestampTz,
    #[cratedb(primary_key, generated = "date_trunc('day', 'Europe/Berlin', ts)")]
    day: Option<TimestampTz>,
    v: i32,
}

fn reading(i: i64) -> Reading {
    Reading {
        device_id: format!("dev-{}", i % 7),
        ts: TimestampTz(START + i * DAY / 10),
        day: None,
        metrics: Some(object! { "temp": 20 + i % 10, "seq": i }),
    }
}

#[test]
fn live_a_generated_partition_key_is_computed_where_exact_and_read_back_otherwise() {
    let Some(live) = live::connect("ts_keys") else {
        return;
    };
    assert_eq!(
        Reading::create_table_sql(),
        r#"CREATE TABLE "readings" ("device_id" TEXT NOT NULL, "ts" TIMESTAMP WITH TIME ZONE NOT NULL, "day" TIMESTAMP WITH TIME ZONE GENERATED ALWAYS AS (date_trunc('day', ts)) NOT NULL, "metrics" OBJECT, PRIMARY KEY ("device_id", "ts", "day")) PARTITIONED BY ("day") WITH (number_of_replicas = 0)"#
    );
    live.create::<Reading>();
    live.create::<LocalReading>();
    let key = reflect::primary_key(&live.client, None, "readings").expect("reflect");
    assert_eq!(key, ["device_id", "ts", "day"]);

    // `date_trunc('day', ts)`: the client computes the day on `add`; one bulk INSERT that
    // sends it (CrateDB checks it).
    let (client, log) = live.logging_client();
    let mut s = Session::new(client.clone());
    let n = 300;
    let handles = s.add_all((0..n).map(reading));
    assert!(handles
        .iter()
        .all(|&h| s[h].day == Some(s[h].ts.truncate(TruncUnit::Day))));
    s.commit().unwrap_or_else(|e| panic!("{e}"));
    let sent = log.take();
    assert_eq!(sent.len(), 1, "{sent:?}");
    assert_eq!(sent[0].bulk_rows, Some(n as usize));
    assert!(sent[0].sql.contains("\"day\""), "{}", sent[0].sql);

    // `date_trunc('day', 'Europe/Berlin', ts)`: CrateDB computes it; one multi-row INSERT …
    // RETURNING over the 30 partitions it makes, every model reading back its own row's day.
    let mut local = Session::new(client);
    let local_handles = local.add_all((0..n).map(|i| {
        let r = reading(i);
        LocalReading {
            device_id: r.device_id,
            ts: r.ts,
            day: None,
            metrics: r.metrics,
        }
    }));
    local.commit().unwrap_or_else(|e| panic!("{e}"));
    let sent = log.take();
    assert_eq!(sent.len(), 1, "{sent:?}");
    assert!(sent[0].sql.contains(" RETURNING "), "{}", sent[0].sql);
    for (i, &h) in local_handles.iter().enumerate() {
        let r = &local[h];
        let day = r.day.unwrap_or_else(|| panic!("row {i} read back its day"));
        // Midnight in Berlin (UTC+1 in winter) is 23:00 UTC the day before.
        assert_eq!(day.0, r.ts.0 - (r.ts.0 + HOUR).rem_euclid(DAY), "row {i}");
        assert!(local.is_persistent(h));
    }

    // Found by its full key (real time); changed by one key of its object and deleted, by the
    // key without its generated part: CrateDB derives `day` and writes by primary key (with
    // `"day" = $4` in the WHERE it would write by a search, and miss this fresh row).
    let first = reading(0);
    let key = (
        first.device_id.as_str(),
        first.ts,
        first.ts.truncate(TruncUnit::Day),
    );
    let mut other = Session::new(live.client.clone());
    let h = other.find::<Reading>(key).expect("find").expect("the row");
    assert_eq!(other[h], s[handles[0]]);
    other
        .set_key(h, Reading::metrics(), &["temp"], 99)
        .expect("set_key");
    let pending = other.pending_statements();
    assert_eq!(
        pending[0].sql,
        r#"UPDATE "readings" SET "metrics"['temp'] = $1 WHERE "device_id" = $2 AND "ts" = $3"#
    );
    other.commit().expect("update");
    other.delete(h);
    other.commit().expect("delete by key");
    let mut third = Session::new(live.client.clone());
    assert!(
        third.find::<Reading>(key).expect("find").is_none(),
        "deleted"
    );
    let partitions = reflect::partitions_of::<LocalReading>(&live.client).expect("partitions");
    assert_eq!(partitions.len(), 30);
    println!(
        "{n} readings: computed day, 1 bulk request; Berlin day, 1 multi-row INSERT … RETURNING \
         over {} new partitions, every model read back its own day",
        partitions.len()
    );
}

#[test]
fn live_a_computed_partition_key_goes_in_bulk() {
    let Some(live) = live::connect("ts_computed") else {
        return;
    };
    live.create::<ComputedReading>();
    let (client, log) = live.logging_client();
    let mut s = Session::new(client);
    let handles = s.add_all((0..1_000).map(|i| {
        let r = reading(i);
        ComputedReading {
            device_id: r.device_id,
            ts: r.ts,
            day: None,
            metrics: r.metrics,
        }
    }));
    // `compute` filled the key on `add`: one bulk INSERT, the day sent and checked by CrateDB.
    assert!(handles.iter().all(|&h| s[h].day.is_some()));
    s.commit().unwrap_or_else(|e| panic!("{e}"));
    let sent = log.take();
    assert_eq!(sent.len(), 1);
    assert_eq!(sent[0].bulk_rows, Some(1_000));
    assert!(sent[0].sql.contains("\"day\""), "{}", sent[0].sql);
    live.refresh("computed_readings");
    let r = live
        .client
        .sql(
            "SELECT count(*) FROM computed_readings WHERE day = date_trunc('day', ts)",
            &[] as &[Value],
        )
        .expect("count");
    assert_eq!(r.rows[0][0], json!(1_000));

    // A wrong day is refused by CrateDB, with its own message.
    let mut wrong = s[handles[0]].clone();
    let mut s = Session::new(live.client.clone());
    wrong.ts = TimestampTz(wrong.ts.0 + 1);
    wrong.day = Some(TimestampTz(START + 1));
    s.add(wrong);
    let Err(Error::Commit(e)) = s.commit() else {
        panic!("a day that does not match the expression is refused");
    };
    let message = match &e.failures[0].cause {
        RowFailureCause::Sql(err) => err.message.clone(),
        other => format!("{other:?}"),
    };
    assert!(message.contains("does not match calculation"), "{message}");
    println!("1,000 readings with a computed day in 1 bulk request; a wrong day: {message}");
}

/// Creates `checked` (partitioned, or not) with `CHECK (v >= 0)` and `day` generated as
/// `day_expression`, and one row per day of the first `existing` days (so their partitions
/// exist).
fn checked_table(client: &Client, day_expression: &str, partitioned: bool, existing: i64) {
    let partition = if partitioned {
        " PARTITIONED BY (day)"
    } else {
        ""
    };
    client
        .sql(
            &format!(
                "CREATE TABLE checked (device_id TEXT, ts TIMESTAMP WITH TIME ZONE, \
                 day TIMESTAMP WITH TIME ZONE GENERATED ALWAYS AS {day_expression}, \
                 v INT CHECK (v >= 0), PRIMARY KEY (device_id, ts, day)){partition} \
                 WITH (number_of_replicas = 0)"
            ),
            &[] as &[Value],
        )
        .expect("create");
    for d in 0..existing {
        client
            .sql(
                "INSERT INTO checked (device_id, ts, v) VALUES ('seed', $1, 0)",
                &[START + d * DAY + 2 * HOUR],
            )
            .expect("seed");
    }
}

/// The two ways `checked` is written: the day computed on the client (bulk INSERTs) and read
/// back (multi-row `INSERT … RETURNING`).
#[derive(Clone, Copy, Debug)]
enum Path {
    Bulk,
    Returning,
}

impl Path {
    fn expression(self) -> &'static str {
        match self {
            Path::Bulk => "date_trunc('day', ts)",
            Path::Returning => "date_trunc('day', 'Europe/Berlin', ts)",
        }
    }
}

/// Commits 50 rows over 5 days into `checked` on `path`, row 17 failing the CHECK: it fails
/// with CrateDB's CHECK error, the 49 others land (each once, with their day), none is
/// called a duplicate. Returns the number of requests.
fn commit_checked(live: &live::Live, path: Path, label: &str) -> usize {
    let (client, log) = live.logging_client();
    let mut s = Session::new(client);
    let row = |i: i64| {
        (
            format!("d{}", i % 5),
            TimestampTz(START + i * 2 * HOUR + 1),
            if i == 17 { -1 } else { i as i32 },
        )
    };
    let result = match path {
        Path::Bulk => {
            let handles = s.add_all((0..50).map(|i| {
                let (device_id, ts, v) = row(i);
                Checked {
                    device_id,
                    ts,
                    day: None,
                    v,
                }
            }));
            let result = s.commit();
            let outcome: Vec<(bool, Option<TimestampTz>)> = handles
                .iter()
                .map(|&h| (s.is_pending(h), s[h].day))
                .collect();
            (result, outcome)
        }
        Path::Returning => {
            let handles = s.add_all((0..50).map(|i| {
                let (device_id, ts, v) = row(i);
                LocalChecked {
                    device_id,
                    ts,
                    day: None,
                    v,
                }
            }));
            let result = s.commit();
            let outcome: Vec<(bool, Option<TimestampTz>)> = handles
                .iter()
                .map(|&h| (s.is_pending(h), s[h].day))
                .collect();
            (result, outcome)
        }
    };
    let (result, outcome) = result;
    let Err(Error::Commit(e)) = result else {
        panic!("[{label}] row 17 fails its CHECK");
    };
    let sent = log.take();
    assert_eq!(e.written, 49, "[{label}] {e}");
    assert_eq!(e.failures.len(), 1, "[{label}] {e}");
    let failure = &e.failures[0];
    assert!(!failure.may_have_landed, "[{label}] {failure}");
    match &failure.cause {
        RowFailureCause::Sql(err) => assert!(
            err.code == 4000 && err.message.contains("Failed CONSTRAINT"),
            "[{label}] {err}"
        ),
        other => panic!("[{label}] the CHECK is the cause, not {other:?}"),
    }
    for (i, (pending, day)) in outcome.iter().enumerate() {
        assert_eq!(*pending, i == 17, "[{label}] row {i}");
        if i != 17 {
            assert!(day.is_some(), "[{label}] row {i} knows its day");
        }
    }
    live.refresh("checked");
    let stored = live
        .client
        .sql(
            "SELECT count(*), count(DISTINCT ts) FROM checked WHERE device_id <> 'seed'",
            &[] as &[Value],
        )
        .expect("count");
    assert_eq!(stored.rows[0], vec![json!(49), json!(49)], "[{label}]");
    println!(
        "[{label}, {path:?}] 50 rows, row 17 failing its CHECK: {} requests; 49 landed once, \
         row 17: {}",
        sent.len(),
        failure.cause
    );
    sent.len()
}

#[test]
fn live_a_failing_row_of_a_partitioned_batch_gets_its_own_cause() {
    let Some(live) = live::connect("ts_check") else {
        return;
    };
    for path in [Path::Bulk, Path::Returning] {
        // The batch makes the partitions (CrateDB then writes none of it before the error).
        checked_table(&live.client, path.expression(), true, 0);
        commit_checked(&live, path, "new partitions");
        live.client
            .sql("DROP TABLE checked", &[] as &[Value])
            .expect("drop");
        // The partitions exist (CrateDB then writes the other rows before the error).
        checked_table(&live.client, path.expression(), true, 6);
        commit_checked(&live, path, "existing partitions");
        live.client
            .sql("DROP TABLE checked", &[] as &[Value])
            .expect("drop");
    }
}

#[test]
fn live_a_table_partitioned_behind_the_model_s_back_is_read_right() {
    let Some(live) = live::connect("ts_check_undeclared") else {
        return;
    };
    // The models do not say `partitioned_by`; the table (made by raw SQL) is.
    assert!(Checked::meta().partitioned_by.is_empty());
    assert!(LocalChecked::meta().partitioned_by.is_empty());
    for path in [Path::Bulk, Path::Returning] {
        checked_table(&live.client, path.expression(), true, 6);
        commit_checked(&live, path, "undeclared partitioning");
        live.client
            .sql("DROP TABLE checked", &[] as &[Value])
            .expect("drop");
    }
}

#[test]
fn live_old_partitions_are_dropped_and_listed() {
    let Some(live) = live::connect("ts_retention") else {
        return;
    };
    live.create::<Reading>();
    let mut s = Session::new(live.client.clone());
    s.add_all((0..300).map(reading));
    s.commit().unwrap_or_else(|e| panic!("{e}"));
    live.refresh("readings");
    let before = reflect::partitions_of::<Reading>(&live.client).expect("partitions");
    assert_eq!(before.len(), 30);
    assert_eq!(before.iter().map(|p| p.rows).sum::<i64>(), 300);
    assert_eq!(before[0].value("day"), Some(&json!(START)), "oldest first");
    assert!(before.iter().all(|p| p.rows == 10), "{before:?}");

    // Per hour with date_trunc: the unit is a literal, so SELECT and GROUP BY match.
    let hour = date_trunc(TruncUnit::Hour, Reading::ts());
    let per_hour: Vec<(TimestampTz, i64)> = s
        .query::<Reading>()
        .select((hour.clone(), count_star()))
        .filter(Reading::device_id().eq("dev-0"))
        .group_by(hour.clone())
        .order_by(hour)
        .limit(5)
        .all()
        .expect("per hour");
    assert_eq!(per_hour.len(), 5);
    assert!(per_hour.iter().all(|(t, n)| t.0 % HOUR == 0 && *n == 1));

    // Retention: every partition older than three days, dropped whole by CrateDB.
    let cutoff = TimestampTz(START + 3 * DAY);
    write::delete_partitions::<Reading, _>(Reading::day().lt(cutoff))
        .expect("a condition on the partition column")
        .execute(&live.client)
        .expect("delete");
    let after = reflect::partitions_of::<Reading>(&live.client).expect("partitions");
    assert_eq!(after.len(), 27);
    assert_eq!(after[0].value("day"), Some(&json!(cutoff.0)));
    live.refresh("readings");
    assert_eq!(
        s.query::<Reading>().count().expect("count"),
        270,
        "the rows of the three oldest days are gone"
    );
    // A condition on anything but the partition columns is refused: CrateDB would delete row
    // by row and leave empty partitions behind.
    let refused = write::delete_partitions::<Reading, _>(Reading::ts().lt(cutoff));
    assert!(refused.is_err());
    println!(
        "retention: {} partitions of 10 rows each; day < {cutoff} dropped, {} left; per-hour \
         counts {:?}",
        before.len(),
        after.len(),
        &per_hour[..2]
    );
}

#[test]
fn live_truncate_matches_date_trunc() {
    let Some(live) = live::connect("ts_trunc") else {
        return;
    };
    let units = [
        TruncUnit::Second,
        TruncUnit::Minute,
        TruncUnit::Hour,
        TruncUnit::Day,
        TruncUnit::Week,
        TruncUnit::Month,
        TruncUnit::Quarter,
        TruncUnit::Year,
    ];
    let instants = [
        -1,
        0,
        951_782_400_000,   // 2000-02-29
        1_740_934_512_345, // 2025-03-02T17:35:12.345Z, a Sunday
        START + 13 * DAY + 5,
        4_102_444_799_999, // 2099-12-31T23:59:59.999Z
    ];
    let mut checked = BTreeMap::new();
    for unit in units {
        for &t in &instants {
            let sql = format!("SELECT date_trunc('{}', $1::timestamptz)", unit.as_sql());
            let server = live.client.sql(&sql, &[t]).expect("date_trunc").rows[0][0]
                .as_i64()
                .expect("millis");
            assert_eq!(
                TimestampTz(t).truncate(unit).0,
                server,
                "date_trunc('{unit}', {t})"
            );
            *checked.entry(unit.as_sql()).or_insert(0) += 1;
        }
    }
    println!("TimestampTz::truncate equals CrateDB's date_trunc: {checked:?}");
}
