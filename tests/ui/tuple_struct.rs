use sse_core::SseEvent;

#[derive(SseEvent)]
struct Bad(String);

fn main() {}
