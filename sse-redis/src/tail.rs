//! The tail: reads new entries with `XREAD BLOCK` on a connection of its
//! own, reconnecting with backoff (never a busy loop), and reports a gap
//! when its position was lost while it was away.
//!
//! It is a stream the hub's [`Tail`](sse_hub::Tail) polls itself, not a
//! task of its own: an entry goes from the Redis reply to the subscribers
//! without another hop through a channel and a scheduler. Dropping it (the
//! hub went) cancels the read in flight.

use std::collections::VecDeque;
use std::pin::Pin;
use std::task::{Context, Poll};
use std::time::Duration;

use futures_core::Stream;
use redis::aio::MultiplexedConnection;
use redis::Value;
use sse_hub::{BoxFuture, BoxStream, StreamId, TailItem};

use crate::{reply, RedisBackend};

/// Entries read per `XREAD`.
const READ_COUNT: usize = 512;

pub(crate) fn stream(backend: RedisBackend, after: StreamId) -> BoxStream<'static, TailItem> {
    let delay = backend.config().retry_min;
    let position = Position { backend, cursor: after, conn: None, check: false, delay };
    Box::pin(RedisTail { ready: VecDeque::new(), step: Box::pin(position.step()) })
}

/// Where the tail is, carried from one step to the next.
struct Position {
    backend: RedisBackend,
    /// The newest id read.
    cursor: StreamId,
    /// The tail's connection, `None` after a failure.
    conn: Option<MultiplexedConnection>,
    /// After a failure the position is checked before reading on: if it is
    /// gone (trimmed past, or Redis restarted without it), entries may have
    /// been missed.
    check: bool,
    /// The next wait after a failure.
    delay: Duration,
}

impl Position {
    /// One step: connect, check the position or read; the items it found.
    async fn step(mut self) -> (Self, Vec<TailItem>) {
        let mut items = Vec::new();
        match self.try_step(&mut items).await {
            Ok(()) => self.delay = self.backend.config().retry_min,
            Err(()) => {
                // Reconnect after a pause, then check the position.
                self.conn = None;
                self.check = true;
                tokio::time::sleep(self.delay).await;
                self.delay = (self.delay * 2).min(self.backend.config().retry_max);
            }
        }
        (self, items)
    }

    async fn try_step(&mut self, items: &mut Vec<TailItem>) -> Result<(), ()> {
        let config = self.backend.config();
        let conn = match &mut self.conn {
            Some(conn) => conn,
            None => {
                let settings =
                    self.backend.connection_config(config.block + config.command_timeout);
                let client = &self.backend.inner.client;
                let conn = client.get_multiplexed_async_connection_with_config(&settings).await;
                self.conn.insert(conn.map_err(drop)?)
            }
        };
        if self.check {
            if self.cursor != StreamId::default() {
                let mut cmd = redis::cmd("XRANGE");
                let at = self.cursor.text();
                cmd.arg(&config.stream).arg(at.as_str()).arg(at.as_str());
                let reply = cmd.query_async::<Value>(conn).await.map_err(drop)?;
                if reply::range(&reply).map_err(drop)?.is_empty() {
                    items.push(TailItem::Gap);
                }
            }
            self.check = false;
        }
        let mut cmd = redis::cmd("XREAD");
        cmd.arg("COUNT").arg(READ_COUNT);
        cmd.arg("BLOCK").arg(u64::try_from(config.block.as_millis()).unwrap_or(u64::MAX));
        cmd.arg("STREAMS").arg(&config.stream).arg(self.cursor.text().as_str());
        let reply = cmd.query_async::<Value>(conn).await.map_err(drop)?;
        for (id, entry) in reply::read(&reply).map_err(drop)? {
            if id <= self.cursor {
                continue;
            }
            self.cursor = id;
            items.extend(entry.map(TailItem::Entry));
        }
        Ok(())
    }
}

struct RedisTail {
    /// Items found by the last step, not yet taken.
    ready: VecDeque<TailItem>,
    step: BoxFuture<'static, (Position, Vec<TailItem>)>,
}

impl Stream for RedisTail {
    type Item = TailItem;

    fn poll_next(mut self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<Option<TailItem>> {
        loop {
            if let Some(item) = self.ready.pop_front() {
                return Poll::Ready(Some(item));
            }
            let Poll::Ready((position, items)) = self.step.as_mut().poll(cx) else {
                return Poll::Pending;
            };
            self.ready.extend(items);
            self.step = Box::pin(position.step());
        }
    }
}
