//! The server side: the request handshake as a sans-IO decision
//! ([`Handshake`]), and with `alloc` the request a server hands its stream
//! handlers ([`Request`]). The heads it writes are in [`http`](crate::http).

mod handshake;
#[cfg(feature = "alloc")]
mod request;

pub use handshake::{Decision, Handshake, Resource};
#[cfg(feature = "alloc")]
pub use request::Request;
