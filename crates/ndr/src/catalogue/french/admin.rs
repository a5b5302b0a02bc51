//! The French words for administrators: insights and alerts.
//!
//! As in reports, a no-break space (`\u{a0}`) stands before a colon.

use super::French;
use crate::catalogue::{AdminCatalogue, AlertLabel, AlertSituation, Catalogue};
use crate::topic::Topic;

impl AdminCatalogue for French {
    fn all_clear(&self) -> &'static str {
        "Le courrier circule\u{a0}: aucun message n'attend avec une erreur et aucune tentative n'a échoué au cours de la dernière heure."
    }

    fn recovered(&self) -> &'static str {
        "Des tentatives ont échoué au cours de la dernière heure, mais aucun message en attente ne porte d'erreur à présent."
    }

    fn message_drops_connection(&self, message: &str) -> String {
        format!(
            "Un message fait couper la connexion par le serveur pendant l'envoi de son contenu\u{a0}: le message {message}. Le reste du courrier passe\u{a0}; ce message est réessayé à part et renvoyé à l'expéditeur s'il échoue encore."
        )
    }

    fn causes(&self, topic: Topic) -> &'static [&'static str] {
        advice(topic).0
    }

    fn actions(&self, topic: Topic) -> &'static [&'static str] {
        advice(topic).1
    }

    fn connector_name(&self, connector: Option<&str>) -> String {
        connector.map_or_else(|| "(remise directe par MX)".to_string(), str::to_string)
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
                    format!(", le plus ancien reçu le {}", self.time(at))
                });
                format!(
                    "Le courrier s'accumule {}\u{a0}: {} en file d'attente, dont {over_age} depuis plus longtemps que ne le permettent les règles d'alerte{oldest}. L'alerte est ouverte depuis le {}.",
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
                "La file d'attente {} s'est résorbée\u{a0}: l'alerte ouverte le {} a été résolue le {}.",
                of_route(connector),
                self.time(opened_at),
                self.time(resolved_at)
            ),
            AlertSituation::UnknownRecipients {
                refused,
                sources,
                opened_at,
            } => format!(
                "Le quota de destinataires inconnus de l'organisation est dépassé\u{a0}: {} refusés comme inconnus au cours de la dernière heure, en provenance de {}. Jusqu'à ce que l'heure soit écoulée, ces sources reçoivent des réponses temporaires 450 4.7.1. L'alerte est ouverte depuis le {}.",
                recipients(refused),
                sources.join(", "),
                self.time(opened_at)
            ),
            AlertSituation::LostBodies {
                connector,
                lost,
                opened_at,
            } => format!(
                "Des messages acceptés pour {} ont été perdus par le stockage\u{a0}: {} n'avaient plus de corps et ont été renvoyés à leurs expéditeurs. L'alerte est ouverte depuis le {}.",
                route(connector),
                lost,
                self.time(opened_at)
            ),
            AlertSituation::LostBodiesOver {
                connector,
                opened_at,
                resolved_at,
            } => format!(
                "Plus aucun corps de message perdu pour {}\u{a0}: l'alerte ouverte le {} a été résolue le {}.",
                route(connector),
                self.time(opened_at),
                self.time(resolved_at)
            ),
            AlertSituation::WithinQuota {
                opened_at,
                resolved_at,
            } => format!(
                "Les destinataires inconnus sont de nouveau sous le quota de l'organisation\u{a0}: l'alerte ouverte le {} a été résolue le {}.",
                self.time(opened_at),
                self.time(resolved_at)
            ),
        }
    }

    fn alert_subject(&self, id: i64, situation: &AlertSituation, code: &str) -> String {
        let what = match *situation {
            AlertSituation::Backlog { connector, .. } => {
                format!("le courrier s'accumule {}", route(connector))
            }
            AlertSituation::Drained { connector, .. } => {
                format!("la file d'attente {} s'est résorbée", of_route(connector))
            }
            AlertSituation::UnknownRecipients { .. } => {
                "trop de messages pour des destinataires inconnus".to_string()
            }
            AlertSituation::LostBodies { connector, .. } => format!(
                "corps de messages perdus par le stockage ({})",
                route(connector)
            ),
            AlertSituation::LostBodiesOver { connector, .. } => {
                format!("plus de corps de messages perdus ({})", route(connector))
            }
            AlertSituation::WithinQuota { .. } => {
                "destinataires inconnus de nouveau sous le quota".to_string()
            }
        };
        format!("[mailflow] alerte {id}\u{a0}: {what} ({code})")
    }

    fn alert_closing(&self, id: i64, open: bool) -> String {
        if open {
            format!(
                "L'analyse du connecteur (mailflow insights) indique les corrections applicables. Le courrier en file d'attente est retenté jusqu'à son expiration. Pour prendre en compte l'alerte {id}\u{a0}: mailflow alerts ack {id}"
            )
        } else {
            format!(
                "Plus rien à faire\u{a0}: l'alerte {id} reste dans la liste des alertes résolues."
            )
        }
    }

    fn alert_label(&self, label: AlertLabel) -> &'static str {
        match label {
            AlertLabel::Connector => "Connecteur",
            AlertLabel::Code => "Code d'état",
            AlertLabel::LastError => "Dernière erreur",
            AlertLabel::ServerTried => "Serveur contacté",
            AlertLabel::RecipientsQueued => "Destinataires en attente",
            AlertLabel::WaitingTooLong => "En attente depuis trop longtemps",
            AlertLabel::OldestReceived => "Plus ancien reçu le",
            AlertLabel::AlertOpened => "Alerte ouverte le",
            AlertLabel::LikelyCauses => "Causes probables",
            AlertLabel::WhatToDo => "Que faire",
        }
    }
}

/// "sur le connecteur onprem", "en remise directe par MX".
fn route(connector: Option<&str>) -> String {
    connector.map_or_else(
        || "en remise directe par MX".to_string(),
        |name| format!("sur le connecteur {name}"),
    )
}

/// "du connecteur onprem", "de la remise directe par MX".
fn of_route(connector: Option<&str>) -> String {
    connector.map_or_else(
        || "de la remise directe par MX".to_string(),
        |name| format!("du connecteur {name}"),
    )
}

fn recipients(n: u64) -> String {
    match n {
        0 | 1 => format!("{n}\u{a0}destinataire"),
        n => format!("{n}\u{a0}destinataires"),
    }
}

type Lines = &'static [&'static str];

fn advice(topic: Topic) -> (Lines, Lines) {
    match topic {
        Topic::DnsFailed => (
            &[
                "Le nom de l'hôte relais (ou de l'hôte MX du domaine) est mal orthographié ou n'existe plus dans le DNS.",
                "Les serveurs DNS de ce nœud sont injoignables, ou répondent SERVFAIL ou REFUSED.",
                "Le nom existe mais n'a aucun enregistrement d'adresse (A/AAAA).",
            ],
            &[
                "Comparez le nom figurant dans les hôtes relais du connecteur avec le détail de l'erreur.",
                "Interrogez ce nom depuis ce nœud, auprès des serveurs DNS qu'il utilise.",
                "Corrigez les enregistrements DNS, ou indiquez au connecteur l'adresse IP du serveur.",
            ],
        ),
        Topic::ConnectTimedOut => (
            &[
                "Le serveur est arrêté ou injoignable depuis ce nœud.",
                "Un pare-feu bloque les connexions vers le port SMTP.",
                "Le connecteur vise une mauvaise adresse ou un mauvais port.",
            ],
            &[
                "Vérifiez que le serveur fonctionne et qu'il est joignable depuis ce nœud sur ce port.",
                "Vérifiez les pare-feu entre ce nœud et le serveur.",
                "Si le serveur sur site a été retiré, cessez de lui relayer le courrier (correction\u{a0}: stop-relaying).",
            ],
        ),
        Topic::ConnectionRefused => (
            &[
                "Aucun service de messagerie n'écoute à cette adresse et sur ce port\u{a0}: il est arrêté ou a été déplacé.",
                "Le port du connecteur est erroné.",
            ],
            &[
                "Démarrez le service SMTP du serveur, ou corrigez l'hôte relais et le port du connecteur.",
                "Si le serveur sur site a été retiré, cessez de lui relayer le courrier (correction\u{a0}: stop-relaying).",
                "D'ici là, le courrier attend et est retenté\u{a0}; rien n'est perdu avant l'expiration.",
            ],
        ),
        Topic::ServerRefuses => (
            &[
                "Le serveur est surchargé, en maintenance, ou refuse l'adresse de ce relais.",
                "Le serveur rejette le nom que ce relais annonce dans EHLO.",
            ],
            &[
                "Lisez la réponse du serveur dans la dernière erreur, ainsi que les journaux du serveur.",
                "Autorisez l'adresse de ce relais sur le serveur si elle y est refusée.",
            ],
        ),
        Topic::StartTlsMissing => (
            &[
                "Le connecteur exige TLS et le serveur ne propose pas STARTTLS (ou le refuse).",
                "Un équipement entre le relais et le serveur retire STARTTLS de la réponse du serveur.",
            ],
            &[
                "Activez STARTTLS sur le serveur.",
                "Ou laissez le connecteur remettre le courrier sans TLS (correction\u{a0}: allow-without-tls)\u{a0}; c'est un compromis sur la sécurité.",
            ],
        ),
        Topic::TlsHandshakeFailed => (
            &[
                "Le serveur et le relais n'ont aucune version de TLS ni aucun algorithme de chiffrement en commun.",
            ],
            &[
                "Mettez à jour la configuration TLS du serveur pour proposer TLS 1.2 ou plus récent, avec des algorithmes actuels.",
            ],
        ),
        Topic::ConnectionDropped => (
            &[
                "Le serveur ferme ou réinitialise les connexions\u{a0}: il a planté, atteint une limite de connexions ou dépassé un délai.",
                "Un pare-feu ou un répartiteur de charge intermédiaire coupe la connexion.",
            ],
            &[
                "Consultez les journaux du serveur à l'heure de la dernière erreur.",
                "Réduisez la concurrence du connecteur (max_connections) si le serveur limite les connexions.",
            ],
        ),
        Topic::DroppedAfterFinalDot => (
            &[
                "Le serveur a coupé la connexion après l'envoi du message, avant d'en confirmer la réception.",
            ],
            &[
                "Le message est peut-être arrivé\u{a0}; la nouvelle tentative pourrait le remettre en double.",
                "Consultez les journaux du serveur et sa gestion des messages volumineux ou lents.",
            ],
        ),
        Topic::MessageDropsConnection => (
            &[
                "Le serveur n'accepte pas quelque chose dans ce message\u{a0}: une ligne, un en-tête ou une taille qu'il refuse de lire.",
                "Un filtre de contenu du serveur plante ou abandonne sur ce message.",
            ],
            &[
                "Renvoyez le message à l'expéditeur maintenant (il reçoit un rapport), ou laissez mailflow le faire après ses prochains échecs.",
                "Consultez les journaux du serveur à l'heure de la dernière erreur pour savoir pourquoi il a coupé la connexion.",
            ],
        ),
        Topic::CertificateExpired => (
            &[
                "Le certificat du serveur n'est pas dans sa période de validité (expiré, ou pas encore valide).",
            ],
            &[
                "Renouvelez le certificat du serveur.",
                "Ou cessez de le valider (correction\u{a0}: lower-tls)\u{a0}; c'est un compromis sur la sécurité.",
            ],
        ),
        Topic::CertificateNameMismatch => (
            &[
                "Le certificat ne porte pas le nom de l'hôte auquel le connecteur remet le courrier.",
            ],
            &[
                "Installez un certificat pour ce nom, ou réglez le tls_name du connecteur sur un nom que porte le certificat.",
                "Ou cessez de le valider (correction\u{a0}: lower-tls)\u{a0}; c'est un compromis sur la sécurité.",
            ],
        ),
        Topic::CertificateUntrusted => (
            &[
                "Le certificat est auto-signé ou émis par une autorité de certification à laquelle ce nœud ne fait pas confiance.",
            ],
            &[
                "Installez un certificat émis par une autorité reconnue, ou déclarez l'autorité privée dans les réglages du nœud.",
                "Ou cessez de le valider (correction\u{a0}: lower-tls)\u{a0}; c'est un compromis sur la sécurité.",
            ],
        ),
        Topic::CertificateOther => (
            &["La validation du certificat a échoué (voir le détail)."],
            &[
                "Remplacez le certificat, ou cessez de le valider (correction\u{a0}: lower-tls)\u{a0}; c'est un compromis sur la sécurité.",
            ],
        ),
        Topic::RemoteTransient => (
            &[
                "Le serveur a accepté la connexion mais a différé le courrier\u{a0}: liste grise, limitation de débit, boîte pleine ou problème passager de son côté.",
            ],
            &[
                "Lisez la réponse du serveur dans la dernière erreur\u{a0}; le courrier est retenté selon le calendrier prévu.",
                "Si cela dure, demandez aux administrateurs du serveur ce que signifie sa réponse.",
            ],
        ),
        Topic::RemotePermanent => (
            &[
                "Le serveur a refusé définitivement une partie du courrier (destinataires inconnus, politique de filtrage).",
            ],
            &[
                "Ces messages sont renvoyés à leurs expéditeurs\u{a0}; la réponse du serveur en donne la raison.",
            ],
        ),
        Topic::UnknownRecipients => (
            &[
                "Un expéditeur ou une application écrit à des adresses qui n'existent pas\u{a0}: liste périmée, faute de frappe, ou quelqu'un qui devine des adresses.",
                "Il manque à l'annuaire des boîtes aux lettres qui existent bel et bien.",
            ],
            &[
                "Examinez les sources citées dans l'alerte et arrêtez ce qui envoie depuis celles-ci si ce n'est pas légitime.",
                "Ajoutez à l'annuaire les boîtes manquantes, ou relevez invalid_recipient_quota si ce trafic est légitime.",
            ],
        ),
        Topic::LostBodies => (
            &[
                "Un autre processus a ouvert le répertoire de données du nœud et supprimé ses fichiers de spool\u{a0}: un mailflow sans le verrou du répertoire, un second nœud sur le même répertoire, ou un script de nettoyage.",
                "Le disque ou le système de fichiers a perdu ou abîmé les fichiers de spool.",
            ],
            &[
                "Trouvez ce qui touche aussi au répertoire de données (autres processus mailflow, scripts, sauvegardes qui restaurent ou purgent) et arrêtez-le.",
                "Vérifiez le disque et le système de fichiers.",
                "Les expéditeurs ont reçu des avis de non-remise\u{a0}; la trace de chaque message le mentionne s'ils le demandent.",
            ],
        ),
        Topic::NotTriedYet => (
            &[
                "Du courrier attend mais aucune tentative n'a encore échoué\u{a0}: le connecteur est désactivé ou suspendu, ou sa prochaine tentative n'est pas encore venue.",
            ],
            &[
                "Vérifiez que le connecteur est activé et non suspendu, puis relancez sa file d'attente si besoin.",
            ],
        ),
        Topic::Other => (
            &["Voir le détail de la dernière erreur."],
            &["Consultez les journaux du nœud autour de l'heure de la dernière erreur."],
        ),
    }
}
