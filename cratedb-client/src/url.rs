//! `crate://` connection URLs: [`ConnectionUrl`], [`ServerAddr`], [`SslMode`].

use std::fmt;
use std::net::Ipv6Addr;
use std::path::PathBuf;
use std::str::FromStr;

use crate::{Error, Result, Secret};

/// The port CrateDB's HTTP endpoint listens on by default.
pub const DEFAULT_PORT: u16 = 4200;

/// The host used when a URL names none.
pub const DEFAULT_HOST: &str = "localhost";

/// One server: a host name or IP address and a port.
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
pub struct ServerAddr {
    host: String,
    port: u16,
}

impl ServerAddr {
    /// A server from a host (name, IPv4 address, or IPv6 address with or without brackets)
    /// and a port (1–65535).
    ///
    /// ```
    /// use cratedb_client::ServerAddr;
    /// let s = ServerAddr::new("db1.example.com", 4200)?;
    /// assert_eq!(s.to_string(), "db1.example.com:4200");
    /// # Ok::<(), cratedb_client::Error>(())
    /// ```
    pub fn new(host: &str, port: u16) -> Result<ServerAddr> {
        let host = host
            .strip_prefix('[')
            .and_then(|h| h.strip_suffix(']'))
            .unwrap_or(host);
        let host = validate_host(host, 1)?;
        if port == 0 {
            return Err(invalid_url(format!(
                "port 0 for host {host:?} is not allowed"
            )));
        }
        Ok(ServerAddr { host, port })
    }

    /// Parses `host`, `host:port` or `[ipv6]:port` (port 4200 when missing).
    ///
    /// ```
    /// use cratedb_client::ServerAddr;
    /// assert_eq!(ServerAddr::parse("[::1]:4201")?.to_string(), "[::1]:4201");
    /// assert_eq!(ServerAddr::parse("db1")?.port(), 4200);
    /// # Ok::<(), cratedb_client::Error>(())
    /// ```
    pub fn parse(s: &str) -> Result<ServerAddr> {
        parse_server(s, 1)
    }

    /// The host name or IP address (IPv6 without brackets).
    pub fn host(&self) -> &str {
        &self.host
    }

    /// The port.
    pub fn port(&self) -> u16 {
        self.port
    }

    /// Whether the server is on this machine: `localhost` (or a name under `.localhost`), or
    /// a loopback address (`127.0.0.0/8`, `::1`). Names are not resolved.
    pub fn is_loopback(&self) -> bool {
        let host = self.host.trim_end_matches('.');
        host.eq_ignore_ascii_case("localhost")
            || host
                .get(host.len().saturating_sub(".localhost".len())..)
                .is_some_and(|tail| tail.eq_ignore_ascii_case(".localhost"))
            || host
                .parse::<std::net::IpAddr>()
                .is_ok_and(|ip| ip.is_loopback())
    }

    fn is_ipv6(&self) -> bool {
        self.host.contains(':')
    }
}

impl Default for ServerAddr {
    /// `localhost:4200`.
    fn default() -> ServerAddr {
        ServerAddr {
            host: DEFAULT_HOST.to_string(),
            port: DEFAULT_PORT,
        }
    }
}

impl fmt::Display for ServerAddr {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        if self.is_ipv6() {
            write!(f, "[{}]:{}", self.host, self.port)
        } else {
            write!(f, "{}:{}", self.host, self.port)
        }
    }
}

impl FromStr for ServerAddr {
    type Err = Error;

    fn from_str(s: &str) -> Result<ServerAddr> {
        ServerAddr::parse(s)
    }
}

/// TLS modes, named as in libpq's `sslmode`.
///
/// CrateDB's HTTP endpoint cannot negotiate TLS inside a plain connection (there is no
/// `STARTTLS`): a server speaks either HTTPS or plain HTTP on its port. So the modes map to:
/// - `disable`: plain HTTP (a server that speaks only TLS on its port is an error saying so);
/// - `allow`: plain HTTP first; a server that does not answer plain HTTP (it speaks TLS) is
///   tried again with HTTPS, and then used with HTTPS;
/// - `prefer`: HTTPS first; a server that answers the TLS handshake with plain HTTP (as
///   CrateDB without TLS does) is tried again with plain HTTP, and then used with it;
/// - `require`: HTTPS only;
/// - `verify-ca`, `verify-full`: HTTPS with full verification (chain and host name; the
///   client has no chain-only verification, so `verify-ca` is as strict as `verify-full`).
///
/// With `allow`, `prefer` and `require` the certificate is verified only when a CA is given
/// with `ca_cert` (as in libpq), otherwise verification is off. `allow` and `prefer` fall back
/// only when the server speaks the other protocol, never on a certificate that fails
/// verification: a server that speaks TLS with a bad certificate is an error, not a reason to
/// send the request in the clear. Neither protects against an attacker who can answer in
/// plain HTTP (exactly as in libpq): use `require` or stricter when that matters. A fallback is
/// safe for writes too: a request sent in the wrong protocol cannot have been executed. Each
/// mode is checked against a real CrateDB that speaks only HTTPS and one that speaks only plain
/// HTTP (`tests/live_tls.rs`).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum SslMode {
    /// Plain HTTP.
    Disable,
    /// Plain HTTP first; HTTPS for a server that speaks only TLS.
    Allow,
    /// HTTPS first; plain HTTP for a server that does not speak TLS.
    Prefer,
    /// HTTPS; verified only with a `ca_cert`.
    Require,
    /// HTTPS, verified.
    VerifyCa,
    /// HTTPS, verified (chain and host name).
    VerifyFull,
}

impl SslMode {
    /// Every mode, in libpq's order.
    pub const ALL: [SslMode; 6] = [
        SslMode::Disable,
        SslMode::Allow,
        SslMode::Prefer,
        SslMode::Require,
        SslMode::VerifyCa,
        SslMode::VerifyFull,
    ];

    /// The libpq name, e.g. `verify-full`.
    pub fn as_str(self) -> &'static str {
        match self {
            SslMode::Disable => "disable",
            SslMode::Allow => "allow",
            SslMode::Prefer => "prefer",
            SslMode::Require => "require",
            SslMode::VerifyCa => "verify-ca",
            SslMode::VerifyFull => "verify-full",
        }
    }

    /// Whether this mode always connects with TLS (HTTPS): `require`, `verify-ca`,
    /// `verify-full`.
    pub fn uses_tls(self) -> bool {
        matches!(
            self,
            SslMode::Require | SslMode::VerifyCa | SslMode::VerifyFull
        )
    }

    /// Whether this mode tries the other protocol when a server does not speak the first one:
    /// `allow` (plain HTTP, then HTTPS) and `prefer` (HTTPS, then plain HTTP).
    pub fn falls_back(self) -> bool {
        matches!(self, SslMode::Allow | SslMode::Prefer)
    }

    /// Whether this mode demands certificate verification.
    pub fn demands_verification(self) -> bool {
        matches!(self, SslMode::VerifyCa | SslMode::VerifyFull)
    }
}

impl fmt::Display for SslMode {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

impl FromStr for SslMode {
    type Err = Error;

    fn from_str(s: &str) -> Result<SslMode> {
        SslMode::ALL
            .into_iter()
            .find(|m| m.as_str().eq_ignore_ascii_case(s))
            .ok_or_else(|| {
                invalid_url(format!(
                    "unknown sslmode {s:?}: expected one of disable, allow, prefer, require, \
                     verify-ca, verify-full"
                ))
            })
    }
}

/// A parsed `crate://` URL. Options the URL does not set are `None`; the
/// [`ClientBuilder`](crate::ClientBuilder) applies defaults and checks that options agree.
///
/// Grammar (libpq style, several servers allowed):
///
/// ```text
/// crate://[user[:password]@][host[:port][,host[:port]…]][/][?option=value[&option=value…]]
/// ```
///
/// - no host: `localhost:4200`; no port: `4200`; IPv6 hosts in brackets: `[::1]:4200`.
/// - user and password are percent-decoded (`%40` for `@`, `%2F` for `/`, `%3A` for `:`, …).
/// - options (values percent-decoded): `ssl=true|false`,
///   `sslmode=disable|allow|prefer|require|verify-ca|verify-full` (see [`SslMode`]),
///   `schema=NAME` (sent as `Default-Schema`), `verify_ssl_cert=true|false`, `ca_cert=PATH`,
///   `error_trace=true|false`.
///
/// Every error is [`Error::InvalidUrl`] naming the offending part of the URL, never
/// repeating the password.
///
/// ```
/// use cratedb_client::ConnectionUrl;
/// let url = ConnectionUrl::parse("crate://admin:s%40cret@h1:4200,h2:4201/?ssl=true&schema=doc")?;
/// assert_eq!(url.servers().len(), 2);
/// assert_eq!(url.username(), Some("admin"));
/// assert_eq!(url.password().map(|p| p.expose()), Some("s@cret"));
/// assert_eq!(url.ssl(), Some(true));
/// assert_eq!(url.schema(), Some("doc"));
/// assert!(!format!("{url:?}").contains("s@cret"));
/// # Ok::<(), cratedb_client::Error>(())
/// ```
#[derive(Debug, Clone, PartialEq, Eq, Default)]
pub struct ConnectionUrl {
    servers: Vec<ServerAddr>,
    username: Option<String>,
    password: Option<Secret>,
    ssl: Option<bool>,
    sslmode: Option<SslMode>,
    schema: Option<String>,
    verify_ssl_cert: Option<bool>,
    ca_cert: Option<PathBuf>,
    error_trace: Option<bool>,
}

impl ConnectionUrl {
    /// Parses a `crate://` URL (grammar above).
    pub fn parse(url: &str) -> Result<ConnectionUrl> {
        parse_url(url)
    }

    /// The servers, in URL order (`localhost:4200` when the URL names none).
    pub fn servers(&self) -> &[ServerAddr] {
        &self.servers
    }

    /// The user name, percent-decoded.
    pub fn username(&self) -> Option<&str> {
        self.username.as_deref()
    }

    /// The password, percent-decoded (`Some("")` for `user:@host`).
    pub fn password(&self) -> Option<&Secret> {
        self.password.as_ref()
    }

    /// `?ssl=`.
    pub fn ssl(&self) -> Option<bool> {
        self.ssl
    }

    /// `?sslmode=`.
    pub fn sslmode(&self) -> Option<SslMode> {
        self.sslmode
    }

    /// `?schema=` (sent as the `Default-Schema` header).
    pub fn schema(&self) -> Option<&str> {
        self.schema.as_deref()
    }

    /// `?verify_ssl_cert=`.
    pub fn verify_ssl_cert(&self) -> Option<bool> {
        self.verify_ssl_cert
    }

    /// `?ca_cert=` (a PEM file).
    pub fn ca_cert(&self) -> Option<&std::path::Path> {
        self.ca_cert.as_deref()
    }

    /// `?error_trace=`.
    pub fn error_trace(&self) -> Option<bool> {
        self.error_trace
    }
}

impl FromStr for ConnectionUrl {
    type Err = Error;

    fn from_str(s: &str) -> Result<ConnectionUrl> {
        ConnectionUrl::parse(s)
    }
}

fn invalid_url(message: String) -> Error {
    Error::InvalidUrl { message }
}

const ENCODE_HINT: &str = "characters '/', '?', '#' and '@' in a user name or password must be \
                           percent-encoded (%2F, %3F, %23, %40)";

fn parse_url(url: &str) -> Result<ConnectionUrl> {
    let Some((scheme, rest)) = url.split_once("://") else {
        return Err(invalid_url(
            "missing scheme: a CrateDB URL starts with crate://".to_string(),
        ));
    };
    if !scheme.eq_ignore_ascii_case("crate") {
        let shown = if scheme.len() <= 16 && scheme.chars().all(|c| c.is_ascii_alphanumeric()) {
            format!(" {scheme:?}")
        } else {
            String::new()
        };
        return Err(invalid_url(format!(
            "unsupported scheme{shown}: a CrateDB URL starts with crate:// \
             (use ?ssl=true for HTTPS)"
        )));
    }

    let authority_end = rest.find(['/', '?', '#']).unwrap_or(rest.len());
    let (authority, tail) = rest.split_at(authority_end);
    // An '@' after the authority (before any option's '=') means a password with a raw '/',
    // '?' or '#' was cut in two: no error may then echo any part of the URL.
    let first_eq = tail.find('=').unwrap_or(tail.len());
    let cut_password = tail.get(..first_eq).is_some_and(|t| t.contains('@'));
    if cut_password {
        return Err(invalid_url(format!(
            "cannot tell the credentials from the servers: {ENCODE_HINT}"
        )));
    }

    let (userinfo, hosts) = match authority.rfind('@') {
        Some(at) => (authority.get(..at), authority.get(at + 1..).unwrap_or("")),
        None => (None, authority),
    };

    let mut parsed = ConnectionUrl::default();
    if let Some(userinfo) = userinfo {
        let (user, password) = match userinfo.split_once(':') {
            Some((u, p)) => (u, Some(p)),
            None => (userinfo, None),
        };
        if user.is_empty() {
            return Err(invalid_url(
                "empty user name before '@' (write crate://user:password@host)".to_string(),
            ));
        }
        parsed.username = Some(percent_decode(user, "user name", true)?);
        if let Some(password) = password {
            parsed.password = Some(Secret::new(percent_decode(password, "password", false)?));
        }
    }

    parsed.servers = parse_server_list(hosts)?;

    let (before_fragment, fragment) = match tail.split_once('#') {
        Some((b, _)) => (b, true),
        None => (tail, false),
    };
    if fragment {
        return Err(invalid_url(
            "a '#' fragment is not allowed in a CrateDB URL".to_string(),
        ));
    }
    let (path, query) = match before_fragment.split_once('?') {
        Some((p, q)) => (p, Some(q)),
        None => (before_fragment, None),
    };
    if !path.is_empty() && path != "/" {
        let shown: String = path.chars().take(40).collect();
        return Err(invalid_url(format!(
            "unexpected path {shown:?}: a crate:// URL has no path (options go after '?', \
             e.g. ?schema=doc)"
        )));
    }
    if let Some(query) = query {
        parse_options(query, &mut parsed)?;
    }
    Ok(parsed)
}

fn parse_server_list(hosts: &str) -> Result<Vec<ServerAddr>> {
    if hosts.is_empty() {
        return Ok(vec![ServerAddr::default()]);
    }
    let parts: Vec<&str> = hosts.split(',').collect();
    let many = parts.len() > 1;
    let mut servers = Vec::with_capacity(parts.len());
    for (i, part) in parts.into_iter().enumerate() {
        let position = i + 1;
        if part.is_empty() {
            return Err(invalid_url(if many {
                format!("empty host at position {position} of the server list {hosts:?}")
            } else {
                "empty host".to_string()
            }));
        }
        servers.push(parse_server(part, position)?);
    }
    Ok(servers)
}

fn parse_server(part: &str, position: usize) -> Result<ServerAddr> {
    let (host, port) = if let Some(inner) = part.strip_prefix('[') {
        let Some((host, after)) = inner.split_once(']') else {
            return Err(invalid_url(format!(
                "unclosed '[' in host {part:?} (server {position})"
            )));
        };
        let port = match after {
            "" => None,
            _ => match after.strip_prefix(':') {
                Some(p) => Some(p),
                None => {
                    return Err(invalid_url(format!(
                        "unexpected {after:?} after IPv6 address [{host}] (server {position})"
                    )))
                }
            },
        };
        (host, port)
    } else {
        match part.split_once(':') {
            Some((host, port)) if port.contains(':') => {
                return Err(invalid_url(format!(
                    "host {host:?} has more than one ':' (write IPv6 addresses in brackets, \
                     e.g. [::1]:4200) (server {position})"
                )));
            }
            Some((host, port)) => (host, Some(port)),
            None => (part, None),
        }
    };
    if host.is_empty() {
        return Err(invalid_url(format!(
            "empty host in {part:?} (server {position})"
        )));
    }
    let host = validate_host(host, position)?;
    let port = match port {
        None => DEFAULT_PORT,
        Some(p) => parse_port(p, &host)?,
    };
    Ok(ServerAddr { host, port })
}

fn validate_host(host: &str, position: usize) -> Result<String> {
    if host.is_empty() {
        return Err(invalid_url(format!("empty host (server {position})")));
    }
    if host.contains(':') {
        return match host.parse::<Ipv6Addr>() {
            Ok(_) => Ok(host.to_ascii_lowercase()),
            Err(_) => Err(invalid_url(format!(
                "invalid IPv6 address {host:?} (server {position})"
            ))),
        };
    }
    if host.len() > 253 {
        return Err(invalid_url(format!(
            "host name longer than 253 characters (server {position})"
        )));
    }
    let valid = host
        .chars()
        .all(|c| c.is_ascii_alphanumeric() || matches!(c, '-' | '.' | '_'))
        && !host.starts_with(['-', '.'])
        && !host.contains("..");
    if !valid {
        let shown: String = host.chars().take(64).collect();
        return Err(invalid_url(format!(
            "invalid host {shown:?} (server {position}): letters, digits, '-', '.' and '_' only"
        )));
    }
    Ok(host.to_ascii_lowercase())
}

fn parse_port(port: &str, host: &str) -> Result<u16> {
    if port.is_empty() {
        return Err(invalid_url(format!("empty port after host {host:?}")));
    }
    let shown: String = port.chars().take(16).collect();
    if !port.bytes().all(|b| b.is_ascii_digit()) {
        return Err(invalid_url(format!(
            "invalid port {shown:?} for host {host:?}: not a number"
        )));
    }
    match port.parse::<u32>() {
        Ok(0) => Err(invalid_url(format!(
            "port 0 for host {host:?} is not allowed"
        ))),
        Ok(p) => u16::try_from(p).map_err(|_| {
            invalid_url(format!(
                "port {shown} for host {host:?} is out of range (1-65535)"
            ))
        }),
        Err(_) => Err(invalid_url(format!(
            "port {shown} for host {host:?} is out of range (1-65535)"
        ))),
    }
}

fn parse_options(query: &str, parsed: &mut ConnectionUrl) -> Result<()> {
    let mut seen: Vec<String> = Vec::new();
    for pair in query.split('&').filter(|p| !p.is_empty()) {
        let (raw_key, raw_value) = pair.split_once('=').unwrap_or((pair, ""));
        let key = percent_decode(raw_key, "option name", true)?;
        if !pair.contains('=') || raw_value.is_empty() {
            return Err(invalid_url(format!("option {key:?} has no value")));
        }
        if seen.contains(&key) {
            return Err(invalid_url(format!("option {key:?} is given twice")));
        }
        let value = percent_decode(raw_value, &format!("value of option {key:?}"), true)?;
        match key.as_str() {
            "ssl" => parsed.ssl = Some(parse_bool(&key, &value)?),
            "sslmode" => parsed.sslmode = Some(value.parse()?),
            "schema" => parsed.schema = Some(value),
            "verify_ssl_cert" => parsed.verify_ssl_cert = Some(parse_bool(&key, &value)?),
            "ca_cert" => parsed.ca_cert = Some(PathBuf::from(value)),
            "error_trace" => parsed.error_trace = Some(parse_bool(&key, &value)?),
            _ => {
                let shown: String = key.chars().take(40).collect();
                return Err(invalid_url(format!(
                    "unknown option {shown:?}: known options are ssl, sslmode, schema, \
                     verify_ssl_cert, ca_cert, error_trace"
                )));
            }
        }
        seen.push(key);
    }
    Ok(())
}

fn parse_bool(key: &str, value: &str) -> Result<bool> {
    match value.to_ascii_lowercase().as_str() {
        "true" | "1" | "yes" | "on" => Ok(true),
        "false" | "0" | "no" | "off" => Ok(false),
        _ => {
            let shown: String = value.chars().take(40).collect();
            Err(invalid_url(format!(
                "invalid value {shown:?} for option {key:?}: expected true or false"
            )))
        }
    }
}

/// Decodes `%XX` escapes. `what` names the part in errors; the value itself is shown only
/// when `show` is set (never for passwords).
fn percent_decode(s: &str, what: &str, show: bool) -> Result<String> {
    let bytes = s.as_bytes();
    let mut out = Vec::with_capacity(bytes.len());
    let mut i = 0;
    while let Some(&b) = bytes.get(i) {
        if b == b'%' {
            let hex = bytes
                .get(i + 1..i + 3)
                .and_then(|h| std::str::from_utf8(h).ok())
                .and_then(|h| u8::from_str_radix(h, 16).ok());
            match hex {
                Some(v) => {
                    out.push(v);
                    i += 3;
                }
                None => {
                    return Err(invalid_url(if show {
                        let shown: String = s.chars().take(40).collect();
                        format!("invalid percent-encoding in the {what} {shown:?}")
                    } else {
                        format!(
                            "invalid percent-encoding in the {what} (use %XX with two hex digits)"
                        )
                    }))
                }
            }
        } else {
            out.push(b);
            i += 1;
        }
    }
    String::from_utf8(out).map_err(|_| {
        invalid_url(format!(
            "the {what} is not valid UTF-8 after percent-decoding"
        ))
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn loopback_servers() {
        let is = |s: &str| {
            ServerAddr::parse(s)
                .map(|a| a.is_loopback())
                .unwrap_or_else(|e| panic!("{s}: {e}"))
        };
        for s in [
            "localhost",
            "LOCALHOST:4200",
            "localhost.",
            "db.localhost:4200",
            "127.0.0.1",
            "127.1.2.3:4250",
            "[::1]:4200",
        ] {
            assert!(is(s), "{s} is a loopback server");
        }
        for s in [
            "db1.example.com",
            "10.0.0.5:4200",
            "192.168.1.2",
            "[2001:db8::1]:4200",
            "mylocalhost",
            "localhost.example.com",
            "[::]:4200",
            "0.0.0.0",
        ] {
            assert!(!is(s), "{s} is not a loopback server");
        }
    }

    #[test]
    fn decode() {
        assert_eq!(
            percent_decode("a%2Fb%40", "x", true).ok().as_deref(),
            Some("a/b@")
        );
        assert!(percent_decode("a%2", "x", true).is_err());
        assert!(percent_decode("%ff", "x", true).is_err());
        assert!(percent_decode("%zz", "x", true).is_err());
    }
}
