use sse_core::SseEvent;

#[derive(SseEvent, serde::Serialize)]
struct Bad {
    shown: u32,
    #[sse(skip)]
    secret: u32,
}

fn main() {}
