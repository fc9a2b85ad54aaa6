//! `std::net::IpAddr`, `Ipv4Addr` and `Ipv6Addr` as CrateDB's `IP` column type.
//!
//! CrateDB sends and accepts IP addresses as text (`"192.168.0.1"`, `"2001:db8::1"`) and
//! stores an IPv4-mapped IPv6 address (`::ffff:10.0.0.1`) as the IPv4 address it maps
//! (`10.0.0.1`). So an [`IpAddr`] that went in as `V6(::ffff:10.0.0.1)` comes back as
//! `V4(10.0.0.1)`, and an [`Ipv6Addr`] column decodes IPv4 text back to the mapped address.

use std::net::{IpAddr, Ipv4Addr, Ipv6Addr};
use std::str::FromStr;

use serde_json::Value;

use super::{CrateType, DecodeError, SqlType, TypeClass};

/// Parses the text of an `IP` value as `T`.
fn parse<T: FromStr>(value: Value, expected: &str) -> Result<T, DecodeError> {
    match &value {
        Value::String(s) => s.parse().map_err(|_| DecodeError::new(expected, &value)),
        _ => Err(DecodeError::new(expected, &value)),
    }
}

/// `impl CrateType` for an IP address type: `IP` in DDL, its text on the wire, decoded by
/// `$decode` from the value's text.
macro_rules! ip_type {
    ($(#[$doc:meta])* $ty:ty, |$value:ident| $decode:expr) => {
        $(#[$doc])*
        impl CrateType for $ty {
            const CLASS: TypeClass = TypeClass::Ip;

            fn sql_type() -> SqlType {
                SqlType::Ip
            }

            fn to_value(&self) -> Value {
                Value::String(self.to_string())
            }

            fn from_value($value: Value) -> Result<Self, DecodeError> {
                $decode
            }

            fn serialize_wire<S: serde::Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
                s.collect_str(self)
            }
        }
    };
}

ip_type!(
    /// `IP`, IPv4 or IPv6.
    ///
    /// ```
    /// use std::net::{IpAddr, Ipv4Addr};
    /// use cratedb_orm::CrateType;
    /// use serde_json::json;
    ///
    /// let ip = IpAddr::V4(Ipv4Addr::new(192, 168, 0, 1));
    /// assert_eq!(IpAddr::sql_type().to_string(), "IP");
    /// assert_eq!(ip.to_value(), json!("192.168.0.1"));
    /// assert_eq!(IpAddr::from_value(json!("2001:db8::1")), Ok("2001:db8::1".parse().unwrap()));
    /// assert!(IpAddr::from_value(json!("not-an-ip")).is_err());
    /// ```
    IpAddr,
    |value| parse(value, "IP")
);

ip_type!(
    /// `IP`, IPv4 addresses only: an IPv6 address read from the column is a [`DecodeError`].
    Ipv4Addr,
    |value| parse(value, "IP (IPv4)")
);

ip_type!(
    /// `IP`, read as IPv6: IPv4 text (which is also how CrateDB returns IPv4-mapped addresses)
    /// decodes to the IPv4-mapped address `::ffff:a.b.c.d`.
    Ipv6Addr,
    |value| parse::<IpAddr>(value, "IP").map(|ip| match ip {
        IpAddr::V4(v4) => v4.to_ipv6_mapped(),
        IpAddr::V6(v6) => v6,
    })
);

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    #[test]
    fn addresses_are_text() {
        let v6: Ipv6Addr = "2001:db8::1".parse().unwrap();
        assert_eq!(v6.to_value(), json!("2001:db8::1"));
        assert_eq!(Ipv6Addr::from_value(json!("2001:db8::1")), Ok(v6));
        assert_eq!(
            Ipv6Addr::from_value(json!("10.0.0.1")),
            Ok(Ipv4Addr::new(10, 0, 0, 1).to_ipv6_mapped())
        );
        assert_eq!(
            Ipv4Addr::from_value(json!("10.0.0.1")),
            Ok(Ipv4Addr::new(10, 0, 0, 1))
        );
        let err = Ipv4Addr::from_value(json!("::1")).unwrap_err();
        assert_eq!(err.expected, "IP (IPv4)");
        assert!(IpAddr::from_value(json!(1)).is_err());
        let ip = IpAddr::V6(v6);
        assert_eq!(
            serde_json::to_value(super::super::Wire(&ip)).ok(),
            Some(ip.to_value())
        );
        assert_eq!(<Option<IpAddr>>::sql_type(), SqlType::Ip);
    }
}
