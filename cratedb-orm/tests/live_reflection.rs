//! Reflection against a real CrateDB (`CRATEDB_URL`): schemas, tables and views, columns with
//! CrateDB's type names, nullability, defaults and generation expressions, object keys, a
//! composite primary key, the server version.

mod live;

use cratedb_orm::raw::raw;
use cratedb_orm::reflect::{self, ColumnInfo};
use cratedb_orm::{CrateModel, FloatVector, GeoPoint, Object, TimestampTz};

#[derive(CrateModel, Debug, Clone, Default, PartialEq)]
#[cratedb(table = "catalog", number_of_shards = 2, number_of_replicas = "0")]
struct Entry {
    #[cratedb(primary_key)]
    shelf: String,
    #[cratedb(primary_key)]
    slot: i32,
    title: String,
    #[cratedb(generated = "lower(title)")]
    title_lower: Option<String>,
    #[cratedb(server_default = "now()")]
    added: Option<TimestampTz>,
    tags: Option<Vec<String>>,
    #[cratedb(object(policy = "strict", columns(author = "TEXT", pages = "INTEGER")))]
    book: Object,
    notes: Option<Object>,
    location: Option<GeoPoint>,
    embedding: Option<FloatVector<4>>,
    price: Option<f64>,
    count: Option<i64>,
}

fn describe(c: &ColumnInfo) -> (String, String, bool) {
    (c.name.clone(), c.data_type.clone(), c.nullable)
}

#[test]
fn live_reflection_of_schemas_tables_columns_and_keys() {
    let Some(live) = live::connect("reflection") else {
        return;
    };
    let client = &live.client;
    assert!(!reflect::table_exists(client, None, "catalog").expect("exists before"));
    live.create::<Entry>();
    raw(r#"CREATE VIEW "catalog_titles" AS SELECT "title" FROM "catalog""#)
        .execute(client)
        .expect("create view");

    // Schemas: the run's own, and CrateDB's.
    let schemas = reflect::schemas(client).expect("schemas");
    for schema in [
        live.schema.as_str(),
        "doc",
        "information_schema",
        "pg_catalog",
        "sys",
    ] {
        assert!(
            schemas.iter().any(|s| s == schema),
            "{schema} in {schemas:?}"
        );
    }
    let mut sorted = schemas.clone();
    sorted.sort();
    assert_eq!(schemas, sorted);

    // Tables and views of the client's default schema (the run's own).
    let tables = reflect::tables(client, None).expect("tables");
    let found: Vec<(String, String, bool)> = tables
        .iter()
        .map(|t| (t.schema.clone(), t.name.clone(), t.is_view()))
        .collect();
    assert_eq!(
        found,
        vec![
            (live.schema.clone(), "catalog".into(), false),
            (live.schema.clone(), "catalog_titles".into(), true),
        ]
    );
    assert!(reflect::table_exists(client, None, "catalog").expect("exists"));
    assert!(reflect::table_exists(client, Some(live.schema.as_str()), "catalog").expect("exists"));
    assert!(!reflect::table_exists(client, Some("doc"), "catalog").expect("not in doc"));

    // Columns, in table order, with CrateDB's type names.
    let columns = reflect::columns_of::<Entry>(client).expect("columns");
    let top: Vec<(String, String, bool)> = columns
        .iter()
        .filter(|c| !c.is_object_key())
        .map(describe)
        .collect();
    let expect =
        |name: &str, ty: &str, nullable: bool| (name.to_string(), ty.to_string(), nullable);
    assert_eq!(
        top,
        vec![
            expect("shelf", "text", false),
            expect("slot", "integer", false),
            expect("title", "text", false),
            expect("title_lower", "text", true),
            expect("added", "timestamp with time zone", true),
            expect("tags", "text_array", true),
            expect("book", "object", false),
            expect("notes", "object", true),
            expect("location", "geo_point", true),
            expect("embedding", "float_vector", true),
            expect("price", "double precision", true),
            expect("count", "bigint", true),
        ]
    );
    // Positions count the object's declared keys too (right after the object).
    let positions: Vec<(&str, Option<i64>)> = columns
        .iter()
        .map(|c| (c.name.as_str(), c.position))
        .collect();
    assert_eq!(
        positions,
        vec![
            ("shelf", Some(1)),
            ("slot", Some(2)),
            ("title", Some(3)),
            ("title_lower", Some(4)),
            ("added", Some(5)),
            ("tags", Some(6)),
            ("book", Some(7)),
            ("book['author']", Some(8)),
            ("book['pages']", Some(9)),
            ("notes", Some(10)),
            ("location", Some(11)),
            ("embedding", Some(12)),
            ("price", Some(13)),
            ("count", Some(14)),
        ]
    );
    let column = |name: &str| {
        columns
            .iter()
            .find(|c| c.name == name)
            .unwrap_or_else(|| panic!("column {name} in {columns:?}"))
    };
    assert_eq!(
        column("title_lower").generated.as_deref(),
        Some("lower(title)")
    );
    assert_eq!(column("added").default.as_deref(), Some("now()"));
    assert_eq!(column("title").generated, None);
    // The strict object's declared keys are columns of their own.
    let keys: Vec<(String, String, bool)> = columns
        .iter()
        .filter(|c| c.is_object_key())
        .map(describe)
        .collect();
    assert_eq!(
        keys,
        vec![
            expect("book['author']", "text", true),
            expect("book['pages']", "integer", true),
        ]
    );

    // A key added by a row to the dynamic object shows up as a column too.
    raw(r#"INSERT INTO "catalog" ("shelf", "slot", "title", "book", "notes") VALUES ($1, $2, $3, $4, $5)"#)
        .bind("A")
        .bind(1)
        .bind("Dirk Gently")
        .bind(serde_json::json!({"author": "Adams", "pages": 306}))
        .bind(serde_json::json!({"mood": "holistic"}))
        .execute(client)
        .expect("insert");
    let columns = reflect::columns(client, None, "catalog").expect("columns");
    assert!(
        columns
            .iter()
            .any(|c| c.name == "notes['mood']" && c.data_type == "text" && c.is_object_key()),
        "{columns:?}"
    );

    // The composite primary key, in declaration order.
    assert_eq!(
        reflect::primary_key(client, None, "catalog").expect("primary key"),
        vec!["shelf", "slot"]
    );
    assert_eq!(
        reflect::primary_key(client, None, "catalog_titles").expect("a view has none"),
        Vec::<String>::new()
    );

    // The server version, as sys.nodes reports it.
    let version = reflect::server_version(client)
        .expect("version")
        .expect("a version");
    let (number,): (String,) = raw("SELECT version['number'] FROM sys.nodes LIMIT 1")
        .fetch(client)
        .expect("sys.nodes")
        .pop()
        .expect("a node");
    assert_eq!(version.text, number);
    assert!(version.at_least(5, 10), "{version:?}");
}
