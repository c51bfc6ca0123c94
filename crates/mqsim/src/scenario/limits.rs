//! The documented limits of a scenario.
//!
//! They keep a shared link from asking a browser tab for more than it can
//! show, and each is far above what a classroom demo needs. Validation
//! refuses anything outside them with the limit in the message.

/// Topics in one scenario.
pub const MAX_TOPICS: usize = 64;
/// Partitions of one topic (Kafka allows more; a screen does not).
pub const MAX_PARTITIONS: u32 = 1024;
/// RabbitMQ exchanges, queues, publishers and consumers, each.
pub const MAX_RABBIT_ENTITIES: usize = 64;
/// RabbitMQ bindings.
pub const MAX_BINDINGS: usize = 1_000;
/// `basic.qos` prefetch count (AMQP's short).
pub const MAX_PREFETCH: u32 = 65_535;
/// The fastest playback, a multiple of real time.
pub const MAX_SPEED: f64 = 100.0;
/// Brokers in a cluster.
pub const MAX_BROKERS: u32 = 9;
/// Producers in one scenario.
pub const MAX_PRODUCERS: usize = 64;
/// Records per second from one producer.
pub const MAX_RATE_PER_SEC: f64 = 10_000.0;
/// Keys one producer chooses from.
pub const MAX_KEYS: usize = 1_000;
/// Consumer groups in one scenario.
pub const MAX_GROUPS: usize = 32;
/// Members of one consumer group.
pub const MAX_MEMBERS: usize = 64;
/// Characters in a name, key or description line.
pub const MAX_NAME_LEN: usize = 120;
/// Kafka's own limit on a topic name.
pub const MAX_TOPIC_NAME_LEN: usize = 249;
/// Any interval or duration inside a scenario, in milliseconds (10 minutes).
pub const MAX_INTERVAL_MS: u64 = 600_000;
/// One-way network latency, in milliseconds.
pub const MAX_LATENCY_MS: u64 = 10_000;
/// How long a scenario runs, in milliseconds (one day).
pub const MAX_DURATION_MS: u64 = 86_400_000;
/// `retention_records` of one topic.
pub const MAX_RETAINED_RECORDS: u64 = 1_000_000;
/// Retries of one failed record.
pub const MAX_RETRIES: u32 = 100;
/// Headers on one producer's records.
pub const MAX_HEADERS: usize = 32;
/// Values in one AMQP field table (a message's headers, a queue's or a
/// binding's arguments), counting those inside nested tables and arrays.
pub const MAX_FIELD_VALUES: usize = 256;
/// Bytes in one message body published by hand or by a live client
/// (RabbitMQ's own limit, `max_message_size`, is 16 MiB; a playground's
/// messages travel in share links).
pub const MAX_BODY_BYTES: usize = 65_536;
/// Interventions in one scenario's timeline: enough for the recording of
/// a live run, a class hour with clients acting about 25 times a second.
pub const MAX_TIMELINE: usize = 100_000;
/// Records one poll may return (`max.poll.records`).
pub const MAX_POLL_RECORDS: u32 = 10_000;
/// Panes of a side-by-side view.
pub const MAX_PANES: usize = 4;
