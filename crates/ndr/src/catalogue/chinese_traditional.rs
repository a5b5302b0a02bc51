//! The Traditional Chinese words of reports, as written in Taiwan.
//!
//! Chinese needs no space between sentences and uses full-width
//! punctuation: "：" after a label, 「」 around quoted words. The layout
//! breaks its lines between characters.

mod admin;
mod operations;

use super::{Catalogue, Label, Situation};
use crate::advice::{Actor, ConnectorProblem, Remedy};
use crate::report::{ReportKind, Returned};
use mailflow_core::Category;
use time::{Duration, OffsetDateTime, UtcOffset};

pub(super) struct TraditionalChinese;

impl Catalogue for TraditionalChinese {
    fn daemon_name(&self) -> &'static str {
        "郵件傳遞系統"
    }

    fn subject(&self, kind: ReportKind, original_subject: Option<&str>) -> String {
        let subject = original_subject.unwrap_or("（無主旨）");
        match kind {
            ReportKind::Failure => format!("無法傳遞：{subject}"),
            ReportKind::Delay => format!("延遲傳遞：{subject}"),
        }
    }

    fn label(&self, label: Label) -> &'static str {
        match label {
            Label::OriginalSubject => "主旨",
            Label::OriginalSent => "中繼伺服器收件時間",
            Label::NoSubject => "（無主旨）",
            Label::Recipient => "收件者",
            Label::OriginalRecipient => "原始收件者",
            Label::WhatHappened => "處理結果",
            Label::Why => "原因",
            Label::WhoMustAct => "應由誰處理",
            Label::WhatToDo => "處理方式",
            Label::ForAdministrators => "給管理員的資訊",
            Label::ReportingServer => "產生報告的伺服器",
            Label::QueueId => "佇列 ID",
            Label::MessageId => "Message-ID",
            Label::EnvelopeId => "信封 ID",
            Label::Status => "狀態碼",
            Label::Category => "類別",
            Label::Detail => "詳細資訊",
            Label::LastErrorCategory => "最後一次錯誤的類別",
            Label::ServerReply => "診斷資訊",
            Label::Connector => "連接器",
            Label::RemoteServer => "遠端伺服器",
            Label::Attempts => "嘗試次數",
            Label::LastAttempt => "最後一次嘗試",
            Label::WillRetryUntil => "重試截止時間",
            Label::History => "最近幾次嘗試",
        }
    }

    fn field_separator(&self) -> &'static str {
        "："
    }

    fn sentence_separator(&self) -> &'static str {
        ""
    }

    /// "2025年3月3日 08:00（UTC）".
    fn time(&self, at: OffsetDateTime) -> String {
        let at = at.to_offset(UtcOffset::UTC);
        format!(
            "{}年{}月{}日 {:02}:{:02}（UTC）",
            at.year(),
            u8::from(at.month()),
            at.day(),
            at.hour(),
            at.minute()
        )
    }

    fn duration(&self, span: Duration) -> String {
        let minutes = span.whole_minutes().max(0);
        let (hours, minutes) = (minutes / 60, minutes % 60);
        match (hours, minutes) {
            (0, minutes) => format!("{minutes} 分鐘"),
            (hours, 0) => format!("{hours} 小時"),
            (hours, minutes) => format!("{hours} 小時 {minutes} 分鐘"),
        }
    }

    fn opening(&self, kind: ReportKind) -> &'static str {
        match kind {
            ReportKind::Failure => "您的郵件無法傳遞給下列收件者，系統不會再重試。",
            ReportKind::Delay => {
                "您的郵件尚未傳遞給下列收件者。這只是通知：郵件仍在佇列中，系統會繼續嘗試傳遞。"
            }
        }
    }

    fn still_trying(&self, until: Option<OffsetDateTime>) -> String {
        let until = match until {
            Some(until) => format!("持續嘗試到 {} 為止", self.time(until)),
            None => "再持續嘗試一段時間".to_string(),
        };
        format!(
            "中繼伺服器會{until}。您不需要重新寄送這封郵件。\
             如果屆時仍無法傳遞，您會再收到一份報告。"
        )
    }

    fn what_happened(&self, situation: Situation) -> String {
        match situation {
            Situation::Refused => "未傳遞，且不會再重試。".to_string(),
            Situation::Expired {
                tried_for,
                attempts,
            } => format!(
                "未傳遞。中繼伺服器持續嘗試了 {}（共 {attempts} 次）後放棄。",
                self.duration(tried_for)
            ),
            Situation::StillTrying { attempts } => {
                format!("已嘗試 {attempts} 次，仍未傳遞；中繼伺服器會繼續嘗試。")
            }
        }
    }

    fn explanation(&self, category: Category) -> &'static str {
        explanation(category)
    }

    fn last_error_because(&self, explanation: &str) -> String {
        format!("最後一次嘗試失敗的原因：{explanation}")
    }

    fn server_said(&self, reply: &str) -> String {
        format!("伺服器回覆：「{reply}」")
    }

    fn actor(&self, actor: Actor, reporting_mta: &str) -> String {
        match actor {
            Actor::Sender => "您（寄件者）。".to_string(),
            Actor::RecipientAdministrators => "收件者郵件系統的管理員。".to_string(),
            Actor::RelayAdministrators => {
                format!("本郵件中繼伺服器（{reporting_mta}）的管理員。")
            }
        }
    }

    fn remedy(&self, remedy: &Remedy) -> String {
        match remedy {
            Remedy::FixConnector { connector, problem } => format!(
                "中繼伺服器的連接器「{connector}」無法傳遞郵件：{}\
                 請將這份報告轉寄給中繼伺服器的管理員。您的郵件本身沒有問題。",
                self.connector_problem(*problem)
            ),
            other => fixed_remedy(other).to_string(),
        }
    }

    fn connector_problem(&self, problem: ConnectorProblem) -> &'static str {
        connector_problem(problem)
    }

    fn returned(&self, returned: Returned) -> &'static str {
        match returned {
            Returned::Headers => "隨附您郵件的標頭。",
            Returned::FullMessage => "隨附您的郵件。",
            Returned::HeadersBecauseTooLarge => "您的郵件太大，無法完整退回；隨附其標頭。",
        }
    }
}

fn explanation(category: Category) -> &'static str {
    match category {
        Category::DnsQueryFailed => {
            "無法在 DNS 中查到應接收這封郵件的伺服器名稱，因此中繼伺服器不知道該將郵件送往何處。"
        }
        Category::ConnectionTimedOut => {
            "中繼伺服器嘗試連線時，收件端伺服器沒有回應。該伺服器可能已停止運作，或連線遭到防火牆阻擋。"
        }
        Category::ConnectionRefused => {
            "收件端伺服器拒絕了連線：該處沒有郵件服務在接聽，或服務已停止。"
        }
        Category::RemoteServerError => {
            "中繼伺服器已連上收件端伺服器，但對方表示無法接收郵件，或無法依要求建立安全（TLS）連線。"
        }
        Category::ConnectionDropped => "與收件端伺服器的連線在通訊途中中斷。",
        Category::CertificateInvalid => {
            "收件端伺服器的安全憑證無效（例如已過期、發給其他名稱，或由不受信任的憑證機構簽發），\
             而這條路由要求有效的憑證。"
        }
        Category::RemoteTransient => "收件端伺服器暫時拒收這封郵件。",
        Category::RemotePermanent => "收件端伺服器拒收這封郵件。",
        Category::Expired => "在中繼伺服器持續重試的期限內，郵件仍無法傳遞。",
        Category::LoopDetected => "郵件在郵件伺服器之間來回轉送太多次（形成迴圈），因此被攔下。",
        Category::RecipientNotFound => "收件者所屬的組織中沒有這個地址。",
        Category::DomainNotFound => "地址中的網域不存在。",
        Category::NullMx => "地址中的網域已聲明不接收任何郵件。",
        Category::LocalError => "中繼伺服器在處理這封郵件時發生內部問題。",
    }
}

fn fixed_remedy(remedy: &Remedy) -> &'static str {
    match remedy {
        Remedy::CheckAddress => {
            "請檢查地址是否有拼寫錯誤，然後重新寄送。如果地址正確，該信箱可能已不存在：\
             請透過其他方式向收件者確認目前的地址。"
        }
        Remedy::CheckDomain => {
            "請檢查地址中 @ 之後的部分是否有拼寫錯誤，然後重新寄送。如果沒有錯誤，\
             表示該網域不接收電子郵件：請透過其他方式聯絡收件者。"
        }
        Remedy::SendSmaller => {
            "這封郵件超過收件者伺服器可接受的大小。請縮小郵件，例如改用連結分享大型檔案，然後重新寄送。"
        }
        Remedy::AskRecipientToAllow => {
            "收件者的伺服器依其本身的規則拒收這封郵件（例如疑似垃圾郵件，或不允許此寄件者）。\
             請透過其他方式聯絡收件者，請對方的管理員允許接收您的郵件，並出示這份報告。"
        }
        Remedy::RecipientMakesRoom => {
            "收件者的信箱已滿。必須由收件者或其管理員清出空間，之後請再重新寄送。"
        }
        Remedy::FixRemoteServer => {
            "必須由收件者郵件伺服器的管理員修正問題。您的郵件本身沒有問題。\
             如果問題持續，請透過其他方式聯絡收件者，並出示這份報告。"
        }
        Remedy::FixRemoteDns => {
            "必須由收件者網域的管理員修正其 DNS 記錄（MX、A 或 AAAA），郵件才能找到其伺服器。"
        }
        Remedy::FixRemoteCertificate => "必須由收件者郵件伺服器的管理員安裝有效的憑證。",
        Remedy::BreakLoop => {
            "必須由中繼伺服器的管理員修正造成這封郵件循環轉送的路由設定。請將這份報告轉寄給他們。"
        }
        Remedy::CheckRelay => {
            "必須由中繼伺服器的管理員調查下方所述的問題。請將這份報告轉寄給他們。"
        }
        Remedy::FixConnector { .. } => {
            "必須由中繼伺服器的管理員修正這封郵件所經過的連接器。請將這份報告轉寄給他們。"
        }
    }
}

fn connector_problem(problem: ConnectorProblem) -> &'static str {
    match problem {
        ConnectorProblem::NameDoesNotResolve => {
            "其目標伺服器的名稱無法在 DNS 中解析。必須修正該名稱或其 DNS 記錄。"
        }
        ConnectorProblem::ServerUnreachable => {
            "其目標伺服器不接受連線。該伺服器必須正在運作、接聽郵件連線，且能穿過防火牆連到。"
        }
        ConnectorProblem::ServerRefuses => {
            "其目標伺服器拒絕接收郵件。必須檢查該伺服器的狀態與記錄檔。"
        }
        ConnectorProblem::ConnectionDrops => {
            "與其目標伺服器的連線在通訊途中中斷。必須檢查該伺服器以及兩者之間的網路。"
        }
        ConnectorProblem::TlsUnavailable => {
            "無法依連接器的要求與其伺服器建立安全（TLS）連線。\
             必須在該伺服器上啟用 STARTTLS，或變更連接器的 TLS 原則。"
        }
        ConnectorProblem::CertificateInvalid => {
            "其伺服器的憑證不符合連接器的 TLS 原則。必須更新或更換憑證，或變更原則。"
        }
    }
}
