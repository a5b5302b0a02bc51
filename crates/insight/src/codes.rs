//! The category that goes with an enhanced code counted in the queue.
//!
//! The queue's breakdown is kept per code (that is what the store indexes);
//! the category shown next to each count is the one SPEC 3 gives the code.
//! Codes of mailflow's own diagnoses map one to one; any other code came
//! from a remote server's reply, transient or permanent by its class.

use mailflow_core::{Category, EnhancedCode};

pub fn category_of(code: &str) -> Category {
    match code {
        "4.4.312" => Category::DnsQueryFailed,
        "4.4.315" => Category::ConnectionTimedOut,
        "4.4.316" => Category::ConnectionRefused,
        "4.4.317" => Category::RemoteServerError,
        "4.4.318" => Category::ConnectionDropped,
        "4.7.320" => Category::CertificateInvalid,
        "4.4.7" => Category::Expired,
        _ => match EnhancedCode::parse(code) {
            Some(code) if code.is_permanent() => Category::RemotePermanent,
            _ => Category::RemoteTransient,
        },
    }
}
