//! The Kafka picture: producers on the left, each partition's log as a strip
//! of offset cells in the middle, consumer groups on the right, and every
//! message in flight as a token on its way.

use super::pick::{pick, pick_carried};
use super::token::{TokenLayer, Tokens};
use crate::inspect::Selection;
use crate::kafka::scene::{
    CELLS, CONSUMER_W, CellShare, CommitMarker, ConsumerNode, GroupNode, Link, NODE_H, NODE_W,
    ProducerNode, STRIP_H, Scene, ShareWindow, Strip, card_height,
};
use crate::picture::fit;
use yew::prelude::*;

#[derive(Properties, PartialEq)]
pub struct KafkaViewProps {
    pub scene: super::Frame<Scene>,
    /// A consumer or partition was clicked.
    pub on_select: Callback<Selection>,
    pub selected: Option<Selection>,
}

#[component]
pub fn KafkaView(props: &KafkaViewProps) -> Html {
    let s = &props.scene;
    let (onclick, onkeydown) = pick_carried(&props.on_select);
    html! {
        <svg class="kafka-view" data-testid="kafka-view" viewBox={format!("0 0 {} {}", s.width, s.height)}
             role="group" {onclick} {onkeydown}>
            <title>
                { "Kafka: producers write to partitions; consumer groups pull from them" }
            </title>
            <text class="column-title" x="20" y="24">{ "Producers" }</text>
            <text class="column-title" x="270" y="24">{ "Topic partitions · offsets →" }</text>
            <text class="column-title" x="810" y="24">{ "Consumer groups" }</text>
            { for s.links.iter().map(link) }
            { for s.producers.iter().map(|p| producer(p, &props.on_select, props.selected)) }
            { for s.strips.iter().map(|st| strip(st, &props.on_select, props.selected)) }
            { for s.groups.iter().map(|g| group(g, &props.on_select, props.selected)) }
            <TokenLayer tokens={Tokens(s.tokens.clone())} width={s.width} height={s.height} />
        </svg>
    }
}

fn link(l: &Link) -> Html {
    html! {
        <line class={classes!("assignment", l.state.class())} x1={l.from.0.to_string()} y1={l.from.1.to_string()}
              x2={l.to.0.to_string()} y2={l.to.1.to_string()} stroke={l.colour} />
    }
}

fn producer(
    p: &ProducerNode,
    on_select: &Callback<Selection>,
    selected: Option<Selection>,
) -> Html {
    let pick = pick(on_select, selected, Selection::Producer(p.id));
    html! {
        <g class={classes!("producer", (p.status != "sending").then_some("down"), pick.class)} data-testid="producer"
           data-name={p.name.clone()} data-status={p.status} data-connect={format!("producer:{}", p.name)}
           transform={format!("translate({},{})", p.x, p.y)}>
            { pick.button(
                format!("Producer {}, {}, sent {}: inspect, or send a record by hand", p.name, p.status, p.sent),
                format!("Producer {} ({}): sent {} records", p.name, p.status, p.sent),
                html! { <rect width={NODE_W.to_string()} height={NODE_H.to_string()} rx="8" /> },
            ) }
            <g class="face" aria-hidden="true">
                <text class="name" x="12" y="24">{ &p.name }</text>
                <text class="detail" x="12" y="44">
                    { if p.status == "sending" { format!("sent {}", p.sent) } else { format!("{} · sent {}", p.status, p.sent) } }
                </text>
            </g>
        </g>
    }
}

fn strip(s: &Strip, on_select: &Callback<Selection>, selected: Option<Selection>) -> Html {
    let tp_label = &s.label;
    let slots = (0..CELLS).map(|i| {
        html! {
            <rect class="slot" x={(s.x + i as f64 * s.cell_w).to_string()} y={s.y.to_string()}
                  width={s.cell_w.to_string()} height={STRIP_H.to_string()} />
        }
    });
    let cells = s.cells.iter().map(|c| {
        let title = match &c.key {
            Some(k) => format!("offset {}: key {k}", c.offset),
            None => format!("offset {}: no key", c.offset),
        };
        // Cells are the most numerous thing drawn and change every frame in
        // a busy run: they carry their record's id, and one pair of
        // handlers on the picture picks whichever is clicked.
        let chosen = (selected == Some(Selection::Record(c.record))).then_some("selected");
        let share = c.share.as_ref();
        let title = match share {
            Some(sh) => format!("{title}; {}", share_said(sh)),
            None => title,
        };
        html! {
            <g class={classes!("cell", chosen, share.map(|sh| format!("share-{}", sh.state)))} data-testid="record"
               data-offset={c.offset.to_string()} data-record={c.record.0.to_string()}
               data-share={share.map(|sh| sh.state)} data-deliveries={share.map(|sh| sh.deliveries.to_string())}>
                <g class="hit" role="button" tabindex="0" aria-label={format!("Record in {tp_label}, {title}: inspect")}>
                    <title>{ title }</title>
                    <rect x={(c.x + 2.0).to_string()} y={(s.y + 2.0).to_string()} width={(s.cell_w - 4.0).to_string()}
                          height={(STRIP_H - 4.0).to_string()} rx="4" fill={c.colour} />
                </g>
                <g class="face" aria-hidden="true">
                    if let Some(holder) = share.and_then(|sh| sh.holder) {
                        <rect class="holder" x={(c.x + 1.0).to_string()} y={(s.y + 1.0).to_string()} width={(s.cell_w - 2.0).to_string()}
                              height={(STRIP_H - 2.0).to_string()} rx="5" stroke={holder} />
                    }
                    <text class="letter" x={(c.x + s.cell_w / 2.0).to_string()} y={(s.y + 20.0).to_string()}>{ &c.letter }</text>
                    <text class="offset" x={(c.x + s.cell_w / 2.0).to_string()} y={(s.y - 4.0).to_string()}>{ c.offset }</text>
                    if let Some(sh) = share.filter(|sh| sh.deliveries > 1 || sh.state == "archived") {
                        <text class="deliveries" x={(c.x + s.cell_w - 4.0).to_string()} y={(s.y + STRIP_H - 4.0).to_string()}>
                            { if sh.state == "archived" { "✕".to_string() } else { format!("×{}", sh.deliveries) } }
                        </text>
                    }
                </g>
            </g>
        }
    });
    let end_x = s.x + s.cells.last().map_or(0.0, |c| c.x - s.x + s.cell_w);
    let pick = pick(on_select, selected, Selection::Partition(s.tp));
    html! {
        <g class={classes!("partition", s.dead_letter.then_some("dead-letter"))} data-testid="partition"
           data-partition={s.tp.partition.to_string()} data-connect={format!("topic:{}", s.topic)}
           data-log-end={s.log_end.to_string()}>
            <text class={classes!("strip-label", pick.class)} x={(s.x - 10.0).to_string()} y={(s.y + 20.0).to_string()}
                  data-testid="partition-label" role="button" tabindex="0"
                  aria-label={format!("Partition {}: inspect", s.label)}
                  onclick={pick.onclick} onkeydown={pick.onkeydown}>{ &s.label }</text>
            { for slots }
            { for cells }
            <line class="log-end" x1={end_x.to_string()} x2={end_x.to_string()}
                  y1={(s.y - 2.0).to_string()} y2={(s.y + STRIP_H + 2.0).to_string()} />
            <text class="log-end-label" x={(s.x + CELLS as f64 * s.cell_w + 8.0).to_string()} y={(s.y + 12.0).to_string()}>
                { format!("log end {}", s.log_end) }
            </text>
            if let Some((hw, x)) = s.high_watermark {
                <g class="high-watermark" data-high-watermark={hw.to_string()}>
                    <title>{ format!("High watermark {hw}: every in-sync replica has the records below it; consumers read only those") }</title>
                    <line x1={x.to_string()} x2={x.to_string()} y1={(s.y - 6.0).to_string()} y2={(s.y + STRIP_H + 6.0).to_string()} />
                    <text x={(s.x + CELLS as f64 * s.cell_w + 8.0).to_string()} y={(s.y + 26.0).to_string()}>{ format!("HW {hw}") }</text>
                </g>
            }
            if s.log_start > 0 {
                <text class="log-end-label" data-testid="log-start" x={(s.x + CELLS as f64 * s.cell_w + 8.0).to_string()}
                      y={(s.y + 26.0).to_string()}>
                    <title>{ "Retention deleted the older records" }</title>
                    { format!("kept from {}", s.log_start) }
                </text>
            }
            { for s.markers.iter().enumerate().map(|(i, m)| marker(s, m, i)) }
            { for s.shares.iter().enumerate().map(|(i, w)| share_window(s, w, i)) }
        </g>
    }
}

/// The height of one line of markers under a strip.
const MARKER_LINE_H: f64 = 13.0;

/// A cell's share state in words.
fn share_said(sh: &CellShare) -> String {
    let times = |n: u32| {
        if n == 1 {
            "once".to_string()
        } else {
            format!("{n} times")
        }
    };
    match sh.state {
        "done" => "done for the share group".to_string(),
        "available" if sh.deliveries == 0 => "available to the share group".to_string(),
        "available" => format!("available again, delivered {}", times(sh.deliveries)),
        "acquired" => format!(
            "acquired (delivery {}), locked for one member",
            sh.deliveries
        ),
        "acknowledged" => "acknowledged: done".to_string(),
        _ => format!(
            "archived after {} deliveries: never delivered again",
            sh.deliveries
        ),
    }
}

/// A share group's window under the strip: the start offset (SPSO) and
/// the in-flight records up to the last acquired; the `i`-th share group
/// on the strip.
fn share_window(s: &Strip, w: &ShareWindow, i: usize) -> Html {
    // Below the commit markers of the consumer groups that read it too.
    let y = s.y + STRIP_H + 2.0 + MARKER_LINE_H * (s.markers.len() + i) as f64;
    let arrow = if w.off_strip { "◀ " } else { "" };
    let label = format!(
        "{arrow}{}: start {} · {} held · {} archived",
        fit(&w.group, 12),
        w.start,
        w.acquired,
        w.archived
    );
    let (text_x, anchor) = beside(s, w.start_x);
    html! {
        <g class="share-window" data-start={w.start.to_string()} data-end={w.end.to_string()}
           data-archived={w.archived.to_string()}>
            <title>{ format!(
                "Share group {}: records below offset {} (the share-partition start offset) are done; {} to {} are in flight",
                w.group, w.start, w.start, w.end.saturating_sub(1)
            ) }</title>
            <line class="window" x1={w.start_x.to_string()} x2={w.end_x.max(w.start_x).to_string()}
                  y1={(y - 0.5).to_string()} y2={(y - 0.5).to_string()} />
            <polygon points={format!("{},{} {},{} {},{}", w.start_x, y, w.start_x - 6.0, y + 9.0, w.start_x + 6.0, y + 9.0)} />
            <text x={text_x.to_string()} y={(y + 10.0).to_string()} text-anchor={anchor}>{ label }</text>
        </g>
    }
}

/// Where a marker's words go: where the strip has room, after the marker,
/// or before it when it is in the strip's right half.
fn beside(s: &Strip, x: f64) -> (f64, &'static str) {
    if x > s.x + CELLS as f64 * s.cell_w / 2.0 {
        (x - 9.0, "end")
    } else {
        (x + 9.0, "start")
    }
}

/// A group's committed offset under the strip, each group on a line of
/// its own (the `line`-th).
fn marker(s: &Strip, m: &CommitMarker, line: usize) -> Html {
    let y = s.y + STRIP_H + 2.0 + MARKER_LINE_H * line as f64;
    let arrow = if m.off_strip { "◀ " } else { "" };
    // With several groups on the strip, each line says whose it is.
    let group = if s.markers.len() + s.shares.len() > 1 {
        format!("{}: ", fit(&m.group, 12))
    } else {
        String::new()
    };
    let label = format!("{arrow}{group}committed {} · lag {}", m.offset, m.lag);
    let (text_x, anchor) = beside(s, m.x);
    html! {
        <g class="commit-marker" data-committed={m.offset.to_string()}>
            <title>{ format!("group {}: committed offset {}, lag {}", m.group, m.offset, m.lag) }</title>
            <polygon points={format!("{},{} {},{} {},{}", m.x, y, m.x - 6.0, y + 9.0, m.x + 6.0, y + 9.0)} />
            <text x={text_x.to_string()} y={(y + 10.0).to_string()} text-anchor={anchor}>{ label }</text>
        </g>
    }
}

fn group(g: &GroupNode, on_select: &Callback<Selection>, selected: Option<Selection>) -> Html {
    html! {
        <g class={classes!("group", g.share.then_some("share"))} data-testid="group" data-name={g.name.clone()} data-connect={format!("{}:{}", if g.share { "share_group" } else { "group" }, g.name)} data-generation={g.generation.to_string()}>
            // The title is kept to the column's width; the tooltip says it whole.
            <title>{ if g.standalone {
                format!("{}: consumers without a group.id read every partition and share nothing", g.name)
            } else if g.share {
                format!("Share group {} (KIP-932): its members share the partitions, each record acquired by one member at a time", g.name)
            } else if g.rebalancing {
                format!("Consumer group {}, generation {}: rebalancing, the members rejoin and the partitions are shared out again", g.name, g.generation)
            } else if let Some(epoch) = g.epoch {
                format!("Consumer group {} on the consumer protocol (KIP-848), group epoch {epoch}: members move one at a time through their heartbeats", g.name)
            } else {
                format!("Consumer group {}, generation {} of its assignment", g.name, g.generation)
            } }</title>
            <text class="group-title" x={g.x.to_string()} y={(g.y + 12.0).to_string()}>
                { if g.standalone {
                    format!("{} · no group.id", fit(&g.name, 12))
                } else if g.share {
                    format!("{} · share group", fit(&g.name, 12))
                } else if g.rebalancing {
                    format!("{} · rebalancing…", fit(&g.name, 10))
                } else if let Some(epoch) = g.epoch {
                    format!("{} · epoch {epoch}", fit(&g.name, 14))
                } else {
                    format!("{} · gen {}", fit(&g.name, 14), g.generation)
                } }
            </text>
            { for g.consumers.iter().map(|c| consumer(c, on_select, selected)) }
        </g>
    }
}

fn consumer(
    c: &ConsumerNode,
    on_select: &Callback<Selection>,
    selected: Option<Selection>,
) -> Html {
    let height = card_height(c.compact);
    // A compact card holds only the record in hand, on its left edge where
    // the records come in.
    let (shown, first_x, cy) = if c.compact {
        (1, 0.0, height / 2.0)
    } else {
        (8, 16.0, 58.0)
    };
    let inbox = c
        .inbox
        .iter()
        .take(shown)
        .enumerate()
        .map(|(i, (colour, letter))| {
            let x = first_x + i as f64 * 18.0;
            let class = if i == 0 { "inbox processing" } else { "inbox" };
            html! {
                <g class={class}>
                    <circle cx={x.to_string()} cy={cy.to_string()} r="7" fill={*colour} />
                    <text x={x.to_string()} y={(cy + 3.0).to_string()}>{ letter }</text>
                </g>
            }
        });
    let waiting = c.inbox.len();
    let pick = pick(on_select, selected, Selection::Consumer(c.id));
    html! {
        <g class={classes!("consumer", c.down.then_some("down"), pick.class)} data-testid="consumer" data-name={c.name.clone()}
           data-status={c.status} data-processed={c.processed.to_string()} data-duplicates={c.duplicates.to_string()}
           transform={format!("translate({},{})", c.x, c.y)}>
            { pick.button(
                format!("Consumer {}, {}{}, {}, {}, {waiting} waiting: inspect, crash or restart", c.name, c.status, epoch_said(c), c.owns_said, progress_line(c)),
                format!("Consumer {} ({}{}): {}; {}; {} waiting", c.name, c.status, epoch_said(c), c.owns_said, progress_line(c), waiting),
                html! {
                    <>
                        <rect width={CONSUMER_W.to_string()} height={height.to_string()} rx="8" />
                        <rect class="colour-bar" width="6" height={height.to_string()} rx="3" fill={c.colour} />
                    </>
                },
            ) }
            <g class="face" aria-hidden="true">
                <text class="name" x="14" y="15">{ &c.name }</text>
                if let Some(epoch) = c.epoch {
                    <text class="member-epoch" x={(CONSUMER_W - 8.0).to_string()} y="15">{ format!("epoch {epoch}") }</text>
                } else if c.compact {
                    <text class="member-epoch" x={(CONSUMER_W - 8.0).to_string()} y="15">{ tally(c) }</text>
                }
                <text class="detail" x="14" y="29">{ &c.owns }</text>
                if !c.compact {
                    <text class="detail" x="14" y="43">{ progress_line(c) }</text>
                }
                { for inbox }
            </g>
        </g>
    }
}

/// ", member epoch 4" for a consumer-protocol member.
fn epoch_said(c: &ConsumerNode) -> String {
    c.epoch
        .map(|e| format!(", member epoch {e}"))
        .unwrap_or_default()
}

/// A compact card's count: "12 done", or the retry in progress.
fn tally(c: &ConsumerNode) -> String {
    if c.live {
        return "live".into();
    }
    match c.retrying {
        Some(failed) => format!("⟳ {failed}×"),
        None => format!("{} done", c.processed),
    }
}

/// "processed 12 · 2 again · 1 given up", or the retry in progress; a
/// live client's member processes in its client, outside the run.
fn progress_line(c: &ConsumerNode) -> String {
    if c.live {
        return "reads in a live client".into();
    }
    if let Some(failed) = c.retrying {
        return format!("⟳ failed {failed}×, retrying");
    }
    let mut line = format!("processed {}", c.processed);
    if c.duplicates > 0 {
        line += &format!(" · {} again", c.duplicates);
    }
    if c.given_up > 0 {
        line += &format!(" · {} given up", c.given_up);
    }
    line
}
