//! The server side of the SMTP wire.
