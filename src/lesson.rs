//! The lesson beside the run: a scenario's narration, its live counters,
//! and the "try this" steps the student has done.
//!
//! A step is ticked off by a [`Deed`] done in the page: an intervention
//! (killing a broker, adding a consumer), opening the inspector on
//! something, or rewinding. Interventions the scenario's own timeline makes
//! do not count: the student has to do it. A step once done stays done,
//! even after a rewind, as a teacher's checklist would.

use crate::inspect::Selection;
use crate::kafka::world::World;
use crate::playback::Playback;
use mqsim::ids::{BrokerId, GroupId};
use mqsim::scenario::narration::{
    Check, Measured, Narration, Piece, parse_check, parse_counter, parse_partition, pieces,
};
use mqsim::scenario::{Intervention, TimelineEntry};
use mqsim::{Scenario, SimTime};
use std::rc::Rc;

/// Something the student did that may tick off a step.
pub enum Deed<'a> {
    Intervened(&'a Intervention),
    Inspected(Selection),
    Rewound,
}

/// A narration and how far the student got through it.
#[derive(Clone, Debug, PartialEq)]
pub struct Lesson {
    pub narration: Rc<Narration>,
    done: Vec<bool>,
}

impl Lesson {
    pub fn new(narration: Narration) -> Lesson {
        let done = vec![false; narration.try_this.len()];
        Lesson {
            narration: Rc::new(narration),
            done,
        }
    }

    /// The lesson of `scenario`, if it carries a narration.
    pub fn of(scenario: &Scenario) -> Option<Lesson> {
        scenario.file().narration.clone().map(Lesson::new)
    }

    /// The lesson rewritten as `narration`: a step that is still there, as
    /// it was, stays done.
    pub fn revised(&self, narration: Narration) -> Lesson {
        let mut revised = Lesson::new(narration);
        for (step, done) in revised.narration.try_this.iter().zip(&mut revised.done) {
            let before = self.narration.try_this.iter().position(|s| s == step);
            *done = before.is_some_and(|i| self.done(i));
        }
        revised
    }

    /// Whether step `i` is done.
    pub fn done(&self, i: usize) -> bool {
        self.done.get(i).copied().unwrap_or(false)
    }

    /// Ticks off every step `deed` does; true if one was new.
    pub fn note(&mut self, deed: &Deed) -> bool {
        let mut ticked = false;
        for (step, done) in self.narration.try_this.iter().zip(&mut self.done) {
            let check = parse_check(&step.done_when);
            if !*done && check.is_some_and(|check| satisfies(&check, deed)) {
                *done = true;
                ticked = true;
            }
        }
        ticked
    }
}

/// Whether `deed` does what `check` asks.
fn satisfies(check: &Check, deed: &Deed) -> bool {
    match (check, deed) {
        (Check::Did { kind, with }, Deed::Intervened(action)) => {
            let entry = TimelineEntry {
                at_ms: 0,
                action: (*action).clone(),
            };
            let said = entry.said();
            let has = |field: &str, want: &str| said.iter().any(|(f, v)| f == field && v == want);
            has("do", kind) && with.iter().all(|(field, want)| has(field, want))
        }
        (Check::Inspected(what), Deed::Inspected(selection)) => *what == kind_of(*selection),
        (Check::Rewound, Deed::Rewound) => true,
        _ => false,
    }
}

/// What a selection is, as a check names it.
fn kind_of(selection: Selection) -> &'static str {
    match selection {
        Selection::Broker(_) => "broker",
        Selection::Controller(_) => "controller",
        Selection::MetadataRecord(_) => "metadata_record",
        Selection::Partition(_) => "partition",
        Selection::Record(_) => "record",
        Selection::Consumer(_) => "consumer",
        Selection::Producer(_) => "producer",
        Selection::Queue(_) => "queue",
        Selection::Message(_) => "message",
        Selection::RabbitConsumer(_) => "rabbit_consumer",
        Selection::Publisher(_) => "publisher",
    }
}

/// Every counter the watch lines name, with its value now. With Kafka
/// panes a Kafka counter has a value per pane, each after its title:
/// "ZooKeeper: 14.2 s · KRaft: 7.4 s".
pub fn counters(narration: &Narration, playback: &Playback) -> Vec<(String, String)> {
    let lanes: Vec<(&str, &World)> = playback.lanes().collect();
    let lines = narration.watch_for.iter().flat_map(|line| pieces(line));
    let counters = lines.filter_map(|piece| {
        let Piece::Counter(counter) = piece else {
            return None;
        };
        let value = |world| counter_value(world, playback, counter);
        let value = match lanes.as_slice() {
            [(_, world)] => value(world)?,
            _ if is_rabbit(counter) => value(playback.world())?,
            _ => {
                let each: Vec<String> = lanes
                    .iter()
                    .filter_map(|(title, world)| Some(format!("{title}: {}", value(world)?)))
                    .collect();
                (!each.is_empty()).then(|| each.join(" · "))?
            }
        };
        Some((counter.to_string(), value))
    });
    counters.collect()
}

/// Whether a counter counts on the RabbitMQ side, which Kafka panes share.
fn is_rabbit(counter: &str) -> bool {
    matches!(
        parse_counter(counter),
        Some((
            Measured::Queue | Measured::RabbitConsumer | Measured::Exchange,
            ..
        ))
    )
}

/// The value of a counter now in `world` (a lane's Kafka side), in words
/// ("12", "broker 2", "3 of 3"); none when what it counts is not there
/// yet.
fn counter_value(world: &World, playback: &Playback, counter: &str) -> Option<String> {
    let (measured, measure, name) = parse_counter(counter)?;
    let rabbit = playback.rabbit();
    let count = |n: u64| Some(n.to_string());
    match measured {
        Measured::Group => {
            let g = world.groups.iter().position(|g| g.name == name)?;
            let group = GroupId(g as u32);
            match measure {
                // A share group's records archived so far.
                "archived" => count(world.groups[g].shares.iter().map(|(_, v)| v.archived).sum()),
                // Partition-seconds without an owner (rebalances, crashes).
                "paused" | "stopped" => {
                    let now = SimTime::from_millis(playback.clock_ms() as u64);
                    let ms = match measure {
                        "paused" => world.pauses.paused_ms(group, now),
                        _ => world.pauses.stopped_ms(group, now),
                    };
                    Some(seconds(ms as f64))
                }
                _ => count(world.backlog(group)),
            }
        }
        Measured::Member => {
            let consumer = world.consumers.iter().find(|c| c.name == name)?;
            count(match measure {
                "processed" => consumer.processed,
                _ => consumer.duplicates,
            })
        }
        Measured::Topic => {
            let topic = world.topics.iter().find(|t| t.name == name)?;
            count(topic.partitions.iter().map(|p| p.log_end).sum())
        }
        Measured::Partition => {
            let (topic, partition) = parse_partition(name)?;
            let t = world.topics.iter().position(|t| t.name == topic)?;
            let state = world.cluster.partitions.get(t)?.get(partition as usize)?;
            Some(match measure {
                "isr" => format!("{} of {}", state.isr.len(), state.replicas.len()),
                "failover" => match (state.leader_lost_at, state.last_failover_ms) {
                    (Some(lost), _) => format!(
                        "no leader for {} so far",
                        seconds(playback.clock_ms() - lost.as_millis() as f64)
                    ),
                    (None, Some(took)) => seconds(took as f64),
                    (None, None) => "no failover yet".to_string(),
                },
                _ => state
                    .leader
                    .map_or("none".into(), |BrokerId(b)| format!("broker {b}")),
            })
        }
        Measured::Quorum => {
            let quorum = world.cluster.quorum.as_ref()?;
            Some(match name {
                "epoch" => quorum.epoch.to_string(),
                _ => quorum
                    .active
                    .map_or("none".into(), |c| format!("controller {c}")),
            })
        }
        Measured::Queue => {
            let queue = rabbit
                .queues
                .iter()
                .find(|q| q.name == name && q.declared)?;
            count(match measure {
                "ready" => queue.ready.len() as u64,
                "unacked" => queue.unacked.len() as u64,
                _ => queue.discarded,
            })
        }
        Measured::RabbitConsumer => {
            let consumer = rabbit.consumers.iter().find(|c| c.name == name)?;
            count(match measure {
                "acked" => consumer.acked,
                _ => consumer.requeued,
            })
        }
        Measured::Exchange => {
            let exchange = rabbit.exchanges.iter().find(|x| x.name == name)?;
            count(match measure {
                "routed" => exchange.routed,
                _ => exchange.dropped,
            })
        }
    }
}

/// A duration for a counter: "7.2 s".
fn seconds(ms: f64) -> String {
    format!("{:.1} s", ms.max(0.0) / 1000.0)
}

#[cfg(test)]
mod tests {
    use super::*;
    use mqsim::scenario::narration::Step;

    fn lesson(checks: &[&str]) -> Lesson {
        let try_this = checks
            .iter()
            .map(|check| Step {
                text: (*check).into(),
                done_when: (*check).into(),
            })
            .collect();
        Lesson::new(Narration {
            watch_for: Vec::new(),
            try_this,
        })
    }

    fn entry(json: &str) -> Intervention {
        serde_json::from_str::<TimelineEntry>(json)
            .expect("an entry")
            .action
    }

    #[test]
    fn a_step_is_ticked_by_the_deed_it_names_and_stays_ticked() {
        let mut lesson = lesson(&["did broker_kill broker=1", "inspected record", "rewound"]);
        let kill = |broker| Intervention::BrokerKill { broker };
        assert!(!lesson.note(&Deed::Intervened(&kill(2))), "another broker");
        assert!(!lesson.done(0));
        assert!(lesson.note(&Deed::Intervened(&kill(1))));
        assert!(lesson.done(0) && !lesson.done(1) && !lesson.done(2));
        assert!(!lesson.note(&Deed::Inspected(Selection::Broker(BrokerId(1)))));
        assert!(lesson.note(&Deed::Inspected(Selection::Record(mqsim::ids::RecordId(3)))));
        assert!(lesson.note(&Deed::Rewound));
        assert!((0..3).all(|i| lesson.done(i)));
        assert!(!lesson.note(&Deed::Rewound), "nothing new");
    }

    #[test]
    fn fields_match_as_written_and_a_name_matches_a_whole_object() {
        let mut lesson = lesson(&[
            "did rabbit_consumer_add consumer=worker-2",
            "did produce poison=true",
        ]);
        let add = |name: &str| {
            entry(&format!(
                r#"{{"at_ms":0,"do":"rabbit_consumer_add","consumer":{{"name":"{name}","queue":"q"}}}}"#
            ))
        };
        assert!(!lesson.note(&Deed::Intervened(&add("worker-3"))));
        assert!(lesson.note(&Deed::Intervened(&add("worker-2"))));
        let produce = entry(r#"{"at_ms":0,"do":"produce","producer":"p"}"#);
        assert!(!lesson.note(&Deed::Intervened(&produce)), "not poison");
        let poison = entry(r#"{"at_ms":0,"do":"produce","producer":"p","poison":true}"#);
        assert!(lesson.note(&Deed::Intervened(&poison)));
    }

    /// The failover counter runs while a partition has no usable leader and
    /// then says how long it took; the quorum counters name the active
    /// controller and its epoch.
    #[test]
    fn failover_and_quorum_counters_follow_the_run() {
        use mqsim::scenario::presets::Preset;
        let scenario = Preset::find("kraft-controller-failover")
            .unwrap()
            .scenario();
        let narration = scenario.file().narration.clone().unwrap();
        let mut p = Playback::new(scenario);
        let value = |p: &Playback, name: &str| {
            counters(&narration, p)
                .into_iter()
                .find(|(c, _)| c == name)
                .map(|(_, v)| v)
                .unwrap()
        };
        p.advance_to(9_000.0);
        assert_eq!(value(&p, "failover orders-0"), "no failover yet");
        assert_eq!(value(&p, "controller active"), "controller 100");
        assert_eq!(value(&p, "controller epoch"), "1");
        p.advance_to(16_000.0);
        assert_eq!(value(&p, "failover orders-0"), "no leader for 5.0 s so far");
        assert_eq!(value(&p, "controller active"), "controller 101");
        p.advance_to(30_000.0);
        // Broker 1 died at 11 s; fenced 9 s after controller 101 took over
        // at 15.2 s, its partition got a leader at 24.4 s.
        assert_eq!(value(&p, "failover orders-0"), "13.4 s");
        assert_eq!(value(&p, "leader orders-0"), "broker 2");
    }
}
