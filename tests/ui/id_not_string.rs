use sse_core::SseEvent;

#[derive(SseEvent)]
struct Bad {
    #[sse(id)]
    id: u32,
    #[sse(data)]
    data: String,
}

fn main() {}
