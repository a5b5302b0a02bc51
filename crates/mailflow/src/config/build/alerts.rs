//! Checking `[alerts]`: thresholds that can be crossed, a webhook URL that
//! is a URL, administrator addresses that are addresses, and per-connector
//! tables that name a connector the file defines. Each error names the
//! file, line and key.

use super::super::raw_alerts::{RawAlertRules, RawAlerts};
use super::{Checked, Context};
use crate::config::locate::KeyPath;
use mailflow_core::OrgSettings;
use mailflow_store::{AlertRuleOverrides, AlertRules, AlertSettings, alert_check};

impl Context<'_> {
    pub(super) fn alerts(&mut self, raw: RawAlerts, org: &OrgSettings) -> Checked<AlertSettings> {
        let at = KeyPath::key("alerts");
        let defaults = AlertSettings::default();
        let rules = AlertRules {
            queued_threshold: self
                .threshold(&at, raw.queued_threshold)?
                .unwrap_or(defaults.rules.queued_threshold),
            queued_age: raw.queued_age.map_or(defaults.rules.queued_age, |d| d.0),
            oldest_age: raw.oldest_age.map_or(defaults.rules.oldest_age, |d| d.0),
        };
        let mut connectors = std::collections::BTreeMap::new();
        for (name, own) in raw.connectors {
            let overrides =
                self.connector_rules(&at.then("connectors").then(&name), &name, own, org)?;
            connectors.insert(name, overrides);
        }
        let (webhook_url, webhook_secret) =
            self.webhook(&at, raw.webhook_url, raw.webhook_secret)?;
        for (index, address) in raw.admin_emails.iter().enumerate() {
            if let Err(message) = alert_check::check_admin_email(address) {
                return Err(self.inconsistent(at.then("admin_emails").at(index), &message));
            }
        }
        let daily_cap = raw.daily_cap.unwrap_or(defaults.daily_cap);
        if daily_cap == 0 {
            self.warn(
                at.then("daily_cap"),
                "is 0: no alert notification will ever be sent",
            );
        }
        if let Err(message) =
            alert_check::check_invalid_recipient_quota(raw.invalid_recipient_quota)
        {
            return Err(self.inconsistent(at.then("invalid_recipient_quota"), &message));
        }
        Ok(AlertSettings {
            rules,
            connectors,
            webhook_url,
            webhook_secret,
            admin_emails: raw
                .admin_emails
                .iter()
                .map(|a| a.trim().to_ascii_lowercase())
                .collect(),
            daily_cap,
            invalid_recipient_quota: raw.invalid_recipient_quota,
        })
    }

    fn threshold(&self, at: &KeyPath, value: Option<u64>) -> Checked<Option<u64>> {
        match value.map(alert_check::check_threshold) {
            Some(Err(message)) => Err(self.inconsistent(at.then("queued_threshold"), &message)),
            _ => Ok(value),
        }
    }

    fn connector_rules(
        &self,
        at: &KeyPath,
        name: &str,
        own: RawAlertRules,
        org: &OrgSettings,
    ) -> Checked<AlertRuleOverrides> {
        if org.connector(name).is_none() {
            let message = format!(
                "no connector named {name:?} is defined; the [alerts.connectors.NAME] tables take the name of a [[connectors]] entry"
            );
            return Err(self.inconsistent(at.clone(), &message));
        }
        Ok(AlertRuleOverrides {
            queued_threshold: self.threshold(at, own.queued_threshold)?,
            queued_age: own.queued_age.map(|d| d.0),
            oldest_age: own.oldest_age.map(|d| d.0),
        })
    }

    fn webhook(
        &mut self,
        at: &KeyPath,
        url: Option<String>,
        secret: Option<String>,
    ) -> Checked<(Option<String>, Option<String>)> {
        if let Some(Err(message)) = url.as_deref().map(alert_check::check_webhook_url) {
            return Err(self.inconsistent(at.then("webhook_url"), &message));
        }
        if let Some(Err(message)) = secret.as_deref().map(alert_check::check_webhook_secret) {
            return Err(self.inconsistent(at.then("webhook_secret"), &message));
        }
        if url.is_some() && secret.is_none() {
            self.warn(at.then("webhook_url"), "has no webhook_secret: the webhook's receiver cannot check that alerts come from this relay");
        }
        Ok((url.map(|u| u.trim().to_string()), secret))
    }
}

#[cfg(test)]
mod tests {
    use crate::config::Config;
    use std::path::Path;
    use std::time::Duration;

    const CONNECTOR: &str = "[[connectors]]\nname = \"to-onprem\"\nkind = \"on_premises\"\nrecipient_domains = [\"contoso.test\"]\n";

    fn parse(text: &str) -> Result<Config, crate::config::ConfigError> {
        Config::parse(text, Path::new("mailflow.toml"), Path::new("."))
    }

    fn assert_error(text: &str, line: usize, key: &str, message_part: &str) {
        let shown = parse(text)
            .expect_err("the config should be refused")
            .to_string();
        let start = format!("mailflow.toml:{line}: {key}: ");
        assert!(
            shown.starts_with(&start),
            "expected {start:?}…, got {shown:?}"
        );
        assert!(
            shown.contains(message_part),
            "expected {message_part:?} in {shown:?}"
        );
    }

    #[test]
    fn without_an_alerts_section_the_spec_defaults_apply() {
        let alerts = parse("").unwrap().alerts;
        assert_eq!(alerts.rules.queued_threshold, 200);
        assert_eq!(alerts.rules.queued_age, Duration::from_secs(3600));
        assert_eq!(alerts.rules.oldest_age, Duration::from_secs(4 * 3600));
        assert_eq!(alerts.daily_cap, 50);
        assert_eq!(alerts.webhook_url, None);
    }

    #[test]
    fn organisation_defaults_and_connector_overrides_are_read() {
        let text = format!(
            "{CONNECTOR}\n[alerts]\nqueued_threshold = 50\nqueued_age = \"30m\"\noldest_age = \"2h\"\nwebhook_url = \"http://127.0.0.1:9000/hook\"\nwebhook_secret = \"s\"\nadmin_emails = [\"Ops@Fabrikam.test\"]\ndaily_cap = 10\n\n[alerts.connectors.to-onprem]\nqueued_threshold = 5\n"
        );
        let alerts = parse(&text).unwrap().alerts;
        let own = alerts.rules_for(Some("to-onprem"));
        assert_eq!(
            (own.queued_threshold, own.queued_age),
            (5, Duration::from_secs(1800))
        );
        assert_eq!(alerts.rules_for(None).queued_threshold, 50);
        assert_eq!(alerts.admin_emails, ["ops@fabrikam.test"]);
        assert_eq!(alerts.daily_cap, 10);
    }

    #[test]
    fn bad_alert_values_name_file_line_and_key() {
        assert_error(
            "[alerts]\nqueued_age = \"soon\"\n",
            2,
            "alerts.queued_age",
            "\"soon\" is not a duration",
        );
        assert_error(
            "[alerts]\nqueued_threshold = 0\n",
            2,
            "alerts.queued_threshold",
            "at least 1",
        );
        assert_error(
            "[alerts]\nwebhook_url = \"ftp://x\"\n",
            2,
            "alerts.webhook_url",
            "not an http:// or https:// URL",
        );
        assert_error(
            "[alerts]\nadmin_emails = [\"ops\"]\n",
            2,
            "alerts.admin_emails[0]",
            "ops",
        );
        assert_error(
            "[alerts]\nthreshold = 3\n",
            2,
            "alerts.threshold",
            "unknown field `threshold`",
        );
        let text = format!("{CONNECTOR}\n[alerts.connectors.to-onprem]\noldest = \"1h\"\n");
        assert_error(
            &text,
            7,
            "alerts.connectors.to-onprem.oldest",
            "unknown field `oldest`",
        );
    }

    #[test]
    fn a_connector_table_must_name_a_defined_connector() {
        let text = format!("{CONNECTOR}\n[alerts.connectors.to-nowhere]\nqueued_threshold = 5\n");
        assert_error(
            &text,
            6,
            "alerts.connectors.to-nowhere",
            "no connector named \"to-nowhere\"",
        );
    }

    #[test]
    fn a_webhook_without_a_secret_is_a_warning() {
        let config =
            parse("[alerts]\nwebhook_url = \"https://hooks.example.test/mailflow\"\n").unwrap();
        let warning = config
            .warnings
            .iter()
            .find(|w| w.to_string().contains("alerts.webhook_url"))
            .expect("a warning");
        assert!(warning.message.contains("webhook_secret"));
    }
}
