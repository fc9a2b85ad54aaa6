//! Misuse of the query DSL fails to compile, with a readable message.

// The expected output lists the trait's implementations, which the optional features extend.
#[cfg_attr(
    any(feature = "rust_decimal", feature = "chrono", feature = "time"),
    ignore = "the expected compiler output is for the default features"
)]
#[test]
fn dsl_misuse_does_not_compile() {
    let t = trybuild::TestCases::new();
    t.compile_fail("tests/ui_dsl/*.rs");
}
