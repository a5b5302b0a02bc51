//! Loopback addresses that fail to connect in a chosen way.
//!
//! Delivery tells "connection refused" (an RST) apart from "connection timed
//! out" (no answer to SYN). `refused_addr` gives the first, `BlackHole` the
//! second, both on 127.0.0.1 so tests never leave the machine.

use std::net::{Ipv4Addr, SocketAddr, TcpListener as StdTcpListener};
use std::time::Duration;
use tokio::net::{TcpListener, TcpSocket, TcpStream};

/// A loopback address where nothing listens: a connect gets an RST at once.
///
/// The port was bound and released, so it is free unless some other
/// process takes it in between; tests use it right away.
pub fn refused_addr() -> SocketAddr {
    let listener = StdTcpListener::bind((Ipv4Addr::LOCALHOST, 0)).expect("bind loopback");
    listener.local_addr().expect("local address")
}

/// A listener that never accepts and whose accept queue is full, so that
/// the kernel drops further SYNs and a connect to it times out.
pub struct BlackHole {
    addr: SocketAddr,
    _listener: TcpListener,
    _fillers: Vec<TcpStream>,
}

/// How long one probe waits for a connect before calling the queue full.
const PROBE_TIMEOUT: Duration = Duration::from_millis(150);
/// The most connections it takes to fill a queue of length one or two.
const MAX_FILLERS: usize = 8;

impl BlackHole {
    /// Listens with the smallest backlog and connects until a connect no
    /// longer completes. Panics if the queue never fills.
    pub async fn new() -> BlackHole {
        let socket = TcpSocket::new_v4().expect("socket");
        socket
            .bind((Ipv4Addr::LOCALHOST, 0).into())
            .expect("bind loopback");
        let listener = socket.listen(0).expect("listen");
        let addr = listener.local_addr().expect("local address");
        let mut fillers = Vec::new();
        while fillers.len() < MAX_FILLERS {
            match tokio::time::timeout(PROBE_TIMEOUT, TcpStream::connect(addr)).await {
                Ok(Ok(stream)) => fillers.push(stream),
                Ok(Err(error)) => panic!("connecting to fill the black hole failed: {error}"),
                Err(_elapsed) => {
                    return BlackHole {
                        addr,
                        _listener: listener,
                        _fillers: fillers,
                    };
                }
            }
        }
        panic!("the accept queue of {addr} did not fill after {MAX_FILLERS} connections");
    }

    /// The address whose connects time out.
    pub fn addr(&self) -> SocketAddr {
        self.addr
    }
}
