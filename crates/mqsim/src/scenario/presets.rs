//! Scenarios that ship with the playground: a lesson each.
//!
//! Each preset is a plain scenario file under `crates/mqsim/presets/`, with
//! a [narration](super::narration) for the class, so a preset is also an
//! example of the format. The list below is the catalogue, in teaching
//! order: why queues and the two messaging models, then Kafka, then
//! RabbitMQ, then the two brokers compared. The page's digit keys open the
//! first ten.
//!
//! Native builds (the CLI, the tests) embed every file. The web app embeds
//! only the catalogue and the default scenario, and fetches the rest from
//! `presets/` beside the page, which keeps the lessons out of its
//! WebAssembly.

use super::Scenario;

/// A scenario that ships with the playground.
#[derive(Clone, Copy, Debug, PartialEq)]
pub struct Preset {
    /// Short name used in links, file names and on the command line.
    pub id: &'static str,
    /// The scenario's `name`, shown in the picker.
    pub title: &'static str,
}

/// Every preset, the default first.
pub const PRESETS: &[Preset] = &[
    Preset {
        id: "order-notifications",
        title: "Order notifications",
    },
    Preset {
        id: "pace-matching",
        title: "Pace matching: cab GPS pings and a slow consumer",
    },
    Preset {
        id: "point-to-point-vs-pub-sub",
        title: "Point-to-point and publish/subscribe, side by side",
    },
    Preset {
        id: "keys-and-partitions",
        title: "Keys choose partitions; order holds per key",
    },
    Preset {
        id: "group-scaling",
        title: "Scaling a consumer group, and the idle extra consumer",
    },
    Preset {
        id: "two-groups",
        title: "Two consumer groups read one topic",
    },
    Preset {
        id: "consumer-crash",
        title: "Consumer crash: resume from the committed offset",
    },
    Preset {
        id: "leader-failover",
        title: "Leader failover: ZooKeeper, the controller and the ISR",
    },
    Preset {
        id: "kraft-controller-failover",
        title: "KRaft: the active controller fails over",
    },
    Preset {
        id: "zookeeper-vs-kraft",
        title: "ZooKeeper and KRaft side by side: the same broker dies",
    },
    Preset {
        id: "kraft-quorum-loss",
        title: "KRaft: losing the majority of controllers",
    },
    Preset {
        id: "consumer-protocol",
        title: "Kafka 4's consumer protocol: rebalancing without stopping the group",
    },
    Preset {
        id: "share-group",
        title: "Share groups: five workers on two partitions, and a poison record",
    },
    Preset {
        id: "point-to-point-three-ways",
        title: "Point-to-point three ways: a RabbitMQ queue, a Kafka consumer group, a Kafka share group",
    },
    Preset {
        id: "acks-min-isr",
        title: "acks and min.insync.replicas",
    },
    Preset {
        id: "unclean-election",
        title: "Unclean leader election loses data",
    },
    Preset {
        id: "retry-dead-letter",
        title: "Retry, then the dead-letter topic",
    },
    Preset {
        id: "exchange-routing",
        title: "Fanout, direct and topic exchanges",
    },
    Preset {
        id: "headers-exchange",
        title: "Headers exchange: routing on headers, not keys",
    },
    Preset {
        id: "rabbit-retry-dead-letter",
        title: "RabbitMQ: retry, then dead-letter, two ways",
    },
    Preset {
        id: "pull-vs-push",
        title: "Kafka pulls, RabbitMQ pushes",
    },
];

/// The default scenario's file, the one preset the web app embeds.
const DEFAULT_JSON: &str = include_str!("../../presets/order-notifications.json");

impl Preset {
    /// The preset with this id.
    pub fn find(id: &str) -> Option<Preset> {
        PRESETS.iter().copied().find(|p| p.id == id)
    }

    /// The scenario file's text.
    pub fn json(&self) -> &'static str {
        match self.id {
            "pace-matching" => include_str!("../../presets/pace-matching.json"),
            "point-to-point-vs-pub-sub" => {
                include_str!("../../presets/point-to-point-vs-pub-sub.json")
            }
            "keys-and-partitions" => include_str!("../../presets/keys-and-partitions.json"),
            "group-scaling" => include_str!("../../presets/group-scaling.json"),
            "two-groups" => include_str!("../../presets/two-groups.json"),
            "consumer-crash" => include_str!("../../presets/consumer-crash.json"),
            "leader-failover" => include_str!("../../presets/leader-failover.json"),
            "kraft-controller-failover" => {
                include_str!("../../presets/kraft-controller-failover.json")
            }
            "kraft-quorum-loss" => include_str!("../../presets/kraft-quorum-loss.json"),
            "zookeeper-vs-kraft" => include_str!("../../presets/zookeeper-vs-kraft.json"),
            "consumer-protocol" => include_str!("../../presets/consumer-protocol.json"),
            "share-group" => include_str!("../../presets/share-group.json"),
            "point-to-point-three-ways" => {
                include_str!("../../presets/point-to-point-three-ways.json")
            }
            "acks-min-isr" => include_str!("../../presets/acks-min-isr.json"),
            "unclean-election" => include_str!("../../presets/unclean-election.json"),
            "retry-dead-letter" => include_str!("../../presets/retry-dead-letter.json"),
            "exchange-routing" => include_str!("../../presets/exchange-routing.json"),
            "headers-exchange" => include_str!("../../presets/headers-exchange.json"),
            "rabbit-retry-dead-letter" => {
                include_str!("../../presets/rabbit-retry-dead-letter.json")
            }
            "pull-vs-push" => include_str!("../../presets/pull-vs-push.json"),
            _ => DEFAULT_JSON,
        }
    }

    /// The preset's scenario. Presets are validated by the test suite, so
    /// this cannot fail in a released build.
    pub fn scenario(&self) -> Scenario {
        Scenario::from_json(self.json())
            .unwrap_or_else(|err| panic!("preset {} is invalid: {err}", self.id))
    }
}

/// The scenario the playground opens with.
pub fn default_scenario() -> Scenario {
    Scenario::from_json(DEFAULT_JSON).expect("the default preset is valid")
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn every_preset_parses_validates_and_names_itself() {
        for preset in PRESETS {
            let scenario = match Scenario::from_json(preset.json()) {
                Ok(scenario) => scenario,
                Err(err) => panic!("preset {}: {err}", preset.id),
            };
            let file = scenario.file();
            assert_eq!(file.name, preset.title, "{}", preset.id);
            assert_eq!(file.preset.as_deref(), Some(preset.id));
        }
        assert_eq!(
            default_scenario().file().preset.as_deref(),
            Some(PRESETS[0].id)
        );
    }

    #[test]
    fn every_file_in_the_presets_folder_is_listed_once() {
        let folder = concat!(env!("CARGO_MANIFEST_DIR"), "/presets");
        let mut files: Vec<String> = std::fs::read_dir(folder)
            .expect("the presets folder")
            .map(|entry| {
                entry
                    .expect("a folder entry")
                    .file_name()
                    .into_string()
                    .unwrap()
            })
            .collect();
        files.sort();
        let mut listed: Vec<String> = PRESETS.iter().map(|p| format!("{}.json", p.id)).collect();
        listed.sort();
        assert_eq!(files, listed);
        for (i, a) in PRESETS.iter().enumerate() {
            assert!(PRESETS[i + 1..].iter().all(|b| b.id != a.id), "{}", a.id);
            assert_eq!(
                a.json() == DEFAULT_JSON,
                i == 0,
                "{} has its own file",
                a.id
            );
        }
    }
}
