//! The cratedb-orm tutorial: the sqlalchemy-cratedb "Features Overview" page, in Rust.
//!
//! ```text
//! cargo run --example tutorial                                   # crate://localhost:4200
//! CRATEDB_URL=crate://h1:4200,h2:4200 cargo run --example tutorial
//! ```
//!
//! Every step prints its title, the SQL it sent (statement echo) and its result. Start a
//! CrateDB first, e.g. `docker run -p 4200:4200 crate/crate -Cdiscovery.type=single-node`.
//!
//! It works in a schema of its own, [`SCHEMA`] (`cratedb_orm_tutorial`), or in the one the URL
//! names (`?schema=NAME`): there it replaces the tables `characters`, `logs`, `items`,
//! `counters` and `cities` (dropped if they exist, then created anew), and says so before it
//! does. Nothing outside that schema is touched: pointed at a shared database, it leaves the
//! `doc` schema's tables alone.

use std::error::Error;
use std::io::Write;
use std::sync::{Arc, Mutex};

use cratedb_orm::expr::{count, count_star, match_, score};
use cratedb_orm::{
    object, Client, CrateModel, GeoPoint, GeoShape, ObjectArray, Session, TimestampTz, Value,
};

#[path = "tutorial_models.rs"]
mod tutorial_models;

pub use tutorial_models::{Character, City, Counter, Item, Log};

/// The schema the tutorial works in unless the URL names one (`?schema=NAME`): its tables
/// never replace tables of the same names in CrateDB's default schema `doc`.
pub const SCHEMA: &str = "cratedb_orm_tutorial";

/// What the tutorial's queries returned, for tests to assert.
#[derive(Debug, Default, Clone, PartialEq)]
pub struct Results {
    /// `(name, details['gender'])` ordered by name.
    pub names_genders: Vec<(Option<String>, Value)>,
    /// `details['gender']` of every character, sorted.
    pub genders: Vec<Value>,
    /// Names of the characters whose gender is male.
    pub male: Vec<Option<String>>,
    /// Names of the characters with `1 = ANY(more_details['foo'])`.
    pub any_foo_1: Vec<Option<String>>,
    /// `more_details['foo']` ordered by name (`None` where `more_details` is NULL).
    pub foo_by_name: Vec<Option<Vec<Value>>>,
    /// `count(id)`.
    pub count_id: i64,
    /// `count(*)`.
    pub count_star: i64,
    /// `count(*), name` grouped by name, ordered by count desc, then name.
    pub count_by_name: Vec<(i64, Option<String>)>,
    /// Names matching `MATCH(name_ft, 'Arthur')`.
    pub fulltext_arthur: Vec<Option<String>>,
    /// Names matching `MATCH(quote_ft, 'space')`, best `_score` first.
    pub space_quotes: Vec<Option<String>>,
    /// Arthur's `more_details['foo']` as the session sees it after the appends.
    pub arthur_foo: Vec<Value>,
    /// The `_id` the log entry got from CrateDB, as the session read it back.
    pub log_id: Option<String>,
    /// The key `gen_random_text_uuid()` made for the item, as the session read it back.
    pub item_id: Option<String>,
    /// The `ts` CrateDB filled in for the log entry (`current_timestamp`).
    pub log_ts: Option<i64>,
    /// The insertion times CrateDB made the counters' keys of (`DEFAULT now()`), in order.
    pub counter_ids: Vec<Option<i64>>,
}

/// Prints one step: its title, the statements it sent, and its result.
struct Steps<'a> {
    out: &'a mut dyn Write,
    echoed: Arc<Mutex<Vec<String>>>,
}

impl Steps<'_> {
    fn step(&mut self, title: &str, result: impl std::fmt::Display) -> std::io::Result<()> {
        writeln!(self.out, "\n## {title}")?;
        let sent: Vec<String> = match self.echoed.lock() {
            Ok(mut v) => v.drain(..).collect(),
            Err(_) => Vec::new(),
        };
        for stmt in sent {
            writeln!(self.out, "   SQL: {stmt}")?;
        }
        writeln!(self.out, "   => {result}")
    }
}

/// A result as compact JSON, the way CrateDB returns it.
fn json<T: serde::Serialize>(value: &T) -> String {
    serde_json::to_string(value).unwrap_or_else(|e| format!("<{e}>"))
}

/// Runs the whole tutorial against `url`, writing each step to `out`.
pub fn run(url: &str, out: &mut dyn Write) -> Result<Results, Box<dyn Error>> {
    // Connect. The echo hook plays the part of the seed's `echo=True`.
    let echoed = Arc::new(Mutex::new(Vec::new()));
    let sink = Arc::clone(&echoed);
    // The tutorial's own schema, sent as `Default-Schema`; a `?schema=` in the URL wins.
    let client = Client::builder()
        .schema(SCHEMA)
        .url(url)
        .echo(move |event| {
            if let Ok(mut v) = sink.lock() {
                let rows = event
                    .bulk_rows
                    .map(|n| format!("  [bulk: {n} rows]"))
                    .unwrap_or_default();
                v.push(format!("{}{rows}", event.statement));
            }
        })
        .build()?;
    let mut steps = Steps { out, echoed };
    let mut results = Results::default();

    let version = client.lowest_version()?;
    let schema = client.default_schema().unwrap_or(SCHEMA);
    steps.step(
        "Connect",
        format!(
            "CrateDB {version} at {}, schema {schema}",
            client.servers().join(", ")
        ),
    )?;

    // Tables: named before they are replaced; every name is in the client's schema.
    let tables = [
        Character::meta().name,
        Log::meta().name,
        Item::meta().name,
        Counter::meta().name,
        City::meta().name,
    ];
    steps.step(
        "Tables to replace",
        format!(
            "in schema {schema} (and nowhere else): {}; each is dropped if it exists and created anew",
            tables.join(", ")
        ),
    )?;
    for sql in [
        Character::drop_table_if_exists_sql(),
        Log::drop_table_if_exists_sql(),
        Item::drop_table_if_exists_sql(),
        Counter::drop_table_if_exists_sql(),
        City::drop_table_if_exists_sql(),
        Character::create_table_sql(),
        Log::create_table_sql(),
        Item::create_table_sql(),
        Counter::create_table_sql(),
        City::create_table_sql(),
    ] {
        client.sql(&sql, &[] as &[Value])?;
    }
    steps.step(
        "Create the tables",
        format!("{schema}: {}", tables.join(", ")),
    )?;

    // Insert two characters in one commit.
    let mut session = Session::new(client.clone());
    let arthur = session.add(Character {
        name: Some("Arthur Dent".into()),
        quote: "Let's go somewhere.".into(),
        details: Some(object! { "gender": "male", "species": "human" }),
        ..Character::default()
    });
    let trillian = session.add(Character {
        name: Some("Tricia McMillan".into()),
        quote: "We're on a space ship Arthur. In space.".into(),
        details: Some(
            object! { "gender": "female", "species": "human", "female_only_attribute": 1 },
        ),
        ..Character::default()
    });
    session.commit()?;
    steps.step(
        "Add Arthur and Trillian, commit",
        format!(
            "ids {} and {}; created_at read back: {}",
            session[arthur].id.as_deref().unwrap_or("?"),
            session[trillian].id.as_deref().unwrap_or("?"),
            session[arthur].created_at.is_some()
        ),
    )?;

    // ObjectArray: set, then append.
    session[arthur].more_details = Some(ObjectArray::from(vec![
        object! { "foo": 1, "bar": 10 },
        object! { "foo": 2 },
    ]));
    session.commit()?;
    steps.step(
        "Set Arthur's more_details, commit",
        "the whole array is written",
    )?;

    if let Some(more) = session[arthur].more_details.as_mut() {
        more.push(object! { "foo": 3 });
    }
    session.commit()?;
    results.arthur_foo = session[arthur]
        .more_details
        .as_ref()
        .map(|m| m.values_of("foo"))
        .unwrap_or_default();
    steps.step(
        "Append {foo: 3} to more_details, commit",
        format!("more_details['foo'] = {}", json(&results.arthur_foo)),
    )?;

    // Object: change one key, then remove one key. Only that key is sent.
    if let Some(details) = session[arthur].details.as_mut() {
        details.set("species", "Betelgeusian");
    }
    session.commit()?;
    steps.step(
        "Change details['species'], commit",
        "only that key was sent",
    )?;

    if let Some(details) = session[trillian].details.as_mut() {
        details.remove("female_only_attribute");
    }
    session.commit()?;
    steps.step(
        "Remove details['female_only_attribute'], commit",
        "the key is set to NULL",
    )?;

    // `_id` as the identity of a table without primary key.
    // `ts` is left to CrateDB's `current_timestamp`.
    let log = session.add(Log {
        level: "info".into(),
        message: "Arthur Dent met Tricia McMillan".into(),
        ..Log::default()
    });
    session.commit()?;
    results.log_id = session[log].id.clone();
    results.log_ts = session[log].ts.map(TimestampTz::millis);
    steps.step(
        "Log keyed by _id, ts from current_timestamp",
        format!(
            "_id read back: {:?}; ts read back: {:?}",
            session[log].id, results.log_ts
        ),
    )?;

    // A primary key generated by the server.
    let item = session.add(Item {
        name: "Towel".into(),
        ..Item::default()
    });
    session.commit()?;
    results.item_id = session[item].id.clone();
    steps.step(
        "Item with gen_random_text_uuid()",
        format!("id read back: {:?}", session[item].id),
    )?;

    // Timestamp-based autoincrement: CrateDB fills the key with now() (milliseconds). One
    // statement gives all its rows the same now(), so the session inserts such rows one by
    // one; two in the same millisecond meet a duplicate key (4091) and stay pending, and
    // the next commit gives them a later millisecond.
    let counters = session.add_all((1..=3).map(|count| Counter { id: None, count }));
    let mut commits = 1;
    while let Err(e) = session.commit() {
        if !e.is_duplicate_key() || commits == 10 {
            return Err(e.into());
        }
        commits += 1;
    }
    results.counter_ids = counters.iter().map(|&h| session[h].id).collect();
    steps.step(
        "Counters keyed by the insertion time (DEFAULT now())",
        format!(
            "ids read back: {:?} ({commits} commit(s))",
            results.counter_ids
        ),
    )?;

    // Geo types.
    let area = GeoShape::polygon([[
        (139.806, 35.515),
        (139.919, 35.703),
        (139.768, 35.817),
        (139.575, 35.760),
        (139.584, 35.619),
        (139.806, 35.515),
    ]])?;
    session.add(City {
        name: "Tokyo".into(),
        // Checked: a longitude outside -180..180 or a latitude outside -90..90 is an error
        // here, not a row CrateDB refuses.
        coordinate: Some(GeoPoint::try_new(139.76, 35.68)?),
        area: Some(area),
    });
    session.commit()?;
    steps.step("City with GEO_POINT and GEO_SHAPE", "Tokyo")?;

    // Make the writes visible to searches (reads by primary key need no refresh).
    session.refresh_table::<Character>()?;
    steps.step("REFRESH TABLE characters", "ok")?;

    // Queries.
    results.names_genders = session
        .query::<Character>()
        .select((Character::name(), Character::details().key("gender")))
        .order_by(Character::name())
        .all()?;
    steps.step(
        "Names and genders, ordered by name",
        json(&results.names_genders),
    )?;

    let mut genders: Vec<Value> = session
        .query::<Character>()
        .select(Character::details().key("gender"))
        .all()?;
    genders.sort_by_key(|v| v.to_string());
    results.genders = genders;
    steps.step("Select details['gender']", json(&results.genders))?;

    let male = session
        .query::<Character>()
        .filter(Character::details().key("gender").eq("male"))
        .all()?;
    results.male = male.iter().map(|&h| session[h].name.clone()).collect();
    steps.step("Filter details['gender'] = 'male'", json(&results.male))?;

    let any = session
        .query::<Character>()
        .filter(Character::more_details().key("foo").any_eq(1))
        .all()?;
    results.any_foo_1 = any.iter().map(|&h| session[h].name.clone()).collect();
    steps.step(
        "Filter 1 = ANY(more_details['foo'])",
        json(&results.any_foo_1),
    )?;

    results.foo_by_name = session
        .query::<Character>()
        .select(
            Character::more_details()
                .key("foo")
                .assume_type::<Option<Vec<Value>>>(),
        )
        .order_by(Character::name())
        .all()?;
    steps.step(
        "Select more_details['foo'] by name",
        json(&results.foo_by_name),
    )?;

    results.count_id = session
        .query::<Character>()
        .select(count(Character::id()))
        .scalar()?;
    steps.step("count(id)", results.count_id)?;

    results.count_star = session.query::<Character>().count()?;
    steps.step("count(*)", results.count_star)?;

    results.count_by_name = session
        .query::<Character>()
        .select((count_star(), Character::name()))
        .group_by(Character::name())
        .order_by(count_star().desc())
        .order_by(Character::name())
        .all()?;
    steps.step(
        "count(*) grouped by name, ordered by count desc, name",
        json(&results.count_by_name),
    )?;

    // Fulltext search.
    let found = session
        .query::<Character>()
        .filter(match_(Character::name_ft(), "Arthur"))
        .all()?;
    results.fulltext_arthur = found.iter().map(|&h| session[h].name.clone()).collect();
    steps.step("MATCH(name_ft, 'Arthur')", json(&results.fulltext_arthur))?;

    let scored: Vec<(Option<String>, f32)> = session
        .query::<Character>()
        .select((Character::name(), score()))
        .filter(match_(Character::quote_ft(), "space"))
        .order_by(score().desc())
        .all()?;
    results.space_quotes = scored.iter().map(|(name, _)| name.clone()).collect();
    steps.step("MATCH(quote_ft, 'space') with _score", json(&scored))?;

    Ok(results)
}

#[allow(dead_code)]
fn main() {
    let url = std::env::var("CRATEDB_URL").unwrap_or_else(|_| "crate://localhost:4200".to_string());
    let stdout = std::io::stdout();
    let mut out = stdout.lock();
    if let Err(e) = run(&url, &mut out) {
        let _ = out.flush();
        eprintln!(
            "tutorial failed: {e} (is CrateDB running at {url}? start one with `docker run -p 4200:4200 crate/crate -Cdiscovery.type=single-node` or set CRATEDB_URL)"
        );
        std::process::exit(1);
    }
}
