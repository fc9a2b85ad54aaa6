// A filter must be a boolean condition.
#[path = "../dsl_support/mod.rs"]
mod dsl_support;
use cratedb_orm::query::Select;
use dsl_support::Character;

fn main() {
    let _ = Select::<Character>::new().filter(Character::name());
}
