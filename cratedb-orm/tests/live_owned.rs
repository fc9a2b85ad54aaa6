//! Owned models on a real CrateDB (`CRATEDB_URL`): `Query::load` gives untracked models,
//! `all_refs` and `Session::iter` read tracked ones, `take` and `detach` hand a model out so
//! the commit no longer writes it, and an owned model attached again is written.

mod live;
mod models;

use cratedb_orm::{object, Session};
use models::Character;

#[test]
fn live_owned_models_beside_the_unit_of_work() {
    let Some(live) = live::connect("owned") else {
        return;
    };
    live.create::<Character>();
    let (client, log) = live.logging_client();
    let mut s = Session::new(client.clone());
    for (name, n) in [
        ("Arthur Dent", 1),
        ("Ford Prefect", 2),
        ("Tricia McMillan", 3),
    ] {
        s.add(Character {
            id: Some(format!("c{n}")),
            name: Some(name.into()),
            quote: format!("quote {n}"),
            details: Some(object! { "n": n }),
            ..Character::default()
        });
    }
    s.commit().expect("insert");
    live.refresh("characters");
    log.take();

    // Owned, untracked: the session sends nothing for them.
    let mut fresh = Session::new(client.clone());
    let mut owned = fresh
        .query::<Character>()
        .order_by(Character::name())
        .load()
        .expect("load");
    assert_eq!(owned.len(), 3);
    assert_eq!(owned[0].name.as_deref(), Some("Arthur Dent"));
    assert!(owned.iter().all(|c| c.created_at.is_some()));
    owned[0].quote = "Don't panic.".into();
    assert_eq!(fresh.iter::<Character>().count(), 0);
    fresh.commit().expect("nothing to write");
    assert!(log
        .take()
        .iter()
        .all(|sent| !sent.sql.starts_with("UPDATE")));

    // Attached, an owned model is tracked from its current state; changes from then on land.
    let h = fresh.attach(owned.swap_remove(0));
    fresh[h].quote = "Don't panic!".into();
    fresh.commit().expect("update");
    let check = |id: &str| {
        let mut s = Session::new(client.clone());
        let h = s.find::<Character>(id).expect("find").expect("row");
        s[h].quote.clone()
    };
    assert_eq!(check("c1"), "Don't panic!");

    // Borrowed: all_refs and iter read tracked models without handles (a search: refresh).
    live.refresh("characters");
    let mut tracked = Session::new(client.clone());
    let quotes: Vec<String> = tracked
        .query::<Character>()
        .order_by(Character::name())
        .all_refs()
        .expect("all_refs")
        .into_iter()
        .map(|c| c.quote.clone())
        .collect();
    assert_eq!(quotes, ["Don't panic!", "quote 2", "quote 3"]);
    let handles: Vec<_> = tracked.iter::<Character>().map(|(h, _)| h).collect();
    assert_eq!(handles.len(), 3);

    // take and detach: their pending changes are not written.
    tracked[handles[1]].quote = "never written".into();
    tracked[handles[2]].quote = "never written either".into();
    let ford = tracked.take(handles[1]).expect("take");
    let tricia = tracked.detach(handles[2]).expect("detach");
    assert_eq!(ford.quote, "never written");
    assert_eq!(tricia.quote, "never written either");
    assert!(tracked.pending_statements().is_empty());
    tracked.commit().expect("nothing to write");
    assert_eq!(check("c2"), "quote 2");
    assert_eq!(check("c3"), "quote 3");
    println!(
        "owned models: load 3 untracked, all_refs/iter 3 tracked, take and detach wrote nothing"
    );
}
