//! Bodies go from their source to the socket a piece at a time, stuffed on
//! the way: what the next hop reads back is the body, byte for byte, however
//! the pieces fall; a body that cannot be read is never ended with a dot.

use crate::common::*;
use async_trait::async_trait;
use mailflow_core::{Diagnosis, EnhancedCode, TlsPolicy};
use mailflow_deliver::{BodyRead, BodySource, MessageBody, OutboundMessage, RecipientOutcome};
use mailflow_testkit::{SmtpBehavior, SmtpServer};
use std::io;
use std::pin::Pin;
use std::sync::Arc;
use std::task::{Context, Poll};
use tokio::io::{AsyncRead, ReadBuf};

/// A body given out at most `piece` bytes per read, failing with an I/O
/// error after `fail_after` bytes if set, or failing to open at all.
#[derive(Debug)]
struct Pieces {
    body: Arc<[u8]>,
    piece: usize,
    fail_after: Option<usize>,
    unopenable: bool,
}

impl Pieces {
    fn of(body: &[u8], piece: usize) -> Pieces {
        Pieces {
            body: Arc::from(body),
            piece,
            fail_after: None,
            unopenable: false,
        }
    }
}

#[async_trait]
impl BodySource for Pieces {
    fn size(&self) -> u64 {
        self.body.len() as u64
    }

    fn held_by_reader(&self) -> u64 {
        0
    }

    async fn open(&self) -> io::Result<BodyRead> {
        if self.unopenable {
            return Err(io::Error::new(io::ErrorKind::NotFound, "segment gone"));
        }
        Ok(Box::new(PieceReader {
            body: self.body.clone(),
            at: 0,
            piece: self.piece,
            fail_after: self.fail_after,
        }))
    }
}

struct PieceReader {
    body: Arc<[u8]>,
    at: usize,
    piece: usize,
    fail_after: Option<usize>,
}

impl AsyncRead for PieceReader {
    fn poll_read(
        mut self: Pin<&mut Self>,
        _cx: &mut Context<'_>,
        buf: &mut ReadBuf<'_>,
    ) -> Poll<io::Result<()>> {
        if self.fail_after.is_some_and(|limit| self.at >= limit) {
            return Poll::Ready(Err(io::Error::other("disk read failed")));
        }
        let end = (self.at + self.piece.min(buf.remaining())).min(self.body.len());
        buf.put_slice(&self.body[self.at..end]);
        self.at = end;
        Poll::Ready(Ok(()))
    }
}

fn message_from(source: Pieces) -> OutboundMessage {
    OutboundMessage {
        body: MessageBody::new(Arc::new(source)),
        ..message(&["bob@dest.test"])
    }
}

/// About `size` bytes of lines of many lengths, a good share starting with
/// one or more dots or being a lone dot, with one 8-bit line late on.
fn dotted_body(size: usize) -> Vec<u8> {
    let mut body = b"Subject: dots\r\n\r\n".to_vec();
    let mut seed: u64 = 0x2545_f491_4f6c_dd1d;
    while body.len() < size {
        seed ^= seed << 13;
        seed ^= seed >> 7;
        seed ^= seed << 17;
        let line: &[u8] = match seed % 6 {
            0 => b".\r\n",
            1 => b"..\r\n",
            2 => b".leading dot\r\n",
            3 => b"",
            _ => b"plain text of a line\r\n",
        };
        body.extend_from_slice(line);
        let filler = (seed >> 8) as usize % 90;
        body.extend(std::iter::repeat_n(b'x', filler));
        body.extend_from_slice(b"\r\n");
    }
    body.extend_from_slice("late 8-bit line: é\r\n.\r\n".as_bytes());
    body
}

/// Offsets where a read of `piece` bytes starts, the byte before and at it.
fn boundaries(body: &[u8], piece: usize) -> impl Iterator<Item = (u8, u8)> + '_ {
    (piece..body.len())
        .step_by(piece)
        .map(|at| (body[at - 1], body[at]))
}

#[tokio::test]
async fn a_large_body_read_in_odd_pieces_arrives_byte_identical() {
    let server = SmtpServer::start(
        SmtpBehavior::new()
            .extension("8BITMIME")
            .extension("SIZE 100000000"),
    )
    .await;
    let plan = smart_hosts(&[server.addr()], TlsPolicy::Opportunistic);
    let body = dotted_body(4 * 1024 * 1024);
    // Prime-sized pieces: a dot starting a line and a CRLF fall on a piece
    // boundary somewhere in the body.
    let piece = 1021;
    assert!(boundaries(&body, piece).any(|pair| pair == (b'\n', b'.')));
    assert!(boundaries(&body, piece).any(|pair| pair == (b'\r', b'\n')));

    let report = deliverer()
        .deliver(&plan, &[message_from(Pieces::of(&body, piece))])
        .await;

    assert!(
        matches!(report.messages[0][0], RecipientOutcome::Delivered { .. }),
        "{:?}",
        report.messages
    );
    let received = &server.wait_for_messages(1, WAIT).await.unwrap()[0];
    assert!(received.data == body, "the body arrived changed");
    let size = format!("SIZE={}", body.len());
    assert!(
        received.mail_params.contains(&size),
        "{:?}",
        received.mail_params
    );
    assert!(
        received.mail_params.iter().any(|p| p == "BODY=8BITMIME"),
        "the 8-bit line past the first piece was seen: {:?}",
        received.mail_params
    );
}

#[tokio::test]
async fn a_body_that_fails_midway_is_never_ended_and_is_a_local_temporary_failure() {
    let server = SmtpServer::start(SmtpBehavior::new()).await;
    let plan = smart_hosts(&[server.addr()], TlsPolicy::Opportunistic);
    let body = dotted_body(512 * 1024);
    let source = Pieces {
        fail_after: Some(200 * 1024),
        ..Pieces::of(&body, 4096)
    };

    let report = deliverer().deliver(&plan, &[message_from(source)]).await;

    let (diagnosis, _) = only_diagnosis(&report);
    assert_eq!(diagnosis.code(), EnhancedCode(4, 3, 0), "{diagnosis:?}");
    assert!(matches!(
        diagnosis,
        Diagnosis::Local {
            reply_code: 451,
            ..
        }
    ));
    assert!(
        diagnosis.detail().contains("disk read failed"),
        "{diagnosis:?}"
    );
    server.wait_for_connections(1, WAIT).await.unwrap();
    assert!(
        server.messages().is_empty(),
        "the server took part of a message"
    );
}

#[tokio::test]
async fn a_body_that_cannot_be_opened_fails_alone_and_the_session_goes_on() {
    let server = SmtpServer::start(SmtpBehavior::new()).await;
    let plan = smart_hosts(&[server.addr()], TlsPolicy::Opportunistic);
    let gone = Pieces {
        unopenable: true,
        ..Pieces::of(b"never read\r\n", 64)
    };
    let fine = message_with_body(&["carol@dest.test"], b"Subject: fine\r\n\r\nHi.\r\n");

    let report = deliverer()
        .deliver(&plan, &[message_from(gone), fine])
        .await;

    let RecipientOutcome::Failed { diagnosis, .. } = &report.messages[0][0] else {
        panic!("{:?}", report.messages[0]);
    };
    assert_eq!(diagnosis.code(), EnhancedCode(4, 3, 0), "{diagnosis:?}");
    assert!(matches!(
        report.messages[1][0],
        RecipientOutcome::Delivered { .. }
    ));
    let received = server.wait_for_messages(1, WAIT).await.unwrap();
    assert_eq!(received[0].accepted_recipients(), ["carol@dest.test"]);
    assert_eq!(server.connections(), 1, "one session carried both");
}
