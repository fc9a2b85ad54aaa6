//! [`GeoPoint`]: CrateDB's `GEO_POINT`.

use std::fmt;

use serde_json::Value;

use super::float::{f64_to_value, value_to_f64};
use super::{CrateType, DecodeError, SqlType, TypeClass};

/// A CrateDB `GEO_POINT`: longitude and latitude in degrees (WGS 84).
///
/// Sent as `[lon, lat]`. Decoded from `[lon, lat]` (what CrateDB returns), a GeoJSON
/// Point (`{"type": "Point", "coordinates": [lon, lat]}`) or WKT (`"POINT (lon lat)"`).
/// Mind the order: longitude first, as in GeoJSON.
///
/// Build points from input with [`GeoPoint::try_new`], which refuses a longitude outside
/// -180 to 180, a latitude outside -90 to 90 and NaN. [`GeoPoint::new`] and the `From`
/// conversions do not check (they stay infallible, for points known to be valid, such as
/// constants): a point they made out of range is sent as it is, and CrateDB refuses the write
/// (the row fails with CrateDB's error). [`is_valid`](GeoPoint::is_valid) tells beforehand.
/// Decoding ([`CrateType::from_value`]) always checks.
///
/// ```
/// use cratedb_orm::{CrateType, GeoPoint};
/// use serde_json::json;
///
/// let berlin = GeoPoint::try_new(13.4, 52.52)?;
/// assert_eq!(berlin, GeoPoint::from((13.4, 52.52)));
/// assert_eq!(berlin.to_value(), json!([13.4, 52.52]));
/// assert_eq!(GeoPoint::from_value(json!({"type": "Point", "coordinates": [13.4, 52.52]})), Ok(berlin));
/// assert_eq!(GeoPoint::from_value(json!("POINT (13.4 52.52)")), Ok(berlin));
/// assert!(berlin.is_valid());
/// assert!(!GeoPoint::new(200.0, 0.0).is_valid());
/// assert!(GeoPoint::try_new(200.0, 95.0).is_err());
/// # Ok::<(), cratedb_orm::types::DecodeError>(())
/// ```
#[derive(Debug, Clone, Copy, Default, PartialEq)]
pub struct GeoPoint {
    /// Longitude, -180 to 180.
    pub lon: f64,
    /// Latitude, -90 to 90.
    pub lat: f64,
}

impl GeoPoint {
    /// A point at longitude `lon` and latitude `lat`, unchecked: for points known to be valid
    /// (constants). An out-of-range point is sent as it is and refused by CrateDB; build points
    /// from input with [`try_new`](Self::try_new).
    pub const fn new(lon: f64, lat: f64) -> Self {
        GeoPoint { lon, lat }
    }

    /// A point at longitude `lon` and latitude `lat`, checked: both finite, the longitude
    /// within -180 to 180 and the latitude within -90 to 90 (degrees, WGS 84), as CrateDB
    /// requires.
    ///
    /// # Errors
    /// A [`DecodeError`] naming the accepted ranges and the coordinates given, for a
    /// coordinate out of range, NaN or infinite.
    ///
    /// ```
    /// use cratedb_orm::GeoPoint;
    ///
    /// let tokyo = GeoPoint::try_new(139.76, 35.68)?;
    /// assert_eq!((tokyo.lon, tokyo.lat), (139.76, 35.68));
    /// let err = GeoPoint::try_new(200.0, 95.0).unwrap_err();
    /// assert_eq!(
    ///     err.to_string(),
    ///     "expected GEO_POINT (longitude -180 to 180, latitude -90 to 90), found (200, 95)"
    /// );
    /// assert!(GeoPoint::try_new(f64::NAN, 0.0).is_err());
    /// # Ok::<(), cratedb_orm::types::DecodeError>(())
    /// ```
    pub fn try_new(lon: f64, lat: f64) -> Result<Self, DecodeError> {
        let point = GeoPoint { lon, lat };
        if point.is_valid() {
            Ok(point)
        } else {
            Err(DecodeError {
                expected: "GEO_POINT (longitude -180 to 180, latitude -90 to 90)".to_owned(),
                found: format!("({lon}, {lat})"),
            })
        }
    }

    /// Whether both coordinates are finite and in range (CrateDB rejects other points).
    pub fn is_valid(&self) -> bool {
        valid_position(self.lon, self.lat)
    }

    /// The point as a GeoJSON Point geometry.
    pub fn to_geojson(&self) -> Value {
        let mut map = serde_json::Map::new();
        map.insert("type".into(), Value::String("Point".into()));
        map.insert("coordinates".into(), self.to_value());
        Value::Object(map)
    }

    /// Reads `[lon, lat]` from a JSON array of exactly two numbers.
    pub(crate) fn from_coordinates(value: &Value) -> Option<Self> {
        match value.as_array()?.as_slice() {
            [lon, lat] => Some(GeoPoint::new(value_to_f64(lon)?, value_to_f64(lat)?)),
            _ => None,
        }
    }

    /// Reads WKT `POINT (lon lat)` (case-insensitive, flexible whitespace).
    fn from_wkt(text: &str) -> Option<Self> {
        let text = text.trim();
        let head = text.get(..5)?;
        if !head.eq_ignore_ascii_case("point") {
            return None;
        }
        let inner = text.get(5..)?.trim().strip_prefix('(')?.strip_suffix(')')?;
        let mut parts = inner.split_whitespace();
        let lon = parts.next()?.parse().ok()?;
        let lat = parts.next()?.parse().ok()?;
        parts.next().is_none().then_some(GeoPoint::new(lon, lat))
    }
}

/// Longitude and latitude are finite and within range.
pub(crate) fn valid_position(lon: f64, lat: f64) -> bool {
    (-180.0..=180.0).contains(&lon) && (-90.0..=90.0).contains(&lat)
}

impl From<(f64, f64)> for GeoPoint {
    /// From `(lon, lat)`, unchecked like [`GeoPoint::new`] (see [`GeoPoint::try_new`]).
    fn from((lon, lat): (f64, f64)) -> Self {
        GeoPoint::new(lon, lat)
    }
}

impl From<[f64; 2]> for GeoPoint {
    /// From `[lon, lat]`, unchecked like [`GeoPoint::new`] (see [`GeoPoint::try_new`]).
    fn from([lon, lat]: [f64; 2]) -> Self {
        GeoPoint::new(lon, lat)
    }
}

impl From<GeoPoint> for (f64, f64) {
    fn from(p: GeoPoint) -> Self {
        (p.lon, p.lat)
    }
}

impl From<GeoPoint> for Value {
    fn from(p: GeoPoint) -> Self {
        p.to_value()
    }
}

impl TryFrom<Value> for GeoPoint {
    type Error = DecodeError;

    fn try_from(value: Value) -> Result<Self, DecodeError> {
        GeoPoint::from_value(value)
    }
}

impl fmt::Display for GeoPoint {
    /// WKT: `POINT (lon lat)`.
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "POINT ({} {})", self.lon, self.lat)
    }
}

impl CrateType for GeoPoint {
    const CLASS: TypeClass = TypeClass::Geo;

    fn sql_type() -> SqlType {
        SqlType::GeoPoint
    }

    fn to_value(&self) -> Value {
        Value::Array(vec![f64_to_value(self.lon), f64_to_value(self.lat)])
    }

    fn from_value(value: Value) -> Result<Self, DecodeError> {
        let point = match &value {
            Value::Array(_) => GeoPoint::from_coordinates(&value),
            Value::Object(map) if map.get("type").and_then(Value::as_str) == Some("Point") => {
                map.get("coordinates").and_then(GeoPoint::from_coordinates)
            }
            Value::String(text) => GeoPoint::from_wkt(text),
            _ => None,
        };
        // CrateDB never stores or returns NaN or out-of-range coordinates: such a value is not
        // a GEO_POINT.
        point.filter(GeoPoint::is_valid).ok_or_else(|| {
            DecodeError::new(
                "GEO_POINT ([lon, lat] with -180 <= lon <= 180 and -90 <= lat <= 90, GeoJSON Point or WKT POINT)",
                &value,
            )
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    #[test]
    fn rejects_other_shapes() {
        for bad in [
            json!([1.0]),
            json!([1.0, 2.0, 3.0]),
            json!(["a", 1.0]),
            json!({"type": "LineString", "coordinates": [1.0, 2.0]}),
            json!("POINT (1)"),
            json!("POINT (1 2 3)"),
            json!("LINESTRING (1 2)"),
            json!("é"),
            json!(null),
        ] {
            let err = GeoPoint::from_value(bad.clone()).unwrap_err();
            assert!(err.expected.starts_with("GEO_POINT"), "{bad}");
        }
    }

    #[test]
    fn try_new_checks_the_ranges() {
        for (lon, lat) in [(0.0, 0.0), (-180.0, -90.0), (180.0, 90.0), (139.76, 35.68)] {
            assert_eq!(GeoPoint::try_new(lon, lat), Ok(GeoPoint::new(lon, lat)));
        }
        for (lon, lat) in [
            (200.0, 95.0),
            (180.000_001, 0.0),
            (-180.5, 0.0),
            (0.0, 90.5),
            (0.0, -91.0),
            (f64::NAN, 0.0),
            (0.0, f64::NAN),
            (f64::INFINITY, 0.0),
            (0.0, f64::NEG_INFINITY),
        ] {
            let err = GeoPoint::try_new(lon, lat).unwrap_err();
            assert!(err.expected.starts_with("GEO_POINT"), "{err}");
            assert_eq!(err.found, format!("({lon}, {lat})"));
        }
    }

    #[test]
    fn wkt_is_flexible() {
        assert_eq!(
            GeoPoint::from_value(json!("point(-1.5   2)")),
            Ok(GeoPoint::new(-1.5, 2.0))
        );
        assert_eq!(GeoPoint::new(1.5, -2.0).to_string(), "POINT (1.5 -2)");
    }
}
