//! How long a rebalance stops a group: the time its partitions spend with
//! no member reading them, folded from the trace.
//!
//! In a consumer group each partition is read by one member. While a
//! partition has no owner, nobody in the group processes its records: they
//! wait. That is the cost of a rebalance, and the protocols differ in it:
//! - **classic, eager** (`range`, `roundrobin`, `sticky`): every member
//!   gives up every partition when the rebalance starts and gets its new
//!   ones when it ends: all partitions wait for the whole rebalance;
//! - **classic, `cooperative-sticky`** (KIP-429): only the partitions that
//!   move are given up, and they wait for a second rebalance;
//! - **consumer protocol** (KIP-848): only a partition that moves waits,
//!   from its old owner's revocation to its new owner's next heartbeat.
//!
//! [`Pauses`] counts, per group, partition-milliseconds without an owner
//! from each partition's first owner on (before that the group had not
//! started on it), and the time the whole group *stopped*: no partition
//! owned at all. An eager rebalance stops the whole group; a cooperative
//! or consumer-protocol one never does, though a moved partition may wait
//! longer: on the consumer protocol its new owner takes it at its next
//! heartbeat, up to `group.consumer.heartbeat.interval.ms` (5 s) later. A member that crashed stops processing at once, so its
//! partitions count from the crash, although its group learns of it only
//! when its session times out. A share group's partitions are shared, not
//! owned, and are not counted.

use crate::ids::{ConsumerId, GroupId, TopicPartition};
use crate::scenario::{GroupKind, Scenario};
use crate::time::SimTime;
use crate::trace::{Event, EventKind, TraceSink};
use litemap::LiteMap;

/// Per group, the partition-milliseconds without an owner so far.
#[derive(Clone, Debug, Default, PartialEq)]
pub struct Pauses {
    /// Each consumer's group.
    group_of: Vec<GroupId>,
    /// What each consumer owns now.
    owned: Vec<Vec<TopicPartition>>,
    groups: Vec<GroupPauses>,
}

#[derive(Clone, Debug, Default, PartialEq)]
struct GroupPauses {
    /// Shared, not owned: not counted.
    share: bool,
    /// Partitions some member has owned, and since when each is without
    /// an owner (none while owned).
    partitions: LiteMap<TopicPartition, Option<SimTime>>,
    /// Finished stretches without an owner, in partition-milliseconds.
    done_ms: u64,
    /// Since when no partition has an owner, while that lasts.
    stopped_since: Option<SimTime>,
    /// Finished stretches with no partition owned.
    stopped_ms: u64,
}

impl Pauses {
    /// Counting for `scenario`'s groups.
    pub fn new(scenario: &Scenario) -> Pauses {
        let consumers = scenario.consumers();
        Pauses {
            group_of: consumers.iter().map(|c| c.group).collect(),
            owned: vec![Vec::new(); consumers.len()],
            groups: (scenario.groups().iter())
                .map(|g| GroupPauses {
                    share: g.kind == GroupKind::Share,
                    ..GroupPauses::default()
                })
                .collect(),
        }
    }

    /// Follows one event.
    pub fn apply(&mut self, event: &Event) {
        let consumer = match &event.kind {
            EventKind::PartitionsAssigned {
                consumer,
                partitions,
                ..
            } => {
                self.set(*consumer, partitions.clone());
                *consumer
            }
            EventKind::PartitionsRevoked {
                consumer,
                partitions,
            } => {
                let kept = (self.owned.get(consumer.index()).into_iter().flatten())
                    .filter(|tp| !partitions.contains(tp))
                    .copied()
                    .collect();
                self.set(*consumer, kept);
                *consumer
            }
            EventKind::ConsumerCrashed { consumer } | EventKind::ConsumerLeft { consumer } => {
                self.set(*consumer, Vec::new());
                *consumer
            }
            _ => return,
        };
        self.update(consumer, event.at);
    }

    fn set(&mut self, consumer: ConsumerId, partitions: Vec<TopicPartition>) {
        if let Some(owned) = self.owned.get_mut(consumer.index()) {
            *owned = partitions;
        }
    }

    /// Starts or ends stretches without an owner in `consumer`'s group.
    fn update(&mut self, consumer: ConsumerId, at: SimTime) {
        let Some(&group) = self.group_of.get(consumer.index()) else {
            return;
        };
        let members = (self.group_of.iter().zip(&self.owned)).filter(|(g, _)| **g == group);
        let owned: Vec<TopicPartition> = members.flat_map(|(_, tps)| tps.iter().copied()).collect();
        let Some(g) = self.groups.get_mut(group.index()) else {
            return;
        };
        if g.share {
            return;
        }
        for &tp in &owned {
            if g.partitions.get(&tp).is_none() {
                g.partitions.insert(tp, None);
            }
        }
        for (tp, since) in g.partitions.iter_mut() {
            match (owned.contains(tp), *since) {
                (true, Some(from)) => {
                    g.done_ms += at.millis_since(from);
                    *since = None;
                }
                (false, None) => *since = Some(at),
                _ => {}
            }
        }
        let stopped = g.partitions.iter().all(|(_, since)| since.is_some());
        match (stopped && !g.partitions.is_empty(), g.stopped_since) {
            (true, None) => g.stopped_since = Some(at),
            (false, Some(from)) => {
                g.stopped_ms += at.millis_since(from);
                g.stopped_since = None;
            }
            _ => {}
        }
    }

    /// How long, up to `now`, `group` had no partition owned at all (once
    /// it had started): the whole group stopped.
    pub fn stopped_ms(&self, group: GroupId, now: SimTime) -> u64 {
        self.groups.get(group.index()).map_or(0, |g| {
            g.stopped_ms + g.stopped_since.map_or(0, |from| now.millis_since(from))
        })
    }

    /// `group`'s partition-milliseconds without an owner up to `now`.
    pub fn paused_ms(&self, group: GroupId, now: SimTime) -> u64 {
        self.groups.get(group.index()).map_or(0, |g| {
            let open = g.partitions.iter().filter_map(|(_, since)| *since);
            g.done_ms + open.map(|from| now.millis_since(from)).sum::<u64>()
        })
    }

    /// How many groups it counts for.
    pub fn groups(&self) -> usize {
        self.groups.len()
    }
}

/// Counting while a run traces, and passing each event on to `inner`.
pub struct CountingPauses<'a, S: TraceSink> {
    pub pauses: &'a mut Pauses,
    pub inner: &'a mut S,
}

impl<S: TraceSink> TraceSink for CountingPauses<'_, S> {
    fn record(&mut self, event: Event) {
        self.pauses.apply(&event);
        self.inner.record(event);
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::Simulation;
    use serde_json::json;

    fn scenario(strategy: &str, protocol: &str) -> Scenario {
        let member =
            |name: &str| json!({"name": name, "max_poll_records": 5, "processing_ms": 100});
        let file = json!({
            "version": 1, "name": "pauses", "seed": 3, "duration_ms": 40000,
            "network": {"latency_ms": 50},
            "kafka": {
                "group_initial_rebalance_delay_ms": 300,
                "topics": [{"name": "t", "partitions": 4}],
                "producers": [{"name": "p", "topic": "t", "rate_per_sec": 10.0}],
                "groups": [{"name": "g", "topics": ["t"], "assignment_strategy": strategy,
                            "protocol": protocol, "members": [member("a"), member("b")]}]
            },
            "timeline": [{"at_ms": 15000, "do": "consumer_join", "group": "g", "member": member("c")}]
        });
        let mut text = file.to_string();
        if protocol == "consumer" {
            text = text.replace(&format!(r#""assignment_strategy":"{strategy}","#), "");
        }
        Scenario::from_json(&text).expect("valid")
    }

    fn pauses_of(s: &Scenario) -> (u64, u64) {
        let mut pauses = Pauses::new(s);
        let mut sink = CountingPauses {
            pauses: &mut pauses,
            inner: &mut Vec::new(),
        };
        let until = SimTime::from_millis(40_000);
        Simulation::new(s).run_until(until, &mut sink);
        (
            pauses.paused_ms(GroupId(0), until),
            pauses.stopped_ms(GroupId(0), until),
        )
    }

    /// An eager rebalance stops the whole group and every partition; a
    /// cooperative one and the consumer protocol never stop the whole
    /// group, only the partitions that move wait.
    #[test]
    fn an_eager_rebalance_stops_the_group_an_incremental_one_does_not() {
        let (eager_paused, eager_stopped) = pauses_of(&scenario("range", "classic"));
        let (coop_paused, coop_stopped) = pauses_of(&scenario("cooperative-sticky", "classic"));
        let (kip848_paused, kip848_stopped) = pauses_of(&scenario("range", "consumer"));
        assert!(eager_stopped > 0, "eager stops the group");
        assert!(
            eager_paused >= 4 * eager_stopped,
            "all 4 partitions wait while stopped"
        );
        assert_eq!((coop_stopped, kip848_stopped), (0, 0));
        assert!(
            coop_paused > 0 && kip848_paused > 0,
            "the moved partitions wait"
        );
    }

    /// A crashed member's partitions wait from the crash; a share group is
    /// not counted.
    #[test]
    fn a_crash_counts_from_the_crash_and_share_groups_are_not_counted() {
        let s = Scenario::from_json(
            &json!({
                "version": 1, "name": "crash", "seed": 3, "duration_ms": 30000,
                "kafka": {
                    "topics": [{"name": "t", "partitions": 2}],
                    "producers": [{"name": "p", "topic": "t", "rate_per_sec": 4.0}],
                    "groups": [{"name": "g", "topics": ["t"], "session_timeout_ms": 10000,
                                "members": [{"name": "a"}, {"name": "b"}]}],
                    "share_groups": [{"name": "s", "topics": ["t"],
                                      "members": [{"name": "x"}, {"name": "y"}]}]
                },
                "timeline": [{"at_ms": 10000, "do": "consumer_crash", "group": "g", "member": "b"}]
            })
            .to_string(),
        )
        .unwrap();
        let mut pauses = Pauses::new(&s);
        assert_eq!(pauses.groups(), 2);
        let mut sink = CountingPauses {
            pauses: &mut pauses,
            inner: &mut Vec::new(),
        };
        let until = SimTime::from_millis(30_000);
        Simulation::new(&s).run_until(until, &mut sink);
        // b's partition waits from 10 s until its session expires (10 s
        // later), a hears of the rebalance from a heartbeat (within 3 s)
        // and the group has rebalanced.
        let paused = pauses.paused_ms(GroupId(0), until);
        assert!((10_000..16_000).contains(&paused), "{paused}");
        assert_eq!(pauses.paused_ms(GroupId(1), until), 0);
    }
}
