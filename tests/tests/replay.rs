//! The replay ring against a model: whatever it keeps is the newest run of
//! what was pushed, within its byte and entry bounds, and `since` answers
//! exactly from that run.

use proptest::prelude::*;
use sse_core::{Frame, NotRetained, ReplayError, ReplayRing};

/// The model the `replay` fuzz target checks against, shared: the held
/// frames are the newest run of pushes within both bounds, and `since`
/// answers exactly from that run.
#[allow(dead_code)]
#[path = "../../fuzz/src/lib.rs"]
mod targets;

proptest! {
    #![proptest_config(ProptestConfig::with_cases(std::env::var("PROPTEST_CASES").ok().and_then(|v| v.parse().ok()).unwrap_or(2000)))]

    #[test]
    fn keeps_the_newest_run_within_bounds(
        capacity in 0usize..200,
        records in prop::collection::vec(("[0-9a-c]{0,3}", prop::collection::vec(any::<u8>(), 0..60)), 0..60),
    ) {
        let mut ring: ReplayRing<Vec<u8>, 5> = ReplayRing::new(vec![0; capacity]);
        let mut pushed: Vec<(String, Vec<u8>)> = Vec::new();
        for (id, frame) in records {
            let stores_nothing = id.is_empty() && frame.is_empty();
            match ring.push(&id, &frame) {
                Ok(()) if stores_nothing => {}
                Ok(()) => {
                    pushed.push((id, frame));
                    // The newest frame is always held right after its push.
                    prop_assert_eq!(ring.iter().last(), Some(&pushed.last().unwrap().1[..]));
                }
                Err(ReplayError::TooLarge { required, capacity: cap }) => {
                    prop_assert_eq!(required, id.len() + frame.len());
                    prop_assert!(required > cap);
                    // The frame cannot be kept, so nothing before it may be
                    // resumed from either: the ring is emptied.
                    prop_assert!(ring.is_empty());
                    for (old, _) in &pushed {
                        prop_assert_eq!(ring.since(old).err(), Some(NotRetained));
                    }
                    pushed.clear();
                }
                Err(e) => prop_assert!(false, "unexpected {e}"),
            }
            targets::check_ring(&ring, &pushed);
        }
    }
}

#[test]
fn push_frame_stores_the_encoded_bytes() {
    let mut ring: ReplayRing<[u8; 256], 4> = ReplayRing::new([0; 256]);
    let stored = ring.push_frame(&Frame::new().event("e").id("7").data("x\ny")).unwrap().to_vec();
    assert_eq!(stored, b"event: e\nid: 7\ndata: x\ndata: y\n\n");
    assert!(matches!(
        ring.push_frame(&Frame::new().id("a\nb").data("x")),
        Err(ReplayError::Invalid(_))
    ));
    assert_eq!(ring.len(), 1);
    // Entry-count bound: the fifth push evicts the first.
    for id in ["8", "9", "10", "11"] {
        ring.push_frame(&Frame::new().id(id).data("d")).unwrap();
    }
    assert_eq!(ring.len(), 4);
    assert_eq!(ring.since("7").err(), Some(NotRetained));
    assert_eq!(ring.since("8").unwrap().count(), 3);
    // An empty frame without id stores nothing.
    assert_eq!(ring.push_frame(&Frame::new()).unwrap(), b"");
    ring.push("", b"").unwrap();
    assert_eq!(ring.len(), 4);
    // A runtime entry limit below N.
    let mut two: ReplayRing<[u8; 256], 8> = ReplayRing::new([0; 256]).with_max_entries(2);
    for id in ["a", "b", "c"] {
        two.push(id, b"x").unwrap();
    }
    assert_eq!(two.len(), 2);
    assert_eq!(two.since("a").err(), Some(NotRetained));
    assert_eq!(
        ReplayRing::<[u8; 8], 4>::new([0; 8]).with_max_entries(0).push("1", b"x"),
        Err(ReplayError::NoEntries)
    );
    let empty: ReplayRing<[u8; 8], 0> = ReplayRing::new([0; 8]);
    assert!(empty.is_empty());
    let mut none: ReplayRing<[u8; 8], 0> = ReplayRing::new([0; 8]);
    assert_eq!(none.push("1", b"x"), Err(ReplayError::NoEntries));
}

#[test]
fn wrapping_keeps_order_and_evicts_oldest_first() {
    // 10-byte records in a 35-byte ring: three fit, the fourth wraps to
    // the start and must evict the oldest, never a newer one.
    let mut ring: ReplayRing<[u8; 35], 8> = ReplayRing::new([0; 35]);
    for i in 0..20u8 {
        let id = [b'a' + i];
        let id = std::str::from_utf8(&id).unwrap();
        ring.push(id, &[i; 9]).unwrap();
        let held: Vec<u8> = ring.iter().map(|f| f[0]).collect();
        let first = held[0];
        assert_eq!(held, (first..=i).collect::<Vec<_>>(), "after push {i}");
        assert!(held.len() >= 2 || i == 0, "after push {i}: {held:?}");
    }
}
