use sse_core::SseEvent;

#[derive(SseEvent)]
enum Bad {
    Nothing(),
}

fn main() {}
