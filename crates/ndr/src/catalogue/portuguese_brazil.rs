//! The Portuguese (Brazil) words of reports.
//!
//! The relay is called "servidor de retransmissão" throughout, the term a
//! sender understands without knowing mail jargon.

mod admin;
mod operations;

use super::{Catalogue, Label, Situation, lowercase_first};
use crate::advice::{Actor, ConnectorProblem, Remedy};
use crate::report::{ReportKind, Returned};
use mailflow_core::Category;
use time::{Duration, OffsetDateTime, UtcOffset};

pub(super) struct PortugueseBrazil;

const MONTHS: [&str; 12] = [
    "janeiro",
    "fevereiro",
    "março",
    "abril",
    "maio",
    "junho",
    "julho",
    "agosto",
    "setembro",
    "outubro",
    "novembro",
    "dezembro",
];

impl Catalogue for PortugueseBrazil {
    fn daemon_name(&self) -> &'static str {
        "Sistema de Entrega de E-mails"
    }

    fn subject(&self, kind: ReportKind, original_subject: Option<&str>) -> String {
        let subject = original_subject.unwrap_or("(sem assunto)");
        match kind {
            ReportKind::Failure => format!("Não entregue: {subject}"),
            ReportKind::Delay => format!("Entrega atrasada: {subject}"),
        }
    }

    fn label(&self, label: Label) -> &'static str {
        match label {
            Label::OriginalSubject => "Assunto",
            Label::OriginalSent => "Recebida em",
            Label::NoSubject => "(sem assunto)",
            Label::Recipient => "Destinatário",
            Label::OriginalRecipient => "Destinatário original",
            Label::WhatHappened => "O que aconteceu",
            Label::Why => "Motivo",
            Label::WhoMustAct => "Quem precisa agir",
            Label::WhatToDo => "O que fazer",
            Label::ForAdministrators => "Para os administradores",
            Label::ReportingServer => "Servidor que gerou o relatório",
            Label::QueueId => "ID na fila",
            Label::MessageId => "Message-ID",
            Label::EnvelopeId => "ID do envelope",
            Label::Status => "Código de status",
            Label::Category => "Categoria",
            Label::Detail => "Detalhes",
            Label::LastErrorCategory => "Categoria do último erro",
            Label::ServerReply => "Diagnóstico",
            Label::Connector => "Conector",
            Label::RemoteServer => "Servidor remoto",
            Label::Attempts => "Tentativas",
            Label::LastAttempt => "Última tentativa",
            Label::WillRetryUntil => "Novas tentativas até",
            Label::History => "Tentativas recentes",
        }
    }

    fn field_separator(&self) -> &'static str {
        ": "
    }

    fn sentence_separator(&self) -> &'static str {
        " "
    }

    /// "1º de março de 2025, 08:00 (UTC)".
    fn time(&self, at: OffsetDateTime) -> String {
        let at = at.to_offset(UtcOffset::UTC);
        let day = match at.day() {
            1 => "1º".to_string(),
            day => day.to_string(),
        };
        format!(
            "{day} de {} de {}, {:02}:{:02} (UTC)",
            MONTHS[usize::from(u8::from(at.month())) - 1],
            at.year(),
            at.hour(),
            at.minute()
        )
    }

    fn duration(&self, span: Duration) -> String {
        let minutes = span.whole_minutes().max(0);
        let (hours, minutes) = (minutes / 60, minutes % 60);
        match (hours, minutes) {
            (0, minutes) => count(minutes, "minuto"),
            (hours, 0) => count(hours, "hora"),
            (hours, minutes) => format!("{} e {}", count(hours, "hora"), count(minutes, "minuto")),
        }
    }

    fn opening(&self, kind: ReportKind) -> &'static str {
        match kind {
            ReportKind::Failure => {
                "Não foi possível entregar sua mensagem aos destinatários abaixo. \
                 Não haverá novas tentativas."
            }
            ReportKind::Delay => {
                "Sua mensagem ainda não foi entregue aos destinatários abaixo. \
                 Este é apenas um aviso: a mensagem continua na fila e as tentativas de \
                 entrega prosseguem."
            }
        }
    }

    fn still_trying(&self, until: Option<OffsetDateTime>) -> String {
        let until = match until {
            Some(until) => format!("até {}", self.time(until)),
            None => "por mais algum tempo".to_string(),
        };
        format!(
            "O servidor de retransmissão continuará tentando {until}. Não é preciso enviar a \
             mensagem de novo. Se até lá ela ainda não puder ser entregue, você receberá outro \
             relatório."
        )
    }

    fn what_happened(&self, situation: Situation) -> String {
        match situation {
            Situation::Refused => "Não entregue; não haverá novas tentativas.".to_string(),
            Situation::Expired {
                tried_for,
                attempts,
            } => format!(
                "Não entregue. O servidor de retransmissão tentou por {} ({}) e então desistiu.",
                self.duration(tried_for),
                count(i64::from(attempts), "tentativa")
            ),
            Situation::StillTrying { attempts } => format!(
                "Ainda não entregue após {}; o servidor de retransmissão continua tentando.",
                count(i64::from(attempts), "tentativa")
            ),
        }
    }

    fn explanation(&self, category: Category) -> &'static str {
        explanation(category)
    }

    fn last_error_because(&self, explanation: &str) -> String {
        format!(
            "A última tentativa falhou pelo seguinte motivo: {}",
            lowercase_first(explanation)
        )
    }

    fn server_said(&self, reply: &str) -> String {
        format!("Resposta do servidor: “{reply}”")
    }

    fn actor(&self, actor: Actor, reporting_mta: &str) -> String {
        match actor {
            Actor::Sender => "Você, o remetente.".to_string(),
            Actor::RecipientAdministrators => {
                "Os administradores do sistema de e-mail do destinatário.".to_string()
            }
            Actor::RelayAdministrators => {
                format!("Os administradores deste servidor de retransmissão ({reporting_mta}).")
            }
        }
    }

    fn remedy(&self, remedy: &Remedy) -> String {
        match remedy {
            Remedy::FixConnector { connector, problem } => format!(
                "O conector “{connector}” do servidor de retransmissão não consegue entregar: \
                 {} Encaminhe este relatório aos administradores do servidor de \
                 retransmissão. Não há nenhum problema com a sua mensagem.",
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
            Returned::Headers => "Os cabeçalhos da sua mensagem estão anexados.",
            Returned::FullMessage => "Sua mensagem está anexada.",
            Returned::HeadersBecauseTooLarge => {
                "Sua mensagem era grande demais para ser devolvida inteira; os cabeçalhos dela \
                 estão anexados."
            }
        }
    }
}

/// "1 hora", "24 horas", "0 minutos".
fn count(n: i64, unit: &str) -> String {
    if n == 1 {
        format!("1 {unit}")
    } else {
        format!("{n} {unit}s")
    }
}

fn explanation(category: Category) -> &'static str {
    match category {
        Category::DnsQueryFailed => {
            "Não foi possível encontrar no DNS o nome do servidor que deve receber a mensagem; \
             por isso, o servidor de retransmissão não sabia para onde enviá-la."
        }
        Category::ConnectionTimedOut => {
            "O servidor de destino não respondeu quando o servidor de retransmissão tentou se \
             conectar. Ele pode estar fora do ar, ou um firewall pode estar bloqueando a \
             conexão."
        }
        Category::ConnectionRefused => {
            "O servidor de destino recusou a conexão: não há serviço de e-mail aguardando \
             conexões nele, ou o serviço está parado."
        }
        Category::RemoteServerError => {
            "O servidor de retransmissão conseguiu se conectar ao servidor de destino, mas \
             este informou que não pode receber e-mails, ou não foi possível estabelecer a \
             conexão segura (TLS) exigida."
        }
        Category::ConnectionDropped => {
            "A conexão com o servidor de destino caiu no meio da comunicação."
        }
        Category::CertificateInvalid => {
            "O certificado de segurança do servidor de destino não é válido (por exemplo, \
             expirou, foi emitido para outro nome ou vem de uma autoridade não confiável), e \
             esta rota exige um certificado válido."
        }
        Category::RemoteTransient => "O servidor de destino recusou a mensagem por enquanto.",
        Category::RemotePermanent => "O servidor de destino recusou a mensagem.",
        Category::Expired => {
            "Não foi possível entregar a mensagem dentro do prazo em que o servidor de \
             retransmissão continua tentando."
        }
        Category::LoopDetected => {
            "A mensagem circulou vezes demais entre servidores de e-mail, em um loop, e foi \
             interrompida."
        }
        Category::RecipientNotFound => "O endereço não existe na organização do destinatário.",
        Category::DomainNotFound => "O domínio do endereço não existe.",
        Category::NullMx => "O domínio do endereço declarou que não recebe e-mails.",
        Category::LocalError => {
            "O servidor de retransmissão encontrou um problema interno ao processar a mensagem."
        }
    }
}

fn fixed_remedy(remedy: &Remedy) -> &'static str {
    match remedy {
        Remedy::CheckAddress => {
            "Verifique se há erros de digitação no endereço e envie a mensagem novamente. Se o \
             endereço estiver correto, a caixa de correio pode não existir mais: peça ao \
             destinatário, por outro meio, o endereço atual."
        }
        Remedy::CheckDomain => {
            "Verifique se há erros de digitação na parte do endereço depois do @ e envie a \
             mensagem novamente. Se ela estiver correta, esse domínio não recebe e-mails: \
             entre em contato com o destinatário por outro meio."
        }
        Remedy::SendSmaller => {
            "A mensagem é grande demais para o servidor do destinatário. Reduza o tamanho \
             dela, por exemplo compartilhando arquivos grandes por meio de um link, e envie-a \
             novamente."
        }
        Remedy::AskRecipientToAllow => {
            "O servidor do destinatário recusou a mensagem por regras próprias (por exemplo, \
             por suspeita de spam ou porque o remetente não é permitido). Entre em contato com \
             o destinatário por outro meio e peça que os administradores dele aceitem suas \
             mensagens; mostre a eles este relatório."
        }
        Remedy::RecipientMakesRoom => {
            "A caixa de correio do destinatário está cheia. O destinatário ou os \
             administradores dele precisam liberar espaço; depois disso, envie a mensagem \
             novamente."
        }
        Remedy::FixRemoteServer => {
            "Os administradores do servidor de e-mail do destinatário precisam corrigir o \
             problema. Não há nenhum problema com a sua mensagem. Se a situação persistir, \
             entre em contato com o destinatário por outro meio e mostre a ele este relatório."
        }
        Remedy::FixRemoteDns => {
            "Os administradores do domínio do destinatário precisam corrigir os registros DNS \
             dele (MX, A ou AAAA) para que os e-mails encontrem o servidor."
        }
        Remedy::FixRemoteCertificate => {
            "Os administradores do servidor de e-mail do destinatário precisam instalar um \
             certificado válido."
        }
        Remedy::BreakLoop => {
            "Os administradores do servidor de retransmissão precisam corrigir o roteamento \
             que faz esta mensagem circular em loop. Encaminhe este relatório a eles."
        }
        Remedy::CheckRelay => {
            "Os administradores do servidor de retransmissão precisam investigar o problema \
             descrito abaixo. Encaminhe este relatório a eles."
        }
        Remedy::FixConnector { .. } => {
            "Os administradores do servidor de retransmissão precisam corrigir o conector \
             pelo qual esta mensagem passa. Encaminhe este relatório a eles."
        }
    }
}

fn connector_problem(problem: ConnectorProblem) -> &'static str {
    match problem {
        ConnectorProblem::NameDoesNotResolve => {
            "o nome do servidor para o qual ele entrega não é resolvido no DNS. É preciso \
             corrigir o nome ou os registros DNS dele."
        }
        ConnectorProblem::ServerUnreachable => {
            "o servidor para o qual ele entrega não aceita conexões. Esse servidor precisa \
             estar em funcionamento, aguardando e-mails e acessível através dos firewalls."
        }
        ConnectorProblem::ServerRefuses => {
            "o servidor para o qual ele entrega se recusa a receber e-mails. É preciso \
             verificar o estado e os logs desse servidor."
        }
        ConnectorProblem::ConnectionDrops => {
            "a conexão com o servidor dele cai durante a comunicação. É preciso verificar \
             esse servidor e a rede entre os dois."
        }
        ConnectorProblem::TlsUnavailable => {
            "não foi possível estabelecer com o servidor dele a conexão segura (TLS) que o \
             conector exige. É preciso habilitar o STARTTLS nesse servidor ou alterar a \
             política de TLS do conector."
        }
        ConnectorProblem::CertificateInvalid => {
            "o certificado do servidor dele não atende à política de TLS do conector. É \
             preciso renovar ou substituir o certificado, ou alterar a política."
        }
    }
}
