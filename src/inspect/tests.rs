//! The inspector, checked on the presets: what it says about each thing, and
//! that every action it offers is one the engine takes.

use super::*;
use crate::rabbit::world::Anchor;
use mqsim::ids::TopicId;
use mqsim::scenario::presets::{PRESETS, Preset};

fn playback(preset: &str, at_ms: f64) -> Playback {
    let mut p = Playback::new(Preset::find(preset).unwrap().scenario());
    p.advance_to(at_ms);
    p
}

fn action<'a>(inspection: &'a Inspection, label: &str) -> &'a Action {
    inspection
        .actions
        .iter()
        .find(|a| a.label == label)
        .unwrap_or_else(|| panic!("no {label:?} in {:?}", labels(inspection)))
}

fn labels(inspection: &Inspection) -> Vec<&str> {
    inspection
        .actions
        .iter()
        .map(|a| a.label.as_ref())
        .collect()
}

fn fact(inspection: &Inspection, label: &str) -> String {
    inspection
        .facts
        .iter()
        .find(|(l, _)| *l == label)
        .map(|(_, v)| v.clone())
        .unwrap_or_else(|| panic!("no fact {label} in {inspection:?}"))
}

/// Every selection the scenario has, for sweeping.
fn everything(p: &Playback) -> Vec<Selection> {
    let world = p.world();
    let mut all: Vec<Selection> = (0..world.cluster.brokers.len())
        .map(|b| Selection::Broker(BrokerId(b as u32)))
        .collect();
    all.extend(
        world
            .cluster
            .quorum
            .iter()
            .flat_map(|q| q.voters.iter().map(|v| Selection::Controller(v.id))),
    );
    all.extend((0..world.consumers.len()).map(|c| Selection::Consumer(ConsumerId(c as u32))));
    for (t, topic) in world.topics.iter().enumerate() {
        all.extend((0..topic.partitions.len()).map(|partition| {
            Selection::Partition(TopicPartition {
                topic: TopicId(t as u32),
                partition: partition as u32,
            })
        }));
    }
    all.extend(
        (0..p.rabbit().consumers.len())
            .map(|c| Selection::RabbitConsumer(RabbitConsumerId(c as u32))),
    );
    all.extend((0..p.rabbit().queues.len()).map(|q| Selection::Queue(QueueId(q as u32))));
    all.extend((0..world.producers.len()).map(|i| Selection::Producer(ProducerId(i as u32))));
    all.extend(
        (0..p.rabbit().publishers.len()).map(|i| Selection::Publisher(PublisherId(i as u32))),
    );
    all
}

/// Whatever the inspector offers, the engine takes: in every preset, at
/// several moments, each action on each thing is a valid intervention
/// that changes the run.
#[test]
fn every_action_offered_is_accepted() {
    for preset in PRESETS {
        for at_ms in [0.0, 12_000.0, 40_000.0] {
            let p = playback(preset.id, at_ms);
            for selection in everything(&p) {
                let inspection = Inspection::of(&p, selection).expect("described");
                for action in &inspection.actions {
                    let mut tried = Playback::new(p.shared());
                    tried
                        .intervene_all(action.interventions.clone())
                        .unwrap_or_else(|why| {
                            panic!("{} at {at_ms}: {:?} refused: {why}", preset.id, action)
                        });
                }
            }
        }
    }
}

/// A broker's card tells what it leads and offers to kill it; once
/// dead, it offers a restart instead.
#[test]
fn a_broker_offers_kill_then_restart() {
    let mut p = playback("leader-failover", 3_000.0);
    let alive = Inspection::of(&p, Selection::Broker(BrokerId(1))).unwrap();
    assert_eq!(
        labels(&alive),
        ["Kill", "Shut down", "Isolate", "Preferred leader election"]
    );
    assert!(fact(&alive, "Leads").contains("orders-"), "{alive:?}");
    p.intervene_all(alive.actions[0].interventions.clone())
        .unwrap();
    p.advance_to(10_000.0);
    let dead = Inspection::of(&p, Selection::Broker(BrokerId(1))).unwrap();
    assert_eq!(fact(&dead, "Status"), "dead");
    assert_eq!(fact(&dead, "Leads"), "none");
    assert_eq!(labels(&dead), ["Restart", "Preferred leader election"]);
}

/// Shut down from the inspector, a broker says it is shutting down, then
/// that it stopped (not died), leading nothing, and can be restarted.
#[test]
fn a_broker_shuts_down_from_the_inspector() {
    let mut p = playback("kraft-controller-failover", 3_000.0);
    let alive = Inspection::of(&p, Selection::Broker(BrokerId(2))).unwrap();
    p.intervene_all(action(&alive, "Shut down").interventions.clone())
        .unwrap();
    p.advance_to(3_001.0);
    let going = Inspection::of(&p, Selection::Broker(BrokerId(2))).unwrap();
    assert!(
        fact(&going, "Status").starts_with("shutting down"),
        "{going:?}"
    );
    assert!(!labels(&going).contains(&"Shut down"));
    p.advance_to(8_000.0);
    let stopped = Inspection::of(&p, Selection::Broker(BrokerId(2))).unwrap();
    assert_eq!(
        fact(&stopped, "Status"),
        "stopped after a controlled shutdown"
    );
    assert_eq!(fact(&stopped, "Leads"), "none");
    assert!(fact(&stopped, "Registration").starts_with("fenced"));
    assert_eq!(labels(&stopped), ["Restart"]);
}

#[test]
fn a_consumer_offers_crash_and_leave_then_restart() {
    let mut p = playback("order-notifications", 6_000.0);
    let running = Inspection::of(&p, Selection::Consumer(ConsumerId(0))).unwrap();
    assert_eq!(running.kind, "member of group notifications");
    assert_eq!(
        labels(&running),
        [
            "Crash",
            "Leave",
            "Slow down",
            "Add a consumer",
            "Start a second group"
        ]
    );
    assert!(fact(&running, "Owns").contains("orders-"));
    p.intervene_all(running.actions[0].interventions.clone())
        .unwrap();
    let crashed = Inspection::of(&p, Selection::Consumer(ConsumerId(0))).unwrap();
    assert_eq!(fact(&crashed, "Status"), "crashed");
    assert_eq!(
        labels(&crashed),
        ["Restart", "Add a consumer", "Start a second group"]
    );
}

/// "Add a consumer" brings in a member set up like the one clicked; the
/// group rebalances and shares the partitions three ways.
#[test]
fn a_consumer_added_by_hand_joins_its_group() {
    let mut p = playback("order-notifications", 6_000.0);
    let running = Inspection::of(&p, Selection::Consumer(ConsumerId(0))).unwrap();
    let join = action(&running, "Add a consumer");
    let [Intervention::ConsumerJoin { member, .. }] = join.interventions.as_slice() else {
        panic!("{join:?}");
    };
    assert_eq!(member.name, "notifier-3");
    let generation = p.world().groups[0].generation;
    p.intervene_all(join.interventions.clone()).unwrap();
    p.advance_to(12_000.0);
    assert!(p.world().groups[0].generation > generation);
    assert!(p.world().consumers.iter().all(|c| c.assigned.len() == 1));
}

/// A partition shows its log ends, each group's commit and lag, and
/// adding a partition grows the topic.
#[test]
fn a_partition_shows_commits_and_lag_and_can_grow() {
    let mut p = playback("order-notifications", 20_000.0);
    let tp = TopicPartition {
        topic: TopicId(0),
        partition: 0,
    };
    let part = Inspection::of(&p, Selection::Partition(tp)).unwrap();
    let log_end = p.world().topics[0].partitions[0].log_end;
    assert_eq!(fact(&part, "Log end"), log_end.to_string());
    let committed = p.world().groups[0].committed[&tp];
    assert_eq!(
        fact(&part, "Committed"),
        format!("notifications: {committed}, lag {}", log_end - committed)
    );
    let before = p.world().topics[0].partitions.len();
    p.intervene_all(part.actions[0].interventions.clone())
        .unwrap();
    assert_eq!(p.world().topics[0].partitions.len(), before + 1);
}

/// A clicked record shows its key, where it is stored and its path,
/// from sending to processing.
#[test]
fn a_record_shows_its_offset_key_and_path() {
    let mut p = playback("order-notifications", 20_000.0);
    let stored = p.world().topics[0].partitions[1].recent[0].clone();
    let selection = Selection::Record(stored.record);
    assert!(Inspection::of(&p, selection).is_none(), "not followed yet");
    p.watch(selection.subject());
    let record = Inspection::of(&p, selection).unwrap();
    assert!(
        record.title.starts_with("Record checkout-"),
        "{}",
        record.title
    );
    assert!(
        fact(&record, "Stored at").starts_with(&format!("orders-1 offset {} ", stored.offset)),
        "{record:?}"
    );
    assert_eq!(fact(&record, "Key"), stored.key.as_deref().unwrap());
    assert_eq!(fact(&record, "Status"), "processed");
    assert!(record.path.first().unwrap().1.starts_with("checkout sent"));
    assert!(
        record
            .path
            .iter()
            .any(|(_, said)| said.contains("processed orders-1 offset"))
    );
}

/// A poison message shows its routing key, its deliveries and, once
/// dead-lettered, its x-death, as the broker holds it.
#[test]
fn a_dead_lettered_message_shows_its_x_death() {
    let mut p = playback("rabbit-retry-dead-letter", 0.0);
    let poison = Selection::Message(MessageId(1));
    p.watch(poison.subject());
    p.advance_to(30_000.0);
    let message = Inspection::of(&p, poison).unwrap();
    assert_eq!(fact(&message, "Routing key"), "order.poison");
    assert!(
        fact(&message, "x-death").starts_with("delivery_limit ×1 in payments"),
        "{message:?}"
    );
    assert!(
        message
            .path
            .iter()
            .any(|(_, said)| said.contains("(redelivered)"))
    );
    assert!(
        message
            .path
            .iter()
            .any(|(_, said)| said.contains("over its delivery limit, dead-lettered"))
    );
}

#[test]
fn headers_are_read_as_name_value_pairs() {
    assert_eq!(
        parse_headers(" trace-id = 42, source=web ,").unwrap(),
        BTreeMap::from([
            ("source".to_string(), "web".to_string()),
            ("trace-id".to_string(), "42".to_string())
        ])
    );
    assert!(parse_headers("").unwrap().is_empty());
    let why = parse_headers("trace-id").unwrap_err();
    assert!(why.contains("\"trace-id\" is not name=value"), "{why}");
}

/// A producer offers a form; what it sends goes through the producer's
/// partitioner and shows up in the run.
#[test]
fn a_producer_offers_to_send_a_record_by_hand() {
    let mut p = playback("order-notifications", 4_000.0);
    let producer = Inspection::of(&p, Selection::Producer(ProducerId(0))).unwrap();
    assert_eq!(fact(&producer, "acks"), "all: every in-sync replica");
    let Some(SendForm::Record {
        producer: name,
        partitions,
        ..
    }) = producer.form
    else {
        panic!("a record form: {producer:?}");
    };
    assert_eq!((name.as_str(), partitions), ("checkout", 3));
    p.intervene(Intervention::Produce {
        producer: name,
        key: Some("zoe".into()),
        value: None,
        partition: None,
        headers: BTreeMap::new(),
        poison: false,
        broker: None,
    })
    .unwrap();
    p.advance_to(4_001.0);
    let said: Vec<String> = p.log().iter().map(|e| e.describe(p.names()).text).collect();
    assert!(
        said.iter()
            .any(|s| s.starts_with("checkout sent checkout-by-hand-1 (key zoe) to orders-")),
        "{said:?}"
    );
}

/// Slowing a consumer down offers to bring it back to its usual pace.
#[test]
fn a_slowed_consumer_offers_its_normal_speed_back() {
    let mut p = playback("rabbit-retry-dead-letter", 2_000.0);
    let id = Selection::RabbitConsumer(RabbitConsumerId(0));
    let usual = Inspection::of(&p, id).unwrap();
    assert_eq!(fact(&usual, "Handling"), "200 ms per message");
    p.intervene_all(usual.actions[1].interventions.clone())
        .unwrap();
    p.advance_to(2_001.0);
    let slowed = Inspection::of(&p, id).unwrap();
    assert_eq!(fact(&slowed, "Handling"), "1000 ms per message");
    assert_eq!(labels(&slowed), ["Crash", "Normal speed", "Add a consumer"]);
}

/// Crashing a RabbitMQ consumer requeues what it held.
#[test]
fn a_rabbit_consumer_crash_requeues_its_deliveries() {
    let mut p = playback("rabbit-retry-dead-letter", 0.0);
    let holding = |p: &Playback| {
        let rabbit = p.rabbit();
        rabbit
            .queues
            .iter()
            .flat_map(|q| &q.unacked)
            .map(|(_, by)| *by)
            .next()
    };
    while holding(&p).is_none() {
        p.advance_to(p.clock_ms() + 50.0);
    }
    let id = holding(&p).unwrap();
    let held = p
        .rabbit()
        .queues
        .iter()
        .flat_map(|q| &q.unacked)
        .filter(|(_, by)| *by == id)
        .count();
    let inspection = Inspection::of(&p, Selection::RabbitConsumer(id)).unwrap();
    assert_eq!(fact(&inspection, "Unacknowledged"), held.to_string());
    p.intervene_all(inspection.actions[0].interventions.clone())
        .unwrap();
    p.advance_to(p.clock_ms() + 1.0);
    let after = Inspection::of(&p, Selection::RabbitConsumer(id)).unwrap();
    assert_eq!(fact(&after, "Status"), "crashed");
    assert_eq!(fact(&after, "Unacknowledged"), "0");
    assert_eq!(labels(&after), ["Restart", "Add a consumer"]);
}

/// "Add a producer" on a partition starts a new producer on its topic;
/// it offers to stop, and once stopped it sends nothing more.
#[test]
fn a_producer_added_by_hand_sends_until_stopped() {
    let mut p = playback("order-notifications", 3_000.0);
    let tp = TopicPartition {
        topic: TopicId(0),
        partition: 0,
    };
    let part = Inspection::of(&p, Selection::Partition(tp)).unwrap();
    assert_eq!(labels(&part), ["Add a partition", "Add a producer"]);
    p.intervene_all(part.actions[1].interventions.clone())
        .unwrap();
    p.advance_to(6_000.0);
    let added = Selection::Producer(ProducerId(1));
    let producer = Inspection::of(&p, added).unwrap();
    assert_eq!(producer.title, "Producer producer-2");
    assert_eq!(fact(&producer, "Keys"), "alice, bob, carol, dave, erin");
    assert!(
        p.world().producers[1].sent >= 6,
        "two a second for three seconds"
    );
    p.intervene_all(producer.actions[0].interventions.clone())
        .unwrap();
    // Stopped at 6 s, before its send due then.
    let sent = p.world().producers[1].sent;
    p.advance_to(9_000.0);
    assert_eq!(p.world().producers[1].sent, sent);
    assert!(Inspection::of(&p, added).unwrap().actions.is_empty());
}

/// "Add a consumer" on a queue no one reads starts a consumer there that
/// drains it; the new consumer is a competing consumer like any other.
#[test]
fn a_rabbit_consumer_added_by_hand_drains_its_queue() {
    let mut p = playback("rabbit-retry-dead-letter", 20_000.0);
    let parked = p
        .rabbit()
        .queues
        .iter()
        .position(|q| q.dead_letter && !q.ready.is_empty())
        .expect("a dead-letter queue holds messages at 20 s");
    let queue = Selection::Queue(QueueId(parked as u32));
    let inspection = Inspection::of(&p, queue).unwrap();
    assert_eq!(
        labels(&inspection),
        [
            "Add a consumer",
            "Add a queue bound like this one",
            "Unbind from dlx",
            "Delete queue"
        ]
    );
    p.intervene_all(inspection.actions[0].interventions.clone())
        .unwrap();
    p.advance_to(40_000.0);
    let added = p.rabbit().consumers.last().unwrap();
    assert!(added.running && added.acked > 0, "{} acked", added.acked);
    assert!(p.rabbit().queues[parked].ready.len() < 3);
}

/// "Start a second group" on a member: a new group with the same settings
/// starts at the moment shown; its members share the topic's partitions and
/// process records of their own (each group gets every record).
#[test]
fn a_second_group_reads_the_same_topic() {
    let mut p = playback("order-notifications", 6_000.0);
    let member = Inspection::of(&p, Selection::Consumer(ConsumerId(0))).unwrap();
    let groups = p.world().groups.len();
    p.intervene_all(
        action(&member, "Start a second group")
            .interventions
            .clone(),
    )
    .unwrap();
    p.advance_to(20_000.0);
    let world = p.world();
    assert_eq!(world.groups.len(), groups + 1);
    assert_eq!(world.groups[groups].name, "notifications-2");
    let second: Vec<_> = world
        .consumers
        .iter()
        .filter(|c| c.group.index() == groups)
        .collect();
    assert_eq!(second.len(), 2);
    assert!(
        second
            .iter()
            .all(|c| !c.assigned.is_empty() && c.processed > 0)
    );
}

/// A group whose members all joined from the timeline is copied with them,
/// not as a group of nobody.
#[test]
fn a_second_group_of_a_group_that_started_empty_has_its_members() {
    let mut file = mqsim::scenario::presets::default_scenario().file().clone();
    let members = std::mem::take(&mut file.kafka.groups[0].members);
    file.timeline = members
        .into_iter()
        .map(|member| {
            serde_json::from_value(serde_json::json!({
                "at_ms": 1_000, "do": "consumer_join", "group": "notifications", "member": member,
            }))
            .expect("an entry")
        })
        .collect();
    let mut p = Playback::new(file.validate().expect("valid"));
    p.advance_to(6_000.0);
    let member = Inspection::of(&p, Selection::Consumer(ConsumerId(0))).unwrap();
    let start = action(&member, "Start a second group");
    let [Intervention::GroupAdd { group }] = start.interventions.as_slice() else {
        panic!("{:?}", start.interventions);
    };
    let names: Vec<&str> = group.members.iter().map(|m| m.name.as_str()).collect();
    assert_eq!(names, ["notifier-3", "notifier-4"]);
}

/// "Add a queue bound like this one", then "Unbind…" and "Delete queue" on
/// the twin: it gets the matching messages while bound; after deletion its
/// consumer is cancelled and nothing is drawn flying to either.
#[test]
fn a_twin_queue_is_fed_until_unbound_and_then_deleted() {
    let mut p = playback("rabbit-retry-dead-letter", 4_000.0);
    let payments = p
        .rabbit()
        .queues
        .iter()
        .position(|q| q.name == "payments")
        .expect("payments");
    let inspection = Inspection::of(&p, Selection::Queue(QueueId(payments as u32))).unwrap();
    p.intervene_all(
        action(&inspection, "Add a queue bound like this one")
            .interventions
            .clone(),
    )
    .unwrap();
    p.advance_to(10_000.0);
    let twin = QueueId(p.rabbit().queues.len() as u32 - 1);
    let consumer = p.rabbit().consumers.len() - 1;
    assert_eq!(p.rabbit().queues[twin.index()].name, "payments-2");
    assert!(p.rabbit().consumers[consumer].acked > 5);
    let twin_view = Inspection::of(&p, Selection::Queue(twin)).unwrap();
    let unbinds: Vec<&Action> = twin_view
        .actions
        .iter()
        .filter(|a| a.label.starts_with("Unbind"))
        .collect();
    assert!(!unbinds.is_empty());
    let all: Vec<Intervention> = unbinds
        .iter()
        .flat_map(|a| a.interventions.clone())
        .collect();
    p.intervene_all(all).unwrap();
    p.advance_to(11_000.0);
    let acked = p.rabbit().consumers[consumer].acked;
    p.advance_to(16_000.0);
    let q = &p.rabbit().queues[twin.index()];
    assert!(q.ready.is_empty() && q.unacked.is_empty());
    assert_eq!(
        p.rabbit().consumers[consumer].acked,
        acked,
        "unbound: nothing new"
    );
    let unbound = Inspection::of(&p, Selection::Queue(twin)).unwrap();
    p.intervene_all(action(&unbound, "Delete queue").interventions.clone())
        .unwrap();
    p.advance_to(17_000.0);
    assert!(p.rabbit().queues[twin.index()].deleted);
    assert!(!p.rabbit().consumers[consumer].running);
    let gone = [
        Anchor::Queue(twin),
        Anchor::Consumer(RabbitConsumerId(consumer as u32)),
    ];
    assert!(p.rabbit().flights.iter().all(|f| !gone.contains(&f.to)));
    assert!(
        Inspection::of(&p, Selection::Queue(twin))
            .unwrap()
            .actions
            .is_empty()
    );
}

/// A KRaft voter says what it is to the quorum and offers what its state
/// allows: the dead one a restart, the active one a kill or an isolation.
#[test]
fn a_controller_says_its_role_and_its_copy_of_the_log() {
    let p = playback("kraft-controller-failover", 20_000.0);
    let dead = Inspection::of(&p, Selection::Controller(100)).expect("a voter");
    assert!(fact(&dead, "Role").starts_with("dead"), "{dead:?}");
    assert_eq!(labels(&dead), ["Restart"]);
    let active = p.world().cluster.quorum.as_ref().unwrap().active.unwrap();
    let leader = Inspection::of(&p, Selection::Controller(active)).expect("a voter");
    assert!(
        fact(&leader, "Role").contains("active controller"),
        "{leader:?}"
    );
    assert!(fact(&leader, "Metadata log").starts_with("ends at offset"));
    assert!(fact(&leader, "Quorum").contains("with 2 of them"));
    assert_eq!(labels(&leader), ["Kill", "Isolate"]);
    assert_eq!(
        action(&leader, "Kill").interventions,
        [Intervention::ControllerKill { controller: active }]
    );
    // Broker 1 died at 11 s and is not fenced yet: the new active
    // controller gives it a whole session first.
    let broker = Inspection::of(&p, Selection::Broker(BrokerId(1))).expect("a broker");
    assert_eq!(fact(&broker, "Status"), "dead");
    assert!(fact(&broker, "Registration").starts_with("unfenced"));
    let live = Inspection::of(&p, Selection::Broker(BrokerId(0))).expect("a broker");
    assert_eq!(fact(&live, "Status"), "running, unfenced");
    assert!(fact(&live, "Metadata log").starts_with("read to offset"));
    assert!(Inspection::of(&p, Selection::Controller(7)).is_none());
}

/// A record of the metadata log says what it is, what it means, whether
/// it is committed and who has it: the PartitionChangeRecord that moved
/// broker 1's partition away, held by the live voters and applied by the
/// live brokers.
#[test]
fn a_metadata_record_explains_itself() {
    let p = playback("kraft-controller-failover", 25_000.0);
    let quorum = p.world().cluster.quorum.as_ref().unwrap();
    let (offset, _) = quorum
        .log
        .iter()
        .find(|(_, r)| {
            matches!(
                r,
                mqsim::kafka::kraft::record::MetadataRecord::PartitionChange { .. }
            )
        })
        .expect("the failover's record is among the newest");
    let i = Inspection::of(&p, Selection::MetadataRecord(*offset)).expect("a record");
    assert_eq!(i.kind, "PartitionChangeRecord in __cluster_metadata");
    assert!(fact(&i, "Record").contains("orders-0"), "{i:?}");
    assert!(fact(&i, "Committed").starts_with("yes"));
    assert_eq!(fact(&i, "Held by"), "controller 101, controller 102");
    assert_eq!(fact(&i, "Applied by"), "broker 0, broker 2");
    assert!(i.actions.is_empty());
    assert!(
        Inspection::of(&p, Selection::MetadataRecord(0)).is_none(),
        "long gone from the view"
    );
}
