//! The live suite's core through the session against a CrateDB that speaks only HTTPS
//! (`CRATEDB_TLS_URL`, as `cratedb.sh start --tls` prints it: verify-full with its CA): batched
//! inserts with server values read back, a one-key update, queries, a delete, each as on plain
//! HTTP. In a schema of its own; one skip line when `CRATEDB_TLS_URL` is unset.

mod live;
mod models;

use cratedb_orm::{object, Session, Value};
use models::Character;
use serde_json::json;

#[test]
fn live_tls_session_inserts_updates_queries_and_deletes() {
    let Some(live) = live::connect_tls("tls_session") else {
        return;
    };
    let shown = format!("{:?}", live.client);
    assert!(
        shown.contains("tls: true") && shown.contains("verify_ssl_cert: true"),
        "CRATEDB_TLS_URL connects with TLS and verifies the node: {shown}"
    );
    let (client, sent) = live.logging_client();
    live.create::<Character>();

    // Insert: 200 characters in one commit, one request; server values read back.
    let mut s = Session::new(client.clone());
    let handles: Vec<_> = (0..200)
        .map(|i| {
            s.add(Character {
                name: Some(format!("Character {i:03}")),
                quote: format!("Quote number {i}."),
                details: Some(object! { "n": i, "species": "human" }),
                ..Character::default()
            })
        })
        .collect();
    sent.take();
    s.commit().expect("insert over TLS");
    let requests = sent.take();
    assert_eq!(requests.len(), 1, "{requests:?}");
    assert!(requests.iter().all(|r| r.ok));
    let first = handles[0];
    assert!(s[first].created_at.is_some(), "DEFAULT now() read back");
    assert_eq!(
        s[first].name_normalized.as_deref(),
        Some("character 000"),
        "generated column read back"
    );

    // A one-key update: only that key is sent.
    s[first]
        .details
        .get_or_insert_default()
        .set("species", "Betelgeusian");
    let pending = s.pending_statements();
    assert_eq!(pending.len(), 1);
    assert_eq!(
        pending[0].sql,
        r#"UPDATE "characters" SET "details"['species'] = $1 WHERE "id" = $2"#
    );
    s.commit().expect("one-key update over TLS");
    let id = s[first].id.clone().expect("a client-made key");
    let mut fresh = Session::new(client.clone());
    let h = fresh
        .find::<Character>(id.as_str())
        .expect("find")
        .expect("the row");
    assert_eq!(
        fresh[h].details.clone().map(Value::from),
        Some(json!({"n": 0, "species": "Betelgeusian"}))
    );

    // Queries: a filter on an object key, an order, a count.
    live.refresh("characters");
    let humans = fresh
        .query::<Character>()
        .filter(Character::details().key("species").eq("human"))
        .order_by(Character::name())
        .all()
        .expect("query over TLS");
    assert_eq!(humans.len(), 199);
    assert_eq!(fresh[humans[0]].name.as_deref(), Some("Character 001"));
    assert_eq!(fresh.query::<Character>().count().expect("count"), 200);

    // Delete: two rows, one commit; they are gone.
    let second = handles[1];
    let second_id = s[second].id.clone().expect("a client-made key");
    s.delete(first);
    s.delete(second);
    s.commit().expect("delete over TLS");
    let mut after = Session::new(client.clone());
    assert!(after
        .find::<Character>(id.as_str())
        .expect("find")
        .is_none());
    assert!(after
        .find::<Character>(second_id.as_str())
        .expect("find")
        .is_none());
    live.refresh("characters");
    assert_eq!(after.query::<Character>().count().expect("count"), 198);
}
