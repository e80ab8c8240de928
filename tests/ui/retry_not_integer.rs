use sse_core::SseEvent;

#[derive(SseEvent)]
struct Bad {
    #[sse(retry)]
    retry: String,
    #[sse(data)]
    data: String,
}

fn main() {}
