//! How many SMTP sessions may be open at once: `SessionLimits` in all, and
//! from one client address. Each session can hold a message of up to the
//! size limit in memory and a file descriptor for as long as its time-outs
//! allow, so without a bound enough connections exhaust either. A client
//! past a limit is greeted with `421 4.7.0` and the connection is closed
//! before anything is read (as is every new client of a draining node, with
//! `421 4.3.2`). Clients in the trusted networks count towards
//! the overall limit only (they are the organisation's own servers, which
//! open many connections by design).

use std::collections::HashMap;
use std::net::IpAddr;
use std::sync::{Arc, Mutex};

/// From the `[server]` section of the config.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct SessionLimits {
    /// Sessions open at once, from everyone.
    pub max_sessions: usize,
    /// Sessions open at once from one address outside the trusted networks.
    pub max_sessions_per_client: usize,
}

impl Default for SessionLimits {
    fn default() -> Self {
        SessionLimits {
            max_sessions: 1000,
            max_sessions_per_client: 20,
        }
    }
}

/// Why a connection is not served.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum Refusal {
    /// `max_sessions` are open.
    Full,
    /// `max_sessions_per_client` are open from this address.
    TooManyFromClient,
    /// The node is draining: the client should take its mail elsewhere.
    Draining,
}

impl Refusal {
    /// The whole answer to the refused client, greeting and all.
    pub(crate) fn reply(self, hostname: &str) -> String {
        let why = match self {
            Refusal::Full => "too many connections",
            Refusal::TooManyFromClient => "too many connections from your address",
            // Service not available: another node of the cluster takes it.
            Refusal::Draining => {
                return format!(
                    "421 4.3.2 {hostname} is draining and takes no new mail, try another server\r\n"
                );
            }
        };
        format!("421 4.7.0 {hostname} {why}, try again later\r\n")
    }
}

/// The sessions open now.
pub(crate) struct Admission {
    limits: SessionLimits,
    open: Mutex<Open>,
}

#[derive(Default)]
struct Open {
    total: usize,
    per_client: HashMap<IpAddr, usize>,
}

impl Admission {
    pub(crate) fn new(limits: SessionLimits) -> Arc<Admission> {
        Arc::new(Admission {
            limits,
            open: Mutex::new(Open::default()),
        })
    }

    /// Counts a new session of `client`, or says why there is no room. The
    /// session is counted until the returned value is dropped.
    pub(crate) fn admit(
        self: &Arc<Self>,
        client: IpAddr,
        trusted: bool,
    ) -> Result<Admitted, Refusal> {
        let mut open = self
            .open
            .lock()
            .expect("the session count is never poisoned");
        if open.total >= self.limits.max_sessions.max(1) {
            return Err(Refusal::Full);
        }
        if !trusted {
            let from_client = open.per_client.entry(client).or_default();
            if *from_client >= self.limits.max_sessions_per_client.max(1) {
                return Err(Refusal::TooManyFromClient);
            }
            *from_client += 1;
        }
        open.total += 1;
        Ok(Admitted {
            admission: self.clone(),
            counted_client: (!trusted).then_some(client),
        })
    }
}

/// A session being counted; dropping it ends the count.
pub(crate) struct Admitted {
    admission: Arc<Admission>,
    counted_client: Option<IpAddr>,
}

impl Drop for Admitted {
    fn drop(&mut self) {
        let mut open = self
            .admission
            .open
            .lock()
            .expect("the session count is never poisoned");
        open.total -= 1;
        if let Some(client) = self.counted_client
            && let Some(count) = open.per_client.get_mut(&client)
        {
            *count -= 1;
            if *count == 0 {
                open.per_client.remove(&client);
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    const A: IpAddr = IpAddr::V4(std::net::Ipv4Addr::new(192, 0, 2, 1));
    const B: IpAddr = IpAddr::V4(std::net::Ipv4Addr::new(192, 0, 2, 2));

    #[test]
    fn a_client_past_its_limit_is_refused_until_one_of_its_sessions_ends() {
        let admission = Admission::new(SessionLimits {
            max_sessions: 10,
            max_sessions_per_client: 2,
        });
        let first = admission.admit(A, false).unwrap();
        let _second = admission.admit(A, false).unwrap();
        assert_eq!(
            admission.admit(A, false).err(),
            Some(Refusal::TooManyFromClient)
        );
        assert!(
            admission.admit(B, false).is_ok(),
            "another address has room"
        );
        drop(first);
        assert!(admission.admit(A, false).is_ok());
    }

    #[test]
    fn the_overall_limit_holds_for_trusted_clients_too_which_have_no_limit_of_their_own() {
        let admission = Admission::new(SessionLimits {
            max_sessions: 3,
            max_sessions_per_client: 1,
        });
        let trusted: Vec<_> = (0..3).map(|_| admission.admit(A, true).unwrap()).collect();
        assert_eq!(admission.admit(B, false).err(), Some(Refusal::Full));
        drop(trusted);
        let counted = admission.admit(B, false).unwrap();
        assert_eq!(admission.open.lock().unwrap().per_client.len(), 1);
        drop(counted);
        assert!(
            admission.open.lock().unwrap().per_client.is_empty(),
            "an address with no session left is forgotten"
        );
    }
}
