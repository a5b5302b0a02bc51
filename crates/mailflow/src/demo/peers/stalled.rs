//! The partner server that stopped answering: it listens, but never takes
//! a connection off its accept queue, and the queue is full. The kernel
//! then drops every new SYN, so a connect to it times out (`4.4.315`), as
//! with a server that hangs or a firewall that drops packets.

use std::net::{Ipv4Addr, SocketAddr};
use std::time::Duration;
use tokio::net::{TcpListener, TcpSocket, TcpStream};

/// How long one connect may take before the queue counts as full.
const PROBE_TIMEOUT: Duration = Duration::from_millis(200);
/// The kernel's queue for a backlog of 0 holds one or two connections;
/// more than this and something is not as expected.
const MAX_HELD: usize = 8;

#[derive(Debug, thiserror::Error)]
pub enum StalledError {
    #[error("cannot listen on a loopback port: {0}")]
    Listen(std::io::Error),
    #[error("cannot connect to {addr} to fill its queue: {source}")]
    Fill {
        addr: SocketAddr,
        source: std::io::Error,
    },
    #[error("the accept queue of {0} did not fill; its connects would not time out")]
    NeverFull(SocketAddr),
}

/// The listener and the connections that fill its queue; dropping it
/// frees the port.
pub struct StalledServer {
    addr: SocketAddr,
    _listener: TcpListener,
    _held: Vec<TcpStream>,
}

impl StalledServer {
    /// Listens with the smallest backlog and connects to itself until a
    /// connect no longer completes.
    pub async fn start() -> Result<StalledServer, StalledError> {
        let socket = TcpSocket::new_v4().map_err(StalledError::Listen)?;
        socket
            .bind((Ipv4Addr::LOCALHOST, 0).into())
            .map_err(StalledError::Listen)?;
        let listener = socket.listen(0).map_err(StalledError::Listen)?;
        let addr = listener.local_addr().map_err(StalledError::Listen)?;
        let mut held = Vec::new();
        while held.len() < MAX_HELD {
            match tokio::time::timeout(PROBE_TIMEOUT, TcpStream::connect(addr)).await {
                Ok(Ok(stream)) => held.push(stream),
                Ok(Err(source)) => return Err(StalledError::Fill { addr, source }),
                Err(_full) => {
                    return Ok(StalledServer {
                        addr,
                        _listener: listener,
                        _held: held,
                    });
                }
            }
        }
        Err(StalledError::NeverFull(addr))
    }

    pub fn addr(&self) -> SocketAddr {
        self.addr
    }
}
