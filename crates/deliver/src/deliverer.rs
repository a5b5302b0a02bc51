//! `Deliverer`: one next hop, many messages. It resolves the target, tries
//! each address in order, carries the messages over the first session that
//! opens (one after another, RSET after a failed transaction), moves the
//! rest to the next address when a session breaks (to a new session with
//! the same address when a message broke it during its data), and gives
//! the messages no address took the diagnosis of the address that got
//! furthest.

use crate::attempt_log::{AttemptLog, target_name};
use crate::candidates::{Candidate, candidates};
use crate::dns::{NextHopResolver, ResolverSetupError};
use crate::memory::DeliveryMemory;
use crate::session::{Session, SessionParams, open_session};
use crate::tls::{TlsSetup, TrustedCaError};
use crate::transfer::transfer;
use crate::{
    DeliveryReport, DeliverySettings, NextHopPlan, OutboundMessage, RecipientOutcome, Settled,
};
use mailflow_core::{AddressResult, Diagnosis, Stage};
use std::collections::VecDeque;
use std::net::SocketAddr;
use std::sync::Arc;
use std::time::Instant;
use tokio::sync::mpsc;

/// Why a `Deliverer` could not be built.
#[derive(Debug, thiserror::Error)]
pub enum DeliverySetupError {
    #[error("DNS resolver: {0}")]
    Resolver(ResolverSetupError),
    #[error(transparent)]
    TrustedCa(#[from] TrustedCaError),
}

pub struct Deliverer {
    settings: DeliverySettings,
    resolver: NextHopResolver,
    tls: TlsSetup,
    /// Shared by every delivery this deliverer runs (one per node).
    memory: Arc<DeliveryMemory>,
}

/// Per-message outcomes filled in as messages are settled.
struct Progress<'a> {
    messages: &'a [OutboundMessage],
    pending: VecDeque<usize>,
    outcomes: Vec<Option<Vec<RecipientOutcome>>>,
}

impl Progress<'_> {
    fn settle(&mut self, index: usize, outcomes: Vec<RecipientOutcome>) {
        self.outcomes[index] = Some(outcomes);
    }

    fn fail_message(&mut self, index: usize, diagnosis: &Diagnosis, server: &str) {
        let failed = RecipientOutcome::Failed {
            diagnosis: diagnosis.clone(),
            server: Some(server.to_string()),
        };
        let count = self.messages[index].recipients.len();
        self.settle(index, vec![failed; count]);
    }
}

impl Deliverer {
    pub fn new(settings: DeliverySettings) -> Result<Self, DeliverySetupError> {
        let resolver = NextHopResolver::new(&settings).map_err(DeliverySetupError::Resolver)?;
        let tls = TlsSetup::new(settings.trusted_ca_file.as_deref())?;
        let memory = DeliveryMemory::new(settings.max_delivery_memory);
        Ok(Deliverer {
            settings,
            resolver,
            tls,
            memory,
        })
    }

    /// A deliverer with new settings (a config reload): its resolver and
    /// TLS set-up are built from them, reading the trusted CA file again;
    /// the memory budget stays this one's, shared with the deliveries
    /// still running on it (`max_delivery_memory` is not changed here).
    pub fn with_settings(&self, settings: DeliverySettings) -> Result<Self, DeliverySetupError> {
        let resolver = NextHopResolver::new(&settings).map_err(DeliverySetupError::Resolver)?;
        let tls = TlsSetup::new(settings.trusted_ca_file.as_deref())?;
        Ok(Deliverer {
            settings,
            resolver,
            tls,
            memory: self.memory.clone(),
        })
    }

    /// The budget the deliveries' bodies are held under.
    pub fn memory(&self) -> &DeliveryMemory {
        &self.memory
    }

    pub async fn deliver(
        &self,
        plan: &NextHopPlan,
        messages: &[OutboundMessage],
    ) -> DeliveryReport {
        self.deliver_reporting(plan, messages, None).await
    }

    /// As `deliver`, and each message whose transaction ends inside a
    /// session is also sent to `settled` at that moment.
    pub async fn deliver_reporting(
        &self,
        plan: &NextHopPlan,
        messages: &[OutboundMessage],
        settled: Option<&mpsc::UnboundedSender<Settled>>,
    ) -> DeliveryReport {
        let mut progress = Progress {
            messages,
            pending: (0..messages.len()).collect(),
            outcomes: vec![None; messages.len()],
        };
        let mut log = AttemptLog::default();
        let started = Instant::now();
        let params = self.session_params(plan);
        for candidate in self.candidates_of(plan).await {
            // A session that one message broke during its data goes on with
            // a new connection to the same address for the messages after
            // it. Each time, that message is settled, so this ends.
            loop {
                if progress.pending.is_empty() {
                    break;
                }
                let reporter = Reporter {
                    settled,
                    earlier: log.addresses().to_vec(),
                    host: candidate.host().to_string(),
                    began: Instant::now(),
                };
                let memory = &*self.memory;
                let carry_pending = async |session, addr| {
                    carry(session, addr, &mut progress, &reporter, memory).await
                };
                let result = self
                    .try_candidate(candidate.clone(), &params, started, carry_pending)
                    .await;
                let message_broke_it = result
                    .diagnosis
                    .as_ref()
                    .is_some_and(Diagnosis::is_data_stage_drop);
                log.record(result);
                if !message_broke_it {
                    break;
                }
            }
        }
        let (addresses, (diagnosis, server)) = log.finish(&plan.target);
        while let Some(index) = progress.pending.pop_front() {
            progress.fail_message(index, &diagnosis, &server);
        }
        let messages = progress
            .outcomes
            .into_iter()
            .map(Option::unwrap_or_default)
            .collect();
        DeliveryReport {
            addresses,
            messages,
        }
    }

    /// The addresses of the plan's target in the order they are tried; a
    /// target that could not be resolved at all is one DNS failure.
    pub(crate) async fn candidates_of(&self, plan: &NextHopPlan) -> Vec<Candidate> {
        let resolved = self
            .resolver
            .resolve(&plan.target, self.settings.mx_port, plan.through_connector)
            .await;
        match resolved {
            Ok(hosts) => candidates(hosts),
            Err(diagnosis) => vec![Candidate::Unresolved {
                host: target_name(&plan.target),
                diagnosis,
            }],
        }
    }

    pub(crate) fn session_params<'a>(&'a self, plan: &'a NextHopPlan) -> PlanParams<'a> {
        PlanParams {
            plan,
            deliverer: self,
        }
    }

    /// One address: sets the session up under the plan's TLS policy and
    /// hands it to `use_session`, which says how far it got and why it
    /// ended, if it broke. `started` is when the next hop's attempt began
    /// (the time an unresolved host is charged with).
    pub(crate) async fn try_candidate(
        &self,
        candidate: Candidate,
        params: &PlanParams<'_>,
        started: Instant,
        use_session: impl AsyncFnOnce(Session, SocketAddr) -> (Stage, Option<Diagnosis>),
    ) -> AddressResult {
        let (host, addr) = match candidate {
            Candidate::Unresolved { host, diagnosis } => {
                let elapsed_ms = elapsed_ms(started);
                return AddressResult {
                    host,
                    addr: None,
                    stage: Stage::Dns,
                    diagnosis: Some(diagnosis),
                    elapsed_ms,
                };
            }
            Candidate::Address { host, addr } => (host, addr),
        };
        let began = Instant::now();
        let session_params = params.for_host(&host);
        let (stage, diagnosis) = match open_session(&session_params, addr).await {
            Err(failure) => (failure.stage, Some(failure.diagnosis)),
            Ok(session) => use_session(session, addr).await,
        };
        AddressResult {
            host,
            addr: Some(addr),
            stage,
            diagnosis,
            elapsed_ms: elapsed_ms(began),
        }
    }
}

/// The plan's view of the node settings.
pub(crate) struct PlanParams<'a> {
    plan: &'a NextHopPlan,
    deliverer: &'a Deliverer,
}

impl PlanParams<'_> {
    fn for_host<'h>(&'h self, host: &'h str) -> SessionParams<'h> {
        let settings = &self.deliverer.settings;
        SessionParams {
            hostname: &settings.hostname,
            tls: &self.deliverer.tls,
            policy: self.plan.tls,
            tls_name: self.plan.tls_name.as_deref().unwrap_or(host),
            connect_timeout: self
                .plan
                .connect_timeout
                .unwrap_or(settings.connect_timeout),
            command_timeout: self
                .plan
                .command_timeout
                .unwrap_or(settings.command_timeout),
        }
    }
}

/// Carries pending messages over one session until they are all settled or
/// the session breaks; returns how far it got and why it ended, if it broke.
async fn carry(
    mut session: Session,
    addr: SocketAddr,
    progress: &mut Progress<'_>,
    reporter: &Reporter<'_>,
    memory: &DeliveryMemory,
) -> (Stage, Option<Diagnosis>) {
    let server = addr.to_string();
    let mut stage = session.stage;
    while let Some(index) = progress.pending.pop_front() {
        match transfer(&mut session, &progress.messages[index], &server, memory).await {
            Ok(answered) => {
                stage = stage.max(answered.stage);
                reporter.settled(index, &answered.outcomes, addr, answered.stage);
                progress.settle(index, answered.outcomes);
                if !answered.accepted
                    && let Err(error) = session.client.rset().await
                {
                    return (stage, Some(crate::diagnose::transaction_failure(&error)));
                }
            }
            Err(broke) => {
                progress.fail_message(index, &broke.diagnosis, &server);
                return (stage.max(broke.stage), Some(broke.diagnosis));
            }
        }
    }
    session.client.quit().await;
    (stage, None)
}

/// Tells the caller of `deliver_reporting` of each transaction that ended.
struct Reporter<'a> {
    settled: Option<&'a mpsc::UnboundedSender<Settled>>,
    /// The addresses tried before this session's.
    earlier: Vec<AddressResult>,
    host: String,
    began: Instant,
}

impl Reporter<'_> {
    fn settled(&self, index: usize, outcomes: &[RecipientOutcome], addr: SocketAddr, stage: Stage) {
        let Some(settled) = self.settled else {
            return;
        };
        let mut addresses = self.earlier.clone();
        addresses.push(AddressResult {
            host: self.host.clone(),
            addr: Some(addr),
            stage,
            diagnosis: None,
            elapsed_ms: elapsed_ms(self.began),
        });
        // The receiver may have stopped listening; the report still has it.
        let _ = settled.send(Settled {
            index,
            outcomes: outcomes.to_vec(),
            addresses,
        });
    }
}

fn elapsed_ms(since: Instant) -> u64 {
    u64::try_from(since.elapsed().as_millis()).unwrap_or(u64::MAX)
}
