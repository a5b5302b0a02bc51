//! The refused address refuses; the black hole swallows connects.

use mailflow_testkit::{BlackHole, refused_addr};
use std::io::ErrorKind;
use std::time::Duration;
use tokio::net::TcpStream;

#[tokio::test]
async fn refused_addr_answers_with_a_reset() {
    let error = TcpStream::connect(refused_addr()).await.unwrap_err();
    assert_eq!(error.kind(), ErrorKind::ConnectionRefused);
}

#[tokio::test]
async fn black_hole_connects_time_out() {
    let hole = BlackHole::new().await;
    for _ in 0..2 {
        let attempt =
            tokio::time::timeout(Duration::from_millis(300), TcpStream::connect(hole.addr())).await;
        assert!(
            attempt.is_err(),
            "connect to {} completed: {attempt:?}",
            hole.addr()
        );
    }
}
