//! The reports' (NDRs and delay notices) integration tests, in one test
//! binary: reports built and read back with mail-parser and with Python's
//! `email` package: their RFC 3464 structure, the human text in every
//! language, what goes to outside senders, the returned content, and that
//! no value can add a header. `support` holds the fixtures and the reader.

mod support;

mod catalogue_coverage;
mod delay_notice;
mod failure_report;
mod header_injection;
mod human_text;
mod languages;
mod outside_senders;
mod python_email;
mod returned_content;
