//! The incremental `text/event-stream` parser.
//!
//! # Design
//!
//! The parser is a resumable state machine over lines. At a line start it
//! matches the four field names outright (other lines: the first of `:`, CR
//! or LF via `memchr3`), then finds the line end (`scan::find_eol`). No byte
//! is looked at again on a later call: a line cut by the end of the input
//! leaves a small state behind ([`Line`]): the field-name bytes seen so far
//! (at most five matter), the field whose value is being copied, or "skip
//! to the end of this line".
//!
//! The commonest event, one `data` line and a blank line (LLM token
//! streams), is recognised at the start of an input without the line
//! machine (`lone_data_event`), which leaves anything else to it, with the
//! same result. A stream fed a few bytes at a time mostly continues a data
//! value: [`Parser::next`] appends such input before anything else.
//!
//! Values of an event that lies wholly in one input slice are borrowed from
//! it (zero copy). Everything else is assembled in the caller's buffer, split
//! into fixed regions: event data, event type, and three id slots (the
//! stream's last event id, the id set by the current block, and a scratch
//! slot for an `id` line still arriving, which may yet turn out to contain
//! NUL and have to be ignored).
//!
//! UTF-8 is decoded per value, when the value is complete: line structure is
//! pure ASCII, and an ASCII byte always ends an invalid sequence, so decoding
//! values separately gives exactly the text that decoding the whole stream
//! first would give. When a whole block is in one input, one check over its
//! span validates all its values at once. A value assembled in the buffer
//! is checked once, by the check that makes its `&str`: safe Rust cannot
//! hand out the `&str` of a passing check and rewrite the same bytes after
//! a failing one, so an invalid value is repaired into the free room behind
//! it, which is why this is done only for values using at most a quarter of
//! their region; longer ones are checked and repaired in place first, then
//! checked again for the `&str`. Valid text is never rewritten; invalid
//! text gets U+FFFD for each maximal subpart, as browsers do. A check may
//! read on past its value to the end of a 64-byte block, which the SIMD
//! check handles much faster than a shorter tail; those bytes never change
//! the result (`utf8::validate_in`).
//!
//! [`Parser::feed_parts`] hands out data instead of assembling it, where
//! assembling would not fit or costs more than a part: the line machine
//! stops before such data ([`Advance::Hold`]), hands out what it kept,
//! then the data itself, checked where it lies in the input (a character
//! cut by the input's end waits in the line state, [`Line::Carry`]). So a
//! large event costs a line-end search and one UTF-8 check, with no copy,
//! and needs no room in the buffer. What is kept stays within a third of
//! the data region, so that its repair always fits. It is the same line
//! machine, instantiated a second time with a `const` switch
//! (`feed_ready::<true>`), so that `feed` and `next` do not pay for it.
//!
//! # Limits
//!
//! A value over its limit rejects the whole event: the error is returned as
//! soon as the limit is passed (data, event type; data that `feed_parts`
//! hands out counts as it goes out) or the line ends (id: a
//! NUL later in the line would make it ignored instead), the rest of the
//! block is skipped, and none of its fields apply after that point; in
//! particular its `id` never becomes the last event ID. Limits are checked
//! on the bytes as they arrive; when U+FFFD replacement of invalid UTF-8
//! makes the data or event type longer than its limit, that shows only when
//! the event is dispatched, so the event is rejected then (its `retry`, if
//! any, has already applied). Results never depend on how the input is
//! split, with one exception: `feed_parts` counts a part at its repaired
//! length as it goes out, while data it keeps counts as it arrives, so with
//! invalid UTF-8 where an event passes its data limit can depend on the
//! cuts and the buffer size. Which events are dispatched, with what, and
//! the last event ID do not; whether a `retry` later in the rejected block
//! applied, and which limit an event over two of them reports, may.

use core::str;

use memchr::{memchr, memchr3};

use crate::error::{CapacityError, ParseError};
use crate::scan::find_eol;
use crate::utf8;

/// Default maximum length of an `id` value, in bytes.
pub const DEFAULT_MAX_ID_LEN: usize = 128;
/// Default maximum length of an `event` value, in bytes.
pub const DEFAULT_MAX_EVENT_TYPE_LEN: usize = 64;

const BOM: [u8; 3] = [0xEF, 0xBB, 0xBF];
/// A run of a data value this long, going on past its input, is handed out
/// by [`Parser::feed_parts`] rather than kept.
const HAND_OUT: usize = 512;
/// The smallest data region [`Parser::feed_parts`] hands data out with:
/// one character, which it may keep while the rest of it arrives.
const MIN_PART_ROOM: usize = 4;
/// At most this much of an input is looked at per step of a data value
/// that [`Parser::feed_parts`] hands out (less with a small buffer): a
/// value cut into many parts (by invalid UTF-8) then costs linear time, not
/// a search to its end per part.
const PART_WINDOW: usize = 16 * 1024;
/// What an invalid UTF-8 sequence decodes to.
const REPLACEMENT: &str = "\u{FFFD}";
/// `bom` value once the stream start has been handled.
const BOM_DONE: u8 = 3;
/// Longest field name the parser acts on (`retry`, `event`).
const MAX_NAME: usize = 5;

/// Size limits for the parts of an event that are not `data`.
///
/// The caller's buffer holds three id slots and one event-type region; the
/// rest of it is the data region, which bounds the data that
/// [`Parser::feed`] and [`Parser::next`] accept. `max_data_len` bounds
/// an event's data however it is read, [`Parser::feed_parts`] included,
/// whose data the buffer does not bound. Build with the `with_*` methods:
///
/// ```
/// use sse_core::{Limits, Parser};
/// let limits = Limits::DEFAULT.with_max_id_len(40).with_max_event_type_len(32);
/// let parser = Parser::with_limits([0u8; 1024], limits).unwrap();
/// assert_eq!(parser.max_data_len(), 1024 - 3 * 40 - 32);
///
/// // Data handed out in parts, up to 1 MiB an event, through 4 KiB.
/// let limits = Limits::DEFAULT.with_max_data_len(1 << 20);
/// let parser = Parser::with_limits(vec![0u8; 4096], limits).unwrap();
/// assert_eq!(parser.limits().max_data_len, 1 << 20);
/// ```
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
#[non_exhaustive]
pub struct Limits {
    /// Longest accepted `id` value in bytes (after UTF-8 decoding).
    pub max_id_len: usize,
    /// Longest accepted `event` value in bytes (after UTF-8 decoding).
    pub max_event_type_len: usize,
    /// Longest accepted event `data` in bytes (all its lines joined, after
    /// UTF-8 decoding). `usize::MAX` by default: the data region alone
    /// bounds `feed` and `next`, and nothing bounds `feed_parts`.
    pub max_data_len: usize,
}

impl Limits {
    /// [`DEFAULT_MAX_ID_LEN`] and [`DEFAULT_MAX_EVENT_TYPE_LEN`].
    pub const DEFAULT: Self = Self {
        max_id_len: DEFAULT_MAX_ID_LEN,
        max_event_type_len: DEFAULT_MAX_EVENT_TYPE_LEN,
        max_data_len: usize::MAX,
    };

    /// Sets the longest accepted `id` value.
    #[must_use]
    pub const fn with_max_id_len(mut self, bytes: usize) -> Self {
        self.max_id_len = bytes;
        self
    }

    /// Sets the longest accepted `event` value.
    #[must_use]
    pub const fn with_max_event_type_len(mut self, bytes: usize) -> Self {
        self.max_event_type_len = bytes;
        self
    }

    /// Sets the longest accepted event data: what a caller of
    /// [`Parser::feed_parts`] joins stays within it.
    #[must_use]
    pub const fn with_max_data_len(mut self, bytes: usize) -> Self {
        self.max_data_len = bytes;
        self
    }

    /// Buffer bytes these limits reserve before any data fits.
    pub const fn reserved_bytes(&self) -> usize {
        self.max_id_len.saturating_mul(3).saturating_add(self.max_event_type_len)
    }

    /// The defaults, shrunk so that at least 25/32 of a buffer of `len`
    /// bytes is left for data. This is what [`Parser::new`] uses.
    pub const fn scaled_for(len: usize) -> Self {
        let id = if len / 16 < DEFAULT_MAX_ID_LEN { len / 16 } else { DEFAULT_MAX_ID_LEN };
        let ty = if len / 32 < DEFAULT_MAX_EVENT_TYPE_LEN {
            len / 32
        } else {
            DEFAULT_MAX_EVENT_TYPE_LEN
        };
        Self { max_id_len: id, max_event_type_len: ty, max_data_len: usize::MAX }
    }
}

impl Default for Limits {
    fn default() -> Self {
        Self::DEFAULT
    }
}

/// A dispatched event. Its strings borrow the input slice (when the event
/// was contiguous in it) or the parser's buffer, so it must be dropped before
/// the parser is called again.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub struct Event<'a> {
    /// The event type: the `event` field, or `"message"` when it was absent
    /// or empty.
    pub event_type: &'a str,
    /// The `data` lines joined with LF.
    pub data: &'a str,
    /// The stream's last event ID once this event was dispatched (set by
    /// this event's `id` field, or carried over from an earlier event).
    pub id: &'a str,
    /// The reconnection time a `retry` field in this event's block set, if
    /// any. (It is also applied at once: see [`Parser::retry`].)
    pub retry: Option<u64>,
}

/// What [`Parser::feed`] or [`Parser::feed_parts`] found.
#[derive(Debug)]
#[non_exhaustive]
pub enum Status<'a> {
    /// An event was dispatched.
    Event(Event<'a>),
    /// An event exceeded a limit and is being skipped up to the next blank
    /// line.
    Error(ParseError),
    /// All input was consumed without completing an event; feed more.
    NeedMore,
    /// A comment line (`: text`), without its colon and one leading space.
    /// Only when asked for ([`Parser::report_comments`]). A comment is
    /// kept whole when it lies in one input; one that spans inputs is kept
    /// in the buffer's free room, up to what fits. Text after an invalid
    /// UTF-8 sequence is left out.
    Comment(&'a str),
    /// Text of the `data` of the event being received, handed out rather
    /// than kept; only [`Parser::feed_parts`] reports these. The event's
    /// data is the parts reported since the last event, error or
    /// [`Parser::finish`], joined, followed by its [`Event::data`]. Parts
    /// are whole characters (an LF joining data lines may be one); invalid
    /// UTF-8 comes as U+FFFD, as in events (text around invalid bytes
    /// comes repaired, in parts of up to a third of the data region).
    DataPart(&'a str),
}

/// The result of one [`Parser::feed`] or [`Parser::feed_parts`] call.
#[derive(Debug)]
pub struct Feed<'a> {
    /// Bytes of the input consumed. Pass the rest back in on the next call.
    pub consumed: usize,
    /// Why the call returned.
    pub status: Status<'a>,
}

#[derive(Clone, Copy, Debug, PartialEq, Eq)]
enum Field {
    Data,
    Event,
    Id,
    Retry,
    Ignored,
}

impl Field {
    #[inline]
    fn from_name(name: &[u8]) -> Self {
        match name {
            b"data" => Self::Data,
            b"event" => Self::Event,
            b"id" => Self::Id,
            b"retry" => Self::Retry,
            _ => Self::Ignored,
        }
    }
}

/// A value being received across calls.
#[derive(Clone, Copy, Debug)]
enum Partial {
    /// Appending to the data region.
    Data,
    /// Appending to the event-type region.
    Event,
    /// Appending to id slot `slot`; `too_long` once past the limit (kept
    /// reading: a NUL later in the line makes the field ignored instead).
    Id { slot: u8, len: usize, nul: bool, too_long: bool },
    /// Accumulating digits; `None` once a non-digit or overflow was seen.
    Retry { value: Option<u64>, digits: bool },
}

/// Where the current line stands when an input slice ends.
#[derive(Clone, Copy, Debug)]
enum Line {
    /// Nothing of the current line seen.
    Start,
    /// A field name of `len` bytes so far, no colon yet.
    Name { len: u8, bytes: [u8; MAX_NAME] },
    /// Inside a value; `at_start` while the optional leading space may
    /// still come.
    Value { partial: Partial, at_start: bool },
    /// Comment, unknown field, or the rest of a skipped event.
    Skip,
    /// A comment being reported that spans inputs: `len` bytes of it are
    /// kept after the stored data; `at_start` while its one optional
    /// leading space may still come.
    Comment { len: usize, at_start: bool },
    /// Inside a data value whose text so far went out as parts
    /// ([`Parser::feed_parts`]), except the first `len` bytes of a
    /// character that the end of the input cut.
    Carry { bytes: [u8; 3], len: u8 },
}

/// Values of the current event that are borrowed from this call's input
/// (byte ranges), valid only until the call returns.
#[derive(Clone, Copy, Default)]
struct Borrowed {
    data: Option<(usize, usize)>,
    event: Option<(usize, usize)>,
    /// The value of the block's latest `id` line, when it is in this input.
    id: Option<(usize, usize)>,
    /// Where the current block starts, if all of it is in this input: then
    /// one UTF-8 check of `block_start..block_end` covers all its values.
    block_start: Option<usize>,
    /// End of the block's last text value (data, event, id) so far.
    block_end: usize,
}

/// What [`Parser::lone_data_event`] saw at the start of an input.
#[cfg(not(feature = "small"))]
enum Lone<'i> {
    /// A whole valid one-data-line event, and where it ends.
    Event(usize, &'i str),
    /// A first data line whose value, from here, goes on past the input.
    GoesOn(usize),
    /// Anything else: for the line machine.
    No,
}

/// What [`Parser::append_only`] left for the line machine.
enum Left {
    /// Nothing: the input was appended to the data value, or was empty.
    Nothing,
    /// The input, where the data value in progress ends when that was
    /// found (for [`Parser::feed_lines`]).
    Lines { data_eol: Option<usize> },
}

/// What [`Parser::feed_ready`] found: [`Status`] without the borrow of
/// the parser.
pub(crate) enum Fed<'i> {
    Ready(Ready<'i>),
    /// A block with a stored value left unchecked:
    /// [`Parser::event_unchecked`] checks it and makes its `&str` in one
    /// pass. The room behind such a value holds its repair (at most three
    /// bytes for each byte), so an invalid one is repaired there, not in
    /// place, where the `&str` of a valid one would still be borrowing.
    /// (A variant here rather than a third kind of [`Text`], which cost 18
    /// instructions on every event.)
    Unchecked(Ready<'i>),
    Error(ParseError),
    NeedMore,
    Comment(Text<'i>),
    /// Data text handed out ([`Parser::feed_parts`] only).
    Part(Text<'i>),
}

/// A block ready to become an [`Event`]: where each value lives.
pub(crate) struct Ready<'i> {
    data: Text<'i>,
    event_type: Option<Text<'i>>,
    /// The id, when it can be borrowed from the input.
    id: Option<&'i str>,
    retry: Option<u64>,
    /// A stored value was left unchecked (see [`Fed::Unchecked`]).
    unchecked: bool,
}

/// Where a dispatched value lives.
pub(crate) enum Text<'i> {
    /// Valid text in the input.
    Input(&'i str),
    /// Text in the buffer: start and length. Valid (checked or repaired),
    /// unless the block came as [`Fed::Unchecked`].
    Stored(usize, usize),
}

#[derive(Clone, Copy, Debug)]
struct IdRef {
    slot: u8,
    len: usize,
}

enum Step<'i> {
    /// The input is used up, or (before the position returned) data is
    /// to be handed out ([`Parser::feed_parts`]).
    NeedMore,
    Dispatch,
    Error(ParseError),
    Comment(Text<'i>),
}

/// Incremental, zero-allocation `text/event-stream` parser.
///
/// `B` is the caller's storage (`[u8; N]`, `&mut [u8]`, `Vec<u8>`, ...): the
/// parser never allocates and never grows. Feed it slices of any size;
/// events wholly inside one slice are returned without copying.
///
/// ```
/// use sse_core::Parser;
///
/// let mut parser = Parser::new([0u8; 1024]);
/// let mut seen = 0;
/// for chunk in [&b"event: greet\nid: 7\nda"[..], b"ta: hello\n\ndata: wor", b"ld\n\n"] {
///     let mut rest = chunk;
///     while let Some(item) = parser.next(&mut rest) {
///         let event = item.expect("within limits");
///         match seen {
///             0 => assert_eq!((event.event_type, event.data, event.id), ("greet", "hello", "7")),
///             _ => assert_eq!((event.event_type, event.data, event.id), ("message", "world", "7")),
///         }
///         seen += 1;
///     }
/// }
/// parser.finish();
/// assert_eq!(seen, 2);
/// assert_eq!(parser.last_event_id(), "7");
/// ```
pub struct Parser<B> {
    buf: B,
    /// What `feed` and `next` accept: the data region, or less.
    data_cap: usize,
    /// [`Limits::max_data_len`]: what `feed_parts` accepts.
    data_limit: usize,
    /// A third of `data_cap` (at least 1): see [`Parser::part_room`].
    part_room: usize,
    type_at: usize,
    type_cap: usize,
    id_at: usize,
    id_cap: usize,

    // Stream state.
    bom: u8,
    after_cr: bool,
    line: Line,
    retry: Option<u64>,
    last_id: IdRef,

    // Current block.
    pending_id: Option<IdRef>,
    has_data: bool,
    data_len: usize,
    type_len: Option<usize>,
    block_retry: Option<u64>,
    skipping: bool,
    /// Bytes of the block's data handed out ([`Parser::feed_parts`]).
    handed: usize,
    /// Report comment lines.
    comments: bool,
}

impl<const N: usize> Default for Parser<[u8; N]> {
    /// A parser owning an `N`-byte array, with [`Limits::scaled_for`]`(N)`.
    fn default() -> Self {
        Self::new([0; N])
    }
}

impl<B> core::fmt::Debug for Parser<B> {
    fn fmt(&self, f: &mut core::fmt::Formatter<'_>) -> core::fmt::Result {
        f.debug_struct("Parser")
            .field("max_data_len", &self.data_cap)
            .field("line", &self.line)
            .field("retry", &self.retry)
            .field("skipping", &self.skipping)
            .finish_non_exhaustive()
    }
}

impl<B: AsRef<[u8]> + AsMut<[u8]>> Parser<B> {
    /// A parser using `buffer` with default limits, scaled down for small
    /// buffers (see [`Limits::scaled_for`]).
    ///
    /// Sizing: the data region (the buffer less [`Limits::reserved_bytes`])
    /// bounds the largest event that arrives across reads. Data using at
    /// most a quarter of it is UTF-8-checked once; larger data is checked
    /// twice (see the module docs), which BENCHMARKS.md measures at about
    /// 10% of the time for 64 KiB events. Events larger than the buffer
    /// can be read with [`feed_parts`](Self::feed_parts), which hands
    /// their data out as it arrives.
    pub fn new(buffer: B) -> Self {
        let limits = Limits::scaled_for(buffer.as_ref().len());
        Self::build(buffer, limits)
    }

    /// A parser using `buffer` with explicit limits.
    ///
    /// # Errors
    ///
    /// [`CapacityError`] if the buffer cannot hold the three id slots, the
    /// event type region and at least one byte of data.
    pub fn with_limits(buffer: B, limits: Limits) -> Result<Self, CapacityError> {
        let available = buffer.as_ref().len();
        let required = limits.reserved_bytes().saturating_add(1);
        if required > available {
            return Err(CapacityError { required, available });
        }
        Ok(Self::build(buffer, limits))
    }

    fn build(buf: B, limits: Limits) -> Self {
        let len = buf.as_ref().len();
        let region = len - limits.reserved_bytes();
        let data_cap = region.min(limits.max_data_len);
        Self {
            buf,
            data_cap,
            part_room: (data_cap / 3).max(1),
            data_limit: limits.max_data_len,
            type_at: region,
            type_cap: limits.max_event_type_len,
            id_at: region + limits.max_event_type_len,
            id_cap: limits.max_id_len,
            bom: 0,
            after_cr: false,
            line: Line::Start,
            retry: None,
            last_id: IdRef { slot: 0, len: 0 },
            pending_id: None,
            has_data: false,
            data_len: 0,
            type_len: None,
            block_retry: None,
            skipping: false,
            handed: 0,
            comments: false,
        }
    }

    /// The largest `data` an event read with [`feed`](Self::feed) or
    /// [`next`](Self::next) may have, in bytes: the data region, or
    /// [`Limits::max_data_len`] if less ([`feed_parts`](Self::feed_parts)
    /// hands larger data out, up to that limit).
    pub fn max_data_len(&self) -> usize {
        self.data_cap
    }

    /// The limits in force.
    pub fn limits(&self) -> Limits {
        Limits {
            max_id_len: self.id_cap,
            max_event_type_len: self.type_cap,
            max_data_len: self.data_limit,
        }
    }

    /// The reconnection time in milliseconds set by the last valid `retry`
    /// field, if any. Applied as soon as the field's line ends, even if its
    /// event is never dispatched.
    pub fn retry(&self) -> Option<u64> {
        self.retry
    }

    /// The stream's last event ID: what a reconnecting client sends as
    /// `Last-Event-ID`. An id only counts once its event's blank line was
    /// seen.
    pub fn last_event_id(&self) -> &str {
        let at = self.id_at + usize::from(self.last_id.slot) * self.id_cap;
        id_text(&self.buf.as_ref()[at..], self.last_id.len)
    }

    /// Seeds the last event ID, e.g. into a fresh parser when a client
    /// reconnects with a new parser. An `id` field of the block being parsed
    /// still applies when that block is dispatched, as the stream says.
    ///
    /// # Errors
    ///
    /// [`ParseError::IdTooLong`] past the id limit, [`ParseError::InvalidId`]
    /// if `id` contains NUL, CR or LF.
    pub fn set_last_event_id(&mut self, id: &str) -> Result<(), ParseError> {
        let bytes = id.as_bytes();
        if bytes.len() > self.id_cap {
            return Err(ParseError::IdTooLong { limit: self.id_cap });
        }
        if memchr::memchr3(0, b'\r', b'\n', bytes).is_some() {
            return Err(ParseError::InvalidId);
        }
        // The old last id is being replaced, so its slot is free to reuse;
        // the other two may hold the block's pending id and an `id` value
        // still arriving.
        let slot = self.last_id.slot;
        let at = self.id_at + usize::from(slot) * self.id_cap;
        self.buf.as_mut()[at..at + bytes.len()].copy_from_slice(bytes);
        self.last_id = IdRef { slot, len: bytes.len() };
        Ok(())
    }

    /// Ends the stream: an unterminated event is discarded (its `id` does
    /// not apply) and the parser is ready for a new stream, for instance
    /// after a reconnect. The last event ID and reconnection time are kept.
    ///
    /// Returns `true` if a partial event or line was discarded.
    pub fn finish(&mut self) -> bool {
        let discarded = !matches!(self.line, Line::Start)
            || self.has_data
            || self.type_len.is_some()
            || self.pending_id.is_some()
            || (self.bom != 0 && self.bom != BOM_DONE);
        self.reset_block();
        self.line = Line::Start;
        self.skipping = false;
        self.after_cr = false;
        self.bom = 0;
        discarded
    }

    /// Forgets everything, including the last event ID and reconnection
    /// time: the parser is as new.
    pub fn reset(&mut self) {
        self.finish();
        self.retry = None;
        self.last_id = IdRef { slot: 0, len: 0 };
    }

    /// Parses from the start of `input` until an event is dispatched, an
    /// event is rejected, or the input is used up.
    ///
    /// Call again with `&input[feed.consumed..]` after an event or error.
    /// Work is linear in the input however it is split: no byte is scanned
    /// again on a later call.
    #[cfg_attr(not(feature = "small"), inline(always))]
    pub fn feed<'p, 'i: 'p>(&'p mut self, input: &'i [u8]) -> Feed<'p> {
        let (consumed, fed) = self.feed_ready::<false>(input);
        Feed { consumed, status: self.status(fed) }
    }

    /// [`feed`](Self::feed) that hands out an event's data as it arrives
    /// ([`Status::DataPart`]) where keeping it until the blank line would
    /// not fit or would cost more: for events larger than the buffer, and
    /// to skip the copy of large ones.
    ///
    /// Data is kept, as `feed` keeps it, while it fits in a third of the
    /// data region (so that its UTF-8 repair always fits too). Data that
    /// would not fit, and a run of 512 bytes or more of a value that goes
    /// on past its input, is handed out instead, what was kept before it
    /// first; a run is borrowed from the input where it lies. So small
    /// events come whole, as from `feed`; the buffer no longer bounds an
    /// event's data (a 64 KiB event passes through a 256-byte buffer); and
    /// a large event costs a line-end search and one UTF-8 check of its
    /// bytes, with no copy.
    ///
    /// A caller joins the parts reported since the last event, error or
    /// `finish`, then the event's own data. On [`Status::Error`], or when
    /// [`finish`](Self::finish) returns `true`, the parts belong to an
    /// event that will never come, and are dropped. The joined data is at
    /// most [`Limits::max_data_len`]: set it to bound what the caller
    /// stores, as the peer will not. A part that would pass it rejects the
    /// event ([`ParseError::DataTooLarge`]) and the rest of its block is
    /// skipped, its `id` included. [`next`](Self::next) and `feed` never
    /// report parts, and may be used after this call: what was not handed
    /// out yet then comes in the event, within
    /// [`max_data_len`](Self::max_data_len) on its own. With a data region
    /// under 4 bytes, too small to keep a character while the rest of it
    /// arrives, this is `feed`.
    ///
    /// ```
    /// use sse_core::{Parser, Status};
    ///
    /// // A 16-byte buffer, and data far longer.
    /// let mut parser = Parser::new([0u8; 16]);
    /// let mut data = String::new();
    /// let mut events = Vec::new();
    /// for chunk in [&b"data: The quick brown"[..], b" fox jumps over", b" the lazy dog\n\n"] {
    ///     let mut rest = chunk;
    ///     loop {
    ///         let feed = parser.feed_parts(rest);
    ///         rest = &rest[feed.consumed..];
    ///         match feed.status {
    ///             Status::DataPart(text) => data.push_str(text),
    ///             Status::Event(event) => {
    ///                 data.push_str(event.data);
    ///                 events.push(std::mem::take(&mut data));
    ///             }
    ///             Status::Error(_) => data.clear(),
    ///             _ => break,
    ///         }
    ///     }
    /// }
    /// assert_eq!(events, ["The quick brown fox jumps over the lazy dog"]);
    /// ```
    #[cfg_attr(not(feature = "small"), inline(always))]
    pub fn feed_parts<'p, 'i: 'p>(&'p mut self, input: &'i [u8]) -> Feed<'p> {
        let (consumed, fed) = self.parts_ready(input);
        Feed { consumed, status: self.status(fed) }
    }

    /// [`feed_parts`](Self::feed_parts) without the borrow of the parser
    /// (as [`feed_ready`](Self::feed_ready) is to `feed`).
    #[cfg_attr(not(feature = "small"), inline(always))]
    pub(crate) fn parts_ready<'i>(&mut self, input: &'i [u8]) -> (usize, Fed<'i>) {
        if self.data_cap < MIN_PART_ROOM || self.reads_as_feed(input.len()) {
            return self.feed_ready::<false>(input);
        }
        // The hot path, as `next`'s: input that only goes on a data value
        // being kept is appended.
        let mut searched = None;
        if let Line::Value { partial: Partial::Data, at_start: false } = self.line {
            let eol = find_eol(self.window(input));
            if eol.is_none() && self.appends::<true>(input.len()) {
                self.append(input);
                return (input.len(), Fed::NeedMore);
            }
            searched = Some(eol);
        }
        match self.parts_step(input, searched) {
            (consumed, Fed::NeedMore) if consumed < input.len() => self.parts_held(input, consumed),
            (consumed, Fed::Part(text)) => self.hand_out(consumed, text),
            done => done,
        }
    }

    /// Whether `feed` reads `len` more bytes to what `feed_parts` would
    /// give, at less cost: no part of the event went out, the input is
    /// shorter than a run `feed_parts` hands out, and what is kept with
    /// all of it stays within what `feed_parts` keeps (so that it may go
    /// on from there). Small reads, as a network gives, and slow streams.
    #[inline(always)]
    fn reads_as_feed(&self, len: usize) -> bool {
        self.handed == 0
            && len < HAND_OUT
            && len <= self.part_room.saturating_sub(self.data_len)
            && !matches!(self.line, Line::Carry { .. })
    }

    /// One step of [`feed_parts`](Self::feed_parts). It returns
    /// [`Fed::NeedMore`] before the end of `input` where it stopped before
    /// data to hand out ([`Advance::Hold`]), or carried a character cut
    /// before a line end: what is kept goes out first. `searched` is where
    /// the data value in progress ends, when that was looked for.
    #[cfg_attr(not(feature = "small"), inline(always))]
    fn parts_step<'i>(
        &mut self,
        input: &'i [u8],
        searched: Option<Option<usize>>,
    ) -> (usize, Fed<'i>) {
        match self.line {
            Line::Value { partial: Partial::Data, at_start: false } => {
                let eol = searched.unwrap_or_else(|| find_eol(self.window(input)));
                match eol {
                    // Kept, as the hot path keeps it.
                    None if self.appends::<true>(input.len()) => {
                        self.append(input);
                        (input.len(), Fed::NeedMore)
                    }
                    // Nothing of the value kept: what of it this input
                    // holds is a part, unless it ends here and fits.
                    None if self.data_len == 0 => self.part_of(self.window(input)),
                    Some(end) if self.data_len == 0 && !self.keeps(0, end, false) => {
                        self.part_of(&input[..end])
                    }
                    _ => self.feed_lines::<true>(input, eol),
                }
            }
            Line::Carry { bytes, len } => self.complete_char(input, bytes, len),
            _ => self.feed_ready::<true>(input),
        }
    }

    /// [`feed_parts`](Self::feed_parts) after a stop at `consumed`: hands
    /// out what is kept, or goes on.
    #[inline(never)]
    fn parts_held<'i>(&mut self, input: &'i [u8], mut consumed: usize) -> (usize, Fed<'i>) {
        loop {
            match self.flush_data() {
                Ok(Some(text)) => return self.hand_out(consumed, text),
                Ok(None) => {}
                Err(e) => return (consumed, Fed::Error(e)),
            }
            let (used, fed) = self.parts_step(&input[consumed..], None);
            consumed += used;
            if !matches!(fed, Fed::NeedMore) || consumed == input.len() {
                return self.counted(consumed, fed);
            }
        }
    }

    /// A step's result, with a part counted ([`hand_out`](Self::hand_out)).
    #[cfg_attr(not(feature = "small"), inline(always))]
    fn counted<'i>(&mut self, consumed: usize, fed: Fed<'i>) -> (usize, Fed<'i>) {
        match fed {
            Fed::Part(text) => self.hand_out(consumed, text),
            fed => (consumed, fed),
        }
    }

    /// Hands out a part of the block's data, or rejects the event when
    /// the part would take its data past [`Limits::max_data_len`].
    #[inline(never)]
    fn hand_out<'i>(&mut self, consumed: usize, text: Text<'i>) -> (usize, Fed<'i>) {
        // Parts in the buffer start at 0.
        let len = match text {
            Text::Input(s) => s.len(),
            Text::Stored(start, end) => end - start,
        };
        if len > self.data_limit - self.handed {
            self.abort_block(&mut Borrowed::default());
            let limit = self.data_limit;
            return (consumed, Fed::Error(ParseError::DataTooLarge { limit }));
        }
        self.handed += len;
        (consumed, Fed::Part(text))
    }

    /// What [`Fed`] means to a caller of [`feed`](Self::feed).
    #[cfg_attr(not(feature = "small"), inline(always))]
    fn status<'p, 'i: 'p>(&'p mut self, fed: Fed<'i>) -> Status<'p> {
        match fed {
            Fed::Ready(ready) => Status::Event(self.event(ready)),
            Fed::Unchecked(ready) => Status::Event(self.event_unchecked(ready)),
            Fed::Error(e) => Status::Error(e),
            Fed::NeedMore => Status::NeedMore,
            Fed::Comment(text) => Status::Comment(self.text_of(text)),
            // From `feed_parts` only.
            Fed::Part(text) => Status::DataPart(self.text_of(text)),
        }
    }

    /// How much data [`feed_parts`](Self::feed_parts) keeps: a third of
    /// the data region, so that its repair always fits and handing data
    /// out never rejects an event for its size (set when built).
    #[inline(always)]
    fn part_room(&self) -> usize {
        self.part_room
    }

    /// The start of `input` that one step of a data value handed out
    /// looks at: [`PART_WINDOW`], or 16 times what a part of repaired text
    /// may hold, if less.
    #[inline(always)]
    fn window<'i>(&self, input: &'i [u8]) -> &'i [u8] {
        if input.len() <= HAND_OUT {
            return input;
        }
        let window = self.part_room().saturating_mul(16).clamp(HAND_OUT, PART_WINDOW);
        &input[..input.len().min(window)]
    }

    /// Whether [`feed_parts`](Self::feed_parts) keeps `len` more bytes of
    /// data after `kept`, as `feed` would, rather than handing them out:
    /// when they fit, and are not a long run of a value that `goes_on`
    /// past its input (copying that costs more than handing it out).
    #[inline(always)]
    fn keeps(&self, kept: usize, len: usize, goes_on: bool) -> bool {
        kept + len <= self.part_room()
            && !(goes_on && len >= HAND_OUT)
            // Data past the limit goes out, where the limit is checked.
            && kept + len <= self.data_limit - self.handed
    }

    /// With data handed out: whether to stop before the value of the data
    /// line whose name ends at `at` (a colon or the line end), which
    /// starts at `start` and ends at `eol` if this input shows, so that
    /// what is kept goes out first and the value then goes out from the
    /// input. It does unless the value is kept ([`keeps`](Self::keeps)).
    #[inline(always)]
    fn hold_data(
        &mut self,
        input: &[u8],
        at: usize,
        start: usize,
        eol: Option<usize>,
        borrowed: &mut Borrowed,
    ) -> Option<Stepped> {
        let len = eol.unwrap_or(input.len()) - start;
        let kept = self.data_len + borrowed.data.map_or(0, |(s, e)| e - s);
        if self.keeps(kept + usize::from(self.has_data), len, eol.is_none()) {
            return None;
        }
        Some(self.hold(input, at, start, eol, kept, borrowed))
    }

    /// [`hold_data`](Self::hold_data)'s stop, `kept` bytes being kept.
    #[inline(never)]
    fn hold(
        &mut self,
        input: &[u8],
        at: usize,
        start: usize,
        eol: Option<usize>,
        kept: usize,
        borrowed: &mut Borrowed,
    ) -> Stepped {
        if self.has_data && kept + 1 > self.data_limit - self.handed {
            // The LF joining this line alone passes the limit: rejected,
            // as `feed` rejects it when it stores that LF.
            let limit = self.data_limit;
            return Err((self.reject_line(input, eol), ParseError::DataTooLarge { limit }));
        }
        if self.has_data && kept + 1 > self.part_room() {
            // No room for the joining LF: what is kept goes out, then this
            // line is read again from the end of its name.
            self.line = Line::Name { len: 4, bytes: *b"data\0" };
            return Ok(Advance::Hold(at));
        }
        // The LF joining it to the data before is kept (it fits). A value
        // not begun yet (the colon ended the input) is always kept, so the
        // optional space is behind.
        match self.begin_value(Field::Data, input, borrowed) {
            Ok(_) => {
                self.line = Line::Value { partial: Partial::Data, at_start: false };
                Ok(Advance::Hold(start))
            }
            Err(e) => Err((self.reject_line(input, eol), e)),
        }
    }

    /// Where the line machine goes on after rejecting the event at a data
    /// line whose line end is at `eol` (if this input shows it): past
    /// that end, or, skipping the rest of the line, the input's end.
    fn reject_line(&mut self, input: &[u8], eol: Option<usize>) -> usize {
        match eol {
            Some(end) => self.end_line(input, end),
            None => {
                self.line = Line::Skip;
                input.len()
            }
        }
    }

    /// A data value's bytes in this input (those going on past it, or all
    /// up to its line end): its text as a part, a character cut at the end
    /// kept as [`Line::Carry`]. Valid text is borrowed where it lies.
    #[inline(never)]
    fn part_of<'i>(&mut self, value: &'i [u8]) -> (usize, Fed<'i>) {
        let cut = utf8::cut_char(value);
        let whole = &value[..value.len() - cut];
        match utf8::validate(whole) {
            Ok(text) => {
                if cut > 0 {
                    self.carry(&value[whole.len()..]);
                }
                let fed =
                    if text.is_empty() { Fed::NeedMore } else { Fed::Part(Text::Input(text)) };
                (value.len(), fed)
            }
            // Rare: invalid UTF-8 within.
            Err(valid) => self.repaired_part(whole, valid),
        }
    }

    /// [`part_of`](Self::part_of) of `value`, which is invalid from
    /// `valid` on. A long valid run is borrowed, the invalid text comes
    /// next; otherwise up to [`part_room`](Self::part_room) bytes are
    /// repaired into the data region (empty, and three times that size),
    /// so that each call hands out that much however the invalid bytes
    /// lie, and the work stays linear.
    fn repaired_part<'i>(&mut self, value: &'i [u8], valid: usize) -> (usize, Fed<'i>) {
        let room = self.part_room();
        if valid >= room {
            let text = str::from_utf8(&value[..valid]).unwrap_or_default();
            return (valid, Fed::Part(Text::Input(text)));
        }
        let mut take = value.len().min(room);
        if take < value.len() {
            take -= utf8::cut_char(&value[..take]);
        }
        // At least the first invalid sequence (its maximal subpart: the
        // byte after `value` starts a character).
        let bad = match str::from_utf8(&value[valid..]) {
            Err(e) => e.error_len().unwrap_or(value.len() - valid),
            Ok(_) => 0,
        };
        let take = take.max(valid + bad).max(1);
        let region = &mut self.buf.as_mut()[..self.data_cap];
        let len = utf8::repair_into(&value[..take], valid, region);
        (take, Fed::Part(Text::Stored(0, len)))
    }

    /// Keeps the start of a character cut by the end of the input.
    fn carry(&mut self, cut: &[u8]) {
        let mut bytes = [0; 3];
        let len = cut.len().min(3);
        bytes[..len].copy_from_slice(&cut[..len]);
        self.line = Line::Carry { bytes, len: len as u8 };
    }

    /// Completes the character [`Line::Carry`] holds from `input`: the
    /// character as a part (kept at the start of the data region, which
    /// is empty), U+FFFD if it turns out invalid, or more of it kept.
    #[inline(never)]
    fn complete_char<'i>(&mut self, input: &'i [u8], bytes: [u8; 3], len: u8) -> (usize, Fed<'i>) {
        let len = usize::from(len);
        let width = match bytes[0] {
            0xF0.. => 4,
            0xE0.. => 3,
            _ => 2,
        };
        let take = input.len().min(width.max(len) - len);
        let mut char = [0; 4];
        char[..len].copy_from_slice(&bytes[..len]);
        char[len..len + take].copy_from_slice(&input[..take]);
        self.line = Line::Value { partial: Partial::Data, at_start: false };
        match str::from_utf8(&char[..len + take]) {
            Ok(_) => {
                self.buf.as_mut()[..len + take].copy_from_slice(&char[..len + take]);
                (take, Fed::Part(Text::Stored(0, len + take)))
            }
            Err(e) => match e.error_len() {
                Some(bad) => (bad.saturating_sub(len), Fed::Part(Text::Input(REPLACEMENT))),
                // The input ended before the character did.
                None => {
                    self.carry(&char[..len + take]);
                    (take, Fed::NeedMore)
                }
            },
        }
    }

    /// Hands out the data kept so far as a part, at a stop before data to
    /// hand out from the input ([`Advance::Hold`]): all of it, but a
    /// character cut at the end, which is carried. `Err` if its repair
    /// does not fit (the event is then dropped, as it would be at its
    /// dispatch).
    #[inline(never)]
    fn flush_data<'i>(&mut self) -> Result<Option<Text<'i>>, ParseError> {
        let in_value = match self.line {
            Line::Value { partial: Partial::Data, .. } => true,
            // A comment being kept lies after the data: both stay.
            Line::Comment { .. } => return Ok(None),
            _ => false,
        };
        let len = self.data_len;
        if len == 0 {
            return Ok(None);
        }
        let region = &self.buf.as_ref()[..len];
        let cut = if in_value { utf8::cut_char(region) } else { 0 };
        let mut tail = [0; 3];
        tail[..cut].copy_from_slice(&region[len - cut..]);
        self.data_len = 0;
        let text = match len - cut {
            0 => None,
            whole => match self.decode_stored(0, whole, self.data_cap) {
                Some(text) => Some(text),
                None => {
                    self.abort_block(&mut Borrowed::default());
                    return Err(ParseError::DataTooLarge { limit: self.data_cap });
                }
            },
        };
        if cut > 0 {
            self.carry(&tail[..cut]);
        }
        Ok(text)
    }

    /// Reports comment lines as [`Status::Comment`] (off by default:
    /// servers send them as keep-alives, and most readers want events
    /// only).
    pub fn report_comments(&mut self, on: bool) {
        self.comments = on;
    }

    /// A comment's or a data part's text: from the input, or kept in the
    /// buffer (a part there is valid, so this is all of it).
    pub(crate) fn text_of<'p, 'i: 'p>(&'p self, text: Text<'i>) -> &'p str {
        match text {
            Text::Input(s) => s,
            Text::Stored(start, end) => valid_prefix(&self.buf.as_ref()[start..end]),
        }
    }

    /// A comment line from `start` (after its colon): reported whole when
    /// its end is in `input`, else kept after the stored data until it
    /// ends. Values of the block borrowed from `input` are stored first:
    /// the call returns at the comment.
    fn comment_line(&mut self, input: &[u8], mut start: usize, borrowed: &mut Borrowed) -> Advance {
        self.spill(input, *borrowed);
        *borrowed = Borrowed::default();
        let at_start = start == input.len();
        if input.get(start) == Some(&b' ') {
            start += 1;
        }
        match find_eol(&input[start..]) {
            Some(i) => {
                let end = start + i;
                Advance::Comment { next: self.end_line(input, end), at: start, end, stored: false }
            }
            None => {
                let len = self.keep_comment(&input[start..], 0);
                self.line = Line::Comment { len, at_start };
                Advance::To(input.len())
            }
        }
    }

    /// A kept comment goes on in this input.
    fn resume_comment(
        &mut self,
        input: &[u8],
        mut pos: usize,
        len: usize,
        at_start: bool,
    ) -> Advance {
        if at_start && input.get(pos) == Some(&b' ') {
            pos += 1;
        }
        match find_eol(&input[pos..]) {
            Some(i) => {
                let len = self.keep_comment(&input[pos..pos + i], len);
                let next = self.end_line(input, pos + i);
                let at = self.data_len;
                Advance::Comment { next, at, end: at + len, stored: true }
            }
            None => {
                let len = self.keep_comment(&input[pos..], len);
                self.line = Line::Comment { len, at_start: false };
                Advance::To(input.len())
            }
        }
    }

    /// Appends `bytes` to the `len` bytes of comment kept after the stored
    /// data, up to the data region's end; returns the new length.
    fn keep_comment(&mut self, bytes: &[u8], len: usize) -> usize {
        let at = self.data_len + len;
        let take = bytes.len().min(self.data_cap.saturating_sub(at));
        self.buf.as_mut()[at..at + take].copy_from_slice(&bytes[..take]);
        len + take
    }

    /// [`feed`](Self::feed) up to a dispatched block, which is returned
    /// as where its values live rather than as an [`Event`]: the result
    /// borrows only the input, so a caller can loop over inputs and build
    /// the event (with [`event`](Self::event)) only in the branch that
    /// returns it. With `PARTS`, data is handed out rather than kept
    /// ([`feed_parts`](Self::feed_parts)); a compile-time switch, so that
    /// `feed` and `next` carry none of that code (the firmware budget).
    #[cfg_attr(not(feature = "small"), inline(always))]
    pub(crate) fn feed_ready<'i, const PARTS: bool>(
        &mut self,
        input: &'i [u8],
    ) -> (usize, Fed<'i>) {
        match self.append_only::<PARTS>(input) {
            Left::Lines { data_eol } => self.feed_lines::<PARTS>(input, data_eol),
            Left::Nothing => (input.len(), Fed::NeedMore),
        }
    }

    /// The hot path of [`feed_ready`](Self::feed_ready) and
    /// [`next`](Self::next), kept small so it inlines into both: inside a
    /// data value (the usual state when input trickles in a few bytes at a
    /// time), input without a line end that fits is only appended, and
    /// empty input has nothing to run (a read that ended where an event
    /// did). Data over its limit is left to
    /// [`feed_lines`](Self::feed_lines), which reports it.
    #[inline(always)]
    fn append_only<const PARTS: bool>(&mut self, input: &[u8]) -> Left {
        if let Line::Value { partial: Partial::Data, at_start: false } = self.line {
            match find_eol(input) {
                None if self.appends::<PARTS>(input.len()) => {
                    self.append(input);
                    Left::Nothing
                }
                data_eol => Left::Lines { data_eol },
            }
        } else if input.is_empty() {
            Left::Nothing
        } else {
            Left::Lines { data_eol: None }
        }
    }

    /// Appends input that only goes on the data value in progress, once
    /// [`appends`](Self::appends) said it is kept.
    #[inline(always)]
    fn append(&mut self, input: &[u8]) {
        let fits = self.push_data(input);
        debug_assert!(fits.is_ok());
    }

    /// Whether `len` more bytes of the data value in progress, going on
    /// past the input, are appended to what is kept.
    #[inline(always)]
    fn appends<const PARTS: bool>(&self, len: usize) -> bool {
        if PARTS {
            self.keeps(self.data_len, len, true)
        } else {
            len <= self.data_cap - self.data_len
        }
    }

    /// [`feed_ready`](Self::feed_ready) past its hot path; `data_eol` is
    /// where the data value in progress ends, if the hot path found that
    /// out already.
    #[inline(never)]
    fn feed_lines<'i, const PARTS: bool>(
        &mut self,
        input: &'i [u8],
        data_eol: Option<usize>,
    ) -> (usize, Fed<'i>) {
        // A shortcut only: left out where code size matters more.
        #[cfg(not(feature = "small"))]
        if data_eol.is_none() {
            match self.lone_data_event(input) {
                Lone::Event(consumed, data) => {
                    let ready = Ready {
                        data: Text::Input(data),
                        event_type: None,
                        id: None,
                        retry: None,
                        unchecked: false,
                    };
                    return (consumed, Fed::Ready(ready));
                }
                Lone::GoesOn(start) => {
                    let (used, fed) = self.data_goes_on::<PARTS>(&input[start..]);
                    return (start + used, fed);
                }
                Lone::No => {}
            }
        }
        let mut borrowed = Borrowed::default();
        let (consumed, step) = self.run::<PARTS>(input, &mut borrowed, data_eol);
        let fed = match step {
            Step::NeedMore => {
                self.spill(input, borrowed);
                Fed::NeedMore
            }
            Step::Error(e) => Fed::Error(e),
            Step::Dispatch => {
                let (handed, last) = (self.handed, self.last_id);
                match self.dispatch(input, borrowed) {
                    // (`next` and `feed` after `feed_parts` leave this out.)
                    Ok(ready) if PARTS && handed > 0 => self.rest_of_parts(ready, handed, last),
                    Ok(ready) if ready.unchecked => Fed::Unchecked(ready),
                    Ok(ready) => Fed::Ready(ready),
                    Err(e) => Fed::Error(e),
                }
            }
            Step::Comment(text) => Fed::Comment(text),
        };
        (consumed, fed)
    }

    /// The most common event, one `data` line and a blank line, when it is
    /// the whole of a fresh block at the start of `input` and valid:
    /// its data and where it ends. Changes nothing, so anything else (an
    /// error to report, a CR whose LF may follow, another field) is left to
    /// the line state machine, which gives the same event; this only skips
    /// its steps. A first data line that goes on past `input` (a large
    /// event) is reported too, so that it is not searched twice.
    #[cfg(not(feature = "small"))]
    #[inline(always)]
    fn lone_data_event<'i>(&self, input: &'i [u8]) -> Lone<'i> {
        // Other first lines leave at the first test.
        let Some(value) = input.strip_prefix(b"data:") else { return Lone::No };
        if self.bom != BOM_DONE
            || self.after_cr
            || !matches!(self.line, Line::Start)
            || !self.block_is_empty()
            // A `retry` line alone leaves the block otherwise empty, and
            // the event must still report it.
            || self.block_retry.is_some()
            || value.is_empty()
        {
            return Lone::No;
        }
        let start = 5 + usize::from(value[0] == b' ');
        let Some(end) = find_eol(&input[start..]) else { return Lone::GoesOn(start) };
        let end = start + end;
        let event = after_line_end(input, end)
            .and_then(|blank| after_line_end(input, blank))
            .filter(|_| end - start <= self.data_cap)
            .and_then(|next| Some((next, utf8::validate_in(input, start, end).ok()?)));
        match event {
            Some((next, data)) => Lone::Event(next, data),
            None => Lone::No,
        }
    }

    /// The first data line of a block goes on past this input (from
    /// `value`, its part here): stored as the line machine would store it,
    /// or handed out as a part (how much of `value` was used, and what).
    #[cfg(not(feature = "small"))]
    fn data_goes_on<'i, const PARTS: bool>(&mut self, value: &'i [u8]) -> (usize, Fed<'i>) {
        self.has_data = true;
        if PARTS && !self.keeps(0, value.len(), true) {
            self.line = Line::Value { partial: Partial::Data, at_start: false };
            return self.part_of(value);
        }
        let fed = match self.push_data(value) {
            Ok(()) => {
                self.line = Line::Value { partial: Partial::Data, at_start: false };
                Fed::NeedMore
            }
            Err(e) => {
                self.line = Line::Skip;
                self.abort_block(&mut Borrowed::default());
                Fed::Error(e)
            }
        };
        (value.len(), fed)
    }

    /// Returns the next event (or limit error) from `input`, advancing it
    /// past what was consumed; `None` once `input` is used up.
    ///
    /// ```
    /// # use sse_core::Parser;
    /// let mut parser = Parser::new([0u8; 256]);
    /// let mut rest: &[u8] = b"data: a\n\ndata: b\n\ndata: c";
    /// let mut data = Vec::new();
    /// while let Some(event) = parser.next(&mut rest) {
    ///     data.push(event.unwrap().data.to_owned());
    /// }
    /// assert_eq!(data, ["a", "b"]);
    /// assert!(rest.is_empty()); // "data: c" is kept inside the parser
    /// ```
    #[allow(clippy::should_implement_trait)] // a lending call, not an Iterator
    #[cfg_attr(not(feature = "small"), inline(always))]
    pub fn next<'p, 'i: 'p>(
        &'p mut self,
        input: &mut &'i [u8],
    ) -> Option<Result<Event<'p>, ParseError>> {
        // Input that only goes on a data value (a stream trickling in) is
        // appended here, before the call that can return an event, so
        // this path does not pay for that call's set-up.
        match self.append_only::<false>(input) {
            Left::Lines { data_eol } => self.next_event(input, data_eol),
            Left::Nothing => {
                *input = &[];
                None
            }
        }
    }

    /// [`next`](Self::next) past its hot path; `data_eol` as
    /// [`append_only`](Self::append_only) found it.
    #[inline(never)]
    fn next_event<'p, 'i: 'p>(
        &'p mut self,
        input: &mut &'i [u8],
        data_eol: Option<usize>,
    ) -> Option<Result<Event<'p>, ParseError>> {
        // The hot path ran on this input already; not on what follows a
        // comment.
        let mut past_hot_path = Some(data_eol);
        // Comments (when reported) are passed over: this yields events.
        loop {
            let whole: &'i [u8] = input;
            let (consumed, fed) = match past_hot_path.take() {
                Some(data_eol) => self.feed_lines::<false>(whole, data_eol),
                None => self.feed_ready::<false>(whole),
            };
            *input = &whole[consumed..];
            match fed {
                Fed::Ready(ready) => return Some(Ok(self.event(ready))),
                Fed::Unchecked(ready) => return Some(Ok(self.event_unchecked(ready))),
                Fed::Error(e) => return Some(Err(e)),
                Fed::NeedMore => return None,
                // Parts come from `feed_parts` only.
                Fed::Comment(_) | Fed::Part(_) => {}
            }
        }
    }

    // ----- the state machine -------------------------------------------

    /// The line machine over `input`. Inlined always: with `feed_parts`'
    /// checks it is too large for the compiler to inline by itself, and
    /// the call costs `feed_parts` 5–10% per event.
    #[cfg_attr(not(feature = "small"), inline(always))]
    #[cfg_attr(feature = "small", inline)]
    fn run<'i, const PARTS: bool>(
        &mut self,
        input: &'i [u8],
        borrowed: &mut Borrowed,
        data_eol: Option<usize>,
    ) -> (usize, Step<'i>) {
        let len = input.len();
        // Inside a data value nothing below applies: go straight to it.
        if let Some(i) = data_eol {
            if PARTS && !self.keeps(self.data_len, i, false) {
                // Handed out from the input after what is kept.
                return (0, Step::NeedMore);
            }
            let (end, next) = (i, self.end_line(input, i));
            if self.data_len == 0 && end <= self.data_cap {
                // Nothing kept (its start went out as parts): borrowed,
                // as a first data line is.
                borrowed.data = Some((0, end));
            } else if let Err(e) = self.push_data(&input[..end]) {
                self.abort_block(borrowed);
                return (next, Step::Error(e));
            }
            return self.lines::<PARTS>(input, next, borrowed);
        }
        let mut pos = 0;
        if self.bom != BOM_DONE {
            while pos < len {
                if input[pos] == BOM[usize::from(self.bom)] {
                    pos += 1;
                    self.bom += 1;
                    if self.bom == BOM_DONE {
                        break;
                    }
                } else {
                    // Not a BOM: the bytes matched so far start the first line.
                    let matched = usize::from(self.bom);
                    if matched > 0 {
                        let mut bytes = [0; MAX_NAME];
                        bytes[..matched].copy_from_slice(&BOM[..matched]);
                        self.line = Line::Name { len: self.bom, bytes };
                    }
                    self.bom = BOM_DONE;
                    break;
                }
            }
            if self.bom != BOM_DONE {
                return (pos, Step::NeedMore);
            }
        }
        if self.after_cr && pos < len {
            self.after_cr = false;
            if input[pos] == b'\n' {
                pos += 1;
            }
        }
        if matches!(self.line, Line::Start) && self.block_is_empty() {
            borrowed.block_start = Some(pos);
        }
        self.lines::<PARTS>(input, pos, borrowed)
    }

    /// Runs the line state machine from `pos` to an event, an error or the
    /// end of `input`.
    #[cfg_attr(not(feature = "small"), inline(always))]
    fn lines<'i, const PARTS: bool>(
        &mut self,
        input: &'i [u8],
        mut pos: usize,
        borrowed: &mut Borrowed,
    ) -> (usize, Step<'i>) {
        let len = input.len();
        while pos < len {
            // Most lines start fresh: test that before the general match.
            let result = if let Line::Start = self.line {
                self.line_start::<PARTS>(input, pos, borrowed)
            } else {
                self.resume_line::<PARTS>(input, pos, borrowed)
            };
            match result {
                Ok(Advance::To(next)) => pos = next,
                Ok(Advance::Dispatch(next)) => return (next, Step::Dispatch),
                Ok(Advance::Hold(at)) => return (at, Step::NeedMore),
                Ok(Advance::Comment { next, at, end, stored }) => {
                    let text = if stored {
                        Text::Stored(at, end)
                    } else {
                        Text::Input(valid_prefix(&input[at..end]))
                    };
                    return (next, Step::Comment(text));
                }
                Err((next, e)) => {
                    self.abort_block(borrowed);
                    return (next, Step::Error(e));
                }
            }
        }
        (pos, Step::NeedMore)
    }

    /// Continues a line that an earlier input left unfinished.
    fn resume_line<const PARTS: bool>(
        &mut self,
        input: &[u8],
        pos: usize,
        borrowed: &mut Borrowed,
    ) -> Stepped {
        match self.line {
            Line::Start => self.line_start::<PARTS>(input, pos, borrowed),
            Line::Name { len, bytes } => {
                self.resume_name::<PARTS>(input, pos, &bytes[..usize::from(len)], borrowed)
            }
            Line::Value { partial, at_start } => {
                self.resume_value::<PARTS>(input, pos, partial, at_start)
            }
            Line::Skip => Ok(self.skip_line(input, pos)),
            Line::Comment { len, at_start } => Ok(self.resume_comment(input, pos, len, at_start)),
            // Read with `feed` after `feed_parts` cut a character: kept as
            // data is.
            Line::Carry { bytes, len } => {
                self.push_data(&bytes[..usize::from(len)]).map_err(|e| (pos, e))?;
                self.line = Line::Value { partial: Partial::Data, at_start: false };
                Ok(Advance::To(pos))
            }
        }
    }

    /// Consumes the line terminator at `at`; returns the position after it.
    #[cfg_attr(not(feature = "small"), inline(always))]
    fn end_line(&mut self, input: &[u8], at: usize) -> usize {
        self.line = Line::Start;
        if input[at] == b'\r' {
            match input.get(at + 1) {
                Some(b'\n') => return at + 2,
                Some(_) => {}
                None => self.after_cr = true,
            }
        }
        at + 1
    }

    #[cfg_attr(not(feature = "small"), inline(always))]
    fn line_start<const PARTS: bool>(
        &mut self,
        input: &[u8],
        pos: usize,
        borrowed: &mut Borrowed,
    ) -> Stepped {
        let first = input[pos];
        if first == b'\n' || first == b'\r' {
            let next = self.end_line(input, pos);
            if self.skipping {
                self.skipping = false;
                return Ok(Advance::To(next));
            }
            if self.has_data {
                return Ok(Advance::Dispatch(next));
            }
            // A block without data dispatches nothing, but its id counts.
            self.commit_id();
            self.type_len = None;
            self.block_retry = None;
            *borrowed = Borrowed { block_start: Some(next), ..Borrowed::default() };
            return Ok(Advance::To(next));
        }
        if first == b':' && self.comments && !self.skipping {
            return Ok(self.comment_line(input, pos + 1, borrowed));
        }
        if first == b':' || self.skipping {
            self.line = Line::Skip;
            return Ok(self.skip_line(input, pos + 1));
        }
        let rest = &input[pos..];
        // The four fields that matter, matched outright: no colon search.
        // Tested in turn: a `match` on the first byte became a jump table,
        // whose indirect jump mispredicted on every line.
        let known = if rest.starts_with(b"data:") {
            Some((Field::Data, 4))
        } else if rest.starts_with(b"id:") {
            Some((Field::Id, 2))
        } else if rest.starts_with(b"event:") {
            Some((Field::Event, 5))
        } else if rest.starts_with(b"retry:") {
            Some((Field::Retry, 5))
        } else {
            None
        };
        if let Some((field, colon)) = known {
            return self.after_name::<PARTS>(input, pos + colon, field, borrowed);
        }
        match memchr3(b':', b'\r', b'\n', rest) {
            Some(i) => {
                let field = Field::from_name(&rest[..i]);
                self.after_name::<PARTS>(input, pos + i, field, borrowed)
            }
            None => {
                self.line = if rest.len() <= MAX_NAME {
                    let mut bytes = [0; MAX_NAME];
                    bytes[..rest.len()].copy_from_slice(rest);
                    Line::Name { len: rest.len() as u8, bytes }
                } else {
                    Line::Skip
                };
                Ok(Advance::To(input.len()))
            }
        }
    }

    fn resume_name<const PARTS: bool>(
        &mut self,
        input: &[u8],
        pos: usize,
        seen: &[u8],
        borrowed: &mut Borrowed,
    ) -> Stepped {
        let rest = &input[pos..];
        let found = memchr3(b':', b'\r', b'\n', rest);
        let name_end = found.unwrap_or(rest.len());
        let total = seen.len() + name_end;
        let mut bytes = [0; MAX_NAME];
        if total <= MAX_NAME {
            bytes[..seen.len()].copy_from_slice(seen);
            bytes[seen.len()..total].copy_from_slice(&rest[..name_end]);
        }
        match found {
            None => {
                self.line = if total <= MAX_NAME {
                    Line::Name { len: total as u8, bytes }
                } else {
                    Line::Skip
                };
                Ok(Advance::To(input.len()))
            }
            Some(i) => {
                let field = if total <= MAX_NAME {
                    Field::from_name(&bytes[..total])
                } else {
                    Field::Ignored
                };
                self.after_name::<PARTS>(input, pos + i, field, borrowed)
            }
        }
    }

    /// `input[at]` is the colon or line end that closed the field name.
    #[cfg_attr(not(feature = "small"), inline(always))]
    fn after_name<const PARTS: bool>(
        &mut self,
        input: &[u8],
        at: usize,
        field: Field,
        borrowed: &mut Borrowed,
    ) -> Stepped {
        let data = PARTS && field == Field::Data;
        if input[at] != b':' {
            // No colon: the whole line is the field name, the value is "".
            if let Some(held) =
                data.then(|| self.hold_data(input, at, at, Some(at), borrowed)).flatten()
            {
                return held;
            }
            let next = self.end_line(input, at);
            self.complete_value(field, input, at, at, borrowed).map_err(|e| (next, e))?;
            return Ok(Advance::To(next));
        }
        if field == Field::Ignored {
            self.line = Line::Skip;
            return Ok(self.skip_line(input, at + 1));
        }
        let mut start = at + 1;
        if start == input.len() {
            if let Some(held) =
                data.then(|| self.hold_data(input, at, start, None, borrowed)).flatten()
            {
                return held;
            }
            // Skip the line if setting up the value fails.
            self.line = Line::Skip;
            let partial = self.begin_value(field, input, borrowed).map_err(|e| (start, e))?;
            self.line = Line::Value { partial, at_start: true };
            return Ok(Advance::To(start));
        }
        if input[start] == b' ' {
            start += 1;
        }
        let eol = find_eol(&input[start..]);
        if data {
            if let Some(held) = self.hold_data(input, at, start, eol.map(|i| start + i), borrowed) {
                return held;
            }
        }
        match eol {
            Some(i) => {
                let end = start + i;
                let next = self.end_line(input, end);
                self.complete_value(field, input, start, end, borrowed).map_err(|e| (next, e))?;
                Ok(Advance::To(next))
            }
            None => {
                // The rest of the input is this line: on error, skip all of it.
                self.line = Line::Skip;
                let mut partial =
                    self.begin_value(field, input, borrowed).map_err(|e| (input.len(), e))?;
                self.append_value(&mut partial, &input[start..]).map_err(|e| (input.len(), e))?;
                self.line = Line::Value { partial, at_start: false };
                Ok(Advance::To(input.len()))
            }
        }
    }

    fn resume_value<const PARTS: bool>(
        &mut self,
        input: &[u8],
        mut pos: usize,
        mut partial: Partial,
        at_start: bool,
    ) -> Stepped {
        if at_start && input[pos] == b' ' {
            pos += 1;
        }
        let rest = &input[pos..];
        let eol = find_eol(rest);
        if PARTS && matches!(partial, Partial::Data) {
            let len = eol.unwrap_or(rest.len());
            if !self.keeps(self.data_len, len, eol.is_none()) {
                // Handed out from the input after what is kept.
                self.line = Line::Value { partial, at_start: false };
                return Ok(Advance::Hold(pos));
            }
        }
        match eol {
            Some(i) => {
                let next = self.end_line(input, pos + i);
                self.append_value(&mut partial, &rest[..i]).map_err(|e| (next, e))?;
                self.end_value(partial).map_err(|e| (next, e))?;
                Ok(Advance::To(next))
            }
            None => {
                self.append_value(&mut partial, rest).map_err(|e| (input.len(), e))?;
                self.line = Line::Value { partial, at_start: false };
                Ok(Advance::To(input.len()))
            }
        }
    }

    #[inline]
    fn skip_line(&mut self, input: &[u8], pos: usize) -> Advance {
        match find_eol(&input[pos..]) {
            Some(i) => Advance::To(self.end_line(input, pos + i)),
            None => {
                self.line = Line::Skip;
                Advance::To(input.len())
            }
        }
    }

    // ----- field values -------------------------------------------------

    /// A value wholly inside `input[start..end]`. Data and event type are
    /// borrowed when nothing of them is stored yet.
    #[cfg_attr(not(feature = "small"), inline(always))]
    fn complete_value(
        &mut self,
        field: Field,
        input: &[u8],
        start: usize,
        end: usize,
        borrowed: &mut Borrowed,
    ) -> Result<(), ParseError> {
        let value = &input[start..end];
        if field != Field::Retry {
            borrowed.block_end = end;
        }
        match field {
            Field::Data if !self.has_data => {
                if value.len() > self.data_cap {
                    return Err(ParseError::DataTooLarge { limit: self.data_cap });
                }
                self.has_data = true;
                borrowed.data = Some((start, end));
                Ok(())
            }
            Field::Event => {
                if value.len() > self.type_cap {
                    return Err(ParseError::EventTypeTooLong { limit: self.type_cap });
                }
                self.type_len = None;
                borrowed.event = Some((start, end));
                Ok(())
            }
            Field::Ignored => Ok(()),
            Field::Data => {
                // A second data line: joined in the buffer, after the first.
                self.spill_data(input, borrowed);
                self.push_data(b"\n")?;
                self.push_data(value)
            }
            Field::Id => {
                // A byte loop: ids are short, and `contains` would link a
                // word-wise search (148 B on the firmware) for nothing.
                #[allow(clippy::manual_contains)]
                let nul = value.iter().any(|&b| b == 0);
                if nul {
                    return Ok(()); // ignored, per the spec
                }
                if value.len() > self.id_cap {
                    return Err(ParseError::IdTooLong { limit: self.id_cap });
                }
                // Stored now: it outlives the input once its event is
                // dispatched, and its block may yet go on in a later input.
                let slot = self.free_id_slot();
                let at = self.id_at + usize::from(slot) * self.id_cap;
                let region = &mut self.buf.as_mut()[at..at + self.id_cap];
                region[..value.len()].copy_from_slice(value);
                let len = match utf8::check(value) {
                    Ok(()) => value.len(),
                    Err(bad) => utf8::repair(region, value.len(), bad)
                        .ok_or(ParseError::IdTooLong { limit: self.id_cap })?,
                };
                self.pending_id = Some(IdRef { slot, len });
                borrowed.id = Some((start, end));
                Ok(())
            }
            Field::Retry => {
                let mut partial = self.begin_value(field, input, borrowed)?;
                self.append_value(&mut partial, value)?;
                self.end_value(partial)
            }
        }
    }

    fn begin_value(
        &mut self,
        field: Field,
        input: &[u8],
        borrowed: &mut Borrowed,
    ) -> Result<Partial, ParseError> {
        Ok(match field {
            Field::Data => {
                if self.has_data {
                    // Join with the previous line, which must be stored first.
                    self.spill_data(input, borrowed);
                    self.push_data(b"\n")?;
                }
                self.has_data = true;
                Partial::Data
            }
            Field::Event => {
                borrowed.event = None;
                self.type_len = Some(0);
                Partial::Event
            }
            Field::Id => {
                Partial::Id { slot: self.free_id_slot(), len: 0, nul: false, too_long: false }
            }
            Field::Retry => Partial::Retry { value: Some(0), digits: false },
            // Ignored fields never get here: they become `Line::Skip`.
            Field::Ignored => Partial::Retry { value: None, digits: false },
        })
    }

    fn append_value(&mut self, partial: &mut Partial, bytes: &[u8]) -> Result<(), ParseError> {
        match partial {
            Partial::Data => self.push_data(bytes),
            Partial::Event => {
                let len = self.type_len.unwrap_or(0);
                if bytes.len() > self.type_cap - len {
                    return Err(ParseError::EventTypeTooLong { limit: self.type_cap });
                }
                let at = self.type_at + len;
                self.buf.as_mut()[at..at + bytes.len()].copy_from_slice(bytes);
                self.type_len = Some(len + bytes.len());
                Ok(())
            }
            Partial::Id { slot, len, nul, too_long } => {
                *nul |= memchr(0, bytes).is_some();
                if !*too_long {
                    if bytes.len() > self.id_cap - *len {
                        *too_long = true;
                    } else {
                        let at = self.id_at + usize::from(*slot) * self.id_cap + *len;
                        self.buf.as_mut()[at..at + bytes.len()].copy_from_slice(bytes);
                        *len += bytes.len();
                    }
                }
                Ok(())
            }
            Partial::Retry { value, digits } => {
                for &b in bytes {
                    *value = match (*value, b) {
                        (Some(v), b'0'..=b'9') => {
                            v.checked_mul(10).and_then(|v| v.checked_add(u64::from(b - b'0')))
                        }
                        _ => None,
                    };
                }
                *digits |= !bytes.is_empty();
                Ok(())
            }
        }
    }

    fn end_value(&mut self, partial: Partial) -> Result<(), ParseError> {
        match partial {
            Partial::Data | Partial::Event => Ok(()),
            Partial::Id { nul: true, .. } => Ok(()), // ignored, per the spec
            Partial::Id { too_long: true, .. } => Err(ParseError::IdTooLong { limit: self.id_cap }),
            Partial::Id { slot, len, .. } => {
                let at = self.id_at + usize::from(slot) * self.id_cap;
                let region = &mut self.buf.as_mut()[at..at + self.id_cap];
                let len = match utf8::check(&region[..len]) {
                    Ok(()) => len,
                    Err(bad) => utf8::repair(region, len, bad)
                        .ok_or(ParseError::IdTooLong { limit: self.id_cap })?,
                };
                self.pending_id = Some(IdRef { slot, len });
                Ok(())
            }
            Partial::Retry { value: Some(ms), digits: true } => {
                self.retry = Some(ms);
                self.block_retry = Some(ms);
                Ok(())
            }
            Partial::Retry { .. } => Ok(()),
        }
    }

    #[inline]
    fn push_data(&mut self, bytes: &[u8]) -> Result<(), ParseError> {
        if bytes.len() > self.data_cap - self.data_len {
            return Err(ParseError::DataTooLarge { limit: self.data_cap });
        }
        let at = self.data_len;
        let dst = &mut self.buf.as_mut()[at..at + bytes.len()];
        if let ([d], [s]) = (&mut *dst, bytes) {
            // One byte at a time is how a slow stream arrives.
            *d = *s;
        } else if bytes.len() <= 8 {
            // A `memcpy` call costs more than this for a few bytes.
            for (d, s) in dst.iter_mut().zip(bytes) {
                *d = *s;
            }
        } else {
            dst.copy_from_slice(bytes);
        }
        self.data_len += bytes.len();
        Ok(())
    }

    /// A slot holding neither the last event ID nor the pending one.
    fn free_id_slot(&self) -> u8 {
        let pending = self.pending_id.map(|p| p.slot);
        (0..3u8).find(|&s| s != self.last_id.slot && Some(s) != pending).unwrap_or(0)
    }

    fn commit_id(&mut self) {
        if let Some(id) = self.pending_id.take() {
            self.last_id = id;
        }
    }

    /// Copies values borrowed from `input` into the buffer, because the
    /// input is about to go away.
    fn spill(&mut self, input: &[u8], mut borrowed: Borrowed) {
        self.spill_data(input, &mut borrowed);
        if let Some((s, e)) = borrowed.event {
            let at = self.type_at;
            self.buf.as_mut()[at..at + e - s].copy_from_slice(&input[s..e]);
            self.type_len = Some(e - s);
        }
    }

    fn spill_data(&mut self, input: &[u8], borrowed: &mut Borrowed) {
        if let Some((s, e)) = borrowed.data.take() {
            // Only the first data line is ever borrowed, so the region is empty.
            self.buf.as_mut()[..e - s].copy_from_slice(&input[s..e]);
            self.data_len = e - s;
        }
    }

    /// Nothing of the current block has been stored (comments and unknown
    /// fields leave no trace).
    fn block_is_empty(&self) -> bool {
        !self.has_data && self.type_len.is_none() && self.pending_id.is_none() && !self.skipping
    }

    fn reset_block(&mut self) {
        self.pending_id = None;
        self.has_data = false;
        self.data_len = 0;
        self.type_len = None;
        self.block_retry = None;
        self.handed = 0;
    }

    /// Drops the current event after a limit error and skips to its end.
    fn abort_block(&mut self, borrowed: &mut Borrowed) {
        self.reset_block();
        *borrowed = Borrowed::default();
        if !matches!(self.line, Line::Start) {
            self.line = Line::Skip;
        }
        self.skipping = true;
    }

    // ----- dispatch -----------------------------------------------------

    /// Decodes the block's data and type (repairing invalid UTF-8), commits
    /// its id and resets the block.
    #[cfg_attr(not(feature = "small"), inline(always))]
    #[cfg_attr(feature = "small", inline)]
    fn dispatch<'i>(&mut self, input: &'i [u8], b: Borrowed) -> Result<Ready<'i>, ParseError> {
        // Fast path: the whole block is in this input and valid UTF-8, so
        // one check covers every value (stored data included, since it was
        // copied from this input), and values are slices of that text.
        // No closure does the work here: the compiler stopped inlining
        // them into the line machine once it grew (`span_slice` is
        // always inlined).
        let span = match b.block_start {
            Some(lo) => match utf8::validate_in(input, lo, b.block_end.max(lo)) {
                Ok(text) => Some((lo, text)),
                Err(_) => None,
            },
            None => None,
        };
        let slice = |range| span_slice(span, range);
        let mut unchecked = false;
        let data = match (slice(b.data), b.data) {
            (Some(text), _) => Some(Text::Input(text)),
            (None, Some(range)) => self.decode(input, range, 0, self.data_cap),
            (None, None) if span.is_some() => Some(Text::Stored(0, self.data_len)),
            (None, None) => self.stored(0, self.data_len, self.data_cap, &mut unchecked),
        }
        .ok_or(ParseError::DataTooLarge { limit: self.data_cap });
        let event_type = match (slice(b.event), b.event, self.type_len) {
            (Some(text), _, _) => Some(Some(Text::Input(text))),
            (None, Some(range), _) => Some(self.decode(input, range, self.type_at, self.type_cap)),
            (None, None, Some(len)) => {
                Some(self.stored(self.type_at, len, self.type_cap, &mut unchecked))
            }
            (None, None, None) => None,
        }
        .map(|t| t.ok_or(ParseError::EventTypeTooLong { limit: self.type_cap }))
        .transpose();
        let id = slice(b.id);
        let retry = self.block_retry;
        let result = match (data, event_type) {
            (Ok(data), Ok(event_type)) => {
                self.commit_id();
                Ok(Ready { data, event_type, id, retry, unchecked })
            }
            (Err(e), _) | (_, Err(e)) => Err(e),
        };
        self.reset_block();
        result
    }

    /// A block dispatched after `handed` bytes of its data went out in
    /// parts: its data is checked now (not left to
    /// [`event_unchecked`](Self::event_unchecked)), so that its length
    /// counts towards [`Limits::max_data_len`]; over it, the block's id,
    /// which dispatching made the last event ID, is undone (to `last`).
    #[cold]
    #[inline(never)]
    fn rest_of_parts<'i>(&mut self, ready: Ready<'i>, handed: usize, last: IdRef) -> Fed<'i> {
        let checked = match ready.data {
            Text::Input(s) => Ok((Text::Input(s), s.len())),
            Text::Stored(at, len) => match self.decode_stored(at, len, self.data_cap) {
                Some(Text::Stored(at, len)) => Ok((Text::Stored(at, len), len)),
                // Its repair does not fit, as in any block.
                _ => Err(self.data_cap),
            },
        };
        let limit = match checked {
            Ok((data, len)) if len <= self.data_limit - handed => {
                let ready = Ready { data, ..ready };
                return if ready.unchecked { Fed::Unchecked(ready) } else { Fed::Ready(ready) };
            }
            Ok(_) => self.data_limit,
            Err(cap) => cap,
        };
        self.last_id = last;
        Fed::Error(ParseError::DataTooLarge { limit })
    }

    /// Borrowed text if valid, else copied to `region_at` and repaired.
    #[inline]
    fn decode<'i>(
        &mut self,
        input: &'i [u8],
        (s, e): (usize, usize),
        region_at: usize,
        cap: usize,
    ) -> Option<Text<'i>> {
        match utf8::validate_in(input, s, e) {
            Ok(text) => Some(Text::Input(text)),
            Err(bad) => {
                let region = &mut self.buf.as_mut()[region_at..region_at + cap];
                region[..e - s].copy_from_slice(&input[s..e]);
                let len = utf8::repair(region, e - s, bad)?;
                Some(Text::Stored(region_at, len))
            }
        }
    }

    /// A value stored across inputs, in a region of `cap` bytes at `at`:
    /// left for [`event`](Self::event) to check when the room behind it
    /// holds any repair, else checked (and repaired in place) now.
    #[inline]
    fn stored<'i>(
        &mut self,
        at: usize,
        len: usize,
        cap: usize,
        unchecked: &mut bool,
    ) -> Option<Text<'i>> {
        if len <= cap / 4 {
            *unchecked = true;
            Some(Text::Stored(at, len))
        } else {
            self.decode_stored(at, len, cap)
        }
    }

    fn decode_stored<'i>(&mut self, at: usize, len: usize, cap: usize) -> Option<Text<'i>> {
        let region = &mut self.buf.as_mut()[at..at + cap];
        let len = match utf8::validate(&region[..len]) {
            Ok(_) => len,
            Err(bad) => utf8::repair(region, len, bad)?,
        };
        Some(Text::Stored(at, len))
    }

    /// The event of a dispatched block ([`Fed::Ready`]: every stored value
    /// was checked already).
    #[cfg_attr(not(feature = "small"), inline(always))]
    pub(crate) fn event<'p, 'i: 'p>(&'p self, ready: Ready<'i>) -> Event<'p> {
        let Ready { data, event_type, id, retry, .. } = ready;
        let text = |t: Text<'i>| -> &'p str {
            match t {
                Text::Input(s) => s,
                Text::Stored(at, len) => {
                    utf8::validate_in(self.buf.as_ref(), at, at + len).unwrap_or_default()
                }
            }
        };
        let event_type = type_or_message(event_type.map(text));
        Event {
            event_type,
            data: text(data),
            id: match id {
                Some(id) => id,
                // Streams without ids: no check on every event.
                None if self.last_id.len == 0 => "",
                None => self.last_event_id(),
            },
            retry,
        }
    }

    /// The event of a [`Fed::Unchecked`] block: its stored values are
    /// checked here, and an invalid one repaired behind itself, hence
    /// `&mut self`.
    #[inline(never)]
    pub(crate) fn event_unchecked<'p, 'i: 'p>(&'p mut self, ready: Ready<'i>) -> Event<'p> {
        let Ready { data, event_type, id, retry, .. } = ready;
        // The regions, apart: data, event type, id slots.
        let (data_region, rest) = self.buf.as_mut().split_at_mut(self.type_at);
        let (type_region, ids) = rest.split_at_mut(self.type_cap);
        let event_type = type_or_message(event_type.map(|t| text(t, type_region, self.type_at)));
        let last_id = &ids[usize::from(self.last_id.slot) * self.id_cap..];
        Event {
            event_type,
            data: text(data, data_region, 0),
            id: id.unwrap_or_else(|| id_text(last_id, self.last_id.len)),
            retry,
        }
    }
}

/// The text of `range` (of the input) within the checked `span` of the
/// block, if both are known.
#[inline(always)]
fn span_slice(span: Option<(usize, &str)>, range: Option<(usize, usize)>) -> Option<&str> {
    let ((lo, text), (s, e)) = (span?, range?);
    text.get(s - lo..e - lo)
}

/// An event's type: `message` when its block had none, or an empty one.
#[inline(always)]
fn type_or_message(event_type: Option<&str>) -> &str {
    match event_type {
        None | Some("") => "message",
        Some(t) => t,
    }
}

/// The text of a dispatched value; `region` is the buffer region it may be
/// stored in, which starts at buffer offset `region_at`.
fn text<'p, 'i: 'p>(t: Text<'i>, region: &'p mut [u8], region_at: usize) -> &'p str {
    match t {
        Text::Input(s) => s,
        // Checked in `dispatch` (then valid, and the check below passes), or
        // left to be checked here.
        Text::Stored(at, len) => {
            let Some(value) = region.get_mut(at - region_at..) else { return "" };
            let len = len.min(value.len());
            // The check may read on past the value (`utf8::reach`) when
            // the room after that still holds any repair.
            let reach = utf8::reach(len);
            let split = if reach.saturating_add(len.saturating_mul(3)) <= value.len() {
                reach
            } else {
                len
            };
            let (head, tail) = value.split_at_mut(split);
            match utf8::validate_in(head, 0, len) {
                Ok(text) => text,
                // Rare: the repair goes into the room behind the value
                // (`head` stays borrowed by the arm above).
                Err(bad) => {
                    let len = utf8::repair_into(&head[..len], bad, tail);
                    tail.get(..len).map_or("", checked)
                }
            }
        }
    }
}

/// Text known to be valid UTF-8 (checked or repaired before), as `&str`.
#[inline]
fn checked(bytes: &[u8]) -> &str {
    utf8::validate(bytes).unwrap_or_default()
}

/// The last event ID held in the first `len` bytes of its slot.
#[inline]
fn id_text(slot: &[u8], len: usize) -> &str {
    // Slots only ever hold text that was validated or repaired.
    slot.get(..len).map_or("", checked)
}

/// How far a line step got.
enum Advance {
    /// Continue at this position.
    To(usize),
    /// A block ended with data; dispatch, then continue at this position.
    Dispatch(usize),
    /// A comment line ended: report `at..end` (of the input, or `stored`
    /// in the buffer), then continue at `next`.
    Comment { next: usize, at: usize, end: usize, stored: bool },
    /// Stop here, before data to hand out ([`Parser::feed_parts`]): what
    /// is kept goes out first.
    Hold(usize),
}

/// A line step, or the position to resume at and the limit error.
type Stepped = Result<Advance, (usize, ParseError)>;

/// Where the line end at `input[at]` (LF, CRLF or CR) ends, if `input`
/// shows it: `None` when `input[at]` is no line end, or is a CR that ends
/// `input` (its LF may be in the next input).
#[cfg(not(feature = "small"))]
#[inline(always)]
fn after_line_end(input: &[u8], at: usize) -> Option<usize> {
    match input.get(at)? {
        b'\n' => Some(at + 1),
        b'\r' => input.get(at + 1).map(|&b| at + 1 + usize::from(b == b'\n')),
        _ => None,
    }
}

/// The longest valid UTF-8 prefix of `bytes`.
fn valid_prefix(bytes: &[u8]) -> &str {
    match core::str::from_utf8(bytes) {
        Ok(text) => text,
        Err(e) => core::str::from_utf8(&bytes[..e.valid_up_to()]).unwrap_or_default(),
    }
}
