//! A message's bytes as received, in chunks that are never moved.
//!
//! A message grown in one `Vec` is copied each time the `Vec` outgrows its
//! allocation, and for a moment the old and the new allocation are both held
//! (a 34 MB message passes through 32 MB + 64 MB); putting a header in front
//! of it, or several messages one after the other, copies it again. Chunks
//! are filled and never reallocated, a header goes in front as a chunk of
//! its own, and whoever writes the message out writes the chunks one by
//! one: the message is in memory once, and [`MessageBytes::capacity`] is
//! what it really takes, so that a memory budget can cover exactly that.

use std::fmt;

/// The first chunk: an ordinary message fits in it.
const FIRST_CHUNK: usize = 16 * 1024;
/// No chunk is larger: what a message takes is its length plus at most this.
pub const MAX_CHUNK: usize = 64 * 1024;

#[derive(Clone, Default)]
pub struct MessageBytes {
    chunks: Vec<Vec<u8>>,
    len: usize,
}

impl MessageBytes {
    pub fn new() -> MessageBytes {
        MessageBytes::default()
    }

    pub fn len(&self) -> usize {
        self.len
    }

    pub fn is_empty(&self) -> bool {
        self.len == 0
    }

    /// The memory the bytes take (the chunks' allocations).
    pub fn capacity(&self) -> usize {
        self.chunks.iter().map(Vec::capacity).sum()
    }

    /// What [`MessageBytes::capacity`] will be once `more` bytes are added:
    /// nothing is allocated beyond it.
    pub fn capacity_after(&self, more: usize) -> usize {
        let mut capacity = self.capacity();
        let mut room = self.room();
        let mut len = self.len;
        let mut more = more;
        while more > room {
            more -= room;
            len += room;
            room = next_chunk(len);
            capacity += room;
        }
        capacity
    }

    /// Appends `bytes`, filling the last chunk before starting another.
    pub fn extend_from_slice(&mut self, mut bytes: &[u8]) {
        while !bytes.is_empty() {
            if self.room() == 0 {
                self.chunks.push(Vec::with_capacity(next_chunk(self.len)));
            }
            let take = self.room().min(bytes.len());
            let last = self.chunks.last_mut().expect("a chunk with room");
            last.extend_from_slice(&bytes[..take]);
            self.len += take;
            bytes = &bytes[take..];
        }
    }

    /// Puts `bytes` in front, as a chunk of its own: nothing is copied.
    pub fn prepend(&mut self, bytes: Vec<u8>) {
        if bytes.is_empty() {
            return;
        }
        self.len += bytes.len();
        self.chunks.insert(0, bytes);
    }

    /// The bytes, chunk by chunk, in order.
    pub fn chunks(&self) -> impl Iterator<Item = &[u8]> {
        self.chunks.iter().map(Vec::as_slice)
    }

    /// Whether every byte is ASCII: the message can go to a server that
    /// does not offer 8BITMIME without saying `BODY=8BITMIME`.
    pub fn is_ascii(&self) -> bool {
        self.chunks().all(<[u8]>::is_ascii)
    }

    /// The bytes one by one, in order.
    pub fn bytes(&self) -> impl Iterator<Item = u8> + '_ {
        self.chunks().flatten().copied()
    }

    /// A copy in one piece (tests, small messages).
    pub fn to_vec(&self) -> Vec<u8> {
        let mut all = Vec::with_capacity(self.len);
        for chunk in self.chunks() {
            all.extend_from_slice(chunk);
        }
        all
    }

    /// Room left in the last chunk without reallocating it.
    fn room(&self) -> usize {
        self.chunks
            .last()
            .map_or(0, |last| last.capacity() - last.len())
    }
}

/// The size of the chunk that follows `len` bytes: small messages stay
/// small, large ones go in chunks of [`MAX_CHUNK`].
fn next_chunk(len: usize) -> usize {
    len.clamp(FIRST_CHUNK, MAX_CHUNK)
}

impl From<Vec<u8>> for MessageBytes {
    /// One chunk: the `Vec` itself, not a copy.
    fn from(bytes: Vec<u8>) -> MessageBytes {
        let mut message = MessageBytes::new();
        message.prepend(bytes);
        message
    }
}

impl From<&[u8]> for MessageBytes {
    fn from(bytes: &[u8]) -> MessageBytes {
        let mut message = MessageBytes::new();
        message.extend_from_slice(bytes);
        message
    }
}

impl<const N: usize> From<&[u8; N]> for MessageBytes {
    fn from(bytes: &[u8; N]) -> MessageBytes {
        MessageBytes::from(&bytes[..])
    }
}

/// Equal when the bytes are, however they are chunked.
impl PartialEq for MessageBytes {
    fn eq(&self, other: &MessageBytes) -> bool {
        self.len == other.len && self.bytes().eq(other.bytes())
    }
}

impl Eq for MessageBytes {}

impl PartialEq<Vec<u8>> for MessageBytes {
    fn eq(&self, other: &Vec<u8>) -> bool {
        self.len == other.len() && self.bytes().eq(other.iter().copied())
    }
}

impl PartialEq<MessageBytes> for Vec<u8> {
    fn eq(&self, other: &MessageBytes) -> bool {
        other == self
    }
}

impl fmt::Debug for MessageBytes {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let text = String::from_utf8_lossy(&self.to_vec()).into_owned();
        f.debug_tuple("MessageBytes").field(&text).finish()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn bytes_go_in_chunks_that_are_never_reallocated() {
        let mut message = MessageBytes::new();
        message.extend_from_slice(b"a");
        assert_eq!(message.capacity(), FIRST_CHUNK);
        let first = message.chunks().next().unwrap().as_ptr();
        let big = vec![b'x'; 300 * 1024];
        message.extend_from_slice(&big);
        assert_eq!(message.len(), 1 + big.len());
        assert_eq!(
            message.chunks().next().unwrap().as_ptr(),
            first,
            "not moved"
        );
        assert!(message.chunks().all(|chunk| chunk.len() <= MAX_CHUNK));
        assert!(message.capacity() < message.len() + MAX_CHUNK);
        assert_eq!(message.to_vec()[1..], big[..]);
    }

    #[test]
    fn the_capacity_foretold_is_the_capacity_taken() {
        for (start, more) in [
            (0, 0),
            (0, 1),
            (10, 16 * 1024),
            (5000, 200_000),
            (70_000, 3),
        ] {
            let mut message = MessageBytes::from(&vec![b'a'; start][..]);
            let foretold = message.capacity_after(more);
            message.extend_from_slice(&vec![b'b'; more]);
            assert_eq!(message.capacity(), foretold, "{start} then {more}");
        }
    }

    #[test]
    fn a_prepended_header_is_a_chunk_of_its_own_and_equality_ignores_chunks() {
        let mut message = MessageBytes::from(&b"body\r\n"[..]);
        message.prepend(b"Received: x\r\n".to_vec());
        assert_eq!(message.chunks().count(), 2);
        assert_eq!(message, MessageBytes::from(&b"Received: x\r\nbody\r\n"[..]));
        assert_ne!(message, MessageBytes::from(&b"Received: x\r\nbody\r"[..]));
    }
}
