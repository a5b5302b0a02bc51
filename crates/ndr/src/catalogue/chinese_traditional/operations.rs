//! The Traditional Chinese words for what administrators do: fix
//! previews, trace events and audited actions.
//!
//! Full-width punctuation, as in reports; a server's reply is quoted as it
//! came.

use super::TraditionalChinese;
use crate::catalogue::operations::action_name;
use crate::catalogue::{AuditAction, Catalogue, FixChange, FixWords, OperationsCatalogue};
use mailflow_core::{DomainType, Event, EventKind, RouteReason};

impl OperationsCatalogue for TraditionalChinese {
    fn fix_words(&self, change: &FixChange) -> FixWords {
        let (summary, risk, undo) = match *change {
            FixChange::StopRelaying {
                connector,
                domains,
                bounced,
                also_disable,
            } => (
                format!(
                    "{} 改為權威網域：不在目錄中的收件者會在 RCPT 階段以 550 5.1.10 拒絕；佇列中不在目錄的 {bounced} 位收件者會立即失敗，並寄出未傳遞報告{}。",
                    domains.join("、"),
                    if also_disable {
                        format!("；連接器 {connector} 會停用")
                    } else {
                        String::new()
                    }
                ),
                "如果目錄漏列了內部部署伺服器上真實存在的信箱，寄給它們的郵件會被拒絕或退回，就像它們不存在一樣。寄給已知收件者的郵件仍留在該連接器的佇列中。".to_string(),
                "復原會把這些網域改回內部轉送（並重新啟用連接器）；此修正退回的郵件仍維持退回。".to_string(),
            ),
            FixChange::Disable { connector } => (
                format!("連接器 {connector} 會停用：不再有郵件送往它。"),
                format!(
                    "{connector} 佇列中的郵件會等到過期（屆時寄件者會收到未傳遞報告）或被退回；寄往它所服務之接受網域的新郵件會以暫時性的 451 4.4.0 拒絕，寄件者的伺服器會再重試。"
                ),
                format!("復原會重新啟用 {connector}；等待中的郵件會在下次重試時傳遞。"),
            ),
            FixChange::LowerTls { connector } => (
                format!("連接器 {connector} 仍會加密，但不再檢查伺服器的憑證。"),
                "安全上的取捨：由於不再檢查憑證，任何能攔截連線的人都能冒充伺服器並讀取郵件。最好修正憑證；在修正之前才使用此項。".to_string(),
                format!("復原會恢復 {connector} 的憑證檢查。"),
            ),
            FixChange::AllowWithoutTls { connector } => (
                format!("連接器 {connector} 在伺服器提供 STARTTLS 時使用它，未提供時以未加密方式傳送。"),
                "安全上的取捨：寄往此伺服器的郵件可能以未加密方式經過網路，路徑上的任何人都能讀取和竄改。最好在伺服器上啟用 STARTTLS。".to_string(),
                format!("復原會讓 {connector} 再次要求 TLS。"),
            ),
            FixChange::RetryNow {
                connector,
                recipients,
            } => (
                format!("立即重試連接器 {connector} 佇列中的 {recipients} 位收件者，並解除其下一站的等待。"),
                "無；如果下一站仍然失敗，等待會重新開始。".to_string(),
                "無法復原（沒有可復原的內容）。".to_string(),
            ),
            FixChange::Suspend {
                connector,
                recipients,
            } => (
                format!("暫停連接器 {connector} 佇列中的 {recipients} 位收件者：在恢復之前不會嘗試傳遞。"),
                "暫停的郵件仍會在到期時過期，屆時寄件者會收到未傳遞報告。".to_string(),
                "復原會恢復它們。".to_string(),
            ),
            FixChange::Resume {
                connector,
                recipients,
            } => (
                format!("連接器 {connector} 已暫停的 {recipients} 位收件者重新排入佇列，立即傳遞，或在下一站失敗後的等待結束時傳遞（「立即重試」可解除等待）。"),
                "無。".to_string(),
                "復原會再次暫停它們。".to_string(),
            ),
            FixChange::BounceAll {
                connector,
                recipients,
            } => (
                format!("連接器 {connector} 等待中的 {recipients} 位收件者立即以 5.3.0（由管理員退回）失敗，並寄未傳遞報告給寄件者。"),
                "郵件會退回給寄件者，不會再傳遞。".to_string(),
                "無法復原：已退回的郵件維持退回。".to_string(),
            ),
            FixChange::BounceMessage {
                connector,
                message,
                recipients,
            } => (
                format!("郵件 {message} 會使連接器 {connector} 的伺服器在傳送內容時中斷連線：它在 {connector} 上等待中的 {recipients} 位收件者會立即以該錯誤失敗，並寄未傳遞報告給寄件者。"),
                "郵件會退回給寄件者，不會再傳遞；佇列中的其他郵件不受影響。".to_string(),
                "無法復原：已退回的郵件維持退回。".to_string(),
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
                recipients,
                size,
                client,
            } => {
                let sender = if sender.is_empty() { "<>" } else { sender };
                format!(
                    "收到來自 {client} 的郵件：寄件者 {sender}，{recipients} 位收件者，{size} 位元組。"
                )
            }
            EventKind::Routed { reason } => {
                let via = match (&event.connector, &event.next_hop) {
                    (Some(connector), Some(hop)) => format!("連接器 {connector}，下一站 {hop}"),
                    (None, Some(hop)) => format!("下一站 {hop}"),
                    _ => "下一站".to_string(),
                };
                let why = match reason {
                    RouteReason::AcceptedDomain {
                        domain,
                        domain_type: DomainType::Authoritative,
                    } => format!("接受網域 {domain}（權威）"),
                    RouteReason::AcceptedDomain {
                        domain,
                        domain_type: DomainType::InternalRelay,
                    } => format!("接受網域 {domain}（內部轉送）"),
                    RouteReason::PartnerDomain { domain } => {
                        format!("網域 {domain} 由合作夥伴連接器服務")
                    }
                    RouteReason::Mx { domain } => format!("{domain} 的 MX"),
                };
                format!("已路由至{via}，依據：{why}。")
            }
            EventKind::Attempt { results } => {
                format!("傳遞嘗試：試了 {} 個位址。", results.len())
            }
            EventKind::Delivered { reply, .. } => format!("已傳遞：{reply}"),
            EventKind::Deferred {
                diagnosis,
                next_attempt_at,
            } => format!(
                "已延後：{}。下次嘗試：{}。",
                diagnosis.reply(),
                self.time(*next_attempt_at)
            ),
            EventKind::Failed { diagnosis } => format!("失敗：{}", diagnosis.reply()),
            EventKind::DelayNoticeSent => "已寄延遲通知給寄件者。".to_string(),
            EventKind::Recovered { node } => {
                format!(
                    "已重新排入佇列：節點 {node} 在結果記錄前停止；若其投遞已送達，此收件者會收到兩次郵件。"
                )
            }
            EventKind::NdrSent { ndr_id } => format!("已寄未傳遞報告 {ndr_id} 給寄件者。"),
            EventKind::Operator { action, actor } => {
                format!("{actor}：{}", action_name(self, action))
            }
        }
    }

    fn action(&self, action: AuditAction) -> &'static str {
        match action {
            AuditAction::ConnectorAdd => "已新增連接器",
            AuditAction::ConnectorEdit => "已變更連接器",
            AuditAction::ConnectorRemove => "已移除連接器",
            AuditAction::ConnectorEnable => "已啟用連接器",
            AuditAction::ConnectorDisable => "已停用連接器",
            AuditAction::OrgApply => "已套用設定",
            AuditAction::DomainAdd => "已新增接受網域",
            AuditAction::DomainEdit => "已變更接受網域",
            AuditAction::DomainRemove => "已移除接受網域",
            AuditAction::DirectoryAdd => "已將收件者加入目錄",
            AuditAction::DirectoryRemove => "已從目錄移除收件者",
            AuditAction::DirectoryImport => "已匯入目錄",
            AuditAction::UserAdd => "已新增使用者",
            AuditAction::UserPassword => "已變更使用者密碼",
            AuditAction::UserRemove => "已移除使用者",
            AuditAction::TokenCreate => "已建立 API 權杖",
            AuditAction::TokenRevoke => "已撤銷 API 權杖",
            AuditAction::AlertSettingsEdit => "已變更警示設定",
            AuditAction::AlertRulesSet => "已設定連接器的警示規則",
            AuditAction::AlertRulesClear => "已清除連接器的警示規則",
            AuditAction::StopRelaying => "停止轉送到內部部署伺服器",
            AuditAction::StopRelayingAndDisable => "停止轉送到內部部署伺服器並停用連接器",
            AuditAction::Disable => "停用連接器",
            AuditAction::LowerTls => "加密但不檢查憑證",
            AuditAction::AllowWithoutTls => "允許不使用 TLS 傳遞",
            AuditAction::Retry => "立即重試",
            AuditAction::Suspend => "暫停",
            AuditAction::Resume => "恢復",
            AuditAction::BounceAll => "退回所有等待中的郵件",
            AuditAction::BounceMessage => "退回此郵件",
            AuditAction::MessageRetry => "已立即重試郵件",
            AuditAction::MessageSuspend => "已暫停郵件",
            AuditAction::MessageResume => "已恢復郵件",
            AuditAction::MessageBounce => "已將郵件退回寄件者",
            AuditAction::MessageDelete => "已刪除郵件",
            AuditAction::QueueRetry => "已立即重試佇列",
            AuditAction::QueueSuspend => "已暫停佇列",
            AuditAction::QueueResume => "已恢復佇列",
            AuditAction::QueueBounce => "已將佇列退回寄件者",
            AuditAction::QueueDelete => "已刪除佇列",
            AuditAction::Delete => "已刪除",
        }
    }

    fn undo_of(&self, name: &str) -> String {
        format!("復原：{name}")
    }

    fn failed_by_operator(&self, code: &str) -> String {
        format!("以 {code} 設為失敗")
    }
}
