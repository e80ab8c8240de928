use sse_core::SseEvent;

#[derive(SseEvent)]
#[sse(event = "update")]
enum Bad {
    A,
}

fn main() {}
