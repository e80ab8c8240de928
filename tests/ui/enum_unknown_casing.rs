use sse_core::SseEvent;

#[derive(SseEvent)]
#[sse(rename_all = "Title Case")]
enum Bad {
    A,
}

fn main() {}
