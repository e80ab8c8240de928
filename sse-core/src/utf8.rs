//! In-place UTF-8 repair: invalid sequences become U+FFFD, one per maximal
//! subpart, exactly as the WHATWG "UTF-8 decode" a browser runs on the stream.
//!
//! Rust's `Utf8Error::error_len` already reports maximal subparts, so the
//! decoder only has to act on it. Valid input never reaches this module.

use core::str;

const REPLACEMENT: [u8; 3] = [0xEF, 0xBF, 0xBD];

/// Checks `bytes` as UTF-8 without producing a `&str` (cheaper for the
/// short, usually ASCII, ids); on failure returns where it went wrong.
#[inline]
pub(crate) fn check(bytes: &[u8]) -> Result<(), usize> {
    if bytes.is_ascii() {
        Ok(())
    } else {
        validate(bytes).map(|_| ())
    }
}

/// Validates `bytes` as UTF-8 (SIMD-accelerated); on failure returns where
/// the first invalid sequence starts.
#[inline]
pub(crate) fn validate(bytes: &[u8]) -> Result<&str, usize> {
    if bytes.is_empty() {
        return Ok("");
    }
    // SIMD set-up costs more than it saves on short text (ids, types).
    if bytes.len() < 64 {
        return str::from_utf8(bytes).map_err(|e| e.valid_up_to());
    }
    match simdutf8::basic::from_utf8(bytes) {
        Ok(text) => Ok(text),
        // Rare: ask the standard library where exactly it went wrong.
        Err(_) => Err(str::from_utf8(bytes).map_or_else(|e| e.valid_up_to(), |s| s.len())),
    }
}

/// How many bytes from a value's start [`validate_in`] may read to check
/// `len` bytes: to the end of their last 64-byte block (just `len` under
/// `small`). Callers that keep room behind a value reserve it from here.
#[inline(always)]
pub(crate) fn reach(len: usize) -> usize {
    if cfg!(feature = "small") {
        len
    } else {
        len.next_multiple_of(64)
    }
}

/// [`validate`] of `hay[start..end]`, reading on past `end` to the end of
/// its last 64-byte block when `hay` has those bytes: `simdutf8` checks
/// whole blocks fast, but copies a shorter tail into a scratch block
/// first, and reading that copy back stalls (the loads straddle the
/// copy's stores), which costs more than checking the rest of the block
/// where it lies. When the longer check fails, the exact check decides,
/// so the bytes past `end` never change the result. `hay[end]` should
/// start a character (callers pass a line end).
#[cfg(not(feature = "small"))]
#[inline(always)]
pub(crate) fn validate_in(hay: &[u8], start: usize, end: usize) -> Result<&str, usize> {
    let hay = &hay[start..];
    let len = end - start;
    let blocks = reach(len);
    // A block that ends inside a character fails: don't try it (text
    // other than ASCII after the value would make that common).
    let ends_clean = |block: &&[u8]| match hay.get(blocks) {
        Some(&next) => next & 0xC0 != 0x80,
        None => block.last().is_some_and(|&b| b < 0x80),
    };
    if let Some(text) = hay
        .get(..blocks)
        .filter(|_| blocks != len)
        .filter(ends_clean)
        .and_then(|block| simdutf8::basic::from_utf8(block).ok())
        .and_then(|text| text.get(..len))
    {
        return Ok(text);
    }
    validate(&hay[..len])
}

/// [`validate`] of `hay[start..end]`: where code size matters more, the
/// exact check only.
#[cfg(feature = "small")]
#[inline]
pub(crate) fn validate_in(hay: &[u8], start: usize, end: usize) -> Result<&str, usize> {
    validate(&hay[start..end])
}

/// How many bytes at the end of `bytes` start a character that the end
/// cuts off (0 to 3), so that a later input may complete it.
pub(crate) fn cut_char(bytes: &[u8]) -> usize {
    for back in 1..=bytes.len().min(3) {
        let b = bytes[bytes.len() - back];
        if b & 0xC0 == 0x80 {
            continue;
        }
        let width = match b {
            0xF0.. => 4,
            0xE0.. => 3,
            0xC0.. => 2,
            _ => 1,
        };
        return match str::from_utf8(&bytes[bytes.len() - back..]) {
            Err(e) if width > back && e.valid_up_to() == 0 && e.error_len().is_none() => back,
            _ => 0,
        };
    }
    0
}

/// Length of the next invalid run starting at `bytes[0]`, given the error
/// that `from_utf8` reported for `bytes` (valid prefix already removed).
fn invalid_len(err: str::Utf8Error, remaining: usize) -> usize {
    // `None` means the input ends inside a sequence that was valid so far:
    // that truncated sequence is one maximal subpart.
    err.error_len().unwrap_or(remaining)
}

/// Replaces each invalid sequence of `region[..len]` with U+FFFD in place.
///
/// `first_bad` is where the first invalid byte is (the caller's
/// `valid_up_to`). Returns the repaired length, or `None` if the repaired
/// text would not fit in `region` (which is then left partly shifted; the
/// caller discards it).
pub(crate) fn repair(region: &mut [u8], len: usize, first_bad: usize) -> Option<usize> {
    // Pass 1: how many bytes the replacements add.
    let mut growth = 0usize;
    let mut at = first_bad;
    while at < len {
        match str::from_utf8(&region[at..len]) {
            Ok(_) => break,
            Err(e) => {
                at += e.valid_up_to();
                let bad = invalid_len(e, len - at);
                growth += REPLACEMENT.len() - bad;
                at += bad;
            }
        }
    }
    let new_len = len.checked_add(growth)?;
    if new_len > region.len() {
        return None;
    }
    // Pass 2: move the tail right by `growth`, then decode it forwards into
    // place. The write position never passes the read position, because
    // every replacement grows the text by at most what was reserved.
    region.copy_within(first_bad..len, first_bad + growth);
    let mut write = first_bad;
    let mut read = first_bad + growth;
    while read < new_len {
        match str::from_utf8(&region[read..new_len]) {
            Ok(_) => {
                region.copy_within(read..new_len, write);
                write += new_len - read;
                read = new_len;
            }
            Err(e) => {
                let valid = e.valid_up_to();
                let bad = invalid_len(e, new_len - read - valid);
                region.copy_within(read..read + valid, write);
                write += valid;
                region[write..write + REPLACEMENT.len()].copy_from_slice(&REPLACEMENT);
                write += REPLACEMENT.len();
                read += valid + bad;
            }
        }
    }
    debug_assert_eq!(write, new_len);
    Some(new_len)
}

/// Writes `src` to `dst` with each invalid sequence replaced by U+FFFD;
/// `first_bad` is where the first one starts. Returns the length written:
/// all of it when `dst` holds three bytes for each byte of `src` (what
/// callers make sure of), else as much as fits, cut at a character.
pub(crate) fn repair_into(src: &[u8], first_bad: usize, dst: &mut [u8]) -> usize {
    let mut read = 0;
    let mut write = 0;
    let mut put = |bytes: &[u8], write: &mut usize| -> bool {
        match dst.get_mut(*write..*write + bytes.len()) {
            Some(to) => {
                to.copy_from_slice(bytes);
                *write += bytes.len();
                true
            }
            None => false,
        }
    };
    let mut valid = first_bad.min(src.len());
    loop {
        if !put(&src[read..read + valid], &mut write) {
            return write;
        }
        read += valid;
        if read == src.len() {
            return write;
        }
        // `src[read..]` starts with an invalid sequence.
        let bad = match str::from_utf8(&src[read..]) {
            Ok(_) => 0,
            Err(e) => invalid_len(e, src.len() - read),
        };
        if !put(&REPLACEMENT, &mut write) {
            return write;
        }
        read += bad.max(1);
        valid = match str::from_utf8(&src[read..]) {
            Ok(_) => src.len() - read,
            Err(e) => e.valid_up_to(),
        };
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn lossy(input: &[u8]) -> ([u8; 64], usize) {
        let mut region = [0u8; 64];
        region[..input.len()].copy_from_slice(input);
        let first_bad = match str::from_utf8(input) {
            Ok(_) => return (region, input.len()),
            Err(e) => e.valid_up_to(),
        };
        let n = repair(&mut region, input.len(), first_bad).unwrap();
        (region, n)
    }

    #[test]
    fn maximal_subparts() {
        // (input, expected) pairs from the Unicode "U+FFFD substitution of
        // maximal subparts" practice that WHATWG encoding mandates.
        let cases: &[(&[u8], &str)] = &[
            (b"a\xffb", "a\u{FFFD}b"),
            (b"\xe2\x82", "\u{FFFD}"),
            (b"\xe2\x82a", "\u{FFFD}a"),
            (b"\xf0\x9f\x98", "\u{FFFD}"),
            (b"\xc0\xaf", "\u{FFFD}\u{FFFD}"),
            (b"\xed\xa0\x80", "\u{FFFD}\u{FFFD}\u{FFFD}"),
            (b"\xf4\x90\x80\x80", "\u{FFFD}\u{FFFD}\u{FFFD}\u{FFFD}"),
            (b"\xe2\x82\xac\xe2", "\u{20AC}\u{FFFD}"),
            (b"\x80\x80\x80", "\u{FFFD}\u{FFFD}\u{FFFD}"),
            (b"ok\xe1\x80\xe2\xf0\x91\x92\xf1\xbfA", "ok\u{FFFD}\u{FFFD}\u{FFFD}\u{FFFD}A"),
        ];
        for (input, want) in cases {
            let (region, n) = lossy(input);
            assert_eq!(str::from_utf8(&region[..n]).unwrap(), *want, "{input:x?}");
        }
    }

    #[test]
    fn repairs_into_another_buffer_as_in_place() {
        let cases: &[&[u8]] = &[
            b"a\xffb",
            b"\xe2\x82",
            b"ok\xe1\x80\xe2\xf0\x91\x92\xf1\xbfA",
            b"\xed\xa0\x80",
            b"\x80\x80\x80",
            b"\xe2\x82\xac\xe2",
        ];
        for input in cases {
            let first_bad = str::from_utf8(input).unwrap_err().valid_up_to();
            let (region, n) = lossy(input);
            let mut dst = [0u8; 64];
            let written = repair_into(input, first_bad, &mut dst);
            assert_eq!(&dst[..written], &region[..n], "{input:x?}");
            // Too little room: as much as fits, never a panic.
            let mut small = [0u8; 4];
            let part = repair_into(input, first_bad, &mut small);
            assert!(str::from_utf8(&small[..part]).is_ok() && part <= n);
        }
    }

    #[test]
    fn checking_past_the_value_gives_the_exact_result() {
        // Values of every length, valid or not, at two offsets, followed by
        // a line end and bytes that are invalid or cut a character at every
        // point where a 64-byte block could end.
        let euro = "\u{20AC}".as_bytes();
        let afters: [&[u8]; 4] = [b"\n", b"\n\xff\xff", b"\n\x80", b"\n\xe2\x82"];
        for len in 0usize..140 {
            for bad in [None, Some(len / 2), Some(len.saturating_sub(1))] {
                for after in afters {
                    for (fill, start) in [(0, 0), (1, 5), (2, 0), (0, 5)] {
                        let mut hay = [b'x'; 320];
                        for (i, b) in hay[start..start + len].iter_mut().enumerate() {
                            *b = b'a' + (i % 26) as u8;
                        }
                        if let Some(at) = bad.filter(|_| len > 0) {
                            hay[start + at] = 0xff;
                        }
                        let end = start + len;
                        let mut at = end;
                        for part in [after, &b"yy"[..fill]] {
                            hay[at..at + part.len()].copy_from_slice(part);
                            at += part.len();
                        }
                        while at + 3 <= end + 80 {
                            hay[at..at + 3].copy_from_slice(euro);
                            at += 3;
                        }
                        hay[at] = 0xff;
                        for cut in end..=at {
                            assert_eq!(
                                validate_in(&hay[..cut], start, end),
                                validate(&hay[start..end]),
                                "len {len} bad {bad:?} after {after:x?} fill {fill} start {start} cut {cut}"
                            );
                        }
                    }
                }
            }
        }
    }

    #[test]
    fn refuses_to_overflow() {
        let mut region = [0xffu8; 4];
        assert_eq!(repair(&mut region, 2, 0), None);
        assert_eq!(repair(&mut region, 1, 0), Some(3));
        assert_eq!(&region[..3], "\u{FFFD}".as_bytes());
    }
}
