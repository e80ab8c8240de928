//! cargo-fuzz target: see `sse_fuzz::encoder`.
#![no_main]

libfuzzer_sys::fuzz_target!(|data: &[u8]| sse_fuzz::encoder(data));
