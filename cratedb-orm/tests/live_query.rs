//! Live tests of the query DSL against a real CrateDB: the seed's queries with the seed's
//! results. They run only when `CRATEDB_URL` is set (e.g. `crate://localhost:4200`) and
//! use their own table, `dsl_live_characters`, in a schema of their own per run.

use cratedb_orm::expr::{count, count_star, match_, score};
use cratedb_orm::raw::raw;
use cratedb_orm::write::{delete_where, insert_many, update_where, upsert};
use cratedb_orm::{ddl, reflect, Client, CrateModel, Object, ObjectArray, Session, Value};
use serde_json::json;

#[derive(Debug, Clone, Default, PartialEq, CrateModel)]
#[cratedb(table = "dsl_live_characters", number_of_replicas = "0")]
#[cratedb(fulltext(name = "name_ft", columns("name"), analyzer = "english"))]
pub struct LiveCharacter {
    #[cratedb(primary_key)]
    pub id: String,
    pub name: Option<String>,
    pub quote: String,
    pub details: Option<Object>,
    pub more_details: Option<ObjectArray>,
}

fn object(value: Value) -> Object {
    match value {
        Value::Object(map) => Object::from(map),
        _ => Object::default(),
    }
}

mod live;

fn seed(client: &Client) {
    let meta = LiveCharacter::meta();
    raw(ddl::drop_table_if_exists(meta))
        .execute(client)
        .expect("drop table");
    raw(ddl::create_table(meta))
        .execute(client)
        .expect("create table");
    let mut characters = vec![
        LiveCharacter {
            id: "arthur".into(),
            name: Some("Arthur Dent".into()),
            quote: "Don't panic".into(),
            details: Some(object(json!({"gender": "male", "species": "human"}))),
            more_details: Some(ObjectArray::from(vec![
                object(json!({"foo": 1, "bar": 10})),
                object(json!({"foo": 2})),
                object(json!({"foo": 3})),
            ])),
        },
        LiveCharacter {
            id: "trillian".into(),
            name: Some("Tricia McMillan".into()),
            quote: "We're on a space ship Arthur. In space.".into(),
            details: Some(object(
                json!({"gender": "female", "race": "human", "age": 30}),
            )),
            more_details: None,
        },
    ];
    assert_eq!(
        insert_many(&mut characters)
            .execute(client)
            .expect("insert"),
        2
    );
    raw(format!("REFRESH TABLE {}", meta.qualified_name()))
        .execute(client)
        .expect("refresh");
}

#[test]
fn live_seed_queries_give_the_seed_results() {
    let Some(live) = live::connect("dsl_seed") else {
        return;
    };
    let client = live.client.clone();
    seed(&client);
    let mut s = Session::new(client.clone());

    // Order by name.
    let handles = s
        .query::<LiveCharacter>()
        .order_by(LiveCharacter::name())
        .all()
        .expect("order by name");
    let names: Vec<Option<String>> = handles.iter().map(|&h| s[h].name.clone()).collect();
    assert_eq!(
        names,
        vec![Some("Arthur Dent".into()), Some("Tricia McMillan".into())]
    );

    // Select details['gender'].
    let rows = s
        .query::<LiveCharacter>()
        .select((
            LiveCharacter::name(),
            LiveCharacter::details().key("gender"),
        ))
        .order_by(LiveCharacter::name())
        .all()
        .expect("select details['gender']");
    assert_eq!(
        rows,
        vec![
            (Some("Arthur Dent".to_string()), json!("male")),
            (Some("Tricia McMillan".to_string()), json!("female"))
        ]
    );

    // Filter on it.
    let arthur = s
        .query::<LiveCharacter>()
        .filter(LiveCharacter::details().key("gender").eq("male"))
        .one()
        .expect("filter on details['gender']");
    assert_eq!(s[arthur].name.as_deref(), Some("Arthur Dent"));

    // more_details['foo'] any 1.
    let names: Vec<Option<String>> = s
        .query::<LiveCharacter>()
        .select(LiveCharacter::name())
        .filter(LiveCharacter::more_details().key("foo").any_eq(1))
        .all()
        .expect("any");
    assert_eq!(names, vec![Some("Arthur Dent".to_string())]);

    // The two count forms.
    let n = s
        .query::<LiveCharacter>()
        .select(count(LiveCharacter::id()))
        .scalar()
        .expect("count(id)");
    assert_eq!(n, 2);
    let n = s
        .query::<LiveCharacter>()
        .select(count_star())
        .scalar()
        .expect("count(*)");
    assert_eq!(n, 2);
    assert_eq!(s.query::<LiveCharacter>().count().expect("count()"), 2);

    // Group by name ordered by count desc, then name.
    let rows = s
        .query::<LiveCharacter>()
        .select((count_star(), LiveCharacter::name()))
        .group_by(LiveCharacter::name())
        .order_by((count_star().desc(), LiveCharacter::name()))
        .all()
        .expect("group by");
    assert_eq!(
        rows,
        vec![
            (1, Some("Arthur Dent".to_string())),
            (1, Some("Tricia McMillan".to_string()))
        ]
    );

    // Fulltext with _score.
    let rows = s
        .query::<LiveCharacter>()
        .select((LiveCharacter::name(), score()))
        .filter(match_(LiveCharacter::name_ft(), "arthur"))
        .order_by(score().desc())
        .all()
        .expect("match");
    assert_eq!(rows.len(), 1);
    assert_eq!(rows[0].0.as_deref(), Some("Arthur Dent"));
}

#[test]
fn live_writes_and_reflection() {
    let Some(live) = live::connect("dsl_writes") else {
        return;
    };
    let client = live.client.clone();
    // Uses its own rows in a table of its own so it can run beside the seed test.
    #[derive(Debug, Clone, Default, PartialEq, CrateModel)]
    #[cratedb(table = "dsl_live_notes", number_of_replicas = "0")]
    struct Note {
        #[cratedb(primary_key)]
        id: i64,
        body: String,
        stars: Option<i32>,
        extra: Option<Object>,
    }
    let meta = Note::meta();
    raw(ddl::drop_table_if_exists(meta))
        .execute(&client)
        .expect("drop");
    raw(ddl::create_table(meta))
        .execute(&client)
        .expect("create");

    let mut notes: Vec<Note> = (1..=3)
        .map(|id| Note {
            id,
            body: format!("note {id}"),
            stars: Some(1),
            extra: None,
        })
        .collect();
    assert_eq!(insert_many(&mut notes).execute(&client).expect("insert"), 3);
    // A duplicate fails that row only.
    let mut again = vec![
        Note {
            id: 1,
            body: "dup".into(),
            ..Default::default()
        },
        Note {
            id: 4,
            body: "n4".into(),
            ..Default::default()
        },
    ];
    match insert_many(&mut again).execute(&client) {
        Err(cratedb_orm::Error::RowsFailed { failed, .. }) => assert_eq!(failed[0].index, 0),
        other => panic!("expected one failed row, got {other:?}"),
    }
    // Upsert updates the existing row.
    let mut up = vec![Note {
        id: 1,
        body: "updated".into(),
        stars: Some(5),
        extra: None,
    }];
    upsert(&mut up).execute(&client).expect("upsert");
    // A WHERE on anything but one primary key sees only refreshed rows (as a user must, refresh).
    raw(format!("REFRESH TABLE {}", meta.qualified_name()))
        .execute(&client)
        .expect("refresh");
    let changed = update_where::<Note, _>(Note::id().ge(2))
        .set(Note::stars(), Note::stars() + 1)
        .set_key(Note::extra(), ["seen"], true)
        .execute(&client)
        .expect("update");
    assert_eq!(changed, 3);
    raw(format!("REFRESH TABLE {}", meta.qualified_name()))
        .execute(&client)
        .expect("refresh");
    let mut s = Session::new(client.clone());
    let rows = s
        .query::<Note>()
        .select((
            Note::id(),
            Note::body(),
            Note::stars(),
            Note::extra().key("seen"),
        ))
        .order_by(Note::id())
        .all()
        .expect("rows");
    assert_eq!(rows[0], (1, "updated".to_string(), Some(5), Value::Null));
    assert_eq!(rows[1], (2, "note 2".to_string(), Some(2), json!(true)));
    assert_eq!(
        delete_where::<Note, _>(Note::id().gt(3))
            .execute(&client)
            .expect("delete"),
        1
    );

    // Reflection.
    let columns = reflect::columns_of::<Note>(&client).expect("columns");
    let top: Vec<(&str, bool)> = columns
        .iter()
        .filter(|c| !c.is_object_key())
        .map(|c| (c.name.as_str(), c.nullable))
        .collect();
    assert_eq!(
        top,
        vec![
            ("id", false),
            ("body", false),
            ("stars", true),
            ("extra", true)
        ]
    );
    assert_eq!(
        reflect::primary_key(&client, meta.schema, meta.name).expect("pk"),
        vec!["id"]
    );
    assert!(reflect::table_exists(&client, meta.schema, meta.name).expect("exists"));
    assert!(reflect::schemas(&client)
        .expect("schemas")
        .iter()
        .any(|s| s == "doc"));
    assert!(reflect::server_version(&client).expect("version").is_some());
    raw(ddl::drop_table(meta)).execute(&client).expect("drop");
}
