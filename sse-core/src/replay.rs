//! A fixed-capacity ring of encoded frames for `Last-Event-ID` resume.
//!
//! A server pushes every event it sends (already encoded, with its id);
//! when a client reconnects with `Last-Event-ID`, [`ReplayRing::since`]
//! yields the frames it missed, or says plainly that the id is no longer
//! held, so the server can tell the client instead of leaving a silent gap.
//!
//! Memory is bounded twice: by `N` entries (a const generic) and by the byte
//! buffer the caller provides. Records (id then frame bytes) are stored
//! contiguously; the oldest are evicted, each in O(1), to make room.

use core::fmt;

use crate::encoder::{Frame, Sink};
use crate::error::FrameError;

/// Why a frame was not stored, or a replay could not be served.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
#[non_exhaustive]
pub enum ReplayError {
    /// The id plus frame need `required` bytes, more than the whole ring
    /// holds (`capacity`). The ring is emptied: the event goes out live but
    /// cannot be replayed, so no resume may silently skip it.
    TooLarge {
        /// Bytes the record needs.
        required: usize,
        /// Bytes the ring has.
        capacity: usize,
    },
    /// The ring keeps no entries at all (`N` or the entry limit is 0).
    NoEntries,
    /// The frame could inject fields (see [`FrameError`]).
    Invalid(FrameError),
}

impl fmt::Display for ReplayError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Self::TooLarge { required, capacity } => {
                write!(f, "frame of {required} bytes exceeds the {capacity}-byte replay ring")
            }
            Self::NoEntries => f.write_str("replay ring has room for no entries"),
            Self::Invalid(e) => write!(f, "invalid frame: {e}"),
        }
    }
}

impl core::error::Error for ReplayError {}

/// The id a client asked to resume from is not in the ring: it was evicted,
/// or never sent. Events may have been missed; tell the client.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub struct NotRetained;

impl fmt::Display for NotRetained {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("last event id is not retained; events may have been missed")
    }
}

impl core::error::Error for NotRetained {}

#[derive(Clone, Copy, Debug, Default)]
struct Entry {
    /// Offset of the record (id bytes, then frame bytes) in the buffer.
    start: usize,
    id_len: usize,
    frame_len: usize,
}

impl Entry {
    fn end(&self) -> usize {
        self.start + self.id_len + self.frame_len
    }
}

/// Fixed-capacity store of the most recent encoded frames and their ids.
///
/// ```
/// use sse_core::{Frame, NotRetained, ReplayRing};
///
/// let mut ring: ReplayRing<[u8; 256], 8> = ReplayRing::new([0; 256]);
/// for (id, data) in [("1", "a"), ("2", "b"), ("3", "c")] {
///     ring.push_frame(&Frame::new().id(id).data(data)).unwrap();
/// }
/// // A client that saw event 1 gets 2 and 3, in order.
/// let missed: Vec<&[u8]> = ring.since("1").unwrap().collect();
/// assert_eq!(missed, [&b"id: 2\ndata: b\n\n"[..], b"id: 3\ndata: c\n\n"]);
/// // One that saw an id the ring no longer holds is told so.
/// assert_eq!(ring.since("0").err(), Some(NotRetained));
/// ```
pub struct ReplayRing<B, const N: usize> {
    buf: B,
    entries: [Entry; N],
    /// Index in `entries` of the oldest entry.
    head: usize,
    len: usize,
    /// Entry limit in force (at most `N`).
    max_entries: usize,
}

impl<B, const N: usize> fmt::Debug for ReplayRing<B, N> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("ReplayRing").field("len", &self.len).field("max_entries", &N).finish()
    }
}

impl<B: AsRef<[u8]> + AsMut<[u8]>, const N: usize> ReplayRing<B, N> {
    /// An empty ring storing records in `buffer`, at most `N` of them.
    pub fn new(buffer: B) -> Self {
        Self { buf: buffer, entries: [Entry::default(); N], head: 0, len: 0, max_entries: N }
    }

    /// Lowers the entry limit below `N` (e.g. from configuration), evicting
    /// the oldest frames if more are held.
    #[must_use]
    pub fn with_max_entries(mut self, max: usize) -> Self {
        self.max_entries = max.min(N);
        while self.len > self.max_entries {
            self.evict();
        }
        self
    }

    /// Number of frames held.
    pub fn len(&self) -> usize {
        self.len
    }

    /// Whether the ring holds no frames.
    pub fn is_empty(&self) -> bool {
        self.len == 0
    }

    /// Bytes available for records (ids plus frames).
    pub fn capacity_bytes(&self) -> usize {
        self.buf.as_ref().len()
    }

    /// Drops every frame.
    pub fn clear(&mut self) {
        self.head = 0;
        self.len = 0;
    }

    /// Stores an already encoded frame under `id`, evicting the oldest
    /// frames as needed. An empty `id` stores a frame nobody can resume
    /// from (it is still replayed to clients resuming from an earlier id);
    /// an empty `id` with an empty frame stores nothing.
    ///
    /// # Errors
    ///
    /// [`ReplayError::TooLarge`] if `id` and `frame` together exceed the
    /// buffer (the ring is then emptied, so that clients resuming from an
    /// earlier id are told they missed something rather than skipping this
    /// frame); [`ReplayError::NoEntries`] if the entry limit is 0.
    pub fn push(&mut self, id: &str, frame: &[u8]) -> Result<(), ReplayError> {
        if id.is_empty() && frame.is_empty() {
            return Ok(());
        }
        let start = self.reserve(id, frame.len())?;
        let at = start + id.len();
        self.buf.as_mut()[at..at + frame.len()].copy_from_slice(frame);
        Ok(())
    }

    /// Encodes `frame` straight into the ring, under the frame's own id
    /// (or none), and returns the stored bytes, ready to send.
    ///
    /// # Errors
    ///
    /// As [`push`](Self::push), plus [`ReplayError::Invalid`] for a frame
    /// that could inject fields.
    pub fn push_frame(&mut self, frame: &Frame<'_>) -> Result<&[u8], ReplayError> {
        let len = frame.encoded_len().map_err(ReplayError::Invalid)?;
        let id = frame.id.unwrap_or("");
        if len == 0 {
            return Ok(&[]);
        }
        let start = self.reserve(id, len)? + id.len();
        let mut out = SliceWriter { out: &mut self.buf.as_mut()[start..start + len], at: 0 };
        // Cannot fail: the frame was validated and the slice has its exact length.
        let _ = frame.write_to(&mut out);
        Ok(&self.buf.as_ref()[start..start + len])
    }

    /// The frames stored after the one with id `last_event_id`, oldest
    /// first.
    ///
    /// # Errors
    ///
    /// [`NotRetained`] if no held frame has that id (it was evicted, never
    /// sent, or is empty): the client may have missed events.
    pub fn since(&self, last_event_id: &str) -> Result<Frames<'_, N>, NotRetained> {
        if last_event_id.is_empty() {
            return Err(NotRetained);
        }
        // Newest first: ids are normally unique, and recent ones are the
        // likeliest to be asked for.
        let buf = self.buf.as_ref();
        (0..self.len)
            .rev()
            .find(|&k| {
                let e = &self.entries[(self.head + k) % N];
                &buf[e.start..e.start + e.id_len] == last_event_id.as_bytes()
            })
            .map(|k| Frames {
                buf,
                entries: &self.entries,
                head: self.head,
                next: k + 1,
                len: self.len,
            })
            .ok_or(NotRetained)
    }

    /// Every held frame, oldest first.
    pub fn iter(&self) -> Frames<'_, N> {
        Frames {
            buf: self.buf.as_ref(),
            entries: &self.entries,
            head: self.head,
            next: 0,
            len: self.len,
        }
    }

    /// Makes room for a record of `id` plus `frame_len` bytes (not both
    /// empty), records the entry and writes the id; returns where the record
    /// starts. Records are never empty, so a tail starting below the head
    /// always means the live bytes wrap around the end of the buffer.
    fn reserve(&mut self, id: &str, frame_len: usize) -> Result<usize, ReplayError> {
        if self.max_entries == 0 {
            return Err(ReplayError::NoEntries);
        }
        let capacity = self.buf.as_ref().len();
        let need = id.len().saturating_add(frame_len);
        if need > capacity {
            self.clear();
            return Err(ReplayError::TooLarge { required: need, capacity });
        }
        if self.len == self.max_entries {
            self.evict();
        }
        let start = loop {
            if self.len == 0 {
                break 0;
            }
            let head = self.entries[self.head];
            let tail = self.entries[(self.head + self.len - 1) % N];
            if tail.start >= head.start {
                // Live bytes are one run [head.start, tail.end): use the
                // space after it, else wrap to the space before it.
                if tail.end() + need <= capacity {
                    break tail.end();
                }
                if need <= head.start {
                    break 0;
                }
            } else if tail.end() + need <= head.start {
                // Live bytes wrap around: the only gap is between them.
                break tail.end();
            }
            self.evict();
        };
        let slot = (self.head + self.len) % N;
        self.entries[slot] = Entry { start, id_len: id.len(), frame_len };
        self.len += 1;
        self.buf.as_mut()[start..start + id.len()].copy_from_slice(id.as_bytes());
        Ok(start)
    }

    fn evict(&mut self) {
        self.head = (self.head + 1) % N;
        self.len -= 1;
    }
}

/// Writes into a slice of exactly the right length.
struct SliceWriter<'a> {
    out: &'a mut [u8],
    at: usize,
}

impl Sink for SliceWriter<'_> {
    type Error = ();
    fn write(&mut self, bytes: &[u8]) -> Result<(), ()> {
        let dst = self.out.get_mut(self.at..self.at + bytes.len()).ok_or(())?;
        dst.copy_from_slice(bytes);
        self.at += bytes.len();
        Ok(())
    }
}

/// Iterator over held frames, oldest first (see [`ReplayRing::since`]).
#[derive(Clone)]
pub struct Frames<'a, const N: usize> {
    buf: &'a [u8],
    entries: &'a [Entry; N],
    head: usize,
    next: usize,
    len: usize,
}

impl<'a, const N: usize> Iterator for Frames<'a, N> {
    type Item = &'a [u8];

    fn next(&mut self) -> Option<&'a [u8]> {
        if self.next >= self.len {
            return None;
        }
        let e = &self.entries[(self.head + self.next) % N];
        self.next += 1;
        Some(&self.buf[e.start + e.id_len..e.end()])
    }

    fn size_hint(&self) -> (usize, Option<usize>) {
        let left = self.len - self.next;
        (left, Some(left))
    }
}

impl<const N: usize> ExactSizeIterator for Frames<'_, N> {}

impl<const N: usize> fmt::Debug for Frames<'_, N> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("Frames").field("remaining", &(self.len - self.next)).finish()
    }
}
