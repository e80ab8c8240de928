use sse_core::FromSseEvent;

#[derive(FromSseEvent)]
enum Bad {
    Thing {
        #[sse(id)]
        id: u64,
        value: u8,
    },
}

fn main() {}
