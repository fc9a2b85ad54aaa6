// Only objects have keys.
#[path = "../dsl_support/mod.rs"]
mod dsl_support;
use dsl_support::Character;

fn main() {
    let _ = Character::name().key("first");
}
