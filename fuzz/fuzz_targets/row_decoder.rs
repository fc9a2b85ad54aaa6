//! Fuzzes decoding `/_sql` answers into the tutorial's models: any body is models or a typed
//! error naming the column, never a panic.
#![no_main]

#[path = "../../examples/tutorial_models.rs"]
mod models;

#[path = "../harness/orm.rs"]
mod harness;

libfuzzer_sys::fuzz_target!(|data: &[u8]| harness::row_decoder(data));
