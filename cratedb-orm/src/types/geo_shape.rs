//! [`GeoShape`]: CrateDB's `GEO_SHAPE`, a validated GeoJSON geometry.

use std::fmt;

use serde_json::{Map, Value};

use super::float::f64_to_value;
use super::geo_point::valid_position;
use super::{describe_value, CrateType, DecodeError, GeoPoint, SqlType, TypeClass};

/// The deepest nesting of `GeometryCollection`s accepted.
const MAX_DEPTH: usize = 32;

/// A CrateDB `GEO_SHAPE`: a GeoJSON geometry (`Point`, `LineString`, `Polygon`,
/// `MultiPoint`, `MultiLineString`, `MultiPolygon` or `GeometryCollection`).
///
/// Always valid: built by the constructors below or decoded with
/// [`from_geojson`](GeoShape::from_geojson), which check the geometry type, the nesting of
/// `coordinates`, that every position is `[lon, lat]` or `[lon, lat, alt]` within range,
/// that a line string has at least 2 positions, and that every polygon ring is closed
/// with at least 4 positions. Positions are longitude first.
///
/// ```
/// use cratedb_orm::GeoShape;
/// use serde_json::json;
///
/// let area = GeoShape::polygon([[(0.0, 0.0), (10.0, 0.0), (10.0, 10.0), (0.0, 0.0)]]).unwrap();
/// assert_eq!(area.geometry_type(), "Polygon");
/// assert_eq!(
///     area.as_geojson(),
///     &json!({"type": "Polygon", "coordinates": [[[0.0, 0.0], [10.0, 0.0], [10.0, 10.0], [0.0, 0.0]]]})
/// );
/// // An open ring is refused.
/// assert!(GeoShape::polygon([[(0.0, 0.0), (1.0, 0.0), (1.0, 1.0), (0.0, 1.0)]]).is_err());
/// let line = GeoShape::from_geojson(json!({"type": "LineString", "coordinates": [[0, 0], [1, 1]]})).unwrap();
/// assert_eq!(line.geometry_type(), "LineString");
/// ```
#[derive(Debug, Clone, PartialEq)]
pub struct GeoShape(Value);

impl GeoShape {
    /// Validates a GeoJSON geometry.
    ///
    /// # Errors
    /// A [`DecodeError`] saying what is wrong (unknown type, bad nesting, a position out
    /// of range, an open ring, …).
    pub fn from_geojson(value: Value) -> Result<Self, DecodeError> {
        match check_geometry(&value, 0) {
            Ok(()) => Ok(GeoShape(value)),
            Err(reason) => Err(DecodeError {
                expected: format!("GEO_SHAPE (GeoJSON geometry: {reason})"),
                found: describe_value(&value),
            }),
        }
    }

    /// A `Point`.
    pub fn point(point: impl Into<GeoPoint>) -> Result<Self, DecodeError> {
        Self::build("Point", position(point.into()))
    }

    /// A `LineString` (at least 2 positions).
    pub fn line_string<P: Into<GeoPoint>>(
        points: impl IntoIterator<Item = P>,
    ) -> Result<Self, DecodeError> {
        Self::build("LineString", positions(points))
    }

    /// A `Polygon`: an outer ring, then holes; each ring closed (last = first), at least
    /// 4 positions.
    pub fn polygon<P: Into<GeoPoint>, R: IntoIterator<Item = P>>(
        rings: impl IntoIterator<Item = R>,
    ) -> Result<Self, DecodeError> {
        Self::build("Polygon", rings_value(rings))
    }

    /// A `MultiPoint`.
    pub fn multi_point<P: Into<GeoPoint>>(
        points: impl IntoIterator<Item = P>,
    ) -> Result<Self, DecodeError> {
        Self::build("MultiPoint", positions(points))
    }

    /// A `MultiLineString`.
    pub fn multi_line_string<P: Into<GeoPoint>, L: IntoIterator<Item = P>>(
        lines: impl IntoIterator<Item = L>,
    ) -> Result<Self, DecodeError> {
        Self::build("MultiLineString", rings_value(lines))
    }

    /// A `MultiPolygon`.
    pub fn multi_polygon<P, R, G>(
        polygons: impl IntoIterator<Item = G>,
    ) -> Result<Self, DecodeError>
    where
        P: Into<GeoPoint>,
        R: IntoIterator<Item = P>,
        G: IntoIterator<Item = R>,
    {
        let coordinates = Value::Array(polygons.into_iter().map(rings_value).collect());
        Self::build("MultiPolygon", coordinates)
    }

    /// A `GeometryCollection` of valid shapes (cannot fail).
    pub fn geometry_collection(shapes: impl IntoIterator<Item = GeoShape>) -> Self {
        let mut map = Map::new();
        map.insert("type".into(), Value::String("GeometryCollection".into()));
        map.insert(
            "geometries".into(),
            Value::Array(shapes.into_iter().map(GeoShape::into_geojson).collect()),
        );
        GeoShape(Value::Object(map))
    }

    /// The GeoJSON geometry type (`"Polygon"`, …).
    pub fn geometry_type(&self) -> &str {
        self.0
            .get("type")
            .and_then(Value::as_str)
            .unwrap_or_default()
    }

    /// The GeoJSON geometry.
    pub fn as_geojson(&self) -> &Value {
        &self.0
    }

    /// Unwraps the GeoJSON geometry.
    pub fn into_geojson(self) -> Value {
        self.0
    }

    fn build(kind: &str, coordinates: Value) -> Result<Self, DecodeError> {
        let mut map = Map::new();
        map.insert("type".into(), Value::String(kind.into()));
        map.insert("coordinates".into(), coordinates);
        GeoShape::from_geojson(Value::Object(map))
    }
}

fn position(p: GeoPoint) -> Value {
    Value::Array(vec![f64_to_value(p.lon), f64_to_value(p.lat)])
}

fn positions<P: Into<GeoPoint>>(points: impl IntoIterator<Item = P>) -> Value {
    Value::Array(points.into_iter().map(|p| position(p.into())).collect())
}

fn rings_value<P: Into<GeoPoint>, R: IntoIterator<Item = P>>(
    rings: impl IntoIterator<Item = R>,
) -> Value {
    Value::Array(rings.into_iter().map(positions).collect())
}

/// Checks a geometry object; the error says what is wrong.
fn check_geometry(value: &Value, depth: usize) -> Result<(), String> {
    let Some(map) = value.as_object() else {
        return Err("not an object".into());
    };
    let kind = map
        .get("type")
        .and_then(Value::as_str)
        .ok_or("missing \"type\"")?;
    if kind == "GeometryCollection" {
        if depth >= MAX_DEPTH {
            return Err("geometry collections nested too deeply".into());
        }
        let geometries = map
            .get("geometries")
            .and_then(Value::as_array)
            .ok_or("a GeometryCollection needs a \"geometries\" array")?;
        for (i, g) in geometries.iter().enumerate() {
            check_geometry(g, depth + 1).map_err(|e| format!("geometry {i}: {e}"))?;
        }
        return Ok(());
    }
    let coordinates = map
        .get("coordinates")
        .ok_or_else(|| format!("a {kind} needs \"coordinates\""))?;
    match kind {
        "Point" => check_position(coordinates),
        "MultiPoint" => check_positions(coordinates, 0),
        "LineString" => check_positions(coordinates, 2),
        "MultiLineString" => check_each(coordinates, |l| check_positions(l, 2)),
        "Polygon" => check_polygon(coordinates),
        "MultiPolygon" => check_each(coordinates, check_polygon),
        other => Err(format!("unknown geometry type {other:?}")),
    }
}

fn check_each(value: &Value, check: impl Fn(&Value) -> Result<(), String>) -> Result<(), String> {
    let items = value.as_array().ok_or("coordinates nested wrongly")?;
    for (i, item) in items.iter().enumerate() {
        check(item).map_err(|e| format!("part {i}: {e}"))?;
    }
    Ok(())
}

fn check_position(value: &Value) -> Result<(), String> {
    let numbers: Option<Vec<f64>> = value
        .as_array()
        .map(|a| a.iter().map(Value::as_f64).collect::<Option<Vec<f64>>>())
        .unwrap_or(None);
    match numbers.as_deref() {
        Some([lon, lat]) | Some([lon, lat, _]) if valid_position(*lon, *lat) => Ok(()),
        Some([_, _]) | Some([_, _, _]) => Err(format!("position {value} out of range")),
        _ => Err(format!(
            "a position is [lon, lat] or [lon, lat, alt], found {}",
            describe_value(value)
        )),
    }
}

fn check_positions(value: &Value, min: usize) -> Result<(), String> {
    let items = value.as_array().ok_or("coordinates nested wrongly")?;
    if items.len() < min {
        return Err(format!("needs at least {min} positions"));
    }
    items.iter().try_for_each(check_position)
}

fn check_polygon(value: &Value) -> Result<(), String> {
    let rings = value.as_array().ok_or("coordinates nested wrongly")?;
    if rings.is_empty() {
        return Err("a polygon needs at least one ring".into());
    }
    for (i, ring) in rings.iter().enumerate() {
        check_positions(ring, 4).map_err(|e| format!("ring {i}: {e}"))?;
        let closed = ring
            .as_array()
            .and_then(|r| Some(same_position(r.first()?, r.last()?)))
            .unwrap_or(false);
        if !closed {
            return Err(format!(
                "ring {i} is not closed (last position must equal the first)"
            ));
        }
    }
    Ok(())
}

fn same_position(a: &Value, b: &Value) -> bool {
    let coords =
        |v: &Value| -> Option<Vec<f64>> { v.as_array()?.iter().map(Value::as_f64).collect() };
    matches!((coords(a), coords(b)), (Some(x), Some(y)) if x == y)
}

impl TryFrom<Value> for GeoShape {
    type Error = DecodeError;

    fn try_from(value: Value) -> Result<Self, DecodeError> {
        GeoShape::from_geojson(value)
    }
}

impl From<GeoShape> for Value {
    fn from(shape: GeoShape) -> Self {
        shape.0
    }
}

impl fmt::Display for GeoShape {
    /// The GeoJSON text.
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{}", self.0)
    }
}

impl CrateType for GeoShape {
    const CLASS: TypeClass = TypeClass::Geo;

    fn sql_type() -> SqlType {
        SqlType::GeoShape
    }

    fn to_value(&self) -> Value {
        self.0.clone()
    }

    fn from_value(value: Value) -> Result<Self, DecodeError> {
        GeoShape::from_geojson(value)
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    fn reason(value: Value) -> String {
        GeoShape::from_geojson(value).unwrap_err().expected
    }

    #[test]
    fn every_geometry_type_validates() {
        let ok = [
            json!({"type": "Point", "coordinates": [1, 2]}),
            json!({"type": "Point", "coordinates": [1, 2, 300]}),
            json!({"type": "MultiPoint", "coordinates": [[1, 2], [3, 4]]}),
            json!({"type": "LineString", "coordinates": [[1, 2], [3, 4]]}),
            json!({"type": "MultiLineString", "coordinates": [[[1, 2], [3, 4]]]}),
            json!({"type": "Polygon", "coordinates": [[[0, 0], [1, 0], [1, 1], [0, 0]]]}),
            json!({"type": "MultiPolygon", "coordinates": [[[[0, 0], [1, 0], [1, 1], [0, 0]]]]}),
            json!({"type": "GeometryCollection", "geometries": [{"type": "Point", "coordinates": [1, 2]}]}),
        ];
        for shape in ok {
            assert!(GeoShape::from_geojson(shape.clone()).is_ok(), "{shape}");
        }
    }

    #[test]
    fn errors_say_what_is_wrong() {
        assert!(reason(json!({"type": "Circle", "coordinates": [1, 2]}))
            .contains("unknown geometry type \"Circle\""));
        assert!(reason(json!({"type": "Point"})).contains("needs \"coordinates\""));
        assert!(reason(json!({"type": "Point", "coordinates": [[1, 2]]})).contains("a position is"));
        assert!(reason(json!({"type": "Point", "coordinates": [181, 0]})).contains("out of range"));
        assert!(
            reason(json!({"type": "LineString", "coordinates": [[1, 2]]})).contains("at least 2")
        );
        assert!(reason(json!({"type": "Polygon", "coordinates": []})).contains("at least one ring"));
        assert!(reason(
            json!({"type": "Polygon", "coordinates": [[[0, 0], [1, 0], [1, 1], [0, 1]]]})
        )
        .contains("not closed"));
        assert!(reason(json!({"type": "GeometryCollection"})).contains("\"geometries\""));
        assert!(reason(json!([1, 2])).contains("not an object"));
        assert!(reason(
            json!({"type": "GeometryCollection", "geometries": [{"type": "X", "coordinates": 1}]})
        )
        .contains("geometry 0"));
    }

    #[test]
    fn constructors_build_valid_geojson() {
        let p = GeoShape::point((1.0, 2.0)).unwrap();
        assert_eq!(
            p.as_geojson(),
            &json!({"type": "Point", "coordinates": [1.0, 2.0]})
        );
        assert!(GeoShape::line_string([(0.0, 0.0)]).is_err());
        let c = GeoShape::geometry_collection([p.clone()]);
        assert_eq!(c.geometry_type(), "GeometryCollection");
        assert!(GeoShape::from_geojson(c.into_geojson()).is_ok());
        let mp =
            GeoShape::multi_polygon([[[(0.0, 0.0), (1.0, 0.0), (1.0, 1.0), (0.0, 0.0)]]]).unwrap();
        assert_eq!(mp.geometry_type(), "MultiPolygon");
        assert!(GeoShape::point((f64::NAN, 0.0)).is_err());
    }
}
