//! A broadcast hub for Server-Sent Events, shared by every runtime adapter
//! (sse-tokio, sse-async-std): each event is encoded once and the same
//! bytes go to every subscriber; a subscriber with a `Last-Event-ID`
//! resumes from the core's replay ring with no gap and no duplicate; a
//! subscriber that falls more than its queue behind is dropped and never
//! stalls the publisher.
//!
//! It needs no runtime: publishing is synchronous, and a [`Subscription`]
//! is a future/`Stream` any executor can poll.
#![forbid(unsafe_code)]
#![deny(missing_docs)]

mod hub;

pub use hub::{
    Encoded, Hub, HubConfig, PublishError, Subscription, DEFAULT_QUEUE_FRAMES,
    DEFAULT_REPLAY_BYTES, DEFAULT_REPLAY_EVENTS, DEFAULT_RESET_EVENT, MAX_REPLAY_EVENTS,
};
