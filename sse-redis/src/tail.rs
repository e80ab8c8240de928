//! The tail: one task per hub reading new entries with `XREAD BLOCK` on a
//! connection of its own, reconnecting with backoff (never a busy loop),
//! and reporting a gap when its position was lost while it was away.

use std::pin::Pin;
use std::task::{Context, Poll};
use std::time::Duration;

use futures_core::Stream;
use redis::Value;
use sse_hub::{BoxStream, StreamId, TailItem};
use tokio::sync::mpsc;

use crate::{reply, RedisBackend};

/// Entries read per `XREAD`.
const READ_COUNT: usize = 512;

/// Entries the tail may read ahead of the hub.
const QUEUE: usize = 1024;

pub(crate) fn spawn(backend: RedisBackend, after: StreamId) -> BoxStream<'static, TailItem> {
    let (tx, rx) = mpsc::channel(QUEUE);
    tokio::spawn(run(backend, after, tx));
    Box::pin(Receiver(rx))
}

struct Receiver(mpsc::Receiver<TailItem>);

impl Stream for Receiver {
    type Item = TailItem;
    fn poll_next(mut self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<Option<TailItem>> {
        self.0.poll_recv(cx)
    }
}

/// Waits `delay` unless the hub goes first; `false` if it went.
async fn pause(tx: &mpsc::Sender<TailItem>, delay: Duration) -> bool {
    tokio::select! {
        () = tx.closed() => false,
        () = tokio::time::sleep(delay) => true,
    }
}

async fn run(backend: RedisBackend, mut cursor: StreamId, tx: mpsc::Sender<TailItem>) {
    let config = backend.config().clone();
    let mut delay = config.retry_min;
    // After a failure, the position is checked before reading on: if it is
    // gone (trimmed past, or Redis restarted without it), entries may have
    // been missed.
    let mut check = false;
    loop {
        let response = config.block + config.command_timeout;
        let settings = backend.connection_config(response);
        let connect = backend.inner.client.get_multiplexed_async_connection_with_config(&settings);
        let connected = tokio::select! {
            () = tx.closed() => return,
            connected = connect => connected,
        };
        let Ok(mut conn) = connected else {
            if !pause(&tx, delay).await {
                return;
            }
            delay = (delay * 2).min(config.retry_max);
            check = true;
            continue;
        };
        if check && cursor != StreamId::default() {
            let mut cmd = redis::cmd("XRANGE");
            let at = cursor.text();
            cmd.arg(&config.stream).arg(at.as_str()).arg(at.as_str());
            let present = tokio::select! {
                () = tx.closed() => return,
                reply = cmd.query_async::<Value>(&mut conn) => reply,
            };
            match present.map(|reply| reply::range(&reply).map(|e| e.is_empty())) {
                Ok(Ok(true)) => {
                    if tx.send(TailItem::Gap).await.is_err() {
                        return;
                    }
                }
                Ok(Ok(false)) => {}
                _ => {
                    if !pause(&tx, delay).await {
                        return;
                    }
                    delay = (delay * 2).min(config.retry_max);
                    continue;
                }
            }
        }
        loop {
            let mut cmd = redis::cmd("XREAD");
            cmd.arg("COUNT").arg(READ_COUNT);
            cmd.arg("BLOCK").arg(u64::try_from(config.block.as_millis()).unwrap_or(u64::MAX));
            cmd.arg("STREAMS").arg(&config.stream).arg(cursor.text().as_str());
            let read = tokio::select! {
                () = tx.closed() => return,
                read = cmd.query_async::<Value>(&mut conn) => read,
            };
            let Ok(Ok(entries)) = read.map(|reply| reply::read(&reply)) else { break };
            delay = config.retry_min;
            for (id, entry) in entries {
                if id <= cursor {
                    continue;
                }
                cursor = id;
                if let Some(entry) = entry {
                    if tx.send(TailItem::Entry(entry)).await.is_err() {
                        return;
                    }
                }
            }
        }
        // The read failed: reconnect after a pause, then check the position.
        if !pause(&tx, delay).await {
            return;
        }
        delay = (delay * 2).min(config.retry_max);
        check = true;
    }
}
