use sse_core::SseEvent;

#[derive(SseEvent)]
enum Bad {
    Thing {
        #[sse(retry)]
        retry: String,
        #[sse(data)]
        data: String,
    },
}

fn main() {}
