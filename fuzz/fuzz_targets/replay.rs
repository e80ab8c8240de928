//! cargo-fuzz target: see `sse_fuzz::replay`.
#![no_main]

libfuzzer_sys::fuzz_target!(|data: &[u8]| sse_fuzz::replay(data));
