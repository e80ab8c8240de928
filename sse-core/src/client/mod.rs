//! The client side: the connection of an event source as a sans-IO state
//! machine ([`Connection`]), and with `alloc` the owned parts a
//! reconnecting client keeps ([`Target`], [`ClientConfig`],
//! [`ClientError`]).

mod connection;
#[cfg(feature = "alloc")]
mod owned;

pub use connection::{
    Cause, Connection, ConnectionConfig, Headers, Request, Step, CREDENTIAL_HEADERS,
    DEFAULT_HEAD_TIMEOUT_MS, DEFAULT_MAX_RESPONSE_HEAD, RESPONSE_HEADER_SLOTS,
};
#[cfg(feature = "alloc")]
pub use owned::{ClientConfig, ClientError, Target};
