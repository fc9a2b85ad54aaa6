//! Exact SQL and arguments of `Select` statements, including the seed's queries.

mod dsl_support;

use cratedb_client::SqlResponse;
use cratedb_orm::expr::{count, count_star, knn_match, match_, score, Expr};
use cratedb_orm::query::Select;
use cratedb_orm::{Error, Value};
use dsl_support::{Character, City, Doc, Weird};
use serde_json::json;

const CHARACTER_COLUMNS: &str = r#""id", "name", "quote", "details", "more_details""#;

#[test]
fn model_select_lists_every_column() {
    let (sql, args) = Select::<Character>::new().to_sql();
    assert_eq!(
        sql,
        format!(r#"SELECT {CHARACTER_COLUMNS} FROM "characters""#)
    );
    assert!(args.is_empty());
}

#[test]
fn versioned_models_select_seq_no_and_primary_term() {
    let (sql, _) = Select::<Doc>::new().to_sql();
    assert_eq!(
        sql,
        r#"SELECT "id", "embedding", "tags", "rank", "weight", "flag", "created_at", "title_lower", "_seq_no", "_primary_term" FROM "doc"."docs""#
    );
}

#[test]
fn odd_identifiers_are_quoted() {
    let (sql, args) = Select::<Weird>::new()
        .filter(Weird::offset().gt(1))
        .order_by(Weird::user())
        .to_sql();
    assert_eq!(
        sql,
        r#"SELECT "user", "weird ""name""", "offset" FROM "my schema"."weird ""name""" WHERE "offset" > $1 ORDER BY "user""#
    );
    assert_eq!(args, vec![json!(1)]);
}

// The seed's queries.

#[test]
fn seed_order_by_name() {
    let (sql, _) = Select::<Character>::new()
        .order_by(Character::name())
        .to_sql();
    assert_eq!(
        sql,
        format!(r#"SELECT {CHARACTER_COLUMNS} FROM "characters" ORDER BY "name""#)
    );
}

#[test]
fn seed_select_details_gender() {
    let (sql, args) = Select::<Character>::new()
        .select((Character::name(), Character::details().key("gender")))
        .order_by(Character::name())
        .to_sql();
    assert_eq!(
        sql,
        r#"SELECT "name", "details"['gender'] FROM "characters" ORDER BY "name""#
    );
    assert!(args.is_empty());
}

#[test]
fn seed_filter_on_details_gender() {
    let (sql, args) = Select::<Character>::new()
        .filter(Character::details().key("gender").eq("male"))
        .to_sql();
    assert_eq!(
        sql,
        format!(r#"SELECT {CHARACTER_COLUMNS} FROM "characters" WHERE "details"['gender'] = $1"#)
    );
    assert_eq!(args, vec![json!("male")]);
}

#[test]
fn seed_more_details_foo_any_1() {
    let (sql, args) = Select::<Character>::new()
        .select(Character::name())
        .filter(Character::more_details().key("foo").any_eq(1))
        .to_sql();
    assert_eq!(
        sql,
        r#"SELECT "name" FROM "characters" WHERE $1 = ANY("more_details"['foo'])"#
    );
    assert_eq!(args, vec![json!(1)]);
}

#[test]
fn seed_count_id_and_count_star() {
    let q = Select::<Character>::new().select(count(Character::id()));
    assert_eq!(q.to_sql().0, r#"SELECT count("id") FROM "characters""#);
    let q = Select::<Character>::new().select(count_star());
    assert_eq!(q.to_sql().0, r#"SELECT count(*) FROM "characters""#);
}

#[test]
fn seed_count_grouped_by_name_ordered_by_count_desc_then_name() {
    let q = Select::<Character>::new()
        .select((count_star(), Character::name()))
        .group_by(Character::name())
        .order_by((count_star().desc(), Character::name()));
    assert_eq!(
        q.to_sql().0,
        r#"SELECT count(*), "name" FROM "characters" GROUP BY "name" ORDER BY count(*) DESC, "name""#
    );
    // Chained order_by calls add up.
    let q = Select::<Character>::new()
        .select((count_star(), Character::name()))
        .group_by(Character::name())
        .order_by(count_star().desc())
        .order_by(Character::name());
    assert_eq!(
        q.to_sql().0,
        r#"SELECT count(*), "name" FROM "characters" GROUP BY "name" ORDER BY count(*) DESC, "name""#
    );
}

#[test]
fn every_clause_in_order() {
    let (sql, args) = Select::<Character>::new()
        .select((Character::name(), count_star()))
        .distinct()
        .filter(Character::name().like("A%"))
        .filter(Character::quote().ne("x") | Character::name().is_null())
        .group_by((Character::name(), Character::details().key("gender")))
        .having(count_star().gt(1))
        .having(count_star().lt(100))
        .order_by(Character::name().desc())
        .limit(10)
        .offset(20)
        .to_sql();
    assert_eq!(
        sql,
        r#"SELECT DISTINCT "name", count(*) FROM "characters" WHERE "name" LIKE $1 AND ("quote" <> $2 OR "name" IS NULL) GROUP BY "name", "details"['gender'] HAVING count(*) > $3 AND count(*) < $4 ORDER BY "name" DESC LIMIT 10 OFFSET 20"#
    );
    assert_eq!(args, vec![json!("A%"), json!("x"), json!(1), json!(100)]);
}

#[test]
fn fulltext_geo_and_vector_queries() {
    let (sql, args) = Select::<Character>::new()
        .select((Character::name(), score()))
        .filter(match_(Character::name_ft(), "Arthur"))
        .order_by(score().desc())
        .to_sql();
    assert_eq!(
        sql,
        r#"SELECT "name", _score FROM "characters" WHERE MATCH("name_ft", $1) ORDER BY _score DESC"#
    );
    assert_eq!(args, vec![json!("Arthur")]);

    let q = Select::<City>::new()
        .select(City::name())
        .filter(cratedb_orm::expr::within(
            City::coordinate(),
            "POLYGON ((5 45, 12 45, 12 48, 5 48, 5 45))",
        ));
    assert_eq!(
        q.to_sql().0,
        r#"SELECT "name" FROM "cities" WHERE within("coordinate", $1)"#
    );

    let q = Select::<Doc>::new()
        .select(Doc::id())
        .filter(knn_match(Doc::embedding(), [1.0, 0.0, 0.0], 10))
        .order_by(score().desc());
    assert_eq!(
        q.to_sql().0,
        r#"SELECT "id" FROM "doc"."docs" WHERE KNN_MATCH("embedding", $1, 10) ORDER BY _score DESC"#
    );
}

#[test]
fn count_statements() {
    let q = Select::<Character>::new()
        .filter(Character::name().eq("a"))
        .order_by(Character::name());
    assert_eq!(
        q.count_sql(),
        (
            r#"SELECT count(*) FROM "characters" WHERE "name" = $1"#.into(),
            vec![json!("a")]
        )
    );
    let q = Select::<Character>::new()
        .select(Character::name())
        .group_by(Character::name())
        .limit(5);
    assert_eq!(
        q.count_sql().0,
        r#"SELECT count(*) FROM (SELECT "name" FROM "characters" GROUP BY "name" LIMIT 5) AS "q""#
    );
}

#[test]
fn where_clause_with_one_or_condition_has_no_parentheses() {
    let q =
        Select::<Character>::new().filter(Character::name().eq("a") | Character::name().eq("b"));
    assert!(q
        .to_sql()
        .0
        .ends_with(r#"WHERE "name" = $1 OR "name" = $2"#));
}

fn response(cols: &[&str], rows: Vec<Vec<Value>>) -> SqlResponse {
    SqlResponse {
        cols: cols.iter().map(|c| c.to_string()).collect(),
        col_types: None,
        rowcount: rows.len() as i64,
        rows,
        duration: 1.0,
    }
}

#[test]
fn tuples_decode_from_responses() {
    type Q = Select<Character, (cratedb_orm::Column<Character, Option<String>>, Expr<Value>)>;
    let rows = Q::decode(response(
        &["name", "details['gender']"],
        vec![
            vec![json!("Arthur Dent"), json!("male")],
            vec![Value::Null, Value::Null],
        ],
    ))
    .ok();
    assert_eq!(
        rows,
        Some(vec![
            (Some("Arthur Dent".to_string()), json!("male")),
            (None, Value::Null)
        ])
    );
}

#[test]
fn aggregate_rows_decode() {
    type Q = Select<Character, (Expr<i64>, cratedb_orm::Column<Character, Option<String>>)>;
    let rows = Q::decode(response(
        &["count(*)", "name"],
        vec![
            vec![json!(2), json!("Arthur Dent")],
            vec![json!(1), json!("Trillian")],
        ],
    ))
    .ok();
    assert_eq!(
        rows,
        Some(vec![
            (2, Some("Arthur Dent".into())),
            (1, Some("Trillian".into()))
        ])
    );
}

#[test]
fn wrong_types_name_the_column_and_value() {
    type Q = Select<Character, (cratedb_orm::Column<Character, String>, Expr<i64>)>;
    let err = Q::decode(response(
        &["quote", "count(*)"],
        vec![vec![Value::Null, json!(1)]],
    ));
    match err {
        Err(Error::Decode {
            column,
            expected,
            found,
        }) => {
            assert_eq!(column, "quote");
            assert_eq!(expected, "TEXT");
            assert_eq!(found, "null");
        }
        other => panic!("expected a decode error, got {other:?}"),
    }
    let err = Q::decode(response(
        &["quote", "count(*)"],
        vec![vec![json!("q"), json!("many")]],
    ))
    .err()
    .map(|e| e.to_string());
    assert_eq!(
        err.as_deref(),
        Some(r#"column "count(*)": expected BIGINT (i64), found "many""#)
    );
    // A row of the wrong width is an error, not a panic.
    assert!(Q::decode(response(&["quote"], vec![vec![json!("q")]])).is_err());
}
