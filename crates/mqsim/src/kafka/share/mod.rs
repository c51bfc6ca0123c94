//! Share groups (KIP-932, production-ready in Kafka 4.2): queues for Kafka.
//!
//! A consumer group gives each partition to one member, so a group reads
//! at most as fast as it has partitions. A share group lets any number of
//! members read the same partition: each record is *acquired* by one member
//! at a time, for a while (a lock), and acknowledged one by one — accepted,
//! released to be delivered again, or rejected. That is point-to-point
//! messaging, on a Kafka log: the records stay in the log, and the
//! partition's leader keeps, per share group, which of them are done.
//!
//! - [`partition`]: a share-partition (`SharePartition`): the in-flight
//!   records between the share-partition start offset (SPSO) and end, each
//!   available, acquired, acknowledged or archived, with its delivery count.
//! - [`assignor`]: `simple`, which spreads members over partitions, and
//!   has them share one only when they outnumber the partitions.

pub mod assignor;
pub mod partition;
