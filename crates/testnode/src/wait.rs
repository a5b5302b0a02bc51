//! Bounded waiting for what the relay does in the background.

use std::future::Future;
use std::time::Duration;

/// Waits (bounded) until `check` holds; the relay works in the background.
pub async fn eventually<F, Fut>(what: &str, mut check: F)
where
    F: FnMut() -> Fut,
    Fut: Future<Output = bool>,
{
    for _ in 0..500 {
        if check().await {
            return;
        }
        tokio::time::sleep(Duration::from_millis(20)).await;
    }
    panic!("timed out waiting until {what}");
}
