//! A small authoritative DNS server on loopback, scripted per name.
//!
//! Next-hop resolution must be tested against real DNS answers: MX records,
//! a null MX, NXDOMAIN, SERVFAIL, REFUSED and a server that never answers.
//! `DnsServer` answers over UDP and TCP on the same 127.0.0.1 port from a
//! table the test changes while it runs. Negative answers carry an SOA with
//! a zero negative TTL so that no resolver caches them. The whole server can
//! stop answering and resume while a test runs, as a name server that goes
//! dark does.

use hickory_proto::op::{Edns, Message, MessageType, OpCode, Query, ResponseCode};
use hickory_proto::rr::rdata::{A, AAAA, MX, SOA};
use hickory_proto::rr::{Name, RData, Record, RecordType};
use std::collections::HashMap;
use std::net::{Ipv4Addr, Ipv6Addr, SocketAddr};
use std::sync::{Arc, Mutex};
use tokio::io::{AsyncReadExt, AsyncWriteExt};
use tokio::net::{TcpListener, TcpStream, UdpSocket};
use tokio::task::{JoinHandle, JoinSet};

/// An answer other than records.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum DnsFault {
    NxDomain,
    ServFail,
    Refused,
    /// No answer at all: the client times out.
    Silent,
}

/// What the server knows about one name.
#[derive(Debug, Default, Clone)]
struct NameEntry {
    records: HashMap<RecordType, Vec<RData>>,
    /// Applies to every record type of the name.
    fault: Option<DnsFault>,
    /// Applies to one record type; wins over `fault`.
    type_faults: HashMap<RecordType, DnsFault>,
}

/// What the server does with one question.
enum Reply {
    Records(Vec<RData>),
    NoRecords,
    Fault(DnsFault),
}

#[derive(Debug, Default)]
struct Zone {
    names: HashMap<String, NameEntry>,
    queries: Vec<(String, RecordType)>,
    /// Every question, about any name, goes unanswered.
    silent: bool,
}

impl Zone {
    fn reply(&self, name: &str, record_type: RecordType) -> Reply {
        if self.silent {
            return Reply::Fault(DnsFault::Silent);
        }
        let Some(entry) = self.names.get(name) else {
            return Reply::Fault(DnsFault::NxDomain);
        };
        if let Some(fault) = entry.type_faults.get(&record_type).or(entry.fault.as_ref()) {
            return Reply::Fault(*fault);
        }
        match entry.records.get(&record_type) {
            Some(records) if !records.is_empty() => Reply::Records(records.clone()),
            _ => Reply::NoRecords,
        }
    }
}

/// Lower case, no trailing dot: the key of a name in the zone.
fn key(name: &str) -> String {
    name.trim_end_matches('.').to_ascii_lowercase()
}

fn dns_name(name: &str) -> Name {
    let name = if name.ends_with('.') {
        name.to_string()
    } else {
        format!("{name}.")
    };
    Name::from_ascii(&name).unwrap_or_else(|error| panic!("{name:?} is not a DNS name: {error}"))
}

/// The running server; stops when dropped.
pub struct DnsServer {
    addr: SocketAddr,
    zone: Arc<Mutex<Zone>>,
    udp: JoinHandle<()>,
    tcp: JoinHandle<()>,
}

impl DnsServer {
    /// Starts on 127.0.0.1, UDP and TCP on the same port. Every name is
    /// NXDOMAIN until the test gives it records.
    pub async fn start() -> DnsServer {
        let (udp, tcp) = bind_same_port().await;
        let addr = udp.local_addr().expect("local address");
        let zone = Arc::new(Mutex::new(Zone::default()));
        DnsServer {
            addr,
            udp: tokio::spawn(serve_udp(udp, zone.clone())),
            tcp: tokio::spawn(serve_tcp(tcp, zone.clone())),
            zone,
        }
    }

    /// The `ip:port` to configure as the name server.
    pub fn addr(&self) -> SocketAddr {
        self.addr
    }

    /// MX records as (preference, exchange), in the order given.
    pub fn set_mx(&self, domain: &str, records: &[(u16, &str)]) {
        let rdata = records
            .iter()
            .map(|(preference, exchange)| RData::MX(MX::new(*preference, dns_name(exchange))))
            .collect();
        self.set_records(domain, RecordType::MX, rdata);
    }

    /// A null MX (`0 .`): the domain accepts no mail.
    pub fn set_null_mx(&self, domain: &str) {
        self.set_records(
            domain,
            RecordType::MX,
            vec![RData::MX(MX::new(0, Name::root()))],
        );
    }

    pub fn set_a(&self, name: &str, addrs: &[Ipv4Addr]) {
        let rdata = addrs.iter().map(|ip| RData::A(A(*ip))).collect();
        self.set_records(name, RecordType::A, rdata);
    }

    pub fn set_aaaa(&self, name: &str, addrs: &[Ipv6Addr]) {
        let rdata = addrs.iter().map(|ip| RData::AAAA(AAAA(*ip))).collect();
        self.set_records(name, RecordType::AAAA, rdata);
    }

    /// Replaces the records of one type and lifts any fault on the name or
    /// that type. An empty list leaves the name existing with no such records.
    pub fn set_records(&self, name: &str, record_type: RecordType, rdata: Vec<RData>) {
        self.with_entry(name, |entry| {
            entry.fault = None;
            entry.type_faults.remove(&record_type);
            entry.records.insert(record_type, rdata);
        });
    }

    /// Makes the name exist with no records: NOERROR with no answers.
    pub fn set_exists(&self, name: &str) {
        self.with_entry(name, |entry| entry.fault = None);
    }

    /// Every question about `name` ends in NXDOMAIN.
    pub fn nxdomain(&self, name: &str) {
        self.set_fault(name, DnsFault::NxDomain);
    }

    pub fn servfail(&self, name: &str) {
        self.set_fault(name, DnsFault::ServFail);
    }

    pub fn refused(&self, name: &str) {
        self.set_fault(name, DnsFault::Refused);
    }

    /// Questions about `name` get no answer.
    pub fn silent(&self, name: &str) {
        self.set_fault(name, DnsFault::Silent);
    }

    /// From now on no question gets an answer, whatever the name: the
    /// server still reads and logs each one, then drops it, so that clients
    /// time out. The table is kept for [`DnsServer::resume_answering`].
    pub fn stop_answering(&self) {
        self.zone.lock().unwrap().silent = true;
    }

    /// Answers again from the table, as before [`DnsServer::stop_answering`].
    pub fn resume_answering(&self) {
        self.zone.lock().unwrap().silent = false;
    }

    /// A fault for every record type of `name`.
    pub fn set_fault(&self, name: &str, fault: DnsFault) {
        self.with_entry(name, |entry| entry.fault = Some(fault));
    }

    /// A fault for one record type of `name`; other types answer as before.
    pub fn set_type_fault(&self, name: &str, record_type: RecordType, fault: DnsFault) {
        self.with_entry(name, |entry| {
            entry.type_faults.insert(record_type, fault);
        });
    }

    /// Forgets the name: it is NXDOMAIN again.
    pub fn remove(&self, name: &str) {
        self.zone.lock().unwrap().names.remove(&key(name));
    }

    /// How many questions arrived, answered or not.
    pub fn queries(&self) -> usize {
        self.zone.lock().unwrap().queries.len()
    }

    /// Every question that arrived, in order: (name without trailing dot, type).
    pub fn query_log(&self) -> Vec<(String, RecordType)> {
        self.zone.lock().unwrap().queries.clone()
    }

    pub fn stop(&self) {
        self.udp.abort();
        self.tcp.abort();
    }

    fn with_entry(&self, name: &str, change: impl FnOnce(&mut NameEntry)) {
        let mut zone = self.zone.lock().unwrap();
        change(zone.names.entry(key(name)).or_default());
    }
}

impl Drop for DnsServer {
    fn drop(&mut self) {
        self.stop();
    }
}

async fn bind_same_port() -> (UdpSocket, TcpListener) {
    for _ in 0..20 {
        let udp = UdpSocket::bind((Ipv4Addr::LOCALHOST, 0))
            .await
            .expect("bind UDP");
        let addr = udp.local_addr().expect("local address");
        if let Ok(tcp) = TcpListener::bind(addr).await {
            return (udp, tcp);
        }
    }
    panic!("no loopback port was free for both UDP and TCP");
}

async fn serve_udp(socket: UdpSocket, zone: Arc<Mutex<Zone>>) {
    let mut buffer = vec![0u8; 4096];
    loop {
        let Ok((len, peer)) = socket.recv_from(&mut buffer).await else {
            continue;
        };
        if let Some(response) = answer(&buffer[..len], &zone) {
            let _ = socket.send_to(&response, peer).await;
        }
    }
}

async fn serve_tcp(listener: TcpListener, zone: Arc<Mutex<Zone>>) {
    let mut connections = JoinSet::new();
    loop {
        if let Ok((stream, _)) = listener.accept().await {
            connections.spawn(serve_tcp_connection(stream, zone.clone()));
        }
        while connections.try_join_next().is_some() {}
    }
}

async fn serve_tcp_connection(mut stream: TcpStream, zone: Arc<Mutex<Zone>>) {
    loop {
        let Ok(len) = stream.read_u16().await else {
            return;
        };
        let mut request = vec![0u8; usize::from(len)];
        if stream.read_exact(&mut request).await.is_err() {
            return;
        }
        if let Some(response) = answer(&request, &zone) {
            let Ok(len) = u16::try_from(response.len()) else {
                return;
            };
            if stream.write_u16(len).await.is_err() || stream.write_all(&response).await.is_err() {
                return;
            }
        }
    }
}

/// The encoded response to one encoded request; `None` to stay silent.
fn answer(request: &[u8], zone: &Mutex<Zone>) -> Option<Vec<u8>> {
    let request = Message::from_vec(request).ok()?;
    if request.metadata.message_type != MessageType::Query {
        return None;
    }
    let Some(query) = request.queries.first().cloned() else {
        let mut response = response_to(&request);
        response.metadata.response_code = ResponseCode::FormErr;
        return response.to_vec().ok();
    };
    let name = key(&query.name.to_ascii());
    let reply = {
        let mut zone = zone.lock().unwrap();
        zone.queries.push((name.clone(), query.query_type));
        zone.reply(&name, query.query_type)
    };
    build_response(&request, &query, reply)?.to_vec().ok()
}

fn response_to(request: &Message) -> Message {
    let mut response = Message::response(request.metadata.id, OpCode::Query);
    response.metadata.authoritative = true;
    response.metadata.recursion_desired = request.metadata.recursion_desired;
    response.metadata.recursion_available = true;
    response.add_queries(request.queries.clone());
    if request.edns.is_some() {
        response.set_edns(Edns::new());
    }
    response
}

fn build_response(request: &Message, query: &Query, reply: Reply) -> Option<Message> {
    let mut response = response_to(request);
    match reply {
        Reply::Records(rdata) => {
            let records = rdata
                .into_iter()
                .map(|data| Record::from_rdata(query.name.clone(), 0, data));
            response.add_answers(records);
        }
        Reply::NoRecords => {
            response.add_authority(soa_for(&query.name));
        }
        Reply::Fault(DnsFault::NxDomain) => {
            response.metadata.response_code = ResponseCode::NXDomain;
            response.add_authority(soa_for(&query.name));
        }
        Reply::Fault(DnsFault::ServFail) => {
            response.metadata.response_code = ResponseCode::ServFail
        }
        Reply::Fault(DnsFault::Refused) => response.metadata.response_code = ResponseCode::Refused,
        Reply::Fault(DnsFault::Silent) => return None,
    }
    Some(response)
}

/// An SOA for negative answers, with a negative TTL of zero.
fn soa_for(name: &Name) -> Record {
    let zone = name.base_name();
    let soa = SOA::new(
        dns_name("ns.test"),
        dns_name("hostmaster.test"),
        1,
        3600,
        600,
        86400,
        0,
    );
    Record::from_rdata(zone, 0, RData::SOA(soa))
}
