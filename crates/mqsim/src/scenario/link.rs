//! Share links: a whole scenario in the fragment of a URL.
//!
//! A link's fragment is `s=1.` followed by the scenario's compact JSON,
//! compressed with raw DEFLATE and written in base64url without padding.
//! The `1.` is the link format's version. Opening a link decodes the
//! scenario and validates it like any file, so a link can carry nothing a
//! file could not. Decoding refuses links that are too long, that are not
//! base64url, that inflate to more than [`MAX_DECODED_BYTES`] (a
//! decompression bomb stops there), or whose JSON is not a valid scenario,
//! naming what is wrong in each case.

use super::{Scenario, ScenarioError};
use base64::Engine;
use base64::engine::general_purpose::URL_SAFE_NO_PAD;
use std::fmt;

/// The fragment key and link format version that start every link.
const PREFIX: &str = "s=1.";
/// The most a link may decode to.
pub const MAX_DECODED_BYTES: usize = 1 << 20;
/// The longest link text accepted; longer ones are refused unread.
pub const MAX_LINK_CHARS: usize = 256 * 1024;

/// What is wrong with a link.
#[derive(Clone, Debug, PartialEq)]
pub enum LinkError {
    TooLong { chars: usize },
    NotALink,
    UnknownVersion(String),
    NotBase64 { position: usize },
    Truncated,
    NotDeflate,
    TooBig,
    NotUtf8,
    Scenario(ScenarioError),
}

impl fmt::Display for LinkError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            LinkError::TooLong { chars } => write!(
                f,
                "the link is {chars} characters long; at most {MAX_LINK_CHARS} are accepted"
            ),
            LinkError::NotALink => f.write_str(
                "this is not a scenario link: its fragment does not start with \"s=1.\"",
            ),
            LinkError::UnknownVersion(v) => write!(
                f,
                "the link has format version {v:?}; this playground reads version 1"
            ),
            LinkError::NotBase64 { position } => write!(
                f,
                "the link is damaged: character {position} of its data is not base64url"
            ),
            LinkError::Truncated => f.write_str(
                "the link is damaged or truncated: its data does not end where base64url can",
            ),
            LinkError::NotDeflate => {
                f.write_str("the link is damaged or truncated: its data does not decompress")
            }
            LinkError::TooBig => write!(
                f,
                "the link decompresses to more than {MAX_DECODED_BYTES} bytes, the most a scenario may be"
            ),
            LinkError::NotUtf8 => f.write_str("the link's scenario is not UTF-8 text"),
            LinkError::Scenario(err) => write!(f, "the link's scenario is not valid: {err}"),
        }
    }
}

impl std::error::Error for LinkError {}

/// The link fragment (without `#`) for `scenario`.
pub fn encode(scenario: &Scenario) -> String {
    let json = serde_json::to_string(scenario.file()).expect("scenario files always serialize");
    let compressed = miniz_oxide::deflate::compress_to_vec(json.as_bytes(), 10);
    format!("{PREFIX}{}", URL_SAFE_NO_PAD.encode(compressed))
}

/// The scenario in `link`: a whole URL, a fragment with or without `#`.
pub fn decode(link: &str) -> Result<Scenario, LinkError> {
    let chars = link.chars().count();
    if chars > MAX_LINK_CHARS {
        return Err(LinkError::TooLong { chars });
    }
    let fragment = link.rsplit_once('#').map_or(link, |(_, f)| f).trim();
    let Some(versioned) = fragment.strip_prefix("s=") else {
        return Err(LinkError::NotALink);
    };
    let Some(data) = versioned.strip_prefix("1.") else {
        let version = versioned.split('.').next().unwrap_or("").to_string();
        return Err(if versioned.contains('.') {
            LinkError::UnknownVersion(version)
        } else {
            LinkError::NotALink
        });
    };
    if let Some(position) = data
        .bytes()
        .position(|b| !(b.is_ascii_alphanumeric() || b == b'-' || b == b'_'))
    {
        return Err(LinkError::NotBase64 { position });
    }
    let compressed = URL_SAFE_NO_PAD
        .decode(data)
        .map_err(|_| LinkError::Truncated)?;
    let json = miniz_oxide::inflate::decompress_to_vec_with_limit(&compressed, MAX_DECODED_BYTES)
        .map_err(|err| match err.status {
        miniz_oxide::inflate::TINFLStatus::HasMoreOutput => LinkError::TooBig,
        _ => LinkError::NotDeflate,
    })?;
    let text = String::from_utf8(json).map_err(|_| LinkError::NotUtf8)?;
    Scenario::from_json(&text).map_err(LinkError::Scenario)
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::scenario::presets::PRESETS;

    #[test]
    fn every_preset_survives_a_round_trip() {
        for preset in PRESETS {
            let scenario = preset.scenario();
            let link = encode(&scenario);
            let back = decode(&format!("http://127.0.0.1:8080/#{link}")).expect("decodes");
            assert_eq!(back.file(), scenario.file(), "{}", preset.id);
        }
    }

    proptest::proptest! {
        /// Any valid scenario (here: presets with random names, seeds,
        /// durations and partition counts) comes back unchanged.
        #[test]
        fn round_trips_are_the_identity(
            preset in 0..PRESETS.len(),
            name in "\\PC{1,60}",
            seed in proptest::num::u64::ANY,
            duration_ms in 1u64..86_400_000,
            partitions in 1u32..1024,
        ) {
            let mut file = PRESETS[preset].scenario().file().clone();
            file.name = name;
            file.seed = seed;
            file.duration_ms = duration_ms;
            file.timeline.retain(|e| e.at_ms <= duration_ms);
            for topic in &mut file.kafka.topics {
                topic.partitions = topic.partitions.max(partitions);
            }
            let Ok(scenario) = file.validate() else {
                return Err(proptest::test_runner::TestCaseError::reject("not a valid scenario"));
            };
            let back = decode(&encode(&scenario)).expect("decodes");
            proptest::prop_assert_eq!(back.file(), scenario.file());
        }
    }

    #[test]
    fn damaged_links_are_named() {
        let link = encode(&PRESETS[0].scenario());
        let cases: Vec<(String, &str)> = vec![
            ("#x=1.abc".into(), "not a scenario link"),
            ("#s=2.abc".into(), "format version \"2\""),
            (
                format!("{}!{}", &link[..20], &link[21..]),
                "is not base64url",
            ),
            (link[..link.len() / 2].to_string(), "damaged or truncated"),
            (
                link[..link.len() - link.len() % 4 - 8].to_string(),
                "does not decompress",
            ),
            ("s".repeat(MAX_LINK_CHARS + 1), "characters long"),
        ];
        for (text, expected) in cases {
            let err = decode(&text).expect_err("refused").to_string();
            assert!(err.contains(expected), "{err}");
        }
    }

    /// A decompression bomb: a few hundred bytes that would inflate to
    /// 4 MiB of spaces.
    #[test]
    fn a_decompression_bomb_is_refused() {
        let bomb = miniz_oxide::deflate::compress_to_vec(&vec![b' '; 4 << 20], 10);
        assert!(bomb.len() < 10_000);
        let link = format!("{PREFIX}{}", URL_SAFE_NO_PAD.encode(bomb));
        assert_eq!(decode(&link).map(|_| ()), Err(LinkError::TooBig));
    }

    #[test]
    fn an_invalid_scenario_in_a_link_names_its_problem() {
        let json = r#"{"version": 1, "name": "x", "seed": 1, "kafka": {"topics": [{"name": "t", "partitions": 0}]}}"#;
        let compressed = miniz_oxide::deflate::compress_to_vec(json.as_bytes(), 10);
        let link = format!("{PREFIX}{}", URL_SAFE_NO_PAD.encode(compressed));
        let err = decode(&link).expect_err("invalid").to_string();
        assert!(
            err.contains("kafka.topics[0].partitions: must be 1..=1024, got 0"),
            "{err}"
        );
    }
}
