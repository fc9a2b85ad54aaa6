//! Hostile and ill-fitting input, each a typed error (never a panic) or safely quoted SQL:
//! - values from CrateDB that do not fit a model's fields (wrong type, out-of-range integers,
//!   NaN where a number must be finite, invalid GeoJSON, a FLOAT_VECTOR of the wrong length)
//!   → `Error::Decode` naming the column;
//! - identifiers with quotes, spaces and unicode → double-quoted with `"` doubled, never
//!   injectable (checked by tokenizing the SQL);
//! - SQL-injection strings in every value position → bound parameters, never in the SQL text;
//! - object keys with quotes and brackets, in `key("…")` and in the session's per-key UPDATEs
//!   → string literals with `'` doubled.

mod models;

use cratedb_client::SqlResponse;
use cratedb_orm::expr::Expr;
use cratedb_orm::query::Select;
use cratedb_orm::raw::{decode_models, raw};
use cratedb_orm::session::StatementArgs;
use cratedb_orm::sql::{quote_ident, write_literal, SqlWriter};
use cratedb_orm::write::{insert_many, update_where, upsert};
use cratedb_orm::{
    object, Client, CrateModel, Error, FloatVector, GeoPoint, GeoShape, Object, Session, Value,
};
use models::{Character, City};
use proptest::prelude::*;
use serde_json::json;

/// A model with every kind of field that can fail to decode.
#[derive(CrateModel, Debug, Clone, Default, PartialEq)]
#[cratedb(table = "probes")]
struct Probe {
    #[cratedb(primary_key)]
    id: i32,
    small: i16,
    big: i64,
    ratio: f64,
    flag: bool,
    label: String,
    embedding: FloatVector<3>,
    point: Option<GeoPoint>,
    area: Option<GeoShape>,
    details: Option<Object>,
}

const PROBE_COLUMNS: [&str; 10] = [
    "id",
    "small",
    "big",
    "ratio",
    "flag",
    "label",
    "embedding",
    "point",
    "area",
    "details",
];

fn good_probe_row() -> Vec<Value> {
    vec![
        json!(1),
        json!(2),
        json!(3),
        json!(0.5),
        json!(true),
        json!("x"),
        json!([1.0, 2.0, 3.0]),
        json!([13.4, 52.5]),
        json!({"type": "Point", "coordinates": [1.0, 2.0]}),
        json!({"a": 1}),
    ]
}

fn response(cols: &[&str], rows: Vec<Vec<Value>>) -> SqlResponse {
    SqlResponse {
        cols: cols.iter().map(|c| c.to_string()).collect(),
        rowcount: rows.len() as i64,
        rows,
        ..SqlResponse::default()
    }
}

/// Decodes rows as queries do: straight from the JSON text (`CrateModel::decode_row`).
fn stream_decode<M: CrateModel>(cols: &[&str], rows: &[Vec<Value>]) -> Result<Vec<M>, Error> {
    use serde::de::{Deserializer, SeqAccess, Visitor};
    struct RowVisitor<'l, M>(&'l cratedb_orm::RowLayout, std::marker::PhantomData<M>);
    impl<'de, M: CrateModel> Visitor<'de> for RowVisitor<'_, M> {
        type Value = Result<M, Error>;
        fn expecting(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
            f.write_str("a row")
        }
        fn visit_seq<A: SeqAccess<'de>>(self, mut seq: A) -> Result<Self::Value, A::Error> {
            let model = M::decode_row(self.0, &mut seq, &mut Vec::new())?;
            while seq.next_element::<serde::de::IgnoredAny>()?.is_some() {}
            Ok(model)
        }
    }
    let layout = cratedb_orm::RowLayout::new(M::meta(), cols);
    rows.iter()
        .map(|row| {
            let text = serde_json::to_string(row).unwrap_or_else(|e| panic!("{e}"));
            let mut de = serde_json::Deserializer::from_str(&text);
            de.deserialize_seq(RowVisitor::<M>(&layout, std::marker::PhantomData))
                .unwrap_or_else(|e| panic!("parse: {e}"))
        })
        .collect()
}

/// Decodes rows both ways (from `Value` rows and straight from the text); they must agree.
fn decode_both<M: CrateModel + PartialEq + std::fmt::Debug>(
    cols: &[&str],
    rows: Vec<Vec<Value>>,
) -> Result<Vec<M>, Error> {
    let streamed = stream_decode::<M>(cols, &rows);
    let from_values = decode_models::<M>(response(cols, rows));
    match (&streamed, &from_values) {
        (Ok(a), Ok(b)) => assert_eq!(a, b),
        (Err(a), Err(b)) => assert_eq!(a.to_string(), b.to_string()),
        _ => panic!("decoders disagree: {streamed:?} vs {from_values:?}"),
    }
    from_values
}

/// Decodes one probe row with `column` set to `value`; returns the error's column and text.
fn probe_error(column: &str, value: Value) -> (String, String) {
    let mut row = good_probe_row();
    let i = PROBE_COLUMNS
        .iter()
        .position(|c| *c == column)
        .unwrap_or_else(|| panic!("no column {column}"));
    row[i] = value.clone();
    match decode_both::<Probe>(&PROBE_COLUMNS, vec![row]) {
        Err(e @ Error::Decode { .. }) => {
            let Error::Decode { column, .. } = &e else {
                unreachable!()
            };
            (column.clone(), e.to_string())
        }
        other => panic!("{column} = {value}: expected a decode error, got {other:?}"),
    }
}

#[test]
fn a_good_row_decodes() {
    let probes = decode_both::<Probe>(&PROBE_COLUMNS, vec![good_probe_row()])
        .unwrap_or_else(|e| panic!("{e}"));
    assert_eq!(probes.len(), 1);
    assert_eq!(probes[0].embedding.as_slice(), &[1.0, 2.0, 3.0]);
}

#[test]
fn values_that_do_not_fit_name_the_column() {
    let cases: Vec<(&str, Value, &str)> = vec![
        // Wrong types.
        ("label", json!(5), "wrong type"),
        ("flag", json!("yes"), "wrong type"),
        ("details", json!("not an object"), "wrong type"),
        ("embedding", json!("1,2,3"), "wrong type"),
        // Out-of-range integers.
        ("small", json!(40_000), "out of range"),
        ("small", json!(-32_769), "out of range"),
        ("id", json!(2_147_483_648_i64), "out of range"),
        ("big", json!(18_446_744_073_709_551_615_u64), "out of range"),
        ("big", json!(1.5), "fraction"),
        ("id", json!(1e20), "out of range"),
        // NaN and infinities where a number must be finite.
        ("small", json!("NaN"), "NaN"),
        ("id", json!("Infinity"), "infinity"),
        // Invalid GeoJSON and points.
        (
            "area",
            json!({"type": "Nonsense", "coordinates": []}),
            "geojson",
        ),
        (
            "area",
            json!({"type": "Polygon", "coordinates": "x"}),
            "geojson",
        ),
        ("area", json!({"type": "Point"}), "geojson"),
        ("area", json!("not geojson"), "geojson"),
        ("point", json!([1.0]), "shape"),
        (
            "point",
            json!({"type": "Point", "coordinates": [1.0]}),
            "shape",
        ),
        // FLOAT_VECTOR of the wrong length.
        ("embedding", json!([1.0, 2.0]), "length"),
        ("embedding", json!([1.0, 2.0, 3.0, 4.0]), "length"),
        ("embedding", json!([1.0, "x", 3.0]), "element"),
        // NULL in a NOT NULL field.
        ("label", Value::Null, "null"),
    ];
    for (column, value, what) in &cases {
        let (named, text) = probe_error(column, value.clone());
        assert_eq!(&named, column, "{what}: {text}");
        assert!(text.contains(column), "{what}: {text}");
        println!("{column} = {value} ({what}): {text}");
    }
    println!(
        "{} ill-fitting values, each a Decode error naming its column",
        cases.len()
    );
}

/// A GEO_POINT must be finite and in range.
#[test]
fn geo_points_must_be_finite_and_in_range() {
    for value in [
        json!(["NaN", 1.0]),
        json!([1.0, "Infinity"]),
        json!([200.0, 95.0]),
    ] {
        let (named, _) = probe_error("point", value);
        assert_eq!(named, "point");
    }
}

#[test]
fn seed_models_reject_ill_fitting_rows() {
    let cols = ["id", "name", "quote", "details", "more_details"];
    let bad_rows = [
        (
            vec![json!("a"), json!(1), json!("q"), Value::Null, Value::Null],
            "name",
        ),
        (
            vec![
                json!("a"),
                json!("n"),
                Value::Null,
                Value::Null,
                Value::Null,
            ],
            "quote",
        ),
        (
            vec![json!("a"), json!("n"), json!("q"), json!([1]), Value::Null],
            "details",
        ),
        (
            vec![
                json!("a"),
                json!("n"),
                json!("q"),
                Value::Null,
                json!({"foo": 1}),
            ],
            "more_details",
        ),
        (
            vec![
                json!("a"),
                json!("n"),
                json!("q"),
                Value::Null,
                json!([1, 2]),
            ],
            "more_details",
        ),
        (
            vec![json!(7), json!("n"), json!("q"), Value::Null, Value::Null],
            "id",
        ),
    ];
    for (row, column) in bad_rows {
        match decode_both::<Character>(&cols, vec![row]) {
            Err(Error::Decode { column: c, .. }) => assert_eq!(c, column),
            other => panic!("{column}: {other:?}"),
        }
    }
    let cols = ["name", "coordinate", "area"];
    for (row, column) in [
        (
            vec![json!("B"), json!([1.0, 2.0, 3.0]), Value::Null],
            "coordinate",
        ),
        (
            vec![json!("B"), json!("POINT (x y)"), Value::Null],
            "coordinate",
        ),
        (
            vec![
                json!("B"),
                Value::Null,
                json!({"type": "Polygon", "coordinates": [[[0, 0], [1, 1]]]}),
            ],
            "area",
        ),
        (
            vec![
                json!("B"),
                Value::Null,
                json!({"type": "LineString", "coordinates": [[0, 0]]}),
            ],
            "area",
        ),
    ] {
        match decode_both::<City>(&cols, vec![row]) {
            Err(Error::Decode { column: c, .. }) => assert_eq!(c, column),
            other => panic!("{column}: {other:?}"),
        }
    }
}

#[test]
fn values_built_in_rust_are_checked_too() {
    assert!(FloatVector::<3>::try_from(vec![1.0, 2.0]).is_err());
    assert!(GeoShape::from_geojson(json!({"type": "Polygon", "coordinates": "x"})).is_err());
    assert!(GeoShape::from_geojson(json!({"type": "Nonsense"})).is_err());
    assert!(GeoShape::from_geojson(json!(42)).is_err());
}

// --- Identifiers -------------------------------------------------------------------------

/// The SQL with every string literal and quoted identifier replaced by a marker: what is left
/// is what the server parses as keywords and operators. Panics on an unterminated quote.
fn skeleton(sql: &str) -> String {
    let mut out = String::new();
    let mut chars = sql.chars().peekable();
    while let Some(c) = chars.next() {
        if c == '\'' || c == '"' {
            loop {
                match chars.next() {
                    Some(q) if q == c => {
                        if chars.peek() == Some(&c) {
                            chars.next();
                        } else {
                            break;
                        }
                    }
                    Some(_) => {}
                    None => panic!("unterminated {c} in {sql}"),
                }
            }
            out.push(if c == '"' { 'I' } else { 'L' });
        } else {
            out.push(c);
        }
    }
    out
}

/// Undoes `quote_ident`.
fn unquote(quoted: &str) -> Option<String> {
    let inner = quoted.strip_prefix('"')?.strip_suffix('"')?;
    let mut out = String::new();
    let mut chars = inner.chars().peekable();
    while let Some(c) = chars.next() {
        if c == '"' && chars.next() != Some('"') {
            return None;
        }
        out.push(c);
    }
    Some(out)
}

proptest! {
    #![proptest_config(ProptestConfig {
        cases: 500,
        failure_persistence: None,
        ..ProptestConfig::default()
    })]

    #[test]
    fn any_identifier_is_one_quoted_token(name in any::<String>()) {
        let quoted = quote_ident(&name);
        prop_assert_eq!(skeleton(&quoted), "I");
        prop_assert_eq!(unquote(&quoted), Some(name));
    }

    #[test]
    fn any_key_is_one_literal(key in any::<String>()) {
        let mut sql = String::new();
        write_literal(&mut sql, &key);
        prop_assert_eq!(skeleton(&sql), "L");
        let mut w = SqlWriter::new();
        w.subscripted("details", &[key.as_str(), "b"]);
        prop_assert_eq!(skeleton(w.sql()), "I[L][L]");
    }
}

#[test]
fn odd_identifiers_are_quoted() {
    for (name, quoted) in [
        ("characters", r#""characters""#),
        (r#"we"ird"#, r#""we""ird""#),
        ("with space", r#""with space""#),
        ("ünïcødé 表", r#""ünïcødé 表""#),
        (r#""; DROP TABLE t; --"#, r#""""; DROP TABLE t; --""#),
    ] {
        assert_eq!(quote_ident(name), quoted);
        assert_eq!(skeleton(&quote_ident(name)), "I");
    }
}

// --- Values ------------------------------------------------------------------------------

const INJECTIONS: [&str; 6] = [
    "'; DROP TABLE characters; --",
    "\" OR 1=1 --",
    "x' OR '1'='1",
    "$1 OR TRUE",
    "\\'; SELECT pg_sleep(10); --",
    "Robert'); DELETE FROM characters WHERE ('1' = '1",
];

/// The SQL text holds none of the injection strings, and the args hold each.
fn assert_bound(sql: &str, args: &[Value], expected_in_args: &[&str]) {
    for bad in INJECTIONS {
        assert!(!sql.contains(bad), "injection text in SQL: {sql}");
    }
    assert!(!skeleton(sql).contains("DROP") && !skeleton(sql).contains("DELETE FROM"));
    let text = serde_json::to_string(args).unwrap_or_default();
    for bad in expected_in_args {
        let encoded = serde_json::to_string(bad).unwrap_or_default();
        let encoded = encoded.trim_matches('"');
        assert!(text.contains(encoded), "{bad:?} not among the args {text}");
    }
}

fn hostile_character(bad: &str) -> Character {
    Character {
        id: Some(bad.to_string()),
        name: Some(bad.to_string()),
        quote: bad.to_string(),
        details: Some(object!("k": bad)),
        even_more_details: Some(bad.to_string()),
        ..Character::default()
    }
}

#[test]
fn injection_strings_are_bound_in_every_value_position() {
    let mut checked = 0;
    for bad in INJECTIONS {
        // Filters: eq, ne, like, in_list, object key comparison, ANY.
        let (sql, args) = Select::<Character>::new()
            .filter(
                Character::name()
                    .eq(bad)
                    .or(Character::quote().like(bad))
                    .or(Character::id().in_list([bad, "x"]))
                    .or(Character::details().key("gender").eq(bad))
                    .or(Character::quote().ne(bad)),
            )
            .limit(3)
            .to_sql();
        assert_bound(&sql, &args, &[bad]);

        // Inserts, upserts.
        let mut rows = vec![hostile_character(bad)];
        for statement in insert_many(&mut rows)
            .statements()
            .unwrap_or_else(|e| panic!("{e}"))
        {
            let args: Vec<Value> = statement.rows.into_iter().flatten().collect();
            assert_bound(&statement.sql, &args, &[bad]);
        }
        let mut rows = vec![hostile_character(bad)];
        for statement in upsert(&mut rows)
            .on_conflict_update_all()
            .statements()
            .unwrap_or_else(|e| panic!("{e}"))
        {
            let args: Vec<Value> = statement.rows.into_iter().flatten().collect();
            assert_bound(&statement.sql, &args, &[bad]);
        }

        // UPDATE … SET, SET key, WHERE.
        let (sql, args) = update_where::<Character, _>(Character::id().eq(bad))
            .set(Character::quote(), bad)
            .set_key(Character::details(), ["k"], bad)
            .to_sql()
            .unwrap_or_else(|e| panic!("{e}"));
        assert_bound(&sql, &args, &[bad]);

        // Raw SQL with binds.
        let r = raw("SELECT * FROM \"characters\" WHERE \"name\" = $1").bind(bad);
        assert_bound(r.sql(), r.args(), &[bad]);

        // The session: inserts, then per-column and per-key updates of a loaded model.
        let mut session =
            Session::new(Client::new("crate://127.0.0.1:9").unwrap_or_else(|e| panic!("{e}")));
        session.add(hostile_character(bad));
        let h = session.attach(Character {
            id: Some("known".into()),
            quote: "q".into(),
            details: Some(object!("k": "v")),
            ..Character::default()
        });
        session[h].quote = bad.to_string();
        if let Some(d) = session[h].details.as_mut() {
            d.set("k", json!(bad));
        }
        for statement in session.pending_statements() {
            let args: Vec<Value> = match statement.args {
                StatementArgs::Bulk(rows) => rows.into_iter().flatten().collect(),
                StatementArgs::Single(args) => args,
            };
            assert_bound(&statement.sql, &args, &[bad]);
            checked += 1;
        }
        checked += 5;
    }
    println!(
        "{} injection strings × value positions: {checked} statements, all bound",
        INJECTIONS.len()
    );
}

// --- Object keys -------------------------------------------------------------------------

const HOSTILE_KEYS: [&str; 5] = [
    "it's",
    "a']['b",
    "x'] = 1; DROP TABLE characters; --",
    "[0]",
    "ключ \"q\" ]'",
];

fn literal(key: &str) -> String {
    let mut s = String::new();
    write_literal(&mut s, key);
    s
}

#[test]
fn hostile_object_keys_are_escaped_literals() {
    for key in HOSTILE_KEYS {
        let lit = literal(key);
        assert_eq!(lit, format!("'{}'", key.replace('\'', "''")));

        // In the DSL: select, filter, order by, nested.
        let (sql, args) = Select::<Character>::new()
            .select((Character::details().key(key).key(key),))
            .filter(Character::details().key(key).eq("v"))
            .order_by(Character::details().key(key))
            .to_sql();
        assert!(sql.contains(&format!("\"details\"[{lit}][{lit}]")), "{sql}");
        assert!(!skeleton(&sql).contains("DROP"), "{sql}");
        assert_eq!(args, vec![json!("v")]);

        // In an UPDATE's SET key.
        let (sql, _) = update_where::<Character, _>(Character::id().eq("a"))
            .set_key(Character::details(), [key], "v")
            .to_sql()
            .unwrap_or_else(|e| panic!("{e}"));
        assert!(sql.contains(&format!("\"details\"[{lit}] = $1")), "{sql}");
        assert!(!skeleton(&sql).contains("DROP"), "{sql}");

        // In the session's per-key UPDATE: a changed, an added and a removed key.
        let mut session =
            Session::new(Client::new("crate://127.0.0.1:9").unwrap_or_else(|e| panic!("{e}")));
        let mut details = Object::new();
        details.set(key, json!(1));
        details.set(format!("{key}-gone"), json!(2));
        let h = session.attach(Character {
            id: Some("a".into()),
            quote: "q".into(),
            details: Some(details),
            ..Character::default()
        });
        if let Some(d) = session[h].details.as_mut() {
            d.set(key, json!(10));
            d.set(format!("{key}-new"), json!(3));
            d.remove(&format!("{key}-gone"));
        }
        let statements = session.pending_statements();
        assert_eq!(statements.len(), 1);
        let sql = &statements[0].sql;
        for k in [key.to_string(), format!("{key}-new"), format!("{key}-gone")] {
            assert!(
                sql.contains(&format!("\"details\"[{}]", literal(&k))),
                "{sql}"
            );
        }
        assert!(!skeleton(sql).contains("DROP"), "{sql}");
        assert!(skeleton(sql).starts_with("UPDATE I SET I[L] = $"), "{sql}");
    }
}

#[test]
fn expressions_render_without_panicking_on_odd_input() {
    // Empty strings and lone quotes everywhere.
    for odd in ["", "'", "\"", "[", "]", "\\", "\u{0}"] {
        let (sql, _) = Select::<Character>::new()
            .select((Character::details().key(odd),))
            .filter(Character::name().eq(odd))
            .to_sql();
        let _ = skeleton(&sql);
        let e: Expr<Value, (Character, ())> = Character::details().key(odd);
        let _ = e;
    }
}
