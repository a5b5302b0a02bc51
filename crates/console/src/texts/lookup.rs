//! Words for the names the API writes (`connection_refused`, `deferred`,
//! `verify_ca`): a name the console does not know is shown as it is.

use super::Texts;
use mailflow_insight::Status;
use std::borrow::{Borrow, Cow};

impl Texts {
    pub fn status(&self, status: impl Borrow<Status>) -> &'static str {
        match status.borrow() {
            Status::Healthy => self.status.healthy,
            Status::Degraded => self.status.degraded,
            Status::Failing => self.status.failing,
        }
    }

    pub fn category(&self, name: impl AsRef<str>) -> Cow<'static, str> {
        let c = &self.categories;
        known(name, |name| match name {
            "dns_query_failed" => Some(c.dns_query_failed),
            "connection_timed_out" => Some(c.connection_timed_out),
            "connection_refused" => Some(c.connection_refused),
            "remote_server_error" => Some(c.remote_server_error),
            "connection_dropped" => Some(c.connection_dropped),
            "certificate_invalid" => Some(c.certificate_invalid),
            "remote_transient" => Some(c.remote_transient),
            "remote_permanent" => Some(c.remote_permanent),
            "expired" => Some(c.expired),
            "loop_detected" => Some(c.loop_detected),
            "recipient_not_found" => Some(c.recipient_not_found),
            "domain_not_found" => Some(c.domain_not_found),
            "null_mx" => Some(c.null_mx),
            "local_error" => Some(c.local_error),
            _ => None,
        })
    }

    pub fn recipient_state(&self, name: impl AsRef<str>) -> Cow<'static, str> {
        let s = &self.states;
        known(name, |name| match name {
            "queued" => Some(s.queued),
            "in_flight" => Some(s.in_flight),
            "deferred" => Some(s.deferred),
            "suspended" => Some(s.suspended),
            "delivered" => Some(s.delivered),
            "failed" => Some(s.failed),
            _ => None,
        })
    }

    pub fn stage(&self, name: impl AsRef<str>) -> Cow<'static, str> {
        let s = &self.stages;
        known(name, |name| match name {
            "dns" => Some(s.dns),
            "connect" => Some(s.connect),
            "greeting" => Some(s.greeting),
            "ehlo" => Some(s.ehlo),
            "starttls" => Some(s.starttls),
            "certificate" => Some(s.certificate),
            _ => None,
        })
    }

    pub fn outcome(&self, name: impl AsRef<str>) -> Cow<'static, str> {
        let o = &self.outcomes;
        known(name, |name| match name {
            "passed" => Some(o.passed),
            "failed" => Some(o.failed),
            "not_reached" => Some(o.not_reached),
            _ => None,
        })
    }

    pub fn domain_type(&self, name: impl AsRef<str>) -> Cow<'static, str> {
        let d = &self.domain_types;
        known(name, |name| match name {
            "authoritative" => Some(d.authoritative),
            "internal_relay" => Some(d.internal_relay),
            _ => None,
        })
    }

    pub fn tls_policy(&self, name: impl AsRef<str>) -> Cow<'static, str> {
        known(name, |name| match name {
            "opportunistic" => Some(self.tls_opportunistic),
            "required" => Some(self.tls_required),
            "verify_ca" => Some(self.tls_verify_ca),
            "verify_name" => Some(self.tls_verify_name),
            _ => None,
        })
    }

    /// A node's state as the API names it (`running`, `missing`…).
    pub fn node_state(&self, name: impl AsRef<str>) -> Cow<'static, str> {
        let n = &self.nodes;
        known(name, |name| match name {
            "running" => Some(n.running),
            "draining" => Some(n.draining),
            "drained" => Some(n.drained),
            "stopped" => Some(n.stopped),
            "missing" => Some(n.missing),
            _ => None,
        })
    }

    /// A queue action as the API names it (`retry`, `bounce`…).
    pub fn queue_action(&self, name: impl AsRef<str>) -> Cow<'static, str> {
        known(name, |name| match name {
            "retry" => Some(self.action_retry),
            "suspend" => Some(self.action_suspend),
            "resume" => Some(self.action_resume),
            "bounce" => Some(self.action_bounce),
            "delete" => Some(self.action_delete),
            _ => None,
        })
    }
}

fn known(
    name: impl AsRef<str>,
    words: impl FnOnce(&str) -> Option<&'static str>,
) -> Cow<'static, str> {
    let name = name.as_ref();
    match words(name) {
        Some(words) => Cow::Borrowed(words),
        None => Cow::Owned(name.to_string()),
    }
}
