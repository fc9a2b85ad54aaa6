//! Exact SQL and arguments for every expression construct of the DSL.

mod dsl_support;

use cratedb_orm::expr::{
    avg, count, count_distinct, count_star, distance, function, intersects, knn_match, match_, max,
    min, param, score, sql_fragment, sum, vector_similarity, within, Expr, IntoExpr, MatchType,
};
use cratedb_orm::{FloatVector, GeoPoint, GeoShape, Object, TimestampTz, Value};
use dsl_support::{Character, City, Doc, Weird};
use serde_json::json;

fn sql<T, R>(e: Expr<T, R>) -> (String, Vec<Value>) {
    e.to_sql()
}

#[test]
fn comparisons_bind_values() {
    assert_eq!(
        sql(Character::name().eq("Arthur Dent")),
        (r#""name" = $1"#.into(), vec![json!("Arthur Dent")])
    );
    assert_eq!(
        sql(Character::quote().ne(String::from("x"))).0,
        r#""quote" <> $1"#
    );
    assert_eq!(sql(Doc::rank().lt(3)).0, r#""rank" < $1"#);
    assert_eq!(sql(Doc::rank().le(3i64)).0, r#""rank" <= $1"#);
    assert_eq!(
        sql(Doc::weight().gt(0.5)),
        (r#""weight" > $1"#.into(), vec![json!(0.5)])
    );
    assert_eq!(
        sql(Doc::id().ge(7)),
        (r#""id" >= $1"#.into(), vec![json!(7)])
    );
}

#[test]
fn comparisons_between_columns() {
    // A nullable and a non-null text column compare (same SQL type).
    assert_eq!(
        sql(Character::name().eq(Character::quote())).0,
        r#""name" = "quote""#
    );
    assert_eq!(sql(Doc::rank().lt(Doc::id())).0, r#""rank" < "id""#);
    // With an expression on the right.
    assert_eq!(
        sql(Doc::id().eq(Doc::rank() + 1)),
        (r#""id" = "rank" + $1"#.into(), vec![json!(1)])
    );
}

#[test]
fn option_values_bind_null() {
    assert_eq!(
        sql(Character::name().eq(None::<&str>)),
        (r#""name" = $1"#.into(), vec![Value::Null])
    );
    assert_eq!(sql(Character::name().eq(Some("a"))).1, vec![json!("a")]);
}

#[test]
fn logic_and_operators() {
    let a = Character::name().eq("a");
    let b = Character::quote().eq("b");
    let c = Character::id().eq("c");
    assert_eq!(
        sql(a.clone().and(b.clone().or(c.clone()))),
        (
            r#""name" = $1 AND ("quote" = $2 OR "id" = $3)"#.into(),
            vec![json!("a"), json!("b"), json!("c")]
        )
    );
    assert_eq!(
        sql(a.clone() & b.clone() & c.clone()).0,
        r#""name" = $1 AND "quote" = $2 AND "id" = $3"#
    );
    assert_eq!(
        sql(a.clone() | b.clone() & c.clone()).0,
        r#""name" = $1 OR "quote" = $2 AND "id" = $3"#
    );
    assert_eq!(
        sql((a.clone() | b.clone()) & c.clone()).0,
        r#"("name" = $1 OR "quote" = $2) AND "id" = $3"#
    );
    assert_eq!(sql(!a.clone()).0, r#"NOT "name" = $1"#);
    assert_eq!(sql(a.clone().not()).0, r#"NOT "name" = $1"#);
    assert_eq!(sql(!(a | b)).0, r#"NOT ("name" = $1 OR "quote" = $2)"#);
    // Boolean columns are conditions themselves.
    assert_eq!(
        sql(Doc::flag() & Doc::rank().gt(1)).0,
        r#""flag" AND "rank" > $1"#
    );
    assert_eq!(sql(!Doc::flag()).0, r#"NOT "flag""#);
    assert_eq!(
        sql(Doc::flag().and(true)),
        (r#""flag" AND $1"#.into(), vec![json!(true)])
    );
}

#[test]
fn null_checks_on_nullable_columns() {
    assert_eq!(sql(Character::name().is_null()).0, r#""name" IS NULL"#);
    assert_eq!(
        sql(Character::details().is_not_null()).0,
        r#""details" IS NOT NULL"#
    );
    assert_eq!(
        sql(Character::details().key("gender").is_null()).0,
        r#""details"['gender'] IS NULL"#
    );
}

#[test]
fn between() {
    assert_eq!(
        sql(Doc::rank().between(1, 10)),
        (
            r#""rank" BETWEEN $1 AND $2"#.into(),
            vec![json!(1), json!(10)]
        )
    );
    assert_eq!(
        sql(Doc::rank().between(1, 10) & Doc::flag()).0,
        r#""rank" BETWEEN $1 AND $2 AND "flag""#
    );
    assert_eq!(
        sql((Doc::rank() + 1).between(Doc::id(), Doc::id() * 2)).0,
        r#""rank" + $1 BETWEEN "id" AND "id" * $2"#
    );
    assert_eq!(
        sql(!Doc::rank().between(1, 2)).0,
        r#"NOT "rank" BETWEEN $1 AND $2"#
    );
}

#[test]
fn in_list_and_like() {
    assert_eq!(
        sql(Character::name().in_list(["Arthur", "Ford"])),
        (
            r#""name" IN ($1, $2)"#.into(),
            vec![json!("Arthur"), json!("Ford")]
        )
    );
    let ids = vec![1i64, 2, 3];
    assert_eq!(sql(Doc::id().in_list(&ids)).0, r#""id" IN ($1, $2, $3)"#);
    assert_eq!(
        sql(Doc::id().not_in_list(ids)).0,
        r#""id" NOT IN ($1, $2, $3)"#
    );
    assert_eq!(
        sql(Doc::id().in_list(Vec::<i64>::new())),
        ("FALSE".into(), vec![])
    );
    assert_eq!(
        sql(Character::name().like("Ar%")),
        (r#""name" LIKE $1"#.into(), vec![json!("Ar%")])
    );
    assert_eq!(sql(Character::name().ilike("ar%")).0, r#""name" ILIKE $1"#);
    assert_eq!(
        sql(Character::quote().not_like("%x")).0,
        r#""quote" NOT LIKE $1"#
    );
    assert_eq!(
        sql(Character::quote().not_ilike("%x")).0,
        r#""quote" NOT ILIKE $1"#
    );
    assert_eq!(
        sql(Character::details().key("name").like("A%")).0,
        r#""details"['name'] LIKE $1"#
    );
}

#[test]
fn arithmetic() {
    assert_eq!(
        sql(Doc::rank() + 1),
        (r#""rank" + $1"#.into(), vec![json!(1)])
    );
    assert_eq!(sql(Doc::rank() - Doc::id() * 2).0, r#""rank" - "id" * $1"#);
    assert_eq!(
        sql((Doc::rank() - Doc::id()) * 2).0,
        r#"("rank" - "id") * $1"#
    );
    assert_eq!(
        sql(Doc::rank() - (Doc::id() - 1)).0,
        r#""rank" - ("id" - $1)"#
    );
    assert_eq!(sql(Doc::weight() / 2.0 % 3.0).0, r#""weight" / $1 % $2"#);
    assert_eq!(sql(-Doc::rank()).0, r#"-"rank""#);
    assert_eq!(sql(-(-Doc::rank())).0, r#"-(-"rank")"#);
    assert_eq!(sql((Doc::rank() + 1).gt(5)).0, r#""rank" + $1 > $2"#);
    assert_eq!(sql(count_star() * 2).0, r#"count(*) * $1"#);
}

#[test]
fn object_keys() {
    assert_eq!(
        sql(Character::details().key("gender").into_expr()).0,
        r#""details"['gender']"#
    );
    assert_eq!(
        sql(Character::details().key("gender").eq("male")),
        (r#""details"['gender'] = $1"#.into(), vec![json!("male")])
    );
    // JSON keys compare with any value.
    assert_eq!(
        sql(Character::details().key("age").gt(40)).1,
        vec![json!(40)]
    );
    assert_eq!(
        sql(Character::details().key("x").eq(json!({"a": 1}))).1,
        vec![json!({"a": 1})]
    );
    assert_eq!(
        sql(Character::details().key("a").key("b")).0,
        r#""details"['a']['b']"#
    );
    assert_eq!(
        sql(Character::details().key("it's")).0,
        r#""details"['it''s']"#
    );
    assert_eq!(
        sql(Character::details().key("]'; DROP TABLE x; --")).0,
        r#""details"[']''; DROP TABLE x; --']"#
    );
    // A typed key compares like its type.
    let gender: Expr<String, _> = Character::details().key_as::<String>("gender");
    assert_eq!(sql(gender.eq("male")).0, r#""details"['gender'] = $1"#);
    // A key compares with a column of any type.
    assert_eq!(
        sql(Character::name().eq(Character::details().key("name"))).0,
        r#""name" = "details"['name']"#
    );
}

#[test]
fn object_array_keys_and_any() {
    let foo: Expr<Option<Vec<Value>>, _> = Character::more_details().key("foo");
    assert_eq!(sql(foo.clone()).0, r#""more_details"['foo']"#);
    assert_eq!(
        sql(foo.clone().any_eq(1)),
        (r#"$1 = ANY("more_details"['foo'])"#.into(), vec![json!(1)])
    );
    assert_eq!(
        sql(foo.clone().any_ne("x")).0,
        r#"$1 <> ANY("more_details"['foo'])"#
    );
    assert_eq!(
        sql(foo.clone().any_lt(1)).0,
        r#"$1 < ANY("more_details"['foo'])"#
    );
    assert_eq!(
        sql(foo.clone().any_le(1)).0,
        r#"$1 <= ANY("more_details"['foo'])"#
    );
    assert_eq!(
        sql(foo.clone().any_gt(1)).0,
        r#"$1 > ANY("more_details"['foo'])"#
    );
    assert_eq!(sql(foo.any_ge(1)).0, r#"$1 >= ANY("more_details"['foo'])"#);
    let typed: Expr<Option<Vec<i64>>, _> = Character::more_details().key_as::<i64>("foo");
    assert_eq!(sql(typed.any_eq(3)).0, r#"$1 = ANY("more_details"['foo'])"#);
    assert_eq!(
        sql(Character::more_details().key("a").key("b")).0,
        r#""more_details"['a']['b']"#
    );
}

#[test]
fn scalar_array_any() {
    assert_eq!(
        sql(Doc::tags().any_eq("blue")),
        (r#"$1 = ANY("tags")"#.into(), vec![json!("blue")])
    );
    assert_eq!(
        sql(Doc::tags().eq(vec!["a", "b"])),
        (r#""tags" = $1"#.into(), vec![json!(["a", "b"])])
    );
}

#[test]
fn aggregates() {
    assert_eq!(sql(count(Character::id())).0, r#"count("id")"#);
    assert_eq!(sql(count_star()).0, "count(*)");
    assert_eq!(
        sql(count_distinct(Character::name())).0,
        r#"count(DISTINCT "name")"#
    );
    let s: Expr<Option<i64>, _> = sum(Doc::rank());
    assert_eq!(sql(s).0, r#"sum("rank")"#);
    let s: Expr<Option<f64>, _> = sum(Doc::weight());
    assert_eq!(sql(s).0, r#"sum("weight")"#);
    let a: Expr<Option<f64>, _> = avg(Doc::rank());
    assert_eq!(sql(a).0, r#"avg("rank")"#);
    let m: Expr<Option<String>, _> = min(Character::name());
    assert_eq!(sql(m).0, r#"min("name")"#);
    let m: Expr<Option<i32>, _> = max(Doc::rank());
    assert_eq!(sql(m.gt(1)).0, r#"max("rank") > $1"#);
    assert_eq!(
        sql(count(Character::details().key("gender"))).0,
        r#"count("details"['gender'])"#
    );
}

#[test]
fn fulltext() {
    assert_eq!(
        match_(Character::name_ft(), "Arthur").to_sql(),
        (r#"MATCH("name_ft", $1)"#.into(), vec![json!("Arthur")])
    );
    assert_eq!(
        match_(Character::name(), "Arthur").to_sql().0,
        r#"MATCH("name", $1)"#
    );
    let m = match_(
        (Character::name().boost(1.0), Character::quote().boost(0.5)),
        "Arthur",
    )
    .using(MatchType::BestFields)
    .option("fuzziness", 1);
    assert_eq!(
        m.to_sql().0,
        r#"MATCH(("name" 1.0, "quote" 0.5), $1) USING best_fields WITH (fuzziness = 1)"#
    );
    let m = match_(
        (
            Character::name_ft(),
            Character::details().key("bio").boost(1.5),
        ),
        "galaxy",
    )
    .using(MatchType::Phrase)
    .option("analyzer", "english")
    .option("slop", 4)
    .option("lenient", true);
    assert_eq!(
        m.to_sql().0,
        r#"MATCH(("name_ft", "details"['bio'] 1.5), $1) USING phrase WITH (analyzer = 'english', slop = 4, lenient = true)"#
    );
    // Options without a match type use CrateDB's default; odd text is a quoted literal.
    let m = match_(Character::name_ft(), "x").option("operator", "it's");
    assert_eq!(
        m.to_sql().0,
        r#"MATCH("name_ft", $1) USING best_fields WITH (operator = 'it''s')"#
    );
    // A non-word option name is quoted, never spliced.
    let m = match_(Character::name_ft(), "x")
        .using(MatchType::MostFields)
        .option("a) OR (1", 1);
    assert_eq!(
        m.to_sql().0,
        r#"MATCH("name_ft", $1) USING most_fields WITH ("a) OR (1" = 1)"#
    );
    assert_eq!(sql(score()).0, "_score");
    assert_eq!(sql(score().gt(0.5)).0, "_score > $1");
    assert_eq!(
        sql(match_(Character::name_ft(), "a").not()).0,
        r#"NOT MATCH("name_ft", $1)"#
    );
    assert_eq!(
        sql(match_(Character::name_ft(), "a").and(Character::quote().eq("q"))).0,
        r#"MATCH("name_ft", $1) AND "quote" = $2"#
    );
}

#[test]
fn geo() {
    let area = "POLYGON ((5 45, 12 45, 12 48, 5 48, 5 45))";
    assert_eq!(
        sql(within(City::coordinate(), area)),
        (r#"within("coordinate", $1)"#.into(), vec![json!(area)])
    );
    let geojson = json!({"type": "Point", "coordinates": [9.74, 47.41]});
    let shape = GeoShape::from_geojson(geojson.clone()).expect("a valid GeoJSON point");
    assert_eq!(
        sql(intersects(City::area(), shape.clone())),
        (r#"intersects("area", $1)"#.into(), vec![geojson])
    );
    let p = GeoPoint {
        lon: 9.74,
        lat: 47.41,
    };
    let d: Expr<f64, _> = distance(City::coordinate(), p);
    assert_eq!(
        d.to_sql(),
        (
            r#"distance("coordinate", $1)"#.into(),
            vec![json!([9.74, 47.41])]
        )
    );
    assert_eq!(
        sql(distance(City::coordinate(), (9.74, 47.41)).lt(1000.0)).0,
        r#"distance("coordinate", $1) < $2"#
    );
    let d: Expr<f64, _> = distance(Character::details().key("home"), p);
    assert_eq!(d.to_sql().0, r#"distance("details"['home'], $1)"#);
    // A geographic MATCH on a shape column takes a shape.
    let m = match_(City::area(), shape).using(MatchType::Within);
    assert_eq!(m.to_sql().0, r#"MATCH("area", $1) USING within"#);
    // Comparing points with a point value.
    assert_eq!(sql(City::coordinate().eq(p)).1, vec![json!([9.74, 47.41])]);
}

#[test]
fn vectors() {
    assert_eq!(
        sql(knn_match(Doc::embedding(), [0.5, 0.25, 1.0], 10)),
        (
            r#"KNN_MATCH("embedding", $1, 10)"#.into(),
            vec![json!([0.5, 0.25, 1.0])]
        )
    );
    assert_eq!(
        sql(knn_match(Doc::embedding(), FloatVector([1.0, 2.0, 3.0]), 3)).0,
        r#"KNN_MATCH("embedding", $1, 3)"#
    );
    assert_eq!(
        sql(knn_match(Doc::embedding(), vec![1.0f32, 2.0, 3.0], 3)).0,
        r#"KNN_MATCH("embedding", $1, 3)"#
    );
    let s: Expr<f32, _> = vector_similarity(Doc::embedding(), [1.0, 0.0, 0.0]);
    assert_eq!(s.to_sql().0, r#"vector_similarity("embedding", $1)"#);
}

#[test]
fn timestamps_objects_and_json_values() {
    assert_eq!(
        sql(Doc::created_at().gt(TimestampTz(1_000))).1,
        vec![json!(1000)]
    );
    // Text is a timestamp only through an explicit conversion (a bare string or integer does
    // not compile: see ui_dsl/timestamp_from_text.rs).
    let t: TimestampTz = "2024-01-01T00:00:00Z".parse().expect("RFC 3339");
    assert_eq!(
        sql(Doc::created_at().lt(t)).1,
        vec![json!(1_704_067_200_000_i64)]
    );
    let mut m = serde_json::Map::new();
    m.insert("gender".into(), json!("male"));
    assert_eq!(
        sql(Character::details().eq(Object::from(m))).1,
        vec![json!({"gender": "male"})]
    );
    // A serde_json::Value is an explicit, untyped escape hatch.
    assert_eq!(sql(Character::name().eq(json!("x"))).1, vec![json!("x")]);
}

#[test]
fn identifiers_are_quoted() {
    assert_eq!(sql(Weird::quoted().eq("x")).0, r#""weird ""name""" = $1"#);
    assert_eq!(
        sql(Weird::user().eq("x") & Weird::offset().gt(1)).0,
        r#""user" = $1 AND "offset" > $2"#
    );
}

#[test]
fn functions_params_and_fragments() {
    let lower: Expr<String, _> = function("lower", (Character::name(),));
    assert_eq!(sql(lower.eq("arthur")).0, r#"lower("name") = $1"#);
    let concat: Expr<String, _> = function("concat", (Character::name(), param::<String, _>("!")));
    assert_eq!(
        sql(concat),
        (r#"concat("name", $1)"#.into(), vec![json!("!")])
    );
    let odd: Expr<i64, _> = function("no such(", ());
    assert_eq!(sql(odd).0, r#""no such("()"#);
    let one: Expr<i64, _> = sql_fragment("1");
    assert_eq!(sql(Doc::id().eq(one)).0, r#""id" = 1"#);
}

#[test]
fn parameters_number_in_text_order() {
    let e = Character::name().eq("a")
        & Character::more_details().key("foo").any_eq(1)
        & Doc::rank().in_list([2, 3]);
    assert_eq!(
        sql(e),
        (
            r#""name" = $1 AND $2 = ANY("more_details"['foo']) AND "rank" IN ($3, $4)"#.into(),
            vec![json!("a"), json!(1), json!(2), json!(3)]
        )
    );
}

#[test]
fn orderings() {
    use cratedb_orm::query::Select;
    let q = Select::<Character>::new().order_by((
        Character::name().asc(),
        Character::quote().desc().nulls_last(),
        count_star().desc().nulls_first(),
        score(),
    ));
    assert!(q.to_sql().0.ends_with(
        r#"ORDER BY "name" ASC, "quote" DESC NULLS LAST, count(*) DESC NULLS FIRST, _score"#
    ));
}
