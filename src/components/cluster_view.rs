//! The Kafka cluster: ZooKeeper with the controller it elected, and each
//! broker as a card holding its partition replicas. A leader's chip is
//! filled; an in-sync follower's is outlined; a follower out of the ISR is
//! dashed and faded; a broker still leading after ZooKeeper moved on is
//! marked a zombie. Heartbeats, replica fetches, copied records and the
//! controller's `LeaderAndIsr` requests fly between them.
//!
//! In KRaft mode the controller quorum stands where ZooKeeper would: each
//! voter a row with its copy of `__cluster_metadata` (log end, and the high
//! watermark it knows), clickable; each broker card says how far it has
//! read the log (`md`); the active controller's answers to metadata fetches
//! fly to the voters and the brokers (faint for `NoOpRecord`s alone).

use super::pick::pick;
use super::token::{TokenLayer, Tokens};
use crate::cluster::scene::{
    BrokerCard, CHIP_H, ClusterScene, METADATA_CELL, MetadataCell, MetadataStrip, QuorumNode,
    ReplicaChip, Role, VOTER_ROW, VoterRow, ZK_H, ZK_W, ZK_X, ZooKeeperNode,
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
             role="group">
            <title>
                { if s.quorum.is_some() {
                    "Kafka cluster: the KRaft controller quorum with its metadata log, and each broker's partition replicas"
                } else {
                    "Kafka cluster: ZooKeeper, the controller, and each broker's partition replicas"
                } }
            </title>
            <text class="column-title" x="20" y="24">{ if s.quorum.is_some() { "KRaft quorum" } else { "ZooKeeper" } }</text>
            <text class="column-title" x="200" y="24">{ "Brokers · replicas (filled: leader)" }</text>
            if let Some(q) = &s.quorum {
                { quorum(q, &props.on_select, props.selected) }
            } else {
                { zookeeper(&s.zookeeper) }
            }
            { for s.brokers.iter().map(|b| broker(b, &props.on_select, props.selected)) }
            if let Some(m) = &s.metadata {
                { metadata_log(m, &props.on_select, props.selected) }
            }
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

/// The controller quorum: the active controller (★) and its epoch, then
/// each voter with its copy of the metadata log (where it ends, and the
/// high watermark it knows: committed below), each a button to inspect
/// it; then how many brokers are unfenced.
fn quorum(q: &QuorumNode, on_select: &Callback<Selection>, selected: Option<Selection>) -> Html {
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
    let said: Vec<String> = q
        .voters
        .iter()
        .map(|v| format!("{} {}", v.id, v.word))
        .collect();
    let foot = q.y + q.h - 22.0;
    html! {
        <g class="quorum" data-testid="quorum" data-active={q.active.map(|a| a.to_string()).unwrap_or_default()}
           data-epoch={q.epoch.to_string()}>
            <title>{ format!("KRaft controller quorum: {active} (epoch {}); voters {}; {} of {} brokers unfenced; {} elections",
                             q.epoch, said.join(", "), q.unfenced, q.brokers, q.elections) }</title>
            <rect x={q.x.to_string()} y={q.y.to_string()} width={ZK_W.to_string()} height={q.h.to_string()} rx="10" />
            <text class="name" x={(q.x + 12.0).to_string()} y={(q.y + 20.0).to_string()}>{ head }</text>
            { for q.voters.iter().map(|v| voter(q.x, v, on_select, selected)) }
            <text class="detail" x={(q.x + 12.0).to_string()} y={foot.to_string()}>
                { format!("{} of {} brokers unfenced", q.unfenced, q.brokers) }
            </text>
            <text class="detail" x={(q.x + 12.0).to_string()} y={(foot + 14.0).to_string()}>
                { if q.elections == 1 { "1 election".to_string() } else { format!("{} elections", q.elections) } }
            </text>
        </g>
    }
}

/// A voter's row: its id and state, and its copy of `__cluster_metadata`.
fn voter(
    x: f64,
    v: &VoterRow,
    on_select: &Callback<Selection>,
    selected: Option<Selection>,
) -> Html {
    let mark = match v.word {
        "active" => "★",
        "dead" => "✕",
        "cut off" => "⌁",
        _ => "",
    };
    let also = if v.broker { " (also a broker)" } else { "" };
    let pick = pick(on_select, selected, Selection::Controller(v.id));
    html! {
        <g class={classes!("voter", v.word.replace(' ', "-"), pick.class)} data-testid="voter"
           data-controller={v.id.to_string()} data-status={v.word} data-log-end={v.log_end.to_string()}
           data-high-watermark={v.high_watermark.to_string()}>
            { pick.button(
                format!("Controller {}{also}, {}; metadata log end {}, high watermark {}: inspect, kill, restart or isolate",
                        v.id, v.word, v.log_end, v.high_watermark),
                format!("Controller {}{also}: {}; its metadata log ends at {}, committed below {}",
                        v.id, v.word, v.log_end, v.high_watermark),
                html! { <rect class="row" x={(x + 6.0).to_string()} y={v.y.to_string()} width={(ZK_W - 12.0).to_string()}
                              height={(VOTER_ROW - 2.0).to_string()} rx="4" /> },
            ) }
            <g class="face" aria-hidden="true">
                <text class="detail" x={(x + 12.0).to_string()} y={(v.y + 12.0).to_string()}>
                    { format!("{}{mark}", v.id) }
                </text>
                <text class="detail log" x={(x + ZK_W - 12.0).to_string()} y={(v.y + 12.0).to_string()}>
                    { format!("end {} · hw {}", v.log_end, v.high_watermark) }
                </text>
            </g>
        </g>
    }
}

/// `__cluster_metadata` as a strip of records like a partition's: each
/// record a button to inspect it; ▼ where each voter's copy ends, the high
/// watermark's dashed line, ▲ how far each broker has read.
fn metadata_log(
    m: &MetadataStrip,
    on_select: &Callback<Selection>,
    selected: Option<Selection>,
) -> Html {
    let (top, cells, bottom) = (m.y + 14.0, m.y + 22.0, m.y + 42.0);
    html! {
        <g class="metadata-log" data-testid="metadata-log" data-high-watermark={m.high_watermark.to_string()}>
            <text class="column-title" x={ZK_X.to_string()} y={(m.y + 12.0).to_string()}>{ "__cluster_metadata" }</text>
            <text class="detail" x={ZK_X.to_string()} y={(m.y + 30.0).to_string()}>
                { format!("committed below {}", m.high_watermark) }
            </text>
            <text class="detail" x={ZK_X.to_string()} y={(m.y + 44.0).to_string()}>{ "▼ where voters' logs end" }</text>
            <text class="detail" x={ZK_X.to_string()} y={(m.y + 58.0).to_string()}>{ "▲ how far brokers read" }</text>
            { for m.voters.iter().map(|mark| html! {
                <g class="mark voter-end" data-testid="voter-end" data-offset={mark.offset.to_string()}>
                    <line x1={mark.x.to_string()} y1={(top + 2.0).to_string()} x2={mark.x.to_string()} y2={bottom.to_string()} />
                    <text x={(mark.x + 4.0).to_string()} y={top.to_string()}>{ format!("{}▼", mark.label) }</text>
                </g>
            }) }
            { for m.cells.iter().map(|c| metadata_cell(c, cells, on_select, selected)) }
            <line class="hw" x1={m.high_watermark_x.to_string()} y1={(cells - 4.0).to_string()}
                  x2={m.high_watermark_x.to_string()} y2={(bottom + 4.0).to_string()} />
            { for m.brokers.iter().map(|mark| html! {
                <g class="mark broker-read" data-testid="broker-read" data-offset={mark.offset.to_string()}>
                    <text x={(mark.x + 4.0).to_string()} y={(bottom + 14.0).to_string()}>{ format!("{}▲", mark.label) }</text>
                </g>
            }) }
        </g>
    }
}

fn metadata_cell(
    c: &MetadataCell,
    y: f64,
    on_select: &Callback<Selection>,
    selected: Option<Selection>,
) -> Html {
    let pick = pick(on_select, selected, Selection::MetadataRecord(c.offset));
    let committed = if c.committed {
        "committed"
    } else {
        "not committed yet"
    };
    html! {
        <g class={classes!("metadata-record", c.kind, (!c.committed).then_some("uncommitted"), pick.class)}
           data-testid="metadata-record" data-offset={c.offset.to_string()} data-name={c.name}>
            { pick.button(
                format!("Metadata record {}: {}, {committed}: inspect", c.offset, c.name),
                format!("{} at offset {}, {committed}", c.name, c.offset),
                html! { <rect x={c.x.to_string()} y={y.to_string()} width={METADATA_CELL.to_string()} height="20" rx="3" /> },
            ) }
            <text class="face" aria-hidden="true" x={(c.x + METADATA_CELL / 2.0).to_string()} y={(y + 14.0).to_string()}>{ c.letter }</text>
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
    let metadata = b
        .metadata_offset
        .map(|o| format!(", metadata log read to offset {o}"))
        .unwrap_or_default();
    html! {
        <g class={classes!("broker", b.down.then_some("down"), b.controller.then_some("controller"), pick.class)}
           data-testid="broker" data-broker={b.id.0.to_string()} data-status={b.status}
           data-metadata-offset={b.metadata_offset.map(|o| o.to_string())}>
            { pick.button(
                format!("Broker {}, {}{metadata}{}; {}: inspect, kill or restart", b.id.0, b.status,
                        roles.iter().map(|r| format!(", {}", r.trim_start_matches("★ "))).collect::<String>(),
                        b.chips.iter().map(|c| c.title.as_str()).collect::<Vec<_>>().join("; ")),
                format!("Broker {}: {}{metadata}{}", b.id.0, b.status,
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
                if let Some(offset) = b.metadata_offset {
                    <text class="detail metadata-offset" x={(b.x + b.w - 8.0).to_string()} y={(b.y + 17.0).to_string()}>
                        { format!("md {offset}") }
                    </text>
                }
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
