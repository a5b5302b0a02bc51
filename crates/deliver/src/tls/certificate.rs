//! What a certificate says about itself — subject, issuer, validity and the
//! names it presents — read with `x509-parser` for the `4.7.320` detail.

use mailflow_core::CertificateSummary;
use time::OffsetDateTime;
use time::format_description::well_known::Rfc3339;
use x509_parser::prelude::{FromDer, GeneralName, X509Certificate};
use x509_parser::time::ASN1Time;

pub(crate) fn summary(der: &[u8]) -> CertificateSummary {
    let Ok((_, certificate)) = X509Certificate::from_der(der) else {
        return CertificateSummary {
            subject: "(unreadable certificate)".to_string(),
            ..CertificateSummary::default()
        };
    };
    let validity = certificate.validity();
    CertificateSummary {
        subject: certificate.subject().to_string(),
        issuer: certificate.issuer().to_string(),
        not_before: date(validity.not_before),
        not_after: date(validity.not_after),
    }
}

/// The DNS names and IP addresses in the subject alternative names.
pub(crate) fn presented_names(der: &[u8]) -> Vec<String> {
    let Ok((_, certificate)) = X509Certificate::from_der(der) else {
        return Vec::new();
    };
    let Ok(Some(names)) = certificate.subject_alternative_name() else {
        return Vec::new();
    };
    names
        .value
        .general_names
        .iter()
        .filter_map(name_text)
        .collect()
}

fn name_text(name: &GeneralName<'_>) -> Option<String> {
    match name {
        GeneralName::DNSName(dns) => Some((*dns).to_string()),
        GeneralName::IPAddress(bytes) => ip_text(bytes),
        _ => None,
    }
}

fn ip_text(bytes: &[u8]) -> Option<String> {
    let ip = match bytes.len() {
        4 => std::net::IpAddr::from(<[u8; 4]>::try_from(bytes).ok()?),
        16 => std::net::IpAddr::from(<[u8; 16]>::try_from(bytes).ok()?),
        _ => return None,
    };
    Some(ip.to_string())
}

fn date(time: ASN1Time) -> String {
    OffsetDateTime::from_unix_timestamp(time.timestamp())
        .ok()
        .and_then(|moment| moment.format(&Rfc3339).ok())
        .unwrap_or_else(|| time.to_string())
}
