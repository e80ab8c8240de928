use sse_core::SseEvent;

#[derive(SseEvent)]
struct Bad {
    #[sse(data)]
    data: String,
    forgotten: u32,
}

fn main() {}
