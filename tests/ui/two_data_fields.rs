use sse_core::SseEvent;

#[derive(SseEvent)]
struct Bad {
    #[sse(data)]
    a: String,
    #[sse(data)]
    b: String,
}

fn main() {}
