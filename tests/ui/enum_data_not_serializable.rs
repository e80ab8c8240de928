use sse_core::{FromSseEvent, SseEvent};

struct NotSerde;

#[derive(SseEvent)]
enum Bad {
    Thing(NotSerde),
}

#[derive(FromSseEvent)]
enum AlsoBad {
    Thing { id: u8, value: NotSerde },
}

fn main() {}
