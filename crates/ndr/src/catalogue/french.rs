//! The French words of reports.
//!
//! French typography puts a no-break space (`\u{a0}`) before a colon and
//! inside guillemets; the layout never breaks a line there.

mod admin;
mod operations;

use super::{Catalogue, Label, Situation, lowercase_first};
use crate::advice::{Actor, ConnectorProblem, Remedy};
use crate::report::{ReportKind, Returned};
use mailflow_core::Category;
use time::{Duration, OffsetDateTime, UtcOffset};

pub(super) struct French;

const MONTHS: [&str; 12] = [
    "janvier",
    "février",
    "mars",
    "avril",
    "mai",
    "juin",
    "juillet",
    "août",
    "septembre",
    "octobre",
    "novembre",
    "décembre",
];

impl Catalogue for French {
    fn daemon_name(&self) -> &'static str {
        "Système de remise du courrier"
    }

    fn subject(&self, kind: ReportKind, original_subject: Option<&str>) -> String {
        let subject = original_subject.unwrap_or("(sans objet)");
        match kind {
            ReportKind::Failure => format!("Non distribué : {subject}"),
            ReportKind::Delay => format!("Distribution retardée : {subject}"),
        }
    }

    fn label(&self, label: Label) -> &'static str {
        match label {
            Label::OriginalSubject => "Objet",
            Label::OriginalSent => "Reçu par le relais",
            Label::NoSubject => "(sans objet)",
            Label::Recipient => "Destinataire",
            Label::OriginalRecipient => "Destinataire d'origine",
            Label::WhatHappened => "Ce qui s'est passé",
            Label::Why => "Pourquoi",
            Label::WhoMustAct => "Qui doit agir",
            Label::WhatToDo => "Que faire",
            Label::ForAdministrators => "Pour les administrateurs",
            Label::ReportingServer => "Serveur auteur du rapport",
            Label::QueueId => "Identifiant dans la file d'attente",
            Label::MessageId => "Message-ID",
            Label::EnvelopeId => "Identifiant d'enveloppe",
            Label::Status => "Code d'état",
            Label::Category => "Catégorie",
            Label::Detail => "Détail",
            Label::LastErrorCategory => "Catégorie de la dernière erreur",
            Label::ServerReply => "Code de diagnostic",
            Label::Connector => "Connecteur",
            Label::RemoteServer => "Serveur distant",
            Label::Attempts => "Tentatives",
            Label::LastAttempt => "Dernière tentative",
            Label::WillRetryUntil => "Fin des tentatives",
            Label::History => "Tentatives récentes",
        }
    }

    fn field_separator(&self) -> &'static str {
        "\u{a0}: "
    }

    fn sentence_separator(&self) -> &'static str {
        " "
    }

    /// "1er mars 2025 à 08:00 (UTC)".
    fn time(&self, at: OffsetDateTime) -> String {
        let at = at.to_offset(UtcOffset::UTC);
        let day = match at.day() {
            1 => "1er".to_string(),
            day => day.to_string(),
        };
        format!(
            "{day} {} {} à {:02}:{:02} (UTC)",
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
            (0, minutes) => count(minutes, "minute"),
            (hours, 0) => count(hours, "heure"),
            (hours, minutes) => {
                format!("{} et {}", count(hours, "heure"), count(minutes, "minute"))
            }
        }
    }

    fn opening(&self, kind: ReportKind) -> &'static str {
        match kind {
            ReportKind::Failure => {
                "Votre message n'a pas pu être remis aux destinataires ci-dessous. \
                 Il ne fera l'objet d'aucune nouvelle tentative."
            }
            ReportKind::Delay => {
                "Votre message n'a pas encore pu être remis aux destinataires ci-dessous. \
                 Ceci n'est qu'un avis\u{a0}: le message reste en file d'attente et la \
                 distribution se poursuit."
            }
        }
    }

    fn still_trying(&self, until: Option<OffsetDateTime>) -> String {
        let until = match until {
            Some(until) => format!("jusqu'au {}", self.time(until)),
            None => "encore quelque temps".to_string(),
        };
        format!(
            "Le relais continuera d'essayer {until}. Inutile de renvoyer le message. \
             S'il ne peut toujours pas être remis d'ici là, vous recevrez un nouveau rapport."
        )
    }

    fn what_happened(&self, situation: Situation) -> String {
        match situation {
            Situation::Refused => "Non remis. Aucune nouvelle tentative ne sera faite.".to_string(),
            Situation::Expired {
                tried_for,
                attempts,
            } => format!(
                "Non remis. Le relais a essayé pendant {} ({}), puis a abandonné.",
                self.duration(tried_for),
                count(i64::from(attempts), "tentative")
            ),
            Situation::StillTrying { attempts } => format!(
                "Pas encore remis après {}. Le relais continue d'essayer.",
                count(i64::from(attempts), "tentative")
            ),
        }
    }

    fn explanation(&self, category: Category) -> &'static str {
        explanation(category)
    }

    fn last_error_because(&self, explanation: &str) -> String {
        format!(
            "La dernière tentative a échoué pour la raison suivante\u{a0}: {}",
            lowercase_first(explanation)
        )
    }

    fn server_said(&self, reply: &str) -> String {
        format!("Réponse du serveur\u{a0}: «\u{a0}{reply}\u{a0}»")
    }

    fn actor(&self, actor: Actor, reporting_mta: &str) -> String {
        match actor {
            Actor::Sender => "Vous, en tant qu'expéditeur.".to_string(),
            Actor::RecipientAdministrators => {
                "Les administrateurs du système de messagerie du destinataire.".to_string()
            }
            Actor::RelayAdministrators => {
                format!("Les administrateurs de ce relais de messagerie ({reporting_mta}).")
            }
        }
    }

    fn remedy(&self, remedy: &Remedy) -> String {
        match remedy {
            Remedy::FixConnector { connector, problem } => format!(
                "Le connecteur «\u{a0}{connector}\u{a0}» du relais ne parvient pas à remettre \
                 le courrier\u{a0}: {} Transmettez ce rapport aux administrateurs du relais. \
                 Votre message n'est pas en cause.",
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
            Returned::Headers => "Les en-têtes de votre message sont joints.",
            Returned::FullMessage => "Votre message est joint.",
            Returned::HeadersBecauseTooLarge => {
                "Votre message était trop volumineux pour être renvoyé en entier. \
                 Ses en-têtes sont joints."
            }
        }
    }
}

/// "1 heure", "24 heures": in French, 0 and 1 take the singular.
fn count(n: i64, unit: &str) -> String {
    if n <= 1 {
        format!("{n} {unit}")
    } else {
        format!("{n} {unit}s")
    }
}

fn explanation(category: Category) -> &'static str {
    match category {
        Category::DnsQueryFailed => {
            "Le nom du serveur qui doit recevoir le message n'a pas pu être trouvé dans le \
             DNS\u{a0}: le relais ne savait donc pas où l'envoyer."
        }
        Category::ConnectionTimedOut => {
            "Le serveur de destination n'a pas répondu lorsque le relais a tenté de s'y \
             connecter. Il est peut-être arrêté, ou un pare-feu bloque la connexion."
        }
        Category::ConnectionRefused => {
            "Le serveur de destination a refusé la connexion\u{a0}: aucun service de \
             messagerie n'y est à l'écoute, ou ce service est arrêté."
        }
        Category::RemoteServerError => {
            "Le relais a bien joint le serveur de destination, mais celui-ci a indiqué ne pas \
             pouvoir accepter de courrier, ou la connexion sécurisée (TLS) exigée n'a pas pu \
             être établie."
        }
        Category::ConnectionDropped => {
            "La connexion avec le serveur de destination a été interrompue en cours d'échange."
        }
        Category::CertificateInvalid => {
            "Le certificat de sécurité du serveur de destination n'est pas valide (par exemple \
             expiré, établi pour un autre nom ou délivré par une autorité non reconnue), alors \
             que cette route exige un certificat valide."
        }
        Category::RemoteTransient => {
            "Le serveur de destination a refusé le message pour le moment."
        }
        Category::RemotePermanent => "Le serveur de destination a refusé le message.",
        Category::Expired => {
            "Le message n'a pas pu être remis dans le délai pendant lequel le relais \
             renouvelle ses tentatives."
        }
        Category::LoopDetected => {
            "Le message a circulé trop de fois entre des serveurs de messagerie, comme dans \
             une boucle, et a été arrêté."
        }
        Category::RecipientNotFound => {
            "Cette adresse n'existe pas dans l'organisation du destinataire."
        }
        Category::DomainNotFound => "Le domaine de l'adresse n'existe pas.",
        Category::NullMx => "Le domaine de l'adresse a déclaré qu'il ne reçoit aucun courrier.",
        Category::LocalError => {
            "Le relais a rencontré un problème interne lors du traitement du message."
        }
    }
}

fn fixed_remedy(remedy: &Remedy) -> &'static str {
    match remedy {
        Remedy::CheckAddress => {
            "Vérifiez que l'adresse ne comporte pas de faute de frappe, puis renvoyez le \
             message. Si l'adresse est correcte, la boîte aux lettres n'existe peut-être \
             plus\u{a0}: demandez au destinataire son adresse actuelle par un autre moyen."
        }
        Remedy::CheckDomain => {
            "Vérifiez la partie de l'adresse qui suit le @, puis renvoyez le message. Si elle \
             est correcte, ce domaine ne reçoit pas de courrier électronique\u{a0}: contactez \
             le destinataire par un autre moyen."
        }
        Remedy::SendSmaller => {
            "Le message est trop volumineux pour le serveur du destinataire. Réduisez sa \
             taille, par exemple en partageant les fichiers volumineux au moyen d'un lien, \
             puis renvoyez-le."
        }
        Remedy::AskRecipientToAllow => {
            "Le serveur du destinataire a refusé le message en vertu de ses propres règles \
             (par exemple parce qu'il le soupçonne d'être indésirable, ou parce que \
             l'expéditeur n'est pas autorisé). Contactez le destinataire par un autre moyen \
             et demandez à ses administrateurs d'accepter vos messages, en leur montrant ce \
             rapport."
        }
        Remedy::RecipientMakesRoom => {
            "La boîte aux lettres du destinataire est pleine. Le destinataire ou ses \
             administrateurs doivent libérer de l'espace. Renvoyez ensuite le message."
        }
        Remedy::FixRemoteServer => {
            "Les administrateurs du serveur de messagerie du destinataire doivent corriger le \
             problème. Votre message n'est pas en cause. Si la situation persiste, contactez \
             le destinataire par un autre moyen et montrez-lui ce rapport."
        }
        Remedy::FixRemoteDns => {
            "Les administrateurs du domaine du destinataire doivent corriger ses \
             enregistrements DNS (MX, A ou AAAA) afin que le courrier puisse trouver son \
             serveur."
        }
        Remedy::FixRemoteCertificate => {
            "Les administrateurs du serveur de messagerie du destinataire doivent installer \
             un certificat valide."
        }
        Remedy::BreakLoop => {
            "Les administrateurs du relais doivent corriger le routage qui fait tourner ce \
             message en boucle. Transmettez-leur ce rapport."
        }
        Remedy::CheckRelay => {
            "Les administrateurs du relais doivent examiner le problème décrit ci-dessous. \
             Transmettez-leur ce rapport."
        }
        Remedy::FixConnector { .. } => {
            "Les administrateurs du relais doivent corriger le connecteur par lequel passe ce \
             message. Transmettez-leur ce rapport."
        }
    }
}

fn connector_problem(problem: ConnectorProblem) -> &'static str {
    match problem {
        ConnectorProblem::NameDoesNotResolve => {
            "le nom du serveur auquel il remet le courrier est introuvable dans le DNS. Ce \
             nom ou ses enregistrements DNS doivent être corrigés."
        }
        ConnectorProblem::ServerUnreachable => {
            "le serveur auquel il remet le courrier n'accepte pas les connexions. Ce serveur \
             doit être démarré, à l'écoute du courrier et joignable à travers les pare-feu."
        }
        ConnectorProblem::ServerRefuses => {
            "le serveur auquel il remet le courrier refuse de le prendre. Il faut vérifier \
             l'état de ce serveur et ses journaux."
        }
        ConnectorProblem::ConnectionDrops => {
            "la connexion avec son serveur s'interrompt en cours d'échange. Il faut vérifier \
             ce serveur et le réseau qui l'en sépare."
        }
        ConnectorProblem::TlsUnavailable => {
            "la connexion sécurisée (TLS) que le connecteur exige n'a pas pu être établie avec \
             son serveur. Il faut activer STARTTLS sur ce serveur, ou modifier la stratégie TLS \
             du connecteur."
        }
        ConnectorProblem::CertificateInvalid => {
            "le certificat de son serveur ne satisfait pas à la stratégie TLS du connecteur. \
             Il faut renouveler ou remplacer le certificat, ou modifier la stratégie."
        }
    }
}
