//! Compile-fail tests of `#[derive(CrateModel)]`: every misuse is a clear error with a span.
//!
//! Regenerate the expected output with `TRYBUILD=overwrite cargo test --test derive_ui`
//! and review the `.stderr` files.

#[test]
fn misuse_is_a_compile_error() {
    let cases = trybuild::TestCases::new();
    cases.compile_fail("tests/ui/*.rs");
}
