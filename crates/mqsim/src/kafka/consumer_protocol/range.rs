//! `range`, the coordinator's `RangeAssignor` (not the client's): per
//! topic, each subscriber takes a contiguous range of partitions, the
//! first `partitions % subscribers` one more. Members are ordered by
//! `group.instance.id` (static members first), then by member id. It
//! ignores what members had before: the same group gives the same
//! assignment every time.

use super::{Assigned, MemberSpec, TopicMeta};

/// The range assignment of `topics` to `members`; per member, in the
/// order given.
pub fn assign(members: &[MemberSpec], topics: &[TopicMeta]) -> Result<Assigned, String> {
    let mut assigned: Assigned = vec![Vec::new(); members.len()];
    // `sortMemberIds`: static members by instance id, then the others by
    // member id.
    let mut order: Vec<usize> = (0..members.len()).collect();
    crate::sort::sort_by(&mut order, |&a, &b| {
        let key = |m: &MemberSpec| match &m.instance_id {
            Some(instance) => (0, instance.clone()),
            None => (1, m.id.clone()),
        };
        key(&members[a]).cmp(&key(&members[b]))
    });
    for (t, topic) in topics.iter().enumerate() {
        let subscribers: Vec<usize> = order
            .iter()
            .copied()
            .filter(|&m| members[m].topics.contains(&t))
            .collect();
        if subscribers.is_empty() {
            continue;
        }
        let count = subscribers.len() as u32;
        let (min_quota, mut extra) = (topic.partitions / count, topic.partitions % count);
        let mut next = 0;
        for member in subscribers {
            let mut quota = min_quota;
            if extra > 0 {
                quota += 1;
                extra -= 1;
            }
            let end = (next + quota).min(topic.partitions);
            assigned[member].extend((next..end).map(|p| (t, p)));
            next = end;
        }
    }
    Ok(assigned)
}
