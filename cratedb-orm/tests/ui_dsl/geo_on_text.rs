// Geographic functions need geographic columns.
#[path = "../dsl_support/mod.rs"]
mod dsl_support;
use cratedb_orm::expr::within;
use dsl_support::Character;

fn main() {
    let _ = within(Character::name(), "POLYGON ((5 45, 12 45, 12 48, 5 48, 5 45))");
}
