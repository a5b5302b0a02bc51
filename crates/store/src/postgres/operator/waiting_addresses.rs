//! The addresses a connector's waiting recipients go to, per domain, read
//! from `recipients_waiting_address` (organisation, connector, domain,
//! lower-case address): the distinct addresses one seek each, and the
//! recipients of a few addresses counted from the index. Stop relaying's
//! preview counts the recipients its directory does not know this way,
//! without walking the recipients of addresses it does know.

use crate::Result;
use crate::columns::{count_to_u64, limit_to_db};
use sqlx::PgPool;

/// The recipients of `$1` (org), `$2` (connector) and `$3` (domain) that
/// wait (`queued`, `deferred`, `suspended`): the index's own condition.
const OF_DOMAIN: &str = "org = $1 AND route_connector = $2 AND route_domain = $3 \
     AND state IN ('queued', 'deferred', 'suspended')";

/// A skip through the index: each step seeks the first address past the
/// one before, so a million recipients of one address are one step; the
/// recursion stops at the outer limit `$5`.
pub fn distinct_sql() -> String {
    format!(
        "WITH RECURSIVE next (address) AS ( \
           SELECT (SELECT LOWER(address) FROM recipients WHERE {OF_DOMAIN} \
                   AND LOWER(address) > $4 ORDER BY LOWER(address) LIMIT 1) \
           UNION ALL \
           SELECT (SELECT LOWER(address) FROM recipients WHERE {OF_DOMAIN} \
                   AND LOWER(address) > next.address ORDER BY LOWER(address) LIMIT 1) \
           FROM next WHERE next.address IS NOT NULL) \
         SELECT address FROM next WHERE address IS NOT NULL LIMIT $5"
    )
}

/// At most `limit` distinct lower-case addresses after `after` (from the
/// first when `None`), in order.
pub async fn waiting_addresses(
    pool: &PgPool,
    org: &str,
    connector: &str,
    domain: &str,
    after: Option<&str>,
    limit: usize,
) -> Result<Vec<String>> {
    Ok(sqlx::query_scalar(&distinct_sql())
        .bind(org)
        .bind(connector)
        .bind(domain.to_ascii_lowercase())
        .bind(after.unwrap_or(""))
        .bind(limit_to_db(limit))
        .fetch_all(pool)
        .await?)
}

/// A seek per address, and the recipients of those addresses only.
pub fn count_sql() -> String {
    format!("SELECT COUNT(*) FROM recipients WHERE {OF_DOMAIN} AND LOWER(address) = ANY($4)")
}

/// How many waiting recipients go to one of `addresses` (compared without
/// regard to case).
pub async fn waiting_to(
    pool: &PgPool,
    org: &str,
    connector: &str,
    domain: &str,
    addresses: &[String],
) -> Result<u64> {
    let lower: Vec<String> = addresses.iter().map(|a| a.to_ascii_lowercase()).collect();
    let count: i64 = sqlx::query_scalar(&count_sql())
        .bind(org)
        .bind(connector)
        .bind(domain.to_ascii_lowercase())
        .bind(lower)
        .fetch_one(pool)
        .await?;
    count_to_u64("count", count)
}

#[cfg(test)]
mod tests {
    use crate::postgres::plans::PlanSchema;

    #[tokio::test]
    async fn addresses_are_seeks_in_the_waiting_address_index() {
        let mut schema = PlanSchema::new().await;
        let index = ["recipients_waiting_address"];
        schema
            .assert_walks_in_order(&super::distinct_sql(), &index)
            .await;
        schema.assert_reads(&super::count_sql(), &index).await;
    }
}
