//! Synchronous HTTP client for CrateDB (placeholder, being built).

/// The client's error type (placeholder).
#[derive(Debug, thiserror::Error)]
#[non_exhaustive]
pub enum Error {
    /// Placeholder.
    #[error("not implemented")]
    NotImplemented,
}

/// A CrateDB client (placeholder).
#[derive(Debug, Clone)]
pub struct Client;
