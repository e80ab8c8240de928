//! cargo-fuzz target: see `sse_fuzz::http`.
#![no_main]

libfuzzer_sys::fuzz_target!(|data: &[u8]| sse_fuzz::http(data));
