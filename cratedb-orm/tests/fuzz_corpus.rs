//! Replays the `row_decoder` fuzz target's seed corpus (`fuzz/corpus/row_decoder/*`) through the
//! same checks `cargo fuzz` runs (`fuzz/harness/orm.rs`): rows decoded into the tutorial's models
//! are models or typed errors naming the column.

mod models;

#[path = "../../fuzz/harness/orm.rs"]
mod harness;

use std::path::PathBuf;

#[test]
fn row_decoder_corpus() {
    let dir = PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("../fuzz/corpus/row_decoder");
    let mut files: Vec<PathBuf> = std::fs::read_dir(&dir)
        .unwrap_or_else(|e| panic!("{}: {e}", dir.display()))
        .filter_map(|entry| entry.ok().map(|e| e.path()))
        .collect();
    files.sort();
    assert!(files.len() >= 10, "seed corpus too small");
    for path in &files {
        let data = std::fs::read(path).unwrap_or_else(|e| panic!("{}: {e}", path.display()));
        let outcome = std::panic::catch_unwind(|| harness::row_decoder(&data));
        assert!(outcome.is_ok(), "row_decoder: {} failed", path.display());
    }
    println!("row_decoder: {} seed inputs replayed", files.len());
}
