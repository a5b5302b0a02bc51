//! The Russian words for what administrators do: fix previews, trace
//! events and audited actions.
//!
//! Counts stand in phrases after a colon, so that no verb has to agree
//! with a number.

use super::{Russian, count};
use crate::catalogue::operations::action_name;
use crate::catalogue::{AuditAction, Catalogue, FixChange, FixWords, OperationsCatalogue};
use mailflow_core::{DomainType, Event, EventKind, RouteReason};

impl OperationsCatalogue for Russian {
    fn fix_words(&self, change: &FixChange) -> FixWords {
        let (summary, risk, undo) = match *change {
            FixChange::StopRelaying {
                connector,
                domains,
                bounced,
                also_disable,
            } => (
                format!(
                    "Домены {} становятся полномочными: получатели, которых нет в каталоге, отклоняются на RCPT с кодом 550 5.1.10; сразу завершаются ошибкой с отчётом о недоставке: {} в очереди, которых нет в каталоге{}.",
                    domains.join(", "),
                    recipients(bounced),
                    if also_disable {
                        format!("; коннектор {connector} отключается")
                    } else {
                        String::new()
                    }
                ),
                "Если в каталоге нет каких-то настоящих почтовых ящиков локального сервера, почта для них отклоняется или возвращается, как будто их не существует. Почта для известных получателей остаётся в очереди коннектора.".to_string(),
                "Отмена возвращает доменам тип «внутренний релей» (и включает коннектор); почта, возвращённая исправлением, остаётся возвращённой.".to_string(),
            ),
            FixChange::Disable { connector } => (
                format!("Коннектор {connector} отключается: почта через него больше не идёт."),
                format!(
                    "Почта в очереди коннектора {connector} ждёт, пока не истечёт её срок (тогда отправители получат отчёт о недоставке) или пока её не вернут; новая почта для принятых доменов, которые он обслуживает, временно отклоняется с кодом 451 4.4.0, и серверы отправителей повторяют попытки."
                ),
                format!("Отмена снова включает коннектор {connector}; ожидающая почта доставляется при следующей попытке."),
            ),
            FixChange::LowerTls { connector } => (
                format!("Коннектор {connector} продолжает шифровать соединение, но больше не проверяет сертификат сервера."),
                "Компромисс безопасности: любой, кто может перехватить соединение, может выдать себя за сервер и прочитать почту, потому что сертификат больше не проверяется. Лучше исправить сертификат; пользуйтесь этим, пока он не исправлен.".to_string(),
                format!("Отмена возвращает проверку сертификата для коннектора {connector}."),
            ),
            FixChange::AllowWithoutTls { connector } => (
                format!("Коннектор {connector} использует STARTTLS, когда сервер его предлагает, и отправляет без шифрования, когда нет."),
                "Компромисс безопасности: почта на этот сервер может идти по сети без шифрования, и любой на пути может её прочитать и изменить. Лучше включить STARTTLS на сервере.".to_string(),
                format!("Отмена снова требует TLS для коннектора {connector}."),
            ),
            FixChange::RetryNow {
                connector,
                recipients: count,
            } => (
                format!(
                    "Повторная попытка сейчас: {} в очереди коннектора {connector}; ожидание его следующих узлов снимается.",
                    recipients(count)
                ),
                "Нет; если следующий узел снова не отвечает, ожидание начинается заново.".to_string(),
                "Отменить нельзя (отменять нечего).".to_string(),
            ),
            FixChange::Suspend {
                connector,
                recipients: count,
            } => (
                format!(
                    "Приостанавливаются: {} в очереди коннектора {connector}; попыток не будет, пока их не возобновят.",
                    recipients(count)
                ),
                "Срок приостановленной почты всё равно истекает, и тогда её отправители получают отчёт о недоставке.".to_string(),
                "Отмена возобновляет их.".to_string(),
            ),
            FixChange::Resume {
                connector,
                recipients: count,
            } => (
                format!(
                    "Возвращаются в очередь: {} коннектора {connector}, приостановленные ранее; попытка будет сейчас или когда закончится ожидание следующего узла после ошибок («повторить сейчас» снимает его).",
                    recipients(count)
                ),
                "Нет.".to_string(),
                "Отмена снова приостанавливает их.".to_string(),
            ),
            FixChange::BounceAll {
                connector,
                recipients: count,
            } => (
                format!(
                    "Сразу завершаются ошибкой 5.3.0 (возвращено администратором) с отчётом о недоставке отправителям: {} в ожидании у коннектора {connector}.",
                    recipients(count)
                ),
                "Почта возвращается отправителям и не будет доставлена.".to_string(),
                "Отменить нельзя: возвращённая почта остаётся возвращённой.".to_string(),
            ),
            FixChange::BounceMessage {
                connector,
                message,
                recipients: count,
            } => (
                format!(
                    "Из-за сообщения {message} сервер коннектора {connector} разрывает соединение во время передачи данных. Сразу завершаются этой ошибкой с отчётом о недоставке отправителю: {} этого сообщения в ожидании у {connector}.",
                    recipients(count)
                ),
                "Сообщение возвращается отправителю и не будет доставлено; остальная очередь не затрагивается.".to_string(),
                "Отменить нельзя: возвращённая почта остаётся возвращённой.".to_string(),
            ),
        };
        FixWords {
            summary,
            risk,
            undo,
        }
    }

    fn event_summary(&self, event: &Event) -> String {
        match &event.kind {
            EventKind::Received {
                sender,
                recipients: number,
                size,
                client,
            } => {
                let sender = if sender.is_empty() { "<>" } else { sender };
                let size = i64::try_from(*size).unwrap_or(i64::MAX);
                format!(
                    "Получено от {client}: отправитель {sender}, {}, {}.",
                    recipients(*number as u64),
                    count(size, ["байт", "байта", "байт"])
                )
            }
            EventKind::Routed { reason } => {
                let via = match (&event.connector, &event.next_hop) {
                    (Some(connector), Some(hop)) => {
                        format!("коннектор {connector}, следующий узел {hop}")
                    }
                    (None, Some(hop)) => format!("следующий узел {hop}"),
                    _ => "следующий узел".to_string(),
                };
                let why = match reason {
                    RouteReason::AcceptedDomain {
                        domain,
                        domain_type: DomainType::Authoritative,
                    } => format!("принятый домен {domain} (полномочный)"),
                    RouteReason::AcceptedDomain {
                        domain,
                        domain_type: DomainType::InternalRelay,
                    } => format!("принятый домен {domain} (внутренний релей)"),
                    RouteReason::PartnerDomain { domain } => {
                        format!("домен {domain} обслуживает партнёрский коннектор")
                    }
                    RouteReason::Mx { domain } => format!("MX домена {domain}"),
                };
                format!("Направлено: {via}. Причина: {why}.")
            }
            EventKind::Attempt { results } => {
                format!("Попытка: проверено адресов — {}.", results.len())
            }
            EventKind::Delivered { reply, .. } => format!("Доставлено: {reply}"),
            EventKind::Deferred {
                diagnosis,
                next_attempt_at,
            } => format!(
                "Отложено: {}. Следующая попытка: {}.",
                diagnosis.reply(),
                self.time(*next_attempt_at)
            ),
            EventKind::Failed { diagnosis } => format!("Не доставлено: {}", diagnosis.reply()),
            EventKind::DelayNoticeSent => {
                "Отправителю отправлено уведомление о задержке.".to_string()
            }
            EventKind::Recovered { node } => {
                format!(
                    "Снова в очереди: узел {node} остановился до того, как результат был записан; если его доставка прошла, получатель получит сообщение дважды."
                )
            }
            EventKind::NdrSent { ndr_id } => {
                format!("Отправителю отправлен отчёт о недоставке {ndr_id}.")
            }
            EventKind::Operator { action, actor } => {
                format!("{actor}: {}", action_name(self, action))
            }
        }
    }

    fn action(&self, action: AuditAction) -> &'static str {
        match action {
            AuditAction::ConnectorAdd => "Коннектор добавлен",
            AuditAction::ConnectorEdit => "Коннектор изменён",
            AuditAction::ConnectorRemove => "Коннектор удалён",
            AuditAction::ConnectorEnable => "Коннектор включён",
            AuditAction::ConnectorDisable => "Коннектор отключён",
            AuditAction::OrgApply => "Настройки применены",
            AuditAction::DomainAdd => "Принятый домен добавлен",
            AuditAction::DomainEdit => "Принятый домен изменён",
            AuditAction::DomainRemove => "Принятый домен удалён",
            AuditAction::DirectoryAdd => "Получатели добавлены в каталог",
            AuditAction::DirectoryRemove => "Получатели удалены из каталога",
            AuditAction::DirectoryImport => "Каталог импортирован",
            AuditAction::UserAdd => "Пользователь добавлен",
            AuditAction::UserPassword => "Пароль пользователя изменён",
            AuditAction::UserRemove => "Пользователь удалён",
            AuditAction::TokenCreate => "Токен API создан",
            AuditAction::TokenRevoke => "Токен API отозван",
            AuditAction::AlertSettingsEdit => "Настройки оповещений изменены",
            AuditAction::AlertRulesSet => "Правила оповещений коннектора заданы",
            AuditAction::AlertRulesClear => "Правила оповещений коннектора сброшены",
            AuditAction::StopRelaying => "Прекратить пересылку на локальный сервер",
            AuditAction::StopRelayingAndDisable => {
                "Прекратить пересылку на локальный сервер и отключить коннектор"
            }
            AuditAction::Disable => "Отключить коннектор",
            AuditAction::LowerTls => "Шифровать без проверки сертификата",
            AuditAction::AllowWithoutTls => "Разрешить доставку без TLS",
            AuditAction::Retry => "Повторить сейчас",
            AuditAction::Suspend => "Приостановить",
            AuditAction::Resume => "Возобновить",
            AuditAction::BounceAll => "Вернуть всю ожидающую почту",
            AuditAction::BounceMessage => "Вернуть сообщение",
            AuditAction::MessageRetry => "Сообщение отправлено повторно",
            AuditAction::MessageSuspend => "Сообщение приостановлено",
            AuditAction::MessageResume => "Сообщение возобновлено",
            AuditAction::MessageBounce => "Сообщение возвращено отправителю",
            AuditAction::MessageDelete => "Сообщение удалено",
            AuditAction::QueueRetry => "Очередь отправлена повторно",
            AuditAction::QueueSuspend => "Очередь приостановлена",
            AuditAction::QueueResume => "Очередь возобновлена",
            AuditAction::QueueBounce => "Очередь возвращена отправителям",
            AuditAction::QueueDelete => "Очередь удалена",
            AuditAction::Delete => "Удалено",
        }
    }

    fn undo_of(&self, name: &str) -> String {
        format!("Отмена: {name}")
    }

    fn failed_by_operator(&self, code: &str) -> String {
        format!("Завершено ошибкой {code}")
    }
}

fn recipients(n: u64) -> String {
    let n = i64::try_from(n).unwrap_or(i64::MAX);
    count(n, ["получатель", "получателя", "получателей"])
}
