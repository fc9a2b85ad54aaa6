//! Misuse of the query DSL fails to compile, with a readable message.

#[test]
fn dsl_misuse_does_not_compile() {
    let t = trybuild::TestCases::new();
    t.compile_fail("tests/ui_dsl/*.rs");
}
