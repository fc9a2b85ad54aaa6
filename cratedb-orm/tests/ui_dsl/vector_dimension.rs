// A vector of the wrong dimension does not compile.
#[path = "../dsl_support/mod.rs"]
mod dsl_support;
use cratedb_orm::expr::knn_match;
use dsl_support::Doc;

fn main() {
    let _ = knn_match(Doc::embedding(), [1.0, 2.0], 10);
}
