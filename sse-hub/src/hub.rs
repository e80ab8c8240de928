//! A broadcast hub: publish once, fan the same bytes out to every
//! subscriber, replay missed events on resume.

use std::fmt;
use std::future::Future;
use std::pin::Pin;
use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::{Arc, Mutex, MutexGuard};
use std::task::{Context, Poll};

use futures_core::Stream;
use sse_core::{Frame, ReplayError, ReplayRing, SseEvent, TypedError};
use tokio::sync::broadcast;

use sse_core::typed::with_frame;

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
}

impl fmt::Display for PublishError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Self::Typed(e) => write!(f, "cannot encode event: {e}"),
        }
    }
}

impl std::error::Error for PublishError {}

/// One or more frames, encoded once and shared by every subscriber (the
/// bytes that go on the wire as they are).
pub type Encoded = Arc<[u8]>;

struct State {
    ring: ReplayRing<Vec<u8>, MAX_REPLAY_EVENTS>,
    /// One shared queue for all subscribers: publishing is one push and one
    /// wake-up pass, whatever the subscriber count.
    live: broadcast::Sender<Encoded>,
    scratch: Vec<u8>,
}

struct Shared {
    state: Mutex<State>,
    config: HubConfig,
    dropped: AtomicU64,
    published: AtomicU64,
}

/// Fans events out to subscribers. Clone it freely: clones share one hub.
///
/// ```
/// # #[tokio::main(flavor = "current_thread")]
/// # async fn main() {
/// use sse_core::Frame;
/// use sse_hub::{Hub, HubConfig};
///
/// let hub = Hub::new(HubConfig::default());
/// hub.publish(&Frame::new().id("1").data("a")).unwrap();
/// let mut late = hub.subscribe(Some("1"));          // resumes after id 1
/// hub.publish(&Frame::new().id("2").data("b")).unwrap();
/// assert_eq!(&*late.recv().await.unwrap(), b"id: 2\ndata: b\n\n");
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
            .finish()
    }
}

impl Hub {
    /// A hub with no subscribers and an empty replay ring.
    pub fn new(config: HubConfig) -> Self {
        let ring =
            ReplayRing::new(vec![0; config.replay_bytes]).with_max_entries(config.replay_events);
        let (live, _) = broadcast::channel(config.queue_frames.max(1));
        let state = State { ring, live, scratch: vec![0; 1024] };
        Self {
            shared: Arc::new(Shared {
                state: Mutex::new(state),
                config,
                dropped: AtomicU64::new(0),
                published: AtomicU64::new(0),
            }),
        }
    }

    fn lock(&self) -> MutexGuard<'_, State> {
        // A panic while holding the lock cannot leave the state torn (every
        // update is a single push or retain), so a poisoned lock is usable.
        self.shared.state.lock().unwrap_or_else(|poisoned| poisoned.into_inner())
    }

    /// Encodes `frame` once, keeps it for replay (under its id, if any),
    /// and queues the same bytes to every subscriber. A subscriber whose
    /// queue is full is disconnected, so it never delays the others.
    ///
    /// # Errors
    ///
    /// [`PublishError::Typed`] for a frame that would inject fields.
    pub fn publish(&self, frame: &Frame<'_>) -> Result<(), PublishError> {
        self.publish_locked(&mut self.lock(), frame)
    }

    /// Encodes a typed event and publishes it (see [`publish`](Self::publish)).
    ///
    /// # Errors
    ///
    /// [`PublishError::Typed`] if the event cannot be encoded.
    pub fn publish_event<T: SseEvent + ?Sized>(&self, event: &T) -> Result<(), PublishError> {
        let mut state = self.lock();
        let mut scratch = std::mem::take(&mut state.scratch);
        let result =
            with_frame(event, &mut scratch, |frame| self.publish_locked(&mut state, frame));
        state.scratch = scratch;
        result.map_err(PublishError::Typed)?
    }

    fn publish_locked(&self, state: &mut State, frame: &Frame<'_>) -> Result<(), PublishError> {
        let invalid = |e| PublishError::Typed(TypedError::Frame(e));
        let bytes: Encoded = match state.ring.push_frame(frame) {
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
        self.shared.published.fetch_add(1, Ordering::Relaxed);
        // No receivers is not an error: the frame is kept for replay.
        let _ = state.live.send(bytes);
        Ok(())
    }

    /// A new subscriber. With `last_event_id`, it first receives the
    /// retained events after that id, then live events, with no gap and no
    /// duplicate; if the id is not retained it first receives a `reset`
    /// event (type per [`HubConfig::reset_event`]) so it knows it missed
    /// some.
    pub fn subscribe(&self, last_event_id: Option<&str>) -> Subscription {
        // Under the lock that publishing holds too: the backlog and the live
        // queue meet exactly, with no gap and no duplicate.
        let state = self.lock();
        let mut backlog = None;
        if let Some(id) = last_event_id.filter(|id| !id.is_empty()) {
            let bytes: Vec<u8> = match state.ring.since(id) {
                Ok(frames) => frames.flat_map(|f| f.iter().copied()).collect(),
                Err(_) => {
                    let mut out = Vec::new();
                    let reset = Frame::new().event(&self.shared.config.reset_event).data(id);
                    if reset.write_to(&mut out).is_err() {
                        out.clear();
                        let _ = Frame::new().event(DEFAULT_RESET_EVENT).data("").write_to(&mut out);
                    }
                    out
                }
            };
            if !bytes.is_empty() {
                backlog = Some(Arc::from(bytes));
            }
        }
        let live = state.live.subscribe();
        drop(state);
        Subscription { backlog, live: Some(live), shared: Arc::clone(&self.shared), pending: None }
    }

    /// Ends every current subscription once it has received what was
    /// already published: their clients reconnect with their last id and
    /// resume from the replay ring, nothing lost. New subscriptions are
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
    /// hub.publish(&Frame::new().id("1").data("a")).unwrap();
    /// hub.disconnect_all();
    /// assert_eq!(&*sub.recv().await.unwrap(), b"id: 1\ndata: a\n\n");
    /// assert!(sub.recv().await.is_none(), "then it ends");
    /// assert_eq!(hub.subscriber_count(), 0);
    /// # }
    /// ```
    pub fn disconnect_all(&self) {
        let mut state = self.lock();
        // Dropping the only sender closes the old channel: its receivers
        // drain what is queued, then end.
        state.live = broadcast::channel(self.shared.config.queue_frames.max(1)).0;
    }

    /// Subscribers connected now.
    pub fn subscriber_count(&self) -> usize {
        self.lock().live.receiver_count()
    }

    /// Subscribers disconnected so far for falling more than the queue
    /// behind.
    pub fn dropped_count(&self) -> u64 {
        self.shared.dropped.load(Ordering::Relaxed)
    }

    /// Events published so far.
    pub fn published_count(&self) -> u64 {
        self.shared.published.load(Ordering::Relaxed)
    }
}

/// One subscriber's view of the hub: its backlog, then live frames, ready
/// to write as they are.
///
/// # Cancel safety
///
/// [`recv`](Self::recv) is cancel-safe.
pub struct Subscription {
    backlog: Option<Encoded>,
    live: Option<broadcast::Receiver<Encoded>>,
    shared: Arc<Shared>,
    /// The receive in flight when used as a `Stream`.
    pending: Option<PendingReceive>,
}

impl fmt::Debug for Subscription {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("Subscription")
            .field("ended", &(self.live.is_none() && self.pending.is_none()))
            .finish()
    }
}

/// A receive that owns the receiver, so `poll_next` can keep it across polls.
type PendingReceive =
    Pin<Box<dyn Future<Output = (Option<Encoded>, broadcast::Receiver<Encoded>)> + Send>>;

/// One receive: `None` ends the subscription (fell behind, or the hub is
/// gone); falling behind counts as dropped.
async fn receive(
    mut live: broadcast::Receiver<Encoded>,
    shared: Arc<Shared>,
) -> (Option<Encoded>, broadcast::Receiver<Encoded>) {
    match live.recv().await {
        Ok(frames) => (Some(frames), live),
        Err(broadcast::error::RecvError::Lagged(_)) => {
            shared.dropped.fetch_add(1, Ordering::Relaxed);
            (None, live)
        }
        Err(broadcast::error::RecvError::Closed) => (None, live),
    }
}

impl Subscription {
    /// The next frames; `None` once this subscriber fell more than the
    /// queue behind (it should reconnect with its last id) or the hub is
    /// gone.
    pub async fn recv(&mut self) -> Option<Encoded> {
        if let Some(backlog) = self.backlog.take() {
            return Some(backlog);
        }
        if let Some(pending) = self.pending.as_mut() {
            // Left by `poll_next`; awaiting it in place keeps this
            // cancel-safe.
            let (frames, live) = pending.as_mut().await;
            self.pending = None;
            self.live = frames.is_some().then_some(live);
            return frames;
        }
        let live = self.live.as_mut()?;
        // `broadcast::Receiver::recv` is cancel-safe.
        match live.recv().await {
            Ok(frames) => Some(frames),
            Err(e) => {
                if let broadcast::error::RecvError::Lagged(_) = e {
                    self.shared.dropped.fetch_add(1, Ordering::Relaxed);
                }
                self.live = None;
                None
            }
        }
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
        if let Some(backlog) = self.backlog.take() {
            return Some(backlog);
        }
        if self.pending.is_some() {
            return None;
        }
        let live = self.live.as_mut()?;
        match live.try_recv() {
            Ok(frames) => Some(frames),
            Err(broadcast::error::TryRecvError::Empty) => None,
            Err(e) => {
                if let broadcast::error::TryRecvError::Lagged(_) = e {
                    self.shared.dropped.fetch_add(1, Ordering::Relaxed);
                }
                self.live = None;
                None
            }
        }
    }
}

impl Stream for Subscription {
    type Item = Encoded;
    fn poll_next(mut self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<Option<Encoded>> {
        let this = &mut *self;
        if let Some(backlog) = this.backlog.take() {
            return Poll::Ready(Some(backlog));
        }
        if this.pending.is_none() {
            let Some(live) = this.live.take() else { return Poll::Ready(None) };
            this.pending = Some(Box::pin(receive(live, Arc::clone(&this.shared))));
        }
        let pending = this.pending.as_mut().expect("set above");
        let (frames, live) = std::task::ready!(pending.as_mut().poll(cx));
        this.pending = None;
        this.live = frames.is_some().then_some(live);
        Poll::Ready(frames)
    }
}
