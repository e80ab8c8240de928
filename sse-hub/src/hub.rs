//! A broadcast hub: publish once, fan the same bytes out to every
//! subscriber, replay missed events on resume.

use std::fmt;
use std::future::Future;
use std::pin::Pin;
use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::{Arc, Mutex, MutexGuard, Weak};
use std::task::{Context, Poll};

use futures_core::Stream;
use sse_core::typed::with_frame;
use sse_core::{Frame, ReplayError, ReplayRing, SseEvent, TypedError};
use tokio::sync::{broadcast, oneshot};

use crate::backend::{Backend, BackendError, BoxFuture, BoxStream, Entry, Replay, TailItem};
use crate::id::{now_ms, run_start, EventId, StreamId};

/// Most entries any hub's replay ring can hold.
pub const MAX_REPLAY_EVENTS: usize = 4096;
/// Default number of events kept for replay.
pub const DEFAULT_REPLAY_EVENTS: usize = 1024;
/// Default bytes kept for replay.
pub const DEFAULT_REPLAY_BYTES: usize = 1 << 20;
/// Default frames queued per subscriber before it counts as too slow.
pub const DEFAULT_QUEUE_FRAMES: usize = 256;
/// Default event type sent to a subscriber whose `Last-Event-ID` is no
/// longer retained.
pub const DEFAULT_RESET_EVENT: &str = "reset";

/// Hub settings; the constants above are the defaults.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct HubConfig {
    /// Events kept for replay (at most [`MAX_REPLAY_EVENTS`]).
    pub replay_events: usize,
    /// Bytes kept for replay.
    pub replay_bytes: usize,
    /// Frames queued per subscriber; a subscriber that falls further behind
    /// is disconnected (it can resume with `Last-Event-ID`).
    pub queue_frames: usize,
    /// Event type telling a resuming subscriber that events were missed.
    pub reset_event: String,
}

impl Default for HubConfig {
    fn default() -> Self {
        Self {
            replay_events: DEFAULT_REPLAY_EVENTS,
            replay_bytes: DEFAULT_REPLAY_BYTES,
            queue_frames: DEFAULT_QUEUE_FRAMES,
            reset_event: DEFAULT_RESET_EVENT.to_owned(),
        }
    }
}

/// Why publishing failed.
#[derive(Debug)]
#[non_exhaustive]
pub enum PublishError {
    /// The frame or typed event could not be encoded.
    Typed(TypedError),
    /// The shared log did not confirm that it stored the event (it may be
    /// unreachable); the event may not have been published.
    Backend(BackendError),
    /// The frame carries its own id, but the hub's log is shared and
    /// assigns every id (leave `id` unset).
    OwnId,
}

impl fmt::Display for PublishError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Self::Typed(e) => write!(f, "cannot encode event: {e}"),
            Self::Backend(e) => write!(f, "the shared log did not store the event: {e}"),
            Self::OwnId => {
                f.write_str("a hub on a shared log assigns ids itself: leave the frame's id unset")
            }
        }
    }
}

impl std::error::Error for PublishError {
    fn source(&self) -> Option<&(dyn std::error::Error + 'static)> {
        match self {
            Self::Typed(e) => Some(e),
            Self::Backend(e) => Some(e),
            Self::OwnId => None,
        }
    }
}

/// One or more frames, encoded once and shared by every subscriber (the
/// bytes that go on the wire as they are).
pub type Encoded = Arc<[u8]>;

/// A frame on its way to the local subscribers, with its log id when the
/// log is shared (a resuming subscriber skips what it replayed).
#[derive(Clone)]
struct Live {
    id: Option<StreamId>,
    frame: Encoded,
}

/// The log a hub keeps itself: one lock covers keeping and sending.
struct OwnLog {
    ring: ReplayRing<Vec<u8>, MAX_REPLAY_EVENTS>,
    /// The last id assigned (at first, where this run's ids start after).
    last: StreamId,
}

struct State {
    /// `None` when the log is a shared [`Backend`].
    own: Option<OwnLog>,
    /// One shared queue for all subscribers: publishing is one push and one
    /// wake-up pass, whatever the subscriber count.
    live: broadcast::Sender<Live>,
    scratch: Vec<u8>,
}

/// What subscriptions share with the hub without keeping it alive (so
/// that they end when it goes).
#[derive(Default)]
struct Counters {
    dropped: AtomicU64,
    published: AtomicU64,
}

struct Shared {
    state: Mutex<State>,
    config: HubConfig,
    counters: Arc<Counters>,
    backend: Option<Arc<dyn Backend>>,
    /// Dropped with the hub: tells its tail task to stop.
    _closed: Option<oneshot::Sender<()>>,
}

/// Fans events out to subscribers. Clone it freely: clones share one hub.
/// When the last clone is dropped, every subscription ends (after what it
/// already received).
///
/// A hub made with [`new`](Self::new) keeps its log (the replay ring) in
/// this process; one made with [`with_backend`](Self::with_backend) shares
/// a log with other instances (Redis Streams with `sse-redis`).
///
/// ```
/// # #[tokio::main(flavor = "current_thread")]
/// # async fn main() {
/// use sse_core::Frame;
/// use sse_hub::{Hub, HubConfig};
///
/// let hub = Hub::new(HubConfig::default());
/// let first = hub.publish(&Frame::new().data("a")).await.unwrap();
/// let mut late = hub.subscribe(Some(first.as_str())); // resumes after it
/// let second = hub.publish(&Frame::new().data("b")).await.unwrap();
/// let expected = format!("id: {second}\ndata: b\n\n");
/// assert_eq!(&*late.recv().await.unwrap(), expected.as_bytes());
/// assert!(first.stream_id() < second.stream_id(), "ids are ordered");
/// # }
/// ```
#[derive(Clone)]
pub struct Hub {
    shared: Arc<Shared>,
}

impl fmt::Debug for Hub {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("Hub")
            .field("subscribers", &self.subscriber_count())
            .field("dropped", &self.dropped_count())
            .field("shared_log", &self.shared.backend.is_some())
            .finish()
    }
}

/// The future of one publish: the id the log assigned.
///
/// On a hub with its own log the event is published when
/// [`Hub::publish`] is called and this is ready at once; on a shared log
/// the append happens when this is awaited.
#[must_use = "on a shared log nothing is published until this is awaited"]
pub struct Publish {
    state: PublishState,
}

enum PublishState {
    Ready(Option<Result<EventId, PublishError>>),
    Pending(BoxFuture<'static, Result<EventId, PublishError>>),
}

impl fmt::Debug for Publish {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("Publish")
            .field("ready", &matches!(self.state, PublishState::Ready(_)))
            .finish()
    }
}

impl Future for Publish {
    type Output = Result<EventId, PublishError>;
    fn poll(mut self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<Self::Output> {
        match &mut self.state {
            PublishState::Ready(result) => Poll::Ready(
                result.take().unwrap_or(Err(PublishError::Typed(TypedError::ScratchTooSmall))),
            ),
            PublishState::Pending(future) => future.as_mut().poll(cx),
        }
    }
}

impl Publish {
    fn ready(result: Result<EventId, PublishError>) -> Self {
        Self { state: PublishState::Ready(Some(result)) }
    }
}

/// A hub's tail reader: moves the shared log's new entries to the local
/// subscribers. Spawn it on any executor; it ends when the hub is dropped.
#[must_use = "a hub on a shared log delivers nothing until its tail runs"]
pub struct Tail {
    run: BoxFuture<'static, ()>,
}

impl fmt::Debug for Tail {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("Tail")
    }
}

impl Future for Tail {
    type Output = ();
    fn poll(mut self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<()> {
        self.run.as_mut().poll(cx)
    }
}

fn new_shared(
    config: HubConfig,
    own: Option<OwnLog>,
    backend: Option<Arc<dyn Backend>>,
) -> (Arc<Shared>, oneshot::Receiver<()>) {
    let (live, _) = broadcast::channel(config.queue_frames.max(1));
    let (closed, on_close) = oneshot::channel();
    let state = State { own, live, scratch: vec![0; 1024] };
    let shared = Arc::new(Shared {
        state: Mutex::new(state),
        config,
        counters: Arc::default(),
        backend,
        _closed: Some(closed),
    });
    (shared, on_close)
}

impl Hub {
    /// A hub that keeps its own log: a replay ring bounded by
    /// [`HubConfig::replay_events`] and [`HubConfig::replay_bytes`], ids
    /// assigned from the clock (`<milliseconds>-<sequence>`, so an id from
    /// an earlier run of the process is never reused: a client resuming
    /// with one gets `reset`).
    pub fn new(config: HubConfig) -> Self {
        let ring =
            ReplayRing::new(vec![0; config.replay_bytes]).with_max_entries(config.replay_events);
        let own = OwnLog { ring, last: run_start() };
        Self { shared: new_shared(config, Some(own), None).0 }
    }

    /// A hub on a log shared with other instances, and its [`Tail`], which
    /// must be spawned: it moves every entry appended to the log (by any
    /// instance) to this hub's subscribers, encoded once per instance.
    ///
    /// The tail starts at the log's newest entry, asked for here.
    ///
    /// # Errors
    ///
    /// The backend's, if it cannot tell its newest entry (unreachable).
    ///
    /// ```
    /// # #[tokio::main(flavor = "current_thread")]
    /// # async fn main() {
    /// use std::sync::Arc;
    /// use sse_core::Frame;
    /// use sse_hub::{Hub, HubConfig, MemoryLog};
    ///
    /// let log = Arc::new(MemoryLog::new(1024, 1 << 20));
    /// let (a, tail_a) = Hub::with_backend(HubConfig::default(), log.clone()).await.unwrap();
    /// let (b, tail_b) = Hub::with_backend(HubConfig::default(), log).await.unwrap();
    /// tokio::spawn(tail_a);
    /// tokio::spawn(tail_b);
    /// let mut on_b = b.subscribe(None);
    /// let id = a.publish(&Frame::new().data("hi")).await.unwrap();
    /// let expected = format!("id: {id}\ndata: hi\n\n");
    /// assert_eq!(&*on_b.recv().await.unwrap(), expected.as_bytes());
    /// # }
    /// ```
    pub async fn with_backend(
        config: HubConfig,
        backend: Arc<dyn Backend>,
    ) -> Result<(Self, Tail), BackendError> {
        let start = backend.last_id().await?;
        let tail = backend.tail(start);
        let (shared, on_close) = new_shared(config, None, Some(backend));
        let run = Box::pin(pump(Arc::downgrade(&shared), tail, on_close));
        Ok((Self { shared }, Tail { run }))
    }

    fn lock(&self) -> MutexGuard<'_, State> {
        self.shared.lock()
    }

    /// Publishes `frame`: encodes it once, keeps it in the log, and
    /// queues the same bytes to every subscriber (of every instance, on a
    /// shared log). Resolves to the id the log assigned, or the frame's own
    /// id if it carried one (only on a hub with its own log). A subscriber
    /// whose queue is full is disconnected, so it never delays the others.
    ///
    /// # Errors
    ///
    /// [`PublishError::Typed`] for a frame that would inject fields;
    /// [`PublishError::OwnId`] for a frame with an id on a shared log;
    /// [`PublishError::Backend`] if the shared log did not confirm it.
    pub fn publish(&self, frame: &Frame<'_>) -> Publish {
        match &self.shared.backend {
            None => Publish::ready(self.shared.publish_own(&mut self.lock(), frame)),
            Some(backend) => self.shared.append(backend, frame),
        }
    }

    /// Encodes a typed event and publishes it (see [`publish`](Self::publish)).
    ///
    /// # Errors
    ///
    /// As [`publish`](Self::publish), and [`PublishError::Typed`] if the
    /// event cannot be encoded.
    pub fn publish_event<T: SseEvent + ?Sized>(&self, event: &T) -> Publish {
        let mut state = self.lock();
        let mut scratch = std::mem::take(&mut state.scratch);
        let result = with_frame(event, &mut scratch, |frame| match &self.shared.backend {
            None => Publish::ready(self.shared.publish_own(&mut state, frame)),
            Some(backend) => self.shared.append(backend, frame),
        });
        state.scratch = scratch;
        result.unwrap_or_else(|e| Publish::ready(Err(PublishError::Typed(e))))
    }

    /// A new subscriber. With `last_event_id`, it first receives the
    /// retained events after that id, then live events, with no gap and no
    /// duplicate; if the id is not retained (trimmed, from an earlier run,
    /// or not an id the log assigned) it first receives a `reset` event
    /// (type per [`HubConfig::reset_event`], the id as data) so it knows it
    /// missed some. On a shared log the replay is read when the
    /// subscription is first polled; if the log cannot be read, the
    /// subscription ends (the client reconnects later with the same id).
    pub fn subscribe(&self, last_event_id: Option<&str>) -> Subscription {
        let shared = &self.shared;
        let resume_id = last_event_id.filter(|id| !id.is_empty());
        let mut inner = Inner {
            backlog: None,
            resume: None,
            reset: None,
            live: None,
            skip_through: None,
            counters: Arc::clone(&shared.counters),
        };
        // Under the lock that publishing holds too: on an own log the
        // backlog and the live queue meet exactly.
        let state = self.lock();
        inner.live = Some(state.live.subscribe());
        match (resume_id, &state.own, &shared.backend) {
            (None, ..) => {}
            (Some(id), Some(own), _) => {
                inner.backlog = match own.ring.since(id) {
                    Ok(frames) => {
                        let bytes: Vec<u8> = frames.flat_map(|f| f.iter().copied()).collect();
                        (!bytes.is_empty()).then(|| Arc::from(bytes))
                    }
                    Err(_) => Some(shared.reset_frame(id)),
                }
            }
            (Some(id), None, Some(backend)) => {
                drop(state);
                match StreamId::parse(id) {
                    // Live entries come first (subscribed above), then the
                    // replay; live entries it covered are skipped.
                    Some(after) => {
                        inner.skip_through = Some(after);
                        inner.reset = Some(shared.reset_frame(id));
                        let backend = Arc::clone(backend);
                        let max = shared.config.replay_events;
                        inner.resume =
                            Some(Box::pin(async move { backend.replay(after, max).await }));
                    }
                    None => inner.backlog = Some(shared.reset_frame(id)),
                }
            }
            (Some(_), None, None) => {}
        }
        Subscription { inner: Some(inner), pending: None }
    }

    /// Ends every current subscription once it has received what was
    /// already published: their clients reconnect with their last id and
    /// resume from the log, nothing lost. New subscriptions are
    /// unaffected. For moving clients off an instance before it stops, or
    /// (in the demo) showing a resume.
    ///
    /// ```
    /// # #[tokio::main(flavor = "current_thread")]
    /// # async fn main() {
    /// use sse_core::Frame;
    /// use sse_hub::{Hub, HubConfig};
    ///
    /// let hub = Hub::new(HubConfig::default());
    /// let mut sub = hub.subscribe(None);
    /// let id = hub.publish(&Frame::new().data("a")).await.unwrap();
    /// hub.disconnect_all();
    /// let expected = format!("id: {id}\ndata: a\n\n");
    /// assert_eq!(&*sub.recv().await.unwrap(), expected.as_bytes());
    /// assert!(sub.recv().await.is_none(), "then it ends");
    /// assert_eq!(hub.subscriber_count(), 0);
    /// # }
    /// ```
    pub fn disconnect_all(&self) {
        self.shared.disconnect_all();
    }

    /// Subscribers connected now.
    pub fn subscriber_count(&self) -> usize {
        self.lock().live.receiver_count()
    }

    /// Subscribers disconnected so far for falling more than the queue
    /// behind.
    pub fn dropped_count(&self) -> u64 {
        self.shared.counters.dropped.load(Ordering::Relaxed)
    }

    /// Events published so far through this hub.
    pub fn published_count(&self) -> u64 {
        self.shared.counters.published.load(Ordering::Relaxed)
    }
}

impl Shared {
    fn lock(&self) -> MutexGuard<'_, State> {
        // A panic while holding the lock cannot leave the state torn (every
        // update is a single push or retain), so a poisoned lock is usable.
        self.state.lock().unwrap_or_else(|poisoned| poisoned.into_inner())
    }

    fn publish_own(&self, state: &mut State, frame: &Frame<'_>) -> Result<EventId, PublishError> {
        let invalid = |e| PublishError::Typed(TypedError::Frame(e));
        let Some(own) = state.own.as_mut() else { return Err(PublishError::OwnId) };
        let text;
        let mut frame = *frame;
        let assigned = if frame.id.is_none() {
            let id = own.last.next_at(now_ms());
            text = id.text();
            frame.id = Some(text.as_str());
            Some(id)
        } else {
            None
        };
        let bytes: Encoded = match own.ring.push_frame(&frame) {
            Ok(stored) => Arc::from(stored),
            Err(ReplayError::Invalid(e)) => return Err(invalid(e)),
            // Too large to keep (the ring is emptied, so no resume skips it
            // silently): still sent live.
            Err(_) => {
                let mut out = vec![0; frame.encoded_len().map_err(invalid)?];
                frame.encode(&mut out).map_err(|e| PublishError::Typed(e.into()))?;
                Arc::from(out)
            }
        };
        // The id is taken only once the frame is known to be valid.
        if let Some(id) = assigned {
            own.last = id;
        }
        self.counters.published.fetch_add(1, Ordering::Relaxed);
        // No receivers is not an error: the frame is kept for replay.
        let _ = state.live.send(Live { id: None, frame: bytes });
        Ok(match assigned {
            Some(id) => EventId::from(id),
            None => EventId::own(frame.id.unwrap_or_default()),
        })
    }

    /// Encodes `frame` without an id and returns the future that appends
    /// it to the shared log.
    fn append(&self, backend: &Arc<dyn Backend>, frame: &Frame<'_>) -> Publish {
        if frame.id.is_some() {
            return Publish::ready(Err(PublishError::OwnId));
        }
        let invalid = |e| PublishError::Typed(TypedError::Frame(e));
        let body = match frame.encoded_len() {
            Ok(len) => {
                let mut body = vec![0; len];
                match frame.encode(&mut body) {
                    Ok(_) => body,
                    Err(e) => return Publish::ready(Err(PublishError::Typed(e.into()))),
                }
            }
            Err(e) => return Publish::ready(Err(invalid(e))),
        };
        let backend = Arc::clone(backend);
        let counters = Arc::clone(&self.counters);
        Publish {
            state: PublishState::Pending(Box::pin(async move {
                let id = backend.append(body).await.map_err(PublishError::Backend)?;
                counters.published.fetch_add(1, Ordering::Relaxed);
                Ok(EventId::from(id))
            })),
        }
    }

    /// The frame telling a resuming subscriber that `id` is gone.
    fn reset_frame(&self, id: &str) -> Encoded {
        let mut out = Vec::new();
        let reset = Frame::new().event(&self.config.reset_event).data(id);
        if reset.write_to(&mut out).is_err() {
            out.clear();
            let _ = Frame::new().event(DEFAULT_RESET_EVENT).data("").write_to(&mut out);
        }
        Arc::from(out)
    }

    fn deliver(&self, entry: Entry) {
        let _ = self.lock().live.send(Live { id: Some(entry.id), frame: entry.frame });
    }

    fn disconnect_all(&self) {
        let mut state = self.lock();
        // Dropping the only sender closes the old channel: its receivers
        // drain what is queued, then end.
        state.live = broadcast::channel(self.config.queue_frames.max(1)).0;
    }
}

/// The tail reader: the shared log's entries to the local subscribers,
/// until the hub is dropped.
async fn pump(
    weak: Weak<Shared>,
    mut tail: BoxStream<'static, TailItem>,
    mut closed: oneshot::Receiver<()>,
) {
    loop {
        let next = std::future::poll_fn(|cx| {
            if Pin::new(&mut closed).poll(cx).is_ready() {
                return Poll::Ready(None);
            }
            tail.as_mut().poll_next(cx)
        })
        .await;
        let (Some(item), Some(shared)) = (next, weak.upgrade()) else { return };
        match item {
            TailItem::Entry(entry) => shared.deliver(entry),
            // Entries may be missing: the clients come back and resume by
            // replay, which tells them exactly (or says reset).
            TailItem::Gap => shared.disconnect_all(),
        }
    }
}

/// One subscriber's view of the hub: its backlog, then live frames, ready
/// to write as they are. It ends when the subscriber falls more than the
/// queue behind, when [`Hub::disconnect_all`] is called, or when the hub is
/// dropped.
///
/// # Cancel safety
///
/// [`recv`](Self::recv) is cancel-safe.
pub struct Subscription {
    /// `None` while a receive started by `poll_next` owns it.
    inner: Option<Inner>,
    pending: Option<PendingReceive>,
}

struct Inner {
    backlog: Option<Encoded>,
    /// On a shared log: the replay, read when first polled.
    resume: Option<BoxFuture<'static, Result<Replay, BackendError>>>,
    /// What to send if the replay finds the id gone.
    reset: Option<Encoded>,
    live: Option<broadcast::Receiver<Live>>,
    /// Live entries up to this id were (or will be) replayed: skipped.
    skip_through: Option<StreamId>,
    counters: Arc<Counters>,
}

impl fmt::Debug for Subscription {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let ended = self.pending.is_none() && self.inner.as_ref().is_none_or(|i| i.live.is_none());
        f.debug_struct("Subscription").field("ended", &ended).finish()
    }
}

/// A receive that owns the subscription's state, so `poll_next` can keep
/// it across polls.
type PendingReceive = BoxFuture<'static, (Option<Encoded>, Inner)>;

impl Inner {
    fn end(&mut self, lagged: bool) -> Option<Encoded> {
        if lagged {
            self.counters.dropped.fetch_add(1, Ordering::Relaxed);
        }
        self.live = None;
        None
    }

    /// Whether a live frame was already replayed (then it is skipped).
    fn replayed(&mut self, live: &Live) -> bool {
        match (self.skip_through, live.id) {
            (Some(through), Some(id)) if id <= through => true,
            (Some(_), _) => {
                // Ids only grow: nothing later can be at or below it.
                self.skip_through = None;
                false
            }
            (None, _) => false,
        }
    }

    async fn recv(&mut self) -> Option<Encoded> {
        if let Some(resume) = self.resume.as_mut() {
            // Awaited in place: cancelling leaves it to finish next time.
            let replay = resume.await;
            self.resume = None;
            match replay {
                Ok(Replay::After(entries)) => {
                    if let Some(last) = entries.last() {
                        self.skip_through = self.skip_through.max(Some(last.id));
                    }
                    self.backlog = concat(entries);
                }
                Ok(Replay::NotRetained) => {
                    self.skip_through = None;
                    self.backlog = self.reset.take();
                }
                // The log cannot be read now: the client comes back later
                // with the same id.
                Err(_) => return self.end(false),
            }
        }
        if let Some(backlog) = self.backlog.take() {
            return Some(backlog);
        }
        loop {
            // `broadcast::Receiver::recv` is cancel-safe.
            match self.live.as_mut()?.recv().await {
                Ok(live) if self.replayed(&live) => continue,
                Ok(live) => return Some(live.frame),
                Err(broadcast::error::RecvError::Lagged(_)) => return self.end(true),
                Err(broadcast::error::RecvError::Closed) => return self.end(false),
            }
        }
    }

    fn try_recv(&mut self) -> Option<Encoded> {
        if self.resume.is_some() {
            return None;
        }
        if let Some(backlog) = self.backlog.take() {
            return Some(backlog);
        }
        loop {
            match self.live.as_mut()?.try_recv() {
                Ok(live) if self.replayed(&live) => continue,
                Ok(live) => return Some(live.frame),
                Err(broadcast::error::TryRecvError::Empty) => return None,
                Err(broadcast::error::TryRecvError::Lagged(_)) => return self.end(true),
                Err(broadcast::error::TryRecvError::Closed) => return self.end(false),
            }
        }
    }
}

/// The replayed entries as one write.
fn concat(entries: Vec<Entry>) -> Option<Encoded> {
    match entries.len() {
        0 => None,
        1 => entries.into_iter().next().map(|e| e.frame),
        _ => Some(Arc::from(
            entries.iter().flat_map(|e| e.frame.iter().copied()).collect::<Vec<u8>>(),
        )),
    }
}

impl Subscription {
    /// The next frames; `None` once this subscriber fell more than the
    /// queue behind (it should reconnect with its last id), was
    /// disconnected, or the hub is gone.
    pub async fn recv(&mut self) -> Option<Encoded> {
        if let Some(pending) = self.pending.as_mut() {
            // Left by `poll_next`; awaiting it in place keeps this
            // cancel-safe.
            let (frames, inner) = pending.as_mut().await;
            self.pending = None;
            self.inner = Some(inner);
            return frames;
        }
        self.inner.as_mut()?.recv().await
    }

    /// What to write after receiving `first`: `first` itself when nothing
    /// else is queued (no copy), else `first` and everything already
    /// queued, up to about `max` bytes, gathered into `batch`. A reader that
    /// fell behind then costs one write instead of one per event.
    pub fn gather<'a>(&mut self, first: &'a [u8], batch: &'a mut Vec<u8>, max: usize) -> &'a [u8] {
        let Some(next) = self.try_recv() else { return first };
        batch.clear();
        batch.extend_from_slice(first);
        batch.extend_from_slice(&next);
        while batch.len() < max {
            let Some(more) = self.try_recv() else { break };
            batch.extend_from_slice(&more);
        }
        batch
    }

    /// The next frames if they are already queued, without waiting; `None`
    /// when nothing is queued or the subscription ended (then
    /// [`recv`](Self::recv) returns `None` too). Lets a writer gather
    /// everything queued into one write when its reader fell behind.
    pub fn try_recv(&mut self) -> Option<Encoded> {
        if self.pending.is_some() {
            return None;
        }
        self.inner.as_mut()?.try_recv()
    }
}

impl Stream for Subscription {
    type Item = Encoded;
    fn poll_next(mut self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<Option<Encoded>> {
        let this = &mut *self;
        if this.pending.is_none() {
            let Some(mut inner) = this.inner.take() else { return Poll::Ready(None) };
            if inner.resume.is_none() {
                if let Some(backlog) = inner.backlog.take() {
                    this.inner = Some(inner);
                    return Poll::Ready(Some(backlog));
                }
            }
            this.pending = Some(Box::pin(async move {
                let frames = inner.recv().await;
                (frames, inner)
            }));
        }
        let pending = this.pending.as_mut().expect("set above");
        let (frames, inner) = std::task::ready!(pending.as_mut().poll(cx));
        this.pending = None;
        this.inner = Some(inner);
        Poll::Ready(frames)
    }
}
