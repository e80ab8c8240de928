use serde::Serialize;
use sse_core::SseEvent;

#[derive(Serialize, SseEvent)]
enum Bad {
    Alert {
        #[serde(rename = "type")]
        kind: String,
    },
}

fn main() {}
