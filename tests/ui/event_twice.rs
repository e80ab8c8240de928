use sse_core::SseEvent;

#[derive(SseEvent)]
#[sse(event = "tick")]
struct Bad {
    #[sse(event)]
    kind: String,
    #[sse(data)]
    data: String,
}

fn main() {}
