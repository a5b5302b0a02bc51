//! How many connections each client address holds at once, so that one
//! address with slow connections cannot take every place the server has
//! (`ServeLimits::max_connections`) and keep the CLI out.
//!
//! IPv4 addresses count one by one; IPv6 addresses by their /64, since one
//! host is usually given a whole /64. Every loopback IPv4 address is its own
//! client: a local process can still use many of `127.0.0.0/8`, and one that
//! shares the CLI's address can fill that address's share.

use std::collections::HashMap;
use std::net::{IpAddr, Ipv6Addr};
use std::sync::{Arc, Mutex};

/// The open connections of every client address.
#[derive(Debug)]
pub(crate) struct PerAddress {
    limit: usize,
    open: Mutex<HashMap<IpAddr, usize>>,
}

/// One connection's place in its address's share; given back when dropped.
#[derive(Debug)]
pub(crate) struct AddressSlot {
    table: Arc<PerAddress>,
    client: IpAddr,
}

impl PerAddress {
    pub(crate) fn new(limit: usize) -> Arc<PerAddress> {
        Arc::new(PerAddress {
            limit,
            open: Mutex::new(HashMap::new()),
        })
    }

    /// A place for one more connection from `addr`; `None` when the address
    /// already holds `limit`.
    pub(crate) fn try_take(self: &Arc<Self>, addr: IpAddr) -> Option<AddressSlot> {
        let client = client_of(addr);
        let mut open = self.lock();
        let count = open.entry(client).or_insert(0);
        if *count >= self.limit {
            return None;
        }
        *count += 1;
        Some(AddressSlot {
            table: self.clone(),
            client,
        })
    }

    /// The addresses holding connections (an address with none is
    /// forgotten, so the table stays as small as the clients connected).
    #[cfg(test)]
    fn clients(&self) -> usize {
        self.lock().len()
    }

    fn lock(&self) -> std::sync::MutexGuard<'_, HashMap<IpAddr, usize>> {
        self.open
            .lock()
            .unwrap_or_else(|poisoned| poisoned.into_inner())
    }
}

impl Drop for AddressSlot {
    fn drop(&mut self) {
        let mut open = self.table.lock();
        if let Some(count) = open.get_mut(&self.client) {
            *count -= 1;
            if *count == 0 {
                open.remove(&self.client);
            }
        }
    }
}

/// The client an address counts for: an IPv4-mapped IPv6 address as its
/// IPv4 address, any other IPv6 address as its /64.
fn client_of(addr: IpAddr) -> IpAddr {
    match addr.to_canonical() {
        IpAddr::V6(v6) if !v6.is_loopback() => {
            let prefix = u128::from(v6) & !((1u128 << 64) - 1);
            IpAddr::V6(Ipv6Addr::from(prefix))
        }
        other => other,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn ip(text: &str) -> IpAddr {
        text.parse().unwrap()
    }

    #[test]
    fn an_address_gets_its_share_and_others_theirs() {
        let table = PerAddress::new(2);
        let first = table.try_take(ip("192.0.2.1")).unwrap();
        let _second = table.try_take(ip("192.0.2.1")).unwrap();
        assert!(table.try_take(ip("192.0.2.1")).is_none());
        assert!(
            table.try_take(ip("::ffff:192.0.2.1")).is_none(),
            "the same client"
        );
        let _other = table.try_take(ip("192.0.2.2")).unwrap();
        drop(first);
        assert!(
            table.try_take(ip("192.0.2.1")).is_some(),
            "a place came back"
        );
    }

    #[test]
    fn ipv6_addresses_count_by_their_64_and_loopback_alone() {
        let table = PerAddress::new(1);
        let _held = table.try_take(ip("2001:db8:1:2::1")).unwrap();
        assert!(table.try_take(ip("2001:db8:1:2::ffff")).is_none());
        assert!(table.try_take(ip("2001:db8:1:3::1")).is_some());
        let _loopback = table.try_take(ip("::1")).unwrap();
    }

    #[test]
    fn an_address_without_connections_is_forgotten() {
        let table = PerAddress::new(4);
        let slots: Vec<_> = (1..=3)
            .map(|n| table.try_take(ip(&format!("192.0.2.{n}"))).unwrap())
            .collect();
        assert_eq!(table.clients(), 3);
        drop(slots);
        assert_eq!(table.clients(), 0);
    }
}
