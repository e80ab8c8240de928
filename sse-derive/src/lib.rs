//! Derive macros for `sse-core`'s typed events; use them through
//! `sse_core` with its `derive` feature, not directly.
//!
//! - `#[derive(SseEvent)]` implements `sse_core::SseEvent`: a value becomes
//!   one frame.
//! - `#[derive(FromSseEvent)]` implements `sse_core::FromSseEvent`: a parsed
//!   event becomes the value.
//!
//! On a struct:
//!
//! Field attributes map fields to SSE fields, as Goa's SSE DSL does:
//! `#[sse(data)]`, `#[sse(event)]`, `#[sse(id)]`, `#[sse(retry)]`, and
//! `#[sse(skip)]` for a field that is not sent. A container attribute
//! `#[sse(event = "name")]` fixes the event type. With no `data` field the
//! whole value is the JSON data. A `data` field of string type is sent as
//! text, any other type as JSON. With a `data` field, every other field must
//! be mapped or skipped, so nothing is dropped silently.
//!
//! Without a `data` field, serde decides what the JSON holds (use
//! `#[serde(skip)]` to leave a field out); mapped fields are then sent both
//! as SSE fields and inside the JSON, and `FromSseEvent` reads the whole
//! value back from the JSON alone.
//!
//! On an enum, each variant is one event type: `#[sse(event = "name")]` on
//! the variant, or its name with `#[sse(rename_all = "snake_case")]` (or
//! any casing serde offers) on the enum. Encoding writes the variant's type;
//! decoding picks the variant by the event's type (`message` when the event
//! had no `event:` field). Every variant is delivered: one without data (a
//! unit variant, `None`) sends an empty `data:` line. A one-field variant's
//! value is the data (text for string types, else JSON, as a `data`
//! field). A struct variant maps `data`, `id`, `retry` and `skip` fields as
//! a struct does; without a `data` field its *unmapped* fields are the JSON
//! data, by field name. Unlike a struct's JSON, that leaves out the `id` and
//! `retry` fields (they are read back from the SSE fields), and a `skip`
//! field is neither sent nor read (it gets its `Default`). serde attributes
//! on those fields are refused: for serde's renames and defaults, make the
//! variant a one-field variant of a struct that derives them. An
//! `#[sse(other)]` variant receives unknown types: a unit variant, or named
//! fields with `#[sse(event)]` for the type (and `data`, `id`, `retry` as
//! wanted); sending one whose type is empty or one of the enum's own is an
//! error. Without an `other` variant, an unknown type is an error that names
//! it.
#![forbid(unsafe_code)]

mod casing;
mod enums;
mod fields;
mod structs;

use proc_macro::TokenStream;
use proc_macro2::TokenStream as Tokens;
use syn::{parse_macro_input, Data, DeriveInput, Error};

/// Implements `sse_core::SseEvent`. See the crate docs for the attributes.
#[proc_macro_derive(SseEvent, attributes(sse))]
pub fn derive_sse_event(input: TokenStream) -> TokenStream {
    let input = parse_macro_input!(input as DeriveInput);
    let expanded: syn::Result<Tokens> = match &input.data {
        Data::Enum(data) => enums::expand_to_frame(&input, data),
        _ => structs::expand_to_frame(&input),
    };
    expanded.unwrap_or_else(Error::into_compile_error).into()
}

/// Implements `sse_core::FromSseEvent`. See the crate docs for the attributes.
#[proc_macro_derive(FromSseEvent, attributes(sse))]
pub fn derive_from_sse_event(input: TokenStream) -> TokenStream {
    let input = parse_macro_input!(input as DeriveInput);
    let expanded: syn::Result<Tokens> = match &input.data {
        Data::Enum(data) => enums::expand_from_event(&input, data),
        _ => structs::expand_from_event(&input),
    };
    expanded.unwrap_or_else(Error::into_compile_error).into()
}
