use sse_core::FromSseEvent;

#[derive(FromSseEvent)]
enum Bad {
    Known,
    #[sse(other)]
    Unknown {
        #[sse(data)]
        data: String,
    },
}

fn main() {}
