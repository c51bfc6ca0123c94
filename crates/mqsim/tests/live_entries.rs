//! Live mode's promise: a timeline entry made while the run goes on
//! ([`Simulation::inject`], a client's request at "now") does exactly what
//! it does when the run is replayed with the entry in its scenario from the
//! start. So a live run's recording, opened as a share link, replays it
//! event for event.
//!
//! Over random presets and random entries (faults, crashes, restarts,
//! departures, slowdowns, records and messages sent by hand, share
//! acknowledgements), a run started without the entries and given each one
//! just before its moment gives the same trace as the run of the scenario
//! that has them all. Entries fall on a grid of 250 ms, so that several
//! often share a millisecond. Deliberate mutations, each caught:
//! scheduling an injected entry after the actions already due in its
//! millisecond (`Agenda::schedule` instead of `schedule_entry`); the
//! run's start scheduling the Kafka side's entries before the RabbitMQ
//! side's instead of in timeline order.

use mqsim::scenario::presets::Preset;
use mqsim::scenario::{GroupKind, Intervention, TimelineEntry};
use mqsim::{Event, InjectError, Scenario, SimTime, Simulation};
use proptest::prelude::*;
use serde_json::{Value, json};

const PRESETS: [&str; 8] = [
    "order-notifications",
    "leader-failover",
    "kraft-controller-failover",
    "share-group",
    "consumer-protocol",
    "exchange-routing",
    "rabbit-retry-dead-letter",
    "point-to-point-three-ways",
];

/// How far each run goes.
const END_MS: u64 = 40_000;

/// A random entry, as numbers the preset's rosters turn into one.
#[derive(Clone, Debug)]
struct Raw {
    at_ms: u64,
    kind: u8,
    pick: usize,
    extra: u64,
}

fn raw() -> impl Strategy<Value = Raw> {
    // On a coarse grid, so that entries often share a millisecond.
    (1u64..END_MS / 250, 0u8..14, any::<usize>(), any::<u64>()).prop_map(
        |(at, kind, pick, extra)| Raw {
            at_ms: at * 250,
            kind,
            pick,
            extra,
        },
    )
}

/// The entry `raw` makes in `scenario`, if the scenario has something of
/// that kind.
fn entry(scenario: &Scenario, raw: &Raw) -> Option<Value> {
    let file = scenario.file();
    let groups = scenario.groups();
    let members: Vec<(Option<String>, String, GroupKind)> = (scenario.consumers().into_iter())
        .filter(|c| c.from_start)
        .map(|c| {
            let group = &groups[c.group.index()];
            let name = match group.kind {
                GroupKind::Standalone => None,
                _ => Some(group.name.to_string()),
            };
            (name, c.spec.name.clone(), group.kind)
        })
        .collect();
    let producers: Vec<String> = scenario
        .producers()
        .iter()
        .map(|(p, _)| p.name.clone())
        .collect();
    let rabbit_consumers: Vec<String> = (scenario.rabbit_consumers().iter())
        .map(|(c, _)| c.name.clone())
        .collect();
    let publishers: Vec<String> = (scenario.rabbit_publishers().iter())
        .map(|(p, _)| p.name.clone())
        .collect();
    let brokers = if file.kafka.topics.is_empty() {
        0
    } else {
        file.kafka.cluster.brokers as usize
    };
    let pick = |n: usize| (n > 0).then(|| raw.pick % n);
    let member = |kinds: &[GroupKind]| {
        let of_kind: Vec<_> = members
            .iter()
            .filter(|(_, _, k)| kinds.contains(k))
            .collect();
        pick(of_kind.len()).map(|i| of_kind[i])
    };
    let at = raw.at_ms;
    let with_group = |mut entry: Value, group: &Option<String>| {
        if let Some(group) = group {
            entry["group"] = json!(group);
        }
        entry
    };
    let every = [GroupKind::Consumer, GroupKind::Standalone, GroupKind::Share];
    Some(match raw.kind {
        0..=2 => {
            let broker = pick(brokers)?;
            let does = ["broker_kill", "broker_restart", "broker_shutdown"][raw.kind as usize];
            json!({"at_ms": at, "do": does, "broker": broker})
        }
        3 => {
            let broker = pick(brokers)?;
            let does = if raw.extra.is_multiple_of(2) {
                "broker_isolate"
            } else {
                "broker_reconnect"
            };
            json!({"at_ms": at, "do": does, "broker": broker})
        }
        4..=7 => {
            let (group, name, _) = member(&every)?;
            let does = [
                "consumer_crash",
                "consumer_restart",
                "consumer_leave",
                "consumer_slow",
            ][raw.kind as usize - 4];
            let mut entry = json!({"at_ms": at, "do": does, "member": name});
            if does == "consumer_slow" {
                entry["processing_ms"] = json!(raw.extra % 2_000);
            }
            with_group(entry, group)
        }
        8 => {
            let (group, name, _) = member(&[GroupKind::Share])?;
            let ack = if raw.extra.is_multiple_of(2) {
                "release"
            } else {
                "reject"
            };
            with_group(
                json!({"at_ms": at, "do": "share_acknowledge", "member": name, "ack": ack}),
                group,
            )
        }
        9 => {
            let producer = &producers[pick(producers.len())?];
            let key = format!("k{}", raw.extra % 7);
            json!({"at_ms": at, "do": "produce", "producer": producer, "key": key, "poison": raw.extra.is_multiple_of(5)})
        }
        10 => {
            let consumer = &rabbit_consumers[pick(rabbit_consumers.len())?];
            let does =
                ["rabbit_consumer_crash", "rabbit_consumer_restart"][(raw.extra % 2) as usize];
            json!({"at_ms": at, "do": does, "consumer": consumer})
        }
        11 => {
            let consumer = &rabbit_consumers[pick(rabbit_consumers.len())?];
            if raw.extra.is_multiple_of(2) {
                json!({"at_ms": at, "do": "rabbit_consumer_slow", "consumer": consumer, "processing_ms": raw.extra % 3_000})
            } else {
                json!({"at_ms": at, "do": "rabbit_consumer_prefetch", "consumer": consumer, "prefetch": raw.extra % 20})
            }
        }
        12 => {
            let publisher = &publishers[pick(publishers.len())?];
            let key = ["eu.orders", "us.orders", "eu.refunds", "audit"][(raw.extra % 4) as usize];
            json!({"at_ms": at, "do": "rabbit_publish", "publisher": publisher, "routing_key": key, "poison": raw.extra.is_multiple_of(5)})
        }
        _ => {
            pick(brokers)?;
            json!({"at_ms": at, "do": "preferred_leader_election"})
        }
    })
}

/// The preset with `added` merged into its timeline (at one moment, its
/// own entries first), or none if the result is not a valid scenario.
fn with_entries(preset: &Preset, added: &[Value]) -> Option<(Scenario, Vec<usize>)> {
    let mut file: Value = serde_json::from_str(preset.json()).expect("the preset's JSON");
    let own = file["timeline"].as_array().cloned().unwrap_or_default();
    let mut timeline: Vec<(Value, bool)> = own.into_iter().map(|e| (e, false)).collect();
    timeline.extend(added.iter().cloned().map(|e| (e, true)));
    timeline.sort_by_key(|(e, _)| e["at_ms"].as_u64());
    let injected = (timeline.iter().enumerate())
        .filter(|(_, (_, added))| *added)
        .map(|(i, _)| i)
        .collect();
    file["timeline"] = Value::Array(timeline.into_iter().map(|(e, _)| e).collect());
    file["duration_ms"] = json!(END_MS);
    let scenario = Scenario::from_json(&file.to_string()).ok()?;
    Some((scenario, injected))
}

/// The run started from `preset` alone, given `whole`'s entries numbered
/// `injected` each just before its moment.
fn live_run(preset: &Preset, whole: &Scenario, injected: &[usize]) -> Vec<Event> {
    let (start, _) = with_entries(preset, &[]).expect("the preset is valid");
    let mut sim = Simulation::new(&start);
    let mut trace = Vec::new();
    for &index in injected {
        let at = whole.file().timeline[index].at_ms;
        sim.run_until(SimTime::from_millis(at - 1), &mut trace);
        sim.inject(whole, index).expect("an entry the run can take");
    }
    sim.run_until(SimTime::from_millis(END_MS), &mut trace);
    trace
}

proptest! {
    #![proptest_config(ProptestConfig { cases: 1000, failure_persistence: None, ..ProptestConfig::default() })]

    #[test]
    fn an_entry_made_live_does_what_it_does_in_the_replay(
        preset in 0..PRESETS.len(),
        raws in prop::collection::vec(raw(), 1..12),
    ) {
        let preset = Preset::find(PRESETS[preset]).expect("a preset");
        let base = preset.scenario();
        let added: Vec<Value> = raws.iter().filter_map(|r| entry(&base, r)).collect();
        prop_assume!(!added.is_empty());
        let Some((whole, injected)) = with_entries(&preset, &added) else {
            // Entries the scenario cannot take together (say, a restart of
            // a consumer that is running): not a case.
            return Err(TestCaseError::reject("not a valid scenario"));
        };
        let (_, replayed) = Simulation::run_traced(&whole, SimTime::from_millis(END_MS));
        let live = live_run(&preset, &whole, &injected);
        prop_assert_eq!(live.len(), replayed.len(), "as many events");
        if let Some(i) = (0..live.len()).find(|&i| live[i] != replayed[i]) {
            prop_assert!(false, "event {} differs: live {:?}, replayed {:?}", i, live[i], replayed[i]);
        }
    }
}

/// What a run cannot take while it goes on is refused by name.
#[test]
fn a_run_refuses_an_entry_it_is_past_or_that_adds_to_it() {
    let preset = Preset::find("order-notifications").expect("a preset");
    let crash = json!({"at_ms": 5_000, "do": "broker_kill", "broker": 0});
    let (whole, injected) = with_entries(&preset, &[crash]).expect("valid");
    let (start, _) = with_entries(&preset, &[]).expect("valid");
    let mut sim = Simulation::new(&start);
    sim.run_until(SimTime::from_millis(6_000), &mut Vec::new());
    assert_eq!(
        sim.inject(&whole, injected[0]),
        Err(InjectError::Past {
            at: SimTime::from_millis(5_000),
            now: SimTime::from_millis(6_000)
        })
    );
    let mut file = start.file().clone();
    let producer = file.kafka.producers[0].clone();
    file.timeline.push(TimelineEntry {
        at_ms: 7_000,
        action: Intervention::ProducerAdd {
            producer: mqsim::scenario::ProducerSpec {
                name: "late".into(),
                ..producer
            },
        },
    });
    let added = file.validate().unwrap_or_else(|e| panic!("{e}"));
    let last = added.file().timeline.len() - 1;
    assert_eq!(sim.inject(&added, last), Err(InjectError::AddsToRun));
    assert_eq!(sim.inject(&added, last + 1), Err(InjectError::NoSuchEntry));
}
