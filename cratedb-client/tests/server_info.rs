//! `GET /`: node information, per server, and the lowest version across the servers.

use cratedb_client::testing::TestServer;
use cratedb_client::{Client, Error, ServerVersion};

fn client(servers: &[&TestServer]) -> Client {
    Client::builder()
        .servers(servers.iter().map(|s| s.addr()))
        .build()
        .unwrap_or_else(|e| panic!("{e}"))
}

#[test]
fn server_info_of_one_server() {
    let server = TestServer::builder()
        .version("5.10.3")
        .node_name("n1")
        .start();
    let info = client(&[&server])
        .server_info()
        .unwrap_or_else(|e| panic!("{e}"));
    assert_eq!(info.server, server.addr());
    assert_eq!(info.name.as_deref(), Some("n1"));
    assert_eq!(info.cluster_name.as_deref(), Some("crate"));
    assert_eq!(info.version.raw, "5.10.3");
    assert_eq!(
        (info.version.major, info.version.minor, info.version.patch),
        (5, 10, 3)
    );
    assert!(info.version.at_least(5, 10, 0));
    assert!(!info.version.at_least(5, 11, 0));
    assert_eq!(server.request_count(), 0);
}

#[test]
fn server_info_fails_over() {
    let down = TestServer::start();
    down.stop();
    let up = TestServer::builder().version("6.1.0").start();
    let c = client(&[&down, &up]);
    let info = c.server_info().unwrap_or_else(|e| panic!("{e}"));
    assert_eq!(info.server, up.addr());
}

#[test]
fn lowest_version_across_servers() {
    let a = TestServer::builder().version("6.1.2").start();
    let b = TestServer::builder().version("5.10.12").start();
    let c = TestServer::builder().version("6.0.0").start();
    let down = TestServer::start();
    down.stop();
    let client = client(&[&a, &down, &b, &c]);
    let lowest = client.lowest_version().unwrap_or_else(|e| panic!("{e}"));
    assert_eq!(lowest.raw, "5.10.12");
    assert_eq!(
        lowest,
        ServerVersion::parse("5.10.12").unwrap_or_else(|e| panic!("{e}"))
    );
    let infos = client.servers_info();
    assert_eq!(infos.len(), 4);
    assert!(infos[1].is_err());
    assert_eq!(
        infos[2]
            .as_ref()
            .map(|i| i.version.raw.clone())
            .ok()
            .as_deref(),
        Some("5.10.12")
    );
    assert_eq!(client.inactive_servers(), vec![down.addr()]);
}

#[test]
fn lowest_version_when_no_server_answers() {
    let a = TestServer::start();
    let b = TestServer::start();
    a.stop();
    b.stop();
    match client(&[&a, &b]).lowest_version() {
        Err(Error::AllServersFailed { failures }) => {
            assert_eq!(failures.len(), 2);
            assert_eq!(failures[0].0, a.addr());
        }
        other => panic!("{other:?}"),
    }
}
