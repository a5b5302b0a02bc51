//! Connecting to PostgreSQL: a server that does not answer is named in the
//! error; a database written by a newer mailflow is refused, untouched.

use crate::backends::TestSchema;
use mailflow_store::{DatabaseFailure, PostgresOptions, PostgresStore, StoreError};
use sqlx::Connection;
use std::time::Duration;

#[tokio::test]
async fn a_server_that_does_not_answer_is_named_in_the_error() {
    // A port that was free a moment ago: nothing listens there.
    let port = std::net::TcpListener::bind("127.0.0.1:0")
        .unwrap()
        .local_addr()
        .unwrap()
        .port();
    let url = format!("postgres://postgres@127.0.0.1:{port}/test");
    let options = PostgresOptions {
        acquire_timeout: Duration::from_secs(2),
        ..PostgresOptions::default()
    };
    let error = match PostgresStore::connect(&url, options).await {
        Err(error) => error,
        Ok(_) => panic!("nothing listens on {port}"),
    };
    let StoreError::Database(database) = &error else {
        panic!("a database error: {error:?}");
    };
    assert_eq!(database.failure(), DatabaseFailure::Unreachable);
    assert!(
        error
            .to_string()
            .contains(&format!("cannot reach PostgreSQL at 127.0.0.1:{port}")),
        "{error}"
    );
}

#[tokio::test]
async fn a_schema_newer_than_this_mailflow_is_refused_and_left_alone() {
    let schema = TestSchema::create("mailflow_test").await;
    let store = PostgresStore::connect(&schema.url, PostgresOptions::default())
        .await
        .expect("a new schema is made");
    store.close().await;
    let mut conn = sqlx::PgConnection::connect(&schema.url).await.unwrap();
    let known = applied(&mut conn).await;
    sqlx::query(
        "INSERT INTO _sqlx_migrations (version, description, success, checksum, execution_time) \
         VALUES (9999, 'from a newer mailflow', TRUE, '\\x00', 0)",
    )
    .execute(&mut conn)
    .await
    .unwrap();

    let error = match PostgresStore::connect(&schema.url, PostgresOptions::default()).await {
        Err(error) => error,
        Ok(_) => panic!("a newer schema is refused"),
    };
    assert!(matches!(error, StoreError::Schema(_)), "{error:?}");
    let text = error.to_string();
    assert!(
        text.contains("newer than this mailflow") && text.contains("9999"),
        "{text}"
    );
    assert_eq!(
        applied(&mut conn).await,
        known + 1,
        "nothing was applied or removed"
    );
}

/// Migrations the schema has a row for.
async fn applied(conn: &mut sqlx::PgConnection) -> i64 {
    sqlx::query_scalar("SELECT COUNT(*) FROM _sqlx_migrations")
        .fetch_one(conn)
        .await
        .unwrap()
}
