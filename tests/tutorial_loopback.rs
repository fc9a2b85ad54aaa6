//! The tutorial, run against the loopback test server playing CrateDB.
#[path = "../examples/tutorial.rs"]
#[allow(dead_code)]
mod tutorial;

#[path = "support/fake_crate.rs"]
mod fake_crate;

use cratedb_client::testing::TestServer;
use serde_json::{json, Value};

const CHARACTER_COLS: [&str; 8] = [
    "id",
    "name",
    "name_normalized",
    "quote",
    "details",
    "more_details",
    "even_more_details",
    "created_at",
];

fn arthur_row() -> Vec<Value> {
    vec![
        json!("a-id"),
        json!("Arthur Dent"),
        json!("arthur dent"),
        json!("Let's go somewhere."),
        json!({"gender": "male", "species": "Betelgeusian"}),
        json!([{"foo": 1, "bar": 10}, {"foo": 2}, {"foo": 3}]),
        Value::Null,
        json!(1_700_000_000_000i64),
    ]
}

/// The seed's query results, keyed by the exact SQL the tutorial must send.
fn script() -> Vec<fake_crate::Scripted> {
    vec![
        (
            r#"SELECT "name", "details"['gender'] FROM "characters" ORDER BY "name""#,
            vec!["name", "details['gender']"],
            vec![
                vec![json!("Arthur Dent"), json!("male")],
                vec![json!("Tricia McMillan"), json!("female")],
            ],
        ),
        (
            r#"SELECT "details"['gender'] FROM "characters""#,
            vec!["details['gender']"],
            vec![vec![json!("male")], vec![json!("female")]],
        ),
        (
            r#"SELECT "id", "name", "name_normalized", "quote", "details", "more_details", "even_more_details", "created_at" FROM "characters" WHERE "details"['gender'] = $1"#,
            CHARACTER_COLS.to_vec(),
            vec![arthur_row()],
        ),
        (
            r#"SELECT "id", "name", "name_normalized", "quote", "details", "more_details", "even_more_details", "created_at" FROM "characters" WHERE $1 = ANY("more_details"['foo'])"#,
            CHARACTER_COLS.to_vec(),
            vec![arthur_row()],
        ),
        (
            r#"SELECT "more_details"['foo'] FROM "characters" ORDER BY "name""#,
            vec!["more_details['foo']"],
            vec![vec![json!([1, 2, 3])], vec![Value::Null]],
        ),
        (
            r#"SELECT count("id") FROM "characters""#,
            vec!["count(id)"],
            vec![vec![json!(2)]],
        ),
        (
            r#"SELECT count(*) FROM "characters""#,
            vec!["count(*)"],
            vec![vec![json!(2)]],
        ),
        (
            r#"SELECT count(*), "name" FROM "characters" GROUP BY "name" ORDER BY count(*) DESC, "name""#,
            vec!["count(*)", "name"],
            vec![
                vec![json!(1), json!("Arthur Dent")],
                vec![json!(1), json!("Tricia McMillan")],
            ],
        ),
        (
            r#"SELECT "id", "name", "name_normalized", "quote", "details", "more_details", "even_more_details", "created_at" FROM "characters" WHERE MATCH("name_ft", $1)"#,
            CHARACTER_COLS.to_vec(),
            vec![arthur_row()],
        ),
        (
            r#"SELECT "name", _score FROM "characters" WHERE MATCH("quote_ft", $1) ORDER BY _score DESC"#,
            vec!["name", "_score"],
            vec![vec![json!("Tricia McMillan"), json!(0.8630463)]],
        ),
    ]
}

#[test]
fn tutorial_runs_against_the_loopback_server() {
    let server = TestServer::with_handler(fake_crate::scripted(script()));
    let mut out = Vec::new();
    let results = tutorial::run(&server.url(), &mut out).expect("the tutorial runs");
    let printed = String::from_utf8_lossy(&out).to_string();
    println!("{printed}");

    // The seed's results.
    assert_eq!(
        results.names_genders,
        vec![
            (Some("Arthur Dent".to_string()), json!("male")),
            (Some("Tricia McMillan".to_string()), json!("female"))
        ]
    );
    assert_eq!(results.genders, vec![json!("female"), json!("male")]);
    assert_eq!(results.male, vec![Some("Arthur Dent".to_string())]);
    assert_eq!(results.any_foo_1, vec![Some("Arthur Dent".to_string())]);
    assert_eq!(
        results.foo_by_name,
        vec![Some(vec![json!(1), json!(2), json!(3)]), None]
    );
    assert_eq!((results.count_id, results.count_star), (2, 2));
    assert_eq!(
        results.count_by_name,
        vec![
            (1, Some("Arthur Dent".to_string())),
            (1, Some("Tricia McMillan".to_string()))
        ]
    );
    assert_eq!(results.arthur_foo, vec![json!(1), json!(2), json!(3)]);
    assert_eq!(
        results.fulltext_arthur,
        vec![Some("Arthur Dent".to_string())]
    );
    assert_eq!(
        results.space_quotes,
        vec![Some("Tricia McMillan".to_string())]
    );

    // The server-made values the session read back: the log's ts, the counters' keys.
    assert_eq!(results.log_ts, Some(1_700_000_000_000));
    assert_eq!(results.counter_ids.len(), 3);
    assert!(results.counter_ids.iter().all(Option::is_some));

    // The statements CrateDB received, in order, every one in the tutorial's own schema.
    let requests = server.requests();
    assert!(
        requests
            .iter()
            .all(|r| r.header("default-schema") == Some(tutorial::SCHEMA)),
        "every request names the schema {}",
        tutorial::SCHEMA
    );
    let statements: Vec<&str> = requests.iter().map(|r| r.stmt.as_str()).collect();
    let mut expected = vec![
        r#"DROP TABLE IF EXISTS "characters""#,
        r#"DROP TABLE IF EXISTS "logs""#,
        r#"DROP TABLE IF EXISTS "items""#,
        r#"DROP TABLE IF EXISTS "counters""#,
        r#"DROP TABLE IF EXISTS "cities""#,
        r#"CREATE TABLE "characters" ("id" TEXT NOT NULL, "name" TEXT INDEX OFF, "name_normalized" TEXT GENERATED ALWAYS AS (lower(name)), "quote" TEXT NOT NULL, "details" OBJECT, "more_details" ARRAY(OBJECT), "even_more_details" TEXT STORAGE WITH (columnstore = false), "created_at" TIMESTAMP WITH TIME ZONE DEFAULT now(), INDEX "name_ft" USING FULLTEXT ("name") WITH (analyzer = 'english'), INDEX "quote_ft" USING FULLTEXT ("quote") WITH (analyzer = 'english'), PRIMARY KEY ("id")) CLUSTERED INTO 3 SHARDS"#,
        r#"CREATE TABLE "logs" ("ts" TIMESTAMP WITH TIME ZONE DEFAULT current_timestamp, "level" TEXT NOT NULL, "message" TEXT NOT NULL)"#,
        r#"CREATE TABLE "items" ("id" TEXT DEFAULT gen_random_text_uuid() NOT NULL, "name" TEXT NOT NULL, PRIMARY KEY ("id"))"#,
        r#"CREATE TABLE "counters" ("id" BIGINT DEFAULT now() NOT NULL, "count" INTEGER NOT NULL, PRIMARY KEY ("id"))"#,
        r#"CREATE TABLE "cities" ("name" TEXT NOT NULL, "coordinate" GEO_POINT, "area" GEO_SHAPE, PRIMARY KEY ("name"))"#,
        r#"INSERT INTO "characters" ("id", "name", "quote", "details", "more_details", "even_more_details") VALUES ($1, $2, $3, $4, $5, $6), ($7, $8, $9, $10, $11, $12) ON CONFLICT DO NOTHING RETURNING "id", "name", "name_normalized", "quote", "details", "more_details", "even_more_details", "created_at""#,
        r#"UPDATE "characters" SET "more_details" = $1 WHERE "id" = $2"#,
        r#"UPDATE "characters" SET "more_details" = $1 WHERE "id" = $2"#,
        r#"UPDATE "characters" SET "details"['species'] = $1 WHERE "id" = $2"#,
        r#"UPDATE "characters" SET "details"['female_only_attribute'] = $1 WHERE "id" = $2"#,
        r#"INSERT INTO "logs" ("level", "message") VALUES ($1, $2) RETURNING "_id", "ts", "level", "message""#,
        r#"INSERT INTO "items" ("name") VALUES ($1) RETURNING "id", "name""#,
        // A key made by now() is the same for every row of a statement: one per statement.
        r#"INSERT INTO "counters" ("count") VALUES ($1) RETURNING "id", "count""#,
        r#"INSERT INTO "counters" ("count") VALUES ($1) RETURNING "id", "count""#,
        r#"INSERT INTO "counters" ("count") VALUES ($1) RETURNING "id", "count""#,
        r#"INSERT INTO "cities" ("name", "coordinate", "area") VALUES ($1, $2, $3)"#,
        r#"REFRESH TABLE "characters""#,
    ];
    expected.extend(script().iter().map(|(sql, _, _)| *sql));
    assert_eq!(statements, expected);

    // The object steps send only what changed.
    let args = |i: usize| requests[i].bulk_args.clone().expect("a bulk request");
    assert_eq!(args(11)[0][0], json!([{"foo": 1, "bar": 10}, {"foo": 2}]));
    assert_eq!(
        args(12)[0][0],
        json!([{"foo": 1, "bar": 10}, {"foo": 2}, {"foo": 3}])
    );
    assert_eq!(args(13)[0][0], json!("Betelgeusian"));
    assert_eq!(args(14)[0][0], Value::Null);
    assert_eq!(args(14)[0][1], requests[10].args[6], "Trillian's id");
    assert_eq!(args(20)[0][1], json!([139.76, 35.68]));

    // The tables it replaces are named, with their schema, before the first DROP.
    let notice = printed
        .find("## Tables to replace\n   => in schema cratedb_orm_tutorial (and nowhere else): characters, logs, items, counters, cities; each is dropped if it exists and created anew\n")
        .unwrap_or_else(|| panic!("the tables are named: {printed}"));
    let first_drop = printed.find("DROP TABLE").expect("a DROP is printed");
    assert!(notice < first_drop, "{printed}");
    assert!(
        printed.contains(", schema cratedb_orm_tutorial\n"),
        "{printed}"
    );

    // Each step prints its title, its SQL and its result.
    assert!(printed.contains("## Change details['species'], commit\n   SQL: UPDATE \"characters\" SET \"details\"['species'] = $1 WHERE \"id\" = $2  [bulk: 1 rows]\n"), "{printed}");
    assert!(
        printed.contains(r#"=> [["Arthur Dent","male"],["Tricia McMillan","female"]]"#),
        "{printed}"
    );
    assert!(
        printed.contains("## count(*)\n   SQL: SELECT count(*) FROM \"characters\"\n   => 2"),
        "{printed}"
    );
}

#[test]
fn a_schema_in_the_url_is_the_one_the_tutorial_works_in() {
    let server = TestServer::with_handler(fake_crate::scripted(script()));
    let mut out = Vec::new();
    let url = format!("{}/?schema=my_tutorial", server.url());
    tutorial::run(&url, &mut out).expect("the tutorial runs");
    let printed = String::from_utf8_lossy(&out).to_string();
    assert!(
        printed.contains("=> in schema my_tutorial (and nowhere else): characters, logs"),
        "{printed}"
    );
    let requests = server.requests();
    assert!(!requests.is_empty());
    assert!(requests
        .iter()
        .all(|r| r.header("default-schema") == Some("my_tutorial")));
}

#[test]
fn the_tutorial_fails_with_one_clear_line_when_no_server_answers() {
    // A port nobody listens on.
    let listener = std::net::TcpListener::bind("127.0.0.1:0").expect("bind");
    let port = listener.local_addr().expect("addr").port();
    drop(listener);
    let mut out = Vec::new();
    let err = tutorial::run(&format!("crate://127.0.0.1:{port}"), &mut out).unwrap_err();
    let message = err.to_string();
    assert!(message.contains(&format!("127.0.0.1:{port}")), "{message}");
    assert!(!message.contains('\n'), "{message}");
    let err = tutorial::run("crate://host:notaport", &mut out).unwrap_err();
    assert!(err.to_string().contains("notaport"), "{err}");
}
