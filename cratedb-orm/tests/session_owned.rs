//! Owned models beside the unit of work: `Query::load` (untracked), `Query::all_refs`,
//! `Session::iter`, `take` and `detach`; and handles that belong to their session.

mod session_support;

use cratedb_client::testing::{Reply, SqlRequest, TestServer};
use cratedb_orm::{Client, Session};
use serde_json::json;
use session_support::Person;

fn people_server() -> TestServer {
    TestServer::with_handler(|req: &SqlRequest| {
        if req.stmt.starts_with("SELECT") {
            Reply::rows(
                &["id", "name", "details", "tags", "created_at"],
                vec![
                    vec![json!("p1"), json!("Arthur"), json!({}), json!([]), json!(1)],
                    vec![
                        json!("p2"),
                        json!("Ford"),
                        json!({}),
                        json!(["x"]),
                        json!(2),
                    ],
                ],
            )
        } else {
            Reply::default_for(req)
        }
    })
}

#[test]
fn load_returns_owned_models_the_session_does_not_track() {
    let server = people_server();
    let mut session = Session::new(Client::new(&server.url()).unwrap());
    let mut people: Vec<Person> = session.query::<Person>().load().unwrap();
    assert_eq!(people.len(), 2);
    assert_eq!(people[1].tags, vec!["x".to_owned()]);
    people[0].name = "changed".into();
    assert_eq!(session.iter::<Person>().count(), 0, "nothing tracked");
    assert!(session.pending_statements().is_empty());
    // Attaching one tracks it from now on.
    let h = session.attach(people.swap_remove(0));
    session[h].name = "again".into();
    assert_eq!(session.pending_statements().len(), 1);
}

#[test]
fn all_refs_and_iter_read_the_tracked_models() {
    let server = people_server();
    let mut session = Session::new(Client::new(&server.url()).unwrap());
    let names: Vec<String> = session
        .query::<Person>()
        .all_refs()
        .unwrap()
        .into_iter()
        .map(|p| p.name.clone())
        .collect();
    assert_eq!(names, ["Arthur", "Ford"]);
    session.add(Person {
        id: Some("p3".into()),
        name: "Trillian".into(),
        ..Person::default()
    });
    let tracked: Vec<&str> = session
        .iter::<Person>()
        .map(|(_, p)| p.name.as_str())
        .collect();
    assert_eq!(tracked, ["Arthur", "Ford", "Trillian"]);
    // Loading again gives the same tracked models (identity map).
    let again = session.query::<Person>().all().unwrap();
    assert_eq!(session.iter::<Person>().count(), 3);
    assert_eq!(
        session.iter::<Person>().next().map(|(h, _)| h),
        again.first().copied()
    );
}

#[test]
fn take_moves_a_model_out_and_detach_copies_it() {
    let server = people_server();
    let mut session = Session::new(Client::new(&server.url()).unwrap());
    let handles = session.query::<Person>().all().unwrap();
    let (arthur, ford) = (handles[0], handles[1]);
    session[arthur].name = "pending change".into();
    session[ford].name = "pending too".into();

    let taken = session.take(arthur).expect("tracked");
    assert_eq!(
        taken.name, "pending change",
        "the model as it was, with its changes"
    );
    assert!(session.get(arthur).is_none());
    assert!(session.take(arthur).is_none(), "taken once");
    assert!(session.set(arthur, Person::name(), "x").is_err());

    let copy = session.detach(ford).expect("tracked");
    assert_eq!(copy.name, "pending too");
    assert_eq!(
        session.get(ford).map(|p| p.name.as_str()),
        Some("pending too")
    );
    assert!(!session.is_pending(ford));
    assert!(
        session.pending_statements().is_empty(),
        "neither change is written"
    );
    assert_eq!(session.iter::<Person>().count(), 0);

    // The rows are forgotten: loading them again tracks them anew.
    let fresh = session.query::<Person>().all().unwrap();
    assert!(fresh.iter().all(|h| *h != arthur && *h != ford));
    assert_eq!(session[fresh[0]].name, "Arthur");
}

#[test]
fn a_handle_of_another_session_is_refused() {
    let server = people_server();
    let mut one = Session::new(Client::new(&server.url()).unwrap());
    let mut other = Session::new(Client::new(&server.url()).unwrap());
    let h = one.add(Person::default());
    other.add(Person {
        name: "someone else".into(),
        ..Person::default()
    });
    assert!(other.get(h).is_none(), "never the other session's model");
    assert!(other.get_mut(h).is_none());
    assert!(other.set(h, Person::name(), "x").is_err());
    assert!(other.take(h).is_none());
    other.delete(h);
    assert!(!other.is_pending(h) && one.is_pending(h));
    assert_eq!(
        other.pending_statements().len(),
        1,
        "only its own new model"
    );
}

#[test]
#[should_panic(expected = "does not belong to this session")]
fn indexing_with_a_foreign_handle_panics() {
    let server = people_server();
    let mut one = Session::new(Client::new(&server.url()).unwrap());
    let mut other = Session::new(Client::new(&server.url()).unwrap());
    let h = one.add(Person::default());
    other.add(Person::default());
    let _ = &other[h];
}

#[test]
fn inserted_rows_are_found_by_key_without_a_request() {
    // A model without server values: one bulk INSERT, then `find` answers from the session
    // (the identity map takes the inserted rows in when it is first looked up).
    #[derive(cratedb_orm::CrateModel, Debug, Default)]
    #[cratedb(table = "plain")]
    struct Plain {
        #[cratedb(primary_key)]
        id: String,
        body: String,
    }
    let server = TestServer::start();
    let mut session = Session::new(Client::new(&server.url()).unwrap());
    let handles = session.add_all((0..3).map(|n| Plain {
        id: format!("k{n}"),
        body: "b".into(),
    }));
    session.commit().unwrap();
    assert_eq!(server.request_count(), 1);
    for (n, &h) in handles.iter().enumerate() {
        let found = session.find::<Plain>(format!("k{n}").as_str()).unwrap();
        assert_eq!(found, Some(h));
    }
    assert_eq!(server.request_count(), 1, "no lookup sent");
}
