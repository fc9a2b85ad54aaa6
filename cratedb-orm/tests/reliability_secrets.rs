//! Secrets through the ORM: a session, its errors and failed commits never show the password
//! or the JWT of the client underneath.

mod models;

use std::time::Duration;

use cratedb_client::testing::{Reply, TestServer};
use cratedb_orm::{Client, Error, Session};
use models::Character;

const PASSWORD: &str = "orm-pw-S3cr3t-4d5e6f";
const TOKEN: &str = "eyJhbGciOiJIUzI1NiJ9.orm-S3cr3t-7a8b9c.sig";

fn assert_clean(text: &str) {
    assert!(!text.contains("S3cr3t"), "secret leaked: {text}");
}

fn clients(addr: &str) -> Vec<Client> {
    vec![
        Client::builder()
            .url(&format!("crate://admin:{PASSWORD}@{addr}"))
            .timeout(Duration::from_millis(300))
            .build()
            .unwrap_or_else(|e| panic!("{e}")),
        Client::builder()
            .server(addr)
            .jwt(TOKEN)
            .timeout(Duration::from_millis(300))
            .build()
            .unwrap_or_else(|e| panic!("{e}")),
    ]
}

fn failed_commit(session: &mut Session) -> String {
    session.add(Character {
        quote: "q".into(),
        ..Character::default()
    });
    match session.commit() {
        Err(e @ Error::Commit(_)) => format!("{e} {e:?}"),
        other => panic!("expected a failed commit, got {other:?}"),
    }
}

#[test]
fn sessions_and_their_errors_never_show_secrets() {
    let refusing = TestServer::with_handler(|_| Reply::error(4010, "UnauthorizedException[no]"));
    let down = TestServer::start();
    down.stop();
    let slow =
        TestServer::with_handler(|_| Reply::delay(Duration::from_secs(1), Reply::rowcount(1)));
    let mut checked = 0;
    for server in [&refusing, &down, &slow] {
        for client in clients(&server.addr()) {
            let mut session = Session::new(client);
            assert_clean(&format!("{session:?}"));
            let e = session.query::<Character>().all().err();
            assert_clean(&e.map(|e| format!("{e} {e:?}")).unwrap_or_default());
            let e = session.find::<Character>("x").err();
            assert_clean(&e.map(|e| format!("{e} {e:?}")).unwrap_or_default());
            assert_clean(&failed_commit(&mut session));
            checked += 4;
        }
    }
    println!("{checked} sessions, queries and failed commits checked: no secret shown");
}
