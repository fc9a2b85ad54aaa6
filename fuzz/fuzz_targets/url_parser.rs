//! Fuzzes `ConnectionUrl::parse` and `Client::new`: any input is a URL or a typed
//! `InvalidUrl`/`InvalidConfig` error, never a panic, and passwords never show.
#![no_main]

#[path = "../harness/client.rs"]
mod harness;

libfuzzer_sys::fuzz_target!(|data: &[u8]| harness::url_parser(data));
