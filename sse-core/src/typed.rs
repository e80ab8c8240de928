//! Typed events: struct fields mapped to `data`, `event`, `id` and `retry`,
//! as Goa's SSE DSL maps them, with JSON through `serde-json-core` into a
//! caller buffer (no allocation).
//!
//! Derive [`SseEvent`] to send a struct and [`FromSseEvent`] to read one
//! back (feature `derive`). The traits in this module are what the derived
//! code calls; implement them to teach the derive about your own string or
//! integer types.
//!
//! ```
//! # #[cfg(feature = "derive")] {
//! use sse_core::{FromSseEvent, Parser, SseEvent};
//!
//! #[derive(SseEvent, FromSseEvent, Debug, PartialEq)]
//! #[sse(event = "progress")]
//! struct Progress<'a> {
//!     #[sse(id)]
//!     id: &'a str,
//!     #[sse(data)]
//!     percent: u8, // not a string, so sent as JSON
//!     #[sse(retry)]
//!     retry: Option<u32>,
//! }
//!
//! let mut scratch = [0u8; 64];
//! let mut out = [0u8; 128];
//! let sent = Progress { id: "7", percent: 42, retry: None };
//! let n = sent.encode(&mut scratch, &mut out).unwrap();
//! assert_eq!(&out[..n], b"event: progress\nid: 7\ndata: 42\n\n");
//!
//! let mut parser = Parser::new([0u8; 256]);
//! let mut rest = &out[..n];
//! let event = parser.next(&mut rest).unwrap().unwrap();
//! assert_eq!(Progress::from_event(&event), Ok(sent));
//! # }
//! ```
//!
//! An enum is a stream of several kinds of events: each variant is one event
//! type, and decoding picks the variant by the event's type (see the
//! `sse-derive` docs for every variant shape):
//!
//! ```
//! # #[cfg(feature = "derive")] {
//! use sse_core::{FromSseEvent, Parser, SseEvent, TypedError};
//!
//! #[derive(SseEvent, FromSseEvent, Debug, PartialEq)]
//! #[sse(rename_all = "snake_case")]
//! enum Job<'a> {
//!     Started(&'a str),                  // event: started, text data
//!     Progress { percent: u8 },          // event: progress, {"percent":..}
//!     Finished,                          // event: finished, empty data
//! }
//!
//! let (mut scratch, mut out) = ([0u8; 64], [0u8; 128]);
//! let n = Job::Progress { percent: 42 }.encode(&mut scratch, &mut out).unwrap();
//! assert_eq!(&out[..n], b"event: progress\ndata: {\"percent\":42}\n\n");
//!
//! let mut parser = Parser::new([0u8; 1024]);
//! let mut rest = &b"event: started\ndata: build 7\n\nevent: paused\ndata:\n\n"[..];
//! let event = parser.next(&mut rest).unwrap().unwrap();
//! assert_eq!(event.decode::<Job<'_>>(), Ok(Job::Started("build 7")));
//! let event = parser.next(&mut rest).unwrap().unwrap();
//! let Err(TypedError::UnknownEventType(name)) = event.decode::<Job<'_>>() else { panic!() };
//! assert_eq!(name.as_str(), "paused");
//! # }
//! ```

use core::fmt;

use serde::{Deserialize, Serialize};

use crate::encoder::Frame;
use crate::error::{EncodeError, FrameError};
use crate::parser::Event;

/// Why a typed event could not be encoded or decoded.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
#[non_exhaustive]
pub enum TypedError {
    /// The JSON of the data does not fit the scratch buffer.
    ScratchTooSmall,
    /// The value could not be serialized as JSON.
    JsonEncode,
    /// The event's data is not the JSON the type expects.
    JsonDecode,
    /// An `event` or `id` value would inject fields (see [`FrameError`]).
    Frame(FrameError),
    /// The output buffer is too small; `required` bytes would do.
    BufferTooSmall {
        /// The encoded length of the frame.
        required: usize,
    },
    /// A non-`Option` retry field, but the event set no `retry`.
    MissingRetry,
    /// The event's `retry` does not fit the field's integer type.
    RetryOutOfRange,
    /// The type has a fixed event type and the event has another one.
    WrongEventType,
    /// An enum has no variant for the event's type (and no `#[sse(other)]`
    /// variant to receive it).
    UnknownEventType(EventTypeName),
    /// The value is an enum's `#[sse(other)]` unit variant, which does not
    /// know the event type to send.
    NoEventType,
    /// The value is an enum's `#[sse(other)]` variant holding an event type
    /// that is empty or one of the enum's own: sent, it would be read back
    /// as another variant.
    AmbiguousEventType,
}

/// An event type as an error reports it: up to its first 32 bytes (cut at
/// a character boundary), held inline so [`TypedError`] stays `Copy` and
/// needs no allocation.
#[derive(Clone, Copy, PartialEq, Eq, Hash)]
pub struct EventTypeName {
    bytes: [u8; EventTypeName::MAX],
    len: u8,
    truncated: bool,
}

impl EventTypeName {
    /// The most bytes kept.
    pub const MAX: usize = 32;

    /// The name of `event_type`, cut to [`MAX`](Self::MAX) bytes.
    pub fn new(event_type: &str) -> Self {
        let mut len = event_type.len().min(Self::MAX);
        while !event_type.is_char_boundary(len) {
            len -= 1;
        }
        let mut bytes = [0; Self::MAX];
        bytes[..len].copy_from_slice(&event_type.as_bytes()[..len]);
        let truncated = len < event_type.len();
        Self { bytes, len: u8::try_from(len).unwrap_or(0), truncated }
    }

    /// The kept part of the event type.
    pub fn as_str(&self) -> &str {
        core::str::from_utf8(&self.bytes[..usize::from(self.len)]).unwrap_or_default()
    }

    /// Whether the event type was longer than what is kept.
    pub fn is_truncated(&self) -> bool {
        self.truncated
    }
}

impl fmt::Debug for EventTypeName {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        fmt::Display::fmt(self, f)
    }
}

/// Quoted and escaped (it came from the network), `...` after a cut.
impl fmt::Display for EventTypeName {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{:?}", self.as_str())?;
        if self.truncated {
            f.write_str("...")?;
        }
        Ok(())
    }
}

impl fmt::Display for TypedError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Self::ScratchTooSmall => f.write_str("JSON data does not fit the scratch buffer"),
            Self::JsonEncode => f.write_str("value cannot be serialized as JSON"),
            Self::JsonDecode => f.write_str("event data is not the expected JSON"),
            Self::Frame(e) => write!(f, "invalid frame: {e}"),
            Self::BufferTooSmall { required } => {
                write!(f, "output buffer too small: {required} bytes required")
            }
            Self::MissingRetry => f.write_str("event has no retry field"),
            Self::RetryOutOfRange => f.write_str("retry value out of range for the field"),
            Self::WrongEventType => f.write_str("event type does not match"),
            Self::UnknownEventType(name) => write!(f, "no variant for event type {name}"),
            Self::NoEventType => {
                f.write_str("the `#[sse(other)]` unit variant has no event type to send")
            }
            Self::AmbiguousEventType => f.write_str(
                "the `#[sse(other)]` variant holds an empty event type or one of the enum's own",
            ),
        }
    }
}

impl core::error::Error for TypedError {}

impl From<EncodeError> for TypedError {
    fn from(e: EncodeError) -> Self {
        match e {
            EncodeError::Invalid(e) => Self::Frame(e),
            EncodeError::BufferTooSmall { required } => Self::BufferTooSmall { required },
        }
    }
}

/// What the derived code uses: serde's derive macros, for the JSON of an
/// enum's struct variants. Not an API.
#[cfg(feature = "derive")]
#[doc(hidden)]
pub mod __private {
    pub use serde;
    pub use serde::{Deserialize, Serialize};

    /// Does nothing; fails to compile, at the caller's span, unless `T`
    /// can be JSON data.
    pub fn serializable<T: Serialize + ?Sized>() {}

    /// Does nothing; fails to compile unless `T` can be read from JSON.
    pub fn deserializable<'de, T: Deserialize<'de>>() {}
}

/// A value that is one Server-Sent Event. Derive it (feature `derive`).
pub trait SseEvent {
    /// The frame for this value. JSON data is serialized into `scratch`;
    /// strings are borrowed from `self`.
    ///
    /// # Errors
    ///
    /// [`TypedError::ScratchTooSmall`] or [`TypedError::JsonEncode`] for
    /// the JSON data.
    fn to_frame<'a>(&'a self, scratch: &'a mut [u8]) -> Result<Frame<'a>, TypedError>;

    /// Encodes this value into `out`, returning the length.
    ///
    /// # Errors
    ///
    /// As [`to_frame`](Self::to_frame), plus [`TypedError::Frame`] for an
    /// `event` or `id` that would inject fields and
    /// [`TypedError::BufferTooSmall`].
    fn encode(&self, scratch: &mut [u8], out: &mut [u8]) -> Result<usize, TypedError> {
        Ok(self.to_frame(scratch)?.encode(out)?)
    }
}

/// A type built from a parsed [`Event`]. Derive it (feature `derive`).
pub trait FromSseEvent<'a>: Sized {
    /// Builds the value from `event`; string fields may borrow from it.
    ///
    /// # Errors
    ///
    /// [`TypedError`] if the data is not the expected JSON, the event type
    /// is not the fixed one, or a required `retry` is missing.
    fn from_event(event: &Event<'a>) -> Result<Self, TypedError>;
}

impl<'a> Event<'a> {
    /// Deserializes the data as JSON with `serde-json-core` (see
    /// [`json_value`] for how strings with escapes are handled).
    ///
    /// # Errors
    ///
    /// [`TypedError::JsonDecode`] if the data is not that JSON.
    pub fn json<T: Deserialize<'a>>(&self) -> Result<T, TypedError> {
        json_value(self.data)
    }

    /// Builds a typed value from this event (see [`FromSseEvent`]).
    ///
    /// # Errors
    ///
    /// As [`FromSseEvent::from_event`].
    pub fn decode<T: FromSseEvent<'a>>(&self) -> Result<T, TypedError> {
        T::from_event(self)
    }
}

/// Serializes `value` as JSON into `scratch` and returns the text: with
/// feature `std` through `serde_json` (every serde feature), else through
/// serde-json-core (no allocation).
///
/// # Errors
///
/// [`TypedError::ScratchTooSmall`] or [`TypedError::JsonEncode`].
pub fn json_data<'a, T: Serialize + ?Sized>(
    value: &T,
    scratch: &'a mut [u8],
) -> Result<&'a str, TypedError> {
    #[cfg(feature = "std")]
    let n = {
        let capacity = scratch.len();
        let mut rest = &mut scratch[..];
        serde_json::to_writer(&mut rest, value).map_err(|e| {
            if e.is_io() {
                TypedError::ScratchTooSmall
            } else {
                TypedError::JsonEncode
            }
        })?;
        capacity - rest.len()
    };
    #[cfg(not(feature = "std"))]
    let n = serde_json_core::to_slice(value, scratch).map_err(|e| match e {
        serde_json_core::ser::Error::BufferFull => TypedError::ScratchTooSmall,
        _ => TypedError::JsonEncode,
    })?;
    core::str::from_utf8(&scratch[..n]).map_err(|_| TypedError::JsonEncode)
}

/// Deserializes JSON `data` (the whole text must be one JSON value).
///
/// With feature `std` this is `serde_json`: every serde feature works
/// (internally tagged and untagged enums, `serde_json::Value`, escapes and
/// surrogate pairs decoded into `String`s); a borrowed `&str` field whose
/// JSON has escapes is refused rather than handed over still escaped.
///
/// Without `std`, serde-json-core decodes into caller types without
/// allocating, with its limits: no `serde_json::Value`-like types (no
/// `deserialize_any`), so no internally tagged or untagged enums, and
/// strings as follows. Strings without escapes may be borrowed (`&str`
/// fields) or owned. With feature `alloc`, escapes (`\"`, `\n`, `\u00e9`...) are decoded into owned
/// fields (`String`), and a borrowed `&str` field whose JSON has escapes is
/// refused rather than handed over still escaped. Without `alloc` there is
/// nowhere to decode them, so strings keep their escapes as written. Two
/// caveats: serde-json-core cannot decode surrogate pairs (`\ud83d\ude00`),
/// so a value holding one is decoded as without `alloc`; and Cargo unifies
/// features, so a no-alloc build gets the `alloc` behaviour when another
/// crate in the graph enables `alloc` or `std`.
///
/// # Errors
///
/// [`TypedError::JsonDecode`].
pub fn json_value<'a, T: Deserialize<'a>>(data: &'a str) -> Result<T, TypedError> {
    #[cfg(feature = "std")]
    return serde_json::from_str(data).map_err(|_| TypedError::JsonDecode);
    #[cfg(all(feature = "alloc", not(feature = "std")))]
    let parsed = if memchr::memchr(b'\\', data.as_bytes()).is_some() {
        // Unescaped text is never longer than its escaped form.
        let mut unescaped = alloc::vec![0u8; data.len()];
        match serde_json_core::from_str_escaped::<T>(data, &mut unescaped) {
            // serde-json-core cannot decode a surrogate pair (`\ud83d\ude00`):
            // rather than refuse the whole value, decode it as without
            // `alloc`, strings kept as written.
            Err(serde_json_core::de::Error::InvalidEscapeSequence) => {
                serde_json_core::from_str::<T>(data)
            }
            other => other,
        }
    } else {
        serde_json_core::from_str::<T>(data)
    };
    #[cfg(not(feature = "alloc"))]
    let parsed = serde_json_core::from_str::<T>(data);
    #[cfg(not(feature = "std"))]
    match parsed {
        Ok((value, used)) if data[used..].trim_matches([' ', '\t', '\n', '\r']).is_empty() => {
            Ok(value)
        }
        _ => Err(TypedError::JsonDecode),
    }
}

/// String-like field types, for `#[sse(event)]`, `#[sse(id)]` and text
/// `#[sse(data)]` fields.
#[diagnostic::on_unimplemented(
    message = "`{Self}` is not string-like, so it cannot be an SSE `event`, `id` or text `data` field",
    label = "expected `&str`, `String`, `Cow<str>`, `Box<str>` or an `Option` of one",
    note = "a `#[sse(data)]` field of any other type is sent as JSON"
)]
pub trait SseText {
    /// The text to send; `None` sends no field.
    fn sse_text(&self) -> Option<&str>;
}

impl SseText for str {
    fn sse_text(&self) -> Option<&str> {
        Some(self)
    }
}

impl<T: SseText + ?Sized> SseText for &T {
    fn sse_text(&self) -> Option<&str> {
        (**self).sse_text()
    }
}

impl<T: SseText> SseText for Option<T> {
    fn sse_text(&self) -> Option<&str> {
        self.as_ref().and_then(SseText::sse_text)
    }
}

/// Unsigned integer field types, for `#[sse(retry)]` (milliseconds).
#[diagnostic::on_unimplemented(
    message = "`{Self}` cannot be an SSE `retry` field",
    label = "expected an unsigned integer of milliseconds (`u32`, `u64`, ...) or an `Option` of one"
)]
pub trait SseRetry {
    /// The reconnection time to send; `None` sends no field.
    fn sse_retry(&self) -> Option<u64>;
}

/// Field types that can be read from an event's text (type, id, data).
#[diagnostic::on_unimplemented(
    message = "`{Self}` cannot be read from an SSE event's text",
    label = "expected `&str`, `String`, `Cow<str>` or an `Option` of one"
)]
pub trait FromSseText<'a>: Sized {
    /// The field's value for `text`.
    fn from_sse_text(text: &'a str) -> Self;
}

impl<'a> FromSseText<'a> for &'a str {
    fn from_sse_text(text: &'a str) -> Self {
        text
    }
}

impl<'a, T: FromSseText<'a>> FromSseText<'a> for Option<T> {
    /// `None` for empty text (no id, no data).
    fn from_sse_text(text: &'a str) -> Self {
        (!text.is_empty()).then(|| T::from_sse_text(text))
    }
}

/// Field types that can be read from an event's `retry`.
#[diagnostic::on_unimplemented(
    message = "`{Self}` cannot be read from an SSE `retry` field",
    label = "expected an unsigned integer or an `Option` of one"
)]
pub trait FromSseRetry: Sized {
    /// The field's value for the event's `retry`.
    ///
    /// # Errors
    ///
    /// [`TypedError::MissingRetry`] or [`TypedError::RetryOutOfRange`].
    fn from_sse_retry(retry: Option<u64>) -> Result<Self, TypedError>;
}

impl<T: SseRetry> SseRetry for Option<T> {
    fn sse_retry(&self) -> Option<u64> {
        self.as_ref().and_then(SseRetry::sse_retry)
    }
}

impl<T: SseRetry + ?Sized> SseRetry for &T {
    fn sse_retry(&self) -> Option<u64> {
        (**self).sse_retry()
    }
}

impl<T: FromSseRetry> FromSseRetry for Option<T> {
    fn from_sse_retry(retry: Option<u64>) -> Result<Self, TypedError> {
        retry.map(|ms| T::from_sse_retry(Some(ms))).transpose()
    }
}

macro_rules! retry_ints {
    ($($t:ty),*) => {$(
        impl SseRetry for $t {
            fn sse_retry(&self) -> Option<u64> {
                u64::try_from(*self).ok()
            }
        }
        impl FromSseRetry for $t {
            fn from_sse_retry(retry: Option<u64>) -> Result<Self, TypedError> {
                let ms = retry.ok_or(TypedError::MissingRetry)?;
                <$t>::try_from(ms).map_err(|_| TypedError::RetryOutOfRange)
            }
        }
    )*};
}

retry_ints!(u8, u16, u32, u64, usize);

#[cfg(feature = "alloc")]
mod alloc_impls {
    use alloc::borrow::Cow;
    use alloc::boxed::Box;
    use alloc::string::String;

    use super::{FromSseText, SseText};

    impl SseText for String {
        fn sse_text(&self) -> Option<&str> {
            Some(self)
        }
    }

    impl SseText for Box<str> {
        fn sse_text(&self) -> Option<&str> {
            Some(self)
        }
    }

    impl SseText for Cow<'_, str> {
        fn sse_text(&self) -> Option<&str> {
            Some(self)
        }
    }

    impl FromSseText<'_> for String {
        fn from_sse_text(text: &str) -> Self {
            text.into()
        }
    }

    impl FromSseText<'_> for Box<str> {
        fn from_sse_text(text: &str) -> Self {
            text.into()
        }
    }

    impl<'a> FromSseText<'a> for Cow<'a, str> {
        fn from_sse_text(text: &'a str) -> Self {
            Cow::Borrowed(text)
        }
    }
}

/// Largest JSON scratch buffer [`with_frame`] grows to (16 MiB).
#[cfg(feature = "alloc")]
pub const MAX_SCRATCH: usize = 16 << 20;

/// Builds `event`'s frame, growing `scratch` (up to 16 MiB) until its JSON
/// data fits, and hands the frame to `use_frame`: typed events for writers
/// that own a growable scratch buffer.
#[cfg(feature = "alloc")]
pub fn with_frame<T: SseEvent + ?Sized, R>(
    event: &T,
    scratch: &mut alloc::vec::Vec<u8>,
    mut use_frame: impl FnMut(&Frame<'_>) -> R,
) -> Result<R, TypedError> {
    loop {
        let outcome = match event.to_frame(scratch) {
            Ok(frame) => Ok(use_frame(&frame)),
            Err(e) => Err(e),
        };
        match outcome {
            Err(TypedError::ScratchTooSmall) if scratch.len() < MAX_SCRATCH => {
                let grown = (scratch.len() * 2).clamp(1024, MAX_SCRATCH);
                scratch.resize(grown, 0);
            }
            other => return other,
        }
    }
}
