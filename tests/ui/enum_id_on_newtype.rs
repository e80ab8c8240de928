use sse_core::SseEvent;

#[derive(SseEvent)]
enum Bad {
    Thing(#[sse(id)] String),
}

fn main() {}
