use sse_core::SseEvent;

#[derive(SseEvent)]
enum Bad {
    A,
}

fn main() {}
