//! Live tutorial tests (not written yet).
