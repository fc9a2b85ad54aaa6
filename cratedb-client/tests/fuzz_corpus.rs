//! Replays the fuzz targets' seed corpus (`fuzz/corpus/<target>/*`) through the same checks the
//! `cargo fuzz` targets run (`fuzz/harness/client.rs`), so every `cargo test` covers them.

#[path = "../../fuzz/harness/client.rs"]
mod harness;

use std::path::PathBuf;

fn corpus(target: &str) -> Vec<(String, Vec<u8>)> {
    let dir = PathBuf::from(env!("CARGO_MANIFEST_DIR"))
        .join("../fuzz/corpus")
        .join(target);
    let mut files: Vec<(String, Vec<u8>)> = std::fs::read_dir(&dir)
        .unwrap_or_else(|e| panic!("{}: {e}", dir.display()))
        .filter_map(|entry| entry.ok())
        .map(|entry| {
            let path = entry.path();
            let data = std::fs::read(&path).unwrap_or_else(|e| panic!("{}: {e}", path.display()));
            (path.display().to_string(), data)
        })
        .collect();
    files.sort();
    assert!(files.len() >= 10, "seed corpus of {target} is too small");
    files
}

fn replay(target: &str, check: fn(&[u8])) {
    let files = corpus(target);
    for (name, data) in &files {
        let outcome = std::panic::catch_unwind(|| check(data));
        assert!(outcome.is_ok(), "{target}: {name} failed");
    }
    println!("{target}: {} seed inputs replayed", files.len());
}

#[test]
fn url_parser_corpus() {
    replay("url_parser", harness::url_parser);
}

#[test]
fn response_decoder_corpus() {
    replay("response_decoder", harness::response_decoder);
}
