use sse_core::SseEvent;

#[derive(SseEvent)]
enum Bad {
    Thing {
        #[sse(event)]
        kind: String,
        #[sse(data)]
        data: String,
    },
}

fn main() {}
