//! The tutorial against a real CrateDB (`CRATEDB_URL`), asserting the seed's results. Runs in a
//! schema of its own, dropped afterwards; prints one line and passes when `CRATEDB_URL` is unset.
#[path = "../examples/tutorial.rs"]
#[allow(dead_code)]
mod tutorial;

#[path = "../cratedb-orm/tests/live/mod.rs"]
mod live;

use serde_json::json;

#[test]
fn live_tutorial_gives_the_seed_results() {
    let Some(live) = live::connect("tutorial") else {
        return;
    };
    let mut out = Vec::new();
    let results = tutorial::run(&live.url, &mut out)
        .unwrap_or_else(|e| panic!("tutorial failed: {e}\n{}", String::from_utf8_lossy(&out)));
    println!("{}", String::from_utf8_lossy(&out));
    let some = |s: &str| Some(s.to_string());
    assert_eq!(
        results.names_genders,
        vec![
            (some("Arthur Dent"), json!("male")),
            (some("Tricia McMillan"), json!("female"))
        ]
    );
    assert_eq!(results.genders, vec![json!("female"), json!("male")]);
    assert_eq!(results.male, vec![some("Arthur Dent")]);
    assert_eq!(results.any_foo_1, vec![some("Arthur Dent")]);
    assert_eq!(
        results.foo_by_name,
        vec![Some(vec![json!(1), json!(2), json!(3)]), None]
    );
    assert_eq!(results.count_id, 2);
    assert_eq!(results.count_star, 2);
    assert_eq!(
        results.count_by_name,
        vec![(1, some("Arthur Dent")), (1, some("Tricia McMillan"))]
    );
    assert_eq!(results.arthur_foo, vec![json!(1), json!(2), json!(3)]);
    assert_eq!(results.fulltext_arthur, vec![some("Arthur Dent")]);
    assert_eq!(results.space_quotes, vec![some("Tricia McMillan")]);
}
