//! The body spool: message bodies appended to segment files beside the
//! database, the rows in SQLite saying where each body lies.
//!
//! Inside SQLite a 5 KB body is two pages written to the WAL with their
//! checksums, copied again into the database at the checkpoint, and freed
//! page by page later: on the busy path that was a fifth of the node's
//! time. Appended to a file, a group's bodies are one write and one
//! `fdatasync`, made before the transaction whose rows point at them, so a
//! committed row always finds its body on disk. What a crash leaves past the
//! last commit is never pointed at; a restart starts a new segment.
//!
//! A segment is deleted whole once no waiting message has its body there
//! (`past_grace`, `delete`), so the spool holds about the queue, not the history. The
//! writer task owns the `SpoolWriter`; reads open the files themselves.

use super::failure::is_out_of_space_io;
use crate::{Result, StoreError};
use mailflow_core::MessageBytes;
use std::collections::{BTreeMap, HashMap};
use std::fs::File;
use std::io::{self, Write};
use std::os::unix::fs::FileExt;
use std::path::{Path, PathBuf};
use std::sync::{Arc, Mutex, MutexGuard};
use std::time::{Duration, Instant};

/// The spool's directory inside the data directory.
pub const DIR_NAME: &str = "spool";
/// How long a segment with no waiting message is kept before it goes: a
/// report to the sender reads the body just after the last recipient failed
/// (see the relay's notices), which a deletion must not overtake.
pub const GRACE: Duration = Duration::from_secs(60);

/// Where one body lies.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct BodyAt {
    pub segment: u64,
    pub offset: u64,
}

/// The writer task's spool, lent to the blocking pool for each append.
pub type SharedSpool = Arc<Mutex<SpoolWriter>>;

/// Appends the body of each of `items`, one after the other, and syncs
/// them, off the runtime's threads (see `SpoolWriter::append_pieces`); the
/// answer is where the first starts. The bodies are written chunk by chunk
/// from where they are: no copy of them is made. `items` go to the blocking
/// pool with their bodies and come back, unless the append panicked (then
/// they are dropped: their callers hear that the store is closed).
pub async fn append<T, F>(spool: &SharedSpool, items: Vec<T>, body: F) -> (Vec<T>, Result<BodyAt>)
where
    T: Send + 'static,
    F: Fn(&T) -> &MessageBytes + Send + 'static,
{
    let spool = spool.clone();
    let appended = tokio::task::spawn_blocking(move || {
        let pieces: Vec<&[u8]> = items.iter().flat_map(|item| body(item).chunks()).collect();
        let at = lock(&spool).append_pieces(&pieces);
        drop(pieces);
        (items, at)
    })
    .await;
    appended.unwrap_or_else(|error| (Vec::new(), Err(StoreError::Io(io::Error::other(error)))))
}

/// The spool, even if an append panicked while holding it: its state is
/// only ever changed after the write it describes succeeded.
pub fn lock(spool: &SharedSpool) -> MutexGuard<'_, SpoolWriter> {
    spool
        .lock()
        .unwrap_or_else(|poisoned| poisoned.into_inner())
}

pub struct SpoolWriter {
    dir: PathBuf,
    /// Every segment file and its length; the last may be `current`.
    segments: BTreeMap<u64, u64>,
    current: Option<Current>,
    /// The number the next segment gets: never one used before, since
    /// finished messages keep pointing at the segments they had.
    next_number: u64,
    /// Caps the bytes of all segments (a full disk, in tests).
    max_bytes: Option<u64>,
    /// A segment takes appends until it is this long; then the next starts.
    segment_bytes: u64,
    /// Segments seen without a waiting message, since when.
    free_since: HashMap<u64, Instant>,
}

struct Current {
    number: u64,
    file: File,
}

impl SpoolWriter {
    /// Opens the spool in `data_dir`, creating it if needed. `used_before` is
    /// the highest segment number rows point at, so none is reused.
    pub fn open(
        data_dir: &Path,
        used_before: u64,
        max_bytes: Option<u64>,
        segment_bytes: u64,
    ) -> io::Result<Self> {
        let dir = data_dir.join(DIR_NAME);
        crate::private_files::create_dir_all(&dir)?;
        let mut segments = BTreeMap::new();
        for entry in std::fs::read_dir(&dir)? {
            let entry = entry?;
            if let Some(number) = segment_number(&entry.file_name().to_string_lossy()) {
                segments.insert(number, entry.metadata()?.len());
            }
        }
        let highest_file = segments.keys().next_back().copied().unwrap_or(0);
        Ok(SpoolWriter {
            dir,
            segments,
            current: None,
            next_number: highest_file.max(used_before) + 1,
            max_bytes,
            segment_bytes,
            free_since: HashMap::new(),
        })
    }

    /// Appends `bodies` (one blob, every body after the other) and syncs
    /// them to disk; the answer is where the blob starts. A full disk (or
    /// the cap) is `StoreError::Full`, and nothing is pointed at what a
    /// failed append may have left.
    #[cfg(test)]
    pub fn append(&mut self, bodies: &[u8]) -> Result<BodyAt> {
        self.append_pieces(&[bodies])
    }

    /// Appends `pieces`, one after the other, as one blob (see `append`).
    pub fn append_pieces(&mut self, pieces: &[&[u8]]) -> Result<BodyAt> {
        let len: u64 = pieces.iter().map(|piece| piece.len() as u64).sum();
        if let Some(max) = self.max_bytes
            && self.bytes() + len > max
        {
            return Err(StoreError::Full(format!(
                "the body spool would pass its cap of {max} bytes"
            )));
        }
        let at = self.current_segment()?;
        let written = self.write_synced(at.segment, pieces);
        if let Err(error) = written {
            // Its length is unknown now: the next append starts a new one.
            self.current = None;
            return Err(io_error(error));
        }
        *self.segments.entry(at.segment).or_insert(0) += len;
        if at.offset + len >= self.segment_bytes {
            self.current = None;
        }
        Ok(at)
    }

    /// Bytes in all segments.
    pub fn bytes(&self) -> u64 {
        self.segments.values().sum()
    }

    /// Segments other than the one taking appends: the ones `collect` asks
    /// about.
    pub fn closed_segments(&self) -> Vec<u64> {
        let current = self.current.as_ref().map(|c| c.number);
        self.segments
            .keys()
            .copied()
            .filter(|&n| Some(n) != current)
            .collect()
    }

    /// Of the closed segments no waiting message needs (`unused`), the ones
    /// unused for `grace` by now: the ones `delete` may take. A segment
    /// missing from `unused` starts its grace over when it turns up again.
    pub fn past_grace(&mut self, unused: &[u64], now: Instant, grace: Duration) -> Vec<u64> {
        self.free_since.retain(|n, _| unused.contains(n));
        unused
            .iter()
            .copied()
            .filter(|&number| {
                let since = *self.free_since.entry(number).or_insert(now);
                now.saturating_duration_since(since) >= grace
            })
            .collect()
    }

    /// Deletes `segments` (from `past_grace`); returns how many files went.
    pub fn delete(&mut self, segments: &[u64]) -> io::Result<usize> {
        let mut deleted = 0;
        for &number in segments {
            match std::fs::remove_file(self.dir.join(segment_name(number))) {
                Ok(()) => deleted += 1,
                Err(error) if error.kind() == io::ErrorKind::NotFound => {}
                Err(error) => return Err(error),
            }
            self.segments.remove(&number);
            self.free_since.remove(&number);
        }
        Ok(deleted)
    }

    /// The segment taking appends, and where the next append lands in it.
    fn current_segment(&mut self) -> Result<BodyAt> {
        let unlinked = self.current.as_ref().is_some_and(|c| !self.still_linked(c));
        if unlinked && let Some(current) = self.current.take() {
            // Removed behind the node's back: what is appended to it now
            // would be lost with it, so the next segment starts.
            let path = self.dir.join(segment_name(current.number));
            tracing::error!(segment = %path.display(), "the spool segment being written was removed by something else; starting a new one");
        }
        if let Some(current) = &self.current {
            let offset = self.segments.get(&current.number).copied().unwrap_or(0);
            return Ok(BodyAt {
                segment: current.number,
                offset,
            });
        }
        let number = self.next_number;
        let file = crate::private_files::create_new_append(&self.dir.join(segment_name(number)))
            .map_err(io_error)?;
        // The new file's name must be on disk before a row points into it.
        File::open(&self.dir)
            .and_then(|dir| dir.sync_all())
            .map_err(io_error)?;
        self.next_number += 1;
        self.segments.insert(number, 0);
        self.current = Some(Current { number, file });
        Ok(BodyAt {
            segment: number,
            offset: 0,
        })
    }

    /// Whether the segment's file is still the one in the spool directory
    /// (same inode), checked before each append.
    fn still_linked(&self, current: &Current) -> bool {
        use std::os::unix::fs::MetadataExt;
        let path = self.dir.join(segment_name(current.number));
        match (std::fs::metadata(path), current.file.metadata()) {
            (Ok(named), Ok(open)) => named.ino() == open.ino() && named.dev() == open.dev(),
            _ => false,
        }
    }

    fn write_synced(&mut self, segment: u64, pieces: &[&[u8]]) -> io::Result<()> {
        let current = self.current.as_mut().filter(|c| c.number == segment);
        let Some(current) = current else {
            return Err(io::Error::other("the spool segment is not open"));
        };
        for piece in pieces {
            current.file.write_all(piece)?;
        }
        current.file.sync_data()
    }
}

/// Reads bodies from the spool's files.
#[derive(Clone)]
pub struct SpoolReader {
    dir: PathBuf,
}

/// A body to read: which, where, how long.
pub struct BodyRead<K> {
    pub key: K,
    pub at: BodyAt,
    pub len: u64,
}

impl SpoolReader {
    pub fn new(data_dir: &Path) -> SpoolReader {
        SpoolReader {
            dir: data_dir.join(DIR_NAME),
        }
    }

    /// The file of segment `segment`, for a reader that streams a body.
    pub fn segment_path(&self, segment: u64) -> PathBuf {
        self.dir.join(segment_name(segment))
    }

    /// Reads `wanted` off the blocking pool, opening each segment once. A
    /// body whose segment is gone (its message finished long ago) is left
    /// out; one cut short is a broken store.
    pub async fn read<K: Send + 'static>(
        &self,
        wanted: Vec<BodyRead<K>>,
    ) -> Result<Vec<(K, Vec<u8>)>> {
        if wanted.is_empty() {
            return Ok(Vec::new());
        }
        let dir = self.dir.clone();
        tokio::task::spawn_blocking(move || read_all(&dir, wanted))
            .await
            .map_err(|error| StoreError::Io(io::Error::other(error)))?
    }
}

fn read_all<K>(dir: &Path, wanted: Vec<BodyRead<K>>) -> Result<Vec<(K, Vec<u8>)>> {
    let mut files: HashMap<u64, Option<File>> = HashMap::new();
    let mut bodies = Vec::with_capacity(wanted.len());
    for read in wanted {
        let file = match files.get(&read.at.segment) {
            Some(file) => file,
            None => {
                let opened = match File::open(dir.join(segment_name(read.at.segment))) {
                    Ok(file) => Some(file),
                    Err(error) if error.kind() == io::ErrorKind::NotFound => None,
                    Err(error) => return Err(error.into()),
                };
                files.entry(read.at.segment).or_insert(opened)
            }
        };
        let Some(file) = file else { continue };
        let len = usize::try_from(read.len)
            .map_err(|_| StoreError::Corrupt(format!("a body of {} bytes", read.len)))?;
        let mut body = vec![0; len];
        file.read_exact_at(&mut body, read.at.offset)
            .map_err(|error| {
                StoreError::Corrupt(format!(
                    "body at {} in spool segment {}: {error}",
                    read.at.offset, read.at.segment
                ))
            })?;
        bodies.push((read.key, body));
    }
    Ok(bodies)
}

fn segment_name(number: u64) -> String {
    format!("{number:016}.seg")
}

fn segment_number(name: &str) -> Option<u64> {
    name.strip_suffix(".seg")?.parse().ok()
}

/// Running out of space is `Full`, as for the database (see `failure`).
fn io_error(error: io::Error) -> StoreError {
    if is_out_of_space_io(&error) {
        StoreError::Full(error.to_string())
    } else {
        StoreError::Io(error)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[tokio::test]
    async fn appended_bodies_are_read_back_where_append_said_they_are() {
        let dir = tempfile::tempdir().unwrap();
        let mut spool = SpoolWriter::open(dir.path(), 0, None, 1 << 20).unwrap();
        let first = spool.append(b"helloworld").unwrap();
        let second = spool.append(b"again").unwrap();
        assert_eq!(
            first,
            BodyAt {
                segment: 1,
                offset: 0
            }
        );
        assert_eq!(
            second,
            BodyAt {
                segment: 1,
                offset: 10
            }
        );
        let reader = SpoolReader::new(dir.path());
        let read = reader
            .read(vec![
                BodyRead {
                    key: "world",
                    at: BodyAt {
                        segment: 1,
                        offset: 5,
                    },
                    len: 5,
                },
                BodyRead {
                    key: "again",
                    at: second,
                    len: 5,
                },
            ])
            .await
            .unwrap();
        assert_eq!(
            read,
            vec![("world", b"world".to_vec()), ("again", b"again".to_vec())]
        );
    }

    #[test]
    fn pieces_are_appended_as_one_blob() {
        let dir = tempfile::tempdir().unwrap();
        let mut spool = SpoolWriter::open(dir.path(), 0, None, 1 << 20).unwrap();
        spool.append(b"ab").unwrap();
        let at = spool.append_pieces(&[b"cd", b"", b"efg"]).unwrap();
        assert_eq!((at.offset, spool.bytes()), (2, 7));
        let written = std::fs::read(dir.path().join(DIR_NAME).join(segment_name(1))).unwrap();
        assert_eq!(written, b"abcdefg");
    }

    #[test]
    fn a_reopened_spool_starts_a_new_segment_past_every_number_used() {
        let dir = tempfile::tempdir().unwrap();
        let mut spool = SpoolWriter::open(dir.path(), 0, None, 1 << 20).unwrap();
        spool.append(b"one").unwrap();
        drop(spool);
        let mut reopened = SpoolWriter::open(dir.path(), 0, None, 1 << 20).unwrap();
        assert_eq!(reopened.append(b"two").unwrap().segment, 2);
        assert_eq!(reopened.bytes(), 6, "both segments counted");
        // Rows pointing at segment 7, whose file is gone, keep 7 from reuse.
        let mut past_rows = SpoolWriter::open(dir.path(), 7, None, 1 << 20).unwrap();
        assert_eq!(past_rows.append(b"three").unwrap().segment, 8);
    }

    #[test]
    fn an_append_past_the_cap_is_full_and_writes_nothing() {
        let dir = tempfile::tempdir().unwrap();
        let mut spool = SpoolWriter::open(dir.path(), 0, Some(8), 1 << 20).unwrap();
        spool.append(b"12345").unwrap();
        let refused = spool.append(b"6789");
        assert!(matches!(refused, Err(StoreError::Full(_))), "{refused:?}");
        assert_eq!(spool.bytes(), 5);
        assert_eq!(spool.append(b"678").unwrap().offset, 5);
    }

    #[tokio::test]
    async fn unused_segments_go_only_after_the_grace_and_never_the_current_one() {
        let dir = tempfile::tempdir().unwrap();
        let mut spool = SpoolWriter::open(dir.path(), 0, None, 1 << 20).unwrap();
        spool.append(b"old").unwrap();
        drop(spool);
        let mut spool = SpoolWriter::open(dir.path(), 0, None, 1 << 20).unwrap();
        spool.append(b"new").unwrap();
        assert_eq!(spool.closed_segments(), vec![1], "segment 2 takes appends");

        let start = Instant::now();
        let grace = Duration::from_secs(60);
        assert!(
            spool.past_grace(&[1], start, grace).is_empty(),
            "first seen unused"
        );
        let later = start + grace;
        assert_eq!(spool.past_grace(&[1], later, grace), vec![1]);
        assert!(dir.path().join(DIR_NAME).join(segment_name(1)).exists());
        assert_eq!(spool.delete(&[1]).unwrap(), 1);
        assert!(!dir.path().join(DIR_NAME).join(segment_name(1)).exists());
        assert_eq!(spool.bytes(), 3);

        // A body in a deleted segment is left out, not an error.
        let reader = SpoolReader::new(dir.path());
        let gone = BodyRead {
            key: 1,
            at: BodyAt {
                segment: 1,
                offset: 0,
            },
            len: 3,
        };
        assert!(reader.read(vec![gone]).await.unwrap().is_empty());
    }

    #[test]
    fn a_segment_used_again_within_the_grace_starts_its_grace_over() {
        let dir = tempfile::tempdir().unwrap();
        std::fs::create_dir_all(dir.path().join(DIR_NAME)).unwrap();
        std::fs::write(dir.path().join(DIR_NAME).join(segment_name(1)), b"x").unwrap();
        let mut spool = SpoolWriter::open(dir.path(), 0, None, 1 << 20).unwrap();
        let start = Instant::now();
        let grace = Duration::from_secs(60);
        assert!(spool.past_grace(&[1], start, grace).is_empty());
        assert!(spool.past_grace(&[], start + grace / 2, grace).is_empty());
        assert!(
            spool.past_grace(&[1], start + grace, grace).is_empty(),
            "in use at start + grace / 2, so unused only since now"
        );
        assert_eq!(spool.past_grace(&[1], start + grace * 2, grace), vec![1]);
    }

    #[tokio::test]
    async fn a_body_cut_short_is_a_broken_store() {
        let dir = tempfile::tempdir().unwrap();
        let mut spool = SpoolWriter::open(dir.path(), 0, None, 1 << 20).unwrap();
        let at = spool.append(b"short").unwrap();
        let reader = SpoolReader::new(dir.path());
        let read = reader
            .read(vec![BodyRead {
                key: (),
                at,
                len: 50,
            }])
            .await;
        assert!(matches!(read, Err(StoreError::Corrupt(_))), "{read:?}");
    }
}
