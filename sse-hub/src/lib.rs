//! A broadcast hub for Server-Sent Events, shared by every runtime adapter
//! (sse-tokio, sse-async-std): each event is encoded once and the same
//! bytes go to every subscriber; a subscriber with a `Last-Event-ID`
//! resumes from the log with no gap and no duplicate, or is told with a
//! `reset` event that its id is gone; a subscriber that falls more than its
//! queue behind is dropped and never stalls the publisher.
//!
//! The log is the hub's own replay ring by default. Behind the [`Backend`]
//! seam it can instead be shared by many instances (Redis Streams with
//! `sse-redis`): each instance tails it and fans out locally, and a client
//! resumes on any instance.
//!
//! It needs no runtime: publishing to an own log is synchronous, and a
//! [`Subscription`] is a future/`Stream` any executor can poll.
#![forbid(unsafe_code)]
#![deny(missing_docs)]

mod backend;
mod hub;
mod id;

pub use backend::{
    Backend, BackendError, BoxFuture, BoxStream, Entry, MemoryLog, Replay, TailItem,
};
pub use hub::{
    Encoded, Hub, HubConfig, Publish, PublishError, Subscription, Tail, DEFAULT_QUEUE_FRAMES,
    DEFAULT_REPLAY_BYTES, DEFAULT_REPLAY_EVENTS, DEFAULT_RESET_EVENT, MAX_REPLAY_EVENTS,
};
pub use id::{EventId, NotAStreamId, StreamId, StreamIdText, MAX_STREAM_ID_LEN};
