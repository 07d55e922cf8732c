//! The archive file: closed consignments' saved documents with what a search needs, compressed,
//! versioned, and checked whole before anything in it is believed. `docs/archive-format.md` is
//! its contract; this module writes and reads it, and nothing else.
//!
//! ```text
//! offset  size  field
//!      0     8  magic "TAMGAARC"
//!      8     4  version, big-endian u32 (1)
//!     12     4  entries, big-endian u32
//!     16     8  length of the summaries frame, big-endian u64
//!     24     8  length of the documents frame, big-endian u64
//!     32    32  SHA-256 of bytes 0..32 followed by both frames
//!     64     …  summaries frame: zstd of a JSON array of [`Summary`], one per entry
//!      …     …  documents frame: zstd of the entries' saved documents, one after another
//! ```
//!
//! A file is refused ([`ArchiveError`], never a panic) when it is larger than
//! [`MAX_FILE_BYTES`], shorter or longer than its header says, when its digest does not match
//! (damaged or edited), when a frame decompresses beyond its bound, or when a summary's document
//! lies outside the documents frame.

use serde::{Deserialize, Serialize};
use sha2::{Digest, Sha256};
use std::io::Read;
use tamga_core::{ConsignmentId, Timestamp};

/// The file's first eight bytes.
pub const MAGIC: &[u8; 8] = b"TAMGAARC";
/// The version this code writes and reads.
pub const VERSION: u32 = 1;
/// The header's length.
pub const HEADER_BYTES: usize = 64;
/// The largest archive file read (checked before reading it).
pub const MAX_FILE_BYTES: u64 = 512 * 1024 * 1024;
/// The largest summaries frame, decompressed.
pub const MAX_SUMMARIES_BYTES: u64 = 64 * 1024 * 1024;
/// The largest documents frame, decompressed.
pub const MAX_DOCUMENTS_BYTES: u64 = 1024 * 1024 * 1024;
/// The most entries a file holds (a pass writes several files beyond it).
pub const MAX_ENTRIES: usize = 2000;
/// The documents one file holds at most, uncompressed, before a pass starts another.
pub const TARGET_DOCUMENTS_BYTES: usize = 128 * 1024 * 1024;

/// What an archive keeps of a consignment beside its document: what a search looks at and a
/// list shows.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct Summary {
    /// The consignment's id (its number).
    pub consignment: ConsignmentId,
    /// The transit declaration's reference.
    pub declaration: Option<String>,
    /// The goods' descriptions, line by line.
    pub goods: Vec<String>,
    /// The planned route.
    pub route: Vec<String>,
    /// When it was registered.
    pub registered_at: Option<Timestamp>,
    /// When it was delivered.
    pub delivered_at: Option<Timestamp>,
    /// When it was archived.
    pub archived_at: Timestamp,
    /// How many acts its document holds.
    pub acts: usize,
    /// The document's heads when archived (hex), to recognize the same document again.
    pub heads: Vec<String>,
    /// Where its document starts in the documents frame.
    pub offset: u64,
    /// Its document's length.
    pub length: u64,
}

/// One consignment to archive: its summary (offset and length are set when written) and its
/// saved document.
#[derive(Clone, Debug)]
pub struct Entry {
    /// What a search looks at.
    pub summary: Summary,
    /// The saved document ([`tamga_store::Store::save_doc`]).
    pub document: Vec<u8>,
}

/// Why an archive file was refused. Each names the file's trouble and what to do.
#[derive(Debug, thiserror::Error)]
pub enum ArchiveError {
    /// The file could not be read or written.
    #[error("{path}: {detail}")]
    Io {
        /// The file.
        path: String,
        /// What happened.
        detail: String,
    },
    /// The file is not an archive this code reads, or it is damaged or was edited.
    #[error("{path} is refused: {detail}. Restore it from a backup copy; it is not read")]
    Refused {
        /// The file.
        path: String,
        /// What is wrong.
        detail: String,
    },
    /// A consignment that is in no archive file.
    #[error("no consignment {0} in this post's archive: check the number, or `tamga-edge archive search`")]
    NotArchived(String),
}

/// An archive file, read and checked.
#[derive(Clone, Debug)]
pub struct ArchiveFile {
    /// Its summaries, in the order written.
    pub summaries: Vec<Summary>,
    /// Its documents frame, compressed (decompressed only when a document is asked for).
    documents: Vec<u8>,
}

fn refused(path: &str, detail: impl Into<String>) -> ArchiveError {
    ArchiveError::Refused {
        path: path.to_owned(),
        detail: detail.into(),
    }
}

fn compress(bytes: &[u8]) -> Vec<u8> {
    zstd::bulk::compress(bytes, 9).expect("compressing into memory does not fail")
}

/// Decompresses `frame`, refusing more than `limit` bytes without allocating them.
fn decompress(frame: &[u8], limit: u64, path: &str, what: &str) -> Result<Vec<u8>, ArchiveError> {
    let decoder = zstd::stream::read::Decoder::new(frame)
        .map_err(|e| refused(path, format!("the {what} do not decompress: {e}")))?;
    let mut out = Vec::new();
    decoder
        .take(limit + 1)
        .read_to_end(&mut out)
        .map_err(|e| refused(path, format!("the {what} do not decompress: {e}")))?;
    if out.len() as u64 > limit {
        return Err(refused(
            path,
            format!("the {what} are larger than {limit} bytes"),
        ));
    }
    Ok(out)
}

fn digest(header: &[u8], summaries: &[u8], documents: &[u8]) -> [u8; 32] {
    let mut h = Sha256::new();
    h.update(header);
    h.update(summaries);
    h.update(documents);
    h.finalize().into()
}

/// The bytes of an archive file holding `entries` (at most [`MAX_ENTRIES`]).
pub fn encode(entries: &[Entry]) -> Vec<u8> {
    assert!(
        entries.len() <= MAX_ENTRIES,
        "too many entries for one file"
    );
    let mut documents = Vec::new();
    let mut summaries = Vec::with_capacity(entries.len());
    for entry in entries {
        let mut summary = entry.summary.clone();
        summary.offset = documents.len() as u64;
        summary.length = entry.document.len() as u64;
        documents.extend_from_slice(&entry.document);
        summaries.push(summary);
    }
    let summaries = compress(&serde_json::to_vec(&summaries).expect("summaries serialize"));
    let documents = compress(&documents);
    let mut header = Vec::with_capacity(HEADER_BYTES);
    header.extend_from_slice(MAGIC);
    header.extend_from_slice(&VERSION.to_be_bytes());
    header.extend_from_slice(&(entries.len() as u32).to_be_bytes());
    header.extend_from_slice(&(summaries.len() as u64).to_be_bytes());
    header.extend_from_slice(&(documents.len() as u64).to_be_bytes());
    let sum = digest(&header, &summaries, &documents);
    header.extend_from_slice(&sum);
    let mut out = header;
    out.extend_from_slice(&summaries);
    out.extend_from_slice(&documents);
    out
}

fn be_u32(b: &[u8]) -> u32 {
    u32::from_be_bytes(b.try_into().expect("four bytes"))
}

fn be_u64(b: &[u8]) -> u64 {
    u64::from_be_bytes(b.try_into().expect("eight bytes"))
}

/// Reads and checks an archive file's bytes (`path` names it in errors).
pub fn decode(bytes: &[u8], path: &str) -> Result<ArchiveFile, ArchiveError> {
    if bytes.len() as u64 > MAX_FILE_BYTES {
        return Err(refused(path, format!("larger than {MAX_FILE_BYTES} bytes")));
    }
    if bytes.len() < HEADER_BYTES || &bytes[..8] != MAGIC {
        return Err(refused(
            path,
            "not a tamga archive file (no TAMGAARC header)",
        ));
    }
    let version = be_u32(&bytes[8..12]);
    if version != VERSION {
        return Err(refused(
            path,
            format!("archive format version {version}, this node reads version {VERSION}: read it with a newer tamga-edge"),
        ));
    }
    let entries = be_u32(&bytes[12..16]) as usize;
    let (s_len, d_len) = (be_u64(&bytes[16..24]), be_u64(&bytes[24..32]));
    let body = (bytes.len() - HEADER_BYTES) as u64;
    if s_len.checked_add(d_len) != Some(body) {
        return Err(refused(
            path,
            format!(
                "its header announces {} bytes after it, the file has {body}: truncated or extended",
                s_len.saturating_add(d_len)
            ),
        ));
    }
    let split = HEADER_BYTES + s_len as usize;
    let (summaries, documents) = (&bytes[HEADER_BYTES..split], &bytes[split..]);
    if digest(&bytes[..32], summaries, documents)[..] != bytes[32..64] {
        return Err(refused(
            path,
            "its SHA-256 does not match its content: the file is damaged or was edited",
        ));
    }
    let text = decompress(summaries, MAX_SUMMARIES_BYTES, path, "summaries")?;
    let summaries: Vec<Summary> = serde_json::from_slice(&text)
        .map_err(|e| refused(path, format!("its summaries do not read: {e}")))?;
    if summaries.len() != entries {
        return Err(refused(
            path,
            format!(
                "its header counts {entries} entries, its summaries {}",
                summaries.len()
            ),
        ));
    }
    Ok(ArchiveFile {
        summaries,
        documents: documents.to_vec(),
    })
}

impl ArchiveFile {
    /// Every entry's saved document, in the order of [`ArchiveFile::summaries`].
    pub fn documents(&self, path: &str) -> Result<Vec<Vec<u8>>, ArchiveError> {
        let all = decompress(&self.documents, MAX_DOCUMENTS_BYTES, path, "documents")?;
        self.summaries
            .iter()
            .map(|s| {
                let end = s.offset.checked_add(s.length);
                match end {
                    Some(end) if end <= all.len() as u64 => {
                        Ok(all[s.offset as usize..end as usize].to_vec())
                    }
                    _ => Err(refused(
                        path,
                        format!(
                            "the document of {} lies outside the documents",
                            s.consignment
                        ),
                    )),
                }
            })
            .collect()
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use tamga_core::fixtures::at;

    fn entry(n: u32) -> Entry {
        Entry {
            summary: Summary {
                consignment: ConsignmentId::new(format!("10609050/231126/{n:07}")).unwrap(),
                declaration: Some(format!("TD-{n}")),
                goods: vec!["Gold doré bars".into()],
                route: vec!["MANAS-AIRPORT".into(), "DEPT-BISHKEK".into()],
                registered_at: Some(at("2026-11-23T05:00:00Z")),
                delivered_at: Some(at("2026-11-23T09:00:00Z")),
                archived_at: at("2027-03-01T00:00:00Z"),
                acts: 10,
                heads: vec!["ab".repeat(32)],
                offset: 0,
                length: 0,
            },
            document: vec![n as u8; 100 + n as usize],
        }
    }

    #[test]
    fn a_file_round_trips() {
        let entries: Vec<Entry> = (0..5).map(entry).collect();
        let bytes = encode(&entries);
        let file = decode(&bytes, "a.archive").unwrap();
        assert_eq!(file.summaries.len(), 5);
        let docs = file.documents("a.archive").unwrap();
        for (n, (s, d)) in file.summaries.iter().zip(&docs).enumerate() {
            assert_eq!(s.consignment, entries[n].summary.consignment);
            assert_eq!(d, &entries[n].document);
        }
        // Empty too.
        assert!(decode(&encode(&[]), "e").unwrap().summaries.is_empty());
    }

    fn refusal(bytes: &[u8]) -> String {
        match decode(bytes, "x.archive") {
            Err(e @ ArchiveError::Refused { .. }) => e.to_string(),
            other => panic!("not refused: {other:?}"),
        }
    }

    #[test]
    fn a_damaged_truncated_edited_or_foreign_file_is_refused_saying_why() {
        let bytes = encode(&(0..3).map(entry).collect::<Vec<_>>());
        // Every single flipped byte anywhere is refused, never a panic.
        for i in 0..bytes.len() {
            let mut damaged = bytes.clone();
            damaged[i] ^= 0x20;
            refusal(&damaged);
        }
        // Truncated at every length.
        for len in 0..bytes.len() {
            refusal(&bytes[..len]);
        }
        assert!(refusal(&bytes[..bytes.len() - 1]).contains("truncated"));
        let mut longer = bytes.clone();
        longer.push(0);
        assert!(refusal(&longer).contains("truncated or extended"));
        // Edited with care: the summaries changed and the lengths fixed, the digest left.
        let mut edited = entry(0);
        edited.summary.goods = vec!["Sand".into()];
        let forged = encode(&[edited, entry(1), entry(2)]);
        let mut mixed = forged[..32].to_vec();
        mixed.extend_from_slice(&bytes[32..64]);
        mixed.extend_from_slice(&forged[64..]);
        assert!(refusal(&mixed).contains("damaged or was edited"));
        assert!(refusal(
            b"PK\x03\x04 a zip file, not an archive at all......................................"
        )
        .contains("not a tamga archive"));
        let mut newer = bytes.clone();
        newer[11] = 2;
        assert!(refusal(&newer).contains("version 2"));
    }

    #[test]
    fn a_bomb_is_refused_before_it_is_inflated() {
        // A summaries frame that inflates beyond its bound, with a correct digest.
        let big = vec![b' '; (MAX_SUMMARIES_BYTES + 10) as usize];
        let summaries = compress(&big);
        let documents = compress(&[]);
        let mut header = MAGIC.to_vec();
        header.extend_from_slice(&VERSION.to_be_bytes());
        header.extend_from_slice(&0u32.to_be_bytes());
        header.extend_from_slice(&(summaries.len() as u64).to_be_bytes());
        header.extend_from_slice(&(documents.len() as u64).to_be_bytes());
        let sum = digest(&header, &summaries, &documents);
        header.extend_from_slice(&sum);
        header.extend_from_slice(&summaries);
        header.extend_from_slice(&documents);
        assert!(refusal(&header).contains("larger than"));
    }
}
