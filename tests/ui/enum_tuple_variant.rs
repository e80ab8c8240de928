use sse_core::SseEvent;

#[derive(SseEvent)]
enum Bad {
    Pair(u8, u8),
}

fn main() {}
