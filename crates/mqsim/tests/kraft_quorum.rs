//! The KRaft quorum's Raft core (`kafka::kraft::quorum`), driven over a
//! simulated network through random schedules of kills, restarts and
//! isolations, checked against Raft's safety properties as KIP-595 states
//! them for Kafka:
//!
//! - at most one leader in each epoch;
//! - a record the leader counts as committed is on a majority of voters;
//! - a committed record is never lost: each new leader has every one, and
//!   no node's committed records disagree with another's or are truncated;
//! - a broker (an observer) acts only on committed records;
//! - once the faults heal, one leader is elected and everyone catches up.
//!
//! A thousand schedules run each time (`CASES`).
//!
//! Deliberate mutations of the Raft core, each caught (a test fails):
//! votes that ignore whether the candidate's log is up to date; a majority
//! of half the voters; a high watermark that moves before a record of the
//! leader's own epoch commits (Raft's Figure 8); followers and observers
//! acting on their whole log rather than the committed part; a vote
//! forgotten on restart (caught by the test that restarts a voter between
//! two candidates' requests, which random schedules rarely hit).

#![cfg(not(target_arch = "wasm32"))]

use mqsim::kafka::kraft::quorum::Message;
use mqsim::kafka::kraft::quorum::{Entry, Node, NodeId, Out, Role, Timing, Wake};
use mqsim::kafka::kraft::record::MetadataRecord;
use mqsim::time::SimTime;
use std::collections::BTreeMap;

const CASES: u64 = 1_000;
/// Faults happen in the first part of a run; the rest is for healing.
const FAULTS_UNTIL_MS: u64 = 15_000;
const RUN_MS: u64 = 35_000;
/// The leader appends a record this often, as clients' changes would.
const WRITE_EVERY_MS: u64 = 200;

/// A small deterministic generator for the schedules (SplitMix64).
struct Dice(u64);

impl Dice {
    fn next(&mut self) -> u64 {
        self.0 = self.0.wrapping_add(0x9E37_79B9_7F4A_7C15);
        let mut z = self.0;
        z = (z ^ (z >> 30)).wrapping_mul(0xBF58_476D_1CE4_E5B9);
        z = (z ^ (z >> 27)).wrapping_mul(0x94D0_49BB_1331_11EB);
        z ^ (z >> 31)
    }

    fn below(&mut self, n: u64) -> u64 {
        self.next() % n.max(1)
    }
}

#[derive(Clone, Copy, Debug)]
enum Fault {
    Kill(NodeId),
    Restart(NodeId),
    Isolate(NodeId),
    Reconnect(NodeId),
}

#[derive(Debug)]
enum Event {
    Deliver {
        from: NodeId,
        to: NodeId,
        message: Message,
    },
    Wake {
        node: NodeId,
        incarnation: u32,
        wake: Wake,
    },
    Fault(Fault),
    Heal,
    Write,
}

/// The network, the nodes, and what the checks have seen.
struct Net {
    nodes: Vec<Node>,
    voters: usize,
    up: Vec<bool>,
    isolated: Vec<bool>,
    incarnation: Vec<u32>,
    queue: BTreeMap<(u64, u64), Event>,
    seq: u64,
    now: u64,
    dice: Dice,
    /// Each epoch's leader.
    leaders: BTreeMap<u32, NodeId>,
    /// The longest committed log seen.
    committed: Vec<Entry>,
    /// Each node's high watermark when last checked.
    checked: Vec<u64>,
}

impl Net {
    fn new(seed: u64, voters: usize, observers: usize) -> Net {
        let ids: Vec<NodeId> = (0..voters as NodeId).collect();
        let count = voters + observers;
        let nodes = (0..count as NodeId)
            .map(|id| Node::new(id, ids.clone(), Timing::default(), seed))
            .collect();
        let mut net = Net {
            nodes,
            voters,
            up: vec![true; count],
            isolated: vec![false; count],
            incarnation: vec![0; count],
            queue: BTreeMap::new(),
            seq: 0,
            now: 0,
            dice: Dice(seed),
            leaders: BTreeMap::new(),
            committed: Vec::new(),
            checked: vec![0; count],
        };
        for id in 0..count {
            let out = net.nodes[id].start(SimTime::ZERO);
            net.route(id as NodeId, out);
        }
        net
    }

    fn at(&mut self, ms: u64, event: Event) {
        self.seq += 1;
        self.queue.insert((ms, self.seq), event);
    }

    fn linked(&self, a: NodeId, b: NodeId) -> bool {
        let ok = |n: NodeId| self.up[n as usize] && !self.isolated[n as usize];
        ok(a) && ok(b)
    }

    fn route(&mut self, from: NodeId, out: Vec<Out>) {
        for o in out {
            match o {
                Out::Send { to, message } => {
                    if self.linked(from, to) {
                        let latency = 1 + self.dice.below(5);
                        self.at(self.now + latency, Event::Deliver { from, to, message });
                    }
                }
                Out::Wake { at, wake } => {
                    let incarnation = self.incarnation[from as usize];
                    self.at(
                        at.as_millis(),
                        Event::Wake {
                            node: from,
                            incarnation,
                            wake,
                        },
                    );
                }
            }
        }
    }

    fn fault(&mut self, fault: Fault) {
        let now = SimTime::from_millis(self.now);
        match fault {
            Fault::Kill(n) if self.up[n as usize] => {
                self.up[n as usize] = false;
                self.incarnation[n as usize] += 1;
            }
            Fault::Restart(n) if !self.up[n as usize] => {
                self.up[n as usize] = true;
                self.incarnation[n as usize] += 1;
                let out = self.nodes[n as usize].start(now);
                self.route(n, out);
            }
            Fault::Isolate(n) => self.isolated[n as usize] = true,
            Fault::Reconnect(n) => self.isolated[n as usize] = false,
            _ => {}
        }
    }

    fn step(&mut self) -> bool {
        let Some(((ms, _), event)) = self.queue.pop_first() else {
            return false;
        };
        self.now = ms;
        let now = SimTime::from_millis(ms);
        match event {
            Event::Deliver { from, to, message } => {
                if self.linked(from, to) {
                    let out = self.nodes[to as usize].on_message(from, message, now);
                    self.route(to, out);
                }
            }
            Event::Wake {
                node,
                incarnation,
                wake,
            } => {
                if self.up[node as usize] && self.incarnation[node as usize] == incarnation {
                    let out = self.nodes[node as usize].on_wake(wake, now);
                    self.route(node, out);
                }
            }
            Event::Fault(fault) => self.fault(fault),
            Event::Heal => {
                for n in 0..self.nodes.len() as NodeId {
                    self.fault(Fault::Reconnect(n));
                    self.fault(Fault::Restart(n));
                }
            }
            Event::Write => {
                for n in 0..self.nodes.len() {
                    if self.up[n]
                        && let Some(out) = self.nodes[n].append(vec![MetadataRecord::NoOp])
                    {
                        self.route(n as NodeId, out);
                    }
                }
                if ms + WRITE_EVERY_MS < RUN_MS {
                    self.at(ms + WRITE_EVERY_MS, Event::Write);
                }
            }
        }
        true
    }

    /// The safety properties, after every event.
    fn check(&mut self, case: u64) {
        let majority = self.voters / 2 + 1;
        for n in 0..self.nodes.len() {
            let node = &self.nodes[n];
            assert!(
                node.high_watermark <= node.log.len() as u64,
                "case {case}: node {n} truncated committed records ({} of {})",
                node.log.len(),
                node.high_watermark
            );
            if let Role::Leader(_) = node.role {
                match self.leaders.get(&node.epoch) {
                    Some(first) => {
                        assert_eq!(
                            *first, node.id,
                            "case {case}: two leaders in epoch {}",
                            node.epoch
                        )
                    }
                    None => {
                        // Newly elected: it holds everything committed.
                        let known = self.committed.len();
                        assert!(
                            node.log.len() >= known && node.log[..known] == self.committed[..],
                            "case {case}: leader {n} of epoch {} lacks committed records",
                            node.epoch
                        );
                        self.leaders.insert(node.epoch, node.id);
                    }
                }
            }
            let hw = node.high_watermark;
            if hw == self.checked[n] {
                continue;
            }
            self.checked[n] = hw;
            let mine = node.committed();
            let shared = mine.len().min(self.committed.len());
            assert_eq!(
                mine[..shared],
                self.committed[..shared],
                "case {case}: node {n}'s committed records disagree"
            );
            if mine.len() > self.committed.len() {
                // Only a leader extends what is committed, and only with
                // what a majority of voters hold.
                assert!(
                    matches!(node.role, Role::Leader(_)),
                    "case {case}: node {n} ({}) acts on records not committed",
                    if n < self.voters { "voter" } else { "observer" }
                );
                let holding = self.nodes[..self.voters]
                    .iter()
                    .filter(|v| v.log.len() >= mine.len() && v.log[..mine.len()] == *mine)
                    .count();
                assert!(
                    holding >= majority,
                    "case {case}: committed at {} on {holding} voters only",
                    mine.len()
                );
                self.committed = mine.to_vec();
            }
        }
    }
}

/// One random schedule; returns how many records were committed.
fn run(case: u64) -> usize {
    let mut dice = Dice(case.wrapping_mul(7919) + 1);
    let voters = [1, 3, 3, 5][dice.below(4) as usize];
    let mut net = Net::new(case, voters, 2);
    let count = net.nodes.len() as u64;
    let mut ms = 0;
    loop {
        ms += 300 + dice.below(2_700);
        if ms >= FAULTS_UNTIL_MS {
            break;
        }
        let n = dice.below(count) as NodeId;
        let fault = match dice.below(4) {
            0 => Fault::Kill(n),
            1 => Fault::Restart(n),
            2 => Fault::Isolate(n),
            _ => Fault::Reconnect(n),
        };
        net.at(ms, Event::Fault(fault));
    }
    net.at(FAULTS_UNTIL_MS, Event::Heal);
    net.at(WRITE_EVERY_MS, Event::Write);
    let mut committed_at_heal = None;
    while net.step() {
        if net.now > RUN_MS {
            break;
        }
        if net.now >= FAULTS_UNTIL_MS && committed_at_heal.is_none() {
            committed_at_heal = Some(net.committed.len());
        }
        net.check(case);
    }
    // Healed: one leader, followed by all, and everyone caught up.
    let leaders: Vec<&Node> = net
        .nodes
        .iter()
        .filter(|n| matches!(n.role, Role::Leader(_)))
        .collect();
    assert_eq!(
        leaders.len(),
        1,
        "case {case}: {} leaders after healing",
        leaders.len()
    );
    let leader = leaders[0];
    for node in &net.nodes {
        assert_eq!(
            node.leader(),
            Some(leader.id),
            "case {case}: node {} follows: {:?} epoch {} vs leader epoch {} voters {}",
            node.id,
            node.role,
            node.epoch,
            leader.epoch,
            net.voters
        );
        assert!(
            leader.high_watermark - node.high_watermark <= 1,
            "case {case}: node {} is behind: {} of {}",
            node.id,
            node.high_watermark,
            leader.high_watermark
        );
    }
    assert!(
        net.committed.len() > committed_at_heal.unwrap_or(0),
        "case {case}: nothing committed after healing"
    );
    net.committed.len()
}

#[test]
fn random_kills_restarts_and_isolations_keep_raft_safe_and_heal() {
    let committed: usize = (0..CASES).map(run).sum();
    assert!(committed > 0);
}

#[test]
fn a_lone_voter_elects_itself_and_commits_at_once() {
    let mut net = Net::new(7, 1, 1);
    net.at(WRITE_EVERY_MS, Event::Write);
    while net.step() && net.now < 3_000 {
        net.check(0);
    }
    assert!(matches!(net.nodes[0].role, Role::Leader(_)));
    assert_eq!(net.nodes[0].epoch, 1);
    assert!(
        net.nodes[1].high_watermark > 5,
        "the broker reads what commits"
    );
}

#[test]
fn a_quorum_of_three_elects_a_leader_within_its_timeouts() {
    // No leader yet: each voter waits its election timeout, in [1 s, 2 s),
    // then asks for pre-votes, then votes; the first to ask wins.
    let mut net = Net::new(11, 3, 0);
    let mut elected = None;
    while net.step() {
        net.check(0);
        if let Some(leader) = net.nodes.iter().find(|n| matches!(n.role, Role::Leader(_))) {
            elected = Some((leader.id, leader.epoch, net.now));
            break;
        }
    }
    let (_, epoch, at) = elected.expect("a leader");
    assert_eq!(epoch, 1, "pre-votes raise no epoch: one election, epoch 1");
    assert!((1_000..2_100).contains(&at), "elected at {at} ms");
}

#[test]
fn a_voter_cut_off_raises_no_epoch_and_disturbs_nobody_when_it_returns() {
    // KIP-996: alone, it only ever asks for pre-votes, which nobody grants
    // while the leader is alive; so its epoch stays and the leader stays.
    let mut net = Net::new(3, 3, 0);
    while net.step() && net.now < 5_000 {
        net.check(0);
    }
    let leader = net
        .nodes
        .iter()
        .position(|n| matches!(n.role, Role::Leader(_)))
        .unwrap();
    let other = (leader + 1) % 3;
    let epoch = net.nodes[leader].epoch;
    net.at(5_000, Event::Fault(Fault::Isolate(other as NodeId)));
    net.at(20_000, Event::Fault(Fault::Reconnect(other as NodeId)));
    while net.step() && net.now < 30_000 {
        net.check(0);
    }
    assert_eq!(net.nodes[other].epoch, epoch, "its epoch stayed");
    assert!(
        matches!(net.nodes[leader].role, Role::Leader(_)),
        "the leader stayed"
    );
    assert_eq!(net.nodes[leader].epoch, epoch);
    assert_eq!(
        net.nodes[other].leader(),
        Some(leader as NodeId),
        "it follows again"
    );
}

#[test]
fn without_a_majority_nothing_commits_and_the_leader_resigns() {
    let mut net = Net::new(5, 3, 1);
    net.at(WRITE_EVERY_MS, Event::Write);
    while net.step() && net.now < 5_000 {
        net.check(0);
    }
    let leader = net
        .nodes
        .iter()
        .position(|n| matches!(n.role, Role::Leader(_)))
        .unwrap();
    let followers: Vec<NodeId> = (0..3).filter(|v| *v != leader as NodeId).collect();
    for f in &followers {
        net.at(5_000, Event::Fault(Fault::Kill(*f)));
    }
    let mut committed_then = None;
    while net.step() && net.now < 12_000 {
        if net.now >= 5_010 && committed_then.is_none() {
            committed_then = Some(net.nodes[leader].high_watermark);
        }
        net.check(0);
    }
    let node = &net.nodes[leader];
    assert!(
        node.high_watermark <= committed_then.unwrap() + 1,
        "nothing more commits"
    );
    // Check-quorum: no fetches from a majority for 3 s, so it resigned;
    // alone, it cannot win a pre-vote, so no epoch is raised.
    assert!(!matches!(node.role, Role::Leader(_)), "{:?}", node.role);
    assert_eq!(
        net.nodes[3].high_watermark,
        node.high_watermark.min(net.nodes[3].high_watermark)
    );
}

/// Raft's Figure 8, as KIP-595 guards against it: a record of an earlier
/// epoch that a new leader has copied to a majority is not yet committed,
/// because a candidate whose log ends in a later epoch can still win and
/// replace it. Only a record of the leader's own epoch commits it.
#[test]
fn a_record_of_an_earlier_epoch_commits_only_with_one_of_the_leaders_own() {
    let entry = |epoch| Entry {
        epoch,
        record: MetadataRecord::NoOp,
    };
    let mut net = Net::new(1, 5, 0);
    // Voters 0, 1, 3 hold x, appended in epoch 1; voter 2 holds y, appended
    // in epoch 2 by a leader that died at once; voter 4 holds neither.
    for (n, log) in [
        (0, vec![entry(1), entry(1)]),
        (1, vec![entry(1), entry(1)]),
        (3, vec![entry(1), entry(1)]),
        (2, vec![entry(1), entry(2)]),
        (4, vec![entry(1)]),
    ] {
        net.nodes[n].log = log;
        net.nodes[n].epoch = 2;
    }
    // Voters 2 and 4 are away: 0, 1 and 3 elect one of themselves (epoch 3).
    net.isolated[2] = true;
    net.isolated[4] = true;
    let mut leader = None;
    while net.step() && net.now < 10_000 {
        net.check(0);
        // Once two followers have fetched up to x, and so hold it, the
        // leader is cut off before they get its own first record.
        if let Some(l) = net.nodes.iter().position(|n| match &n.role {
            Role::Leader(leading) => leading.ends.iter().filter(|(_, e)| *e == 2).count() >= 2,
            _ => false,
        }) {
            leader = Some(l);
            break;
        }
    }
    let l = leader.expect("a leader among 0, 1, 3");
    assert_eq!(net.nodes[l].epoch, 3);
    assert_eq!(
        net.nodes[l].high_watermark, 0,
        "x is on a majority but not committed"
    );
    net.isolated[l] = true;
    net.isolated[2] = false;
    net.isolated[4] = false;
    // Voter 2's log ends in epoch 2, later than the others' epoch 1: it can
    // win, and then x goes. That is safe only because x never committed.
    while net.step() && net.now < 30_000 {
        net.check(0);
    }
    let winner = net
        .nodes
        .iter()
        .find(|n| matches!(n.role, Role::Leader(_)) && n.id != l as NodeId);
    assert_eq!(winner.map(|n| n.id), Some(2), "the node with y leads");
    assert_eq!(net.nodes[1].log[1].epoch, 2, "x was replaced by y");
}

/// A vote is on disk (`quorum-state`): a voter that granted its vote in an
/// epoch and restarts does not vote again in that epoch, or two leaders
/// could win it.
#[test]
fn a_vote_survives_a_restart() {
    use mqsim::kafka::kraft::quorum::LogEnd;
    let mut voter = Node::new(0, vec![0, 1, 2], Timing::default(), 1);
    let now = SimTime::from_millis(100);
    let ask = |voter: &mut Node, from: NodeId| {
        let last = LogEnd {
            epoch: 0,
            offset: 0,
        };
        let out = voter.on_message(
            from,
            Message::Vote {
                pre_vote: false,
                epoch: 1,
                last,
            },
            now,
        );
        out.iter().any(|o| {
            matches!(
                o,
                Out::Send {
                    message: Message::VoteReply { granted: true, .. },
                    ..
                }
            )
        })
    };
    assert!(ask(&mut voter, 1), "the first candidate gets the vote");
    voter.start(now);
    assert!(!ask(&mut voter, 2), "not a second vote in epoch 1");
    assert!(
        ask(&mut voter, 1),
        "the same candidate asking again is granted"
    );
}
