//! The backend seam: where a hub shared by several instances keeps its
//! log. Publishing appends and learns the id; resuming replays after an id
//! or learns that it is gone; each instance tails new entries in order.
//! [`MemoryLog`] keeps the log in this process; `sse-redis` keeps it in a
//! Redis stream that many processes share.

use std::error::Error;
use std::fmt;
use std::future::Future;
use std::pin::Pin;
use std::sync::{Arc, Mutex};
use std::task::{Context, Poll};

use futures_core::Stream;
use sse_core::ReplayRing;
use tokio::sync::broadcast;

use crate::id::{leading_id, now_ms, run_start, StreamId};
use crate::{Encoded, MAX_REPLAY_EVENTS};

/// A boxed, `Send` future, as the [`Backend`] methods return.
pub type BoxFuture<'a, T> = Pin<Box<dyn Future<Output = T> + Send + 'a>>;
/// A boxed, `Send` stream, as [`Backend::tail`] returns.
pub type BoxStream<'a, T> = Pin<Box<dyn Stream<Item = T> + Send + 'a>>;

/// One entry of the log: its id and its complete frame, `id:` line
/// included, ready to send as it is.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Entry {
    /// The id the log assigned.
    pub id: StreamId,
    /// The encoded frame, starting with `id: <id>`.
    pub frame: Encoded,
}

impl Entry {
    /// The entry for a frame `body` (an encoded frame without an `id:`
    /// line) stored under `id`: one allocation, the id line first.
    pub fn from_body(id: StreamId, body: &[u8]) -> Self {
        let text = id.text();
        let mut frame = Vec::with_capacity(5 + text.as_str().len() + body.len());
        frame.extend_from_slice(b"id: ");
        frame.extend_from_slice(text.as_str().as_bytes());
        frame.push(b'\n');
        frame.extend_from_slice(body);
        Self { id, frame: Arc::from(frame) }
    }
}

/// What replaying after an id found.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum Replay {
    /// The id is in the log: these entries follow it, oldest first (none
    /// when it is the newest).
    After(Vec<Entry>),
    /// The id is not in the log (trimmed, lost in a restart, or never
    /// assigned), or more than the replay limit followed it: the client
    /// missed events and is told so with the hub's `reset` event.
    NotRetained,
}

/// What a tail yields.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum TailItem {
    /// The next entry, in log order.
    Entry(Entry),
    /// Entries may have been missed since the last one yielded (the log
    /// was trimmed past the tail, or lost data in a restart): the hub ends
    /// its subscriptions, whose clients then resume by replay (or get
    /// `reset`).
    Gap,
}

/// Why a backend call failed (the log unreachable, a timeout, an answer
/// that makes no sense). Publishing reports it; nothing is reported as
/// sent that was not stored.
#[derive(Debug)]
pub struct BackendError(Box<dyn Error + Send + Sync>);

impl BackendError {
    /// Wraps the backend's own error.
    pub fn new(error: impl Into<Box<dyn Error + Send + Sync>>) -> Self {
        Self(error.into())
    }
}

impl fmt::Display for BackendError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        fmt::Display::fmt(&self.0, f)
    }
}

impl Error for BackendError {
    fn source(&self) -> Option<&(dyn Error + 'static)> {
        Some(&*self.0)
    }
}

/// A log that several hubs can share: the seam between a hub's local
/// fan-out and where events are kept.
///
/// Ids are [`StreamId`]s, strictly increasing in log order. Every method
/// bounds its own time (a backend over the network has timeouts).
pub trait Backend: Send + Sync + 'static {
    /// Appends one frame `body` (encoded, without an `id:` line) and
    /// returns the id it was stored under. An error means it may not have
    /// been stored; it is never reported as stored when it was not.
    fn append(&self, body: Vec<u8>) -> BoxFuture<'_, Result<StreamId, BackendError>>;

    /// The entries after `id` (exclusive), oldest first, if `id` itself is
    /// still in the log and at most `max` entries follow it; otherwise
    /// [`Replay::NotRetained`]. The presence check is exact: an id that
    /// was trimmed is not taken for "whatever is left".
    fn replay(&self, id: StreamId, max: usize) -> BoxFuture<'_, Result<Replay, BackendError>>;

    /// The id of the newest entry ([`StreamId::default`], `0-0`, when the
    /// log is empty): where a new instance's tail starts.
    fn last_id(&self) -> BoxFuture<'_, Result<StreamId, BackendError>>;

    /// Every entry appended after `after`, in order, forever. The stream
    /// rides out faults by itself (reconnecting without a busy loop) and
    /// says [`TailItem::Gap`] when it may have missed entries.
    fn tail(&self, after: StreamId) -> BoxStream<'static, TailItem>;
}

/// A log kept in this process: a bounded ring of encoded frames (by count
/// and bytes, as [`HubConfig`](crate::HubConfig) sets them), ids assigned
/// from the clock. Several hubs in one process can share it, as instances
/// share a Redis stream; a hub made with [`Hub::new`](crate::Hub::new)
/// keeps the same kind of ring itself, without a tail.
pub struct MemoryLog {
    state: Mutex<MemoryState>,
}

struct MemoryState {
    ring: ReplayRing<Vec<u8>, MAX_REPLAY_EVENTS>,
    last: StreamId,
    /// Where this log's ids start after (see `run_start`).
    start: StreamId,
    tail: broadcast::Sender<Entry>,
}

impl fmt::Debug for MemoryLog {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("MemoryLog").field("entries", &self.lock().ring.len()).finish()
    }
}

/// Entries a [`MemoryLog`] tail may fall behind before it reports a gap.
const MEMORY_TAIL_QUEUE: usize = 4096;

impl MemoryLog {
    /// An empty log keeping at most `events` entries (up to
    /// [`MAX_REPLAY_EVENTS`]) and `bytes` bytes of frames.
    pub fn new(events: usize, bytes: usize) -> Self {
        let ring = ReplayRing::new(vec![0; bytes]).with_max_entries(events);
        let (tail, _) = broadcast::channel(MEMORY_TAIL_QUEUE);
        Self {
            state: Mutex::new(MemoryState {
                ring,
                last: StreamId::default(),
                start: run_start(),
                tail,
            }),
        }
    }

    fn lock(&self) -> std::sync::MutexGuard<'_, MemoryState> {
        // Every update is one push: a poisoned lock is still consistent.
        self.state.lock().unwrap_or_else(|poisoned| poisoned.into_inner())
    }

    fn append_now(&self, body: &[u8]) -> StreamId {
        let mut state = self.lock();
        let id = state.last.max(state.start).next_at(now_ms());
        state.last = id;
        let entry = Entry::from_body(id, body);
        // Too large to keep: the ring is emptied (resuming across it says
        // reset); the entry still goes to the tails.
        let _ = state.ring.push(id.text().as_str(), &entry.frame);
        let _ = state.tail.send(entry);
        id
    }

    fn replay_now(&self, id: StreamId, max: usize) -> Replay {
        let state = self.lock();
        let Ok(frames) = state.ring.since(id.text().as_str()) else { return Replay::NotRetained };
        let mut entries = Vec::new();
        for frame in frames {
            if entries.len() == max {
                return Replay::NotRetained;
            }
            let Some(id) = leading_id(frame) else { return Replay::NotRetained };
            entries.push(Entry { id, frame: Arc::from(frame) });
        }
        Replay::After(entries)
    }
}

impl Backend for MemoryLog {
    fn append(&self, body: Vec<u8>) -> BoxFuture<'_, Result<StreamId, BackendError>> {
        let id = self.append_now(&body);
        Box::pin(std::future::ready(Ok(id)))
    }

    fn replay(&self, id: StreamId, max: usize) -> BoxFuture<'_, Result<Replay, BackendError>> {
        Box::pin(std::future::ready(Ok(self.replay_now(id, max))))
    }

    fn last_id(&self) -> BoxFuture<'_, Result<StreamId, BackendError>> {
        Box::pin(std::future::ready(Ok(self.lock().last)))
    }

    fn tail(&self, after: StreamId) -> BoxStream<'static, TailItem> {
        let state = self.lock();
        let live = state.tail.subscribe();
        // Entries already past `after` come first, from the ring (entries
        // appended meanwhile come live too, and are skipped there).
        let backlog = if after >= state.last {
            Vec::new()
        } else if after == StreamId::default() {
            let all = state
                .ring
                .iter()
                .filter_map(|f| Some(Entry { id: leading_id(f)?, frame: Arc::from(f) }));
            all.map(TailItem::Entry).collect()
        } else {
            drop(state);
            match self.replay_now(after, usize::MAX) {
                Replay::After(entries) => entries.into_iter().map(TailItem::Entry).collect(),
                Replay::NotRetained => vec![TailItem::Gap],
            }
        };
        let last = match backlog.last() {
            Some(TailItem::Entry(e)) => Some(e.id),
            _ => Some(after),
        };
        Box::pin(MemoryTail { backlog: backlog.into(), last, pending: Some(Box::pin(recv(live))) })
    }
}

type PendingTail =
    BoxFuture<'static, (Result<Entry, broadcast::error::RecvError>, broadcast::Receiver<Entry>)>;

async fn recv(
    mut live: broadcast::Receiver<Entry>,
) -> (Result<Entry, broadcast::error::RecvError>, broadcast::Receiver<Entry>) {
    (live.recv().await, live)
}

struct MemoryTail {
    backlog: std::collections::VecDeque<TailItem>,
    /// The newest id yielded: live entries at or below it were replayed.
    last: Option<StreamId>,
    pending: Option<PendingTail>,
}

impl Stream for MemoryTail {
    type Item = TailItem;
    fn poll_next(mut self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<Option<TailItem>> {
        let this = &mut *self;
        if let Some(item) = this.backlog.pop_front() {
            return Poll::Ready(Some(item));
        }
        loop {
            let Some(pending) = this.pending.as_mut() else { return Poll::Ready(None) };
            let (result, live) = std::task::ready!(pending.as_mut().poll(cx));
            this.pending = Some(Box::pin(recv(live)));
            match result {
                Ok(entry) if this.last.is_some_and(|last| entry.id <= last) => continue,
                Ok(entry) => {
                    this.last = Some(entry.id);
                    return Poll::Ready(Some(TailItem::Entry(entry)));
                }
                Err(broadcast::error::RecvError::Lagged(_)) => {
                    return Poll::Ready(Some(TailItem::Gap))
                }
                Err(broadcast::error::RecvError::Closed) => {
                    this.pending = None;
                    return Poll::Ready(None);
                }
            }
        }
    }
}
