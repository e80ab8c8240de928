//! The client side: the connection of an event source as a sans-IO state
//! machine ([`Connection`]), and with `alloc` the owned parts a
//! reconnecting client keeps ([`Target`], [`ClientConfig`],
//! [`ClientError`]).

#[cfg(feature = "alloc")]
mod config;
mod connection;

#[cfg(feature = "alloc")]
pub use config::{ClientConfig, ClientError, Rejection, Target};
pub use connection::{
    Cause, Connection, ConnectionConfig, Headers, Request, Step, DEFAULT_HEAD_TIMEOUT_MS,
    DEFAULT_MAX_ERROR_BODY, DEFAULT_MAX_RESPONSE_HEAD, RESPONSE_HEADER_SLOTS,
};
