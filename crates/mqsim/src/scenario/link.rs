//! Share links: a whole scenario in the fragment of a URL.
//!
//! A link's fragment is `s=2.` followed by the scenario's compact JSON,
//! compressed with raw DEFLATE and written in base64url without padding.
//! The `2.` is the link format's version:
//!
//! - **Version 2** primes DEFLATE with a *preset dictionary*
//!   ([`link_dictionary.txt`](DICTIONARY)): the scenario format's field
//!   names and the words scenarios are written in. DEFLATE can then point
//!   back into the dictionary from the very first byte, which roughly
//!   halves a typical preset's link. The dictionary is frozen: every
//!   version 2 link ever shared needs these exact bytes to decode, so a
//!   better dictionary means a new version, never an edit.
//!
//!   The data is what zlib's `deflateSetDictionary` on a raw stream
//!   produces, and zlib's `inflateSetDictionary` reads it. miniz_oxide
//!   has no such call, so the window is primed the long way: the
//!   compressor first takes in the dictionary and *sync-flushes* (ending
//!   on a byte boundary), and only the bytes after that flush go in the
//!   link. To read a link, the same dictionary prefix goes in front of
//!   its data, and the dictionary is cut from the front of the result.
//! - **Version 1** is plain raw DEFLATE. Links are no longer written in
//!   it, but old ones still open.
//!
//! Opening a link decodes the scenario and validates it like any file, so a
//! link can carry nothing a file could not. Decoding refuses links that are
//! too long, that are not base64url, that inflate to more than
//! [`MAX_DECODED_BYTES`] (a decompression bomb stops there), or whose JSON
//! is not a valid scenario, naming what is wrong in each case.

use super::{Scenario, ScenarioError};
use base64::Engine;
use base64::engine::general_purpose::URL_SAFE_NO_PAD;
use miniz_oxide::deflate::core::{
    CompressorOxide, TDEFLFlush, TDEFLStatus, compress, create_comp_flags_from_zip_params,
};
use miniz_oxide::inflate::{TINFLStatus, decompress_to_vec_with_limit};
use std::fmt;

/// The fragment key that starts every link.
const KEY: &str = "s=";
/// The version links are written in.
const VERSION: Version = Version::Dictionary;
/// Version 2's preset dictionary. Frozen: see the module docs.
pub const DICTIONARY: &[u8] = include_bytes!("link_dictionary.txt");
/// The most a link may decode to.
pub const MAX_DECODED_BYTES: usize = 1 << 20;
/// The longest link text accepted; longer ones are refused unread.
pub const MAX_LINK_CHARS: usize = 256 * 1024;

/// The link format versions this playground reads.
#[derive(Clone, Copy, Debug, PartialEq)]
enum Version {
    /// `s=1.`: raw DEFLATE.
    Plain,
    /// `s=2.`: raw DEFLATE primed with [`DICTIONARY`].
    Dictionary,
}

impl Version {
    fn parse(text: &str) -> Option<Version> {
        match text {
            "1" => Some(Version::Plain),
            "2" => Some(Version::Dictionary),
            _ => None,
        }
    }

    fn tag(self) -> &'static str {
        match self {
            Version::Plain => "1",
            Version::Dictionary => "2",
        }
    }

    fn dictionary(self) -> Option<&'static [u8]> {
        match self {
            Version::Plain => None,
            Version::Dictionary => Some(DICTIONARY),
        }
    }
}

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
                "this is not a scenario link: its fragment does not start with \"s=\" and a version",
            ),
            LinkError::UnknownVersion(v) => write!(
                f,
                "the link has format version {v:?}; this playground reads versions 1 and 2"
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
///
/// A preset's narration stays out of the link, which names the preset
/// instead: the page that opens it takes the narration from there, and the
/// link stays short.
pub fn encode(scenario: &Scenario) -> String {
    let file = scenario.file();
    let json = if file.preset.is_some() && file.narration.is_some() {
        let mut bare = file.clone();
        bare.narration = None;
        serde_json::to_string(&bare)
    } else {
        serde_json::to_string(file)
    };
    let json = json.expect("scenario files always serialize");
    encode_json(json.as_bytes(), VERSION)
}

fn encode_json(json: &[u8], version: Version) -> String {
    let compressed = deflate(json, version.dictionary());
    format!(
        "{KEY}{}.{}",
        version.tag(),
        URL_SAFE_NO_PAD.encode(compressed)
    )
}

/// The scenario in `link`: a whole URL, a fragment with or without `#`.
pub fn decode(link: &str) -> Result<Scenario, LinkError> {
    let chars = link.chars().count();
    if chars > MAX_LINK_CHARS {
        return Err(LinkError::TooLong { chars });
    }
    let fragment = link.rsplit_once('#').map_or(link, |(_, f)| f).trim();
    let Some((tag, data)) = fragment
        .strip_prefix(KEY)
        .and_then(|versioned| versioned.split_once('.'))
    else {
        return Err(LinkError::NotALink);
    };
    let version = Version::parse(tag).ok_or_else(|| LinkError::UnknownVersion(tag.into()))?;
    if let Some(position) = data
        .bytes()
        .position(|b| !(b.is_ascii_alphanumeric() || b == b'-' || b == b'_'))
    {
        return Err(LinkError::NotBase64 { position });
    }
    let compressed = URL_SAFE_NO_PAD
        .decode(data)
        .map_err(|_| LinkError::Truncated)?;
    let json = inflate(&compressed, version.dictionary())?;
    let text = String::from_utf8(json).map_err(|_| LinkError::NotUtf8)?;
    Scenario::from_json(&text).map_err(LinkError::Scenario)
}

/// Raw DEFLATE at the best compression, primed with `dictionary`: the
/// bytes that follow the dictionary's own compressed form.
fn deflate(input: &[u8], dictionary: Option<&[u8]>) -> Vec<u8> {
    // Level 10 is miniz_oxide's best; negative window bits mean raw DEFLATE.
    let mut compressor = CompressorOxide::new(create_comp_flags_from_zip_params(10, -15, 0));
    if let Some(dictionary) = dictionary {
        run(&mut compressor, dictionary, TDEFLFlush::Sync);
    }
    run(&mut compressor, input, TDEFLFlush::Finish)
}

/// Feeds `input` to the compressor and returns what it writes, up to and
/// including `flush`.
fn run(compressor: &mut CompressorOxide, mut input: &[u8], flush: TDEFLFlush) -> Vec<u8> {
    let mut out = vec![0; input.len() / 2 + 64];
    let mut written = 0;
    loop {
        let (status, read, wrote) = compress(compressor, input, &mut out[written..], flush);
        input = &input[read..];
        written += wrote;
        let flushed = match flush {
            TDEFLFlush::Finish => status == TDEFLStatus::Done,
            _ => status == TDEFLStatus::Okay && input.is_empty() && written < out.len(),
        };
        if flushed {
            out.truncate(written);
            return out;
        }
        assert!(status != TDEFLStatus::BadParam && status != TDEFLStatus::PutBufFailed);
        let grown = out.len() * 2;
        out.resize(grown, 0);
    }
}

/// Inflates raw DEFLATE primed with `dictionary`, refusing to produce more
/// than [`MAX_DECODED_BYTES`] (a bomb is stopped there, never expanded in
/// full).
fn inflate(input: &[u8], dictionary: Option<&[u8]>) -> Result<Vec<u8>, LinkError> {
    let dictionary = dictionary.unwrap_or_default();
    let mut primed = if dictionary.is_empty() {
        Vec::new()
    } else {
        dictionary_prefix(dictionary)
    };
    primed.extend_from_slice(input);
    let out = decompress_to_vec_with_limit(&primed, dictionary.len() + MAX_DECODED_BYTES).map_err(
        |err| match err.status {
            TINFLStatus::HasMoreOutput => LinkError::TooBig,
            _ => LinkError::NotDeflate,
        },
    )?;
    Ok(out[dictionary.len()..].to_vec())
}

/// The dictionary compressed and sync-flushed: what a primed stream's
/// link data continues from.
fn dictionary_prefix(dictionary: &[u8]) -> Vec<u8> {
    let mut compressor = CompressorOxide::new(create_comp_flags_from_zip_params(10, -15, 0));
    run(&mut compressor, dictionary, TDEFLFlush::Sync)
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::scenario::ScenarioFile;
    use crate::scenario::presets::PRESETS;

    /// The file a link gives back: the same, less a preset's narration.
    fn as_linked(file: &ScenarioFile) -> ScenarioFile {
        let mut linked = file.clone();
        if linked.preset.is_some() {
            linked.narration = None;
        }
        linked
    }

    #[test]
    fn every_preset_survives_a_round_trip() {
        for preset in PRESETS {
            let scenario = preset.scenario();
            let link = encode(&scenario);
            let back = decode(&format!("http://127.0.0.1:8080/#{link}")).expect("decodes");
            assert_eq!(back.file(), &as_linked(scenario.file()), "{}", preset.id);
        }
    }

    #[test]
    fn a_narration_of_its_own_travels_in_the_link() {
        let mut file = PRESETS[0].scenario().file().clone();
        file.preset = None;
        assert!(file.narration.is_some());
        let scenario = file.validate().expect("valid");
        assert_eq!(decode(&encode(&scenario)).expect("decodes"), scenario);
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
            from_preset in proptest::bool::ANY,
        ) {
            let mut file = PRESETS[preset].scenario().file().clone();
            if !from_preset {
                file.preset = None;
            }
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
            proptest::prop_assert_eq!(back.file(), &as_linked(scenario.file()));
        }
    }

    /// Links shared before the dictionary existed still open.
    #[test]
    fn version_1_links_still_open() {
        for preset in PRESETS {
            let scenario = preset.scenario();
            let json = serde_json::to_string(scenario.file()).unwrap();
            let link = encode_json(json.as_bytes(), Version::Plain);
            assert!(link.starts_with("s=1."));
            assert_eq!(decode(&link).expect("decodes").file(), scenario.file());
        }
    }

    /// Every version 2 link ever shared depends on these exact bytes.
    /// If this fails, the dictionary was edited: restore it, and put a
    /// better one in a new link version instead. (The checksum is the
    /// Adler-32 zlib's `deflateSetDictionary` reports for it.)
    #[test]
    fn the_version_2_dictionary_is_frozen() {
        let (a, b) = DICTIONARY.iter().fold((1u32, 0u32), |(a, b), &byte| {
            let a = (a + u32::from(byte)) % 65_521;
            (a, (b + a) % 65_521)
        });
        assert_eq!((DICTIONARY.len(), (b << 16) | a), (4652, 2_465_228_936));
    }

    const ZLIB_LINK: &str = "s=2.w9pEqsrJTAL2ZfJLQAMMmcXIDSR4I4bYJgDQjloA";

    /// A link written by zlib itself (Python's `zlib.compressobj(9,
    /// DEFLATED, -15, zdict=DICTIONARY)` over the scenario below) opens:
    /// version 2 is standard raw DEFLATE with a preset dictionary.
    #[test]
    fn a_link_written_by_zlib_opens() {
        let scenario = decode(ZLIB_LINK).expect("decodes");
        assert_eq!(scenario.file().name, "zlib wrote this");
        assert_eq!(scenario.file().kafka.topics[0].name, "orders");
    }

    /// The issue's goal: typical preset links stay under 600 characters
    /// (`mqsim presets list` prints each one's length).
    #[test]
    fn preset_links_stay_under_600_characters() {
        for preset in PRESETS {
            let link = encode(&preset.scenario());
            assert!(link.len() < 600, "{}: {} characters", preset.id, link.len());
        }
    }

    #[test]
    fn damaged_links_are_named() {
        let link = encode(&PRESETS[0].scenario());
        let cases: Vec<(String, &str)> = vec![
            ("#x=1.abc".into(), "not a scenario link"),
            ("#s=3.abc".into(), "format version \"3\""),
            ("#s=2".into(), "not a scenario link"),
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
        for version in [Version::Plain, Version::Dictionary] {
            let link = encode_json(&vec![b' '; 4 << 20], version);
            assert!(link.len() < 10_000);
            assert_eq!(decode(&link).map(|_| ()), Err(LinkError::TooBig));
        }
    }

    #[test]
    fn an_invalid_scenario_in_a_link_names_its_problem() {
        let json = r#"{"version": 1, "name": "x", "seed": 1, "kafka": {"topics": [{"name": "t", "partitions": 0}]}}"#;
        let link = encode_json(json.as_bytes(), VERSION);
        let err = decode(&link).expect_err("invalid").to_string();
        assert!(
            err.contains("kafka.topics[0].partitions: must be 1..=1024, got 0"),
            "{err}"
        );
    }
}
