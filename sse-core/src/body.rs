//! A response body, de-framed the way its head says: chunked, by
//! `Content-Length`, or until the connection closes.

use crate::http::{BodyFraming, ChunkedDecoder, ChunkedError, Decoded};

/// A resumable decoder for a response body of any [`BodyFraming`]: feed it
/// raw bytes from the connection, get payload bytes back, borrowed from the
/// input. One loop serves every framing.
///
/// ```
/// use sse_core::http::{BodyDecoder, BodyFraming};
///
/// let mut body = BodyDecoder::new(BodyFraming::Length(5));
/// let step = body.decode(b"data:x").unwrap();
/// assert_eq!((step.data, step.consumed, step.done), (&b"data:"[..], 5, true));
/// assert!(body.is_done());
/// ```
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct BodyDecoder {
    state: State,
}

#[derive(Clone, Copy, Debug, PartialEq, Eq)]
enum State {
    UntilClose,
    Length(u64),
    Chunked(ChunkedDecoder),
}

impl BodyDecoder {
    /// A decoder at the start of a body framed as `framing`, with the
    /// default chunked limits.
    pub const fn new(framing: BodyFraming) -> Self {
        Self::with_chunked(framing, ChunkedDecoder::new())
    }

    /// A decoder that uses `chunked` (with its own limits) if the body is
    /// chunked.
    pub const fn with_chunked(framing: BodyFraming, chunked: ChunkedDecoder) -> Self {
        let state = match framing {
            BodyFraming::UntilClose => State::UntilClose,
            BodyFraming::Length(n) => State::Length(n),
            BodyFraming::Chunked => State::Chunked(chunked),
        };
        Self { state }
    }

    /// Whether the whole body has been decoded (never, for a body that
    /// runs until the connection closes).
    pub fn is_done(&self) -> bool {
        match &self.state {
            State::UntilClose => false,
            State::Length(left) => *left == 0,
            State::Chunked(chunked) => chunked.is_done(),
        }
    }

    /// Whether the connection closing now ends the body cleanly: it runs
    /// until close, or it is complete. Otherwise the body was cut short.
    pub fn may_end(&self) -> bool {
        matches!(self.state, State::UntilClose) || self.is_done()
    }

    /// Decodes from the start of `input` until payload bytes are found, the
    /// body ends, or the input is used up. Bytes after the body's end are
    /// not consumed.
    ///
    /// # Errors
    ///
    /// [`ChunkedError`] for a malformed chunked body; it cannot be resumed.
    pub fn decode<'a>(&mut self, input: &'a [u8]) -> Result<Decoded<'a>, ChunkedError> {
        match &mut self.state {
            State::UntilClose => Ok(Decoded { consumed: input.len(), data: input, done: false }),
            State::Length(left) => {
                let take = usize::try_from(*left).unwrap_or(usize::MAX).min(input.len());
                *left -= take as u64;
                Ok(Decoded { consumed: take, data: &input[..take], done: *left == 0 })
            }
            State::Chunked(chunked) => chunked.decode(input),
        }
    }

    /// Returns the last `n` payload bytes of the previous [`decode`](Self::decode)
    /// to the body: they were not used, and the caller passes them in again
    /// (payload is always at the end of what a call consumed).
    pub(crate) fn give_back(&mut self, n: usize) {
        let n = n as u64;
        match &mut self.state {
            State::UntilClose => {}
            State::Length(left) => *left += n,
            State::Chunked(chunked) => chunked.give_back(n),
        }
    }
}
