//! Compile-fail tests of `#[derive(CrateModel)]`: every misuse is a clear error with a span.
//!
//! Regenerate the expected output with `TRYBUILD=overwrite cargo test --test derive_ui`
//! and review the `.stderr` files.

// The expected output lists the trait's implementations, which the optional features extend.
#[cfg_attr(
    any(feature = "rust_decimal", feature = "chrono", feature = "time"),
    ignore = "the expected compiler output is for the default features"
)]
#[test]
fn misuse_is_a_compile_error() {
    let cases = trybuild::TestCases::new();
    cases.compile_fail("tests/ui/*.rs");
}
