//! Reading Redis Streams replies (`XRANGE`, `XREAD`, `XADD`) into
//! entries, without trusting their shape: anything unexpected is an error,
//! never a panic.

use redis::Value;
use sse_hub::{Entry, StreamId};

/// The field an entry's encoded frame body is stored under.
pub(crate) const BODY_FIELD: &[u8] = b"f";

/// A reply that is not what the command returns.
#[derive(Debug)]
pub(crate) struct Unexpected(pub(crate) &'static str);

impl std::fmt::Display for Unexpected {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "unexpected reply from Redis: {}", self.0)
    }
}

impl std::error::Error for Unexpected {}

fn text(value: &Value) -> Option<&[u8]> {
    match value {
        Value::BulkString(bytes) => Some(bytes),
        Value::SimpleString(s) => Some(s.as_bytes()),
        _ => None,
    }
}

/// An id as Redis writes it.
pub(crate) fn id(value: &Value) -> Result<StreamId, Unexpected> {
    let bytes = text(value).ok_or(Unexpected("an id that is not a string"))?;
    let text = std::str::from_utf8(bytes).map_err(|_| Unexpected("an id that is not text"))?;
    StreamId::parse(text).ok_or(Unexpected("an id not of the form <ms>-<seq>"))
}

/// One `[id, [field, value, …]]` entry. `None` for an entry without our
/// body field (added by someone else): it is skipped.
fn entry(value: &Value) -> Result<(StreamId, Option<Entry>), Unexpected> {
    let Value::Array(parts) = value else {
        return Err(Unexpected("an entry that is not an array"));
    };
    let [id_value, fields] = parts.as_slice() else {
        return Err(Unexpected("an entry without two parts"));
    };
    let id = id(id_value)?;
    let body = match fields {
        Value::Array(fields) => fields
            .chunks_exact(2)
            .find(|pair| text(&pair[0]) == Some(BODY_FIELD))
            .and_then(|pair| text(&pair[1])),
        Value::Map(pairs) => {
            pairs.iter().find(|(k, _)| text(k) == Some(BODY_FIELD)).and_then(|(_, v)| text(v))
        }
        _ => return Err(Unexpected("entry fields that are not an array")),
    };
    Ok((id, body.map(|body| Entry::from_body(id, body))))
}

/// The entries of an `XRANGE` reply, with the ids of all of them (skipped
/// ones included, for the presence check and paging).
pub(crate) fn range(value: &Value) -> Result<Vec<(StreamId, Option<Entry>)>, Unexpected> {
    match value {
        Value::Array(entries) => entries.iter().map(entry).collect(),
        Value::Nil => Ok(Vec::new()),
        _ => Err(Unexpected("a range that is not an array")),
    }
}

/// The entries of an `XREAD` reply for one stream (`Nil` when the block
/// timed out).
pub(crate) fn read(value: &Value) -> Result<Vec<(StreamId, Option<Entry>)>, Unexpected> {
    let streams: Vec<&Value> = match value {
        Value::Nil => return Ok(Vec::new()),
        Value::Array(streams) => streams.iter().collect(),
        Value::Map(pairs) => pairs.iter().map(|(_, v)| v).collect(),
        _ => return Err(Unexpected("a read that is not an array")),
    };
    let mut out = Vec::new();
    for stream in streams {
        match stream {
            // RESP2: [name, entries].
            Value::Array(parts) if parts.len() == 2 => out.extend(range(&parts[1])?),
            // RESP3 map values are the entries themselves.
            Value::Array(_) => out.extend(range(stream)?),
            _ => return Err(Unexpected("a stream that is not an array")),
        }
    }
    Ok(out)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn bulk(s: &str) -> Value {
        Value::BulkString(s.as_bytes().to_vec())
    }

    #[test]
    fn entries_and_odd_shapes() {
        let good = Value::Array(vec![
            Value::Array(vec![bulk("5-1"), Value::Array(vec![bulk("f"), bulk("data: x\n\n")])]),
            Value::Array(vec![bulk("5-2"), Value::Array(vec![bulk("other"), bulk("1")])]),
        ]);
        let got = range(&good).unwrap();
        assert_eq!(got.len(), 2);
        assert_eq!(&*got[0].1.as_ref().unwrap().frame, b"id: 5-1\ndata: x\n\n");
        assert_eq!(got[1], (StreamId::new(5, 2), None), "not ours: skipped, id kept");
        for bad in [
            Value::Int(3),
            Value::Array(vec![Value::Int(1)]),
            Value::Array(vec![Value::Array(vec![bulk("x"), Value::Array(vec![])])]),
            Value::Array(vec![Value::Array(vec![bulk("1-1")])]),
        ] {
            assert!(range(&bad).is_err(), "{bad:?}");
        }
        let read_reply = Value::Array(vec![Value::Array(vec![bulk("s"), good])]);
        assert_eq!(read(&read_reply).unwrap().len(), 2);
        assert!(read(&Value::Nil).unwrap().is_empty());
    }
}
