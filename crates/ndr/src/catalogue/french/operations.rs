//! The French words for what administrators do: fix previews, trace
//! events and audited actions.

use super::French;
use crate::catalogue::operations::action_name;
use crate::catalogue::{AuditAction, Catalogue, FixChange, FixWords, OperationsCatalogue};
use mailflow_core::{DomainType, Event, EventKind, RouteReason};

impl OperationsCatalogue for French {
    fn fix_words(&self, change: &FixChange) -> FixWords {
        let (summary, risk, undo) = match *change {
            FixChange::StopRelaying {
                connector,
                domains,
                bounced,
                also_disable,
            } => (
                format!(
                    "Les domaines {} font désormais autorité\u{a0}: les destinataires absents de l'annuaire sont refusés au RCPT avec 550 5.1.10, et {} en file d'attente absents de l'annuaire sont mis en échec dès maintenant, avec un rapport de non-remise{}.",
                    domains.join(", "),
                    recipients(bounced),
                    if also_disable {
                        format!("\u{a0}; le connecteur {connector} est désactivé")
                    } else {
                        String::new()
                    }
                ),
                "Si l'annuaire ne contient pas toutes les vraies boîtes du serveur sur site, le courrier qui leur est adressé est refusé ou renvoyé comme si elles n'existaient pas. Le courrier destiné aux destinataires connus reste en file d'attente pour le connecteur.".to_string(),
                "L'annulation remet les domaines en relais interne (et réactive le connecteur)\u{a0}; le courrier renvoyé par le correctif reste renvoyé.".to_string(),
            ),
            FixChange::Disable { connector } => (
                format!("Le connecteur {connector} est désactivé\u{a0}: plus aucun courrier ne lui est envoyé."),
                format!(
                    "Le courrier en attente pour {connector} attend jusqu'à son expiration (ses expéditeurs reçoivent alors un rapport de non-remise) ou jusqu'à ce qu'il soit renvoyé\u{a0}; le nouveau courrier pour les domaines acceptés qu'il dessert est refusé temporairement avec 451 4.4.0, et les serveurs des expéditeurs réessaient."
                ),
                format!("L'annulation réactive {connector}\u{a0}; le courrier en attente est remis à sa prochaine tentative."),
            ),
            FixChange::LowerTls { connector } => (
                format!("Le connecteur {connector} continue de chiffrer mais ne vérifie plus le certificat du serveur."),
                "Compromis de sécurité\u{a0}: quiconque peut intercepter la connexion peut se faire passer pour le serveur et lire le courrier, puisque le certificat n'est plus vérifié. Mieux vaut corriger le certificat\u{a0}; utilisez ceci en attendant.".to_string(),
                format!("L'annulation rétablit la vérification du certificat pour {connector}."),
            ),
            FixChange::AllowWithoutTls { connector } => (
                format!("Le connecteur {connector} utilise STARTTLS quand le serveur le propose et envoie en clair sinon."),
                "Compromis de sécurité\u{a0}: le courrier vers ce serveur peut traverser le réseau sans chiffrement, lisible et modifiable par quiconque se trouve sur le chemin. Mieux vaut activer STARTTLS sur le serveur.".to_string(),
                format!("L'annulation exige de nouveau TLS pour {connector}."),
            ),
            FixChange::RetryNow {
                connector,
                recipients: count,
            } => (
                format!(
                    "{} en file d'attente {} sont essayés maintenant, et l'attente de ses prochains sauts est levée.",
                    recipients(count),
                    of_connector(connector)
                ),
                "Aucun\u{a0}; si le prochain saut échoue encore, l'attente reprend.".to_string(),
                "Impossible à annuler (il n'y a rien à annuler).".to_string(),
            ),
            FixChange::Suspend {
                connector,
                recipients: count,
            } => (
                format!(
                    "{} en file d'attente {} sont suspendus\u{a0}: rien n'est tenté avant leur reprise.",
                    recipients(count),
                    of_connector(connector)
                ),
                "Le courrier suspendu expire tout de même à son heure d'expiration, et ses expéditeurs reçoivent alors un rapport de non-remise.".to_string(),
                "L'annulation les fait reprendre.".to_string(),
            ),
            FixChange::Resume {
                connector,
                recipients: count,
            } => (
                format!(
                    "{} suspendus {} reviennent en file d'attente, à essayer maintenant ou à la fin de l'attente du prochain saut après des échecs («\u{a0}réessayer maintenant\u{a0}» la lève).",
                    recipients(count),
                    of_connector(connector)
                ),
                "Aucun.".to_string(),
                "L'annulation les suspend de nouveau.".to_string(),
            ),
            FixChange::BounceAll {
                connector,
                recipients: count,
            } => (
                format!(
                    "{} en attente {} sont mis en échec maintenant avec 5.3.0 (renvoyés par un administrateur), avec un rapport de non-remise à leurs expéditeurs.",
                    recipients(count),
                    of_connector(connector)
                ),
                "Le courrier est rendu à ses expéditeurs et ne sera pas remis.".to_string(),
                "Impossible à annuler\u{a0}: le courrier renvoyé reste renvoyé.".to_string(),
            ),
            FixChange::BounceMessage {
                connector,
                message,
                recipients: count,
            } => (
                format!(
                    "Le message {message} fait couper la connexion par le serveur {} pendant l'envoi de son contenu\u{a0}: ses {} en attente sur {connector} sont mis en échec maintenant avec cette erreur, avec un rapport de non-remise à son expéditeur.",
                    of_connector(connector),
                    recipients(count)
                ),
                "Le message est rendu à son expéditeur et ne sera pas remis\u{a0}; le reste de la file d'attente n'est pas touché.".to_string(),
                "Impossible à annuler\u{a0}: le courrier renvoyé reste renvoyé.".to_string(),
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
                    "Reçu de {client}\u{a0}: expéditeur {sender}, {}, {size}\u{a0}octets.",
                    recipients(*count as u64)
                )
            }
            EventKind::Routed { reason } => {
                let via = match (&event.connector, &event.next_hop) {
                    (Some(connector), Some(hop)) => {
                        format!("le connecteur {connector}, prochain saut {hop}")
                    }
                    (None, Some(hop)) => format!("le prochain saut {hop}"),
                    _ => "son prochain saut".to_string(),
                };
                let why = match reason {
                    RouteReason::AcceptedDomain {
                        domain,
                        domain_type: DomainType::Authoritative,
                    } => format!("du domaine accepté {domain} (faisant autorité)"),
                    RouteReason::AcceptedDomain {
                        domain,
                        domain_type: DomainType::InternalRelay,
                    } => format!("du domaine accepté {domain} (relais interne)"),
                    RouteReason::PartnerDomain { domain } => {
                        format!("du domaine {domain}, desservi par un connecteur partenaire")
                    }
                    RouteReason::Mx { domain } => format!("du MX de {domain}"),
                };
                format!("Acheminé vers {via}, en raison {why}.")
            }
            EventKind::Attempt { results } => match results.len() {
                0 | 1 => format!("Tentative\u{a0}: {}\u{a0}adresse essayée.", results.len()),
                n => format!("Tentative\u{a0}: {n}\u{a0}adresses essayées."),
            },
            EventKind::Delivered { reply, .. } => format!("Remis\u{a0}: {reply}"),
            EventKind::Deferred {
                diagnosis,
                next_attempt_at,
            } => format!(
                "Différé\u{a0}: {}. Prochaine tentative le {}.",
                diagnosis.reply(),
                self.time(*next_attempt_at)
            ),
            EventKind::Failed { diagnosis } => format!("Échec\u{a0}: {}", diagnosis.reply()),
            EventKind::DelayNoticeSent => "Avis de retard envoyé à l'expéditeur.".to_string(),
            EventKind::Recovered { node } => {
                format!(
                    "Remis en file : le nœud {node} s'est arrêté avant que le résultat soit enregistré ; si sa livraison a abouti, ce destinataire recevra le message deux fois."
                )
            }
            EventKind::NdrSent { ndr_id } => {
                format!("Rapport de non-remise {ndr_id} envoyé à l'expéditeur.")
            }
            EventKind::Operator { action, actor } => {
                format!("{actor}\u{a0}: {}", action_name(self, action))
            }
        }
    }

    fn action(&self, action: AuditAction) -> &'static str {
        match action {
            AuditAction::ConnectorAdd => "Connecteur ajouté",
            AuditAction::ConnectorEdit => "Connecteur modifié",
            AuditAction::ConnectorRemove => "Connecteur supprimé",
            AuditAction::ConnectorEnable => "Connecteur activé",
            AuditAction::ConnectorDisable => "Connecteur désactivé",
            AuditAction::OrgApply => "Paramètres appliqués",
            AuditAction::DomainAdd => "Domaine accepté ajouté",
            AuditAction::DomainEdit => "Domaine accepté modifié",
            AuditAction::DomainRemove => "Domaine accepté supprimé",
            AuditAction::DirectoryAdd => "Destinataires ajoutés à l'annuaire",
            AuditAction::DirectoryRemove => "Destinataires retirés de l'annuaire",
            AuditAction::DirectoryImport => "Annuaire importé",
            AuditAction::UserAdd => "Utilisateur ajouté",
            AuditAction::UserPassword => "Mot de passe de l'utilisateur modifié",
            AuditAction::UserRemove => "Utilisateur supprimé",
            AuditAction::TokenCreate => "Jeton d'API créé",
            AuditAction::TokenRevoke => "Jeton d'API révoqué",
            AuditAction::AlertSettingsEdit => "Paramètres d'alerte modifiés",
            AuditAction::AlertRulesSet => "Règles d'alerte du connecteur définies",
            AuditAction::AlertRulesClear => "Règles d'alerte du connecteur effacées",
            AuditAction::StopRelaying => "Cesser de relayer vers le serveur sur site",
            AuditAction::StopRelayingAndDisable => {
                "Cesser de relayer vers le serveur sur site et désactiver le connecteur"
            }
            AuditAction::Disable => "Désactiver le connecteur",
            AuditAction::LowerTls => "Chiffrer sans vérifier le certificat",
            AuditAction::AllowWithoutTls => "Autoriser la remise sans TLS",
            AuditAction::Retry => "Réessayer maintenant",
            AuditAction::Suspend => "Suspendre",
            AuditAction::Resume => "Reprendre",
            AuditAction::BounceAll => "Renvoyer tout le courrier en attente",
            AuditAction::BounceMessage => "Renvoyer le message",
            AuditAction::MessageRetry => "Message réessayé maintenant",
            AuditAction::MessageSuspend => "Message suspendu",
            AuditAction::MessageResume => "Message repris",
            AuditAction::MessageBounce => "Message renvoyé à l'expéditeur",
            AuditAction::MessageDelete => "Message supprimé",
            AuditAction::QueueRetry => "File d'attente réessayée maintenant",
            AuditAction::QueueSuspend => "File d'attente suspendue",
            AuditAction::QueueResume => "File d'attente reprise",
            AuditAction::QueueBounce => "File d'attente renvoyée aux expéditeurs",
            AuditAction::QueueDelete => "File d'attente supprimée",
            AuditAction::Delete => "Supprimé",
        }
    }

    fn undo_of(&self, name: &str) -> String {
        format!("Annulation\u{a0}: {name}")
    }

    fn failed_by_operator(&self, code: &str) -> String {
        format!("Mis en échec avec {code}")
    }
}

/// "1 destinataire", "3 destinataires".
fn recipients(count: u64) -> String {
    match count {
        0 | 1 => format!("{count}\u{a0}destinataire"),
        n => format!("{n}\u{a0}destinataires"),
    }
}

/// "du connecteur onprem".
fn of_connector(connector: &str) -> String {
    format!("du connecteur {connector}")
}
