// Comparing a text column with a number does not compile.
#[path = "../dsl_support/mod.rs"]
mod dsl_support;
use dsl_support::Character;

fn main() {
    let _ = Character::name().eq(5);
}
