//! Scenarios that ship with the playground, embedded at build time.
//!
//! Each preset is a plain scenario file under `crates/mqsim/presets/`, so a
//! preset is also an example of the format. Tests check that every one of
//! them parses and validates.

use super::Scenario;

/// A scenario that ships with the playground.
#[derive(Clone, Copy, Debug)]
pub struct Preset {
    /// Short name used in links and on the command line.
    pub id: &'static str,
    /// The scenario file.
    pub json: &'static str,
}

/// Every preset, the default first.
pub const PRESETS: &[Preset] = &[
    Preset {
        id: "order-notifications",
        json: include_str!("../../presets/order-notifications.json"),
    },
    Preset {
        id: "consumer-crash",
        json: include_str!("../../presets/consumer-crash.json"),
    },
    Preset {
        id: "retry-dead-letter",
        json: include_str!("../../presets/retry-dead-letter.json"),
    },
    Preset {
        id: "leader-failover",
        json: include_str!("../../presets/leader-failover.json"),
    },
    Preset {
        id: "rabbit-retry-dead-letter",
        json: include_str!("../../presets/rabbit-retry-dead-letter.json"),
    },
];

impl Preset {
    /// The preset's scenario. Presets are validated by the test suite, so
    /// this cannot fail in a released build.
    pub fn scenario(&self) -> Scenario {
        Scenario::from_json(self.json)
            .unwrap_or_else(|err| panic!("preset {} is invalid: {err}", self.id))
    }

    /// The preset with this id.
    pub fn find(id: &str) -> Option<Preset> {
        PRESETS.iter().copied().find(|p| p.id == id)
    }
}

/// The scenario the playground opens with.
pub fn default_scenario() -> Scenario {
    PRESETS[0].scenario()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn every_preset_parses_and_validates() {
        for preset in PRESETS {
            if let Err(err) = Scenario::from_json(preset.json) {
                panic!("preset {}: {err}", preset.id);
            }
        }
    }

    #[test]
    fn preset_ids_are_unique() {
        for (i, a) in PRESETS.iter().enumerate() {
            assert!(PRESETS[i + 1..].iter().all(|b| b.id != a.id), "{}", a.id);
        }
    }
}
