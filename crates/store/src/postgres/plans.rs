//! Test support: how PostgreSQL plans a statement on the migrated schema.
//!
//! Statements whose cost must follow what they find, not the size of the
//! queue, must be able to seek in the indexes over the waiting part of it:
//! a partial index is only read by a statement whose conditions imply the
//! index's own, and a btree only seeks on conditions it can bound. The
//! tables here are empty and unanalysed, so which of several usable
//! indexes the planner takes says nothing; what is checked is that the
//! statement can be served by the indexes named, sought (an `Index Cond`),
//! with the queue's other indexes gone (dropped in a transaction that is
//! rolled back) and sequential scans priced out: where the indexes cannot
//! serve it, a sequential scan is what the plan shows. Where the order
//! matters, sorts are priced out too, and a sort shows only where the
//! indexes cannot give the order. The plan is the generic one, what a
//! prepared statement settles on whatever its parameters.

use sqlx::{Connection, Executor, PgConnection};

/// A connection whose schema is its own temporary one, migrated: what the
/// statements are planned on. It goes with the connection.
pub struct PlanSchema {
    conn: PgConnection,
}

impl PlanSchema {
    pub async fn new() -> PlanSchema {
        let base = std::env::var("DATABASE_URL")
            .unwrap_or_else(|_| "postgres://postgres@127.0.0.1:5432/test".to_string());
        let separator = if base.contains('?') { '&' } else { '?' };
        // Tables made with `pg_temp` first on the path are the session's own.
        let url = format!("{base}{separator}options=-c%20search_path%3Dpg_temp");
        let mut conn = PgConnection::connect(&url)
            .await
            .unwrap_or_else(|e| panic!("PostgreSQL at {base} does not answer ({e})"));
        super::schema::MIGRATOR.run(&mut conn).await.unwrap();
        conn.execute("SET enable_seqscan = off; SET plan_cache_mode = force_generic_plan")
            .await
            .unwrap();
        PlanSchema { conn }
    }

    /// The generic plan of `sql` (with `$1`… parameters), a line per step,
    /// with `indexes` the only ones on the queue's tables but their
    /// primary keys, and sorts priced out when the order is `in_order`.
    pub async fn plan(&mut self, sql: &str, indexes: &[&str], in_order: bool) -> Vec<String> {
        self.conn.execute("BEGIN").await.unwrap();
        if in_order {
            self.conn
                .execute("SET LOCAL enable_sort = off; SET LOCAL enable_incremental_sort = off")
                .await
                .unwrap();
        }
        let others: Vec<String> = sqlx::query_scalar(
            "SELECT indexname::text FROM pg_indexes WHERE schemaname = pg_my_temp_schema()::regnamespace::text \
             AND tablename IN ('recipients', 'messages', 'events') \
             AND indexname NOT LIKE '%_pkey' AND NOT (indexname = ANY($1))",
        )
        .bind(indexes)
        .fetch_all(&mut self.conn)
        .await
        .unwrap();
        for index in others {
            self.conn
                .execute(format!("DROP INDEX {index}").as_str())
                .await
                .unwrap();
        }
        let parameters = (1..=99)
            .take_while(|n| sql.contains(&format!("${n}")))
            .map(|_| "NULL")
            .collect::<Vec<_>>();
        let execute = if parameters.is_empty() {
            "EXPLAIN (COSTS OFF) EXECUTE planned".to_string()
        } else {
            format!(
                "EXPLAIN (COSTS OFF) EXECUTE planned({})",
                parameters.join(", ")
            )
        };
        self.conn
            .execute(format!("PREPARE planned AS {sql}").as_str())
            .await
            .unwrap_or_else(|e| panic!("cannot prepare {sql}: {e}"));
        let steps: Vec<String> = sqlx::query_scalar(&execute)
            .fetch_all(&mut self.conn)
            .await
            .unwrap_or_else(|e| panic!("cannot explain {sql}: {e}"));
        self.conn
            .execute("ROLLBACK; DEALLOCATE planned")
            .await
            .unwrap();
        steps
    }

    /// Panics unless `sql` can be served by seeks in `indexes` (and the
    /// primary keys), without a sequential scan of the queue's tables.
    pub async fn assert_reads(&mut self, sql: &str, indexes: &[&str]) -> Vec<String> {
        self.assert_sought(sql, indexes, false).await
    }

    async fn assert_sought(&mut self, sql: &str, indexes: &[&str], in_order: bool) -> Vec<String> {
        let steps = self.plan(sql, indexes, in_order).await;
        let scans: Vec<&String> = steps
            .iter()
            .filter(|step| {
                ["recipients", "messages", "events"].iter().any(|table| {
                    step.contains(&format!("Seq Scan on {table} "))
                        || step.ends_with(&format!("Seq Scan on {table}"))
                })
            })
            .collect();
        assert!(
            scans.is_empty(),
            "{scans:?} in the plan {steps:#?} of {sql}"
        );
        for index in indexes {
            assert!(
                seeks(&steps, index),
                "{index} is not sought in the plan {steps:#?} of {sql}"
            );
        }
        steps
    }

    /// As `assert_reads`, and nothing is sorted: the rows come in the
    /// indexes' order, so a page stops when it is full.
    pub async fn assert_walks_in_order(&mut self, sql: &str, indexes: &[&str]) -> Vec<String> {
        let steps = self.assert_sought(sql, indexes, true).await;
        let sorts = steps.iter().any(|step| {
            let node = step.trim_start().trim_start_matches("->").trim_start();
            node.starts_with("Sort") || node.starts_with("Incremental Sort")
        });
        assert!(!sorts, "a sort in the plan {steps:#?} of {sql}");
        steps
    }
}

/// Whether a scan of `index` in the plan has an `Index Cond`: the lines
/// of a step are indented deeper than the step itself.
fn seeks(steps: &[String], index: &str) -> bool {
    let indent = |line: &str| line.len() - line.trim_start().len();
    steps.iter().enumerate().any(|(at, step)| {
        let scans = step.contains(&format!(" {index} on "))
            || step.ends_with(&format!("Index Scan on {index}"));
        scans
            && steps[at + 1..]
                .iter()
                .take_while(|line| indent(line) > indent(step))
                .any(|line| line.trim_start().starts_with("Index Cond:"))
    })
}
