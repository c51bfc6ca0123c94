//! The Raft core of KRaft: one node of the metadata quorum, as a state
//! machine without I/O. Each call takes what arrived (a message, a timer)
//! and returns what to send and when to wake next ([`Out`]); whoever drives
//! it (the engine, or a test's network) delivers, late or never.
//!
//! It follows Kafka's `raft` module (`KafkaRaftClient`, `QuorumState` and
//! the `*State` classes) and KIP-595 and KIP-996:
//!
//! - **Roles.** A voter is *unattached* (no leader known in its epoch), a
//!   *follower* (fetching from the leader), *prospective* (asking for
//!   pre-votes), a *candidate* (asking for votes), the *leader*, or
//!   *resigned*. An *observer* (a broker) only ever follows.
//! - **Elections.** A voter that hears nothing from a leader for
//!   `controller.quorum.fetch.timeout.ms` (2 s), or knows none for its
//!   election timeout, turns prospective. The election timeout is drawn
//!   afresh each time, uniformly from [T, 2T) with T =
//!   `controller.quorum.election.timeout.ms` (1 s), from the node's own
//!   seeded stream. A *pre-vote* (KIP-996) asks whether the others would
//!   vote without bumping any epoch, so a node cut off from the rest cannot
//!   disrupt the quorum by raising epochs. With a majority of pre-votes it
//!   becomes a candidate: epoch + 1, a vote for itself kept on disk, then a
//!   `Vote` to the others. A voter grants one vote per epoch, and only to a
//!   candidate whose log is at least as up to date as its own (last epoch,
//!   then end offset). A follower that has heard from its leader refuses
//!   pre-votes: the leader is alive.
//! - **Replication** is pulled: followers and observers `Fetch` from the
//!   leader with their log end; a fetch with nothing new is held for up to
//!   500 ms (`MAX_FETCH_WAIT_MS`). A follower whose log diverges (records
//!   of an epoch the leader does not have) is told where to truncate.
//! - **The high watermark** is the offset a majority of voters have
//!   reached, and it may only move past the leader's first record of its
//!   own epoch (`LeaderChangeMessage`): a new leader commits earlier
//!   records only by committing one of its own. Observers never count.
//! - **Check-quorum.** A leader that has not heard fetches from a majority
//!   for 1.5 × the fetch timeout resigns and names its successors in
//!   `EndQuorumEpoch`; without a majority, nothing new commits.
//!
//! Simplifications, each because it changes no behaviour the playground
//! shows: no snapshots (the metadata log is short); appends are sent at once
//! instead of lingering 25 ms; the voter set is static
//! (`controller.quorum.voters`, not KIP-853's dynamic quorum); an observer
//! asks the voters in turn who leads, as it would its bootstrap servers.

use super::record::MetadataRecord;
use crate::rng::{SimRng, Stream};
use crate::time::SimTime;

/// A node of the cluster (`node.id`): a controller, a broker or both.
pub type NodeId = u32;

/// The quorum's timings, Kafka's defaults (`QuorumConfig`).
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Timing {
    /// `controller.quorum.election.timeout.ms`.
    pub election_timeout_ms: u64,
    /// `controller.quorum.fetch.timeout.ms`.
    pub fetch_timeout_ms: u64,
}

impl Default for Timing {
    fn default() -> Timing {
        Timing {
            election_timeout_ms: 1_000,
            fetch_timeout_ms: 2_000,
        }
    }
}

/// How long the leader holds a fetch that has nothing new
/// (`KafkaRaftClient.MAX_FETCH_WAIT_MS`).
pub const MAX_FETCH_WAIT_MS: u64 = 500;

/// One record of the log, with the epoch of the leader that appended it.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Entry {
    pub epoch: u32,
    pub record: MetadataRecord,
}

/// Where a log ends: the epoch of its last record, and the offset after
/// it. Ordered as Raft compares logs: by epoch, then by offset.
#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord)]
pub struct LogEnd {
    pub epoch: u32,
    pub offset: u64,
}

/// What nodes of the quorum say to each other (KIP-595's RPCs).
#[derive(Clone, Debug, PartialEq)]
pub enum Message {
    /// `VoteRequest`: for a vote in `epoch`, or with `pre_vote` whether the
    /// voter would give one, from a candidate whose log ends at `last`.
    Vote {
        pre_vote: bool,
        epoch: u32,
        last: LogEnd,
    },
    VoteReply {
        pre_vote: bool,
        epoch: u32,
        granted: bool,
    },
    /// `BeginQuorumEpoch`: the sender leads `epoch`.
    BeginQuorumEpoch { epoch: u32 },
    /// `EndQuorumEpoch`: the sender gives up leading `epoch`; `successors`
    /// are the voters it prefers, most caught up first.
    EndQuorumEpoch { epoch: u32, successors: Vec<NodeId> },
    /// `FetchRequest`: the fetcher's log end and high watermark, in the
    /// epoch it knows. `id` pairs the reply with it.
    Fetch {
        id: u32,
        epoch: u32,
        end: LogEnd,
        high_watermark: u64,
    },
    FetchReply {
        id: u32,
        epoch: u32,
        leader: Option<NodeId>,
        fetched: Fetched,
    },
}

/// What a fetch brought.
#[derive(Clone, Debug, PartialEq)]
pub enum Fetched {
    /// The records from the fetch offset on (perhaps none), and how far
    /// the quorum has committed.
    Records {
        entries: Vec<Entry>,
        high_watermark: u64,
    },
    /// The fetcher's log has records the leader's does not: truncate it to
    /// `end` and fetch from there.
    Diverging { end: u64 },
    /// Not the leader of the fetcher's epoch: the reply names who is.
    NotLeader,
}

/// Why a node wakes.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Wake {
    /// Its role's timeout (election, fetch or check-quorum); stale unless
    /// it is the node's latest.
    Timer(u32),
    /// The leader of this epoch sends `BeginQuorumEpoch` again to voters
    /// that have not fetched lately.
    Beat(u32),
    /// A fetch held since it had nothing new is answered, empty.
    Release { from: NodeId, id: u32 },
}

/// What a node asks its driver to do.
#[derive(Clone, Debug, PartialEq)]
pub enum Out {
    Send { to: NodeId, message: Message },
    Wake { at: SimTime, wake: Wake },
}

/// A node's part in the quorum.
#[derive(Clone, Debug, PartialEq)]
pub enum Role {
    /// Knows no leader in its epoch.
    Unattached,
    /// Fetches from `leader`; `fetched` once a reply came in this epoch.
    Follower {
        leader: NodeId,
        fetched: bool,
    },
    /// Asks for pre-votes, remembering the leader it knew.
    Prospective {
        leader: Option<NodeId>,
        votes: Votes,
    },
    /// Asks for votes in the epoch it started.
    Candidate {
        votes: Votes,
    },
    Leader(Box<Leadership>),
    /// A leader that lost a majority and stepped down.
    Resigned,
}

/// Answers to a pre-vote or a vote, the asker's own included.
#[derive(Clone, Debug, Default, PartialEq)]
pub struct Votes {
    pub granted: Vec<NodeId>,
    pub rejected: Vec<NodeId>,
}

/// What the leader keeps track of.
#[derive(Clone, Debug, PartialEq)]
pub struct Leadership {
    /// The log end when it was elected: the high watermark may only move
    /// past it.
    pub epoch_start: u64,
    /// Each voter's log end as its last fetch said (its own: its log end).
    pub ends: Vec<(NodeId, u64)>,
    /// Each observer's log end.
    pub observers: Vec<(NodeId, u64)>,
    /// Voters heard from since check-quorum last passed.
    heard: Vec<NodeId>,
    /// When each voter last fetched.
    last_fetch: Vec<(NodeId, SimTime)>,
    /// Fetches with nothing new yet.
    held: Vec<Held>,
}

/// A fetch the leader holds.
#[derive(Clone, Copy, Debug, PartialEq)]
struct Held {
    from: NodeId,
    id: u32,
    offset: u64,
    high_watermark: u64,
}

/// One node: a controller (a voter) or a broker (an observer).
#[derive(Clone, Debug)]
pub struct Node {
    pub id: NodeId,
    /// The quorum's voters, `controller.quorum.voters`.
    voters: Vec<NodeId>,
    timing: Timing,
    /// On disk (the `quorum-state` file and the log): kept over a restart.
    pub epoch: u32,
    pub voted_for: Option<NodeId>,
    pub log: Vec<Entry>,
    /// In memory: lost in a crash.
    pub role: Role,
    /// Records below it are committed.
    pub high_watermark: u64,
    /// The latest [`Wake::Timer`].
    timer: u32,
    /// The latest fetch sent.
    fetch_id: u32,
    /// An observer's next voter to ask who leads.
    ask: usize,
    rng: SimRng,
}

impl Node {
    /// A node that has never run, in a quorum of `voters`.
    pub fn new(id: NodeId, voters: Vec<NodeId>, timing: Timing, seed: u64) -> Node {
        Node {
            id,
            voters,
            timing,
            epoch: 0,
            voted_for: None,
            log: Vec::new(),
            role: Role::Unattached,
            high_watermark: 0,
            timer: 0,
            fetch_id: 0,
            ask: 0,
            rng: SimRng::new(seed, Stream::Controller(id)),
        }
    }

    /// A node of a quorum already running when the run starts, as a
    /// scenario's cluster is: `leader` was elected in epoch 1 and wrote
    /// `records` after its `LeaderChangeMessage`, all committed; the others
    /// follow it.
    pub fn running(
        mut self,
        leader: NodeId,
        records: &[MetadataRecord],
        now: SimTime,
    ) -> (Node, Vec<Out>) {
        let mut out = Vec::new();
        self.epoch = 1;
        self.voted_for = self.is_voter().then_some(leader);
        self.log = std::iter::once(MetadataRecord::LeaderChange { leader })
            .chain(records.iter().cloned())
            .map(|record| Entry { epoch: 1, record })
            .collect();
        self.high_watermark = self.log.len() as u64;
        if self.id == leader {
            let end = self.log.len() as u64;
            self.role = Role::Leader(Box::new(Leadership {
                epoch_start: 0,
                ends: self.voters.iter().map(|v| (*v, end)).collect(),
                observers: Vec::new(),
                heard: Vec::new(),
                last_fetch: Vec::new(),
                held: Vec::new(),
            }));
            if self.majority() > 1 {
                self.set_timer(now, self.check_quorum_ms(), &mut out);
            }
            self.beat(now, &mut out);
        } else {
            self.role = Role::Follower {
                leader,
                fetched: true,
            };
            self.set_timer(now, self.timing.fetch_timeout_ms, &mut out);
            self.send_fetch(leader, &mut out);
        }
        (self, out)
    }

    /// Whether it votes.
    pub fn is_voter(&self) -> bool {
        self.voters.contains(&self.id)
    }

    /// The leader it knows of, in its epoch.
    pub fn leader(&self) -> Option<NodeId> {
        match &self.role {
            Role::Leader(_) => Some(self.id),
            Role::Follower { leader, .. } => Some(*leader),
            Role::Prospective { leader, .. } => *leader,
            _ => None,
        }
    }

    /// Where its log ends.
    pub fn end(&self) -> LogEnd {
        LogEnd {
            epoch: self.log.last().map_or(0, |e| e.epoch),
            offset: self.log.len() as u64,
        }
    }

    /// The records it knows to be committed: what a broker acts on.
    pub fn committed(&self) -> &[Entry] {
        &self.log[..(self.high_watermark as usize).min(self.log.len())]
    }

    /// Starts the node, or starts it again after a crash with what its disk
    /// held: its epoch, its vote and its log. A lone voter elects itself.
    pub fn start(&mut self, now: SimTime) -> Vec<Out> {
        let mut out = Vec::new();
        self.high_watermark = 0;
        self.role = Role::Unattached;
        if self.voters == [self.id] {
            self.become_candidate(now, &mut out);
        } else {
            self.become_unattached(self.epoch, now, &mut out);
        }
        out
    }

    /// Appends `records` as one batch (a controller's decision is written
    /// whole or not at all) if it leads; `None` if it does not.
    pub fn append(&mut self, records: Vec<MetadataRecord>) -> Option<Vec<Out>> {
        if !matches!(self.role, Role::Leader(_)) {
            return None;
        }
        let mut out = Vec::new();
        for record in records {
            self.push(record);
        }
        self.advance_high_watermark();
        self.answer_held(&mut out);
        Some(out)
    }

    /// A wake-up it asked for.
    pub fn on_wake(&mut self, wake: Wake, now: SimTime) -> Vec<Out> {
        let mut out = Vec::new();
        match wake {
            Wake::Timer(t) if t == self.timer => self.on_timeout(now, &mut out),
            Wake::Beat(epoch) if epoch == self.epoch => self.beat(now, &mut out),
            Wake::Release { from, id } => self.release(from, id, &mut out),
            _ => {}
        }
        out
    }

    /// A message from `from`.
    pub fn on_message(&mut self, from: NodeId, message: Message, now: SimTime) -> Vec<Out> {
        let mut out = Vec::new();
        match message {
            Message::Vote {
                pre_vote,
                epoch,
                last,
            } => self.on_vote(from, pre_vote, epoch, last, now, &mut out),
            Message::VoteReply {
                pre_vote,
                epoch,
                granted,
            } => self.on_vote_reply(from, pre_vote, epoch, granted, now, &mut out),
            Message::BeginQuorumEpoch { epoch } => {
                let following = self.epoch == epoch && self.leader() == Some(from);
                if epoch >= self.epoch && !following {
                    self.become_follower(epoch, from, now, &mut out);
                }
            }
            Message::EndQuorumEpoch { epoch, successors } => {
                self.on_end_quorum_epoch(from, epoch, &successors, now, &mut out)
            }
            Message::Fetch {
                id,
                epoch,
                end,
                high_watermark,
            } => self.on_fetch(from, id, epoch, end, high_watermark, now, &mut out),
            Message::FetchReply {
                id,
                epoch,
                leader,
                fetched,
            } => self.on_fetch_reply(from, id, epoch, leader, fetched, now, &mut out),
        }
        out
    }

    // --- Roles ---------------------------------------------------------

    fn majority(&self) -> usize {
        self.voters.len() / 2 + 1
    }

    fn others(&self) -> impl Iterator<Item = NodeId> + '_ {
        self.voters.iter().copied().filter(|v| *v != self.id)
    }

    /// A fresh timeout of `ms`; earlier ones go stale.
    fn set_timer(&mut self, now: SimTime, ms: u64, out: &mut Vec<Out>) {
        self.timer += 1;
        out.push(Out::Wake {
            at: SimTime::from_millis(now.as_millis() + ms),
            wake: Wake::Timer(self.timer),
        });
    }

    /// An election timeout, uniformly from [T, 2T)
    /// (`QuorumState.randomElectionTimeoutMs`).
    fn election_timeout(&mut self) -> u64 {
        let t = self.timing.election_timeout_ms.max(1);
        t + u64::from(self.rng.index(u32::try_from(t).unwrap_or(u32::MAX)))
    }

    /// Moves to `epoch` if it is newer: a new epoch has no vote yet.
    fn enter_epoch(&mut self, epoch: u32) {
        if epoch > self.epoch {
            self.epoch = epoch;
            self.voted_for = None;
        }
    }

    fn become_unattached(&mut self, epoch: u32, now: SimTime, out: &mut Vec<Out>) {
        self.enter_epoch(epoch);
        self.role = Role::Unattached;
        if self.is_voter() {
            let timeout = self.election_timeout();
            self.set_timer(now, timeout, out);
        } else {
            self.ask_who_leads(now, out);
        }
    }

    /// An observer asks the next voter; the reply names the leader.
    fn ask_who_leads(&mut self, now: SimTime, out: &mut Vec<Out>) {
        if let Some(&voter) = self.voters.get(self.ask % self.voters.len().max(1)) {
            self.ask += 1;
            self.send_fetch(voter, out);
        }
        self.set_timer(now, self.timing.fetch_timeout_ms, out);
    }

    fn become_follower(&mut self, epoch: u32, leader: NodeId, now: SimTime, out: &mut Vec<Out>) {
        self.enter_epoch(epoch);
        self.role = Role::Follower {
            leader,
            fetched: false,
        };
        self.set_timer(now, self.timing.fetch_timeout_ms, out);
        self.send_fetch(leader, out);
    }

    fn send_fetch(&mut self, to: NodeId, out: &mut Vec<Out>) {
        self.fetch_id += 1;
        out.push(Out::Send {
            to,
            message: Message::Fetch {
                id: self.fetch_id,
                epoch: self.epoch,
                end: self.end(),
                high_watermark: self.high_watermark,
            },
        });
    }

    fn become_prospective(&mut self, now: SimTime, out: &mut Vec<Out>) {
        if self.voters == [self.id] {
            return self.become_candidate(now, out);
        }
        self.role = Role::Prospective {
            leader: self.leader(),
            votes: Votes {
                granted: vec![self.id],
                rejected: Vec::new(),
            },
        };
        let timeout = self.election_timeout();
        self.set_timer(now, timeout, out);
        self.ask_for_votes(true, out);
    }

    fn become_candidate(&mut self, now: SimTime, out: &mut Vec<Out>) {
        self.epoch += 1;
        self.voted_for = Some(self.id);
        self.role = Role::Candidate {
            votes: Votes {
                granted: vec![self.id],
                rejected: Vec::new(),
            },
        };
        if self.majority() == 1 {
            return self.become_leader(now, out);
        }
        let timeout = self.election_timeout();
        self.set_timer(now, timeout, out);
        self.ask_for_votes(false, out);
    }

    fn ask_for_votes(&self, pre_vote: bool, out: &mut Vec<Out>) {
        let (epoch, last) = (self.epoch, self.end());
        for to in self.others() {
            out.push(Out::Send {
                to,
                message: Message::Vote {
                    pre_vote,
                    epoch,
                    last,
                },
            });
        }
    }

    /// Elected: the first record of its epoch, then `BeginQuorumEpoch`.
    fn become_leader(&mut self, now: SimTime, out: &mut Vec<Out>) {
        let epoch_start = self.log.len() as u64;
        let ends = self.voters.iter().map(|v| (*v, 0)).collect();
        self.role = Role::Leader(Box::new(Leadership {
            epoch_start,
            ends,
            observers: Vec::new(),
            heard: Vec::new(),
            last_fetch: Vec::new(),
            held: Vec::new(),
        }));
        self.push(MetadataRecord::LeaderChange { leader: self.id });
        self.advance_high_watermark();
        // A lone voter is its own majority: it never resigns.
        if self.majority() > 1 {
            self.set_timer(now, self.check_quorum_ms(), out);
        }
        self.beat(now, out);
    }

    /// How long a leader goes without a majority's fetches before it
    /// resigns (`LeaderState.CHECK_QUORUM_TIMEOUT_FACTOR`, 1.5).
    fn check_quorum_ms(&self) -> u64 {
        self.timing.fetch_timeout_ms * 3 / 2
    }

    /// `BeginQuorumEpoch` to each voter that has not fetched in half the
    /// fetch timeout, then again after that long.
    fn beat(&mut self, now: SimTime, out: &mut Vec<Out>) {
        let period = self.timing.fetch_timeout_ms / 2;
        let Role::Leader(leading) = &self.role else {
            return;
        };
        let quiet = |v: &NodeId| {
            !leading
                .last_fetch
                .iter()
                .any(|(f, at)| f == v && now.millis_since(*at) < period)
        };
        for to in self.others().filter(quiet) {
            out.push(Out::Send {
                to,
                message: Message::BeginQuorumEpoch { epoch: self.epoch },
            });
        }
        out.push(Out::Wake {
            at: SimTime::from_millis(now.as_millis() + period),
            wake: Wake::Beat(self.epoch),
        });
    }

    fn on_timeout(&mut self, now: SimTime, out: &mut Vec<Out>) {
        match &self.role {
            Role::Unattached | Role::Follower { .. } if !self.is_voter() => {
                self.become_unattached(self.epoch, now, out)
            }
            Role::Unattached | Role::Follower { .. } | Role::Candidate { .. } | Role::Resigned => {
                self.become_prospective(now, out)
            }
            Role::Prospective { leader, .. } => self.fall_back(*leader, now, out),
            Role::Leader(leading) => {
                // Check-quorum: no majority has fetched lately.
                let mut successors: Vec<(NodeId, u64)> = leading
                    .ends
                    .iter()
                    .copied()
                    .filter(|(v, _)| *v != self.id)
                    .collect();
                successors.sort_by(|a, b| b.1.cmp(&a.1).then(a.0.cmp(&b.0)));
                let successors: Vec<NodeId> = successors.into_iter().map(|(v, _)| v).collect();
                for to in self.others() {
                    out.push(Out::Send {
                        to,
                        message: Message::EndQuorumEpoch {
                            epoch: self.epoch,
                            successors: successors.clone(),
                        },
                    });
                }
                self.role = Role::Resigned;
                let timeout = self.election_timeout();
                self.set_timer(now, timeout, out);
            }
        }
    }

    /// A pre-vote that failed: back to the leader it knew, if any.
    fn fall_back(&mut self, leader: Option<NodeId>, now: SimTime, out: &mut Vec<Out>) {
        match leader {
            Some(leader) => self.become_follower(self.epoch, leader, now, out),
            None => self.become_unattached(self.epoch, now, out),
        }
    }

    // --- Votes -----------------------------------------------------------

    fn on_vote(
        &mut self,
        from: NodeId,
        pre_vote: bool,
        epoch: u32,
        last: LogEnd,
        now: SimTime,
        out: &mut Vec<Out>,
    ) {
        if epoch > self.epoch {
            self.become_unattached(epoch, now, out);
        }
        let up_to_date = last >= self.end();
        let granted = epoch == self.epoch
            && match &self.role {
                Role::Unattached | Role::Prospective { .. } if pre_vote => up_to_date,
                Role::Unattached => self.voted_for.map_or(up_to_date, |v| v == from),
                Role::Prospective { leader, .. } => match self.voted_for {
                    Some(v) => v == from,
                    None => leader.is_none() && up_to_date,
                },
                Role::Follower { fetched, .. } => pre_vote && !fetched && up_to_date,
                Role::Candidate { .. } => pre_vote && up_to_date,
                Role::Leader(_) | Role::Resigned => false,
            };
        if granted && !pre_vote {
            self.voted_for = Some(from);
            self.role = Role::Unattached;
            let timeout = self.election_timeout();
            self.set_timer(now, timeout, out);
        }
        out.push(Out::Send {
            to: from,
            message: Message::VoteReply {
                pre_vote,
                epoch: self.epoch,
                granted,
            },
        });
    }

    fn on_vote_reply(
        &mut self,
        from: NodeId,
        pre_vote: bool,
        epoch: u32,
        granted: bool,
        now: SimTime,
        out: &mut Vec<Out>,
    ) {
        if epoch > self.epoch {
            return self.become_unattached(epoch, now, out);
        }
        let (majority, voters) = (self.majority(), self.voters.len());
        let (votes, leader) = match &mut self.role {
            Role::Prospective { votes, leader } if pre_vote && epoch == self.epoch => {
                (votes, *leader)
            }
            Role::Candidate { votes } if !pre_vote && epoch == self.epoch => (votes, None),
            _ => return,
        };
        if votes.granted.contains(&from) || votes.rejected.contains(&from) {
            return;
        }
        if granted {
            votes.granted.push(from);
        } else {
            votes.rejected.push(from);
        }
        let won = votes.granted.len() >= majority;
        let lost = votes.rejected.len() > voters - majority;
        match (pre_vote, won, lost) {
            (true, true, _) => self.become_candidate(now, out),
            (true, _, true) => self.fall_back(leader, now, out),
            (false, true, _) => self.become_leader(now, out),
            // A rejected candidate waits out its election timeout.
            _ => {}
        }
    }

    /// The leader gave up: its first-named successor starts an election at
    /// once, the others a little later each, instead of waiting out their
    /// fetch timeout.
    fn on_end_quorum_epoch(
        &mut self,
        from: NodeId,
        epoch: u32,
        successors: &[NodeId],
        now: SimTime,
        out: &mut Vec<Out>,
    ) {
        let following = matches!(self.role, Role::Follower { leader, .. } if leader == from);
        if epoch != self.epoch || !following || !self.is_voter() {
            return;
        }
        let n = successors.len().max(1) as u32;
        let delay = match successors.iter().position(|s| *s == self.id) {
            Some(0) => 0,
            Some(p) => ((self.timing.election_timeout_ms >> (n - 1)) << (p - 1))
                .min(self.timing.election_timeout_ms),
            None => self.timing.election_timeout_ms,
        };
        self.set_timer(now, delay, out);
    }

    // --- Fetching ------------------------------------------------------

    #[allow(clippy::too_many_arguments)]
    fn on_fetch(
        &mut self,
        from: NodeId,
        id: u32,
        epoch: u32,
        end: LogEnd,
        high_watermark: u64,
        now: SimTime,
        out: &mut Vec<Out>,
    ) {
        if epoch > self.epoch {
            self.become_unattached(epoch, now, out);
        }
        let leading = matches!(self.role, Role::Leader(_));
        if !leading || epoch < self.epoch {
            let reply = self.reply(id, Fetched::NotLeader);
            return out.push(Out::Send {
                to: from,
                message: reply,
            });
        }
        if let Some(end) = self.diverging(end) {
            let reply = self.reply(id, Fetched::Diverging { end });
            return out.push(Out::Send {
                to: from,
                message: reply,
            });
        }
        let voter = self.voters.contains(&from);
        let majority = self.majority();
        let Role::Leader(leading) = &mut self.role else {
            return;
        };
        let progress = if voter {
            &mut leading.ends
        } else {
            &mut leading.observers
        };
        match progress.iter_mut().find(|(n, _)| *n == from) {
            Some(at) => at.1 = end.offset,
            None => progress.push((from, end.offset)),
        }
        let mut quorum_heard = false;
        if voter {
            leading.last_fetch.retain(|(n, _)| *n != from);
            leading.last_fetch.push((from, now));
            if !leading.heard.contains(&from) {
                leading.heard.push(from);
            }
            if leading.heard.len() + 1 >= majority {
                leading.heard.clear();
                quorum_heard = true;
            }
        }
        if quorum_heard {
            self.set_timer(now, self.check_quorum_ms(), out);
        }
        let held = Held {
            from,
            id,
            offset: end.offset,
            high_watermark,
        };
        if self.advance_high_watermark() {
            self.answer_held(out);
        }
        if !self.answer(held, out) {
            out.push(Out::Wake {
                at: SimTime::from_millis(now.as_millis() + MAX_FETCH_WAIT_MS),
                wake: Wake::Release { from, id },
            });
            if let Role::Leader(leading) = &mut self.role {
                leading.held.push(held);
            }
        }
    }

    /// Where a fetcher whose log ends at `end` must truncate to, if its log
    /// is not a prefix of the leader's: the end of the leader's records of
    /// the fetcher's last epoch or earlier.
    fn diverging(&self, end: LogEnd) -> Option<u64> {
        let at = end.offset as usize;
        let matches = at == 0 || self.log.get(at - 1).is_some_and(|e| e.epoch == end.epoch);
        if matches {
            return None;
        }
        let ours = self
            .log
            .iter()
            .rposition(|e| e.epoch <= end.epoch)
            .map_or(0, |i| i as u64 + 1);
        Some(ours.min(end.offset))
    }

    fn reply(&self, id: u32, fetched: Fetched) -> Message {
        Message::FetchReply {
            id,
            epoch: self.epoch,
            leader: self.leader(),
            fetched,
        }
    }

    /// Answers a fetch if there is something new for it; whether it did.
    fn answer(&self, held: Held, out: &mut Vec<Out>) -> bool {
        let fresh =
            (held.offset as usize) < self.log.len() || held.high_watermark < self.high_watermark;
        if fresh {
            self.send_records(held, out);
        }
        fresh
    }

    /// Answers a fetch with the records from its offset on (perhaps none)
    /// and the high watermark.
    fn send_records(&self, held: Held, out: &mut Vec<Out>) {
        let reply = self.reply(
            held.id,
            Fetched::Records {
                entries: self.log[held.offset as usize..].to_vec(),
                high_watermark: self.high_watermark,
            },
        );
        out.push(Out::Send {
            to: held.from,
            message: reply,
        });
    }

    /// Answers every held fetch that now has something new.
    fn answer_held(&mut self, out: &mut Vec<Out>) {
        let Role::Leader(leading) = &mut self.role else {
            return;
        };
        let held = std::mem::take(&mut leading.held);
        let waiting: Vec<Held> = held.into_iter().filter(|h| !self.answer(*h, out)).collect();
        if let Role::Leader(leading) = &mut self.role {
            leading.held = waiting;
        }
    }

    /// A held fetch's wait is over: it is answered, empty if need be.
    fn release(&mut self, from: NodeId, id: u32, out: &mut Vec<Out>) {
        let Role::Leader(leading) = &mut self.role else {
            return;
        };
        let Some(i) = leading
            .held
            .iter()
            .position(|h| h.from == from && h.id == id)
        else {
            return;
        };
        let held = leading.held.remove(i);
        self.send_records(held, out);
    }

    #[allow(clippy::too_many_arguments)]
    fn on_fetch_reply(
        &mut self,
        from: NodeId,
        id: u32,
        epoch: u32,
        leader: Option<NodeId>,
        fetched: Fetched,
        now: SimTime,
        out: &mut Vec<Out>,
    ) {
        if id != self.fetch_id {
            return;
        }
        if let Fetched::NotLeader = fetched {
            // Told who leads (or that its epoch is over).
            match leader {
                // A newer epoch, or another leader in this one.
                Some(l)
                    if l != self.id
                        && (epoch > self.epoch
                            || (epoch == self.epoch && self.leader() != Some(l))) =>
                {
                    self.become_follower(epoch, l, now, out)
                }
                None if epoch > self.epoch => self.become_unattached(epoch, now, out),
                _ => {}
            }
            return;
        }
        let following = matches!(self.role, Role::Follower { leader, .. } if leader == from);
        if !following && leader == Some(from) && epoch >= self.epoch {
            // It asked the leader itself who leads.
            return self.become_follower(epoch, from, now, out);
        }
        if epoch != self.epoch || !following {
            return;
        }
        match fetched {
            // Never below the high watermark: what is committed is on a
            // majority, and every leader has it (the tests check).
            Fetched::Diverging { end } => self.log.truncate(end as usize),
            Fetched::Records {
                entries,
                high_watermark,
            } => {
                self.log.extend(entries);
                let known = high_watermark.min(self.log.len() as u64);
                self.high_watermark = self.high_watermark.max(known);
            }
            Fetched::NotLeader => {}
        }
        self.role = Role::Follower {
            leader: from,
            fetched: true,
        };
        self.set_timer(now, self.timing.fetch_timeout_ms, out);
        self.send_fetch(from, out);
    }

    // --- The log -------------------------------------------------------

    fn push(&mut self, record: MetadataRecord) {
        self.log.push(Entry {
            epoch: self.epoch,
            record,
        });
        let (id, end) = (self.id, self.log.len() as u64);
        if let Role::Leader(leading) = &mut self.role
            && let Some(own) = leading.ends.iter_mut().find(|(v, _)| *v == id)
        {
            own.1 = end;
        }
    }

    /// Moves the high watermark to the offset a majority of voters have
    /// reached, if that is past the start of this epoch and the current
    /// mark (`LeaderState.maybeUpdateHighWatermark`); whether it moved.
    fn advance_high_watermark(&mut self) -> bool {
        let majority = self.majority();
        let Role::Leader(leading) = &self.role else {
            return false;
        };
        let reached = |offset: u64| leading.ends.iter().filter(|(_, e)| *e >= offset).count();
        let candidate = leading
            .ends
            .iter()
            .map(|(_, e)| *e)
            .filter(|e| reached(*e) >= majority)
            .max()
            .unwrap_or(0);
        if candidate > leading.epoch_start && candidate > self.high_watermark {
            self.high_watermark = candidate;
            true
        } else {
            false
        }
    }
}
