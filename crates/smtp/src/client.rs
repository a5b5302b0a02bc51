//! The client side of the SMTP wire.
