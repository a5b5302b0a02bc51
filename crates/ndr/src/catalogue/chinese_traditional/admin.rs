//! The Traditional Chinese words for administrators: insights and alerts.
//!
//! Full-width punctuation, as in reports; numbers and names stay as they
//! are, with no spaces added around them beyond what reads naturally.

use super::TraditionalChinese;
use crate::catalogue::{AdminCatalogue, AlertLabel, AlertSituation, Catalogue};
use crate::topic::Topic;

impl AdminCatalogue for TraditionalChinese {
    fn all_clear(&self) -> &'static str {
        "郵件傳遞正常：沒有帶著錯誤等待的郵件，過去一小時內也沒有失敗的嘗試。"
    }

    fn recovered(&self) -> &'static str {
        "過去一小時內有部分嘗試失敗，但目前等待中的郵件都沒有錯誤。"
    }

    fn message_drops_connection(&self, message: &str) -> String {
        format!(
            "有一封郵件讓伺服器在傳送其內容時中斷連線：郵件 {message}。其他郵件仍可通過；這封郵件會另外重試，若持續失敗將退回給寄件者。"
        )
    }

    fn causes(&self, topic: Topic) -> &'static [&'static str] {
        advice(topic).0
    }

    fn actions(&self, topic: Topic) -> &'static [&'static str] {
        advice(topic).1
    }

    fn connector_name(&self, connector: Option<&str>) -> String {
        connector.map_or_else(|| "（依 MX 直接傳遞）".to_string(), str::to_string)
    }

    fn alert_summary(&self, situation: &AlertSituation) -> String {
        match *situation {
            AlertSituation::Backlog {
                connector,
                queued,
                over_age,
                oldest,
                opened_at,
            } => {
                let oldest = oldest.map_or_else(String::new, |at| {
                    format!("；最早的郵件於 {} 收到", self.time(at))
                });
                format!(
                    "{}的郵件正在積壓：佇列中有 {queued} 位收件者，其中 {over_age} 位的等待時間超過警示規則的上限{oldest}。此警示自 {} 起開啟。",
                    route(connector),
                    self.time(opened_at)
                )
            }
            AlertSituation::Drained {
                connector,
                opened_at,
                resolved_at,
            } => format!(
                "{}的積壓已清空：於 {} 開啟的警示已於 {} 解除。",
                route(connector),
                self.time(opened_at),
                self.time(resolved_at)
            ),
            AlertSituation::UnknownRecipients {
                refused,
                sources,
                opened_at,
            } => format!(
                "已超過組織的未知收件者配額：過去一小時內有 {refused} 位收件者因不存在而遭拒，來源為 {}。在這一小時過去之前，這些來源會收到暫時性的 450 4.7.1 回應。此警示自 {} 起開啟。",
                sources.join("、"),
                self.time(opened_at)
            ),
            AlertSituation::LostBodies {
                connector,
                lost,
                opened_at,
            } => format!(
                "為 {} 接受的郵件已從儲存區遺失：{} 封郵件已無內文，已退回給寄件者。此警示自 {} 起開啟。",
                route(connector),
                lost,
                self.time(opened_at)
            ),
            AlertSituation::LostBodiesOver {
                connector,
                opened_at,
                resolved_at,
            } => format!(
                "{} 不再有郵件內文遺失：於 {} 開啟的警示已於 {} 解除。",
                route(connector),
                self.time(opened_at),
                self.time(resolved_at)
            ),
            AlertSituation::WithinQuota {
                opened_at,
                resolved_at,
            } => format!(
                "未知收件者已回到組織的配額之內：於 {} 開啟的警示已於 {} 解除。",
                self.time(opened_at),
                self.time(resolved_at)
            ),
        }
    }

    fn alert_subject(&self, id: i64, situation: &AlertSituation, code: &str) -> String {
        let what = match *situation {
            AlertSituation::Backlog { connector, .. } => {
                format!("{}的郵件正在積壓", route(connector))
            }
            AlertSituation::Drained { connector, .. } => {
                format!("{}的佇列已清空", route(connector))
            }
            AlertSituation::UnknownRecipients { .. } => "寄給未知收件者的郵件過多".to_string(),
            AlertSituation::LostBodies { connector, .. } => {
                format!("郵件內文從儲存區遺失（{}）", route(connector))
            }
            AlertSituation::LostBodiesOver { connector, .. } => {
                format!("不再有郵件內文遺失（{}）", route(connector))
            }
            AlertSituation::WithinQuota { .. } => "未知收件者已回到配額之內".to_string(),
        };
        format!("[mailflow] 警示 {id}：{what}（{code}）")
    }

    fn alert_closing(&self, id: i64, open: bool) -> String {
        if open {
            format!(
                "連接器的洞察（mailflow insights）會列出適用的修正動作。佇列中的郵件會持續重試直到逾期。確認警示 {id}：mailflow alerts ack {id}"
            )
        } else {
            format!("無需進一步處理：警示 {id} 會保留在已解除警示的清單中。")
        }
    }

    fn alert_label(&self, label: AlertLabel) -> &'static str {
        match label {
            AlertLabel::Connector => "連接器",
            AlertLabel::Code => "代碼",
            AlertLabel::LastError => "最後一次錯誤",
            AlertLabel::ServerTried => "嘗試的伺服器",
            AlertLabel::RecipientsQueued => "佇列中的收件者",
            AlertLabel::WaitingTooLong => "等待過久",
            AlertLabel::OldestReceived => "最早收到時間",
            AlertLabel::AlertOpened => "警示開啟時間",
            AlertLabel::LikelyCauses => "可能的原因",
            AlertLabel::WhatToDo => "處理方式",
        }
    }
}

/// "連接器 onprem ", "依 MX 直接傳遞".
fn route(connector: Option<&str>) -> String {
    connector.map_or_else(
        || "依 MX 直接傳遞".to_string(),
        |name| format!("連接器 {name} "),
    )
}

type Lines = &'static [&'static str];

fn advice(topic: Topic) -> (Lines, Lines) {
    match topic {
        Topic::DnsFailed => (
            &[
                "智慧主機（或網域 MX 主機）的名稱拼錯，或已不存在於 DNS 中。",
                "此節點使用的 DNS 伺服器無法連線，或回應 SERVFAIL 或 REFUSED。",
                "名稱存在，但沒有位址（A/AAAA）記錄。",
            ],
            &[
                "將連接器智慧主機中的名稱與錯誤詳細資料核對。",
                "從此節點向其設定的 DNS 伺服器查詢該名稱。",
                "修正 DNS 記錄，或讓連接器改用伺服器的 IP 位址。",
            ],
        ),
        Topic::ConnectTimedOut => (
            &[
                "伺服器已停機，或從此節點無法連線。",
                "防火牆丟棄了連往 SMTP 連接埠的連線。",
                "連接器指向錯誤的位址或連接埠。",
            ],
            &[
                "確認伺服器正在運作，且從此節點可以連到該連接埠。",
                "檢查此節點與伺服器之間的防火牆。",
                "若內部部署伺服器已停用，請停止向它轉送（修正：stop-relaying）。",
            ],
        ),
        Topic::ConnectionRefused => (
            &[
                "該位址與連接埠上沒有郵件服務在監聽：服務已停止或已搬移。",
                "連接器的連接埠設定錯誤。",
            ],
            &[
                "啟動伺服器上的 SMTP 服務，或修正連接器的智慧主機與連接埠。",
                "若內部部署伺服器已停用，請停止向它轉送（修正：stop-relaying）。",
                "在恢復之前，郵件會等待並重試；逾期之前不會遺失任何郵件。",
            ],
        ),
        Topic::ServerRefuses => (
            &[
                "伺服器負載過重、正在維護，或拒絕此轉送伺服器的位址。",
                "伺服器拒絕此轉送伺服器在 EHLO 中提供的名稱。",
            ],
            &[
                "閱讀最後一次錯誤中的伺服器回應，以及伺服器本身的記錄檔。",
                "若此轉送伺服器的位址遭到拒絕，請在伺服器上允許它。",
            ],
        ),
        Topic::StartTlsMissing => (
            &[
                "連接器要求 TLS，但伺服器未提供 STARTTLS（或拒絕使用）。",
                "轉送伺服器與目標伺服器之間的設備從回應中移除了 STARTTLS。",
            ],
            &[
                "在伺服器上啟用 STARTTLS。",
                "或讓連接器不經 TLS 傳遞（修正：allow-without-tls）；這會降低安全性。",
            ],
        ),
        Topic::TlsHandshakeFailed => (
            &["伺服器與轉送伺服器之間沒有共同支援的 TLS 版本或加密演算法。"],
            &["更新伺服器的 TLS 設定，提供 TLS 1.2 以上版本與現行的加密演算法。"],
        ),
        Topic::ConnectionDropped => (
            &[
                "伺服器關閉或重設連線：它當機、達到連線數上限，或逾時。",
                "中間的防火牆或負載平衡器切斷了連線。",
            ],
            &[
                "查看伺服器在最後一次錯誤發生時的記錄檔。",
                "若伺服器限制連線數，請降低連接器的並行數（max_connections）。",
            ],
        ),
        Topic::DroppedAfterFinalDot => (
            &["伺服器在郵件送出之後、確認收到之前中斷了連線。"],
            &[
                "郵件可能已經送達；重試可能造成重複傳遞。",
                "查看伺服器的記錄檔，以及它處理大型或緩慢郵件的方式。",
            ],
        ),
        Topic::MessageDropsConnection => (
            &[
                "伺服器無法接受這封郵件中的某些內容：它拒絕讀取的一行、一個標頭或大小。",
                "伺服器上的內容過濾器處理這封郵件時當機或放棄。",
            ],
            &[
                "現在就退回這封郵件（寄件者會收到報告），或讓 mailflow 在接下來的失敗之後退回它。",
                "查看伺服器在最後一次錯誤時的記錄檔，了解它中斷連線的原因。",
            ],
        ),
        Topic::CertificateExpired => (
            &["伺服器的憑證不在有效期間內（已過期或尚未生效）。"],
            &[
                "更新伺服器的憑證。",
                "或停止驗證憑證（修正：lower-tls）；這會降低安全性。",
            ],
        ),
        Topic::CertificateNameMismatch => (
            &["憑證上的名稱與連接器傳遞的目標主機不符。"],
            &[
                "安裝該名稱的憑證，或將連接器的 tls_name 設為憑證上的名稱。",
                "或停止驗證憑證（修正：lower-tls）；這會降低安全性。",
            ],
        ),
        Topic::CertificateUntrusted => (
            &["憑證為自我簽署，或由此節點不信任的憑證授權單位簽發。"],
            &[
                "安裝受信任憑證授權單位簽發的憑證，或在節點設定中信任該私人憑證授權單位。",
                "或停止驗證憑證（修正：lower-tls）；這會降低安全性。",
            ],
        ),
        Topic::CertificateOther => (
            &["憑證驗證失敗（請見詳細資料）。"],
            &["更換憑證，或停止驗證憑證（修正：lower-tls）；這會降低安全性。"],
        ),
        Topic::RemoteTransient => (
            &["伺服器接受了連線，但延後收取郵件：灰名單、速率限制、信箱已滿，或對方暫時性的問題。"],
            &[
                "閱讀最後一次錯誤中的伺服器回應；郵件會依排程重試。",
                "若情況持續，請詢問該伺服器的管理員其回應的含義。",
            ],
        ),
        Topic::RemotePermanent => (
            &["伺服器永久拒絕了部分郵件（收件者不存在、政策限制）。"],
            &["這些郵件會退回給寄件者；原因請見伺服器的回應。"],
        ),
        Topic::UnknownRecipients => (
            &[
                "某個寄件者或應用程式寄信到不存在的位址：過時的名單、打錯字，或有人在猜測位址。",
                "目錄中缺少實際存在的信箱。",
            ],
            &[
                "檢查警示中列出的來源，若其寄送並不正當，請加以阻止。",
                "將缺少的信箱加入目錄；若流量正當，則提高 invalid_recipient_quota。",
            ],
        ),
        Topic::LostBodies => (
            &[
                "另一個程序開啟了節點的資料目錄並刪除了其 spool 檔案：沒有資料目錄鎖的 mailflow、同一目錄上的第二個節點，或清理腳本。",
                "磁碟或檔案系統遺失或損壞了 spool 檔案。",
            ],
            &[
                "找出還有什麼在碰觸資料目錄（其他 mailflow 程序、腳本、會還原或清除的備份）並加以停止。",
                "檢查磁碟與檔案系統是否有錯誤。",
                "寄件者已收到未遞送報告；若有人詢問，每封郵件的追蹤記錄都會說明。",
            ],
        ),
        Topic::NotTriedYet => (
            &["有郵件在等待，但尚無失敗的嘗試：連接器已停用或暫停，或尚未到下一次重試的時間。"],
            &["確認連接器已啟用且未暫停，必要時重試其佇列。"],
        ),
        Topic::Other => (
            &["請見最後一次錯誤的詳細資料。"],
            &["查看節點在最後一次錯誤前後的記錄檔。"],
        ),
    }
}
