//! The seed's four models: exact DDL, metadata, accessors and row codec.

mod models;

use cratedb_orm::{CrateModel, CrateType, Object, RowLayout, SqlType};
use models::{Character, City, Item, Log};
use serde_json::json;

#[test]
fn character_ddl_is_exact() {
    assert_eq!(
        Character::create_table_sql(),
        "CREATE TABLE \"characters\" (\"id\" TEXT NOT NULL, \"name\" TEXT INDEX OFF, \
         \"name_normalized\" TEXT GENERATED ALWAYS AS (lower(name)), \"quote\" TEXT NOT NULL, \
         \"details\" OBJECT, \"more_details\" ARRAY(OBJECT), \"even_more_details\" TEXT STORAGE \
         WITH (columnstore = false), \"created_at\" TIMESTAMP WITH TIME ZONE DEFAULT now(), \
         INDEX \"name_ft\" USING FULLTEXT (\"name\") WITH (analyzer = 'english'), INDEX \
         \"quote_ft\" USING FULLTEXT (\"quote\") WITH (analyzer = 'english'), PRIMARY KEY \
         (\"id\")) CLUSTERED INTO 3 SHARDS"
    );
    assert!(Character::create_table_if_not_exists_sql()
        .starts_with("CREATE TABLE IF NOT EXISTS \"characters\" (\"id\" TEXT NOT NULL, "));
    assert_eq!(Character::drop_table_sql(), "DROP TABLE \"characters\"");
    assert_eq!(
        Character::drop_table_if_exists_sql(),
        "DROP TABLE IF EXISTS \"characters\""
    );
}

#[test]
fn log_item_city_ddl_is_exact() {
    assert_eq!(
        Log::create_table_sql(),
        "CREATE TABLE \"logs\" (\"ts\" TIMESTAMP WITH TIME ZONE DEFAULT current_timestamp, \
         \"level\" TEXT NOT NULL, \"message\" TEXT NOT NULL)"
    );
    assert_eq!(
        Item::create_table_sql(),
        "CREATE TABLE \"items\" (\"id\" TEXT DEFAULT gen_random_text_uuid() NOT NULL, \"name\" \
         TEXT NOT NULL, PRIMARY KEY (\"id\"))"
    );
    assert_eq!(
        City::create_table_sql(),
        "CREATE TABLE \"cities\" (\"name\" TEXT NOT NULL, \"coordinate\" GEO_POINT, \"area\" \
         GEO_SHAPE, PRIMARY KEY (\"name\"))"
    );
}

#[test]
fn character_metadata() {
    let meta = Character::meta();
    assert_eq!(meta.model, "Character");
    assert_eq!(meta.name, "characters");
    assert_eq!(meta.schema, None);
    assert_eq!(meta.primary_key, vec![0]);
    assert_eq!(meta.number_of_shards, Some(3));
    assert_eq!(meta.fulltext_indexes.len(), 2);
    assert!(!meta.versioned);
    let names: Vec<_> = meta.columns.iter().map(|c| c.name).collect();
    assert_eq!(
        names,
        [
            "id",
            "name",
            "name_normalized",
            "quote",
            "details",
            "more_details",
            "even_more_details",
            "created_at"
        ]
    );
    let id = &meta.columns[0];
    assert!(id.primary_key && id.client_default && !id.nullable && !id.is_read_only());
    assert!(meta.columns[2].is_read_only() && meta.columns[2].is_server_generated());
    assert!(meta.columns[7].is_server_generated() && !meta.columns[7].is_read_only());
    assert_eq!(meta.columns[4].sql_type, SqlType::object());
    assert!(std::ptr::eq(meta, Character::meta()), "built once");
}

#[test]
fn log_identity_is_the_fetched_id() {
    let meta = Log::meta();
    let id = &meta.columns[0];
    assert_eq!((id.name, id.field), ("_id", "id"));
    assert!(id.fetched && id.is_system() && id.is_read_only());
    assert!(meta.primary_key.is_empty());
    assert_eq!(meta.identity_columns(), vec![0]);
    assert_eq!(Log::id().name(), "_id");
}

#[test]
fn item_key_comes_from_the_server() {
    let id = &Item::meta().columns[0];
    assert!(
        id.primary_key && !id.nullable && id.is_server_generated(),
        "a key column is NOT NULL even when a default fills it"
    );
    assert_eq!(id.server_default, Some("gen_random_text_uuid()"));
}

#[test]
fn accessors_name_their_columns() {
    assert_eq!(Character::id().name(), "id");
    assert_eq!(Character::more_details().name(), "more_details");
    assert_eq!(City::coordinate().name(), "coordinate");
    const QUOTE: cratedb_orm::Column<Character, String> = Character::quote();
    assert_eq!(QUOTE.name(), "quote");
}

#[test]
fn defaults_fill_only_unset_fields() {
    let mut c = Character {
        quote: "Don't panic".into(),
        ..Default::default()
    };
    c.apply_defaults();
    assert_eq!(c.id.as_ref().map(String::len), Some(36));
    let id = c.id.clone();
    c.apply_defaults();
    assert_eq!(c.id, id, "a set key is kept");
    let mut item = Item::default();
    item.apply_defaults();
    assert_eq!(
        item.id, None,
        "server defaults are not applied by the client"
    );
}

#[test]
fn rows_decode_by_column_name_in_any_order() {
    let cols = [
        "created_at",
        "quote",
        "unrelated",
        "name",
        "id",
        "details",
        "more_details",
        "name_normalized",
        "even_more_details",
    ];
    let mut row = vec![
        json!(1_700_000_000_000_i64),
        json!("Don't panic"),
        json!(42),
        json!("Arthur"),
        json!("a1"),
        json!({"gender": "male"}),
        json!([{"foo": 1}]),
        json!("arthur"),
        json!(null),
    ];
    let layout = RowLayout::new(Character::meta(), &cols);
    let c = Character::from_row(&layout, &mut row).unwrap();
    assert_eq!(c.id.as_deref(), Some("a1"));
    assert_eq!(c.name.as_deref(), Some("Arthur"));
    assert_eq!(c.created_at.map(|t| t.millis()), Some(1_700_000_000_000));
    assert_eq!(
        c.details
            .as_ref()
            .and_then(|d| d.get_as::<String>("gender").ok()),
        Some("male".to_owned())
    );
    assert_eq!(
        c.more_details.as_ref().map(|m| m.values_of("foo")),
        Some(vec![json!(1)])
    );
    assert_eq!(row[2], json!(42), "extra columns are left alone");

    let values = c.to_values();
    assert_eq!(values.len(), 8);
    assert_eq!(values[0], json!("a1"));
    assert_eq!(values[7], json!(1_700_000_000_000_i64));
    for (i, v) in values.iter().enumerate() {
        assert_eq!(&c.column_value(i), v);
    }
    assert_eq!(c.column_value(8), json!(null));

    let mut again = values.clone();
    let back = Character::from_row(&RowLayout::identity(Character::meta()), &mut again).unwrap();
    assert_eq!(back, c);
}

#[test]
fn set_column_reads_back_server_values() {
    let mut item = Item {
        name: "towel".into(),
        ..Default::default()
    };
    item.set_column(0, json!("server-made")).unwrap();
    assert_eq!(item.id.as_deref(), Some("server-made"));
    let err = item.set_column(1, json!(3)).unwrap_err();
    assert_eq!(err.to_string(), "column \"name\": expected TEXT, found 3");
    let err = item.set_column(9, json!(3)).unwrap_err();
    assert_eq!(
        err.to_string(),
        "column \"#9\": expected a column index of Item (below 2), found 9"
    );
    let mut log = Log::default();
    log.set_column(0, json!("Ab12")).unwrap();
    assert_eq!(log.id.as_deref(), Some("Ab12"));
}

#[test]
fn decode_errors_name_column_and_expected_type() {
    let meta = City::meta();
    let mut row = vec![json!("Berlin"), json!([13.4]), json!(null)];
    let err = City::from_row(&RowLayout::identity(meta), &mut row).unwrap_err();
    match err {
        cratedb_orm::Error::Decode {
            column,
            expected,
            found,
        } => {
            assert_eq!(column, "coordinate");
            assert!(expected.starts_with("GEO_POINT"), "{expected}");
            assert_eq!(found, "[13.4]");
        }
        other => panic!("unexpected {other:?}"),
    }
    let mut bad = vec![json!(null), json!("yesterday")];
    let err = Log::from_row(&RowLayout::new(Log::meta(), &["_id", "ts"]), &mut bad).unwrap_err();
    assert_eq!(
        err.to_string(),
        "column \"ts\": expected TIMESTAMP WITH TIME ZONE (epoch millis or ISO-8601 text), found \"yesterday\""
    );
    // A NOT NULL column the row lacks is named too.
    let mut missing = vec![json!(null)];
    let err = Log::from_row(&RowLayout::new(Log::meta(), &["_id"]), &mut missing).unwrap_err();
    assert!(
        err.to_string()
            .starts_with("column \"level\": expected TEXT"),
        "{err}"
    );
}

#[test]
fn field_types_are_crate_types() {
    assert_eq!(<Option<Object>>::sql_type().to_string(), "OBJECT");
}
