//! [`GeoPoint`] and [`GeoShape`] (skeleton; being built).

/// A CrateDB `GEO_POINT`: longitude and latitude.
#[derive(Debug, Clone, Copy, Default, PartialEq)]
pub struct GeoPoint {
    /// Longitude.
    pub lon: f64,
    /// Latitude.
    pub lat: f64,
}

/// A CrateDB `GEO_SHAPE`: a GeoJSON geometry.
#[derive(Debug, Clone, PartialEq)]
pub struct GeoShape(pub serde_json::Value);
