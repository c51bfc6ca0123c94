//! A live run's recording replays it: over random presets and random
//! client actions at random moments (publishes with bodies and their own
//! TTLs, records sent by hand, crashes and restarts, broker faults,
//! acknowledgements by hand and cancels, and new publishers, producers and
//! consumers, which make the engine start over), the events the live run
//! reported are exactly those of the replay of its recording. Actions
//! come one at a time, a few at one moment (`apply_all`, a Kafka client's
//! batch), or recorded to be run later with what else comes in their
//! millisecond (`record`, an acknowledgement). A mutation caught: starting
//! over runs through the new entry's own millisecond unreported
//! (`run_until(at)` instead of `at - 1`).
//!
//! A page following the run (`LiveRun::take_made`, pushed onto the start
//! as the page does) ends with the recording, refusals and all.

use mqsim::scenario::TimelineEntry;
use mqsim::scenario::presets::Preset;
use mqsim::{Event, Scenario, SimTime, Simulation};
use mqsim_live::live::LiveRun;
use proptest::prelude::*;
use serde_json::{Value, json};

const PRESETS: [&str; 4] = [
    "order-notifications",
    "leader-failover",
    "exchange-routing",
    "point-to-point-three-ways",
];

const END_MS: u64 = 30_000;

/// What a client does, as numbers the live run's rosters turn into an
/// action.
#[derive(Clone, Debug)]
struct Raw {
    after_ms: u64,
    kind: u8,
    pick: usize,
}

fn raw() -> impl Strategy<Value = Raw> {
    (0u64..3_000, 0u8..11, any::<usize>()).prop_map(|(after_ms, kind, pick)| Raw {
        after_ms,
        kind,
        pick,
    })
}

/// The action `raw` makes in `scenario` as it stands, if it has something
/// of that kind; `n` numbers the names of new things.
fn action(scenario: &Scenario, raw: &Raw, n: usize) -> Option<Value> {
    let file = scenario.file();
    let publishers: Vec<String> = scenario
        .rabbit_publishers()
        .iter()
        .map(|(p, _)| p.name.clone())
        .collect();
    let producers: Vec<String> = scenario
        .producers()
        .iter()
        .map(|(p, _)| p.name.clone())
        .collect();
    let consumers: Vec<String> = scenario
        .rabbit_consumers()
        .iter()
        .map(|(c, _)| c.name.clone())
        .collect();
    let pick =
        |names: &[String]| (!names.is_empty()).then(|| names[raw.pick % names.len()].clone());
    Some(match raw.kind {
        0 | 1 => {
            let publisher = pick(&publishers)?;
            json!({"do": "rabbit_publish", "publisher": publisher, "routing_key": format!("eu.k{}", raw.pick % 3),
                   "body": format!("message {n}"), "properties": {"expiration": format!("{}", raw.pick % 5_000)}})
        }
        2 => {
            json!({"do": "produce", "producer": pick(&producers)?, "key": format!("k{}", raw.pick % 5)})
        }
        3 => {
            let does = if raw.pick.is_multiple_of(2) {
                "rabbit_consumer_crash"
            } else {
                "rabbit_consumer_restart"
            };
            json!({"do": does, "consumer": pick(&consumers)?})
        }
        4 if !file.kafka.topics.is_empty() => {
            let does = if raw.pick.is_multiple_of(2) {
                "broker_kill"
            } else {
                "broker_restart"
            };
            json!({"do": does, "broker": raw.pick % file.kafka.cluster.brokers as usize})
        }
        // New things: the engine starts over.
        5 => {
            let mut publisher =
                serde_json::to_value(scenario.rabbit_publishers().first()?.0).ok()?;
            publisher["name"] = json!(format!("client-{n}"));
            publisher["rate_per_sec"] = json!(1.0);
            json!({"do": "rabbit_publisher_add", "publisher": publisher})
        }
        6 => {
            let mut consumer = serde_json::to_value(scenario.rabbit_consumers().first()?.0).ok()?;
            consumer["name"] = json!(format!("client-{n}"));
            json!({"do": "rabbit_consumer_add", "consumer": consumer})
        }
        // A live AMQP client's consumer (the first one when there is none
        // to settle yet), and what it settles by hand.
        7..=9 => {
            let by_hand: Vec<String> = (scenario.rabbit_consumers().iter())
                .filter(|(c, _)| c.by_hand)
                .map(|(c, _)| c.name.clone())
                .collect();
            if raw.kind == 7 || by_hand.is_empty() {
                let queue = &scenario.rabbit_consumers().first()?.0.queue;
                return Some(json!({"do": "rabbit_consumer_add", "consumer": {
                    "name": format!("client-{n}"), "queue": queue, "prefetch": raw.pick % 4,
                    "by_hand": true}}));
            }
            let consumer = pick(&by_hand)?;
            let (tag, multiple) = (raw.pick % 6, raw.pick.is_multiple_of(3));
            match (raw.kind, raw.pick % 4) {
                (8, _) => {
                    json!({"do": "rabbit_ack", "consumer": consumer, "delivery_tag": tag, "multiple": multiple})
                }
                (_, 0) => json!({"do": "rabbit_consumer_cancel", "consumer": consumer}),
                (_, requeue) => {
                    json!({"do": "rabbit_nack", "consumer": consumer, "delivery_tag": tag, "multiple": multiple, "requeue": requeue % 2 == 1})
                }
            }
        }
        _ => {
            let mut producer = serde_json::to_value(scenario.producers().first()?.0).ok()?;
            producer["name"] = json!(format!("client-{n}"));
            json!({"do": "producer_add", "producer": producer})
        }
    })
}

fn intervention(mut action: Value) -> mqsim::scenario::Intervention {
    action["at_ms"] = json!(0);
    let entry: TimelineEntry = serde_json::from_value(action).expect("an entry");
    entry.action
}

proptest! {
    #![proptest_config(ProptestConfig { cases: 300, failure_persistence: None, ..ProptestConfig::default() })]

    #[test]
    fn a_live_runs_recording_replays_it_event_for_event(
        preset in 0..PRESETS.len(),
        raws in prop::collection::vec(raw(), 1..10),
    ) {
        let start = Preset::find(PRESETS[preset]).expect("a preset").scenario();
        // A page following the run: the start, and what was made since.
        let mut follower = start.clone();
        let mut live = LiveRun::new(start);
        live.keep_made();
        let mut reported: Vec<Event> = Vec::new();
        let mut now = 0;
        let mut batch = Vec::new();
        for (n, raw) in raws.iter().enumerate() {
            let Some(action) = action(live.scenario(), raw, n) else { continue };
            batch.push(intervention(action));
            // A quick one joins the next at its moment.
            if raw.after_ms < 600 && n + 1 < raws.len() {
                continue;
            }
            now += raw.after_ms;
            // A client's action the scenario cannot take is refused and
            // changes nothing; those before it in its batch are recorded.
            // One that waits for no answer (odd moments here) is recorded
            // and run later, with what else comes in its millisecond.
            if batch.len() == 1 && raw.after_ms % 2 == 1 {
                let _ = live.record(now, batch.remove(0), &mut reported);
            } else {
                let _ = live.apply_all(now, std::mem::take(&mut batch), &mut reported);
            }
            if n % 2 == 0 {
                for entry in live.take_made() {
                    follower.push_entry(entry).expect("the follower takes what the run made");
                }
            }
        }
        for entry in live.take_made() {
            follower.push_entry(entry).expect("the follower takes what the run made");
        }
        prop_assert_eq!(&follower.file().timeline, &live.recording().timeline, "the follower has the recording");
        live.advance(END_MS.max(now + 1), &mut reported);
        let until = SimTime::from_millis(END_MS.max(now + 1));
        let (_, replayed) = Simulation::run_traced(live.scenario(), until);
        prop_assert_eq!(reported.len(), replayed.len(), "as many events");
        if let Some(i) = (0..reported.len()).find(|&i| reported[i] != replayed[i]) {
            prop_assert!(false, "event {} differs: live {:?}, replayed {:?}", i, reported[i], replayed[i]);
        }
    }
}

/// An action the scenario cannot take is refused with the validator's
/// words, and the recording is as it was.
#[test]
fn a_refused_action_changes_nothing() {
    let start = Preset::find("exchange-routing")
        .expect("a preset")
        .scenario();
    let mut live = LiveRun::new(start);
    let before = live.recording().clone();
    let unknown = json!({"do": "rabbit_publish", "publisher": "nobody", "routing_key": "k"});
    let refused = live.apply(1_000, intervention(unknown), &mut Vec::new());
    assert!(refused.unwrap_err().contains("nobody"));
    assert_eq!(live.recording(), &before);
}

/// A run lasts as long as its clients: an action past the scenario's end
/// makes the recording an hour longer (or as many as it takes), and the
/// replay reaches it.
#[test]
fn a_live_run_outlasts_its_scenario() {
    let start = Preset::find("exchange-routing")
        .expect("a preset")
        .scenario();
    let end = start.file().duration_ms;
    let mut live = LiveRun::new(start);
    let publisher = live.scenario().rabbit_publishers()[0].0.name.clone();
    let publish = json!({"do": "rabbit_publish", "publisher": publisher, "routing_key": "k"});
    let at = live
        .apply(end + 5_000, intervention(publish), &mut Vec::new())
        .expect("taken");
    assert_eq!(at, end + 5_000);
    assert_eq!(live.recording().duration_ms, 3_600_000);
    let replay = live
        .recording()
        .clone()
        .validate()
        .expect("a valid scenario");
    assert_eq!(replay.file().timeline.last().map(|e| e.at_ms), Some(at));
}

/// Actions whose clients wait for no answer share the millisecond the
/// engine has yet to run, with the next action that does wait; the
/// replay is the same run.
#[test]
fn actions_recorded_share_a_millisecond() {
    let start = Preset::find("exchange-routing")
        .expect("a preset")
        .scenario();
    let mut live = LiveRun::new(start);
    let publisher = live.scenario().rabbit_publishers()[0].0.name.clone();
    let publish = |n: u32| {
        intervention(
            json!({"do": "rabbit_publish", "publisher": publisher, "routing_key": format!("india.{n}")}),
        )
    };
    let mut reported = Vec::new();
    live.advance(999, &mut reported);
    let first = live.record(1_000, publish(1), &mut reported).unwrap();
    let second = live.record(1_000, publish(2), &mut reported).unwrap();
    assert_eq!(live.unrun(), Some(1_000), "not run yet");
    let third = live.apply(1_000, publish(3), &mut reported).unwrap();
    assert_eq!((first, second, third), (1_000, 1_000, 1_000));
    assert_eq!(live.unrun(), None, "run with the action that waits");
    // A millisecond the engine has run is past: the next one.
    let fourth = live.record(1_000, publish(4), &mut reported).unwrap();
    assert_eq!(fourth, 1_001);
    live.advance(5_000, &mut reported);
    let (_, replayed) = Simulation::run_traced(live.scenario(), SimTime::from_millis(5_000));
    assert_eq!(reported, replayed);
}
