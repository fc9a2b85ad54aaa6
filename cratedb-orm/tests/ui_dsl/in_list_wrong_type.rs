// `in_list` items have the column's type.
#[path = "../dsl_support/mod.rs"]
mod dsl_support;
use dsl_support::Doc;

fn main() {
    let _ = Doc::id().in_list(["a", "b"]);
}
