//! Schema evolution on a real CrateDB (`CRATEDB_URL`): models compared with their tables,
//! plans (in place, refused, rebuilt with a swap), and what each kind of change does on the
//! server.

mod live;

use std::time::Instant;

use cratedb_orm::migrate::{self, Action, Change, PlanOptions};
use cratedb_orm::model::{ColumnMeta, TableMeta};
use cratedb_orm::raw::raw;
use cratedb_orm::reflect::{self, ColumnIndex, ColumnPath};
use cratedb_orm::{
    CrateModel, Error, FloatVector, GeoPoint, GeoShape, Object, ObjectArray, Session, SqlType,
    Timestamp, TimestampTz, Value,
};

/// Every kind of column and table option the derive can declare.
#[derive(CrateModel, Debug, Default)]
#[cratedb(
    table = "everything",
    partitioned_by("day"),
    clustered_by = "id",
    number_of_shards = 2,
    number_of_replicas = "0",
    with(refresh_interval = 2000, column_policy = "dynamic")
)]
#[cratedb(fulltext(name = "text_ft", columns("title", "body"), analyzer = "english"))]
struct Everything {
    #[cratedb(primary_key)]
    id: String,
    #[cratedb(primary_key)]
    ts: TimestampTz,
    #[cratedb(primary_key, generated = "date_trunc('day', ts)")]
    day: Option<TimestampTz>,
    title: Option<String>,
    body: Option<String>,
    #[cratedb(fulltext(analyzer = "english"))]
    summary: Option<String>,
    #[cratedb(fulltext)]
    plain_ft: Option<String>,
    #[cratedb(index = false)]
    raw: Option<String>,
    #[cratedb(columnstore = false)]
    note: Option<String>,
    #[cratedb(generated = "lower(title)")]
    title_lower: Option<String>,
    #[cratedb(generated = "count * 2 + 1")]
    odd: Option<i32>,
    #[cratedb(server_default = "now()")]
    created_at: Option<TimestampTz>,
    #[cratedb(server_default = "'new'")]
    state: Option<String>,
    #[cratedb(server_default = "concat('a', 'b')")]
    folded: Option<String>,
    count: i32,
    small: Option<i16>,
    big: Option<i64>,
    real: Option<f32>,
    dbl: Option<f64>,
    flag: Option<bool>,
    local: Option<Timestamp>,
    #[cratedb(object(
        policy = "strict",
        columns(firmware = "TEXT", slot = "INTEGER", inner = "OBJECT(IGNORED)")
    ))]
    details: Option<Object>,
    attrs: Option<Object>,
    items: Option<ObjectArray>,
    tags: Option<Vec<String>>,
    location: Option<GeoPoint>,
    area: Option<GeoShape>,
    embedding: Option<FloatVector<3>>,
    address: Option<std::net::IpAddr>,
}

#[test]
fn live_migrate_reflects_every_option_and_finds_no_difference() {
    let Some(live) = live::connect("migrate_reflect") else {
        return;
    };
    let client = &live.client;
    live.create::<Everything>();
    let definition = reflect::definition_of::<Everything>(client)
        .expect("definition")
        .expect("the table exists");
    let column = |path: &str| {
        definition
            .columns
            .iter()
            .find(|c| c.path.to_string() == path)
            .unwrap_or_else(|| panic!("no {path} in {:?}", definition.columns))
    };
    assert_eq!(
        column("odd").generated.as_deref(),
        Some("((count * 2) + 1)")
    );
    assert_eq!(column("folded").default.as_deref(), Some("'ab'"));
    assert_eq!(column("state").default.as_deref(), Some("'new'"));
    assert_eq!(
        column("summary").index,
        ColumnIndex::Fulltext {
            analyzer: "english".into()
        }
    );
    assert_eq!(
        column("plain_ft").index,
        ColumnIndex::Fulltext {
            analyzer: "standard".into()
        }
    );
    assert_eq!(column("raw").index, ColumnIndex::Off);
    assert!(!column("note").columnstore);
    assert_eq!(
        column("details").type_text.as_deref(),
        Some("OBJECT(STRICT)")
    );
    assert_eq!(
        column("details['inner']").type_text.as_deref(),
        Some("OBJECT(IGNORED)")
    );
    assert_eq!(
        column("embedding").type_text.as_deref(),
        Some("FLOAT_VECTOR(3)")
    );
    assert_eq!(
        column("items").type_text.as_deref(),
        Some("ARRAY(OBJECT(DYNAMIC))")
    );
    assert_eq!(column("area").index, ColumnIndex::Using("GEOHASH".into()));
    assert!(!column("count").nullable && column("dbl").nullable);
    assert_eq!(definition.primary_key, ["id", "ts", "day"]);
    assert_eq!(definition.clustered_by.as_deref(), Some("id"));
    assert_eq!(definition.partitioned_by, ["day"]);
    assert_eq!(definition.number_of_shards, Some(2));
    assert_eq!(definition.number_of_replicas.as_deref(), Some("0"));
    assert_eq!(definition.column_policy.as_deref(), Some("dynamic"));
    assert_eq!(
        definition.setting("refresh_interval"),
        Some(Value::from(2000))
    );
    assert_eq!(definition.fulltext_indexes.len(), 1);
    assert_eq!(definition.fulltext_indexes[0].columns, ["title", "body"]);

    // The model and its own table: no difference, nothing to run.
    let diff = migrate::diff::<Everything>(client).expect("diff");
    assert!(diff.is_empty(), "{diff}");
    assert_eq!(diff.rows, Some(0));
    let plan = migrate::plan::<Everything>(client, &PlanOptions::new()).expect("plan");
    assert!(plan.is_empty(), "{plan}");
    println!("{}", plan.to_sql().trim_end());

    // NUMERIC keeps its scale only in SHOW CREATE TABLE.
    raw(r#"CREATE TABLE "prices" ("id" INTEGER PRIMARY KEY, "amount" NUMERIC(12, 2))"#)
        .execute(client)
        .expect("create prices");
    let mut meta = TableMeta::new("Price", "prices");
    meta.columns = vec![
        ColumnMeta::new("id", "id", SqlType::Integer, false).primary_key(),
        ColumnMeta::new(
            "amount",
            "amount",
            SqlType::Numeric {
                precision: 12,
                scale: 2,
            },
            true,
        ),
    ];
    meta.primary_key = vec![0];
    let diff = migrate::diff_table(client, &meta).expect("diff prices");
    assert!(diff.is_empty(), "{diff}");
    meta.columns[1].sql_type = SqlType::Numeric {
        precision: 12,
        scale: 3,
    };
    let diff = migrate::diff_table(client, &meta).expect("diff prices");
    assert_eq!(
        diff.changes,
        vec![Change::Type {
            column: ColumnPath::top("amount"),
            model: "NUMERIC(12, 3)".into(),
            database: "NUMERIC(12, 2)".into()
        }]
    );
}

mod v1 {
    use cratedb_orm::{CrateModel, Object};

    #[derive(CrateModel, Debug, Default, Clone)]
    #[cratedb(table = "devices")]
    pub struct Device {
        #[cratedb(primary_key)]
        pub id: String,
        pub name: Option<String>,
        pub battery: Option<f64>,
        #[cratedb(object(policy = "strict", columns(firmware = "TEXT")))]
        pub details: Option<Object>,
        pub legacy: Option<String>,
    }
}

mod v2 {
    use cratedb_orm::{CrateModel, Object, TimestampTz};

    /// v1 plus: `battery` renamed, a column with a default, an object key, a new object
    /// column; `legacy` gone from the model.
    #[derive(CrateModel, Debug, Default, Clone)]
    #[cratedb(
        table = "devices",
        number_of_replicas = "0",
        with(refresh_interval = 500)
    )]
    pub struct Device {
        #[cratedb(primary_key)]
        pub id: String,
        pub name: Option<String>,
        #[cratedb(renamed_from = "battery")]
        pub battery_pct: Option<f64>,
        #[cratedb(object(policy = "strict", columns(firmware = "TEXT", slot = "INTEGER")))]
        pub details: Option<Object>,
        #[cratedb(server_default = "'active'")]
        pub state: Option<String>,
        #[cratedb(server_default = "now()")]
        pub seen_at: Option<TimestampTz>,
        #[cratedb(object(policy = "dynamic", columns(site = "TEXT")))]
        pub location: Option<Object>,
    }
}

fn devices_v1(live: &live::Live, n: usize) {
    live.create::<v1::Device>();
    let mut session = Session::new(live.client.clone());
    for i in 0..n {
        session.add(v1::Device {
            id: format!("d{i}"),
            name: Some(format!("device {i}")),
            battery: Some(i as f64),
            details: Some(cratedb_orm::object! { "firmware": "1.0" }),
            legacy: Some("old".into()),
        });
    }
    session.commit().expect("insert v1 devices");
    live.refresh("devices");
}

#[test]
fn live_migrate_adds_and_renames_in_place() {
    let Some(live) = live::connect("migrate_additive") else {
        return;
    };
    let client = &live.client;
    devices_v1(&live, 3);

    let plan = migrate::plan::<v2::Device>(client, &PlanOptions::new()).expect("plan");
    println!("{plan}");
    assert!(plan.refusals().is_empty(), "{plan}");
    let schema = &live.schema;
    let t = format!(r#""{schema}"."devices""#);
    assert_eq!(
        plan.statements(),
        vec![
            format!(r#"ALTER TABLE {t} RENAME COLUMN "battery" TO "battery_pct""#),
            format!(r#"ALTER TABLE {t} ADD COLUMN "state" TEXT DEFAULT 'active'"#),
            format!(
                r#"ALTER TABLE {t} ADD COLUMN "seen_at" TIMESTAMP WITH TIME ZONE DEFAULT now()"#
            ),
            format!(r#"ALTER TABLE {t} ADD COLUMN "location" OBJECT(DYNAMIC) AS ("site" TEXT)"#),
            format!(r#"ALTER TABLE {t} ADD COLUMN "details"['slot'] INTEGER"#),
            format!(r#"ALTER TABLE {t} SET (number_of_replicas = '0')"#),
            format!(r#"ALTER TABLE {t} SET (refresh_interval = 500)"#),
        ]
    );
    assert!(plan
        .to_sql()
        .contains("-- kept: column legacy: not in the model (PlanOptions::drop_columns drops it)"));
    let report = plan.apply(client).expect("apply");
    assert_eq!(report.statements.len(), 7);

    // The table now matches, but for the column the model no longer has.
    let diff = migrate::diff::<v2::Device>(client).expect("diff");
    assert_eq!(
        diff.changes,
        vec![Change::ColumnExtra {
            column: ColumnPath::top("legacy"),
            data_type: "text".into()
        }]
    );
    // Old rows: the renamed column kept its values, new columns read NULL (the default
    // fills new rows only).
    let mut session = Session::new(client.clone());
    let d1 = session.find::<v2::Device>("d1").expect("find").expect("d1");
    assert_eq!(session[d1].battery_pct, Some(1.0));
    assert_eq!(session[d1].state, None);
    assert_eq!(session[d1].seen_at, None);
    session[d1].details = Some(cratedb_orm::object! { "firmware": "1.1", "slot": 2 });
    session.add(v2::Device {
        id: "new".into(),
        ..Default::default()
    });
    session.commit().expect("write with the new columns");
    let fresh = session
        .find::<v2::Device>("new")
        .expect("find")
        .expect("new");
    assert_eq!(session[fresh].state.as_deref(), Some("active"));
    assert!(session[fresh].seen_at.is_some());

    // Dropping the extra column is opt-in.
    let plan = migrate::plan::<v2::Device>(client, &PlanOptions::new().drop_columns(true))
        .expect("plan drop");
    assert_eq!(
        plan.statements(),
        [format!(r#"ALTER TABLE {t} DROP COLUMN "legacy""#)]
    );
    plan.apply(client).expect("drop legacy");
    assert!(migrate::diff::<v2::Device>(client)
        .expect("diff")
        .is_empty());
    println!("after: matches the model");
}

/// v1's table read by a model that has one more field.
mod ahead {
    use cratedb_orm::{CrateModel, Object};

    #[derive(CrateModel, Debug, Default, Clone)]
    #[cratedb(table = "devices")]
    pub struct Device {
        #[cratedb(primary_key)]
        pub id: String,
        pub name: Option<String>,
        pub battery: Option<f64>,
        #[cratedb(object(policy = "strict", columns(firmware = "TEXT")))]
        pub details: Option<Object>,
        pub legacy: Option<String>,
        pub battery_pct: Option<f64>,
    }

    /// A NOT NULL field the table lacks: never read as NULL.
    #[derive(CrateModel, Debug, Default, Clone)]
    #[cratedb(table = "devices")]
    pub struct Strict {
        #[cratedb(primary_key)]
        pub id: String,
        pub serial: String,
    }
}

#[test]
fn live_reads_across_an_additive_change() {
    let Some(live) = live::connect("migrate_reads") else {
        return;
    };
    let client = &live.client;
    devices_v1(&live, 3);
    let t = format!(r#""{}"."devices""#, live.schema);

    // Without the column: an error naming it and the fix.
    let mut session = Session::new(client.clone());
    let err = session
        .query::<ahead::Device>()
        .all()
        .expect_err("the column is missing");
    println!("query: {err}");
    match &err {
        Error::MissingColumn {
            model,
            column,
            fix,
            source,
            ..
        } => {
            assert_eq!((*model, column.as_str()), ("Device", "battery_pct"));
            assert!(
                fix.contains(r#"ALTER TABLE "devices" ADD COLUMN "battery_pct" DOUBLE PRECISION"#),
                "{fix}"
            );
            assert!(fix.contains("read_missing_columns_as_null"), "{fix}");
            assert_eq!(source.sql_error().map(|e| e.code), Some(4043));
        }
        other => panic!("expected MissingColumn, got {other:?}"),
    }
    assert!(matches!(
        session.find::<ahead::Device>("d1"),
        Err(Error::MissingColumn { .. })
    ));
    let err = session
        .query::<ahead::Strict>()
        .all()
        .expect_err("serial is missing");
    assert!(matches!(&err, Error::MissingColumn { column, fix, .. }
        if column == "serial" && !fix.contains("as_null")));

    // Opted in: the Option field reads as NULL; one failed request, then remembered.
    let (logging, log) = live.logging_client();
    let mut session = Session::new(logging).read_missing_columns_as_null(true);
    let devices = session
        .query::<ahead::Device>()
        .order_by(ahead::Device::id())
        .all()
        .expect("read as NULL");
    assert_eq!(devices.len(), 3);
    assert!(devices.iter().all(|h| session[*h].battery_pct.is_none()));
    assert_eq!(session[devices[1]].battery, Some(1.0));
    let sent = log.take();
    assert_eq!(sent.len(), 2, "{sent:?}");
    assert!(!sent[0].ok && sent[1].ok);
    assert!(
        sent[1].sql.contains(r#"NULL AS "battery_pct""#),
        "{}",
        sent[1].sql
    );
    println!("opted in, sent again as: {}", sent[1].sql);
    assert!(session.reload(devices[2]).expect("reload"));
    assert_eq!(session[devices[2]].battery_pct, None);
    let owned = session
        .query::<ahead::Device>()
        .load()
        .expect("owned models");
    assert_eq!(owned.len(), 3);
    let sent = log.take();
    assert_eq!(sent.len(), 2, "remembered: no failed request: {sent:?}");
    assert!(sent
        .iter()
        .all(|s| s.ok && s.sql.contains(r#"NULL AS "battery_pct""#)));
    // Filtering on the column, or selecting it, still needs the column.
    let err = session
        .query::<ahead::Device>()
        .filter(ahead::Device::battery_pct().gt(1.0))
        .all()
        .expect_err("filter on a missing column");
    assert!(matches!(err, Error::MissingColumn { .. }), "{err}");
    let err = session
        .query::<ahead::Device>()
        .select(ahead::Device::battery_pct())
        .all()
        .expect_err("select a missing column");
    assert!(matches!(err, Error::MissingColumn { .. }), "{err}");
    // A NOT NULL field is never read as NULL.
    let err = session
        .query::<ahead::Strict>()
        .all()
        .expect_err("serial is NOT NULL");
    assert!(matches!(err, Error::MissingColumn { .. }), "{err}");

    // Once the column is added, a new session reads it.
    raw(format!(
        "ALTER TABLE {t} ADD COLUMN \"battery_pct\" DOUBLE PRECISION"
    ))
    .execute(client)
    .expect("add the column");
    raw(format!(
        "UPDATE {t} SET \"battery_pct\" = 50 WHERE \"id\" = 'd0'"
    ))
    .execute(client)
    .expect("set a value");
    let mut session = Session::new(client.clone()).read_missing_columns_as_null(true);
    let d0 = session
        .find::<ahead::Device>("d0")
        .expect("find")
        .expect("d0");
    assert_eq!(session[d0].battery_pct, Some(50.0));
}

mod readings_v1 {
    use cratedb_orm::CrateModel;

    #[derive(CrateModel, Debug, Default, Clone)]
    #[cratedb(table = "readings")]
    pub struct Reading {
        #[cratedb(primary_key)]
        pub id: i32,
        pub value: Option<i32>,
        pub label: Option<String>,
        #[cratedb(columnstore = false)]
        pub note: Option<String>,
    }
}

mod readings_v2 {
    use cratedb_orm::CrateModel;

    /// Every change here but `server_default` is one CrateDB cannot make in place.
    #[derive(CrateModel, Debug, Default, Clone)]
    #[cratedb(table = "readings", number_of_shards = 2)]
    #[cratedb(fulltext(name = "label_ft", columns("label")))]
    pub struct Reading {
        #[cratedb(primary_key)]
        pub id: i64,
        pub value: Option<i64>,
        pub label: String,
        pub note: Option<String>,
        #[cratedb(generated = "value * 10")]
        pub tenfold: Option<i64>,
        pub mandatory: String,
        #[cratedb(primary_key, server_default = "'r1'")]
        pub region: Option<String>,
    }
}

#[test]
fn live_migrate_refuses_what_cannot_change_in_place() {
    let Some(live) = live::connect("migrate_refuse") else {
        return;
    };
    let client = &live.client;
    live.create::<readings_v1::Reading>();
    raw(r#"INSERT INTO "readings" ("id", "value", "label") VALUES (1, 10, 'a'), (2, 20, 'b')"#)
        .execute(client)
        .expect("rows");

    let plan = migrate::plan::<readings_v2::Reading>(client, &PlanOptions::new()).expect("plan");
    println!("{plan}");
    let refused: Vec<(Option<String>, bool)> = plan
        .refusals()
        .iter()
        .map(|r| (r.column.as_ref().map(ToString::to_string), r.rebuild_would))
        .collect();
    let yes = |c: &str| (Some(c.to_owned()), true);
    assert_eq!(
        refused,
        vec![
            yes("id"),
            yes("value"),
            yes("label"),
            yes("note"),
            yes("tenfold"),
            (Some("mandatory".into()), false),
            (None, true), // the named fulltext index
            (None, true), // the primary key
            (None, true), // the routing: by `_id` for a composite key
            (None, true), // the shard count
        ]
    );
    let text = plan.to_sql();
    assert!(text.contains("REFUSED"), "{text}");
    assert!(
        text.contains("column id: type INTEGER in the table, BIGINT in the model: CrateDB has no ALTER COLUMN … TYPE; a rebuild can"),
        "{text}"
    );
    assert!(text.contains("column tenfold: not in the table: CrateDB adds a generated column only to an empty table (2 rows)"), "{text}");
    assert!(text.contains("column mandatory: a NOT NULL column without a default cannot be added to a table with 2 rows"), "{text}");
    let before = migrate::diff::<readings_v2::Reading>(client).expect("diff");
    let err = plan.apply(client).expect_err("refused");
    assert!(
        matches!(&err, Error::PlanRefused { refusals } if refusals.len() == 10),
        "{err}"
    );
    println!("apply: {err}");
    let after = migrate::diff::<readings_v2::Reading>(client).expect("diff");
    assert_eq!(before.changes, after.changes, "nothing ran");

    // A rebuild cannot give the existing rows a value for `mandatory`.
    let plan = migrate::plan::<readings_v2::Reading>(client, &PlanOptions::new().rebuild(true))
        .expect("plan");
    let refused: Vec<String> = plan.refusals().iter().map(|r| r.to_string()).collect();
    assert_eq!(refused.len(), 1, "{refused:?}");
    assert!(refused[0].contains("column mandatory"), "{refused:?}");
    assert!(matches!(plan.actions().next(), Some(Action::Rebuild(_))));
    println!("with rebuild(true): {}", refused[0]);

    // A NOT NULL column is added in place to an empty table.
    raw(r#"DELETE FROM "readings""#)
        .execute(client)
        .expect("empty");
    live.refresh("readings");
    let plan = migrate::plan::<readings_v2::Reading>(client, &PlanOptions::new()).expect("plan");
    assert!(plan
        .statements()
        .iter()
        .any(|s| s.ends_with(r#"ADD COLUMN "mandatory" TEXT NOT NULL"#)));
    assert!(plan
        .statements()
        .iter()
        .any(|s| s.ends_with(r#"ADD COLUMN "tenfold" BIGINT GENERATED ALWAYS AS (value * 10)"#)));
}

mod metrics_v1 {
    use cratedb_orm::CrateModel;

    #[derive(CrateModel, Debug, Default, Clone)]
    #[cratedb(table = "metrics")]
    pub struct Metric {
        #[cratedb(primary_key)]
        pub id: i32,
        pub value: i32,
        pub label: Option<String>,
        pub old: Option<String>,
    }
}

mod metrics_v2 {
    use cratedb_orm::CrateModel;

    /// Wider types, a rename, a generated column and a new key column with a default: a
    /// rebuild.
    #[derive(CrateModel, Debug, Default, Clone)]
    #[cratedb(table = "metrics", number_of_shards = 3)]
    pub struct Metric {
        #[cratedb(primary_key)]
        pub id: i64,
        pub value: i64,
        #[cratedb(renamed_from = "label", fulltext(analyzer = "english"))]
        pub title: Option<String>,
        #[cratedb(generated = "value * 2")]
        pub doubled: Option<i64>,
        #[cratedb(server_default = "'new'")]
        pub origin: Option<String>,
    }
}

#[test]
fn live_migrate_rebuilds_100000_rows_with_a_swap() {
    let Some(live) = live::connect("migrate_rebuild") else {
        return;
    };
    let client = &live.client;
    live.create::<metrics_v1::Metric>();
    const ROWS: i64 = 100_000;
    let started = Instant::now();
    raw(format!(
        r#"INSERT INTO "metrics" ("id", "value", "label", "old") SELECT g, g % 977, 'metric ' || g::TEXT, 'x' FROM generate_series(1, {ROWS}) AS t(g)"#
    ))
    .execute(client)
    .expect("100,000 rows");
    live.refresh("metrics");
    println!("100,000 rows written in {:?}", started.elapsed());

    // Without drop_columns the rebuild would lose `old`: refused.
    let plan = migrate::plan::<metrics_v2::Metric>(client, &PlanOptions::new().rebuild(true))
        .expect("plan");
    assert_eq!(plan.refusals().len(), 1, "{plan}");
    assert!(
        plan.refusals()[0].to_string().contains("column old"),
        "{plan}"
    );

    let options = PlanOptions::new()
        .rebuild(true)
        .drop_columns(true)
        .stamp("test");
    let plan = migrate::plan::<metrics_v2::Metric>(client, &options).expect("plan");
    println!("{plan}");
    assert!(plan.refusals().is_empty(), "{plan}");
    let s = &live.schema;
    let statements = plan.statements();
    assert_eq!(
        statements[3],
        format!(
            r#"INSERT INTO "{s}"."metrics_before_test" ("id", "value", "title") SELECT "id", "value", "label" FROM "{s}"."metrics""#
        )
    );
    assert_eq!(
        statements[8],
        format!(r#"ALTER CLUSTER SWAP TABLE "{s}"."metrics_before_test" TO "{s}"."metrics""#)
    );

    let report = plan.apply(client).expect("rebuild");
    let rebuild = &report.rebuilds[0];
    println!(
        "rebuild of {} rows: {:?} (copied {}, late rows {}); old rows kept in {}",
        rebuild.rows, rebuild.duration, rebuild.copied, rebuild.late_rows, rebuild.kept
    );
    assert_eq!(
        (rebuild.rows, rebuild.copied, rebuild.late_rows),
        (ROWS, ROWS, 0)
    );
    assert!(report.warnings.is_empty(), "{:?}", report.warnings);
    assert!(migrate::diff::<metrics_v2::Metric>(client)
        .expect("diff")
        .is_empty());

    // Count and content: every row of the old table is in the new one, as it was.
    let same: Vec<(i64,)> = raw(format!(
        r#"SELECT count(*) FROM "{s}"."metrics" AS n JOIN "{s}"."metrics_before_test" AS o ON n."id" = o."id" WHERE n."value" = o."value" AND n."title" = o."label" AND n."doubled" = o."value" * 2 AND n."origin" = 'new'"#
    ))
    .fetch(client)
    .expect("compare");
    assert_eq!(same, [(ROWS,)]);
    let sums: Vec<(i64, i64, i64)> =
        raw(r#"SELECT count(*), sum("id"), sum("value") FROM "metrics""#)
            .fetch(client)
            .expect("sums");
    let expected_value_sum: i64 = (1..=ROWS).map(|g| g % 977).sum();
    assert_eq!(sums, [(ROWS, ROWS * (ROWS + 1) / 2, expected_value_sum)]);
    let types: Vec<(String, String)> = raw(
        r#"SELECT "column_name", "data_type" FROM "information_schema"."columns" WHERE "table_schema" = $1 AND "table_name" = 'metrics' ORDER BY "ordinal_position""#,
    )
    .bind(s.as_str())
    .fetch(client)
    .expect("types");
    assert_eq!(
        types,
        [
            ("id".into(), "bigint".into()),
            ("value".into(), "bigint".into()),
            ("title".into(), "text".into()),
            ("doubled".into(), "bigint".into()),
            ("origin".into(), "text".into())
        ]
    );
    // The new table takes writes; the kept one is yours to drop.
    let mut session = Session::new(client.clone());
    session.add(metrics_v2::Metric {
        id: ROWS + 1,
        value: 1,
        ..Default::default()
    });
    session.commit().expect("write to the rebuilt table");
    raw(format!(r#"DROP TABLE {}"#, rebuild.kept))
        .execute(client)
        .expect("drop the kept table");
}

mod codes_v1 {
    use cratedb_orm::CrateModel;

    #[derive(CrateModel, Debug, Default, Clone)]
    #[cratedb(table = "codes")]
    pub struct Entry {
        #[cratedb(primary_key)]
        pub id: i32,
        pub code: Option<String>,
    }
}

mod codes_v2 {
    use cratedb_orm::CrateModel;

    #[derive(CrateModel, Debug, Default, Clone)]
    #[cratedb(table = "codes")]
    pub struct Entry {
        #[cratedb(primary_key)]
        pub id: i32,
        pub code: Option<i32>,
    }
}

#[test]
fn live_migrate_rebuild_stops_when_rows_do_not_fit() {
    let Some(live) = live::connect("migrate_rebuild_stop") else {
        return;
    };
    let client = &live.client;
    live.create::<codes_v1::Entry>();
    raw(r#"INSERT INTO "codes" ("id", "code") VALUES (1, '10'), (2, 'abc'), (3, NULL)"#)
        .execute(client)
        .expect("rows");
    live.refresh("codes");
    let plan =
        migrate::plan::<codes_v2::Entry>(client, &PlanOptions::new().rebuild(true).stamp("stop"))
            .expect("plan");
    let err = plan.apply(client).expect_err("'abc' is no INTEGER");
    println!("{err}");
    let Error::Migration(failure) = &err else {
        panic!("expected a migration failure, got {err:?}");
    };
    let s = &live.schema;
    assert!(failure.failed.starts_with("check: "), "{}", failure.failed);
    assert!(
        matches!(
            failure.cause,
            Error::RebuildMismatch {
                rows: 3,
                copied: 2,
                inserted: 2,
                ..
            }
        ),
        "{:?}",
        failure.cause
    );
    assert_eq!(failure.ran.len(), 7);
    assert_eq!(failure.not_run.len(), 4);
    assert_eq!(
        failure.cleanup,
        [
            format!(r#"ALTER TABLE "{s}"."codes" SET ("blocks.write" = false)"#),
            format!(r#"DROP TABLE "{s}"."codes_before_stop""#)
        ]
    );
    // As it was: the new table gone, writes allowed, the values still text.
    assert!(!reflect::table_exists(client, None, "codes_before_stop").expect("exists"));
    raw(r#"INSERT INTO "codes" ("id", "code") VALUES (4, 'x')"#)
        .execute(client)
        .expect("writes allowed again");
    let diff = migrate::diff::<codes_v2::Entry>(client).expect("diff");
    assert_eq!(diff.changes.len(), 1, "{diff}");
}

/// What the planner, the rebuild and the lock rely on, shown on the server itself.
#[test]
fn live_server_facts_the_migrations_rely_on() {
    let Some(live) = live::connect("migrate_facts") else {
        return;
    };
    let client = &live.client;
    let run = |sql: &str| raw(sql).execute(client);
    let fetch = |sql: &str| -> Vec<Vec<Value>> { raw(sql).fetch(client).expect(sql) };
    let code = |r: Result<i64, Error>| live::sql_error(&r.expect_err("an error")).map(|e| e.1);
    run(r#"CREATE TABLE "t" ("id" INTEGER PRIMARY KEY, "name" TEXT)"#).expect("t");
    run(r#"INSERT INTO "t" ("id", "name") VALUES (1, '10'), (2, 'abc')"#).expect("rows");
    live.refresh("t");

    // ADD COLUMN with DEFAULT on a table with rows: old rows NULL, new rows the default.
    run(r#"ALTER TABLE "t" ADD COLUMN "c" INTEGER DEFAULT 5"#).expect("add with default");
    run(r#"INSERT INTO "t" ("id", "name") VALUES (3, 'x')"#).expect("row 3");
    live.refresh("t");
    assert_eq!(
        fetch(r#"SELECT "id", "c" FROM "t" ORDER BY "id""#),
        [
            vec![Value::from(1), Value::Null],
            vec![Value::from(2), Value::Null],
            vec![Value::from(3), Value::from(5)]
        ]
    );
    // ADD COLUMN … NOT NULL on a table with rows: accepted, old rows NULL, and then no
    // UPDATE of them passes; `IS NULL` does not even find them (the index has no NULLs).
    run(r#"ALTER TABLE "t" ADD COLUMN "nn" TEXT NOT NULL"#).expect("NOT NULL accepted");
    let update = run(r#"UPDATE "t" SET "name" = 'y' WHERE "id" = 1"#);
    let err = update.expect_err("old rows cannot be updated");
    assert!(err.to_string().contains("\"nn\" must not be null"), "{err}");
    assert_eq!(
        fetch(r#"SELECT count(*) FROM "t" WHERE "nn" IS NULL"#),
        [vec![Value::from(0)]]
    );
    assert_eq!(
        fetch(r#"SELECT count(*) FROM "t" WHERE coalesce("nn", '-') = '-'"#),
        [vec![Value::from(3)]]
    );
    // Generated and key columns only on an empty table.
    assert_eq!(
        code(run(
            r#"ALTER TABLE "t" ADD COLUMN "g" INTEGER GENERATED ALWAYS AS "id" * 2"#
        )),
        Some(4004)
    );
    assert_eq!(
        code(run(r#"ALTER TABLE "t" ADD COLUMN "k" INTEGER PRIMARY KEY"#)),
        Some(4004)
    );
    // One rename per statement; NOT NULL cannot be dropped.
    assert_eq!(
        code(run(
            r#"ALTER TABLE "t" RENAME COLUMN "name" TO "n", RENAME COLUMN "c" TO "cc""#
        )),
        Some(4000)
    );
    let not_null = format!("{}_t_nn_not_null", live.schema);
    assert_eq!(
        code(run(&format!(
            r#"ALTER TABLE "t" DROP CONSTRAINT "{not_null}""#
        ))),
        Some(4000)
    );
    // EXPLAIN prints an expression as information_schema does.
    let plan = fetch(r#"EXPLAIN SELECT "id"*2 + 1, concat('a', 'b') FROM "t""#);
    assert!(
        plan[0][0]
            .as_str()
            .is_some_and(|p| p.contains("[((id * 2) + 1), 'ab']")),
        "{plan:?}"
    );
    // INSERT … SELECT: the row count is the rows written; a value that does not cast is
    // skipped without an error.
    run(r#"CREATE TABLE "t2" ("id" BIGINT PRIMARY KEY, "name" INTEGER)"#).expect("t2");
    let copied = run(r#"INSERT INTO "t2" ("id", "name") SELECT "id", "name" FROM "t""#);
    assert_eq!(copied.expect("copy"), 1, "'abc' and 'x' are skipped");
    // SWAP TABLE: refused while writes are blocked, else row count 1.
    run(r#"ALTER TABLE "t" SET ("blocks.write" = true)"#).expect("block");
    assert_eq!(
        code(run(r#"INSERT INTO "t" ("id", "nn") VALUES (9, 'z')"#)),
        Some(4007)
    );
    assert_eq!(
        code(run(r#"ALTER CLUSTER SWAP TABLE "t2" TO "t""#)),
        Some(4007)
    );
    // … and to drop it (why a rebuild leaves the old table writable).
    assert_eq!(code(run(r#"DROP TABLE "t""#)), Some(4007));
    run(r#"ALTER TABLE "t" SET ("blocks.write" = false)"#).expect("unblock");
    assert_eq!(
        run(r#"ALTER CLUSTER SWAP TABLE "t2" TO "t""#).expect("swap"),
        1
    );
    assert_eq!(
        fetch(
            r#"SELECT "data_type" FROM "information_schema"."columns" WHERE "table_schema" = CURRENT_SCHEMA AND "table_name" = 't' AND "column_name" = 'id'"#
        ),
        [vec![Value::from("bigint")]]
    );
    // A DELETE by key with another condition finds the row by a search, which sees the
    // last refresh: it deleted a row whose `owner` had changed (why the lock uses only the
    // key and `_seq_no`).
    run(r#"CREATE TABLE "lk" ("id" TEXT PRIMARY KEY, "owner" TEXT) WITH (refresh_interval = 0)"#)
        .expect("lk");
    run(r#"INSERT INTO "lk" ("id", "owner") VALUES ('lock', 'a')"#).expect("a");
    live.refresh("lk");
    run(r#"UPDATE "lk" SET "owner" = 'b' WHERE "id" = 'lock'"#).expect("b");
    assert_eq!(
        run(r#"DELETE FROM "lk" WHERE "id" = 'lock' AND "owner" = 'a'"#).expect("delete"),
        1
    );
    println!("ADD COLUMN DEFAULT, NOT NULL, generated, key; RENAME list; DROP CONSTRAINT; EXPLAIN; INSERT … SELECT skips; SWAP and DROP vs blocks.write; DELETE by key + condition: as documented");
}

mod settings_v1 {
    use cratedb_orm::CrateModel;

    #[derive(CrateModel, Debug, Default, Clone)]
    #[cratedb(table = "settings")]
    pub struct Thing {
        #[cratedb(primary_key)]
        pub id: i32,
        #[cratedb(server_default = "'a'")]
        pub kind: Option<String>,
        pub level: Option<i32>,
    }
}

mod settings_v2 {
    use cratedb_orm::CrateModel;

    /// Another default, no default, a column policy; then (on the empty table) a NOT NULL
    /// and a generated column.
    #[derive(CrateModel, Debug, Default, Clone)]
    #[cratedb(table = "settings", with(column_policy = "dynamic"))]
    pub struct Thing {
        #[cratedb(primary_key)]
        pub id: i32,
        #[cratedb(server_default = "'b'")]
        pub kind: Option<String>,
        #[cratedb(server_default = "7")]
        pub level: Option<i32>,
        pub code: String,
        #[cratedb(generated = "id * 2")]
        pub twice: Option<i32>,
    }
}

#[test]
fn live_migrate_defaults_policy_and_an_empty_table() {
    let Some(live) = live::connect("migrate_defaults") else {
        return;
    };
    let client = &live.client;
    live.create::<settings_v1::Thing>();
    let plan = migrate::plan::<settings_v2::Thing>(client, &PlanOptions::new()).expect("plan");
    println!("{plan}");
    let s = &live.schema;
    let t = format!(r#""{s}"."settings""#);
    assert_eq!(
        plan.statements(),
        [
            format!(r#"ALTER TABLE {t} ADD COLUMN "code" TEXT NOT NULL"#),
            format!(r#"ALTER TABLE {t} ADD COLUMN "twice" INTEGER GENERATED ALWAYS AS (id * 2)"#),
            format!(r#"ALTER TABLE {t} ALTER COLUMN "kind" SET DEFAULT 'b'"#),
            format!(r#"ALTER TABLE {t} ALTER COLUMN "level" SET DEFAULT 7"#),
            format!(r#"ALTER TABLE {t} SET (column_policy = 'dynamic')"#),
        ]
    );
    plan.apply(client).expect("apply");
    assert!(migrate::diff::<settings_v2::Thing>(client)
        .expect("diff")
        .is_empty());
    let mut session = Session::new(client.clone());
    session.add(settings_v2::Thing {
        id: 4,
        code: "c".into(),
        ..Default::default()
    });
    session.commit().expect("insert");
    let h = session
        .find::<settings_v2::Thing>(4)
        .expect("find")
        .expect("row");
    assert_eq!(
        (
            session[h].kind.as_deref(),
            session[h].level,
            session[h].twice
        ),
        (Some("b"), Some(7), Some(8))
    );
    // Back to v1: the default dropped, the policy left as the table has it (v1 does not
    // declare one), the new columns kept.
    let plan = migrate::plan::<settings_v1::Thing>(client, &PlanOptions::new()).expect("back");
    assert_eq!(
        plan.statements(),
        [
            format!(r#"ALTER TABLE {t} ALTER COLUMN "kind" SET DEFAULT 'a'"#),
            format!(r#"ALTER TABLE {t} ALTER COLUMN "level" DROP DEFAULT"#),
        ]
    );
    plan.apply(client).expect("apply back");
    let definition = reflect::definition_of::<settings_v1::Thing>(client)
        .expect("definition")
        .expect("table");
    assert_eq!(definition.column_policy.as_deref(), Some("dynamic"));
    assert_eq!(
        definition.top_column("level").map(|c| c.default.clone()),
        Some(None)
    );
}

mod events_v1 {
    use cratedb_orm::{CrateModel, TimestampTz};

    #[derive(CrateModel, Debug, Default, Clone)]
    #[cratedb(table = "events")]
    pub struct Event {
        #[cratedb(primary_key)]
        pub id: String,
        pub ts: TimestampTz,
        pub kind: Option<String>,
    }
}

mod events_v2 {
    use cratedb_orm::{CrateModel, TimestampTz};

    /// Partitioned by a generated day, which joins the key.
    #[derive(CrateModel, Debug, Default, Clone)]
    #[cratedb(table = "events", partitioned_by("day"))]
    #[cratedb(fulltext(name = "kind_ft", columns("kind"), analyzer = "english"))]
    pub struct Event {
        #[cratedb(primary_key)]
        pub id: String,
        pub ts: TimestampTz,
        #[cratedb(primary_key, generated = "date_trunc('day', ts)")]
        pub day: Option<TimestampTz>,
        pub kind: Option<String>,
    }
}

#[test]
fn live_migrate_rebuilds_into_a_partitioned_table() {
    let Some(live) = live::connect("migrate_partition") else {
        return;
    };
    let client = &live.client;
    live.create::<events_v1::Event>();
    raw(r#"INSERT INTO "events" ("id", "ts", "kind") SELECT 'e' || g::TEXT, 1767225600000 + g * 3600000, 'kind ' || (g % 5)::TEXT FROM generate_series(1, 240) AS t(g)"#)
        .execute(client)
        .expect("240 events over 10 days");
    live.refresh("events");
    let plan = migrate::plan::<events_v2::Event>(client, &PlanOptions::new()).expect("plan");
    let reasons: Vec<String> = plan.refusals().iter().map(|r| r.reason.clone()).collect();
    println!("{reasons:#?}");
    assert!(
        reasons.iter().any(|r| r.contains("PARTITIONED BY")),
        "{reasons:?}"
    );
    let plan =
        migrate::plan::<events_v2::Event>(client, &PlanOptions::new().rebuild(true).stamp("p"))
            .expect("plan");
    let report = plan.apply(client).expect("rebuild");
    let rebuild = &report.rebuilds[0];
    assert_eq!((rebuild.rows, rebuild.copied), (240, 240));
    println!(
        "partitioned rebuild of {} rows in {:?}",
        rebuild.rows, rebuild.duration
    );
    let partitions = reflect::partitions_of::<events_v2::Event>(client).expect("partitions");
    assert_eq!(partitions.len(), 11);
    assert!(migrate::diff::<events_v2::Event>(client)
        .expect("diff")
        .is_empty());
    let matched: Vec<(i64,)> =
        raw(r#"SELECT count(*) FROM "events" WHERE MATCH("kind_ft", 'kind')"#)
            .fetch(client)
            .expect("fulltext");
    assert_eq!(matched, [(240,)]);
}

mod keys_v1 {
    use cratedb_orm::CrateModel;

    #[derive(CrateModel, Debug, Default, Clone)]
    #[cratedb(table = "keyed", clustered_by = "device")]
    pub struct Keyed {
        #[cratedb(primary_key)]
        pub device: String,
        #[cratedb(primary_key)]
        pub n: i32,
        pub v: Option<i32>,
    }
}

mod keys_v2 {
    use cratedb_orm::CrateModel;

    /// The key and routing column renamed: CrateDB renames it in place and rewrites the key
    /// and the routing.
    #[derive(CrateModel, Debug, Default, Clone)]
    #[cratedb(table = "keyed", clustered_by = "device_id")]
    pub struct Keyed {
        #[cratedb(primary_key, renamed_from = "device")]
        pub device_id: String,
        #[cratedb(primary_key)]
        pub n: i32,
        pub v: Option<i32>,
    }
}

#[test]
fn live_migrate_renames_a_key_and_routing_column_in_place() {
    let Some(live) = live::connect("migrate_rename_key") else {
        return;
    };
    let client = &live.client;
    live.create::<keys_v1::Keyed>();
    raw(r#"INSERT INTO "keyed" ("device", "n", "v") VALUES ('a', 1, 10), ('b', 2, 20)"#)
        .execute(client)
        .expect("rows");
    let plan = migrate::plan::<keys_v2::Keyed>(client, &PlanOptions::new()).expect("plan");
    println!("{plan}");
    assert!(plan.refusals().is_empty(), "{plan}");
    assert_eq!(
        plan.statements(),
        [format!(
            r#"ALTER TABLE "{}"."keyed" RENAME COLUMN "device" TO "device_id""#,
            live.schema
        )]
    );
    plan.apply(client).expect("rename");
    let definition = reflect::definition_of::<keys_v2::Keyed>(client)
        .expect("definition")
        .expect("table");
    assert_eq!(definition.primary_key, ["device_id", "n"]);
    assert_eq!(definition.clustered_by.as_deref(), Some("device_id"));
    assert!(migrate::diff::<keys_v2::Keyed>(client)
        .expect("diff")
        .is_empty());
    let mut session = Session::new(client.clone());
    let b = session
        .find::<keys_v2::Keyed>(("b".to_owned(), 2))
        .expect("find")
        .expect("row b");
    assert_eq!(session[b].v, Some(20));
}
