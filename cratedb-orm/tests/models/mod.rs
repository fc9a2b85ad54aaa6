//! The seed tutorial's four models, shared by the integration tests (`mod models;`): the very
//! models of `examples/tutorial_models.rs` (`Character`, `Log` with `_id`, `Item` with
//! `gen_random_text_uuid()`, `City` with geo types), so the tests check what the tutorial uses.
#![allow(dead_code)]

#[path = "../../../examples/tutorial_models.rs"]
mod tutorial_models;

pub use tutorial_models::*;
