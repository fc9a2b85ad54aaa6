// `like` is for text.
#[path = "../dsl_support/mod.rs"]
mod dsl_support;
use dsl_support::Doc;

fn main() {
    let _ = Doc::rank().like("1%");
}
