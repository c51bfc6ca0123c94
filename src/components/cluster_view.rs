//! The Kafka cluster: ZooKeeper with the controller it elected, and each
//! broker as a card holding its partition replicas. A leader's chip is
//! filled; an in-sync follower's is outlined; a follower out of the ISR is
//! dashed and faded; a broker still leading after ZooKeeper moved on is
//! marked a zombie. Heartbeats, replica fetches, copied records and the
//! controller's `LeaderAndIsr` requests fly between them.

use super::pick::pick;
use super::token::{TokenLayer, Tokens};
use crate::cluster::scene::{
    BrokerCard, CHIP_H, ClusterScene, QuorumNode, ReplicaChip, Role, ZK_H, ZK_W, ZooKeeperNode,
};
use crate::inspect::Selection;
use yew::prelude::*;

#[derive(Properties, PartialEq)]
pub struct ClusterViewProps {
    pub scene: super::Frame<ClusterScene>,
    /// A broker card was clicked.
    pub on_select: Callback<Selection>,
    pub selected: Option<Selection>,
}

#[component]
pub fn ClusterView(props: &ClusterViewProps) -> Html {
    let s = &props.scene;
    html! {
        <svg class="cluster-view" data-testid="cluster-view" viewBox={format!("0 0 {} {}", s.width, s.height)}
             role="group" aria-labelledby="cluster-view-title">
            <title id="cluster-view-title">
                { "Kafka cluster: ZooKeeper, the controller, and each broker's partition replicas" }
            </title>
            <text class="column-title" x="20" y="24">{ if s.quorum.is_some() { "KRaft quorum" } else { "ZooKeeper" } }</text>
            <text class="column-title" x="200" y="24">{ "Brokers · replicas (filled: leader)" }</text>
            if let Some(q) = &s.quorum {
                { quorum(q) }
            } else {
                { zookeeper(&s.zookeeper) }
            }
            { for s.brokers.iter().map(|b| broker(b, &props.on_select, props.selected)) }
            <TokenLayer tokens={Tokens(s.tokens.clone())} width={s.width} height={s.height} />
        </svg>
    }
}

fn zookeeper(z: &ZooKeeperNode) -> Html {
    let controller = z.controller.map_or("controller: none".to_string(), |b| {
        format!("controller: broker {}", b.0)
    });
    html! {
        <g class="zookeeper" data-testid="zookeeper" data-controller={z.controller.map(|b| b.0.to_string()).unwrap_or_default()}
           data-elections={z.elections.to_string()} transform={format!("translate({},{})", z.x, z.y)}>
            <title>{ format!("ZooKeeper: {controller} (epoch {}); {} brokers registered; {} leader elections",
                             z.controller_epoch, z.registered, z.elections) }</title>
            <rect width={ZK_W.to_string()} height={ZK_H.to_string()} rx="10" />
            <text class="name" x="12" y="20">{ "ZooKeeper" }</text>
            <text class="detail" x="12" y="38">{ controller }</text>
            <text class="detail" x="12" y="52">{ format!("{} registered · epoch {}", z.registered, z.controller_epoch) }</text>
            <text class="detail" x="12" y="66">
                { if z.elections == 1 { "1 leader election".to_string() } else { format!("{} leader elections", z.elections) } }
            </text>
        </g>
    }
}

/// The controller quorum: the active controller (★), its epoch, and each
/// voter as it is.
fn quorum(q: &QuorumNode) -> Html {
    let (active, head) = match q.active {
        Some(a) => (
            format!("controller {a} active"),
            format!("★ {a} · epoch {}", q.epoch),
        ),
        None => (
            "no active controller".to_string(),
            format!("no leader · epoch {}", q.epoch),
        ),
    };
    let voters: Vec<String> = q
        .voters
        .iter()
        .map(|(id, word)| match *word {
            "active" => format!("{id}★"),
            "dead" => format!("{id}✕"),
            "cut off" => format!("{id}⌁"),
            _ => id.to_string(),
        })
        .collect();
    let said: Vec<String> = q
        .voters
        .iter()
        .map(|(id, word)| format!("{id} {word}"))
        .collect();
    html! {
        <g class="quorum" data-testid="quorum" data-active={q.active.map(|a| a.to_string()).unwrap_or_default()}
           data-epoch={q.epoch.to_string()} transform={format!("translate({},{})", q.x, q.y)}>
            <title>{ format!("KRaft controller quorum: {active} (epoch {}); voters {}; {} of {} brokers unfenced; {} elections",
                             q.epoch, said.join(", "), q.unfenced, q.brokers, q.elections) }</title>
            <rect width={ZK_W.to_string()} height={ZK_H.to_string()} rx="10" />
            <text class="name" x="12" y="20">{ head }</text>
            <text class="detail" x="12" y="38">{ format!("voters {}", voters.join(" ")) }</text>
            <text class="detail" x="12" y="52">{ format!("{} of {} brokers unfenced", q.unfenced, q.brokers) }</text>
            <text class="detail" x="12" y="66">
                { if q.elections == 1 { "1 election".to_string() } else { format!("{} elections", q.elections) } }
            </text>
        </g>
    }
}

fn broker(b: &BrokerCard, on_select: &Callback<Selection>, selected: Option<Selection>) -> Html {
    let mut roles = Vec::new();
    if b.controller {
        roles.push("★ controller".to_string());
    }
    roles.extend(b.coordinates.iter().map(|g| format!("coordinator of {g}")));
    let pick = pick(on_select, selected, Selection::Broker(b.id));
    html! {
        <g class={classes!("broker", b.down.then_some("down"), b.controller.then_some("controller"), pick.class)}
           data-testid="broker" data-broker={b.id.0.to_string()} data-status={b.status}>
            { pick.button(
                format!("Broker {}, {}{}; {}: inspect, kill or restart", b.id.0, b.status,
                        roles.iter().map(|r| format!(", {}", r.trim_start_matches("★ "))).collect::<String>(),
                        b.chips.iter().map(|c| c.title.as_str()).collect::<Vec<_>>().join("; ")),
                format!("Broker {}: {}{}", b.id.0, b.status,
                        if roles.is_empty() { String::new() } else { format!("; {}", roles.join(", ")) }),
                html! { <rect class="card" x={b.x.to_string()} y={b.y.to_string()} width={b.w.to_string()} height={b.h.to_string()} rx="8" /> },
            ) }
            <g class="face" aria-hidden="true">
                <text class="name" x={(b.x + 8.0).to_string()} y={(b.y + 17.0).to_string()}>
                    { if b.down { format!("broker {} ✕", b.id.0) } else { format!("broker {}", b.id.0) } }
                </text>
                <text class="detail" x={(b.x + 8.0).to_string()} y={(b.y + 33.0).to_string()}>
                    { if roles.is_empty() { b.status.to_string() } else { roles.join(" · ") } }
                </text>
                { for b.chips.iter().map(chip) }
            </g>
        </g>
    }
}

fn chip(c: &ReplicaChip) -> Html {
    let class = match c.role {
        Role::Leader => "leader",
        Role::InSync => "in-sync",
        Role::OutOfSync => "out-of-sync",
        Role::Zombie => "zombie",
    };
    html! {
        <g class={classes!("replica", class)} data-testid="replica" data-role={class} data-label={c.label.clone()}>
            <title>{ &c.title }</title>
            <rect x={c.x.to_string()} y={c.y.to_string()} width={c.w.to_string()} height={CHIP_H.to_string()} rx="4" />
            <text x={(c.x + c.w / 2.0).to_string()} y={(c.y + 14.0).to_string()}>{ &c.label }</text>
        </g>
    }
}
