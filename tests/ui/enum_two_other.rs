use sse_core::FromSseEvent;

#[derive(FromSseEvent)]
enum Bad {
    Known,
    #[sse(other)]
    Unknown,
    #[sse(other)]
    AlsoUnknown,
}

fn main() {}
