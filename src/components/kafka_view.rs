//! The Kafka picture: producers on the left, each partition's log as a strip
//! of offset cells in the middle, consumer groups on the right, and every
//! message in flight as a token on its way.

use super::pick::{pick, pick_carried};
use super::strip::{StripProps, StripView};
use super::token::{TokenLayer, Tokens};
use crate::inspect::Selection;
use crate::kafka::scene::{
    CONSUMER_W, ConsumerNode, GroupNode, Link, NODE_H, NODE_W, ProducerNode, Scene, Strip,
    card_height,
};
use crate::pacing::{CELLS_PER_FRAME, Staggered};
use crate::picture::fit;
use yew::prelude::*;

#[derive(Properties, PartialEq)]
pub struct KafkaViewProps {
    pub scene: super::Frame<Scene>,
    /// A consumer or partition was clicked.
    pub on_select: Callback<Selection>,
    pub selected: Option<Selection>,
    /// While the run plays on from the last frame, only a few changed
    /// strips are drawn again in one frame (see [`pacing`](crate::pacing)).
    pub calm: bool,
}

#[component]
pub fn KafkaView(props: &KafkaViewProps) -> Html {
    let s = &props.scene;
    let (onclick, onkeydown) = pick_carried(&props.on_select);
    let staggered = use_mut_ref(Staggered::default);
    let budget = if props.calm {
        CELLS_PER_FRAME
    } else {
        usize::MAX
    };
    let strips = (staggered.borrow_mut()).show(s.strips.clone(), budget, Strip::new_cells);
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
            { for strips.into_iter().map(|st| {
                let key = format!("{}-{}", st.tp.topic.0, st.tp.partition);
                let selected = props.selected.filter(|&sel| StripProps::concerns(&st, sel));
                html! { <StripView {key} {selected} on_select={props.on_select.clone()} strip={st} /> }
            }) }
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
