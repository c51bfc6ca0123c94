//! A KRaft cluster's processes (`kafka::kraft::node`) together over a
//! simulated network: three dedicated controllers and three brokers at
//! Kafka's default timings. Brokers register and are unfenced; a broker
//! that dies is fenced after `broker.session.timeout.ms` and its partition
//! gets a new leader; the active controller's death is an election, after
//! which brokers carry on; without a majority of controllers nothing about
//! the cluster can change.

#![cfg(not(target_arch = "wasm32"))]

use mqsim::ids::{BrokerId, TopicId, TopicPartition};
use mqsim::kafka::kraft::controller;
use mqsim::kafka::kraft::node::{Node, Out, Settings, Wake, Wire};
use mqsim::kafka::kraft::quorum::NodeId;
use mqsim::time::SimTime;
use std::collections::BTreeMap;

const CONTROLLERS: u32 = 3;
const BROKERS: u32 = 3;
const TP: TopicPartition = TopicPartition {
    topic: TopicId(0),
    partition: 0,
};

#[derive(Debug)]
enum Event {
    Deliver {
        from: NodeId,
        to: NodeId,
        wire: Wire,
    },
    Wake {
        node: NodeId,
        incarnation: u32,
        wake: Wake,
    },
}

/// Controllers are nodes 0..3; broker b is node 3 + b.
struct Net {
    nodes: Vec<Node>,
    up: Vec<bool>,
    incarnation: Vec<u32>,
    queue: BTreeMap<(u64, u64), Event>,
    seq: u64,
    now: u64,
}

fn node_of(broker: u32) -> NodeId {
    CONTROLLERS + broker
}

impl Net {
    fn new(seed: u64) -> Net {
        let voters: Vec<NodeId> = (0..CONTROLLERS).collect();
        let nodes: Vec<Node> = (0..CONTROLLERS + BROKERS)
            .map(|id| {
                let broker = id.checked_sub(CONTROLLERS).map(BrokerId);
                Node::new(id, broker, voters.clone(), Settings::default(), seed)
            })
            .collect();
        let count = nodes.len();
        let mut net = Net {
            nodes,
            up: vec![true; count],
            incarnation: vec![0; count],
            queue: BTreeMap::new(),
            seq: 0,
            now: 0,
        };
        for id in 0..count as NodeId {
            let out = net.nodes[id as usize].start(SimTime::ZERO);
            net.route(id, out);
        }
        net
    }

    /// A cluster already running at time zero, as a scenario's is:
    /// controller 0 leads, the brokers are registered and unfenced, and
    /// the topic is there, led by broker 0.
    fn running(seed: u64) -> Net {
        let mut net = Net::new(seed);
        net.queue.clear();
        let brokers: Vec<BrokerId> = (0..BROKERS).map(BrokerId).collect();
        let topics = [("orders".into(), vec![brokers.clone()])];
        let records = controller::bootstrap(&brokers, &topics).unwrap();
        for id in 0..net.nodes.len() {
            let node = net.nodes[id].clone();
            let (node, out) = node.running(0, &records, SimTime::ZERO);
            net.nodes[id] = node;
            net.route(id as NodeId, out);
        }
        net
    }

    fn push(&mut self, at: u64, event: Event) {
        self.seq += 1;
        self.queue.insert((at, self.seq), event);
    }

    fn route(&mut self, from: NodeId, out: Vec<Out>) {
        for o in out {
            match o {
                Out::Send { to, wire } => {
                    if self.up[from as usize] && self.up[to as usize] {
                        self.push(self.now + 1, Event::Deliver { from, to, wire });
                    }
                }
                Out::Wake { at, wake } => {
                    let incarnation = self.incarnation[from as usize];
                    self.push(
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

    /// Runs until `until` ms, or until `stop` holds.
    fn run_until(&mut self, until: u64, stop: impl Fn(&Net) -> bool) -> bool {
        while let Some(entry) = self.queue.first_entry() {
            if entry.key().0 > until {
                self.now = until;
                return false;
            }
            let ((at, _), event) = entry.remove_entry();
            self.now = at;
            let now = SimTime::from_millis(at);
            match event {
                Event::Deliver { from, to, wire } => {
                    if self.up[to as usize] {
                        let out = self.nodes[to as usize].on_wire(from, wire, now);
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
            }
            if stop(self) {
                return true;
            }
        }
        false
    }

    fn kill(&mut self, node: NodeId) {
        self.up[node as usize] = false;
        self.incarnation[node as usize] += 1;
    }

    fn restart(&mut self, node: NodeId) {
        self.up[node as usize] = true;
        self.incarnation[node as usize] += 1;
        let out = self.nodes[node as usize].start(SimTime::from_millis(self.now));
        self.route(node, out);
    }

    fn active(&self) -> Option<NodeId> {
        (0..CONTROLLERS).find(|c| self.up[*c as usize] && self.nodes[*c as usize].active.is_some())
    }

    /// The partition's leader as broker `b` has applied it.
    fn leader_seen_by(&self, b: u32) -> Option<BrokerId> {
        self.nodes[node_of(b) as usize]
            .image
            .partition(TP)
            .and_then(|p| p.leader)
    }

    /// A running cluster: brokers unfenced, a topic of one partition on all
    /// three, led by broker 0.
    fn started(seed: u64) -> Net {
        let mut net = Net::new(seed);
        let ready = |net: &Net| {
            net.active().is_some_and(|c| {
                let image = &net.nodes[c as usize].image;
                (0..BROKERS).all(|b| image.is_active(BrokerId(b)))
            })
        };
        assert!(
            net.run_until(20_000, ready),
            "brokers registered and unfenced"
        );
        let c = net.active().unwrap();
        let placement = [vec![BrokerId(0), BrokerId(1), BrokerId(2)]];
        let now = SimTime::from_millis(net.now);
        let out = net.nodes[c as usize]
            .create_topic("orders".into(), 0, &placement, now)
            .unwrap();
        net.route(c, out);
        let seen = |net: &Net| (0..BROKERS).all(|b| net.leader_seen_by(b) == Some(BrokerId(0)));
        assert!(
            net.run_until(net.now + 2_000, seen),
            "every broker applied it"
        );
        net
    }
}

#[test]
fn brokers_register_fenced_and_are_unfenced_once_caught_up() {
    let net = Net::started(1);
    for b in 0..BROKERS {
        let node = &net.nodes[node_of(b) as usize];
        assert!(node.registered);
        assert!(
            node.image.is_active(BrokerId(b)),
            "broker {b} sees itself unfenced"
        );
    }
}

/// KRaft's failover, at Kafka's defaults: a dead broker is fenced
/// `broker.session.timeout.ms` (9 s) after its last heartbeat, which came
/// up to `broker.heartbeat.interval.ms` (2 s) before it died, so 7 to 9 s
/// after the death; the partition change commits and the surviving brokers
/// apply it within milliseconds.
#[test]
fn a_dead_leader_is_fenced_after_its_session_and_its_partition_moves() {
    let mut waits = Vec::new();
    for seed in 0..20 {
        let mut net = Net::started(seed);
        net.run_until(net.now + 1_000 + seed * 97, |_| false);
        let died = net.now;
        net.kill(node_of(0));
        let moved = |net: &Net| (1..BROKERS).all(|b| net.leader_seen_by(b) == Some(BrokerId(1)));
        assert!(
            net.run_until(died + 20_000, moved),
            "seed {seed}: a new leader"
        );
        waits.push(net.now - died);
        let c = net.active().unwrap();
        let image = &net.nodes[c as usize].image;
        assert!(!image.is_active(BrokerId(0)), "fenced");
        assert_eq!(image.partition(TP).unwrap().isr, [BrokerId(1), BrokerId(2)]);
    }
    let (shortest, longest) = (waits.iter().min().unwrap(), waits.iter().max().unwrap());
    assert!(
        *shortest >= 7_000 && *longest <= 9_300,
        "new leader {shortest}..{longest} ms after the death"
    );
}

#[test]
fn the_active_controller_dies_another_is_elected_and_no_broker_is_fenced() {
    let mut net = Net::started(3);
    let old = net.active().unwrap();
    let died = net.now;
    net.kill(old);
    let elected = |net: &Net| net.active().is_some_and(|c| c != old);
    assert!(
        net.run_until(died + 10_000, elected),
        "a new active controller"
    );
    let took = net.now - died;
    // Followers notice after the fetch timeout (2 s), then pre-vote and
    // vote, within an election timeout or two.
    assert!((2_000..6_000).contains(&took), "elected {took} ms after");
    net.run_until(net.now + 15_000, |_| false);
    let c = net.active().unwrap();
    let image = &net.nodes[c as usize].image;
    assert!(
        (0..BROKERS).all(|b| image.is_active(BrokerId(b))),
        "brokers heartbeat to the new one: none fenced"
    );
    // A broker dying now is fenced by the new active controller.
    net.kill(node_of(2));
    net.run_until(net.now + 12_000, |_| false);
    let c = net.active().unwrap();
    assert!(!net.nodes[c as usize].image.is_active(BrokerId(2)));
}

#[test]
fn without_a_majority_of_controllers_nothing_changes_until_one_returns() {
    let mut net = Net::started(5);
    let active = net.active().unwrap();
    let others: Vec<NodeId> = (0..CONTROLLERS).filter(|c| *c != active).collect();
    net.kill(others[0]);
    net.kill(others[1]);
    // The leader of partition 0 dies too: nobody can fence it.
    net.kill(node_of(0));
    net.run_until(net.now + 30_000, |_| false);
    assert!(
        net.active().is_none(),
        "no active controller without a majority"
    );
    for b in 1..BROKERS {
        assert_eq!(
            net.leader_seen_by(b),
            Some(BrokerId(0)),
            "the old leader stays"
        );
    }
    // One controller returns: a majority again, an election, then the dead
    // broker is fenced and the partition moves.
    net.restart(others[0]);
    let moved = |net: &Net| (1..BROKERS).all(|b| net.leader_seen_by(b) == Some(BrokerId(1)));
    assert!(net.run_until(net.now + 30_000, moved));
}

#[test]
fn a_cluster_running_at_time_zero_stays_as_it_is_until_something_fails() {
    let mut net = Net::running(9);
    assert_eq!(net.active(), Some(0));
    for b in 0..BROKERS {
        assert_eq!(
            net.leader_seen_by(b),
            Some(BrokerId(0)),
            "broker {b} sees the topic at once"
        );
        assert!(net.nodes[node_of(b) as usize].registered);
    }
    net.run_until(60_000, |_| false);
    assert_eq!(net.active(), Some(0), "no election");
    assert!(net.nodes.iter().all(|n| n.raft.epoch == 1));
    let image = &net.nodes[0].image;
    assert!(
        (0..BROKERS).all(|b| image.is_active(BrokerId(b))),
        "no broker fenced"
    );
    assert!(
        image.offset > 100,
        "NoOpRecords every 500 ms: {}",
        image.offset
    );
    net.kill(node_of(0));
    let moved = |net: &Net| (1..BROKERS).all(|b| net.leader_seen_by(b) == Some(BrokerId(1)));
    assert!(net.run_until(net.now + 10_000, moved));
}
