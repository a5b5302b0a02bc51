//! The column encodings (`crate::columns`), and building SQLite's `IN`
//! lists from them.

pub use crate::columns::*;
use mailflow_core::MessageId;
use sqlx::{QueryBuilder, Sqlite};

/// Appends `ids` to an `IN (` list being built, as bound parameters.
pub fn push_ids(query: &mut QueryBuilder<'_, Sqlite>, ids: impl IntoIterator<Item = MessageId>) {
    let mut list = query.separated(", ");
    for id in ids {
        list.push_bind(id_to_db(id));
    }
}
