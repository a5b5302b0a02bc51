//! The Brazilian Portuguese words for administrators: insights and alerts.

use super::PortugueseBrazil;
use crate::catalogue::{AdminCatalogue, AlertLabel, AlertSituation, Catalogue};
use crate::topic::Topic;

impl AdminCatalogue for PortugueseBrazil {
    fn all_clear(&self) -> &'static str {
        "O correio está fluindo: nenhuma mensagem aguarda com erro e nenhuma tentativa falhou na última hora."
    }

    fn recovered(&self) -> &'static str {
        "Algumas tentativas falharam na última hora, mas nenhuma mensagem em espera está com erro agora."
    }

    fn message_drops_connection(&self, message: &str) -> String {
        format!(
            "Uma mensagem faz o servidor derrubar a conexão durante o envio do seu conteúdo: a mensagem {message}. O restante do correio passa; essa mensagem é tentada à parte e devolvida se continuar falhando."
        )
    }

    fn causes(&self, topic: Topic) -> &'static [&'static str] {
        advice(topic).0
    }

    fn actions(&self, topic: Topic) -> &'static [&'static str] {
        advice(topic).1
    }

    fn connector_name(&self, connector: Option<&str>) -> String {
        connector.map_or_else(|| "(entrega direta por MX)".to_string(), str::to_string)
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
                    format!(", a mais antiga recebida em {}", self.time(at))
                });
                format!(
                    "O correio está se acumulando {}: {} na fila, {over_age} deles há mais tempo do que as regras de alerta permitem{oldest}. O alerta está aberto desde {}.",
                    route(connector),
                    recipients(queued),
                    self.time(opened_at)
                )
            }
            AlertSituation::Drained {
                connector,
                opened_at,
                resolved_at,
            } => format!(
                "A fila {} foi esvaziada: o alerta aberto em {} foi resolvido em {}.",
                of_route(connector),
                self.time(opened_at),
                self.time(resolved_at)
            ),
            AlertSituation::UnknownRecipients {
                refused,
                sources,
                opened_at,
            } => format!(
                "A cota de destinatários desconhecidos da organização foi ultrapassada: {} recusados como desconhecidos na última hora, vindos de {}. Até que a hora passe, essas origens recebem respostas temporárias 450 4.7.1. O alerta está aberto desde {}.",
                recipients(refused),
                sources.join(", "),
                self.time(opened_at)
            ),
            AlertSituation::LostBodies {
                connector,
                lost,
                opened_at,
            } => format!(
                "Mensagens aceitas para {} foram perdidas pelo armazenamento: {} não tinham mais corpo e foram devolvidas aos remetentes. O alerta está aberto desde {}.",
                route(connector),
                lost,
                self.time(opened_at)
            ),
            AlertSituation::LostBodiesOver {
                connector,
                opened_at,
                resolved_at,
            } => format!(
                "Nenhum outro corpo de mensagem foi perdido para {}: o alerta aberto em {} foi resolvido em {}.",
                route(connector),
                self.time(opened_at),
                self.time(resolved_at)
            ),
            AlertSituation::WithinQuota {
                opened_at,
                resolved_at,
            } => format!(
                "Os destinatários desconhecidos voltaram a ficar dentro da cota da organização: o alerta aberto em {} foi resolvido em {}.",
                self.time(opened_at),
                self.time(resolved_at)
            ),
        }
    }

    fn alert_subject(&self, id: i64, situation: &AlertSituation, code: &str) -> String {
        let what = match *situation {
            AlertSituation::Backlog { connector, .. } => {
                format!("correio acumulando {}", route(connector))
            }
            AlertSituation::Drained { connector, .. } => {
                format!("a fila {} foi esvaziada", of_route(connector))
            }
            AlertSituation::UnknownRecipients { .. } => {
                "mensagens demais para destinatários desconhecidos".to_string()
            }
            AlertSituation::LostBodies { connector, .. } => format!(
                "corpos de mensagens perdidos pelo armazenamento ({})",
                route(connector)
            ),
            AlertSituation::LostBodiesOver { connector, .. } => format!(
                "nenhum outro corpo de mensagem perdido ({})",
                route(connector)
            ),
            AlertSituation::WithinQuota { .. } => {
                "destinatários desconhecidos de volta dentro da cota".to_string()
            }
        };
        format!("[mailflow] alerta {id}: {what} ({code})")
    }

    fn alert_closing(&self, id: i64, open: bool) -> String {
        if open {
            format!(
                "A análise do conector (mailflow insights) mostra as correções aplicáveis. As mensagens na fila são tentadas de novo até expirarem. Para reconhecer o alerta {id}: mailflow alerts ack {id}"
            )
        } else {
            format!("Nada mais a fazer: o alerta {id} continua na lista de alertas resolvidos.")
        }
    }

    fn alert_label(&self, label: AlertLabel) -> &'static str {
        match label {
            AlertLabel::Connector => "Conector",
            AlertLabel::Code => "Código",
            AlertLabel::LastError => "Último erro",
            AlertLabel::ServerTried => "Servidor tentado",
            AlertLabel::RecipientsQueued => "Destinatários na fila",
            AlertLabel::WaitingTooLong => "Esperando demais",
            AlertLabel::OldestReceived => "Mais antiga recebida em",
            AlertLabel::AlertOpened => "Alerta aberto em",
            AlertLabel::LikelyCauses => "Causas prováveis",
            AlertLabel::WhatToDo => "O que fazer",
        }
    }
}

/// "no conector onprem", "na entrega direta por MX".
fn route(connector: Option<&str>) -> String {
    connector.map_or_else(
        || "na entrega direta por MX".to_string(),
        |name| format!("no conector {name}"),
    )
}

/// "do conector onprem", "da entrega direta por MX".
fn of_route(connector: Option<&str>) -> String {
    connector.map_or_else(
        || "da entrega direta por MX".to_string(),
        |name| format!("do conector {name}"),
    )
}

fn recipients(n: u64) -> String {
    match n {
        0 | 1 => format!("{n} destinatário"),
        n => format!("{n} destinatários"),
    }
}

type Lines = &'static [&'static str];

fn advice(topic: Topic) -> (Lines, Lines) {
    match topic {
        Topic::DnsFailed => (
            &[
                "O nome do smart host (ou do host MX do domínio) está digitado errado ou não existe mais no DNS.",
                "Os servidores DNS usados por este nó estão inacessíveis ou respondem SERVFAIL ou REFUSED.",
                "O nome existe, mas não tem registros de endereço (A/AAAA).",
            ],
            &[
                "Compare o nome nos smart hosts do conector com o detalhe do erro.",
                "Consulte o nome a partir deste nó, nos servidores DNS que ele usa.",
                "Corrija os registros DNS ou aponte o conector para o endereço IP do servidor.",
            ],
        ),
        Topic::ConnectTimedOut => (
            &[
                "O servidor está fora do ar ou inacessível a partir deste nó.",
                "Um firewall descarta as conexões para a porta SMTP.",
                "O conector aponta para o endereço ou a porta errados.",
            ],
            &[
                "Verifique se o servidor está no ar e acessível a partir deste nó nessa porta.",
                "Verifique os firewalls entre este nó e o servidor.",
                "Se o servidor local foi desativado, pare de encaminhar para ele (correção: stop-relaying).",
            ],
        ),
        Topic::ConnectionRefused => (
            &[
                "Nenhum serviço de e-mail escuta nesse endereço e porta: ele foi parado ou mudou de lugar.",
                "A porta do conector está errada.",
            ],
            &[
                "Inicie o serviço SMTP no servidor ou corrija o smart host e a porta do conector.",
                "Se o servidor local foi desativado, pare de encaminhar para ele (correção: stop-relaying).",
                "Enquanto isso, o correio aguarda e é tentado de novo; nada se perde antes de expirar.",
            ],
        ),
        Topic::ServerRefuses => (
            &[
                "O servidor está sobrecarregado, em manutenção ou recusa o endereço deste relay.",
                "O servidor rejeita o nome que este relay apresenta no EHLO.",
            ],
            &[
                "Leia a resposta do servidor no último erro e os logs do próprio servidor.",
                "Libere o endereço deste relay no servidor, se ele estiver bloqueado lá.",
            ],
        ),
        Topic::StartTlsMissing => (
            &[
                "O conector exige TLS e o servidor não oferece STARTTLS (ou o recusa).",
                "Algum equipamento entre o relay e o servidor remove o STARTTLS da resposta do servidor.",
            ],
            &[
                "Ative o STARTTLS no servidor.",
                "Ou permita que o conector entregue sem TLS (correção: allow-without-tls); isso reduz a segurança.",
            ],
        ),
        Topic::TlsHandshakeFailed => (
            &["O servidor e o relay não têm nenhuma versão de TLS ou cifra em comum."],
            &[
                "Atualize a configuração TLS do servidor para oferecer TLS 1.2 ou superior, com cifras atuais.",
            ],
        ),
        Topic::ConnectionDropped => (
            &[
                "O servidor fecha ou reinicia as conexões: travou, atingiu um limite de conexões ou esgotou um tempo limite.",
                "Um firewall ou balanceador de carga no caminho corta a conexão.",
            ],
            &[
                "Verifique os logs do servidor no horário do último erro.",
                "Reduza a concorrência do conector (max_connections) se o servidor limitar as conexões.",
            ],
        ),
        Topic::DroppedAfterFinalDot => (
            &[
                "O servidor derrubou a conexão depois que a mensagem foi enviada, antes de confirmar o recebimento.",
            ],
            &[
                "A mensagem pode ter chegado; a nova tentativa pode entregá-la em duplicidade.",
                "Verifique os logs do servidor e como ele trata mensagens grandes ou lentas.",
            ],
        ),
        Topic::MessageDropsConnection => (
            &[
                "O servidor não aceita algo nessa mensagem: uma linha, um cabeçalho ou um tamanho que ele se recusa a ler.",
                "Um filtro de conteúdo do servidor trava ou desiste dessa mensagem.",
            ],
            &[
                "Devolva a mensagem agora (o remetente recebe um relatório) ou deixe o mailflow devolvê-la após as próximas falhas.",
                "Verifique os logs do servidor no horário do último erro para saber por que ele derrubou a conexão.",
            ],
        ),
        Topic::CertificateExpired => (
            &["O certificado do servidor está fora da validade (expirado ou ainda não válido)."],
            &[
                "Renove o certificado do servidor.",
                "Ou deixe de validá-lo (correção: lower-tls); isso reduz a segurança.",
            ],
        ),
        Topic::CertificateNameMismatch => (
            &["O certificado não traz o nome do host para o qual o conector entrega."],
            &[
                "Instale um certificado para esse nome ou defina no tls_name do conector um nome que conste do certificado.",
                "Ou deixe de validá-lo (correção: lower-tls); isso reduz a segurança.",
            ],
        ),
        Topic::CertificateUntrusted => (
            &[
                "O certificado é autoassinado ou foi emitido por uma autoridade certificadora em que este nó não confia.",
            ],
            &[
                "Instale um certificado de uma autoridade confiável ou cadastre a autoridade privada nas configurações do nó.",
                "Ou deixe de validá-lo (correção: lower-tls); isso reduz a segurança.",
            ],
        ),
        Topic::CertificateOther => (
            &["O certificado não passou na validação (veja o detalhe)."],
            &[
                "Substitua o certificado ou deixe de validá-lo (correção: lower-tls); isso reduz a segurança.",
            ],
        ),
        Topic::RemoteTransient => (
            &[
                "O servidor aceitou a conexão, mas adiou o correio: greylisting, limite de taxa, caixa cheia ou um problema temporário do lado dele.",
            ],
            &[
                "Leia a resposta do servidor no último erro; o correio é tentado de novo conforme o agendamento.",
                "Se persistir, pergunte aos administradores do servidor o que a resposta significa.",
            ],
        ),
        Topic::RemotePermanent => (
            &[
                "O servidor recusou parte do correio em definitivo (destinatários desconhecidos, política).",
            ],
            &[
                "Essas mensagens são devolvidas aos remetentes; a resposta do servidor diz o motivo.",
            ],
        ),
        Topic::UnknownRecipients => (
            &[
                "Um remetente ou aplicativo escreve para endereços que não existem: lista desatualizada, erro de digitação ou alguém tentando adivinhar endereços.",
                "Faltam no diretório caixas postais que de fato existem.",
            ],
            &[
                "Examine as origens citadas no alerta e interrompa o envio a partir delas se não for legítimo.",
                "Inclua no diretório as caixas que faltam, ou aumente invalid_recipient_quota se o tráfego for legítimo.",
            ],
        ),
        Topic::LostBodies => (
            &[
                "Outro processo abriu o diretório de dados do nó e removeu seus arquivos de spool: um mailflow sem o bloqueio do diretório, um segundo nó no mesmo diretório ou um script de limpeza.",
                "O disco ou o sistema de arquivos perdeu ou danificou os arquivos de spool.",
            ],
            &[
                "Descubra o que mais mexe no diretório de dados (outros processos mailflow, scripts, backups que restauram ou apagam) e interrompa.",
                "Verifique o disco e o sistema de arquivos.",
                "Os remetentes receberam relatórios de não entrega; o rastreamento de cada mensagem mostra isso, caso perguntem.",
            ],
        ),
        Topic::NotTriedYet => (
            &[
                "Há correio aguardando, mas nenhuma tentativa falhou ainda: o conector está desativado ou suspenso, ou a próxima tentativa ainda não chegou.",
            ],
            &[
                "Verifique se o conector está ativado e não suspenso e, se preciso, tente de novo a fila dele.",
            ],
        ),
        Topic::Other => (
            &["Veja o detalhe do último erro."],
            &["Verifique os logs do nó por volta do horário do último erro."],
        ),
    }
}
