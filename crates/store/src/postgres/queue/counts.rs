//! The waiting counts, kept by the code that changes recipients.
//!
//! `pending_counts` (per organisation, connector and last error code) and
//! `suspended_counts` (per organisation and connector) let insights,
//! alerts and fix previews count a queue of millions in a few rows. The
//! embedded store keeps them by trigger; here every write that adds,
//! removes or changes recipients notes each change in a `CountChanges` and
//! writes the sums in the same transaction. Rows are written in key order,
//! so two transactions never lock two count rows in opposite orders.

use crate::Result;
use sqlx::PgConnection;
use std::collections::BTreeMap;

/// The states a recipient is counted in while it waits.
pub fn is_pending(state: &str) -> bool {
    matches!(state, "queued" | "in_flight" | "deferred" | "suspended")
}

/// One recipient as the counts see it.
#[derive(Debug, Clone, Copy)]
pub struct Counted<'a> {
    pub org: &'a str,
    /// `None`: routed by MX, counted under `''`.
    pub connector: Option<&'a str>,
    pub state: &'a str,
    /// The last error's code; `None` is counted under `''`.
    pub code: Option<&'a str>,
}

/// The changes to the counts that one transaction makes.
#[derive(Debug, Default)]
pub struct CountChanges {
    pending: BTreeMap<(String, String, String), i64>,
    suspended: BTreeMap<(String, String), i64>,
}

impl CountChanges {
    /// A recipient went from `before` to `after` (`None`: it did not exist,
    /// or is gone).
    pub fn change(&mut self, before: Option<Counted<'_>>, after: Option<Counted<'_>>) {
        self.change_many(before, after, 1);
    }

    /// `recipients` recipients went from `before` to `after` alike (a
    /// statement that moved many, counted by group).
    pub fn change_many(
        &mut self,
        before: Option<Counted<'_>>,
        after: Option<Counted<'_>>,
        recipients: i64,
    ) {
        if let Some(before) = before {
            self.count(before, -recipients);
        }
        if let Some(after) = after {
            self.count(after, recipients);
        }
    }

    fn count(&mut self, recipient: Counted<'_>, by: i64) {
        let connector = recipient.connector.unwrap_or_default().to_string();
        if is_pending(recipient.state) {
            let key = (
                recipient.org.to_string(),
                connector.clone(),
                recipient.code.unwrap_or_default().to_string(),
            );
            *self.pending.entry(key).or_default() += by;
        }
        if recipient.state == "suspended" {
            *self
                .suspended
                .entry((recipient.org.to_string(), connector))
                .or_default() += by;
        }
    }

    /// Writes the sums: two statements at most, none when nothing changed.
    pub async fn write(self, conn: &mut PgConnection) -> Result<()> {
        let pending: Vec<_> = self
            .pending
            .into_iter()
            .filter(|(_, by)| *by != 0)
            .collect();
        if !pending.is_empty() {
            let (mut orgs, mut connectors, mut codes, mut deltas) =
                (vec![], vec![], vec![], vec![]);
            for ((org, connector, code), by) in pending {
                orgs.push(org);
                connectors.push(connector);
                codes.push(code);
                deltas.push(by);
            }
            sqlx::query(
                "INSERT INTO pending_counts (org, connector, code, recipients) \
                 SELECT * FROM unnest($1::text[], $2::text[], $3::text[], $4::bigint[]) \
                 ON CONFLICT (org, connector, code) \
                 DO UPDATE SET recipients = pending_counts.recipients + excluded.recipients",
            )
            .bind(orgs)
            .bind(connectors)
            .bind(codes)
            .bind(deltas)
            .execute(&mut *conn)
            .await?;
        }
        let suspended: Vec<_> = self
            .suspended
            .into_iter()
            .filter(|(_, by)| *by != 0)
            .collect();
        if !suspended.is_empty() {
            let (mut orgs, mut connectors, mut deltas) = (vec![], vec![], vec![]);
            for ((org, connector), by) in suspended {
                orgs.push(org);
                connectors.push(connector);
                deltas.push(by);
            }
            sqlx::query(
                "INSERT INTO suspended_counts (org, connector, recipients) \
                 SELECT * FROM unnest($1::text[], $2::text[], $3::bigint[]) \
                 ON CONFLICT (org, connector) \
                 DO UPDATE SET recipients = suspended_counts.recipients + excluded.recipients",
            )
            .bind(orgs)
            .bind(connectors)
            .bind(deltas)
            .execute(conn)
            .await?;
        }
        Ok(())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn recipient<'a>(state: &'a str, code: Option<&'a str>) -> Counted<'a> {
        Counted {
            org: "default",
            connector: Some("partner"),
            state,
            code,
        }
    }

    #[test]
    fn a_change_of_code_moves_one_recipient_between_codes_and_a_delivery_removes_it() {
        let mut changes = CountChanges::default();
        changes.change(None, Some(recipient("queued", None)));
        changes.change(
            Some(recipient("in_flight", None)),
            Some(recipient("deferred", Some("4.4.316"))),
        );
        changes.change(
            Some(recipient("in_flight", None)),
            Some(recipient("delivered", None)),
        );
        let key = |code: &str| {
            (
                "default".to_string(),
                "partner".to_string(),
                code.to_string(),
            )
        };
        assert_eq!(changes.pending[&key("")], -1);
        assert_eq!(changes.pending[&key("4.4.316")], 1);
        assert!(changes.suspended.is_empty());
    }

    #[test]
    fn suspending_counts_the_recipient_as_suspended_and_still_pending() {
        let mut changes = CountChanges::default();
        changes.change(
            Some(recipient("deferred", None)),
            Some(recipient("suspended", None)),
        );
        let key = ("default".to_string(), "partner".to_string());
        assert_eq!(changes.suspended[&key], 1);
        assert_eq!(changes.pending.values().sum::<i64>(), 0);
    }
}
