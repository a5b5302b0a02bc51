//! Whether the node takes work: running, or draining for an operator.
//!
//! Draining is asked through the store (see `heartbeat`), so that any
//! node's API can drain any node. From then on the SMTP listeners turn new
//! clients away with `421 4.3.2` and the scheduler and its hop workers
//! claim nothing more; deliveries under way finish, and once the last has
//! the scheduler gives back what the node still holds and the node is
//! `drained`. Resuming undoes all of it.

use mailflow_receive::Receiver;
use mailflow_store::NodeState;
use std::sync::Arc;
use tokio::sync::watch;

pub(crate) struct Availability {
    state: watch::Sender<NodeState>,
    receiver: Arc<Receiver>,
}

impl Availability {
    pub fn new(receiver: Arc<Receiver>) -> Availability {
        Availability {
            state: watch::Sender::new(NodeState::Running),
            receiver,
        }
    }

    pub fn state(&self) -> NodeState {
        *self.state.borrow()
    }

    /// Changes as the node drains and resumes.
    pub fn watch(&self) -> watch::Receiver<NodeState> {
        self.state.subscribe()
    }

    /// Whether the scheduler and hop workers may claim work.
    pub fn taking_work(&self) -> bool {
        self.state() == NodeState::Running
    }

    /// Stops taking new work; a node draining or drained already stays so.
    pub fn drain(&self) {
        self.receiver.set_draining(true);
        self.state.send_if_modified(|state| match state {
            NodeState::Running => {
                *state = NodeState::Draining;
                true
            }
            _ => false,
        });
    }

    /// The scheduler found nothing left in flight: draining is done.
    pub fn drained(&self) {
        self.state.send_if_modified(|state| match state {
            NodeState::Draining => {
                *state = NodeState::Drained;
                true
            }
            _ => false,
        });
    }

    /// Takes work again.
    pub fn resume(&self) {
        self.receiver.set_draining(false);
        self.state.send_if_modified(|state| match state {
            NodeState::Running => false,
            _ => {
                *state = NodeState::Running;
                true
            }
        });
    }
}
