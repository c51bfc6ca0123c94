//! KIP-848, the consumer group protocol of Kafka 4 (`group.protocol=consumer`).
//!
//! In the classic protocol a rebalance stops the whole group: every member
//! rejoins, the leader member computes the assignment, and nobody reads
//! until it is handed out. In the consumer protocol the *group coordinator*
//! computes the assignment itself, with a server-side assignor, and each
//! member moves towards it on its own, through its heartbeats
//! (`ConsumerGroupHeartbeat`): it first gives up what it must, says so in
//! its next heartbeat, and only then receives what is newly its own. The
//! others keep reading all the while.
//!
//! - [`uuid`]: Kafka's topic ids, whose hash codes decide the order the
//!   assignors visit topics in, as they do in Java.
//! - [`uniform`]: the default assignor, `uniform` (`UniformAssignor`).
//! - [`range`]: `range`, the coordinator's `RangeAssignor`.
//! - [`reconcile`]: how a member moves to its target, revoking before it
//!   is given anything another member still owns.
//! - [`coordinator`]: the group at its coordinator: epochs, the target
//!   assignment, heartbeats, fencing and timeouts.
//!
//! Each follows the `group-coordinator` module of Apache Kafka 4 (the
//! classes named in its docs); the tests are tables from that module's
//! unit tests and examples worked through its code.

pub mod coordinator;
pub mod range;
pub mod reconcile;
pub mod uniform;
pub mod uuid;

use uuid::Uuid;

/// `group.consumer.assignors`: the server-side assignors, the first the
/// default.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub enum ServerAssignor {
    #[default]
    Uniform,
    Range,
}

impl ServerAssignor {
    pub fn name(self) -> &'static str {
        match self {
            ServerAssignor::Uniform => "uniform",
            ServerAssignor::Range => "range",
        }
    }
}

/// A topic as the coordinator's assignors see it (`SubscribedTopicDescriber`).
#[derive(Clone, Debug, PartialEq)]
pub struct TopicMeta {
    pub id: Uuid,
    pub name: String,
    pub partitions: u32,
}

/// A member as an assignor sees it (`MemberSubscriptionAndAssignmentImpl`).
#[derive(Clone, Debug, PartialEq)]
pub struct MemberSpec {
    /// Its member id.
    pub id: String,
    /// `group.instance.id`, for static members.
    pub instance_id: Option<String>,
    /// Its subscribed topics, as indices into the topics.
    pub topics: Vec<usize>,
    /// Its previous *target* assignment: (topic index, partitions).
    pub target: Vec<(usize, Vec<u32>)>,
}

impl MemberSpec {
    /// A dynamic member `id` subscribed to `topics`, whose previous target
    /// was `target` ((topic index, partition) pairs), as the coordinator
    /// hands it to its assignor.
    pub fn of(id: &str, topics: &[usize], target: &[(usize, u32)]) -> MemberSpec {
        let mut by_topic: Vec<(usize, Vec<u32>)> = Vec::new();
        for &(t, p) in target {
            match by_topic.iter_mut().find(|(tt, _)| *tt == t) {
                Some((_, ps)) => ps.push(p),
                None => by_topic.push((t, vec![p])),
            }
        }
        MemberSpec {
            id: id.to_string(),
            instance_id: None,
            topics: topics.to_vec(),
            target: by_topic,
        }
    }
}

/// An assignment: per member, in the order given, (topic index,
/// partition) pairs sorted.
pub type Assigned = Vec<Vec<(usize, u32)>>;

/// Runs `assignor` over `members` and `topics`.
pub fn assign(
    assignor: ServerAssignor,
    members: &[MemberSpec],
    topics: &[TopicMeta],
) -> Result<Assigned, String> {
    let mut assigned = match assignor {
        ServerAssignor::Uniform => uniform::assign(members, topics)?,
        ServerAssignor::Range => range::assign(members, topics)?,
    };
    for member in &mut assigned {
        crate::sort::sort_by_key(member, |&tp| tp);
    }
    Ok(assigned)
}

/// Whether every member subscribes to the same topics
/// (`SubscriptionType.HOMOGENEOUS`).
pub(crate) fn homogeneous(members: &[MemberSpec]) -> bool {
    let sorted = |m: &MemberSpec| {
        let mut topics = m.topics.clone();
        crate::sort::sort_by_key(&mut topics, |&t| t);
        topics
    };
    members.windows(2).all(|w| sorted(&w[0]) == sorted(&w[1]))
}
