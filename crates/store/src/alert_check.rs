//! The checks an organisation's alert settings pass wherever they come
//! from — the config's `[alerts]` or the admin API — each naming the field
//! that is wrong, so both can say where.

use crate::AlertSettings;

/// One field of alert settings that cannot be used, and why.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct AlertSettingsProblem {
    /// The field as the config and the API name it: `queued_threshold`,
    /// `admin_emails[1]`, `connectors.to-onprem.queued_threshold`.
    pub field: String,
    pub message: String,
}

impl AlertSettingsProblem {
    fn new(field: impl Into<String>, message: impl Into<String>) -> Self {
        AlertSettingsProblem {
            field: field.into(),
            message: message.into(),
        }
    }
}

/// A threshold of recipients must be crossable.
pub fn check_threshold(value: u64) -> Result<(), String> {
    match value {
        0 => Err("must be at least 1 recipient".to_string()),
        _ => Ok(()),
    }
}

/// An `http://` or `https://` URL with a host, without spaces.
pub fn check_webhook_url(url: &str) -> Result<(), String> {
    let url = url.trim();
    let rest = url
        .strip_prefix("https://")
        .or_else(|| url.strip_prefix("http://"));
    let host = rest.map(|r| r.split(['/', '?', '#']).next().unwrap_or(""));
    let valid = host.is_some_and(|h| !h.is_empty() && !h.starts_with(':'))
        && !url.chars().any(|c| c.is_whitespace() || c.is_control());
    match valid {
        true => Ok(()),
        false => Err(format!("{url:?} is not an http:// or https:// URL")),
    }
}

pub fn check_webhook_secret(secret: &str) -> Result<(), String> {
    match secret.trim().is_empty() {
        true => Err("is empty; leave it out or choose a secret".to_string()),
        false => Ok(()),
    }
}

/// An administrator's address: local@domain, nothing that would break a
/// header or an envelope.
pub fn check_admin_email(address: &str) -> Result<(), String> {
    match mailflow_core::Mailbox::parse(address.trim()) {
        Ok(_) => Ok(()),
        Err(_) => Err(format!("{address:?} is not an address; write local@domain")),
    }
}

pub fn check_invalid_recipient_quota(quota: Option<u64>) -> Result<(), String> {
    match quota {
        Some(0) => Err("must be at least 1; leave it out for no quota".to_string()),
        _ => Ok(()),
    }
}

/// Every check over whole settings; `connector_exists` says whether a
/// per-connector table names a connector of the organisation.
pub fn check_alert_settings(
    settings: &AlertSettings,
    connector_exists: impl Fn(&str) -> bool,
) -> Result<(), AlertSettingsProblem> {
    fn at(field: &str) -> impl Fn(String) -> AlertSettingsProblem + '_ {
        move |message| AlertSettingsProblem::new(field, message)
    }
    check_threshold(settings.rules.queued_threshold).map_err(at("queued_threshold"))?;
    if let Some(url) = &settings.webhook_url {
        check_webhook_url(url).map_err(at("webhook_url"))?;
    }
    if let Some(secret) = &settings.webhook_secret {
        check_webhook_secret(secret).map_err(at("webhook_secret"))?;
    }
    for (index, address) in settings.admin_emails.iter().enumerate() {
        check_admin_email(address).map_err(at(&format!("admin_emails[{index}]")))?;
    }
    check_invalid_recipient_quota(settings.invalid_recipient_quota)
        .map_err(at("invalid_recipient_quota"))?;
    for (name, own) in &settings.connectors {
        let field = format!("connectors.{name}");
        if !connector_exists(name) {
            return Err(AlertSettingsProblem::new(
                field,
                format!("no connector named {name:?} is defined"),
            ));
        }
        if let Some(threshold) = own.queued_threshold {
            check_threshold(threshold).map_err(at(&format!("{field}.queued_threshold")))?;
        }
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::AlertRuleOverrides;

    #[test]
    fn each_problem_names_its_field() {
        let exists = |name: &str| name == "to-onprem";
        let mut settings = AlertSettings::default();
        assert_eq!(check_alert_settings(&settings, exists), Ok(()));

        let field =
            |settings: &AlertSettings| check_alert_settings(settings, exists).unwrap_err().field;
        settings.rules.queued_threshold = 0;
        assert_eq!(field(&settings), "queued_threshold");
        settings.rules.queued_threshold = 10;
        settings.webhook_url = Some("ftp://hooks.example.test".into());
        assert_eq!(field(&settings), "webhook_url");
        settings.webhook_url = Some("https://hooks.example.test/mailflow".into());
        settings.admin_emails = vec!["ops@example.test".into(), "not an address".into()];
        assert_eq!(field(&settings), "admin_emails[1]");
        settings.admin_emails.pop();
        settings.invalid_recipient_quota = Some(0);
        assert_eq!(field(&settings), "invalid_recipient_quota");
        settings.invalid_recipient_quota = None;
        settings
            .connectors
            .insert("elsewhere".into(), AlertRuleOverrides::default());
        assert_eq!(field(&settings), "connectors.elsewhere");
        settings.connectors.clear();
        let zero = AlertRuleOverrides {
            queued_threshold: Some(0),
            ..Default::default()
        };
        settings.connectors.insert("to-onprem".into(), zero);
        assert_eq!(field(&settings), "connectors.to-onprem.queued_threshold");
    }

    #[test]
    fn webhook_urls_need_a_scheme_and_a_host() {
        assert!(check_webhook_url("https://hooks.example.test/x?y=1").is_ok());
        assert!(check_webhook_url("http://127.0.0.1:9000").is_ok());
        assert!(check_webhook_url("https:///path").is_err());
        assert!(check_webhook_url("hooks.example.test").is_err());
        assert!(check_webhook_url("https://hooks.example.test/a b").is_err());
    }
}
