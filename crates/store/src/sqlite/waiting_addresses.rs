//! The addresses a connector's waiting recipients go to, per domain, read
//! from `recipients_waiting_address` (organisation, connector, domain,
//! lower-case address; migration 0014): the distinct addresses one seek
//! each, and the recipients of a few addresses counted from the index. Stop
//! relaying's preview counts the recipients its directory does not know
//! this way, without walking the recipients of addresses it does know.

use super::codec::{count_to_u64, limit_to_db};
use crate::Result;
use sqlx::{Row, SqliteConnection};

/// The recipients of `?1` (org), `?2` (connector) and `?3` (domain) that
/// wait (`queued`, `deferred`, `suspended`): the index's own condition.
const OF_DOMAIN: &str = "org = ?1 AND route_connector = ?2 AND route_domain = ?3 \
     AND state IN ('queued', 'deferred', 'suspended')";

/// At most `limit` distinct lower-case addresses after `after` (from the
/// first when `None`), in order.
pub async fn waiting_addresses(
    conn: &mut SqliteConnection,
    org: &str,
    connector: &str,
    domain: &str,
    after: Option<&str>,
    limit: usize,
) -> Result<Vec<String>> {
    let rows = sqlx::query(&distinct_sql())
        .bind(org)
        .bind(connector)
        .bind(domain.to_ascii_lowercase())
        .bind(after.unwrap_or(""))
        .bind(limit_to_db(limit))
        .fetch_all(conn)
        .await?;
    rows.iter().map(|row| Ok(row.try_get("address")?)).collect()
}

/// A skip through the index: each step seeks the first address past the
/// one before, so a million recipients of one address are one step.
fn distinct_sql() -> String {
    format!(
        "WITH RECURSIVE next(address) AS ( \
         SELECT (SELECT LOWER(address) FROM recipients WHERE {OF_DOMAIN} \
          AND LOWER(address) > ?4 ORDER BY LOWER(address) LIMIT 1) \
         UNION ALL \
         SELECT (SELECT LOWER(address) FROM recipients WHERE {OF_DOMAIN} \
          AND LOWER(address) > next.address ORDER BY LOWER(address) LIMIT 1) \
         FROM next WHERE next.address IS NOT NULL LIMIT ?5) \
         SELECT address FROM next WHERE address IS NOT NULL"
    )
}

/// Addresses per statement, far below SQLite's limit on parameters.
const ADDRESSES_PER_STATEMENT: usize = 500;

/// How many waiting recipients go to one of `addresses` (compared without
/// regard to case).
pub async fn waiting_to(
    conn: &mut SqliteConnection,
    org: &str,
    connector: &str,
    domain: &str,
    addresses: &[String],
) -> Result<u64> {
    let mut total = 0;
    for chunk in addresses.chunks(ADDRESSES_PER_STATEMENT) {
        let sql = count_sql(chunk.len());
        let mut query = sqlx::query(&sql)
            .bind(org)
            .bind(connector)
            .bind(domain.to_ascii_lowercase());
        for address in chunk {
            query = query.bind(address.to_ascii_lowercase());
        }
        let row = query.persistent(false).fetch_one(&mut *conn).await?;
        total += count_to_u64("n", row.try_get("n")?)?;
    }
    Ok(total)
}

/// Counts over `addresses` addresses (`?4` on): a seek per address, and
/// the recipients of those addresses only.
fn count_sql(addresses: usize) -> String {
    let list: Vec<String> = (4..4 + addresses).map(|n| format!("?{n}")).collect();
    format!(
        "SELECT COUNT(*) AS n FROM recipients WHERE {OF_DOMAIN} AND LOWER(address) IN ({})",
        list.join(", ")
    )
}

#[cfg(test)]
mod tests {
    use super::super::plans::{assert_walks_no_backlog, plan};

    #[tokio::test]
    async fn distinct_addresses_are_seeks_in_the_waiting_address_index() {
        let sql = super::distinct_sql();
        assert_walks_no_backlog(&sql).await;
        let steps = plan(&sql).await;
        let seeks = steps
            .iter()
            .filter(|step| step.contains("SEARCH recipients USING INDEX recipients_waiting_address (org=? AND route_connector=? AND route_domain=? AND <expr>>?)"))
            .count();
        assert_eq!(seeks, 2, "{steps:#?}");
    }

    #[tokio::test]
    async fn the_recipients_of_some_addresses_are_found_through_the_waiting_address_index() {
        let sql = super::count_sql(2);
        assert_walks_no_backlog(&sql).await;
        let steps = plan(&sql).await;
        assert!(
            steps
                .iter()
                .any(|step| step.contains("recipients_waiting_address (org=? AND route_connector=? AND route_domain=? AND <expr>=?)")),
            "{steps:#?}"
        );
    }
}
