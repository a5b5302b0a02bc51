//! Opening the TCP connection to one address: refused (RST) is `4.4.316`,
//! no answer within the connect time-out is `4.4.315`.

use mailflow_core::{Diagnosis, EnhancedCode};
use std::io;
use std::net::SocketAddr;
use std::time::Duration;
use tokio::net::TcpStream;
use tokio::time::timeout;

pub(crate) async fn connect(addr: SocketAddr, limit: Duration) -> Result<TcpStream, Diagnosis> {
    match timeout(limit, TcpStream::connect(addr)).await {
        Ok(Ok(stream)) => {
            let _ = stream.set_nodelay(true);
            Ok(stream)
        }
        Ok(Err(error)) => Err(connect_error(addr, &error)),
        Err(_) => Err(Diagnosis::ConnectionTimedOut { tried: vec![addr] }),
    }
}

fn connect_error(addr: SocketAddr, error: &io::Error) -> Diagnosis {
    match error.kind() {
        io::ErrorKind::ConnectionRefused => Diagnosis::ConnectionRefused { addr },
        io::ErrorKind::TimedOut => Diagnosis::ConnectionTimedOut { tried: vec![addr] },
        // Unreachable networks and the like: RFC 3463 "no answer from host".
        _ => Diagnosis::Local {
            reply_code: 450,
            code: EnhancedCode(4, 4, 1),
            detail: format!("could not connect to {addr}: {error}"),
        },
    }
}
