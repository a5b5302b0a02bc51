//! The Brazilian Portuguese words for what administrators do: fix
//! previews, trace events and audited actions.

use super::PortugueseBrazil;
use crate::catalogue::operations::action_name;
use crate::catalogue::{AuditAction, Catalogue, FixChange, FixWords, OperationsCatalogue};
use mailflow_core::{DomainType, Event, EventKind, RouteReason};

impl OperationsCatalogue for PortugueseBrazil {
    fn fix_words(&self, change: &FixChange) -> FixWords {
        let (summary, risk, undo) = match *change {
            FixChange::StopRelaying {
                connector,
                domains,
                bounced,
                also_disable,
            } => (
                format!(
                    "Os domínios {} passam a ser autoritativos: destinatários que não estão no diretório são recusados no RCPT com 550 5.1.10, e {} na fila que não estão no diretório falham agora, com um relatório de não entrega{}.",
                    domains.join(", "),
                    recipients(bounced),
                    if also_disable {
                        format!("; o conector {connector} é desativado")
                    } else {
                        String::new()
                    }
                ),
                "Se faltarem no diretório caixas de correio reais do servidor local, o correio para elas é recusado ou devolvido como se não existissem. O correio para destinatários conhecidos continua na fila do conector.".to_string(),
                "Desfazer torna os domínios de retransmissão interna de novo (e reativa o conector); o correio devolvido pela correção continua devolvido.".to_string(),
            ),
            FixChange::Disable { connector } => (
                format!("O conector {connector} é desativado: nenhum correio vai para ele."),
                format!(
                    "O correio na fila de {connector} aguarda até expirar (e então seus remetentes recebem um relatório de não entrega) ou ser devolvido; correio novo para os domínios aceitos que ele atende é recusado temporariamente com 451 4.4.0, e os servidores dos remetentes tentam de novo."
                ),
                format!("Desfazer reativa o conector {connector}; o correio em espera é entregue na próxima tentativa."),
            ),
            FixChange::LowerTls { connector } => (
                format!("O conector {connector} continua criptografando, mas deixa de verificar o certificado do servidor."),
                "Compromisso de segurança: quem puder interceptar a conexão pode se passar pelo servidor e ler o correio, porque o certificado não é mais verificado. Prefira corrigir o certificado; use isto até que seja corrigido.".to_string(),
                format!("Desfazer restaura a verificação do certificado no conector {connector}."),
            ),
            FixChange::AllowWithoutTls { connector } => (
                format!("O conector {connector} usa STARTTLS quando oferecido e envia sem criptografia quando não é."),
                "Compromisso de segurança: o correio para este servidor pode atravessar a rede sem criptografia, legível e alterável por qualquer um no caminho. Prefira ativar o STARTTLS no servidor.".to_string(),
                format!("Desfazer volta a exigir TLS no conector {connector}."),
            ),
            FixChange::RetryNow {
                connector,
                recipients: count,
            } => (
                format!(
                    "{} na fila do conector {connector} são tentados agora, e a espera dos próximos saltos é suspensa.",
                    recipients(count)
                ),
                "Nenhum; se o próximo salto ainda falhar, a espera recomeça.".to_string(),
                "Não pode ser desfeito (não há o que desfazer).".to_string(),
            ),
            FixChange::Suspend {
                connector,
                recipients: count,
            } => (
                format!(
                    "{} na fila do conector {connector} são suspensos: nada é tentado até que sejam retomados.",
                    recipients(count)
                ),
                "O correio suspenso ainda expira no horário de expiração, e então seus remetentes recebem um relatório de não entrega.".to_string(),
                "Desfazer os retoma.".to_string(),
            ),
            FixChange::Resume {
                connector,
                recipients: count,
            } => (
                format!(
                    "{} suspensos do conector {connector} voltam à fila, para agora ou para quando terminar a espera do próximo salto após falhas (\u{201c}tentar agora\u{201d} a suspende).",
                    recipients(count)
                ),
                "Nenhum.".to_string(),
                "Desfazer os suspende de novo.".to_string(),
            ),
            FixChange::BounceAll {
                connector,
                recipients: count,
            } => (
                format!(
                    "{} em espera no conector {connector} falham agora com 5.3.0 (devolvido por um administrador), com um relatório de não entrega aos remetentes.",
                    recipients(count)
                ),
                "O correio é devolvido aos remetentes e não será entregue.".to_string(),
                "Não pode ser desfeito: o correio devolvido continua devolvido.".to_string(),
            ),
            FixChange::BounceMessage {
                connector,
                message,
                recipients: count,
            } => (
                format!(
                    "A mensagem {message} faz o servidor do conector {connector} derrubar a conexão durante os dados: seus {} em espera em {connector} falham agora com esse erro, com um relatório de não entrega ao remetente.",
                    recipients(count)
                ),
                "A mensagem é devolvida ao remetente e não será entregue; o resto da fila não é afetado.".to_string(),
                "Não pode ser desfeito: o correio devolvido continua devolvido.".to_string(),
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
                recipients: count,
                size,
                client,
            } => {
                let sender = if sender.is_empty() { "<>" } else { sender };
                format!(
                    "Recebida de {client}: remetente {sender}, {}, {size} bytes.",
                    recipients(*count as u64)
                )
            }
            EventKind::Routed { reason } => {
                let via = match (&event.connector, &event.next_hop) {
                    (Some(connector), Some(hop)) => {
                        format!("o conector {connector}, próximo salto {hop}")
                    }
                    (None, Some(hop)) => format!("o próximo salto {hop}"),
                    _ => "o próximo salto".to_string(),
                };
                let why = match reason {
                    RouteReason::AcceptedDomain {
                        domain,
                        domain_type: DomainType::Authoritative,
                    } => format!("do domínio aceito {domain} (autoritativo)"),
                    RouteReason::AcceptedDomain {
                        domain,
                        domain_type: DomainType::InternalRelay,
                    } => format!("do domínio aceito {domain} (retransmissão interna)"),
                    RouteReason::PartnerDomain { domain } => {
                        format!("do domínio {domain}, atendido por um conector de parceiro")
                    }
                    RouteReason::Mx { domain } => format!("do MX de {domain}"),
                };
                format!("Encaminhada para {via}, por causa {why}.")
            }
            EventKind::Attempt { results } => match results.len() {
                1 => "Tentativa: 1 endereço tentado.".to_string(),
                n => format!("Tentativa: {n} endereços tentados."),
            },
            EventKind::Delivered { reply, .. } => format!("Entregue: {reply}"),
            EventKind::Deferred {
                diagnosis,
                next_attempt_at,
            } => format!(
                "Adiada: {}. Próxima tentativa em {}.",
                diagnosis.reply(),
                self.time(*next_attempt_at)
            ),
            EventKind::Failed { diagnosis } => format!("Falhou: {}", diagnosis.reply()),
            EventKind::DelayNoticeSent => "Aviso de atraso enviado ao remetente.".to_string(),
            EventKind::Recovered { node } => {
                format!(
                    "Recolocado na fila: o nó {node} parou antes de o resultado ser registrado; se a entrega dele chegou ao destino, este destinatário receberá a mensagem duas vezes."
                )
            }
            EventKind::NdrSent { ndr_id } => {
                format!("Relatório de não entrega {ndr_id} enviado ao remetente.")
            }
            EventKind::Operator { action, actor } => {
                format!("{actor}: {}", action_name(self, action))
            }
        }
    }

    fn action(&self, action: AuditAction) -> &'static str {
        match action {
            AuditAction::ConnectorAdd => "Conector adicionado",
            AuditAction::ConnectorEdit => "Conector alterado",
            AuditAction::ConnectorRemove => "Conector removido",
            AuditAction::ConnectorEnable => "Conector ativado",
            AuditAction::ConnectorDisable => "Conector desativado",
            AuditAction::OrgApply => "Configurações aplicadas",
            AuditAction::DomainAdd => "Domínio aceito adicionado",
            AuditAction::DomainEdit => "Domínio aceito alterado",
            AuditAction::DomainRemove => "Domínio aceito removido",
            AuditAction::DirectoryAdd => "Destinatários adicionados ao diretório",
            AuditAction::DirectoryRemove => "Destinatários removidos do diretório",
            AuditAction::DirectoryImport => "Diretório importado",
            AuditAction::UserAdd => "Usuário adicionado",
            AuditAction::UserPassword => "Senha do usuário alterada",
            AuditAction::UserRemove => "Usuário removido",
            AuditAction::TokenCreate => "Token de API criado",
            AuditAction::TokenRevoke => "Token de API revogado",
            AuditAction::AlertSettingsEdit => "Configurações de alerta alteradas",
            AuditAction::AlertRulesSet => "Regras de alerta do conector definidas",
            AuditAction::AlertRulesClear => "Regras de alerta do conector removidas",
            AuditAction::StopRelaying => "Parar de retransmitir para o servidor local",
            AuditAction::StopRelayingAndDisable => {
                "Parar de retransmitir para o servidor local e desativar o conector"
            }
            AuditAction::Disable => "Desativar o conector",
            AuditAction::LowerTls => "Criptografar sem verificar o certificado",
            AuditAction::AllowWithoutTls => "Permitir entrega sem TLS",
            AuditAction::Retry => "Tentar agora",
            AuditAction::Suspend => "Suspender",
            AuditAction::Resume => "Retomar",
            AuditAction::BounceAll => "Devolver todo o correio em espera",
            AuditAction::BounceMessage => "Devolver a mensagem",
            AuditAction::MessageRetry => "Mensagem tentada agora",
            AuditAction::MessageSuspend => "Mensagem suspensa",
            AuditAction::MessageResume => "Mensagem retomada",
            AuditAction::MessageBounce => "Mensagem devolvida ao remetente",
            AuditAction::MessageDelete => "Mensagem excluída",
            AuditAction::QueueRetry => "Fila tentada agora",
            AuditAction::QueueSuspend => "Fila suspensa",
            AuditAction::QueueResume => "Fila retomada",
            AuditAction::QueueBounce => "Fila devolvida aos remetentes",
            AuditAction::QueueDelete => "Fila excluída",
            AuditAction::Delete => "Excluído",
        }
    }

    fn undo_of(&self, name: &str) -> String {
        format!("Desfazer: {name}")
    }

    fn failed_by_operator(&self, code: &str) -> String {
        format!("Falhou com {code}")
    }
}

/// "1 destinatário", "3 destinatários".
fn recipients(count: u64) -> String {
    match count {
        0 | 1 => format!("{count} destinatário"),
        n => format!("{n} destinatários"),
    }
}
