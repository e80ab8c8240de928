use sse_core::SseEvent;

#[derive(SseEvent)]
#[sse(rename_all = "snake_case")]
enum Bad {
    MessageStop,
    #[sse(event = "message_stop")]
    Stop,
}

fn main() {}
