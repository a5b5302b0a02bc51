//! Turning what the SMTP client saw into the one diagnosis type: a broken
//! connection becomes `4.4.318` with the stage it broke at, an error greeting
//! or a refused EHLO `4.4.317`, a refused MAIL, RCPT or DATA the server's own
//! reply.

use mailflow_core::{
    Diagnosis, DropKind, DropStage, EnhancedCode, RemoteReply, ServerRefusal, Stage,
};
use mailflow_smtp::client::{Broken, ClientError, Step};

/// The conversation stage a client step belongs to.
pub(crate) fn stage_of(step: Step) -> Stage {
    match step {
        Step::Greeting => Stage::Greeting,
        Step::Ehlo => Stage::Ehlo,
        Step::StartTls => Stage::StartTls,
        Step::Mail | Step::Rset | Step::Quit => Stage::Mail,
        Step::Rcpt => Stage::Rcpt,
        Step::Data | Step::Body | Step::FinalReply => Stage::Data,
    }
}

/// Where the connection broke when it broke at `step`: named after the last
/// step the server completed (no reply to MAIL is a drop after EHLO).
fn drop_stage(step: Step) -> DropStage {
    match step {
        Step::Greeting => DropStage::BeforeGreeting,
        Step::Ehlo => DropStage::AfterGreeting,
        Step::StartTls | Step::Mail | Step::Rset | Step::Quit => DropStage::AfterEhlo,
        Step::Rcpt => DropStage::AfterMail,
        Step::Data => DropStage::AfterRcpt,
        Step::Body => DropStage::DuringData,
        Step::FinalReply => DropStage::AfterFinalDot,
    }
}

/// The diagnosis of a broken connection; `at` overrides the stage the step
/// alone would give (e.g. the EHLO after STARTTLS).
pub(crate) fn broken(step: Step, how: &Broken, at: Option<DropStage>) -> Diagnosis {
    let stage = at.unwrap_or_else(|| drop_stage(step));
    let how = match how {
        Broken::Closed => DropKind::Closed,
        Broken::Reset | Broken::Io { .. } => DropKind::Reset,
        Broken::TimedOut => DropKind::NoReply,
        Broken::Malformed { reason } => return not_smtp(step, reason),
    };
    Diagnosis::ConnectionDropped { stage, how }
}

/// A server that does not speak SMTP: RFC 3463 "other protocol status".
fn not_smtp(step: Step, reason: &str) -> Diagnosis {
    Diagnosis::Local {
        reply_code: 450,
        code: EnhancedCode(4, 5, 0),
        detail: format!(
            "the server's answer at {} is not SMTP: {reason}",
            stage_of(step).as_str()
        ),
    }
}

/// The diagnosis of a failure while setting the session up.
pub(crate) fn setup_failure(error: &ClientError, after_tls: bool) -> Diagnosis {
    let at = after_tls.then_some(DropStage::AfterEhlo);
    match error {
        ClientError::Broken { step, how } => broken(*step, how, at),
        ClientError::Rejected { step, reply } => refusal(*step, reply.clone()),
        ClientError::BodyUnreadable { reason } => body_unreadable(reason),
    }
}

fn refusal(step: Step, reply: RemoteReply) -> Diagnosis {
    let refusal = match step {
        Step::Greeting => ServerRefusal::Greeting { reply },
        Step::Ehlo => ServerRefusal::Ehlo { reply },
        Step::StartTls => ServerRefusal::StartTlsRefused { reply },
        other => return Diagnosis::from_reply(stage_of(other), reply),
    };
    Diagnosis::RemoteServerError { refusal }
}

/// The diagnosis of a failure during or between transactions.
pub(crate) fn transaction_failure(error: &ClientError) -> Diagnosis {
    match error {
        ClientError::Broken { step, how } => broken(*step, how, None),
        ClientError::Rejected { step, reply } => {
            Diagnosis::from_reply(stage_of(*step), reply.clone())
        }
        ClientError::BodyUnreadable { reason } => body_unreadable(reason),
    }
}

/// The body could not be read from where it is stored: a local, temporary
/// failure (RFC 3463 "other or undefined mail system status"); the server
/// never got a final dot, so it took nothing.
pub(crate) fn body_unreadable(reason: &str) -> Diagnosis {
    Diagnosis::Local {
        reply_code: 451,
        code: EnhancedCode(4, 3, 0),
        detail: format!("the message body could not be read from the queue: {reason}"),
    }
}
