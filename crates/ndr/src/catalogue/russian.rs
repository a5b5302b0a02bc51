//! The Russian words of reports.
//!
//! Numbers take one of three noun forms (1 попытка, 2 попытки, 5 попыток),
//! and months are written in the genitive, as in a date ("3 марта").

mod admin;
mod operations;

use super::{Catalogue, Label, Situation, lowercase_first};
use crate::advice::{Actor, ConnectorProblem, Remedy};
use crate::report::{ReportKind, Returned};
use mailflow_core::Category;
use time::{Duration, OffsetDateTime, UtcOffset};

pub(super) struct Russian;

const MONTHS: [&str; 12] = [
    "января",
    "февраля",
    "марта",
    "апреля",
    "мая",
    "июня",
    "июля",
    "августа",
    "сентября",
    "октября",
    "ноября",
    "декабря",
];

/// The forms of a counted noun: for 1, for 2 to 4, for 5 and more.
type Forms = [&'static str; 3];

const HOURS: Forms = ["час", "часа", "часов"];
/// Minutes as a length of time ("пытался 1 минуту"): the accusative.
const MINUTES: Forms = ["минуту", "минуты", "минут"];
const ATTEMPTS: Forms = ["попытка", "попытки", "попыток"];

impl Catalogue for Russian {
    fn daemon_name(&self) -> &'static str {
        "Служба доставки почты"
    }

    fn subject(&self, kind: ReportKind, original_subject: Option<&str>) -> String {
        let subject = original_subject.unwrap_or("(без темы)");
        match kind {
            ReportKind::Failure => format!("Не доставлено: {subject}"),
            ReportKind::Delay => format!("Доставка задерживается: {subject}"),
        }
    }

    fn label(&self, label: Label) -> &'static str {
        match label {
            Label::OriginalSubject => "Тема",
            Label::OriginalSent => "Принято релеем",
            Label::NoSubject => "(без темы)",
            Label::Recipient => "Получатель",
            Label::OriginalRecipient => "Исходный получатель",
            Label::WhatHappened => "Что произошло",
            Label::Why => "Причина",
            Label::WhoMustAct => "Кому нужно принять меры",
            Label::WhatToDo => "Что делать",
            Label::ForAdministrators => "Для администраторов",
            Label::ReportingServer => "Сервер, составивший отчёт",
            Label::QueueId => "Идентификатор в очереди",
            Label::MessageId => "Message-ID",
            Label::EnvelopeId => "Идентификатор конверта",
            Label::Status => "Код состояния",
            Label::Category => "Категория",
            Label::Detail => "Подробности",
            Label::LastErrorCategory => "Категория последней ошибки",
            Label::ServerReply => "Диагностика",
            Label::Connector => "Коннектор",
            Label::RemoteServer => "Удалённый сервер",
            Label::Attempts => "Число попыток",
            Label::LastAttempt => "Последняя попытка",
            Label::WillRetryUntil => "Попытки продолжатся до",
            Label::History => "Последние попытки",
        }
    }

    fn field_separator(&self) -> &'static str {
        ": "
    }

    fn sentence_separator(&self) -> &'static str {
        " "
    }

    /// "3 марта 2025 г., 08:00 UTC".
    fn time(&self, at: OffsetDateTime) -> String {
        let at = at.to_offset(UtcOffset::UTC);
        format!(
            "{} {} {} г., {:02}:{:02} UTC",
            at.day(),
            MONTHS[usize::from(u8::from(at.month())) - 1],
            at.year(),
            at.hour(),
            at.minute()
        )
    }

    /// How long, in the accusative: "пытался 1 час 1 минуту".
    fn duration(&self, span: Duration) -> String {
        let minutes = span.whole_minutes().max(0);
        let (hours, minutes) = (minutes / 60, minutes % 60);
        match (hours, minutes) {
            (0, minutes) => count(minutes, MINUTES),
            (hours, 0) => count(hours, HOURS),
            (hours, minutes) => format!("{} {}", count(hours, HOURS), count(minutes, MINUTES)),
        }
    }

    fn opening(&self, kind: ReportKind) -> &'static str {
        match kind {
            ReportKind::Failure => {
                "Ваше сообщение не удалось доставить перечисленным ниже получателям. \
                 Повторных попыток не будет."
            }
            ReportKind::Delay => {
                "Ваше сообщение пока не доставлено перечисленным ниже получателям. \
                 Это только уведомление: сообщение остаётся в очереди, попытки доставки \
                 продолжаются."
            }
        }
    }

    fn still_trying(&self, until: Option<OffsetDateTime>) -> String {
        let until = match until {
            Some(until) => format!("до {}", self.time(until)),
            None => "ещё некоторое время".to_string(),
        };
        format!(
            "Релей будет пытаться доставить сообщение {until}. Отправлять его повторно не \
             нужно. Если доставить сообщение к этому сроку так и не удастся, вы получите ещё \
             один отчёт."
        )
    }

    fn what_happened(&self, situation: Situation) -> String {
        match situation {
            Situation::Refused => "Не доставлено; повторных попыток не будет.".to_string(),
            Situation::Expired {
                tried_for,
                attempts,
            } => format!(
                "Не доставлено. Релей пытался доставить сообщение {} ({}), после чего \
                 прекратил попытки.",
                self.duration(tried_for),
                count(i64::from(attempts), ATTEMPTS)
            ),
            Situation::StillTrying { attempts } => format!(
                "Пока не доставлено (сделано попыток: {attempts}); релей продолжает попытки."
            ),
        }
    }

    fn explanation(&self, category: Category) -> &'static str {
        explanation(category)
    }

    fn last_error_because(&self, explanation: &str) -> String {
        format!(
            "Последняя попытка не удалась по следующей причине: {}",
            lowercase_first(explanation)
        )
    }

    fn server_said(&self, reply: &str) -> String {
        format!("Ответ сервера: «{reply}»")
    }

    fn actor(&self, actor: Actor, reporting_mta: &str) -> String {
        match actor {
            Actor::Sender => "Вам как отправителю.".to_string(),
            Actor::RecipientAdministrators => {
                "Администраторам почтовой системы получателя.".to_string()
            }
            Actor::RelayAdministrators => {
                format!("Администраторам этого почтового релея ({reporting_mta}).")
            }
        }
    }

    fn remedy(&self, remedy: &Remedy) -> String {
        match remedy {
            Remedy::FixConnector { connector, problem } => format!(
                "Коннектор релея «{connector}» не может доставить почту: {} Перешлите этот \
                 отчёт администраторам релея. С вашим сообщением всё в порядке.",
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
            Returned::Headers => "Заголовки вашего сообщения приложены.",
            Returned::FullMessage => "Ваше сообщение приложено.",
            Returned::HeadersBecauseTooLarge => {
                "Ваше сообщение слишком велико, чтобы вернуть его целиком; приложены его \
                 заголовки."
            }
        }
    }
}

/// "1 час", "3 часа", "11 часов", "21 час".
fn count(n: i64, forms: Forms) -> String {
    let form = match (n % 10, n % 100) {
        (_, 11..=14) => forms[2],
        (1, _) => forms[0],
        (2..=4, _) => forms[1],
        _ => forms[2],
    };
    format!("{n} {form}")
}

fn explanation(category: Category) -> &'static str {
    match category {
        Category::DnsQueryFailed => {
            "Не удалось найти в DNS имя сервера, который должен принять сообщение, поэтому \
             релей не знал, куда его отправить."
        }
        Category::ConnectionTimedOut => {
            "Сервер получателя не ответил на попытку подключения. Возможно, он выключен или \
             соединение блокирует межсетевой экран."
        }
        Category::ConnectionRefused => {
            "Сервер получателя отклонил подключение: почтовая служба на нём не запущена или \
             не принимает соединения."
        }
        Category::RemoteServerError => {
            "Релей подключился к серверу получателя, но тот ответил, что не может принимать \
             почту, либо не удалось установить требуемое защищённое соединение (TLS)."
        }
        Category::ConnectionDropped => {
            "Соединение с сервером получателя оборвалось посреди обмена данными."
        }
        Category::CertificateInvalid => {
            "Сертификат безопасности сервера получателя недействителен (например, истёк срок \
             его действия, он выдан на другое имя или выпущен недоверенным центром \
             сертификации), а этот маршрут требует действительного сертификата."
        }
        Category::RemoteTransient => "Сервер получателя временно отказался принять сообщение.",
        Category::RemotePermanent => "Сервер получателя отказался принять сообщение.",
        Category::Expired => {
            "Сообщение не удалось доставить за то время, в течение которого релей повторяет \
             попытки."
        }
        Category::LoopDetected => {
            "Сообщение слишком много раз передавалось между почтовыми серверами по кругу и \
             было остановлено."
        }
        Category::RecipientNotFound => "Такого адреса нет в организации получателя.",
        Category::DomainNotFound => "Домена, указанного в адресе, не существует.",
        Category::NullMx => "Домен, указанный в адресе, объявил, что не принимает почту.",
        Category::LocalError => {
            "При обработке сообщения в самом релее произошла внутренняя ошибка."
        }
    }
}

fn fixed_remedy(remedy: &Remedy) -> &'static str {
    match remedy {
        Remedy::CheckAddress => {
            "Проверьте, нет ли в адресе опечатки, и отправьте сообщение ещё раз. Если адрес \
             верен, возможно, такого почтового ящика больше нет: узнайте у получателя его \
             актуальный адрес другим способом."
        }
        Remedy::CheckDomain => {
            "Проверьте, нет ли опечатки в части адреса после знака @, и отправьте сообщение \
             ещё раз. Если она верна, этот домен не принимает электронную почту: свяжитесь \
             с получателем другим способом."
        }
        Remedy::SendSmaller => {
            "Сообщение слишком велико для сервера получателя. Уменьшите его размер, например \
             передав большие файлы по ссылке, и отправьте ещё раз."
        }
        Remedy::AskRecipientToAllow => {
            "Сервер получателя отклонил сообщение по своим правилам (например, заподозрив \
             спам или не разрешая приём от этого отправителя). Свяжитесь с получателем \
             другим способом и попросите его администраторов разрешить приём ваших писем, \
             показав им этот отчёт."
        }
        Remedy::RecipientMakesRoom => {
            "Почтовый ящик получателя переполнен. Получатель или его администраторы должны \
             освободить место; после этого отправьте сообщение ещё раз."
        }
        Remedy::FixRemoteServer => {
            "Администраторы почтового сервера получателя должны устранить неполадку. С вашим \
             сообщением всё в порядке. Если проблема не исчезнет, свяжитесь с получателем \
             другим способом и покажите ему этот отчёт."
        }
        Remedy::FixRemoteDns => {
            "Администраторы домена получателя должны исправить его записи DNS (MX, A или \
             AAAA), чтобы почта могла найти его сервер."
        }
        Remedy::FixRemoteCertificate => {
            "Администраторы почтового сервера получателя должны установить действительный \
             сертификат."
        }
        Remedy::BreakLoop => {
            "Администраторы релея должны исправить маршрутизацию, из-за которой это \
             сообщение ходит по кругу. Перешлите им этот отчёт."
        }
        Remedy::CheckRelay => {
            "Администраторы релея должны разобраться с проблемой, описанной ниже. Перешлите \
             им этот отчёт."
        }
        Remedy::FixConnector { .. } => {
            "Администраторы релея должны исправить коннектор, через который идёт это \
             сообщение. Перешлите им этот отчёт."
        }
    }
}

fn connector_problem(problem: ConnectorProblem) -> &'static str {
    match problem {
        ConnectorProblem::NameDoesNotResolve => {
            "имя сервера, на который он доставляет почту, не разрешается в DNS. Нужно \
             исправить это имя или его записи DNS."
        }
        ConnectorProblem::ServerUnreachable => {
            "сервер, на который он доставляет почту, не принимает подключения. Этот сервер \
             должен быть запущен, принимать почту и быть доступен через межсетевые экраны."
        }
        ConnectorProblem::ServerRefuses => {
            "сервер, на который он доставляет почту, отказывается её принимать. Нужно \
             проверить состояние этого сервера и его журналы."
        }
        ConnectorProblem::ConnectionDrops => {
            "соединение с его сервером обрывается во время обмена данными. Нужно проверить \
             этот сервер и сеть между ним и релеем."
        }
        ConnectorProblem::TlsUnavailable => {
            "не удаётся установить с его сервером защищённое соединение (TLS), которого \
             требует коннектор. Нужно включить STARTTLS на этом сервере или изменить \
             политику TLS коннектора."
        }
        ConnectorProblem::CertificateInvalid => {
            "сертификат его сервера не проходит проверку по политике TLS коннектора. Нужно \
             продлить или заменить сертификат либо изменить политику."
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn counted_nouns_take_the_russian_plural_forms() {
        let forms: Vec<String> = [1, 2, 5, 11, 14, 21, 22, 25, 30, 101, 111]
            .into_iter()
            .map(|n| count(n, ATTEMPTS))
            .collect();
        assert_eq!(
            forms,
            [
                "1 попытка",
                "2 попытки",
                "5 попыток",
                "11 попыток",
                "14 попыток",
                "21 попытка",
                "22 попытки",
                "25 попыток",
                "30 попыток",
                "101 попытка",
                "111 попыток"
            ]
        );
    }

    #[test]
    fn a_length_of_time_reads_after_a_verb() {
        assert_eq!(Russian.duration(Duration::hours(24)), "24 часа");
        assert_eq!(Russian.duration(Duration::minutes(61)), "1 час 1 минуту");
        assert_eq!(Russian.duration(Duration::hours(5)), "5 часов");
    }
}
