use sse_core::SseEvent;

#[derive(SseEvent)]
struct Bad {
    #[sse(payload)]
    a: String,
}

fn main() {}
