//! `ClientBuilder`: defaults, overrides, and contradictory or invalid settings as typed errors.

use std::time::Duration;

use cratedb_client::{Client, ClientBuilder, Error, SslMode};

const CA: &str = concat!(env!("CARGO_MANIFEST_DIR"), "/tests/certs/ca.pem");
const KEY: &str = concat!(env!("CARGO_MANIFEST_DIR"), "/tests/certs/server.key");

fn config_error(builder: ClientBuilder) -> String {
    match builder.build() {
        Err(Error::InvalidConfig { message }) => message,
        other => panic!("expected InvalidConfig, got {other:?}"),
    }
}

#[test]
fn defaults() {
    let client = Client::builder().build().unwrap_or_else(|e| panic!("{e}"));
    assert_eq!(client.servers(), ["localhost:4200"]);
    assert_eq!(client.default_schema(), None);
    let debug = format!("{client:?}");
    assert!(
        debug.contains("tls: false") && debug.contains("auth: \"none\""),
        "{debug}"
    );
}

#[test]
fn url_and_builder_settings() {
    let client = Client::builder()
        .url("crate://h1:4201,h2/?schema=doc")
        .server("h3:4300")
        .build()
        .unwrap_or_else(|e| panic!("{e}"));
    assert_eq!(client.servers(), ["h1:4201", "h2:4200", "h3:4300"]);
    assert_eq!(client.default_schema(), Some("doc"));

    let client = Client::builder()
        .url("crate://h1/?schema=doc")
        .servers(["a:1", "[::1]:2"])
        .schema("other")
        .build()
        .unwrap_or_else(|e| panic!("{e}"));
    assert_eq!(client.servers(), ["a:1", "[::1]:2"]);
    assert_eq!(client.default_schema(), Some("other"));
}

#[test]
fn bad_url_or_server_is_reported_by_build() {
    assert!(matches!(
        Client::builder().url("crate://h:x").build(),
        Err(Error::InvalidUrl { .. })
    ));
    assert!(matches!(
        Client::builder().servers(["ok:1", "bad:0"]).build(),
        Err(Error::InvalidUrl { .. })
    ));
    assert!(matches!(
        Client::builder().server("").build(),
        Err(Error::InvalidUrl { .. })
    ));
    assert!(matches!(Client::new("nope"), Err(Error::InvalidUrl { .. })));
}

#[test]
fn jwt_and_password_together() {
    let m = config_error(Client::builder().url("crate://u:p@h").jwt("token"));
    assert!(m.contains("JWT") && m.contains("basic"), "{m}");
    let m = config_error(Client::builder().basic_auth("u", "p").jwt("token"));
    assert!(m.contains("JWT"), "{m}");
    let m = config_error(Client::builder().username("u").jwt("token"));
    assert!(m.contains("JWT"), "{m}");
    let m = config_error(Client::builder().jwt("bad token"));
    assert!(m.contains("JWT") && !m.contains("bad token"), "{m}");
    let m = config_error(Client::builder().jwt(""));
    assert!(m.contains("empty"), "{m}");
}

#[test]
fn contradictory_tls_settings() {
    let m = config_error(Client::builder().url("crate://h/?ssl=false&sslmode=require"));
    assert!(
        m.contains("ssl=false") && m.contains("sslmode=require"),
        "{m}"
    );
    let m = config_error(Client::builder().url("crate://h/?ssl=true&sslmode=disable"));
    assert!(
        m.contains("ssl=true") && m.contains("sslmode=disable"),
        "{m}"
    );
    let m = config_error(
        Client::builder()
            .sslmode(SslMode::VerifyFull)
            .verify_ssl_cert(false),
    );
    assert!(
        m.contains("verify_ssl_cert=false") && m.contains("verify-full"),
        "{m}"
    );
    let m = config_error(Client::builder().ca_cert(CA));
    assert!(m.contains("ca_cert") && m.contains("TLS is off"), "{m}");
    let m = config_error(
        Client::builder()
            .ssl(true)
            .ca_cert(CA)
            .verify_ssl_cert(false),
    );
    assert!(
        m.contains("ca_cert") && m.contains("verify_ssl_cert=false"),
        "{m}"
    );
}

#[test]
fn tls_modes() {
    let debug = |b: ClientBuilder| format!("{:?}", b.build().unwrap_or_else(|e| panic!("{e}")));
    let d = debug(Client::builder().url("crate://h/?ssl=true"));
    assert!(
        d.contains("tls: true") && d.contains("verify_ssl_cert: true"),
        "{d}"
    );
    let d = debug(Client::builder().url("crate://h/?sslmode=require"));
    assert!(
        d.contains("tls: true") && d.contains("verify_ssl_cert: false"),
        "{d}"
    );
    let d = debug(
        Client::builder()
            .url("crate://h/?sslmode=require")
            .ca_cert(CA),
    );
    assert!(d.contains("verify_ssl_cert: true"), "{d}");
    // `prefer` tries TLS first and falls back to plain HTTP; without a CA it does not verify.
    let d = debug(Client::builder().url("crate://h/?sslmode=prefer"));
    assert!(
        d.contains("tls: true, tls_fallback: true, verify_ssl_cert: false"),
        "{d}"
    );
    let d = debug(Client::builder().url("crate://h/?sslmode=allow"));
    assert!(d.contains("tls: false, tls_fallback: true"), "{d}");
    let d = debug(Client::builder().url("crate://h/?sslmode=disable"));
    assert!(d.contains("tls: false, tls_fallback: false"), "{d}");
    let d = debug(Client::builder().url("crate://h/?ssl=true&verify_ssl_cert=false"));
    assert!(d.contains("verify_ssl_cert: false"), "{d}");
}

#[test]
fn ca_file_problems_name_the_file() {
    let m = config_error(Client::builder().ssl(true).ca_cert("/nonexistent/ca.pem"));
    assert!(
        m.contains("/nonexistent/ca.pem") && m.contains("cannot read"),
        "{m}"
    );
    let m = config_error(Client::builder().ssl(true).ca_cert(KEY));
    assert!(
        m.contains("server.key") && m.contains("no PEM certificate"),
        "{m}"
    );
}

#[test]
fn invalid_sizes_and_timeouts() {
    assert!(config_error(Client::builder().pool_size(0)).contains("pool_size"));
    assert!(config_error(Client::builder().body_limit(0)).contains("body_limit"));
    assert!(config_error(Client::builder().timeout(Duration::ZERO)).contains("timeout"));
    assert!(
        config_error(Client::builder().connect_timeout(Duration::ZERO)).contains("connect_timeout")
    );
    assert!(config_error(Client::builder().servers(Vec::<String>::new())).contains("empty"));
    assert!(config_error(Client::builder().schema("")).contains("schema"));
    assert!(config_error(Client::builder().schema("sch\u{e9}ma")).contains("schema"));
    assert!(config_error(Client::builder().username("a:b")).contains("':'"));
    assert!(config_error(Client::builder().username("")).contains("empty"));
}
