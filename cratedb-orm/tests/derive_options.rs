//! Exact DDL and metadata for every `#[cratedb(...)]` option.

use cratedb_orm::model::{FulltextIndex, TableSetting};
use cratedb_orm::types::ObjectPolicy;
use cratedb_orm::{
    CrateModel, FloatVector, GeoPoint, Object, ObjectArray, RowLayout, SqlType, Timestamp,
    TimestampTz, Value,
};
use serde_json::json;

/// Partitioned, clustered, replicated, with settings, composite key, versioned.
#[derive(Debug, Default, PartialEq, CrateModel)]
#[cratedb(schema = "metrics", partitioned_by("day"), clustered_by = "host")]
#[cratedb(number_of_shards = 6, number_of_replicas = "0-1")]
#[cratedb(with(refresh_interval = 1000, "blocks.read_only" = false, "codec" = "best_compression"))]
#[cratedb(with(max_ngram_diff = -1, "weird" = 0.5), versioned)]
struct CpuUsage {
    #[cratedb(primary_key)]
    day: Timestamp,
    #[cratedb(primary_key)]
    host: String,
    #[cratedb(primary_key, column = "ts")]
    timestamp: TimestampTz,
    usage: f64,
    cores: Option<i16>,
    load: Option<f32>,
    samples: i64,
    ok: bool,
    #[cratedb(skip)]
    cache: Vec<u8>,
}

#[test]
fn table_options_render_in_order() {
    assert_eq!(
        CpuUsage::create_table_sql(),
        "CREATE TABLE \"metrics\".\"cpu_usage\" (\"day\" TIMESTAMP WITHOUT TIME ZONE NOT NULL, \
         \"host\" TEXT NOT NULL, \"ts\" TIMESTAMP WITH TIME ZONE NOT NULL, \"usage\" DOUBLE \
         PRECISION NOT NULL, \"cores\" SMALLINT, \"load\" REAL, \"samples\" BIGINT NOT NULL, \
         \"ok\" BOOLEAN NOT NULL, PRIMARY KEY (\"day\", \"host\", \"ts\")) PARTITIONED BY \
         (\"day\") CLUSTERED BY (\"host\") INTO 6 SHARDS WITH (number_of_replicas = '0-1', \
         refresh_interval = 1000, \"blocks.read_only\" = false, codec = 'best_compression', \
         max_ngram_diff = -1, weird = 0.5)"
    );
    assert_eq!(
        CpuUsage::drop_table_if_exists_sql(),
        "DROP TABLE IF EXISTS \"metrics\".\"cpu_usage\""
    );
    let meta = CpuUsage::meta();
    assert_eq!(meta.schema, Some("metrics"));
    assert_eq!(meta.primary_key, vec![0, 1, 2]);
    assert_eq!(meta.clustered_by, Some("host"));
    assert_eq!(meta.partitioned_by, vec!["day"]);
    assert_eq!(
        meta.with[0],
        ("number_of_replicas", TableSetting::Text("0-1"))
    );
    assert_eq!(meta.with[4], ("max_ngram_diff", TableSetting::Int(-1)));
    assert!(meta.versioned);
    assert_eq!(meta.columns.len(), 8, "skipped fields are not columns");
    assert_eq!(meta.columns[2].field, "timestamp");
    assert_eq!(CpuUsage::timestamp().name(), "ts");
}

#[test]
fn skipped_fields_load_as_default() {
    let cols = [
        "day", "host", "ts", "usage", "cores", "load", "samples", "ok",
    ];
    let mut row = vec![
        json!(0),
        json!("h"),
        json!("2024-01-01T00:00:00Z"),
        json!(0.5),
        json!(null),
        json!(1.5),
        json!(9_007_199_254_740_993_i64),
        json!(true),
    ];
    let m = CpuUsage::from_row(&RowLayout::new(CpuUsage::meta(), &cols), &mut row).unwrap();
    assert!(m.cache.is_empty());
    assert_eq!(m.timestamp, TimestampTz(1_704_067_200_000));
    assert_eq!(m.samples, 9_007_199_254_740_993);
    assert_eq!(m.load, Some(1.5));
}

fn default_tags() -> Vec<String> {
    vec!["new".to_owned()]
}

/// Column options: object policies, fulltext, generated, defaults, arrays, vectors, raw names.
#[derive(Debug, Default, CrateModel)]
#[cratedb(
    table = "Documents",
    fulltext(name = "all_ft", columns("title", "body"))
)]
struct Document {
    #[cratedb(primary_key, default = cratedb_orm::types::random_uuid)]
    id: Option<String>,
    #[cratedb(fulltext)]
    title: String,
    #[cratedb(fulltext(analyzer = "german"))]
    body: Option<String>,
    #[cratedb(fulltext(name = "summary_ft", analyzer = "english"), index = false)]
    summary: Option<String>,
    #[cratedb(column = "meta", object(policy = "strict", columns(author = "TEXT", pages = "integer", "first name" = "ARRAY(TEXT)")))]
    metadata: Object,
    #[cratedb(object(policy = "ignored"))]
    extra: Option<Object>,
    #[cratedb(object(policy = "dynamic", columns(n = "BIGINT")))]
    revisions: Option<ObjectArray>,
    #[cratedb(default = default_tags)]
    tags: Option<Vec<String>>,
    scores: Option<Vec<Option<i32>>>,
    embedding: Option<FloatVector<3>>,
    location: Option<GeoPoint>,
    raw: Value,
    #[cratedb(generated = "char_length(title)")]
    title_length: Option<i32>,
    #[cratedb(server_default = "'draft'", columnstore = false)]
    r#type: Option<String>,
}

#[test]
fn column_options_render_exactly() {
    assert_eq!(
        Document::create_table_sql(),
        "CREATE TABLE \"Documents\" (\"id\" TEXT NOT NULL, \"title\" TEXT NOT NULL INDEX USING \
         FULLTEXT, \"body\" TEXT INDEX USING FULLTEXT WITH (analyzer = 'german'), \"summary\" \
         TEXT INDEX OFF, \"meta\" OBJECT(STRICT) AS (\"author\" TEXT, \"pages\" INTEGER, \
         \"first name\" ARRAY(TEXT)) NOT NULL, \"extra\" OBJECT(IGNORED), \"revisions\" \
         ARRAY(OBJECT(DYNAMIC) AS (\"n\" BIGINT)), \"tags\" ARRAY(TEXT), \"scores\" \
         ARRAY(INTEGER), \"embedding\" FLOAT_VECTOR(3), \"location\" GEO_POINT, \"raw\" \
         OBJECT(IGNORED), \"title_length\" INTEGER GENERATED ALWAYS AS (char_length(title)), \
         \"type\" TEXT DEFAULT 'draft' STORAGE WITH (columnstore = false), INDEX \"all_ft\" \
         USING FULLTEXT (\"title\", \"body\"), INDEX \"summary_ft\" USING FULLTEXT \
         (\"summary\") WITH (analyzer = 'english'), PRIMARY KEY (\"id\"))"
    );
    let meta = Document::meta();
    assert_eq!(
        meta.fulltext_indexes[1],
        FulltextIndex {
            name: "summary_ft",
            columns: vec!["summary"],
            analyzer: Some("english"),
        }
    );
    assert_eq!(
        meta.column("extra").map(|c| c.sql_type.clone()),
        Some(SqlType::Object {
            policy: Some(ObjectPolicy::Ignored),
            columns: vec![]
        })
    );
    assert_eq!(Document::r#type().name(), "type");
    assert_eq!(meta.column("type").map(|c| c.field), Some("type"));
}

#[test]
fn client_defaults_use_into_and_respect_set_values() {
    let mut d = Document::default();
    d.apply_defaults();
    assert_eq!(d.id.as_ref().map(String::len), Some(36));
    assert_eq!(d.tags, Some(vec!["new".to_owned()]));
    let mut d = Document {
        tags: Some(vec!["kept".into()]),
        ..Default::default()
    };
    d.apply_defaults();
    assert_eq!(d.tags, Some(vec!["kept".to_owned()]));
    // A value you set is never replaced, even the type's default value.
    let mut d = Document {
        id: Some(String::new()),
        tags: Some(vec![]),
        ..Default::default()
    };
    d.apply_defaults();
    assert_eq!(d.id.as_deref(), Some(""));
    assert_eq!(d.tags, Some(vec![]));
}

fn yes() -> bool {
    true
}

fn answer() -> i64 {
    42
}

/// `false` and `0` are values: only `None` gets the default.
#[derive(Debug, Default, CrateModel)]
struct Flags {
    #[cratedb(primary_key)]
    id: i64,
    #[cratedb(default = yes)]
    flag: Option<bool>,
    #[cratedb(default = answer)]
    n: Option<i64>,
}

#[test]
fn client_defaults_fill_only_none() {
    let mut set = Flags {
        id: 1,
        flag: Some(false),
        n: Some(0),
    };
    set.apply_defaults();
    assert_eq!((set.flag, set.n), (Some(false), Some(0)));
    let mut unset = Flags::default();
    unset.apply_defaults();
    assert_eq!((unset.flag, unset.n), (Some(true), Some(42)));
}

fn default_code() -> String {
    "X".to_owned()
}

/// `default` results are converted with `Into`, e.g. `String` into `Option<String>`.
#[derive(Debug, Default, CrateModel)]
struct HTTPLog {
    #[cratedb(column = "_id")]
    id: Option<String>,
    #[cratedb(default = default_code)]
    code: Option<String>,
}

#[test]
fn default_table_name_is_snake_case() {
    assert_eq!(HTTPLog::meta().name, "http_log");
    assert_eq!(
        HTTPLog::create_table_sql(),
        "CREATE TABLE \"http_log\" (\"code\" TEXT)"
    );
    let mut log = HTTPLog::default();
    log.apply_defaults();
    assert_eq!(log.code.as_deref(), Some("X"));
    assert!(
        HTTPLog::meta().columns[0].fetched,
        "system columns are fetched"
    );
}

mod index_accessors {
    use cratedb_orm::expr::{match_, score};
    use cratedb_orm::CrateModel;

    #[derive(CrateModel, Debug, Default)]
    #[cratedb(table = "docs")]
    #[cratedb(fulltext(name = "match", columns("body")))]
    struct Doc {
        #[cratedb(primary_key)]
        id: String,
        #[cratedb(fulltext(name = "body_ft", analyzer = "english"))]
        body: String,
    }

    #[test]
    fn named_fulltext_indexes_get_accessors() {
        let (sql, args) = match_(Doc::body_ft(), "towel").into_expr().to_sql();
        assert_eq!(sql, r#"MATCH("body_ft", $1)"#);
        assert_eq!(args, vec![serde_json::json!("towel")]);
        let (sql, _) = match_(Doc::match_(), "x").into_expr().to_sql();
        assert_eq!(sql, r#"MATCH("match", $1)"#);
        let _ = score();
        let _ = Doc::id();
    }
}

/// `renamed_from` records the former column name; the DDL names only the current column.
#[derive(Debug, Default, CrateModel)]
#[cratedb(table = "devices")]
struct RenamedDevice {
    #[cratedb(primary_key, renamed_from = "device")]
    device_id: String,
    #[cratedb(column = "battery_pct", renamed_from = "battery")]
    battery: Option<f64>,
    name: Option<String>,
}

#[test]
fn renamed_from_is_metadata_only() {
    let meta = RenamedDevice::meta();
    let renamed: Vec<(&str, Option<&str>)> = meta
        .columns
        .iter()
        .map(|c| (c.name, c.renamed_from))
        .collect();
    assert_eq!(
        renamed,
        vec![
            ("device_id", Some("device")),
            ("battery_pct", Some("battery")),
            ("name", None)
        ]
    );
    assert_eq!(
        RenamedDevice::create_table_sql(),
        r#"CREATE TABLE "devices" ("device_id" TEXT NOT NULL, "battery_pct" DOUBLE PRECISION, "name" TEXT, PRIMARY KEY ("device_id"))"#
    );
}
