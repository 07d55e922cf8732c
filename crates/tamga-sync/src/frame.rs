//! Framing: protocol messages as postcard bytes, compressed with zstd, behind a small header,
//! with hard limits on both the compressed and the decompressed size so that a hostile peer can
//! neither send an oversized message nor a small one that expands without bound.
//!
//! A frame is `b"TSF1"`, the decompressed length as a big-endian `u32`, then the zstd stream.

use serde::de::DeserializeOwned;
use serde::Serialize;

/// The magic bytes that start every frame.
pub const MAGIC: &[u8; 4] = b"TSF1";
/// The largest frame accepted on the wire, compressed.
pub const MAX_FRAME_BYTES: usize = 8 * 1024 * 1024;
/// The largest message accepted once decompressed.
pub const MAX_MESSAGE_BYTES: usize = 64 * 1024 * 1024;
/// The zstd level: fast, and most of the gain on slow links.
const LEVEL: i32 = 3;

/// Why bytes were refused as a frame.
#[derive(Clone, Debug, PartialEq, Eq, thiserror::Error)]
pub enum FrameError {
    /// Over [`MAX_FRAME_BYTES`] or [`MAX_MESSAGE_BYTES`].
    #[error("message of {size} bytes is over the {limit}-byte limit: send smaller batches")]
    TooLarge {
        /// The size.
        size: usize,
        /// The limit.
        limit: usize,
    },
    /// Not a tamga sync frame.
    #[error(
        "not a tamga sync frame (wrong magic or header): is the peer a tamga node of this version?"
    )]
    NotAFrame,
    /// The compressed stream is broken or does not match its stated length.
    #[error("damaged frame: {0}. Ask the peer to resend")]
    Damaged(String),
    /// The message inside does not decode.
    #[error("malformed message: {0}")]
    Malformed(String),
}

/// Encodes and compresses a message.
pub fn encode<T: Serialize>(message: &T) -> Result<Vec<u8>, FrameError> {
    let plain = postcard::to_stdvec(message).map_err(|e| FrameError::Malformed(e.to_string()))?;
    if plain.len() > MAX_MESSAGE_BYTES {
        return Err(FrameError::TooLarge {
            size: plain.len(),
            limit: MAX_MESSAGE_BYTES,
        });
    }
    let compressed =
        zstd::bulk::compress(&plain, LEVEL).map_err(|e| FrameError::Damaged(e.to_string()))?;
    let mut frame = Vec::with_capacity(8 + compressed.len());
    frame.extend_from_slice(MAGIC);
    frame.extend_from_slice(&(plain.len() as u32).to_be_bytes());
    frame.extend_from_slice(&compressed);
    if frame.len() > MAX_FRAME_BYTES {
        return Err(FrameError::TooLarge {
            size: frame.len(),
            limit: MAX_FRAME_BYTES,
        });
    }
    Ok(frame)
}

/// Decompresses and decodes a frame, within the limits.
pub fn decode<T: DeserializeOwned>(frame: &[u8]) -> Result<T, FrameError> {
    if frame.len() > MAX_FRAME_BYTES {
        return Err(FrameError::TooLarge {
            size: frame.len(),
            limit: MAX_FRAME_BYTES,
        });
    }
    if frame.len() < 8 || &frame[..4] != MAGIC {
        return Err(FrameError::NotAFrame);
    }
    let stated = u32::from_be_bytes(frame[4..8].try_into().expect("4 bytes")) as usize;
    if stated > MAX_MESSAGE_BYTES {
        return Err(FrameError::TooLarge {
            size: stated,
            limit: MAX_MESSAGE_BYTES,
        });
    }
    // The stated length bounds the output buffer, so a small frame cannot expand past it.
    let plain = zstd::bulk::decompress(&frame[8..], stated)
        .map_err(|e| FrameError::Damaged(e.to_string()))?;
    if plain.len() != stated {
        return Err(FrameError::Damaged(format!(
            "{} bytes decompressed, {stated} stated",
            plain.len()
        )));
    }
    let (message, rest) =
        postcard::take_from_bytes(&plain).map_err(|e| FrameError::Malformed(e.to_string()))?;
    if !rest.is_empty() {
        return Err(FrameError::Malformed(format!(
            "{} bytes after the message",
            rest.len()
        )));
    }
    Ok(message)
}

#[cfg(test)]
mod tests {
    use super::*;
    use proptest::prelude::*;
    use serde::Deserialize;

    #[derive(Debug, PartialEq, Serialize, Deserialize)]
    struct Batch {
        docs: Vec<(String, Vec<u8>)>,
        position: u64,
    }

    fn sample() -> Batch {
        Batch {
            docs: (0..50)
                .map(|i| (format!("10609050/231126/{i:07}"), vec![i as u8; 300]))
                .collect(),
            position: 42,
        }
    }

    #[test]
    fn frames_round_trip_and_compress() {
        let frame = encode(&sample()).unwrap();
        assert!(frame.len() < 2000, "{} bytes", frame.len());
        assert_eq!(decode::<Batch>(&frame).unwrap(), sample());
    }

    #[test]
    fn truncated_tampered_or_foreign_frames_are_refused() {
        let frame = encode(&sample()).unwrap();
        for cut in [0, 3, 8, frame.len() / 2, frame.len() - 1] {
            assert!(decode::<Batch>(&frame[..cut]).is_err(), "cut at {cut}");
        }
        let mut flipped = frame.clone();
        let last = flipped.len() - 5;
        flipped[last] ^= 0xff;
        assert!(decode::<Batch>(&flipped).is_err());
        assert_eq!(
            decode::<Batch>(b"{\"json\":true}").unwrap_err(),
            FrameError::NotAFrame
        );
        let mut trailing = postcard::to_stdvec(&sample()).unwrap();
        trailing.push(0);
        let mut frame = MAGIC.to_vec();
        frame.extend_from_slice(&(trailing.len() as u32).to_be_bytes());
        frame.extend_from_slice(&zstd::bulk::compress(&trailing, 3).unwrap());
        assert!(matches!(
            decode::<Batch>(&frame),
            Err(FrameError::Malformed(_))
        ));
    }

    #[test]
    fn a_small_frame_cannot_expand_past_the_limit() {
        // 100 MiB of zeros compress to a few kilobytes.
        let bomb = zstd::bulk::compress(&vec![0u8; 100 * 1024 * 1024], 3).unwrap();
        let mut frame = MAGIC.to_vec();
        frame.extend_from_slice(&(MAX_MESSAGE_BYTES as u32 + 1).to_be_bytes());
        frame.extend_from_slice(&bomb);
        assert!(matches!(
            decode::<Batch>(&frame),
            Err(FrameError::TooLarge { .. })
        ));
        // Lying about the size does not help either.
        let mut frame = MAGIC.to_vec();
        frame.extend_from_slice(&1024u32.to_be_bytes());
        frame.extend_from_slice(&bomb);
        assert!(matches!(
            decode::<Batch>(&frame),
            Err(FrameError::Damaged(_))
        ));
        let huge = vec![0u8; MAX_FRAME_BYTES + 1];
        assert!(matches!(
            decode::<Batch>(&huge),
            Err(FrameError::TooLarge { .. })
        ));
    }

    proptest! {
        #[test]
        fn arbitrary_bytes_never_panic(bytes in proptest::collection::vec(any::<u8>(), 0..512)) {
            let _ = decode::<Batch>(&bytes);
            let mut framed = MAGIC.to_vec();
            framed.extend_from_slice(&bytes);
            let _ = decode::<Batch>(&framed);
        }
    }
}
