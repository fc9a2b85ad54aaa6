// The element type of a scalar array is checked.
#[path = "../dsl_support/mod.rs"]
mod dsl_support;
use dsl_support::Doc;

fn main() {
    let _ = Doc::tags().any_eq(1);
}
