//! sse-tokio over real loopback sockets: writer to reader, a throttled
//! 1-byte reader, a connection cut mid-event, limits, keep-alive under
//! paused time, and the byte-stream decoder at every chunk size.

use std::collections::VecDeque;
use std::io;
use std::pin::Pin;
use std::task::{Context, Poll};
use std::time::Duration;

use futures_core::Stream;
use serde::{Deserialize, Serialize};
use sse_core::{Frame, FromSseEvent, ParseError, SseEvent};
use sse_tokio::{
    ByteStreamDecoder, EventReader, EventWriter, MessageEvent, ReadError, ReaderConfig, Tokio,
    TokioIo,
};
use tokio::io::{AsyncRead, AsyncReadExt, AsyncWriteExt, ReadBuf};
use tokio::net::{TcpListener, TcpStream};

#[derive(SseEvent, FromSseEvent, Serialize, Deserialize, Debug, PartialEq, Clone)]
struct Tick {
    message: String,
    timestamp: u64,
}

async fn pair() -> (TcpStream, TcpStream) {
    let listener = TcpListener::bind("127.0.0.1:0").await.unwrap();
    let addr = listener.local_addr().unwrap();
    let (client, server) = tokio::join!(TcpStream::connect(addr), listener.accept());
    (client.unwrap(), server.unwrap().0)
}

async fn serve_ticks(server: TcpStream, count: u64) {
    let mut writer = EventWriter::new(TokioIo::new(server));
    writer.send(&Frame::new().retry(1500)).await.unwrap();
    for i in 0..count {
        let id = i.to_string();
        if i % 10 == 0 {
            writer.comment("heartbeat\nwith two lines").await.unwrap();
        }
        writer.send(&Frame::new().id(&id)).await.unwrap();
        writer
            .send_event(&Tick { message: format!("tick {i}\u{e9}"), timestamp: 1_000 + i })
            .await
            .unwrap();
    }
}

async fn read_all<R: AsyncRead + Unpin>(reader: &mut EventReader<R>) -> Vec<MessageEvent> {
    let mut events = Vec::new();
    while let Some(event) = reader.next_event().await {
        events.push(event.unwrap());
    }
    events
}

fn check_ticks(events: &[MessageEvent], count: u64) {
    assert_eq!(events.len() as u64, count);
    for (i, event) in events.iter().enumerate() {
        let tick: Tick = event.decode().unwrap();
        assert_eq!(tick, Tick { message: format!("tick {i}\u{e9}"), timestamp: 1_000 + i as u64 });
        assert_eq!(event.id, i.to_string(), "the id from the id-only block carries over");
    }
}

#[tokio::test]
async fn writer_to_reader_over_tcp() {
    let (client, server) = pair().await;
    let serving = tokio::spawn(serve_ticks(server, 500));
    let mut reader = EventReader::new(TokioIo::new(client));
    let events = read_all(&mut reader).await;
    serving.await.unwrap();
    check_ticks(&events, 500);
    assert_eq!(reader.retry(), Some(1500));
    assert_eq!(reader.last_event_id(), "499");
}

/// Returns at most one byte per read.
struct Trickle<R>(R);

impl<R: AsyncRead + Unpin> AsyncRead for Trickle<R> {
    fn poll_read(
        mut self: Pin<&mut Self>,
        cx: &mut Context<'_>,
        buf: &mut ReadBuf<'_>,
    ) -> Poll<io::Result<()>> {
        let mut one = [0u8; 1];
        let mut small = ReadBuf::new(&mut one);
        match Pin::new(&mut self.0).poll_read(cx, &mut small) {
            Poll::Ready(Ok(())) => {
                buf.put_slice(small.filled());
                Poll::Ready(Ok(()))
            }
            other => other,
        }
    }
}

#[tokio::test]
async fn one_byte_reads_give_the_same_events() {
    let (client, server) = pair().await;
    let serving = tokio::spawn(serve_ticks(server, 50));
    let mut reader = EventReader::with_config(
        TokioIo::new(Trickle(client)),
        ReaderConfig::DEFAULT.with_read_buffer(3),
    );
    let events = read_all(&mut reader).await;
    serving.await.unwrap();
    check_ticks(&events, 50);
}

#[tokio::test]
async fn a_cut_connection_drops_only_the_partial_event() {
    let (client, mut server) = pair().await;
    server.write_all(b"id: 1\ndata: whole\n\nid: 2\ndata: half of it").await.unwrap();
    drop(server);
    let mut reader = EventReader::new(TokioIo::new(client));
    let events = read_all(&mut reader).await;
    assert_eq!(events.len(), 1);
    assert_eq!((events[0].data.as_str(), events[0].id.as_str()), ("whole", "1"));
    assert_eq!(reader.last_event_id(), "1", "a reconnect resumes after the last whole event");
    assert!(reader.next_event().await.is_none(), "the stream stays ended");
}

#[tokio::test]
async fn oversized_events_are_skipped_with_an_error() {
    let (client, mut server) = pair().await;
    let big = format!("data: {}\n\ndata: small\n\n", "x".repeat(10_000));
    let writing = tokio::spawn(async move {
        server.write_all(big.as_bytes()).await.unwrap();
    });
    let mut reader = EventReader::with_config(
        TokioIo::new(client),
        ReaderConfig::DEFAULT.with_max_event_bytes(1_000),
    );
    match reader.next_event().await {
        Some(Err(ReadError::Limit(ParseError::DataTooLarge { limit: 1_000 }))) => {}
        other => panic!("expected a limit error, got {other:?}"),
    }
    assert_eq!(reader.next_event().await.unwrap().unwrap().data, "small");
    writing.await.unwrap();
    assert!(reader.next_event().await.is_none());
}

/// A stream over a queue of results, standing in for an HTTP body.
struct Chunks(VecDeque<Result<Vec<u8>, io::Error>>);

impl Stream for Chunks {
    type Item = Result<Vec<u8>, io::Error>;
    fn poll_next(mut self: Pin<&mut Self>, _: &mut Context<'_>) -> Poll<Option<Self::Item>> {
        Poll::Ready(self.0.pop_front())
    }
}

#[tokio::test]
async fn byte_stream_decoder_at_every_chunk_size() {
    let body: &[u8] = b"\xEF\xBB\xBFevent: a\r\nid: 7\r\ndata: one\r\ndata: two\r\n\r\n: note\n\ndata: \xE2\x82\xAC\n\ndata: cut";
    for size in 1..=body.len() {
        let chunks = body.chunks(size).map(|c| Ok(c.to_vec())).collect();
        let mut decoder = ByteStreamDecoder::new(Chunks(chunks));
        let mut got = Vec::new();
        while let Some(event) = decoder.next_event().await {
            let event = event.unwrap();
            got.push((event.event_type, event.data, event.id));
        }
        assert_eq!(
            got,
            [
                ("a".to_owned(), "one\ntwo".to_owned(), "7".to_owned()),
                ("message".to_owned(), "\u{20AC}".to_owned(), "7".to_owned())
            ],
            "chunk size {size}"
        );
        assert_eq!(decoder.last_event_id(), "7");
    }
}

#[tokio::test]
async fn byte_stream_errors_end_the_stream() {
    let chunks = VecDeque::from([
        Ok(b"data: a\n\n".to_vec()),
        Err(io::Error::other("reset")),
        Ok(b"data: b\n\n".to_vec()),
    ]);
    let mut decoder = ByteStreamDecoder::new(Chunks(chunks));
    assert_eq!(decoder.next_event().await.unwrap().unwrap().data, "a");
    assert!(matches!(decoder.next_event().await, Some(Err(ReadError::Io(_)))));
    assert!(decoder.next_event().await.is_none());
}

/// Events from a channel, as a `Stream`.
struct Channel(tokio::sync::mpsc::Receiver<Tick>);

impl Stream for Channel {
    type Item = Tick;
    fn poll_next(mut self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<Option<Tick>> {
        self.0.poll_recv(cx)
    }
}

#[tokio::test(start_paused = true)]
async fn pump_sends_keep_alives_only_when_idle() {
    let (mut client, server) = tokio::io::duplex(4096);
    let (tx, rx) = tokio::sync::mpsc::channel(8);
    let pumping = tokio::spawn(async move {
        let mut writer =
            EventWriter::new(TokioIo::new(server)).with_keep_alive(Some(Duration::from_secs(15)));
        writer.pump(&Tokio, Channel(rx)).await
    });
    let tick = |i: u64| Tick { message: format!("m{i}"), timestamp: i };

    // Events every 10 s: no keep-alive in between.
    for i in 0..3 {
        tx.send(tick(i)).await.unwrap();
        tokio::time::sleep(Duration::from_secs(10)).await;
    }
    // The last event went out at 20 s; silence until 70 s brings keep-alives
    // at 35 s, 50 s and 65 s.
    tokio::time::sleep(Duration::from_secs(40)).await;
    drop(tx);
    pumping.await.unwrap().unwrap();

    let mut wire = String::new();
    client.read_to_string(&mut wire).await.unwrap();
    let frames: Vec<&str> = wire.split_inclusive('\n').filter(|l| *l != "\n").collect();
    assert_eq!(
        frames,
        [
            "data: {\"message\":\"m0\",\"timestamp\":0}\n",
            "data: {\"message\":\"m1\",\"timestamp\":1}\n",
            "data: {\"message\":\"m2\",\"timestamp\":2}\n",
            ":\n",
            ":\n",
            ":\n",
        ],
        "{wire:?}"
    );
}

#[tokio::test]
async fn invalid_frames_are_refused_before_writing() {
    let (mut client, server) = tokio::io::duplex(256);
    let mut writer = EventWriter::new(TokioIo::new(server));
    let err = writer.send(&Frame::new().id("1\ndata: forged").data("x")).await.unwrap_err();
    assert!(matches!(err, sse_tokio::SendError::Frame(_)), "{err}");
    writer.send(&Frame::new().data("ok")).await.unwrap();
    drop(writer);
    let mut wire = Vec::new();
    client.read_to_end(&mut wire).await.unwrap();
    assert_eq!(wire, b"data: ok\n\n");
}
