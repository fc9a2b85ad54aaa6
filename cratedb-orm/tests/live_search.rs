//! Fulltext, geo and vector queries against a real CrateDB (`CRATEDB_URL`): `MATCH` on a named
//! index and on boosted columns, fuzziness and phrase options, `_score` ordering; `within`,
//! `intersects`, `distance` and a geographic `MATCH`; `KNN_MATCH` and `vector_similarity`. One
//! shard per table, so scores and nearest neighbours are the same on every run.

mod live;

use cratedb_orm::expr::{
    distance, intersects, knn_match, match_, score, vector_similarity, within, MatchType,
};
use cratedb_orm::write::insert_many;
use cratedb_orm::{CrateModel, FloatVector, GeoPoint, GeoShape, Session};

#[derive(CrateModel, Debug, Clone, Default, PartialEq)]
#[cratedb(table = "quotes", number_of_shards = 1, number_of_replicas = "0")]
#[cratedb(fulltext(name = "text_ft", columns("title", "body"), analyzer = "english"))]
struct Quote {
    #[cratedb(primary_key)]
    id: i64,
    #[cratedb(fulltext(analyzer = "english"))]
    title: String,
    #[cratedb(fulltext(analyzer = "english"))]
    body: String,
}

fn quote(id: i64, title: &str, body: &str) -> Quote {
    Quote {
        id,
        title: title.into(),
        body: body.into(),
    }
}

#[test]
fn live_fulltext_match_scores_fuzziness_and_phrases() {
    let Some(live) = live::connect("search_fulltext") else {
        return;
    };
    live.create::<Quote>();
    let mut quotes =
        vec![
        quote(
            1,
            "Towel",
            "A towel is about the most massively useful thing an interstellar hitchhiker can have.",
        ),
        quote(2, "Panic", "Don't panic. Bring a towel."),
        quote(3, "Galaxies", "The galaxy is a big place; galaxies are bigger."),
        quote(4, "Tea", "Useful most of the time: a nice cup of tea."),
    ];
    insert_many(&mut quotes)
        .execute(&live.client)
        .expect("insert");
    live.refresh("quotes");
    let mut s = Session::new(live.client.clone());

    // The named index over title and body, with the english analyzer: "galaxies" stems to "galaxi".
    let ids: Vec<i64> = s
        .query::<Quote>()
        .select(Quote::id())
        .filter(match_(Quote::text_ft(), "galaxy"))
        .all()
        .expect("match on the named index");
    assert_eq!(ids, vec![3]);

    // Ordered by _score: the title weighs ten times the body, so the towel row comes first.
    let scored: Vec<(i64, f32)> = s
        .query::<Quote>()
        .select((Quote::id(), score()))
        .filter(match_(
            (Quote::title().boost(10.0), Quote::body().boost(1.0)),
            "towel",
        ))
        .order_by(score().desc())
        .all()
        .expect("boosted match");
    assert_eq!(
        scored.iter().map(|(id, _)| *id).collect::<Vec<_>>(),
        vec![1, 2]
    );
    assert!(scored[0].1 > scored[1].1 && scored[1].1 > 0.0, "{scored:?}");

    // Fuzziness 1 finds "towel" for "towl".
    let mut ids: Vec<i64> = s
        .query::<Quote>()
        .select(Quote::id())
        .filter(
            match_(Quote::body(), "towl")
                .using(MatchType::BestFields)
                .option("fuzziness", 1),
        )
        .all()
        .expect("fuzzy match");
    ids.sort_unstable();
    assert_eq!(ids, vec![1, 2]);
    let none: Vec<i64> = s
        .query::<Quote>()
        .select(Quote::id())
        .filter(match_(Quote::body(), "towl"))
        .all()
        .expect("exact match");
    assert!(none.is_empty(), "{none:?}");

    // A phrase keeps its word order unless slop allows otherwise.
    let ids: Vec<i64> = s
        .query::<Quote>()
        .select(Quote::id())
        .filter(match_(Quote::body(), "most massively useful").using(MatchType::Phrase))
        .all()
        .expect("phrase");
    assert_eq!(ids, vec![1]);
    let mut ids: Vec<i64> = s
        .query::<Quote>()
        .select(Quote::id())
        .filter(
            match_(Quote::body(), "useful most")
                .using(MatchType::Phrase)
                .option("slop", 4),
        )
        .all()
        .expect("phrase with slop");
    ids.sort_unstable();
    assert_eq!(ids, vec![1, 4]);

    // NOT MATCH, combined with another condition; models loaded by a fulltext query.
    let handles = s
        .query::<Quote>()
        .filter(
            match_(Quote::text_ft(), "towel")
                .not()
                .and(Quote::id().lt(4)),
        )
        .all()
        .expect("not match");
    let titles: Vec<&str> = handles.iter().map(|&h| s[h].title.as_str()).collect();
    assert_eq!(titles, vec!["Galaxies"]);
}

#[derive(CrateModel, Debug, Clone, Default, PartialEq)]
#[cratedb(table = "places", number_of_shards = 1, number_of_replicas = "0")]
struct Place {
    #[cratedb(primary_key)]
    name: String,
    location: Option<GeoPoint>,
    area: Option<GeoShape>,
}

/// A square of `half` degrees around a point, as a GEO_SHAPE polygon.
fn square(lon: f64, lat: f64, half: f64) -> GeoShape {
    GeoShape::polygon([[
        (lon - half, lat - half),
        (lon + half, lat - half),
        (lon + half, lat + half),
        (lon - half, lat + half),
        (lon - half, lat - half),
    ]])
    .expect("a valid polygon")
}

#[test]
fn live_geo_within_intersects_distance_and_geo_match() {
    let Some(live) = live::connect("search_geo") else {
        return;
    };
    live.create::<Place>();
    let place = |name: &str, lon: f64, lat: f64| Place {
        name: name.into(),
        location: Some(GeoPoint::from((lon, lat))),
        area: Some(square(lon, lat, 0.1)),
    };
    let mut places = vec![
        place("Berlin", 13.405, 52.52),
        place("Potsdam", 13.0645, 52.3906),
        place("Munich", 11.582, 48.1351),
        place("Tokyo", 139.76, 35.68),
    ];
    insert_many(&mut places)
        .execute(&live.client)
        .expect("insert");
    live.refresh("places");
    let mut s = Session::new(live.client.clone());

    // Points come back quantised by the geo index (about 1e-7 degrees), not as sent.
    let h = s.find::<Place>("Berlin").expect("find").expect("row");
    let p = s[h].location.expect("location");
    assert!(
        (p.lon - 13.405).abs() < 1e-6 && (p.lat - 52.52).abs() < 1e-6,
        "{p:?}"
    );
    let area = s[h].area.as_ref().expect("area");
    assert_eq!(area.geometry_type(), "Polygon");

    // within: the points inside a polygon around Berlin and Potsdam.
    let brandenburg = GeoShape::polygon([[
        (12.5, 52.0),
        (14.0, 52.0),
        (14.0, 53.0),
        (12.5, 53.0),
        (12.5, 52.0),
    ]])
    .expect("polygon");
    let names: Vec<String> = s
        .query::<Place>()
        .select(Place::name())
        .filter(within(Place::location(), brandenburg.clone()))
        .order_by(Place::name())
        .all()
        .expect("within");
    assert_eq!(names, vec!["Berlin", "Potsdam"]);
    // The same with the polygon as WKT text.
    let names: Vec<String> = s
        .query::<Place>()
        .select(Place::name())
        .filter(within(
            Place::location(),
            "POLYGON ((11 48, 12 48, 12 49, 11 49, 11 48))",
        ))
        .all()
        .expect("within WKT");
    assert_eq!(names, vec!["Munich"]);

    // intersects: a line from Berlin to Potsdam crosses both squares, not Munich's.
    let line = GeoShape::line_string([(13.405, 52.52), (13.0645, 52.3906)]).expect("line");
    let names: Vec<String> = s
        .query::<Place>()
        .select(Place::name())
        .filter(intersects(Place::area(), line))
        .order_by(Place::name())
        .all()
        .expect("intersects");
    assert_eq!(names, vec!["Berlin", "Potsdam"]);

    // A geographic MATCH on the shape column.
    let names: Vec<String> = s
        .query::<Place>()
        .select(Place::name())
        .filter(match_(Place::area(), brandenburg).using(MatchType::Within))
        .order_by(Place::name())
        .all()
        .expect("geo match");
    assert_eq!(names, vec!["Berlin", "Potsdam"]);

    // distance in meters, nearest first, with a filter on it.
    let berlin = (13.405, 52.52);
    let near: Vec<(String, f64)> = s
        .query::<Place>()
        .select((Place::name(), distance(Place::location(), berlin)))
        .filter(distance(Place::location(), berlin).lt(600_000.0))
        .order_by(distance(Place::location(), berlin).asc())
        .all()
        .expect("distance");
    let names: Vec<&str> = near.iter().map(|(n, _)| n.as_str()).collect();
    assert_eq!(names, vec!["Berlin", "Potsdam", "Munich"]);
    assert!(near[0].1 < 1.0, "{near:?}");
    assert!((25_000.0..30_000.0).contains(&near[1].1), "{near:?}");
    assert!((500_000.0..510_000.0).contains(&near[2].1), "{near:?}");
}

/// A point out of range: `GeoPoint::try_new` refuses it before anything is sent; one made by
/// the unchecked `GeoPoint::new` is sent as it is, and CrateDB refuses the row.
#[test]
fn live_an_out_of_range_point_is_refused_by_try_new_and_by_crate_db() {
    let Some(live) = live::connect("search_geo_range") else {
        return;
    };
    live.create::<Place>();
    let err = GeoPoint::try_new(200.0, 95.0).expect_err("out of range");
    assert!(err.to_string().contains("(200, 95)"), "{err}");

    let mut s = Session::new(live.client.clone());
    let nowhere = s.add(Place {
        name: "Nowhere".into(),
        location: Some(GeoPoint::new(200.0, 95.0)),
        area: None,
    });
    let err = s.commit().expect_err("CrateDB refuses the point");
    assert!(s.is_pending(nowhere), "the row stays pending: {err}");
    println!("{err}");
    // A read by key is real-time: no row was stored.
    let mut fresh = Session::new(live.client.clone());
    assert_eq!(fresh.find::<Place>("Nowhere").expect("find"), None);
}

#[derive(CrateModel, Debug, Clone, Default, PartialEq)]
#[cratedb(table = "vectors", number_of_shards = 1, number_of_replicas = "0")]
struct Embedded {
    #[cratedb(primary_key)]
    id: i64,
    label: String,
    embedding: Option<FloatVector<3>>,
}

#[test]
fn live_vector_knn_match_and_similarity() {
    let Some(live) = live::connect("search_vector") else {
        return;
    };
    live.create::<Embedded>();
    let e = |id: i64, label: &str, v: [f32; 3]| Embedded {
        id,
        label: label.into(),
        embedding: Some(FloatVector(v)),
    };
    let mut rows = vec![
        e(1, "x", [1.0, 0.0, 0.0]),
        e(2, "near x", [0.9, 0.1, 0.0]),
        e(3, "y", [0.0, 1.0, 0.0]),
        e(4, "z", [0.0, 0.0, 1.0]),
        e(5, "between", [0.5, 0.5, 0.0]),
    ];
    insert_many(&mut rows)
        .execute(&live.client)
        .expect("insert");
    live.refresh("vectors");
    let mut s = Session::new(live.client.clone());

    // Vectors read back as sent (FLOAT_VECTOR holds float32).
    let h = s.find::<Embedded>(2).expect("find").expect("row");
    assert_eq!(s[h].embedding, Some(FloatVector([0.9, 0.1, 0.0])));

    // The 3 nearest neighbours of x, best first.
    let nearest: Vec<(String, f32)> = s
        .query::<Embedded>()
        .select((Embedded::label(), score()))
        .filter(knn_match(Embedded::embedding(), [1.0, 0.0, 0.0], 3))
        .order_by(score().desc())
        .all()
        .expect("knn_match");
    let labels: Vec<&str> = nearest.iter().map(|(l, _)| l.as_str()).collect();
    assert_eq!(labels, vec!["x", "near x", "between"]);

    // vector_similarity: 1 for the same vector, less for others.
    let sims: Vec<(i64, f32)> = s
        .query::<Embedded>()
        .select((
            Embedded::id(),
            vector_similarity(Embedded::embedding(), [1.0, 0.0, 0.0]),
        ))
        .order_by(Embedded::id())
        .all()
        .expect("vector_similarity");
    assert_eq!(sims.len(), 5);
    assert!((sims[0].1 - 1.0).abs() < 1e-6, "{sims:?}");
    assert!(sims[1].1 > sims[4].1 && sims[4].1 > sims[2].1, "{sims:?}");
    assert!(
        sims.iter().all(|(_, v)| (0.0..=1.0).contains(v)),
        "{sims:?}"
    );

    // A vector of the wrong dimension sent as a Vec is refused by CrateDB, not by the client.
    let err = s
        .query::<Embedded>()
        .select(Embedded::id())
        .filter(knn_match(Embedded::embedding(), vec![1.0f32, 0.0], 3))
        .all()
        .expect_err("wrong dimension");
    assert_eq!(
        live::sql_error(&err),
        Some((
            400,
            4000,
            "SQLParseException[vector query dimension: 2 differs from field dimension: 3]".into()
        ))
    );
}
