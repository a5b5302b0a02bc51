//! The value types of the config file that are written for people:
//! durations (`"30s"`, `"5m"`), sizes (`"35MB"`, or bytes), addresses to
//! listen on, networks (`"10.0.0.0/8"`), name servers. Each one refuses bad
//! text with a message that says what was expected; the loader adds the
//! file, line and key.

use ipnet::IpNet;
use serde::Deserialize;
use serde::de::{self, Deserializer, Visitor};
use std::fmt;
use std::net::{IpAddr, SocketAddr};
use std::str::FromStr;
use std::time::Duration;

/// A duration written with its unit: `"2s"`, `"5m"`, `"1h"`, `"1h 30m"`.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct HumanDuration(pub Duration);

impl FromStr for HumanDuration {
    type Err = String;
    fn from_str(text: &str) -> Result<Self, String> {
        match humantime::parse_duration(text.trim()) {
            Ok(duration) if duration.is_zero() => {
                Err(format!("{text:?} is zero; a duration must be longer"))
            }
            Ok(duration) => Ok(HumanDuration(duration)),
            Err(error) => Err(format!(
                "{text:?} is not a duration ({error}); write a number with a unit, e.g. \"30s\", \"5m\", \"1h\""
            )),
        }
    }
}

/// A duration, or `"off"`.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct OptionalDuration(pub Option<Duration>);

impl FromStr for OptionalDuration {
    type Err = String;
    fn from_str(text: &str) -> Result<Self, String> {
        if text.trim().eq_ignore_ascii_case("off") {
            return Ok(OptionalDuration(None));
        }
        text.parse::<HumanDuration>()
            .map(|d| OptionalDuration(Some(d.0)))
            .map_err(|error| format!("{error}, or \"off\""))
    }
}

/// A size in bytes: a number, or text with a unit (`"35MB"`, `"10KB"`,
/// `"1GB"`; KB = 1024 bytes).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct ByteSize(pub u64);

impl FromStr for ByteSize {
    type Err = String;
    fn from_str(text: &str) -> Result<Self, String> {
        let trimmed = text.trim();
        let digits_end = trimmed
            .find(|c: char| !c.is_ascii_digit())
            .unwrap_or(trimmed.len());
        let (number, unit) = trimmed.split_at(digits_end);
        let multiplier = match unit.trim().to_ascii_uppercase().as_str() {
            "" | "B" => Some(1u64),
            "K" | "KB" | "KIB" => Some(1 << 10),
            "M" | "MB" | "MIB" => Some(1 << 20),
            "G" | "GB" | "GIB" => Some(1 << 30),
            _ => None,
        };
        let bytes = number
            .parse::<u64>()
            .ok()
            .zip(multiplier)
            .and_then(|(n, m)| n.checked_mul(m));
        match bytes {
            Some(0) => Err(format!("{text:?} is zero; a size must be larger")),
            Some(bytes) => Ok(ByteSize(bytes)),
            None => Err(format!(
                "{text:?} is not a size; write bytes as a number, or a number with KB, MB or GB, e.g. \"35MB\""
            )),
        }
    }
}

/// An address to listen on: `"127.0.0.1:2525"`, `"[::1]:2525"`.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct ListenAddr(pub SocketAddr);

impl FromStr for ListenAddr {
    type Err = String;
    fn from_str(text: &str) -> Result<Self, String> {
        text.trim().parse().map(ListenAddr).map_err(|_| {
            format!("{text:?} is not an address to listen on; write IP:port, e.g. \"127.0.0.1:2525\" or \"[::1]:2525\"")
        })
    }
}

/// A DNS server: `"192.0.2.53"` (port 53) or `"127.0.0.1:5300"`.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Nameserver(pub SocketAddr);

impl FromStr for Nameserver {
    type Err = String;
    fn from_str(text: &str) -> Result<Self, String> {
        let text = text.trim();
        if let Ok(addr) = text.parse::<SocketAddr>() {
            return Ok(Nameserver(addr));
        }
        text.parse::<IpAddr>().map(|ip| Nameserver(SocketAddr::new(ip, 53))).map_err(|_| {
            format!("{text:?} is not a name server; write an IP address, optionally with a port, e.g. \"127.0.0.1:5300\"")
        })
    }
}

/// A network in CIDR notation (`"10.0.0.0/8"`); a bare address is one host.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Network(pub IpNet);

impl FromStr for Network {
    type Err = String;
    fn from_str(text: &str) -> Result<Self, String> {
        let text = text.trim();
        if let Ok(net) = text.parse::<IpNet>() {
            return Ok(Network(net.trunc()));
        }
        text.parse::<IpAddr>().map(|ip| Network(IpNet::from(ip))).map_err(|_| {
            format!("{text:?} is not a network; write CIDR notation, e.g. \"10.0.0.0/8\" or \"::1/128\"")
        })
    }
}

/// A value written as text in the config file.
trait TextValue: FromStr<Err = String> {
    /// What the value should look like, for serde's messages.
    const EXPECTING: &'static str;
    /// Whether a bare integer is also accepted (sizes in bytes).
    const TAKES_INTEGER: bool = false;
}

impl TextValue for HumanDuration {
    const EXPECTING: &'static str = "a duration such as \"30s\"";
}
impl TextValue for OptionalDuration {
    const EXPECTING: &'static str = "a duration such as \"4h\", or \"off\"";
}
impl TextValue for ByteSize {
    const EXPECTING: &'static str = "a size such as \"35MB\", or a number of bytes";
    const TAKES_INTEGER: bool = true;
}
impl TextValue for ListenAddr {
    const EXPECTING: &'static str = "an address such as \"127.0.0.1:2525\"";
}
impl TextValue for Nameserver {
    const EXPECTING: &'static str = "a name server address such as \"127.0.0.1:5300\"";
}
impl TextValue for Network {
    const EXPECTING: &'static str = "a network such as \"10.0.0.0/8\"";
}

/// Serde reports a failure where the value is, so the loader can add the
/// file, line and key.
macro_rules! deserialize_text_value {
    ($($type:ty),*) => {$(
        impl<'de> Deserialize<'de> for $type {
            fn deserialize<D: Deserializer<'de>>(deserializer: D) -> Result<Self, D::Error> {
                deserializer.deserialize_any(TextVisitor::<$type>(std::marker::PhantomData))
            }
        }
    )*};
}

deserialize_text_value!(
    HumanDuration,
    OptionalDuration,
    ByteSize,
    ListenAddr,
    Nameserver,
    Network
);

struct TextVisitor<T>(std::marker::PhantomData<T>);

impl<T: TextValue> Visitor<'_> for TextVisitor<T> {
    type Value = T;

    fn expecting(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(T::EXPECTING)
    }

    fn visit_str<E: de::Error>(self, text: &str) -> Result<T, E> {
        text.parse().map_err(E::custom)
    }

    fn visit_i64<E: de::Error>(self, number: i64) -> Result<T, E> {
        match u64::try_from(number) {
            Ok(number) => self.visit_u64(number),
            Err(_) => Err(E::custom(format!(
                "{number} is negative; expected {}",
                T::EXPECTING
            ))),
        }
    }

    fn visit_u64<E: de::Error>(self, number: u64) -> Result<T, E> {
        if !T::TAKES_INTEGER {
            return Err(E::custom(format!(
                "{number} is a bare number; expected {}",
                T::EXPECTING
            )));
        }
        number.to_string().parse().map_err(E::custom)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn durations_need_a_unit_and_refuse_unknown_ones() {
        assert_eq!(
            "5m".parse::<HumanDuration>().unwrap().0,
            Duration::from_secs(300)
        );
        assert_eq!(
            "1h 30m".parse::<HumanDuration>().unwrap().0,
            Duration::from_secs(5400)
        );
        let error = "5x".parse::<HumanDuration>().unwrap_err();
        assert!(error.contains("\"5x\" is not a duration"), "{error}");
        assert!("0s".parse::<HumanDuration>().is_err());
        assert_eq!("off".parse::<OptionalDuration>().unwrap().0, None);
    }

    #[test]
    fn sizes_take_bytes_or_units_of_1024() {
        assert_eq!("35MB".parse::<ByteSize>().unwrap().0, 35 * 1024 * 1024);
        assert_eq!("10KB".parse::<ByteSize>().unwrap().0, 10 * 1024);
        assert_eq!("10 kb".parse::<ByteSize>().unwrap().0, 10 * 1024);
        assert_eq!("4096".parse::<ByteSize>().unwrap().0, 4096);
        assert!("35XB".parse::<ByteSize>().is_err());
        assert!("MB".parse::<ByteSize>().is_err());
    }

    #[test]
    fn networks_and_addresses_parse() {
        assert_eq!(
            "10.1.2.3/8".parse::<Network>().unwrap().0.to_string(),
            "10.0.0.0/8"
        );
        assert_eq!("::1".parse::<Network>().unwrap().0.to_string(), "::1/128");
        assert!("10.0.0.0/33".parse::<Network>().is_err());
        assert_eq!("127.0.0.1".parse::<Nameserver>().unwrap().0.port(), 53);
        assert!("localhost:25".parse::<ListenAddr>().is_err());
    }
}
