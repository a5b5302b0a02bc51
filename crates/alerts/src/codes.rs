//! The category that goes with an alert's code. The queue statistics give
//! codes; the category comes from the latest failure with that code when
//! there is one, else from the fixed codes of SPEC section 3.

use mailflow_core::Category;
use mailflow_store::LastError;

/// The code of an alert whose queue has not failed yet (nothing tried).
pub const NOT_TRIED: &str = "none";

pub fn category_of(code: &str, last_error: Option<&LastError>) -> Option<Category> {
    if let Some(error) = last_error.filter(|e| e.diagnosis.code().to_string() == code) {
        return Some(error.diagnosis.category());
    }
    let category = match code {
        "4.4.312" => Category::DnsQueryFailed,
        "4.4.315" => Category::ConnectionTimedOut,
        "4.4.316" => Category::ConnectionRefused,
        "4.4.317" => Category::RemoteServerError,
        "4.4.318" => Category::ConnectionDropped,
        "4.7.320" => Category::CertificateInvalid,
        "4.4.7" => Category::Expired,
        "5.1.10" => Category::RecipientNotFound,
        _ if code.starts_with("4.") => Category::RemoteTransient,
        _ => return None,
    };
    Some(category)
}
