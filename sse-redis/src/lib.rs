//! A Redis Streams log for [`sse_hub`]: many server instances share one
//! stream of events, each instance fans them out to its own clients, and a
//! client cut from one instance resumes on any other with `Last-Event-ID`,
//! with nothing lost or repeated.
//!
//! - Publishing is `XADD` (Redis assigns the id, `<ms>-<seq>`, which is the
//!   SSE id as it is); the stream is capped with `MAXLEN ~`.
//! - Each instance runs one tail (`XREAD BLOCK` on its own connection, so a
//!   blocking read never delays a publish) and encodes each entry once for
//!   all its subscribers.
//! - Resuming reads `XRANGE` from the client's id, inclusive: the id must
//!   come back first (an exact presence check), so an id Redis trimmed, or
//!   lost in a restart, is answered with the hub's `reset` event rather
//!   than "whatever is left".
//!
//! ```no_run
//! # #[tokio::main]
//! # async fn main() -> Result<(), Box<dyn std::error::Error>> {
//! use sse_core::Frame;
//! use sse_hub::HubConfig;
//! use sse_redis::{RedisBackend, RedisConfig};
//!
//! let config = RedisConfig { stream: "events".into(), ..RedisConfig::default() };
//! let backend = RedisBackend::new("redis://127.0.0.1:6379/", config)?;
//! let hub = backend.hub(HubConfig::default()).await?; // spawns the tail on tokio
//! let id = hub.publish(&Frame::new().data("hello")).await?;
//! println!("published as {id}");
//! # Ok(())
//! # }
//! ```
#![forbid(unsafe_code)]
#![deny(missing_docs)]

mod reply;
mod tail;

use std::fmt;
use std::sync::Arc;
use std::time::Duration;

use redis::aio::MultiplexedConnection;
use redis::{AsyncConnectionConfig, Client, Value};
use sse_hub::{
    Backend, BackendError, BoxFuture, BoxStream, Hub, HubConfig, Replay, StreamId, TailItem,
};

use reply::BODY_FIELD;

/// Redis settings.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct RedisConfig {
    /// The stream's key.
    pub stream: String,
    /// Entries kept, roughly (`XADD … MAXLEN ~`): Redis trims whole nodes,
    /// so a few more may stay. A client further behind gets `reset`.
    pub max_len: usize,
    /// The longest a command (publish, replay) or a connection attempt may
    /// take before it fails.
    pub command_timeout: Duration,
    /// How long one tail read blocks waiting for entries.
    pub block: Duration,
    /// First wait before reconnecting the tail after a failure; doubles up
    /// to [`retry_max`](Self::retry_max).
    pub retry_min: Duration,
    /// Longest wait between reconnection attempts.
    pub retry_max: Duration,
}

impl Default for RedisConfig {
    fn default() -> Self {
        Self {
            stream: "sse:events".to_owned(),
            max_len: 10_000,
            command_timeout: Duration::from_secs(2),
            block: Duration::from_secs(5),
            retry_min: Duration::from_millis(100),
            retry_max: Duration::from_secs(2),
        }
    }
}

/// A Redis stream as a hub's shared log. Cheap to clone.
#[derive(Clone)]
pub struct RedisBackend {
    inner: Arc<Inner>,
}

struct Inner {
    client: Client,
    config: RedisConfig,
    /// The connection for publishing and replaying, made on first use and
    /// again after a failure.
    commands: tokio::sync::Mutex<Option<MultiplexedConnection>>,
}

impl fmt::Debug for RedisBackend {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        // Not the URL: it may hold a password.
        f.debug_struct("RedisBackend").field("stream", &self.inner.config.stream).finish()
    }
}

fn backend_error(e: impl Into<Box<dyn std::error::Error + Send + Sync>>) -> BackendError {
    BackendError::new(e)
}

impl RedisBackend {
    /// A backend for the Redis at `url` (`redis://[user:password@]host[:port][/db]`
    /// or `redis+unix:///path`). Nothing is connected yet.
    ///
    /// # Errors
    ///
    /// If `url` is not a Redis URL.
    pub fn new(url: &str, config: RedisConfig) -> Result<Self, BackendError> {
        let client = Client::open(url).map_err(backend_error)?;
        let commands = tokio::sync::Mutex::new(None);
        Ok(Self { inner: Arc::new(Inner { client, config, commands }) })
    }

    /// A hub on this stream, its tail spawned on the current tokio runtime
    /// (it stops when the hub is dropped).
    ///
    /// # Errors
    ///
    /// If Redis cannot be reached to find where the tail starts.
    pub async fn hub(&self, config: HubConfig) -> Result<Hub, BackendError> {
        let (hub, tail) = Hub::with_backend(config, Arc::new(self.clone())).await?;
        tokio::spawn(tail);
        Ok(hub)
    }

    /// The settings.
    pub fn config(&self) -> &RedisConfig {
        &self.inner.config
    }

    fn connection_config(&self, response: Duration) -> AsyncConnectionConfig {
        AsyncConnectionConfig::new()
            .set_connection_timeout(Some(self.inner.config.command_timeout))
            .set_response_timeout(Some(response))
    }

    /// Runs one command on the shared connection, reconnecting first if
    /// the last one failed.
    async fn query(&self, cmd: &redis::Cmd) -> Result<Value, BackendError> {
        let mut slot = self.inner.commands.lock().await;
        let mut conn = match slot.as_ref() {
            Some(conn) => conn.clone(),
            None => {
                let config = self.connection_config(self.inner.config.command_timeout);
                let conn = self
                    .inner
                    .client
                    .get_multiplexed_async_connection_with_config(&config)
                    .await
                    .map_err(backend_error)?;
                slot.insert(conn).clone()
            }
        };
        drop(slot);
        match cmd.query_async::<Value>(&mut conn).await {
            Ok(value) => Ok(value),
            Err(e) => {
                if e.is_io_error()
                    || e.is_timeout()
                    || e.is_connection_dropped()
                    || e.is_unrecoverable_error()
                {
                    *self.inner.commands.lock().await = None;
                }
                Err(backend_error(e))
            }
        }
    }

    async fn append_body(&self, body: Vec<u8>) -> Result<StreamId, BackendError> {
        let mut cmd = redis::cmd("XADD");
        cmd.arg(&self.inner.config.stream).arg("MAXLEN").arg("~").arg(self.inner.config.max_len);
        cmd.arg("*").arg(BODY_FIELD).arg(body);
        let reply = self.query(&cmd).await?;
        reply::id(&reply).map_err(backend_error)
    }

    async fn replay_after(&self, after: StreamId, max: usize) -> Result<Replay, BackendError> {
        // From `after` inclusive: it must come back first, or it is gone.
        let mut cmd = redis::cmd("XRANGE");
        cmd.arg(&self.inner.config.stream).arg(after.text().as_str()).arg("+");
        cmd.arg("COUNT").arg(max.saturating_add(2));
        let reply = self.query(&cmd).await?;
        let entries = reply::range(&reply).map_err(backend_error)?;
        let mut entries = entries.into_iter();
        match entries.next() {
            Some((first, _)) if first == after => {}
            _ => return Ok(Replay::NotRetained),
        }
        let entries: Vec<_> = entries.collect();
        if entries.len() > max {
            return Ok(Replay::NotRetained);
        }
        Ok(Replay::After(entries.into_iter().filter_map(|(_, entry)| entry).collect()))
    }

    async fn newest(&self) -> Result<StreamId, BackendError> {
        let mut cmd = redis::cmd("XREVRANGE");
        cmd.arg(&self.inner.config.stream).arg("+").arg("-").arg("COUNT").arg(1);
        let reply = self.query(&cmd).await?;
        let entries = reply::range(&reply).map_err(backend_error)?;
        Ok(entries.first().map_or(StreamId::default(), |(id, _)| *id))
    }
}

impl Backend for RedisBackend {
    fn append(&self, body: Vec<u8>) -> BoxFuture<'_, Result<StreamId, BackendError>> {
        Box::pin(self.append_body(body))
    }

    fn replay(&self, id: StreamId, max: usize) -> BoxFuture<'_, Result<Replay, BackendError>> {
        Box::pin(self.replay_after(id, max))
    }

    fn last_id(&self) -> BoxFuture<'_, Result<StreamId, BackendError>> {
        Box::pin(self.newest())
    }

    fn tail(&self, after: StreamId) -> BoxStream<'static, TailItem> {
        tail::stream(self.clone(), after)
    }
}
