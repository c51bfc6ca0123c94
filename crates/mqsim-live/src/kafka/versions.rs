//! `ApiVersions`: the first thing a client asks a broker, and the broker's
//! honest answer. Every request a client may send has an API key and a
//! version; the broker lists, per key, the versions it serves, and the
//! client speaks the highest version both know. So this list names only
//! what this front end implements, each range cut to what kafka-protocol
//! (written from Kafka 4.1) reads.

use kafka_protocol::ResponseError;
use kafka_protocol::messages::ApiKey;
use kafka_protocol::messages::api_versions_response::{ApiVersion, ApiVersionsResponse};

/// The requests served, with the versions implemented. Produce stops at 12
/// because version 13 names topics by id only; so does Fetch.
const SERVED: [(ApiKey, i16, i16); 18] = [
    (ApiKey::Produce, 3, 12),
    (ApiKey::Fetch, 4, 12),
    (ApiKey::ListOffsets, 1, 10),
    (ApiKey::OffsetForLeaderEpoch, 0, 4),
    (ApiKey::Metadata, 0, 12),
    (ApiKey::ApiVersions, 0, 4),
    (ApiKey::CreateTopics, 2, 7),
    (ApiKey::InitProducerId, 0, 5),
    (ApiKey::FindCoordinator, 0, 6),
    (ApiKey::JoinGroup, 0, 9),
    (ApiKey::SyncGroup, 0, 5),
    (ApiKey::Heartbeat, 0, 4),
    (ApiKey::LeaveGroup, 0, 5),
    // kafka-protocol lists 10 for these two, but reads only up to 9.
    (ApiKey::OffsetCommit, 2, 9),
    (ApiKey::OffsetFetch, 1, 9),
    (ApiKey::DescribeGroups, 0, 6),
    (ApiKey::ListGroups, 0, 5),
    (ApiKey::ConsumerGroupHeartbeat, 0, 1),
];

/// The versions of `key` served, if it is served.
pub fn served(key: ApiKey) -> Option<(i16, i16)> {
    let &(_, min, max) = SERVED.iter().find(|(k, _, _)| *k == key)?;
    let known = key.valid_versions();
    Some((min.max(known.min), max.min(known.max)))
}

/// The `ApiVersions` answer: every request served and its versions.
pub fn api_versions() -> ApiVersionsResponse {
    let api_keys = SERVED
        .iter()
        .filter_map(|&(key, _, _)| {
            let (min, max) = served(key)?;
            Some(
                ApiVersion::default()
                    .with_api_key(key as i16)
                    .with_min_version(min)
                    .with_max_version(max),
            )
        })
        .collect();
    ApiVersionsResponse::default().with_api_keys(api_keys)
}

/// The answer to an `ApiVersions` asked in a version this broker does not
/// read: `UNSUPPORTED_VERSION` with the versions of `ApiVersions` it does,
/// so the client asks again in one of them (KIP-511; Kafka's
/// `ApiVersionsRequest.getErrorResponse`).
pub fn unsupported_api_versions() -> ApiVersionsResponse {
    let (min, max) = served(ApiKey::ApiVersions).unwrap_or((0, 0));
    ApiVersionsResponse::default()
        .with_error_code(ResponseError::UnsupportedVersion.code())
        .with_api_keys(vec![
            ApiVersion::default()
                .with_api_key(ApiKey::ApiVersions as i16)
                .with_min_version(min)
                .with_max_version(max),
        ])
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn every_range_served_is_one_the_codec_reads() {
        for (key, _, _) in SERVED {
            let (min, max) = served(key).unwrap();
            let known = key.valid_versions();
            assert!(
                known.min <= min && min <= max && max <= known.max,
                "{key:?}"
            );
        }
        assert_eq!(served(ApiKey::Produce), Some((3, 12)));
        assert_eq!(served(ApiKey::OffsetCommit), Some((2, 9)));
        assert_eq!(served(ApiKey::DescribeGroups), Some((0, 6)));
        assert_eq!(served(ApiKey::DeleteGroups), None);
    }
}
