//! Node information from `GET /`: [`ServerInfo`] and a comparable [`ServerVersion`].

use std::cmp::Ordering;
use std::fmt;
use std::str::FromStr;

use crate::{Error, Result};

/// A CrateDB version such as `6.4.3` or `5.10.1-SNAPSHOT`, ordered by its numbers.
#[derive(Debug, Clone, Eq)]
pub struct ServerVersion {
    /// Major version.
    pub major: u64,
    /// Minor version.
    pub minor: u64,
    /// Patch version.
    pub patch: u64,
    /// The version as the server reported it.
    pub raw: String,
}

impl ServerVersion {
    /// Parses `major[.minor[.patch]][-suffix]`.
    ///
    /// ```
    /// use cratedb_client::ServerVersion;
    /// let v = ServerVersion::parse("5.10.1-SNAPSHOT")?;
    /// assert_eq!((v.major, v.minor, v.patch), (5, 10, 1));
    /// assert!(v < ServerVersion::parse("6.0.0")?);
    /// assert!(v.at_least(5, 10, 0));
    /// # Ok::<(), cratedb_client::Error>(())
    /// ```
    pub fn parse(raw: &str) -> Result<ServerVersion> {
        let numbers = raw.split(['-', '+']).next().unwrap_or("").trim();
        let mut parts = numbers.split('.');
        let mut next = |name: &str, required: bool| -> Result<u64> {
            match parts.next() {
                Some(p) => p.parse::<u64>().map_err(|_| Error::Protocol {
                    server: String::new(),
                    message: format!("invalid {name} version number in {raw:?}"),
                }),
                None if required => Err(Error::Protocol {
                    server: String::new(),
                    message: format!("invalid version {raw:?}"),
                }),
                None => Ok(0),
            }
        };
        Ok(ServerVersion {
            major: next("major", true)?,
            minor: next("minor", false)?,
            patch: next("patch", false)?,
            raw: raw.to_string(),
        })
    }

    /// Whether this version is `major.minor.patch` or newer.
    pub fn at_least(&self, major: u64, minor: u64, patch: u64) -> bool {
        (self.major, self.minor, self.patch) >= (major, minor, patch)
    }

    fn key(&self) -> (u64, u64, u64) {
        (self.major, self.minor, self.patch)
    }
}

impl PartialEq for ServerVersion {
    fn eq(&self, other: &Self) -> bool {
        self.key() == other.key()
    }
}

impl PartialOrd for ServerVersion {
    fn partial_cmp(&self, other: &Self) -> Option<Ordering> {
        Some(self.cmp(other))
    }
}

impl Ord for ServerVersion {
    fn cmp(&self, other: &Self) -> Ordering {
        self.key().cmp(&other.key())
    }
}

impl fmt::Display for ServerVersion {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.raw)
    }
}

impl FromStr for ServerVersion {
    type Err = Error;

    fn from_str(s: &str) -> Result<ServerVersion> {
        ServerVersion::parse(s)
    }
}

/// What one node reports at `GET /`.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ServerInfo {
    /// The server asked, `host:port`.
    pub server: String,
    /// The node name.
    pub name: Option<String>,
    /// The cluster name.
    pub cluster_name: Option<String>,
    /// The CrateDB version.
    pub version: ServerVersion,
    /// The build hash.
    pub build_hash: Option<String>,
    /// Whether this is a snapshot build.
    pub build_snapshot: bool,
    /// The Lucene version.
    pub lucene_version: Option<String>,
}

#[derive(serde::Deserialize)]
struct RootBody {
    #[serde(default)]
    name: Option<String>,
    #[serde(default)]
    cluster_name: Option<String>,
    version: VersionBody,
}

#[derive(serde::Deserialize)]
struct VersionBody {
    number: String,
    #[serde(default)]
    build_hash: Option<String>,
    #[serde(default)]
    build_snapshot: bool,
    #[serde(default)]
    lucene_version: Option<String>,
}

/// Reads the body of a successful `GET /`.
pub(crate) fn parse_server_info(server: &str, body: &[u8]) -> Result<ServerInfo> {
    let parsed: RootBody = serde_json::from_slice(body).map_err(|e| Error::Protocol {
        server: server.to_string(),
        message: crate::wire::parse_failure(body, &e),
    })?;
    let version = ServerVersion::parse(&parsed.version.number).map_err(|e| match e {
        Error::Protocol { message, .. } => Error::Protocol {
            server: server.to_string(),
            message,
        },
        other => other,
    })?;
    Ok(ServerInfo {
        server: server.to_string(),
        name: parsed.name,
        cluster_name: parsed.cluster_name,
        version,
        build_hash: parsed.version.build_hash,
        build_snapshot: parsed.version.build_snapshot,
        lucene_version: parsed.version.lucene_version,
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn versions() {
        let v = |s: &str| ServerVersion::parse(s).unwrap_or_else(|e| panic!("{e}"));
        assert!(v("5.10.1") < v("5.10.2"));
        assert!(v("5.9.9") < v("5.10.0"));
        assert_eq!(v("6").key(), (6, 0, 0));
        assert!(ServerVersion::parse("x.1").is_err());
        assert!(ServerVersion::parse("").is_err());
    }

    #[test]
    fn info() {
        let body = br#"{"ok":true,"status":200,"name":"n1","cluster_name":"c","version":{"number":"6.4.3","build_hash":"abc","build_snapshot":false,"lucene_version":"9.12"}}"#;
        let i = parse_server_info("h:1", body).unwrap_or_else(|e| panic!("{e}"));
        assert_eq!(i.version.raw, "6.4.3");
        assert_eq!(i.name.as_deref(), Some("n1"));
        assert!(parse_server_info("h:1", b"{}").is_err());
    }
}
