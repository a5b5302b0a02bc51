//! The demo's built-in next hops, one per connector of the example
//! organisation, all on 127.0.0.1 on ports the system picks: a partner
//! that takes every message, an on-premises server that refuses
//! connections, a partner whose certificate has expired, and a partner
//! that stopped answering.

mod expired_certificate;
mod refusing;
mod smtp_peer;
mod stalled;

pub use expired_certificate::{CA_FILE, CertificateError};
pub use stalled::StalledError;

use refusing::RefusingPort;
use smtp_peer::SmtpPeer;
use stalled::StalledServer;
use std::net::SocketAddr;
use std::path::Path;

#[derive(Debug, thiserror::Error)]
pub enum PeerError {
    #[error("cannot start the demo's {which}: {source}")]
    Listen {
        which: &'static str,
        source: std::io::Error,
    },
    #[error(transparent)]
    Certificate(#[from] CertificateError),
    #[error("cannot start the demo's server that stopped answering: {0}")]
    Stalled(#[from] StalledError),
}

/// The running peers; `stop` ends them.
pub struct Peers {
    healthy: SmtpPeer,
    expired: SmtpPeer,
    refusing: RefusingPort,
    stalled: StalledServer,
}

/// Which peer a connector's next hop is.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Peer {
    Healthy,
    Refusing,
    ExpiredCertificate,
    Stalled,
}

/// Where each peer listens.
#[derive(Debug, Clone, Copy)]
pub struct PeerAddrs {
    pub healthy: SocketAddr,
    pub expired_certificate: SocketAddr,
    pub refusing: SocketAddr,
    pub stalled: SocketAddr,
}

impl PeerAddrs {
    pub fn of(&self, peer: Peer) -> SocketAddr {
        match peer {
            Peer::Healthy => self.healthy,
            Peer::Refusing => self.refusing,
            Peer::ExpiredCertificate => self.expired_certificate,
            Peer::Stalled => self.stalled,
        }
    }
}

impl Peers {
    /// Starts them; the demo CA the expired certificate chains to is
    /// written into `data_dir` as `CA_FILE`. `healthy_name` and
    /// `expired_name` are the names the two SMTP peers go by (the expired
    /// certificate is made out to the second).
    pub async fn start(
        data_dir: &Path,
        healthy_name: &str,
        expired_name: &str,
    ) -> Result<Peers, PeerError> {
        let listen = |which| move |source| PeerError::Listen { which, source };
        let tls = expired_certificate::expired_for(expired_name, data_dir)?;
        let healthy = SmtpPeer::start(healthy_name, None)
            .await
            .map_err(listen("healthy partner"))?;
        let expired = match SmtpPeer::start(expired_name, Some(tls)).await {
            Ok(peer) => peer,
            Err(source) => {
                healthy.stop().await;
                return Err(listen("partner with an expired certificate")(source));
            }
        };
        let others = async {
            let refusing = RefusingPort::bind().map_err(listen("on-premises server"))?;
            let stalled = StalledServer::start().await?;
            Ok::<_, PeerError>((refusing, stalled))
        };
        match others.await {
            Ok((refusing, stalled)) => Ok(Peers {
                healthy,
                expired,
                refusing,
                stalled,
            }),
            Err(error) => {
                healthy.stop().await;
                expired.stop().await;
                Err(error)
            }
        }
    }

    pub fn addrs(&self) -> PeerAddrs {
        PeerAddrs {
            healthy: self.healthy.addr(),
            expired_certificate: self.expired.addr(),
            refusing: self.refusing.addr(),
            stalled: self.stalled.addr(),
        }
    }

    /// Ends every session and frees every port.
    pub async fn stop(self) {
        self.healthy.stop().await;
        self.expired.stop().await;
        drop(self.refusing);
        drop(self.stalled);
    }
}
