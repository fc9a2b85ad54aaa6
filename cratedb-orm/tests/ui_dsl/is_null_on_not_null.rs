// `is_null` exists only on nullable (`Option<_>`) columns.
#[path = "../dsl_support/mod.rs"]
mod dsl_support;
use dsl_support::Character;

fn main() {
    let _ = Character::quote().is_null();
}
