//! `crate://` URL parsing: every accepted form and every error, and no panic on any input.

use cratedb_client::{ConnectionUrl, Error, ServerAddr, SslMode};
use proptest::prelude::*;

fn parse(url: &str) -> ConnectionUrl {
    ConnectionUrl::parse(url).unwrap_or_else(|e| panic!("{url}: {e}"))
}

fn servers(url: &ConnectionUrl) -> Vec<String> {
    url.servers().iter().map(ToString::to_string).collect()
}

fn error(url: &str) -> String {
    match ConnectionUrl::parse(url) {
        Err(Error::InvalidUrl { message }) => message,
        other => panic!("{url}: expected InvalidUrl, got {other:?}"),
    }
}

#[test]
fn bare_scheme_is_localhost_4200() {
    for url in ["crate://", "crate:///", "CRATE://", "crate://?schema=doc"] {
        let u = parse(url);
        assert_eq!(servers(&u), ["localhost:4200"], "{url}");
        assert_eq!(u.username(), None);
        assert_eq!(u.password(), None);
        assert_eq!(u.ssl(), None);
    }
}

#[test]
fn host_and_port() {
    assert_eq!(servers(&parse("crate://db1")), ["db1:4200"]);
    assert_eq!(servers(&parse("crate://db1:4201")), ["db1:4201"]);
    assert_eq!(
        servers(&parse("crate://DB1.Example.COM:4201/")),
        ["db1.example.com:4201"]
    );
    assert_eq!(
        servers(&parse("crate://10.0.0.1:65535")),
        ["10.0.0.1:65535"]
    );
    assert_eq!(servers(&parse("crate://[::1]:4201")), ["[::1]:4201"]);
    assert_eq!(servers(&parse("crate://[fe80::1]")), ["[fe80::1]:4200"]);
    let u = parse("crate://[::1]:4201");
    assert_eq!(u.servers()[0].host(), "::1");
    assert_eq!(u.servers()[0].port(), 4201);
}

#[test]
fn credentials_and_ssl() {
    let u = parse("crate://user:pass@host:4200/?ssl=true");
    assert_eq!(u.username(), Some("user"));
    assert_eq!(u.password().map(|p| p.expose()), Some("pass"));
    assert_eq!(u.ssl(), Some(true));
    assert_eq!(servers(&u), ["host:4200"]);

    let u = parse("crate://crate@host");
    assert_eq!(u.username(), Some("crate"));
    assert_eq!(u.password(), None);

    let u = parse("crate://crate:@host");
    assert_eq!(u.password().map(|p| p.expose()), Some(""));

    let u = parse("crate://admin@");
    assert_eq!(servers(&u), ["localhost:4200"]);
    assert_eq!(u.username(), Some("admin"));
}

#[test]
fn percent_encoded_credentials() {
    let u = parse("crate://us%40er:p%40ss%3Aw%2Fo%3Frd%23%25@host");
    assert_eq!(u.username(), Some("us@er"));
    assert_eq!(u.password().map(|p| p.expose()), Some("p@ss:w/o?rd#%"));
    // A raw '@' in the password is taken up to the last '@'.
    let u = parse("crate://user:p@ss@host:4201");
    assert_eq!(u.password().map(|p| p.expose()), Some("p@ss"));
    assert_eq!(servers(&u), ["host:4201"]);
    // ':' after the first one belongs to the password.
    let u = parse("crate://user:a:b@host");
    assert_eq!(u.password().map(|p| p.expose()), Some("a:b"));
    // UTF-8 after decoding.
    let u = parse("crate://j%C3%BCrgen:%E2%82%AC@host");
    assert_eq!(u.username(), Some("jürgen"));
    assert_eq!(u.password().map(|p| p.expose()), Some("€"));
}

#[test]
fn several_servers() {
    let u = parse("crate://h1:4200,h2:4201/?ssl=true");
    assert_eq!(servers(&u), ["h1:4200", "h2:4201"]);
    assert_eq!(u.ssl(), Some(true));
    let u = parse("crate://u:p@h1,h2:4201,[::1],10.1.1.1:4300");
    assert_eq!(
        servers(&u),
        ["h1:4200", "h2:4201", "[::1]:4200", "10.1.1.1:4300"]
    );
    assert_eq!(u.username(), Some("u"));
}

#[test]
fn options() {
    for mode in SslMode::ALL {
        let u = parse(&format!("crate://h/?sslmode={mode}"));
        assert_eq!(u.sslmode(), Some(mode));
    }
    assert_eq!(
        parse("crate://h?sslmode=VERIFY-FULL").sslmode(),
        Some(SslMode::VerifyFull)
    );
    let u = parse(
        "crate://h/?ssl=1&schema=my%20schema&verify_ssl_cert=false&ca_cert=%2Ftmp%2Fca.pem&error_trace=yes&",
    );
    assert_eq!(u.ssl(), Some(true));
    assert_eq!(u.schema(), Some("my schema"));
    assert_eq!(u.verify_ssl_cert(), Some(false));
    assert_eq!(u.ca_cert(), Some(std::path::Path::new("/tmp/ca.pem")));
    assert_eq!(u.error_trace(), Some(true));
    assert_eq!(parse("crate://h?ssl=FALSE").ssl(), Some(false));
    assert_eq!(parse("crate://h?ssl=off").ssl(), Some(false));
    // '@' in an option value is not a credential.
    assert_eq!(
        parse("crate://h/?ca_cert=/home/a@b/ca.pem").ca_cert(),
        Some(std::path::Path::new("/home/a@b/ca.pem"))
    );
}

#[test]
fn ssl_modes_map_to_tls() {
    assert!(!SslMode::Disable.uses_tls());
    assert!(!SslMode::Allow.uses_tls());
    assert!(!SslMode::Prefer.uses_tls());
    assert!(SslMode::Allow.falls_back() && SslMode::Prefer.falls_back());
    assert!(!SslMode::Disable.falls_back() && !SslMode::Require.falls_back());
    assert!(SslMode::Require.uses_tls());
    assert!(SslMode::VerifyCa.uses_tls() && SslMode::VerifyCa.demands_verification());
    assert!(SslMode::VerifyFull.uses_tls() && SslMode::VerifyFull.demands_verification());
    assert!(!SslMode::Require.demands_verification());
}

#[test]
fn bad_scheme() {
    assert!(error("localhost:4200").contains("missing scheme"));
    assert!(error("").contains("missing scheme"));
    let m = error("http://localhost:4200");
    assert!(m.contains("\"http\"") && m.contains("crate://"), "{m}");
    assert!(error("postgresql://h").contains("postgresql"));
}

#[test]
fn bad_ports() {
    let m = error("crate://h1:abc");
    assert!(
        m.contains("\"abc\"") && m.contains("h1") && m.contains("not a number"),
        "{m}"
    );
    let m = error("crate://h1:0");
    assert!(m.contains("port 0") && m.contains("h1"), "{m}");
    let m = error("crate://h1:65536");
    assert!(m.contains("65536") && m.contains("out of range"), "{m}");
    let m = error("crate://h1:99999999999999999999");
    assert!(m.contains("out of range"), "{m}");
    let m = error("crate://h1:");
    assert!(m.contains("empty port") && m.contains("h1"), "{m}");
    let m = error("crate://h1:-1");
    assert!(m.contains("\"-1\""), "{m}");
    let m = error("crate://h1:4200,h2:x");
    assert!(m.contains("\"x\"") && m.contains("h2"), "{m}");
}

#[test]
fn bad_hosts() {
    let m = error("crate://h1,,h2");
    assert!(m.contains("empty host") && m.contains("position 2"), "{m}");
    let m = error("crate://h1,");
    assert!(m.contains("empty host") && m.contains("position 2"), "{m}");
    let m = error("crate://,h1");
    assert!(m.contains("position 1"), "{m}");
    let m = error("crate://:4200");
    assert!(m.contains("empty host"), "{m}");
    let m = error("crate://ho st");
    assert!(m.contains("invalid host") && m.contains("ho st"), "{m}");
    let m = error("crate://h1,b%d");
    assert!(m.contains("invalid host") && m.contains("server 2"), "{m}");
    let m = error("crate://::1");
    assert!(m.contains("brackets"), "{m}");
    let m = error("crate://[::1");
    assert!(m.contains("unclosed"), "{m}");
    let m = error("crate://[::g]:4200");
    assert!(m.contains("IPv6"), "{m}");
    let m = error("crate://[::1]x");
    assert!(m.contains("after IPv6"), "{m}");
    let m = error("crate://-h");
    assert!(m.contains("invalid host"), "{m}");
    assert!(error(&format!("crate://{}", "a".repeat(300))).contains("253"));
}

#[test]
fn bad_paths_and_fragments() {
    let m = error("crate://h/doc");
    assert!(m.contains("unexpected path") && m.contains("schema"), "{m}");
    let m = error("crate://h/#frag");
    assert!(m.contains("fragment"), "{m}");
}

#[test]
fn bad_options() {
    let m = error("crate://h/?foo=bar");
    assert!(m.contains("unknown option") && m.contains("\"foo\""), "{m}");
    let m = error("crate://h/?sslmode=sometimes");
    assert!(
        m.contains("unknown sslmode") && m.contains("sometimes"),
        "{m}"
    );
    let m = error("crate://h/?ssl=maybe");
    assert!(m.contains("\"maybe\"") && m.contains("\"ssl\""), "{m}");
    let m = error("crate://h/?verify_ssl_cert=2");
    assert!(m.contains("verify_ssl_cert"), "{m}");
    let m = error("crate://h/?error_trace=x");
    assert!(m.contains("error_trace"), "{m}");
    let m = error("crate://h/?ssl");
    assert!(m.contains("\"ssl\"") && m.contains("no value"), "{m}");
    let m = error("crate://h/?schema=");
    assert!(m.contains("\"schema\"") && m.contains("no value"), "{m}");
    let m = error("crate://h/?ssl=true&ssl=false");
    assert!(m.contains("twice"), "{m}");
    let m = error("crate://h/?schema=a%zz");
    assert!(
        m.contains("percent-encoding") && m.contains("schema"),
        "{m}"
    );
}

#[test]
fn bad_credentials_never_echo_the_password() {
    let m = error("crate://user:s3cr%zzet@h");
    assert!(
        m.contains("percent-encoding") && m.contains("password"),
        "{m}"
    );
    assert!(!m.contains("s3cr"), "{m}");
    let m = error("crate://user:s3cr%FFet@h");
    assert!(m.contains("UTF-8") && !m.contains("s3cr"), "{m}");
    let m = error("crate://:s3cret@h");
    assert!(
        m.contains("empty user name") && !m.contains("s3cret"),
        "{m}"
    );
    let m = error("crate://u%zz:x@h");
    assert!(m.contains("user name"), "{m}");
    // A raw '/', '?' or '#' cuts the password: the error shows no part of it.
    for url in [
        "crate://user:se/cret@h",
        "crate://user:se?cret@h",
        "crate://user:se#cret@h",
    ] {
        let m = error(url);
        assert!(m.contains("percent-encoded"), "{m}");
        assert!(!m.contains("se") || !m.contains("cret"), "{m}");
        assert!(!m.contains("cret"), "{m}");
    }
}

#[test]
fn debug_hides_the_password() {
    let u = parse("crate://admin:hunter2@h");
    let debug = format!("{u:?}");
    assert!(!debug.contains("hunter2"), "{debug}");
    assert!(debug.contains("admin"), "{debug}");
}

#[test]
fn from_str() {
    let u: ConnectionUrl = "crate://h1:4201".parse().unwrap_or_default();
    assert_eq!(servers(&u), ["h1:4201"]);
    let s: ServerAddr = "h2:4300".parse().unwrap_or_default();
    assert_eq!(s.to_string(), "h2:4300");
    assert!("h2:x".parse::<ServerAddr>().is_err());
    assert!(ServerAddr::new("h", 0).is_err());
    assert_eq!(
        ServerAddr::new("[::1]", 1)
            .map(|s| s.to_string())
            .ok()
            .as_deref(),
        Some("[::1]:1")
    );
    assert!("sometimes".parse::<SslMode>().is_err());
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(2000))]

    #[test]
    fn parser_never_panics_on_any_string(s in ".*") {
        let _ = ConnectionUrl::parse(&s);
    }

    #[test]
    fn parser_never_panics_on_url_like_strings(
        s in "crate://[a-z0-9:@%/?#&=,\\[\\]\\.\\-_ ]{0,40}"
    ) {
        let _ = ConnectionUrl::parse(&s);
    }

    #[test]
    fn password_never_in_errors(pw in "[a-zA-Z0-9!$&'()*+,;=._~-]{6,20}", port in "[a-z]{1,5}") {
        let url = format!("crate://user:{pw}@host:{port}");
        if let Err(e) = ConnectionUrl::parse(&url) {
            let shown = e.to_string();
            let debug = format!("{:?}", e);
            prop_assert!(!shown.contains(&pw));
            prop_assert!(!debug.contains(&pw));
        }
    }

    #[test]
    fn valid_urls_round_trip(
        hosts in proptest::collection::vec(("[a-z][a-z0-9]{0,10}", 1u16..), 1..4)
    ) {
        let list: Vec<String> = hosts.iter().map(|(h, p)| format!("{h}:{p}")).collect();
        let url = format!("crate://{}/", list.join(","));
        let parsed = ConnectionUrl::parse(&url);
        prop_assert!(parsed.is_ok(), "{url}: {parsed:?}");
        let got: Vec<String> = parsed
            .map(|u| u.servers().iter().map(ToString::to_string).collect())
            .unwrap_or_default();
        prop_assert_eq!(got, list);
    }
}
