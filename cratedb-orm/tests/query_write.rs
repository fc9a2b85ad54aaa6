//! Exact SQL and arguments of bulk inserts, upserts, updates and deletes.

mod dsl_support;

use cratedb_orm::write::{delete_where, insert_many, update_where, upsert};
use cratedb_orm::{Error, FloatVector, Object, TimestampTz, Value};
use dsl_support::{Character, Doc, Weird};
use serde_json::json;

fn arthur() -> Character {
    Character {
        id: Some("a1".into()),
        name: Some("Arthur Dent".into()),
        quote: "Don't panic".into(),
        details: None,
        more_details: None,
    }
}

#[test]
fn insert_many_is_one_bulk_statement() {
    let mut models = vec![
        arthur(),
        Character {
            id: Some("t1".into()),
            name: Some("Trillian".into()),
            quote: "q".into(),
            ..Default::default()
        },
    ];
    let insert = insert_many(&mut models);
    let statements = insert.statements().ok().unwrap_or_default();
    assert_eq!(statements.len(), 1);
    let s = &statements[0];
    assert_eq!(
        s.sql,
        r#"INSERT INTO "characters" ("id", "name", "quote", "details", "more_details") VALUES ($1, $2, $3, $4, $5)"#
    );
    assert_eq!(
        s.rows,
        vec![
            vec![
                json!("a1"),
                json!("Arthur Dent"),
                json!("Don't panic"),
                Value::Null,
                Value::Null
            ],
            vec![
                json!("t1"),
                json!("Trillian"),
                json!("q"),
                Value::Null,
                Value::Null
            ],
        ]
    );
    assert_eq!(s.indices, vec![0, 1]);
}

#[test]
fn insert_many_applies_client_defaults() {
    let mut models = vec![Character {
        quote: "abc".into(),
        ..Default::default()
    }];
    let insert = insert_many(&mut models);
    assert_eq!(insert.models()[0].id.as_deref(), Some("id-generated"));
    drop(insert);
    assert_eq!(models[0].id.as_deref(), Some("id-generated"));
}

fn doc(id: i64, created_at: Option<i64>) -> Doc {
    Doc {
        id,
        embedding: FloatVector([1.0, 0.0, 0.5]),
        tags: vec!["a".into()],
        rank: 1,
        weight: None,
        flag: None,
        created_at: created_at.map(TimestampTz),
        title_lower: None,
    }
}

#[test]
fn unset_server_defaults_and_generated_columns_are_left_to_the_server() {
    let mut models = vec![doc(1, None), doc(2, Some(5)), doc(3, None)];
    let statements = insert_many(&mut models)
        .statements()
        .ok()
        .unwrap_or_default();
    assert_eq!(statements.len(), 2);
    assert_eq!(
        statements[0].sql,
        r#"INSERT INTO "doc"."docs" ("id", "embedding", "tags", "rank", "weight", "flag") VALUES ($1, $2, $3, $4, $5, $6)"#
    );
    assert_eq!(statements[0].indices, vec![0, 2]);
    assert_eq!(statements[0].rows[0][1], json!([1.0, 0.0, 0.5]));
    assert_eq!(
        statements[1].sql,
        r#"INSERT INTO "doc"."docs" ("id", "embedding", "tags", "rank", "weight", "flag", "created_at") VALUES ($1, $2, $3, $4, $5, $6, $7)"#
    );
    assert_eq!(statements[1].indices, vec![1]);
    assert_eq!(statements[1].rows[0][6], json!(5));
}

#[test]
fn upsert_updates_every_other_column() {
    let mut models = vec![arthur()];
    let statements = upsert(&mut models).statements().ok().unwrap_or_default();
    assert_eq!(
        statements[0].sql,
        r#"INSERT INTO "characters" ("id", "name", "quote", "details", "more_details") VALUES ($1, $2, $3, $4, $5) ON CONFLICT ("id") DO UPDATE SET "name" = excluded."name", "quote" = excluded."quote", "details" = excluded."details", "more_details" = excluded."more_details""#
    );
}

#[test]
fn upsert_of_chosen_columns_and_do_nothing() {
    let mut models = vec![arthur()];
    let s = insert_many(&mut models)
        .on_conflict_update(Character::name())
        .statements()
        .ok()
        .unwrap_or_default();
    assert!(s[0]
        .sql
        .ends_with(r#" ON CONFLICT ("id") DO UPDATE SET "name" = excluded."name""#));
    let s = insert_many(&mut models)
        .on_conflict_update((Character::name(), Character::details()))
        .statements()
        .ok()
        .unwrap_or_default();
    assert!(s[0]
        .sql
        .ends_with(r#" DO UPDATE SET "name" = excluded."name", "details" = excluded."details""#));
    let s = insert_many(&mut models)
        .on_conflict_do_nothing()
        .statements()
        .ok()
        .unwrap_or_default();
    assert!(s[0]
        .sql
        .ends_with(r#" VALUES ($1, $2, $3, $4, $5) ON CONFLICT ("id") DO NOTHING"#));
}

#[test]
fn odd_names_are_quoted_in_writes() {
    let mut models = vec![Weird {
        user: "u".into(),
        quoted: None,
        offset: Some(1),
    }];
    let s = upsert(&mut models).statements().ok().unwrap_or_default();
    assert_eq!(
        s[0].sql,
        r#"INSERT INTO "my schema"."weird ""name""" ("user", "weird ""name""", "offset") VALUES ($1, $2, $3) ON CONFLICT ("user") DO UPDATE SET "weird ""name""" = excluded."weird ""name""", "offset" = excluded."offset""#
    );
}

#[test]
fn insert_returning_is_multi_row_values() {
    let mut models = vec![doc(1, None), doc(2, None)];
    let statements = insert_many(&mut models)
        .returning((Doc::id(), Doc::created_at()))
        .statements()
        .ok()
        .unwrap_or_default();
    assert_eq!(statements.len(), 1);
    let (sql, args) = &statements[0];
    assert_eq!(
        sql,
        r#"INSERT INTO "doc"."docs" ("id", "embedding", "tags", "rank", "weight", "flag") VALUES ($1, $2, $3, $4, $5, $6), ($7, $8, $9, $10, $11, $12) RETURNING "id", "created_at""#
    );
    assert_eq!(args.len(), 12);
    assert_eq!(args[6], json!(2));
}

#[test]
fn insert_returning_chunks_under_the_statement_limit() {
    let mut models: Vec<Doc> = (0..40_000).map(|i| doc(i, None)).collect();
    let statements = insert_many(&mut models)
        .returning(Doc::id())
        .statements()
        .ok()
        .unwrap_or_default();
    assert!(statements.len() > 1);
    assert!(statements.iter().all(|(sql, _)| sql.len() < 262_144));
    assert_eq!(
        statements.iter().map(|(_, a)| a.len()).sum::<usize>(),
        40_000 * 6
    );
}

#[test]
fn update_where_sets_columns_keys_and_expressions() {
    let (sql, args) = update_where::<Doc, _>(Doc::id().eq(1))
        .set(Doc::rank(), Doc::rank() + 1)
        .set(Doc::weight(), None::<f64>)
        .filter(Doc::flag().is_null())
        .to_sql()
        .ok()
        .unwrap_or_default();
    assert_eq!(
        sql,
        r#"UPDATE "doc"."docs" SET "rank" = "rank" + $1, "weight" = $2 WHERE "id" = $3 AND "flag" IS NULL"#
    );
    assert_eq!(args, vec![json!(1), Value::Null, json!(1)]);

    let (sql, args) = update_where::<Character, _>(Character::id().eq("a1"))
        .set_key(Character::details(), ["species"], "human")
        .set_key(Character::details(), ["a", "it's"], json!({"x": 1}))
        .to_sql()
        .ok()
        .unwrap_or_default();
    assert_eq!(
        sql,
        r#"UPDATE "characters" SET "details"['species'] = $1, "details"['a']['it''s'] = $2 WHERE "id" = $3"#
    );
    assert_eq!(args, vec![json!("human"), json!({"x": 1}), json!("a1")]);

    let mut m = serde_json::Map::new();
    m.insert("k".into(), json!(1));
    let (sql, _) = update_where::<Character, _>(Character::name().eq("x"))
        .set(Character::details(), Object::from(m))
        .to_sql()
        .ok()
        .unwrap_or_default();
    assert_eq!(
        sql,
        r#"UPDATE "characters" SET "details" = $1 WHERE "name" = $2"#
    );
}

#[test]
fn update_returning() {
    let (sql, args) = update_where::<Character, _>(Character::name().eq("Arthur Dent"))
        .set(Character::quote(), "42")
        .returning((Character::id(), Character::quote()))
        .to_sql()
        .ok()
        .unwrap_or_default();
    assert_eq!(
        sql,
        r#"UPDATE "characters" SET "quote" = $1 WHERE "name" = $2 RETURNING "id", "quote""#
    );
    assert_eq!(args, vec![json!("42"), json!("Arthur Dent")]);
}

#[test]
fn update_without_set_is_an_error() {
    let err = update_where::<Character, _>(Character::id().eq("x")).to_sql();
    assert!(matches!(err, Err(Error::InvalidQuery { .. })));
}

#[test]
fn delete_where_filters() {
    let (sql, args) = delete_where::<Character, _>(Character::name().eq("Trillian"))
        .filter(Character::more_details().key("foo").any_eq(3))
        .to_sql();
    assert_eq!(
        sql,
        r#"DELETE FROM "characters" WHERE "name" = $1 AND $2 = ANY("more_details"['foo'])"#
    );
    assert_eq!(args, vec![json!("Trillian"), json!(3)]);
    // Deleting everything must be explicit.
    let (sql, args) =
        delete_where::<Character, _>(cratedb_orm::expr::param::<bool, _>(true)).to_sql();
    assert_eq!(sql, r#"DELETE FROM "characters" WHERE $1"#);
    assert_eq!(args, vec![json!(true)]);
}
