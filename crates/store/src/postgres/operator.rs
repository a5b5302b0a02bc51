//! Operator work on the shared database: listings, waiting counts and
//! pages, selections, and actions on a connector's queue or on chosen
//! recipients. See `docs/postgres-store.md`.

pub mod acting;
pub mod by_recipient;
pub mod listing;
pub mod newest_first;
pub mod selection;
pub mod waiting;
pub mod waiting_addresses;
