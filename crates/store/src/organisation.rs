//! Organisations as a whole: made, removed and renamed with every row they
//! own, whichever back end keeps them.
//!
//! An organisation exists while it has saved settings (`org_settings`).
//! Its rows are every row, in every table, that names it in `org`: one
//! list of those tables serves removal and renaming on both back ends, so
//! a table that gains an `org` column is added here once and both learn of
//! it. The waiting counts are kept apart: they follow the recipients, which
//! each back end counts in its own way (see `COUNT_TABLES`).
//!
//! Queue keys name their organisation too (`acme/onprem`, see
//! `mailflow_core::Route::next_hop`): renaming an organisation renames the
//! keys of its recipients (`contoso/onprem`) and of its next hops' holds;
//! removing it deletes those holds.

/// What removing an organisation did.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum OrgRemoval {
    /// It is gone, with every row it had.
    Removed,
    /// No organisation of that name has settings: nothing changed.
    Unknown,
    /// Mail of it still waits, so nothing changed: `recipients` waiting
    /// (queued, in flight, deferred or suspended) and `reports` owed to
    /// senders of its messages.
    StillQueued { recipients: u64, reports: u64 },
}

/// What renaming an organisation did.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum OrgRename {
    /// Every row of the old name is the new name's.
    Renamed,
    /// No organisation of the old name has settings: nothing changed.
    Unknown,
    /// An organisation of the new name has settings: nothing changed.
    Taken,
}

/// Whether `name` can never be an organisation's: `''` stands for every
/// organisation where one is named (an admin token for all of them), so it
/// is taken from the start.
pub fn is_reserved(name: &str) -> bool {
    name.is_empty()
}

/// The tables whose rows belong to the organisation named in their `org`
/// column, taken as they are: removing an organisation deletes them,
/// renaming it changes the name. Rows that refer to others come before
/// them (recipients before their messages, the outbox before its alerts),
/// so deletes in this order meet no foreign key. The settings come last:
/// they are what makes the organisation exist.
pub const ORG_TABLES: &[&str] = &[
    "recipients",
    "messages",
    "events",
    "history",
    "alert_outbox",
    "alerts",
    "alert_settings",
    "alert_daily_counts",
    "invalid_recipients",
    "submission_users",
    "admin_tokens",
    "audit_log",
    "org_settings",
];

/// The waiting counts, per organisation: they follow its recipients.
/// Removal deletes them (an organisation is removed only once none of its
/// recipients waits, so they are all zero); renaming moves them, each back
/// end as it keeps them (the embedded store's triggers move a recipient's
/// count as its `org` changes; PostgreSQL's code moves the rows).
pub const COUNT_TABLES: &[&str] = &["pending_counts", "suspended_counts"];

/// Every table above, by name: what a test finds with an `org` column.
#[cfg(test)]
pub fn every_table() -> Vec<&'static str> {
    let mut tables: Vec<_> = ORG_TABLES.iter().chain(COUNT_TABLES).copied().collect();
    tables.sort();
    tables
}
