//! The on-premises server that is down: a loopback port that is bound but
//! not listened on. A connect to it is answered with a reset at once
//! (`4.4.316`), and since the port stays bound for the demo's lifetime,
//! nothing else can start listening on it meanwhile.

use std::net::{Ipv4Addr, SocketAddr};
use tokio::net::TcpSocket;

pub struct RefusingPort {
    addr: SocketAddr,
    _socket: TcpSocket,
}

impl RefusingPort {
    pub fn bind() -> std::io::Result<RefusingPort> {
        let socket = TcpSocket::new_v4()?;
        socket.bind((Ipv4Addr::LOCALHOST, 0).into())?;
        let addr = socket.local_addr()?;
        Ok(RefusingPort {
            addr,
            _socket: socket,
        })
    }

    pub fn addr(&self) -> SocketAddr {
        self.addr
    }
}
