//! Non-delivery reports and delay notices (RFC 3464).
