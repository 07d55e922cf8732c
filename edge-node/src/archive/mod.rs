//! A post's archive: consignments closed long ago moved out of the live store into read-only
//! archive files the post can still search and export, so the live store stays bounded.
//!
//! A pass ([`archive_closed`]) takes the consignments that are delivered at least
//! `archive_closed_days` ago *and* that central holds — the same rule as a vehicle's retention
//! ([`crate::retention::due`]): the last sync with a central device shared this node's heads,
//! so a consignment only this post holds is never archived. It writes their saved documents
//! (every signed act, verifiable as it was held) with what a search needs into a new file
//! `archive/<UTC date>-<n>.archive` ([`format`]): temporary file, fsync, link into place (never
//! over an existing file), directory fsync, mode 0400; reads the file back and checks it holds
//! them; and only then forgets them in the store ([`tamga_store::Store::forget_if_unchanged`],
//! which forgets nothing changed since the copy was made). A crash between the two leaves a
//! consignment in both, never in neither; the next pass finds it archived with the same heads
//! and only forgets it (no second copy). A consignment changed since it was archived is
//! archived again; a search shows its latest copy.
//!
//! Reading ([`Shelf`]) checks each file whole (its SHA-256, its bounds) before believing it.

pub mod format;

use crate::answers::{ArchivePass, ArchivedRow};
use format::{ArchiveError, ArchiveFile, Entry, Summary};
use std::collections::BTreeMap;
use std::path::{Path, PathBuf};
use tamga_core::{ConsignmentId, Timestamp, UnitCode};
use tamga_store::{DocId, Store, StoreError};
use tracing::{info, warn};

/// The archive's folder in the node's data directory.
pub const DIR: &str = "archive";
/// An archive file's extension.
pub const EXTENSION: &str = "archive";

impl From<StoreError> for ArchiveError {
    fn from(e: StoreError) -> Self {
        ArchiveError::Io {
            path: "the store".into(),
            detail: e.to_string(),
        }
    }
}

fn io_error(path: &Path, e: impl ToString) -> ArchiveError {
    ArchiveError::Io {
        path: path.display().to_string(),
        detail: e.to_string(),
    }
}

/// A consignment found in the archive: its summary and the file holding it.
#[derive(Clone, Debug)]
pub struct Found {
    /// What the file says of it.
    pub summary: Summary,
    /// The file's name in the archive folder.
    pub file: String,
}

impl Found {
    /// As the API and the CLI show it.
    pub fn row(&self) -> ArchivedRow {
        let s = &self.summary;
        ArchivedRow {
            consignment: s.consignment.to_string(),
            declaration: s.declaration.clone(),
            goods: s.goods.clone(),
            route: s.route.clone(),
            registered_at: s.registered_at,
            delivered_at: s.delivered_at,
            archived_at: s.archived_at,
            acts: s.acts,
            file: self.file.clone(),
        }
    }

    fn matches(&self, words: &[String]) -> bool {
        let s = &self.summary;
        let mut text = format!(
            "{} {}",
            s.consignment,
            s.declaration.as_deref().unwrap_or("")
        );
        for line in s.goods.iter().chain(&s.route) {
            text.push(' ');
            text.push_str(line);
        }
        let text = text.to_lowercase();
        words.iter().all(|w| text.contains(w.as_str()))
    }
}

/// What the archive holds: the latest copy of each consignment, and the files refused (damaged,
/// edited, unreadable) with why.
#[derive(Debug, Default)]
pub struct Listing {
    /// By consignment, the latest copy.
    pub found: BTreeMap<ConsignmentId, Found>,
    /// Each refused file's error.
    pub refused: Vec<ArchiveError>,
}

/// The archive folder of a node.
#[derive(Clone, Debug)]
pub struct Shelf {
    dir: PathBuf,
}

impl Shelf {
    /// The archive of the node in `node_dir`.
    pub fn of(node_dir: &Path) -> Shelf {
        Shelf {
            dir: node_dir.join(DIR),
        }
    }

    /// The folder.
    pub fn dir(&self) -> &Path {
        &self.dir
    }

    /// The archive files, oldest first (by name: date, then number).
    pub fn files(&self) -> Result<Vec<PathBuf>, ArchiveError> {
        let entries = match std::fs::read_dir(&self.dir) {
            Ok(entries) => entries,
            Err(e) if e.kind() == std::io::ErrorKind::NotFound => return Ok(Vec::new()),
            Err(e) => return Err(io_error(&self.dir, e)),
        };
        let mut files = Vec::new();
        for entry in entries {
            let path = entry.map_err(|e| io_error(&self.dir, e))?.path();
            let name = path.file_name().and_then(|n| n.to_str()).unwrap_or("");
            if !name.starts_with('.') && path.extension().is_some_and(|e| e == EXTENSION) {
                files.push(path);
            }
        }
        files.sort_by_key(|p| sort_key(p));
        Ok(files)
    }

    /// Reads and checks one file (refusing one over [`format::MAX_FILE_BYTES`] before reading).
    pub fn read(&self, path: &Path) -> Result<ArchiveFile, ArchiveError> {
        let shown = path.display().to_string();
        let bytes = tamga_node::files::read_limited(path, format::MAX_FILE_BYTES).map_err(|e| {
            if e.kind() == std::io::ErrorKind::FileTooLarge {
                ArchiveError::Refused {
                    path: shown.clone(),
                    detail: format!("larger than {} bytes", format::MAX_FILE_BYTES),
                }
            } else {
                io_error(path, e)
            }
        })?;
        format::decode(&bytes, &shown)
    }

    /// Every file's summaries; a file that is refused is listed in [`Listing::refused`], the
    /// others still read.
    pub fn listing(&self) -> Result<Listing, ArchiveError> {
        let mut listing = Listing::default();
        for path in self.files()? {
            let file = match self.read(&path) {
                Ok(file) => file,
                Err(e) => {
                    warn!(error = %e, "an archive file is refused");
                    listing.refused.push(e);
                    continue;
                }
            };
            let name = file_name(&path);
            for summary in file.summaries {
                listing.found.insert(
                    summary.consignment.clone(),
                    Found {
                        summary,
                        file: name.clone(),
                    },
                );
            }
        }
        Ok(listing)
    }

    /// The consignments whose number, declaration, goods or route hold every word of `query`
    /// (any case); all of them for an empty query. Newest delivery first.
    pub fn search(&self, query: &str) -> Result<(Vec<Found>, Vec<ArchiveError>), ArchiveError> {
        let words: Vec<String> = query.split_whitespace().map(str::to_lowercase).collect();
        let listing = self.listing()?;
        let mut found: Vec<Found> = listing
            .found
            .into_values()
            .filter(|f| f.matches(&words))
            .collect();
        found.sort_by(|a, b| {
            (b.summary.delivered_at, &a.summary.consignment)
                .cmp(&(a.summary.delivered_at, &b.summary.consignment))
        });
        Ok((found, listing.refused))
    }

    /// The latest archived copy of `consignment`: where it was found and its saved document.
    pub fn document(&self, consignment: &ConsignmentId) -> Result<(Found, Vec<u8>), ArchiveError> {
        let mut latest = None;
        let mut refused = None;
        for path in self.files()? {
            match self.read(&path) {
                Ok(file) => {
                    if let Some(i) = file
                        .summaries
                        .iter()
                        .position(|s| &s.consignment == consignment)
                    {
                        latest = Some((path, file, i));
                    }
                }
                Err(e) => refused = Some(e),
            }
        }
        let Some((path, file, i)) = latest else {
            // Not found: a refused file may have held it, and the officer must know.
            return Err(
                refused.unwrap_or_else(|| ArchiveError::NotArchived(consignment.to_string()))
            );
        };
        let documents = file.documents(&path.display().to_string())?;
        let found = Found {
            summary: file.summaries[i].clone(),
            file: file_name(&path),
        };
        Ok((found, documents[i].clone()))
    }

    /// Writes `entries` into a new file named for `now`'s date, durably and read-only, never
    /// over an existing file; reads it back and checks it holds them. Returns its path.
    pub fn write(&self, entries: &[Entry], now: Timestamp) -> Result<PathBuf, ArchiveError> {
        if !self.dir.is_dir() {
            tamga_node::files::create_private_dir(&self.dir).map_err(|e| io_error(&self.dir, e))?;
            tamga_node::files::sync_parent(&self.dir).map_err(|e| io_error(&self.dir, e))?;
        }
        let bytes = format::encode(entries);
        let date = &now.to_string()[..10];
        let mut n = 1;
        let path = loop {
            let path = self.dir.join(format!("{date}-{n}.{EXTENSION}"));
            match write_read_only(&path, &bytes) {
                Ok(()) => break path,
                Err(e) if e.kind() == std::io::ErrorKind::AlreadyExists => n += 1,
                Err(e) => return Err(io_error(&path, e)),
            }
        };
        let back = self.read(&path)?;
        let wanted: Vec<&ConsignmentId> = entries.iter().map(|e| &e.summary.consignment).collect();
        let held: Vec<&ConsignmentId> = back.summaries.iter().map(|s| &s.consignment).collect();
        if wanted != held || back.documents(&path.display().to_string())?.len() != entries.len() {
            return Err(ArchiveError::Refused {
                path: path.display().to_string(),
                detail: "read back, it does not hold what was written".into(),
            });
        }
        Ok(path)
    }
}

/// Files sort by date, then by their number as a number (`-10` after `-9`).
fn sort_key(path: &Path) -> (String, u64, String) {
    let stem = path
        .file_stem()
        .and_then(|s| s.to_str())
        .unwrap_or("")
        .to_owned();
    match stem.rsplit_once('-') {
        Some((date, n)) if n.parse::<u64>().is_ok() => {
            (date.to_owned(), n.parse().unwrap_or(0), stem.clone())
        }
        _ => (stem.clone(), 0, stem),
    }
}

fn file_name(path: &Path) -> String {
    path.file_name()
        .map(|n| n.to_string_lossy().into_owned())
        .unwrap_or_default()
}

/// Creates `path` with `bytes`, whole or not at all, readable by its owner only and writable by
/// no one, never over an existing file ([`std::io::ErrorKind::AlreadyExists`]): a temporary
/// file written and fsynced, hard-linked into place, the folder fsynced.
fn write_read_only(path: &Path, bytes: &[u8]) -> std::io::Result<()> {
    use std::io::Write;
    if path.exists() {
        return Err(std::io::ErrorKind::AlreadyExists.into());
    }
    let tmp = tamga_node::files::temporary_beside(path);
    let mut options = std::fs::OpenOptions::new();
    options.write(true).create_new(true);
    #[cfg(unix)]
    {
        use std::os::unix::fs::OpenOptionsExt;
        options.mode(0o400);
    }
    let written = (|| {
        let mut file = options.open(&tmp)?;
        file.write_all(bytes)?;
        file.sync_all()
    })();
    let linked = written.and_then(|()| std::fs::hard_link(&tmp, path));
    let _ = std::fs::remove_file(&tmp);
    linked?;
    tamga_node::files::sync_parent(path)
}

/// The summary of a consignment held in `store`, as of `now`, with its saved document.
fn entry(
    store: &Store,
    consignment: &ConsignmentId,
    now: Timestamp,
) -> Result<Entry, ArchiveError> {
    let doc = DocId::Consignment(consignment.clone());
    let document = store.save_doc(&doc)?;
    let heads = tamga_store::saved::heads(&document)?;
    let (assessment, acts) = store.assessment_and_acts(consignment, now)?;
    let registration = assessment.registration_body.as_ref();
    Ok(Entry {
        summary: Summary {
            consignment: consignment.clone(),
            declaration: registration.map(|r| r.declaration.as_str().to_owned()),
            goods: registration
                .map(|r| {
                    r.goods
                        .iter()
                        .map(|g| g.description.as_str().to_owned())
                        .collect()
                })
                .unwrap_or_default(),
            route: registration
                .map(|r| r.route.iter().map(|u| u.to_string()).collect())
                .unwrap_or_default(),
            registered_at: registration.map(|r| r.at),
            delivered_at: assessment.state.delivered_at,
            archived_at: now,
            acts: acts.len(),
            heads,
            offset: 0,
            length: 0,
        },
        document,
    })
}

/// Archives the consignments delivered at least `days` days before `now` that central holds
/// (see the module doc); returns what was done.
pub fn archive_closed(
    store: &Store,
    shelf: &Shelf,
    central_units: &[UnitCode],
    days: u32,
    now: Timestamp,
) -> Result<ArchivePass, ArchiveError> {
    let due = crate::retention::due(store, central_units, days, now)?;
    archive_these(store, shelf, &due, now)
}

/// Archives `consignments` (whatever they are: the caller chose them) and forgets them in the
/// store once a file holds them.
pub fn archive_these(
    store: &Store,
    shelf: &Shelf,
    consignments: &[ConsignmentId],
    now: Timestamp,
) -> Result<ArchivePass, ArchiveError> {
    archive_these_with(store, shelf, consignments, now, &mut |_: &[Summary]| {})
}

/// [`archive_these`], calling `before_forget` with each file's summaries between its writing and
/// the forgetting (tests stop there as a crash would).
pub(crate) fn archive_these_with(
    store: &Store,
    shelf: &Shelf,
    consignments: &[ConsignmentId],
    now: Timestamp,
    before_forget: &mut dyn FnMut(&[Summary]),
) -> Result<ArchivePass, ArchiveError> {
    let mut pass = ArchivePass::default();
    if consignments.is_empty() {
        return Ok(pass);
    }
    let archived = shelf.listing()?;
    if let Some(e) = archived.refused.into_iter().next() {
        // A refused file may hold what this pass would forget: archive nothing until it is fixed.
        return Err(e);
    }
    let mut batch: Vec<Entry> = Vec::new();
    let mut batch_bytes = 0;
    let mut settled: Vec<Summary> = Vec::new();
    for consignment in consignments {
        let doc = DocId::Consignment(consignment.clone());
        if store.is_forgotten(&doc)? {
            continue;
        }
        let heads: Vec<String> = store.heads(&doc)?.iter().map(|h| h.to_string()).collect();
        if let Some(found) = archived.found.get(consignment) {
            if found.summary.heads == heads {
                // Archived before, the forgetting interrupted: forget it now, no second copy.
                settled.push(found.summary.clone());
                continue;
            }
        }
        let entry = entry(store, consignment, now)?;
        batch_bytes += entry.document.len();
        batch.push(entry);
        if batch.len() >= format::MAX_ENTRIES || batch_bytes >= format::TARGET_DOCUMENTS_BYTES {
            write_and_forget(store, shelf, &batch, now, before_forget, &mut pass)?;
            batch.clear();
            batch_bytes = 0;
        }
    }
    if !batch.is_empty() {
        write_and_forget(store, shelf, &batch, now, before_forget, &mut pass)?;
    }
    for summary in &settled {
        if forget(store, summary, now)? {
            pass.already += 1;
        } else {
            pass.changed += 1;
        }
    }
    Ok(pass)
}

fn forget(store: &Store, summary: &Summary, now: Timestamp) -> Result<bool, ArchiveError> {
    let doc = DocId::Consignment(summary.consignment.clone());
    Ok(store.forget_if_unchanged(&doc, &summary.heads, now.unix())?)
}

fn write_and_forget(
    store: &Store,
    shelf: &Shelf,
    batch: &[Entry],
    now: Timestamp,
    before_forget: &mut dyn FnMut(&[Summary]),
    pass: &mut ArchivePass,
) -> Result<(), ArchiveError> {
    let path = shelf.write(batch, now)?;
    let summaries: Vec<Summary> = batch.iter().map(|e| e.summary.clone()).collect();
    info!(file = %path.display(), consignments = batch.len(), "archive file written");
    pass.files.push(file_name(&path));
    before_forget(&summaries);
    for summary in &summaries {
        if forget(store, summary, now)? {
            pass.archived += 1;
        } else {
            // Changed while being archived: kept live, archived again by a later pass.
            pass.changed += 1;
        }
    }
    Ok(())
}

#[cfg(test)]
mod tests;
