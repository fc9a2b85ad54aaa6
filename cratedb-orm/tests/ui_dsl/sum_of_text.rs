// `sum` needs numbers.
#[path = "../dsl_support/mod.rs"]
mod dsl_support;
use cratedb_orm::expr::sum;
use dsl_support::Character;

fn main() {
    let _ = sum(Character::name());
}
