//! One process of a KRaft cluster: a controller, a broker, or both
//! (`process.roles`), as a state machine without I/O like
//! [`super::quorum`], which it wraps.
//!
//! - Every node runs the Raft core: controllers as voters, brokers as
//!   observers. Each applies committed records to its own
//!   [`MetadataImage`], as far as it has read.
//! - The node that leads the quorum is the *active controller*. It keeps a
//!   second image of its whole log, committed or not (Kafka's controller
//!   applies its own records as it appends them), decides from it, and
//!   appends a `NoOpRecord` every `metadata.max.idle.interval.ms`.
//! - A broker registers with the active controller, then heartbeats to it
//!   every `broker.heartbeat.interval.ms` with how far it has applied the
//!   log. The active controller fences a broker it has not heard from for
//!   `broker.session.timeout.ms`; a new active controller gives every
//!   broker a fresh session, as Kafka's does when it takes over.

use super::controller::{
    self, BROKER_HEARTBEAT_INTERVAL_MS, BROKER_SESSION_TIMEOUT_MS, METADATA_MAX_IDLE_INTERVAL_MS,
};
use super::image::MetadataImage;
use super::quorum::{self, NodeId, Role, Timing};
use super::record::MetadataRecord;
use crate::ids::BrokerId;
use crate::time::SimTime;

/// What nodes say to each other: Raft's RPCs, and a broker's to the active
/// controller.
#[derive(Clone, Debug, PartialEq)]
pub enum Wire {
    Raft(quorum::Message),
    /// `BrokerRegistrationRequest`, from a process's `incarnation`.
    Register {
        broker: BrokerId,
        incarnation: u32,
    },
    /// `AlterPartitionRequest`: a partition's leader, in its leader epoch,
    /// asks for a new ISR.
    AlterPartition {
        tp: crate::ids::TopicPartition,
        leader: BrokerId,
        leader_epoch: u32,
        isr: Vec<BrokerId>,
    },
    /// `BrokerHeartbeatRequest`: the broker's image is at `metadata_offset`.
    Heartbeat {
        broker: BrokerId,
        metadata_offset: u64,
        want_shutdown: bool,
    },
}

/// Why a node wakes.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Wake {
    Raft(quorum::Wake),
    /// A broker's heartbeat is due.
    Heartbeat,
    /// The active controller of this epoch looks for expired sessions and
    /// appends a `NoOpRecord` if it has been idle.
    Tick(u32),
}

/// What a node asks its driver to do.
#[derive(Clone, Debug, PartialEq)]
pub enum Out {
    Send { to: NodeId, wire: Wire },
    Wake { at: SimTime, wake: Wake },
}

/// How often the active controller looks for expired sessions.
const TICK_MS: u64 = 100;

/// The settings a node runs with.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Settings {
    pub timing: Timing,
    /// `broker.heartbeat.interval.ms`.
    pub heartbeat_interval_ms: u64,
    /// `broker.session.timeout.ms`.
    pub session_timeout_ms: u64,
    /// `unclean.leader.election.enable`.
    pub unclean: bool,
}

impl Default for Settings {
    fn default() -> Settings {
        Settings {
            timing: Timing::default(),
            heartbeat_interval_ms: BROKER_HEARTBEAT_INTERVAL_MS,
            session_timeout_ms: BROKER_SESSION_TIMEOUT_MS,
            unclean: false,
        }
    }
}

/// The active controller's own state.
#[derive(Clone, Debug)]
pub struct Active {
    /// The cluster as its whole log says, committed or not.
    pub image: MetadataImage,
    /// When it last heard from each broker.
    contact: Vec<(BrokerId, SimTime)>,
    /// When it last appended a record.
    last_append: SimTime,
}

/// One process.
#[derive(Clone, Debug)]
pub struct Node {
    pub raft: quorum::Node,
    /// The broker it is, if it is one.
    pub broker: Option<BrokerId>,
    /// The cluster as the committed records it has applied say.
    pub image: MetadataImage,
    /// While it leads the quorum.
    pub active: Option<Active>,
    /// As a broker: registered in its current incarnation (it has seen its
    /// own registration record).
    pub registered: bool,
    /// Counts process starts.
    pub incarnation: u32,
    /// As a broker: in a controlled shutdown, its heartbeats asking to
    /// shut down (`wantShutDown`).
    pub shutting_down: bool,
    settings: Settings,
}

impl Node {
    pub fn new(
        id: NodeId,
        broker: Option<BrokerId>,
        voters: Vec<NodeId>,
        settings: Settings,
        seed: u64,
    ) -> Node {
        Node {
            raft: quorum::Node::new(id, voters, settings.timing, seed),
            broker,
            image: MetadataImage::default(),
            active: None,
            registered: false,
            incarnation: 0,
            shutting_down: false,
            settings,
        }
    }

    /// A process of a cluster already running when the run starts: the
    /// quorum led by `leader` (see [`quorum::Node::running`]) with
    /// `records` committed (see [`controller::bootstrap`]).
    pub fn running(
        mut self,
        leader: NodeId,
        records: &[MetadataRecord],
        now: SimTime,
    ) -> (Node, Vec<Out>) {
        let (raft, raft_out) = self.raft.running(leader, records, now);
        self.raft = raft;
        self.incarnation = 1;
        let mut out = self.settle(raft_out, now);
        if self.broker.is_some() {
            out.push(Out::Wake {
                at: now,
                wake: Wake::Heartbeat,
            });
        }
        (self, out)
    }

    /// Starts the process, or starts it again after a crash: what it had
    /// in memory (its image, its leadership) is gone; its log is on disk.
    pub fn start(&mut self, now: SimTime) -> Vec<Out> {
        self.image = MetadataImage::default();
        self.active = None;
        self.registered = false;
        self.shutting_down = false;
        self.incarnation += 1;
        let raft = self.raft.start(now);
        let mut out = self.settle(raft, now);
        if self.broker.is_some() {
            out.push(Out::Wake {
                at: now,
                wake: Wake::Heartbeat,
            });
        }
        out
    }

    pub fn on_wire(&mut self, from: NodeId, wire: Wire, now: SimTime) -> Vec<Out> {
        match wire {
            Wire::Raft(message) => {
                let raft = self.raft.on_message(from, message, now);
                self.settle(raft, now)
            }
            Wire::Register {
                broker,
                incarnation,
            } => self.decide(now, |image, offset| {
                controller::register(image, broker, incarnation, offset)
            }),
            Wire::AlterPartition {
                tp,
                leader,
                leader_epoch,
                isr,
            } => self.decide(now, |image, _| {
                controller::alter_partition(image, tp, leader, leader_epoch, isr)
            }),
            Wire::Heartbeat {
                broker,
                metadata_offset,
                want_shutdown,
            } => {
                if let Some(active) = &mut self.active {
                    match active.contact.iter_mut().find(|(b, _)| *b == broker) {
                        Some(contact) => contact.1 = now,
                        None => active.contact.push((broker, now)),
                    }
                }
                let unclean = self.settings.unclean;
                self.decide(now, |image, _| {
                    controller::heartbeat(image, broker, metadata_offset, want_shutdown, unclean)
                })
            }
        }
    }

    pub fn on_wake(&mut self, wake: Wake, now: SimTime) -> Vec<Out> {
        match wake {
            Wake::Raft(wake) => {
                let raft = self.raft.on_wake(wake, now);
                self.settle(raft, now)
            }
            Wake::Heartbeat => self.heartbeat(now),
            Wake::Tick(epoch) if epoch == self.raft.epoch && self.active.is_some() => {
                self.tick(now)
            }
            Wake::Tick(_) => Vec::new(),
        }
    }

    /// As the active controller, creates a topic with the replicas placed
    /// for each partition; refused if it does not lead, or if a
    /// partition has no replica on an unfenced broker.
    pub fn create_topic(
        &mut self,
        name: std::rc::Rc<str>,
        topic: u32,
        placement: &[Vec<BrokerId>],
        now: SimTime,
    ) -> Result<Vec<Out>, String> {
        let active = self.active.as_ref().ok_or("NOT_CONTROLLER")?;
        let records = controller::create_topic(&active.image, name, topic, placement)?;
        Ok(self.decide(now, |_, _| records))
    }

    /// As a broker: begins a controlled shutdown, with a heartbeat that
    /// asks for it at once (as `BrokerLifecycleManager` sends one).
    pub fn begin_shutdown(&mut self, now: SimTime) -> Vec<Out> {
        self.shutting_down = true;
        self.heartbeat_request(now)
    }

    /// As a broker in controlled shutdown: whether the committed log has
    /// fenced it, so that it may stop.
    pub fn may_stop(&self) -> bool {
        let fenced = |b| self.image.broker(b).is_some_and(|r| r.fenced);
        self.shutting_down && self.registered && self.broker.is_some_and(fenced)
    }

    /// As a broker: register (until its registration is applied), then
    /// heartbeat, to the leader it knows; every interval.
    fn heartbeat(&mut self, now: SimTime) -> Vec<Out> {
        let mut out = vec![Out::Wake {
            at: SimTime::from_millis(now.as_millis() + self.settings.heartbeat_interval_ms),
            wake: Wake::Heartbeat,
        }];
        out.extend(self.heartbeat_request(now));
        out
    }

    /// A broker's registration or heartbeat, sent now.
    fn heartbeat_request(&mut self, now: SimTime) -> Vec<Out> {
        let mut out = Vec::new();
        let (Some(broker), Some(leader)) = (self.broker, self.raft.leader()) else {
            return out;
        };
        let wire = if self.registered {
            Wire::Heartbeat {
                broker,
                metadata_offset: self.image.offset,
                want_shutdown: self.shutting_down,
            }
        } else {
            Wire::Register {
                broker,
                incarnation: self.incarnation,
            }
        };
        if leader == self.raft.id {
            out.extend(self.on_wire(leader, wire, now));
        } else {
            out.push(Out::Send { to: leader, wire });
        }
        out
    }

    /// The active controller's periodic work: fence one broker whose
    /// session expired (Kafka fences one per event), and append a
    /// `NoOpRecord` if idle for `metadata.max.idle.interval.ms`.
    fn tick(&mut self, now: SimTime) -> Vec<Out> {
        let mut out = vec![Out::Wake {
            at: SimTime::from_millis(now.as_millis() + TICK_MS),
            wake: Wake::Tick(self.raft.epoch),
        }];
        let Some(active) = &self.active else {
            return out;
        };
        let timeout = self.settings.session_timeout_ms;
        let expired = active.image.brokers.iter().find(|b| {
            !b.fenced
                && active
                    .contact
                    .iter()
                    .find(|(id, _)| *id == b.id)
                    .is_none_or(|(_, at)| now.millis_since(*at) >= timeout)
        });
        let unclean = self.settings.unclean;
        if let Some(broker) = expired.map(|b| b.id) {
            out.extend(self.decide(now, |image, _| controller::fence(image, broker, unclean)));
        } else if now.millis_since(active.last_append) >= METADATA_MAX_IDLE_INTERVAL_MS {
            out.extend(self.decide(now, |_, _| vec![MetadataRecord::NoOp]));
        }
        out
    }

    /// As the active controller: decides on its image (the records go at
    /// the offset given) and appends what it decided.
    fn decide(
        &mut self,
        now: SimTime,
        decision: impl FnOnce(&MetadataImage, u64) -> Vec<MetadataRecord>,
    ) -> Vec<Out> {
        let Some(active) = &mut self.active else {
            return Vec::new();
        };
        let records = decision(&active.image, self.raft.log.len() as u64);
        if records.is_empty() {
            return Vec::new();
        }
        for record in &records {
            active.image.apply(record);
        }
        active.last_append = now;
        let raft = self.raft.append(records).unwrap_or_default();
        self.settle(raft, now)
    }

    /// After the Raft core moved: its outputs wrapped, newly committed
    /// records applied, and the active controller started or stopped.
    fn settle(&mut self, raft: Vec<quorum::Out>, now: SimTime) -> Vec<Out> {
        let mut out: Vec<Out> = raft
            .into_iter()
            .map(|o| match o {
                quorum::Out::Send { to, message } => Out::Send {
                    to,
                    wire: Wire::Raft(message),
                },
                quorum::Out::Wake { at, wake } => Out::Wake {
                    at,
                    wake: Wake::Raft(wake),
                },
            })
            .collect();
        let leading = matches!(self.raft.role, Role::Leader(_));
        match (leading, self.active.is_some()) {
            (true, false) => {
                // Taking over: its whole log is the cluster; every broker
                // gets a fresh session.
                let mut image = MetadataImage::default();
                for entry in &self.raft.log {
                    image.apply(&entry.record);
                }
                let contact = image.brokers.iter().map(|b| (b.id, now)).collect();
                self.active = Some(Active {
                    image,
                    contact,
                    last_append: now,
                });
                out.push(Out::Wake {
                    at: now,
                    wake: Wake::Tick(self.raft.epoch),
                });
            }
            (false, true) => self.active = None,
            _ => {}
        }
        // Committed records, applied in order.
        let committed = self.raft.committed();
        let from = self.image.offset as usize;
        if committed.len() > from {
            for entry in &committed[from..] {
                self.image.apply(&entry.record);
            }
        }
        if let Some(broker) = self.broker {
            let mine = self.image.broker(broker).map(|b| b.incarnation);
            self.registered = mine == Some(self.incarnation);
        }
        out
    }
}
