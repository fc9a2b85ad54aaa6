//! Fuzzes the `/_sql` answer decoders (regular, typed rows, bulk, error bodies): any body is
//! a response or a typed error naming the server, never a panic.
#![no_main]

#[path = "../harness/client.rs"]
mod harness;

libfuzzer_sys::fuzz_target!(|data: &[u8]| harness::response_decoder(data));
