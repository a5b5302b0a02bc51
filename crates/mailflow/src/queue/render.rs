//! How the queue is printed: one table row per recipient for people, the
//! API's JSON for scripts, and a block of text for one message.

use mailflow_admin::{MessageListView, MessageView, RecipientView};
use mailflow_core::time_format::text_from_json;
use serde::Serialize;

pub fn json<T: Serialize>(value: &T) -> String {
    serde_json::to_string_pretty(value).expect("API views serialize to JSON")
}

const HEADERS: [&str; 8] = [
    "MESSAGE",
    "RECEIVED",
    "SENDER",
    "RECIPIENT",
    "STATE",
    "TRIES",
    "CONNECTOR",
    "LAST ERROR",
];

/// A page of the list, and how to ask for the next one when there is more.
pub fn page(page: &MessageListView) -> String {
    let mut text = table(&page.messages);
    if let Some(cursor) = &page.next_cursor {
        text.push_str(&format!("\n(more: add --cursor {cursor})"));
    }
    text
}

/// One row per recipient, so each recipient's own state and error show.
pub fn table(messages: &[MessageView]) -> String {
    if messages.is_empty() {
        return "no messages match".into();
    }
    let mut rows: Vec<[String; 8]> = vec![HEADERS.map(String::from)];
    for message in messages {
        for recipient in &message.recipients {
            rows.push(row(message, recipient));
        }
    }
    crate::text_table::aligned(&rows)
}

fn row(message: &MessageView, recipient: &RecipientView) -> [String; 8] {
    let last_error = recipient
        .last_error
        .as_ref()
        .map(|error| format!("{} {}", error.code, error.category))
        .unwrap_or_else(|| "-".into());
    [
        message.id.clone(),
        text_from_json(&message.received_at),
        sender(message),
        recipient.address.clone(),
        recipient.state.clone(),
        recipient.attempts.to_string(),
        recipient.connector.clone().unwrap_or_else(|| "(mx)".into()),
        last_error,
    ]
}

fn attempts(count: u32) -> String {
    if count == 1 {
        "1 attempt".into()
    } else {
        format!("{count} attempts")
    }
}

fn sender(message: &MessageView) -> String {
    if message.sender.is_empty() {
        "<>".into()
    } else {
        message.sender.clone()
    }
}

/// One message, every recipient with its whole last error.
pub fn message(message: &MessageView) -> String {
    let mut lines = vec![
        format!("message    {}", message.id),
        format!("sender     {}", sender(message)),
        format!("received   {}", text_from_json(&message.received_at)),
        format!("expires    {}", text_from_json(&message.expires_at)),
        format!("size       {} bytes", message.size),
        format!(
            "message-id {}",
            message
                .message_id_header
                .as_deref()
                .map_or_else(|| "-".to_string(), |id| format!("<{id}>"))
        ),
        format!(
            "connector  {}",
            message.connector.as_deref().unwrap_or("(mx)")
        ),
    ];
    for recipient in &message.recipients {
        lines.push(String::new());
        lines.extend(recipient_lines(recipient));
    }
    lines.join("\n")
}

fn recipient_lines(recipient: &RecipientView) -> Vec<String> {
    let mut lines = vec![
        format!("recipient  {}", recipient.address),
        format!(
            "  state          {} ({})",
            recipient.state,
            attempts(recipient.attempts)
        ),
        format!("  next hop       {}", recipient.next_hop),
    ];
    if let Some(at) = &recipient.next_attempt_at {
        lines.push(format!("  next attempt   {}", text_from_json(at)));
    }
    if let Some(error) = &recipient.last_error {
        lines.push(format!("  last error     {}", error.reply));
        lines.push(format!(
            "  category       {} ({})",
            error.category, error.code
        ));
        lines.push(format!("  detail         {}", error.detail));
        let server = error.server.as_deref().unwrap_or("-");
        lines.push(format!(
            "  server         {server} at {}",
            text_from_json(&error.at)
        ));
    }
    lines
}

#[cfg(test)]
mod tests {
    use super::*;
    use mailflow_admin::LastErrorView;

    fn sample() -> MessageView {
        MessageView {
            id: "0190aaaabbbbccccddddeeeeffff0000".into(),
            sender: String::new(),
            received_at: "2025-03-01T10:00:00Z".into(),
            expires_at: "2025-03-02T10:00:00Z".into(),
            connector: Some("to-onprem".into()),
            size: 25,
            message_id_header: Some("hello.1@example.test".into()),
            recipients: vec![RecipientView {
                address: "alice@contoso.test".into(),
                state: "deferred".into(),
                attempts: 2,
                next_attempt_at: Some("2025-03-01T10:05:00Z".into()),
                connector: Some("to-onprem".into()),
                next_hop: "to-onprem".into(),
                last_error: Some(LastErrorView {
                    code: "4.4.316".into(),
                    reply: "450 4.4.316 connection refused by 127.0.0.1:25".into(),
                    category: "connection_refused".into(),
                    detail: "connection refused by 127.0.0.1:25".into(),
                    server: Some("127.0.0.1:25".into()),
                    at: "2025-03-01T10:00:00Z".into(),
                }),
            }],
        }
    }

    #[test]
    fn the_table_has_a_row_per_recipient_with_code_and_category() {
        let table = table(&[sample()]);
        let lines: Vec<&str> = table.lines().collect();
        assert_eq!(lines.len(), 2);
        assert!(lines[0].starts_with("MESSAGE"));
        assert!(lines[1].contains("<>") && lines[1].contains("alice@contoso.test"));
        assert!(
            lines[1].contains("  2025-03-01 10:00:00Z  "),
            "{}",
            lines[1]
        );
        assert!(
            lines[1].ends_with("4.4.316 connection_refused"),
            "{}",
            lines[1]
        );
    }

    #[test]
    fn one_message_shows_the_whole_last_error() {
        let text = message(&sample());
        assert!(text.contains("last error     450 4.4.316 connection refused by 127.0.0.1:25"));
        assert!(text.contains("server         127.0.0.1:25 at 2025-03-01 10:00:00Z"));
        assert!(text.contains("received   2025-03-01 10:00:00Z"), "{text}");
        assert!(text.contains("message-id <hello.1@example.test>"), "{text}");
    }
}
