//! A member moving towards its target, one heartbeat at a time
//! (`CurrentAssignmentBuilder`, Kafka 4.2 and later).
//!
//! The coordinator never takes a partition from one member and gives it to
//! another in one step. A member that must give some up is told its
//! assignment without them and stays at its old epoch
//! ([`MemberState::UnrevokedPartitions`]); once a heartbeat shows it no
//! longer owns them, it moves to the target's epoch. A partition newly its
//! own is handed over only when no other member owns it any more; until
//! then the member waits at the new epoch
//! ([`MemberState::UnreleasedPartitions`]). So no partition is ever owned
//! by two members at once, and the members with nothing to move keep
//! reading throughout.

/// A partition: (topic index, partition).
pub type Tp = (usize, u32);

/// `MemberState`.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum MemberState {
    /// Reconciled with the target it last moved to.
    Stable,
    /// Must first revoke some partitions; keeps its old epoch.
    UnrevokedPartitions,
    /// At the new epoch, waiting for partitions another member still owns.
    UnreleasedPartitions,
}

/// A member's current assignment as the coordinator records it.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Current {
    pub epoch: u32,
    pub state: MemberState,
    /// What it owns, sorted.
    pub assigned: Vec<Tp>,
    /// What it must give up, sorted.
    pub pending_revocation: Vec<Tp>,
}

/// The member's next current assignment, given the target's `epoch` and
/// this member's `target` (sorted), `owner_epoch` (the epoch of the member
/// that owns a partition now, if any: `currentPartitionEpoch`) and what the
/// heartbeat said it `owned` (none when it did not say).
pub fn reconcile(
    member: &Current,
    target_epoch: u32,
    target: &[Tp],
    owner_epoch: impl Fn(Tp) -> Option<u32>,
    owned: Option<&[Tp]>,
) -> Current {
    // An unknown report counts as still owning.
    let owns_any = |set: &[Tp]| owned.is_none_or(|owned| owned.iter().any(|tp| set.contains(tp)));
    match member.state {
        MemberState::Stable if member.epoch == target_epoch => member.clone(),
        MemberState::UnrevokedPartitions if owns_any(&member.pending_revocation) => member.clone(),
        _ => next(member, target_epoch, target, owner_epoch, owns_any),
    }
}

/// `computeNextAssignment`.
fn next(
    member: &Current,
    target_epoch: u32,
    target: &[Tp],
    owner_epoch: impl Fn(Tp) -> Option<u32>,
    owns_any: impl Fn(&[Tp]) -> bool,
) -> Current {
    let kept: Vec<Tp> = member
        .assigned
        .iter()
        .copied()
        .filter(|tp| target.contains(tp))
        .collect();
    let revoke: Vec<Tp> = member
        .assigned
        .iter()
        .copied()
        .filter(|tp| !target.contains(tp))
        .collect();
    let mut unreleased = false;
    let to_assign: Vec<Tp> = target
        .iter()
        .copied()
        .filter(|tp| !kept.contains(tp))
        .filter(|&tp| {
            let held = owner_epoch(tp).is_some() && !member.pending_revocation.contains(&tp);
            unreleased |= held;
            !held
        })
        .collect();
    if !revoke.is_empty() && owns_any(&revoke) {
        return Current {
            epoch: member.epoch,
            state: MemberState::UnrevokedPartitions,
            assigned: kept,
            pending_revocation: revoke,
        };
    }
    let mut assigned = kept;
    assigned.extend(to_assign);
    crate::sort::sort_by_key(&mut assigned, |&tp| tp);
    Current {
        epoch: target_epoch,
        state: if unreleased {
            MemberState::UnreleasedPartitions
        } else {
            MemberState::Stable
        },
        assigned,
        pending_revocation: Vec::new(),
    }
}
