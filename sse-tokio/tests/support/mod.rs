//! Helpers shared by the browser tests.

// Each test file uses a part.
#[allow(dead_code)]
pub mod cdp;
