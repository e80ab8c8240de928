//! A derived enum of events on `no_std` without `alloc`: borrowed `&str`
//! fields, JSON through serde-json-core into caller buffers. CI builds this
//! crate for `thumbv7em-none-eabihf`, where there is no allocator at all,
//! so it compiling there is the proof; the test runs the round trip.
#![cfg_attr(not(test), no_std)]
#![forbid(unsafe_code)]

use serde::{Deserialize, Serialize};
use sse_core::{FromSseEvent, Parser, SseEvent, TypedError};

/// What a sensor node sends: every variant shape, borrowing from the input.
#[derive(SseEvent, FromSseEvent, Debug, PartialEq, Eq)]
#[sse(rename_all = "snake_case")]
pub enum Telemetry<'a> {
    /// JSON data.
    Reading(Sample<'a>),
    /// Text data and an id.
    Status {
        /// The event id.
        #[sse(id)]
        id: &'a str,
        /// The text.
        #[sse(data)]
        text: &'a str,
    },
    /// Unmapped fields are the JSON data.
    Alarm {
        /// The event id.
        #[sse(id)]
        id: &'a str,
        /// Which sensor.
        sensor: &'a str,
        /// How bad.
        level: u8,
    },
    /// No data.
    Heartbeat,
    /// Any other type, kept as it came.
    #[sse(other)]
    Other {
        /// The type received.
        #[sse(event)]
        kind: &'a str,
        /// Its data.
        #[sse(data)]
        data: &'a str,
    },
}

/// A reading.
#[derive(Serialize, Deserialize, Debug, PartialEq, Eq)]
pub struct Sample<'a> {
    /// Which sensor.
    pub sensor: &'a str,
    /// Hundredths of a degree.
    pub centi_celsius: i32,
}

/// Encodes `value` into `out` (JSON through `scratch`), parses it with a
/// parser over `buffer` (its size sets the parser's limits, the event
/// type's among them) and checks it decodes back to `value`.
///
/// # Errors
///
/// What encoding or decoding reports; `Err(None)` if the parser found no
/// event or the value came back different.
pub fn round_trip(
    value: &Telemetry<'_>,
    scratch: &mut [u8],
    out: &mut [u8],
    buffer: &mut [u8],
) -> Result<usize, Option<TypedError>> {
    let n = value.encode(scratch, out).map_err(Some)?;
    let mut parser = Parser::new(buffer);
    let mut rest = &out[..n];
    let event = parser.next(&mut rest).ok_or(None)?.map_err(|_| None)?;
    let back = Telemetry::from_event(&event).map_err(Some)?;
    if &back == value {
        Ok(n)
    } else {
        Err(None)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn every_variant_round_trips_in_fixed_buffers() {
        let values = [
            Telemetry::Reading(Sample { sensor: "t1", centi_celsius: -1250 }),
            Telemetry::Status { id: "7", text: "all good" },
            Telemetry::Alarm { id: "8", sensor: "t2", level: 3 },
            Telemetry::Heartbeat,
            Telemetry::Other { kind: "firmware", data: "1.2.3" },
        ];
        let expected = [
            "event: reading\ndata: {\"sensor\":\"t1\",\"centi_celsius\":-1250}\n\n",
            "event: status\nid: 7\ndata: all good\n\n",
            "event: alarm\nid: 8\ndata: {\"sensor\":\"t2\",\"level\":3}\n\n",
            "event: heartbeat\ndata:\n\n",
            "event: firmware\ndata: 1.2.3\n\n",
        ];
        for (value, bytes) in values.iter().zip(expected) {
            let (mut scratch, mut out, mut buffer) = ([0u8; 64], [0u8; 128], [0u8; 1024]);
            let n = round_trip(value, &mut scratch, &mut out, &mut buffer)
                .unwrap_or_else(|e| panic!("{value:?}: {e:?}"));
            assert_eq!(&out[..n], bytes.as_bytes());
        }
        // Too small a scratch buffer is an error, not a panic.
        let (mut scratch, mut out, mut buffer) = ([0u8; 4], [0u8; 128], [0u8; 1024]);
        assert_eq!(
            round_trip(&values[0], &mut scratch, &mut out, &mut buffer),
            Err(Some(TypedError::ScratchTooSmall))
        );
    }
}
