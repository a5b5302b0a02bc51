//! What the scripted SMTP server saw, for tests to assert on.

/// One connection, as the server saw it.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct SessionRecord {
    /// The name given in the last EHLO or HELO.
    pub ehlo: Option<String>,
    /// A TLS handshake completed.
    pub tls: bool,
    /// Every command line received, without CRLF (message data excluded).
    pub commands: Vec<String>,
}

/// One RCPT TO command.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ReceivedRecipient {
    pub address: String,
    /// Parameters after the address, e.g. `NOTIFY=SUCCESS,FAILURE`.
    pub params: Vec<String>,
    /// The server answered it with 2xx.
    pub accepted: bool,
}

/// One transaction whose message data arrived in full.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ReceivedMessage {
    /// 0-based number of the connection that carried it.
    pub connection: usize,
    /// 0-based number of the transaction within that connection.
    pub transaction: usize,
    pub ehlo: Option<String>,
    pub tls: bool,
    /// The reverse path without angle brackets; empty for the null sender.
    pub mail_from: String,
    /// Parameters after the reverse path, e.g. `SIZE=1234`, `RET=HDRS`.
    pub mail_params: Vec<String>,
    pub recipients: Vec<ReceivedRecipient>,
    /// The message as sent, with dot-stuffing removed and without the final dot.
    pub data: Vec<u8>,
    /// The reply given after the final dot; `None` when a fault cut it off.
    pub final_reply: Option<String>,
}

impl ReceivedMessage {
    /// The addresses the server accepted, in order.
    pub fn accepted_recipients(&self) -> Vec<String> {
        self.recipients
            .iter()
            .filter(|r| r.accepted)
            .map(|r| r.address.clone())
            .collect()
    }

    pub fn data_text(&self) -> String {
        String::from_utf8_lossy(&self.data).into_owned()
    }
}
