//! Finding line ends. Many values are a few bytes (counters, ids, event
//! types), where the set-up cost of a SIMD search outweighs the search
//! itself, so the first word is checked on its own (SWAR) and the rest goes
//! to `memchr2`. One word, not more: checking 32 bytes word-wise first cost
//! about 70 instructions on every 180-byte JSON line for nothing
//! (callgrind, `hot_llm_tokens`: 711 instructions per event with 32, 640
//! with 8; `hot_crlf_small` 675 and 665; see BENCHMARKS.md).

use memchr::memchr2;

/// Bytes checked word-wise before handing over to `memchr2`: one word.
const SHORT: usize = 8;
const ONES: u64 = u64::from_ne_bytes([0x01; 8]);
const HIGHS: u64 = u64::from_ne_bytes([0x80; 8]);

/// High bit set in each byte of `word` that equals `byte` (and possibly in
/// bytes above the first match, which callers never look at).
#[cfg_attr(not(feature = "small"), inline(always))]
fn matches(word: u64, byte: u8) -> u64 {
    let x = word ^ (ONES * u64::from(byte));
    x.wrapping_sub(ONES) & !x & HIGHS
}

/// Position of the first CR or LF in `hay`.
#[cfg_attr(not(feature = "small"), inline(always))]
pub(crate) fn find_eol(hay: &[u8]) -> Option<usize> {
    let mut at = 0;
    while at + 8 <= hay.len().min(SHORT) {
        let mut word = [0u8; 8];
        word.copy_from_slice(&hay[at..at + 8]);
        let word = u64::from_le_bytes(word);
        let hits = matches(word, b'\n') | matches(word, b'\r');
        if hits != 0 {
            return Some(at + (hits.trailing_zeros() / 8) as usize);
        }
        at += 8;
    }
    if at < SHORT {
        // Fewer than 8 bytes left in a short haystack.
        return hay[at..].iter().position(|&b| b == b'\n' || b == b'\r').map(|i| at + i);
    }
    memchr2(b'\n', b'\r', &hay[at..]).map(|i| at + i)
}

#[cfg(test)]
mod tests {
    use super::find_eol;

    #[test]
    fn agrees_with_a_naive_search() {
        let mut hay = [b'a'; 80];
        let naive = |h: &[u8]| h.iter().position(|&b| b == b'\n' || b == b'\r');
        for len in 0..hay.len() {
            for pos in 0..len {
                for (eol, other) in [(b'\n', b'\r'), (b'\r', b'\n')] {
                    hay[pos] = eol;
                    if pos + 3 < len {
                        hay[pos + 3] = other;
                    }
                    // Bytes just above and below the targets must not confuse it.
                    if pos > 0 {
                        hay[pos - 1] = eol.wrapping_add(1);
                    }
                    assert_eq!(find_eol(&hay[..len]), naive(&hay[..len]), "len {len} pos {pos}");
                    hay = [b'a'; 80];
                }
            }
            assert_eq!(find_eol(&hay[..len]), None);
        }
        assert_eq!(find_eol(&[0x8a, 0x0b, 0x0c, 0x0d]), Some(3));
    }
}
