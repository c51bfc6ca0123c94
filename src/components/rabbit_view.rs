//! The RabbitMQ picture: publishers send to exchanges, bindings (labelled
//! with their keys) lead to queues, and the broker pushes from each queue to
//! its consumers, each within its prefetch window. Dead-letter exchanges and
//! queues are drawn dashed and red.

use super::pick::{pick, pick_carried};
use super::token::{TokenLayer, Tokens};
use crate::inspect::Selection;
use crate::picture::fit;
use crate::rabbit::scene::{
    BindingLine, CONSUMER_H, CONSUMER_NAME_CHARS, CONSUMER_W, CONSUMER_X, ConsumerNode, EXCHANGE_W,
    EXCHANGE_X, ExchangeNode, NODE_H, PUBLISHER_W, PUBLISHER_X, PublisherNode, QUEUE_H, QUEUE_W,
    QUEUE_X, QueueNode, RabbitScene, WINDOW_SLOTS,
};
use yew::prelude::*;

#[derive(Properties, PartialEq)]
pub struct RabbitViewProps {
    pub scene: super::Frame<RabbitScene>,
    /// A queue or consumer was clicked.
    pub on_select: Callback<Selection>,
    pub selected: Option<Selection>,
}

#[component]
pub fn RabbitView(props: &RabbitViewProps) -> Html {
    let s = &props.scene;
    let (onclick, onkeydown) = pick_carried(&props.on_select);
    html! {
        <svg class="rabbit-view" data-testid="rabbit-view" viewBox={format!("0 0 {} {}", s.width, s.height)}
             role="group" {onclick} {onkeydown}>
            <title>
                { "RabbitMQ: publishers send to exchanges, bindings route to queues, the broker pushes to consumers" }
            </title>
            <text class="column-title" x={PUBLISHER_X.to_string()} y="24">{ "Publishers" }</text>
            <text class="column-title" x={EXCHANGE_X.to_string()} y="24">{ "Exchanges" }</text>
            <text class="column-title" x={QUEUE_X.to_string()} y="24">{ "Queues · ready → head" }</text>
            <text class="column-title" x={CONSUMER_X.to_string()} y="24">{ "Consumers" }</text>
            { for s.bindings.iter().map(binding) }
            { for s.publishers.iter().map(|p| publisher(p, &props.on_select, props.selected)) }
            { for s.exchanges.iter().map(exchange) }
            { for s.queues.iter().map(|q| queue(q, &props.on_select, props.selected)) }
            { for s.consumers.iter().map(|c| consumer(c, &props.on_select, props.selected)) }
            <TokenLayer tokens={Tokens(s.tokens.clone())} width={s.width} height={s.height} />
        </svg>
    }
}

fn binding(b: &BindingLine) -> Html {
    html! {
        <g class={classes!("binding", b.dead_letter.then_some("dead-letter"))}>
            <path d={b.path.clone()} />
            if !b.label.is_empty() {
                <text class="binding-key" x={b.label_at.0.to_string()} y={b.label_at.1.to_string()}>{ &b.label }</text>
            }
        </g>
    }
}

fn publisher(
    p: &PublisherNode,
    on_select: &Callback<Selection>,
    selected: Option<Selection>,
) -> Html {
    let pick = pick(on_select, selected, Selection::Publisher(p.id));
    html! {
        <g class={classes!("publisher", pick.class)} data-testid="publisher" data-name={p.name.clone()}
           data-connect={format!("publisher:{}", p.name)}
           transform={format!("translate({},{})", p.x, p.y)}>
            { pick.button(
                format!("Publisher {}, sent {} to exchange {}: inspect, or publish a message by hand", p.name, p.sent, p.exchange),
                format!("Publisher {}: sent {} messages to exchange {}", p.name, p.sent, p.exchange),
                html! { <rect width={PUBLISHER_W.to_string()} height={NODE_H.to_string()} rx="8" /> },
            ) }
            <g class="face" aria-hidden="true">
                <text class="name" x="12" y="22">{ &p.name }</text>
                <text class="detail" x="12" y="42">{ format!("sent {}", p.sent) }</text>
            </g>
        </g>
    }
}

fn exchange(e: &ExchangeNode) -> Html {
    // What it could not route goes on a line of its own, inside the card.
    let mut lost = Vec::new();
    if e.dropped > 0 {
        lost.push(format!("{} unroutable", e.dropped));
    }
    if e.returned > 0 {
        lost.push(format!("{} returned", e.returned));
    }
    let lost = lost.join(" · ");
    let routed = format!("routed {}", e.routed);
    let detail = if lost.is_empty() {
        routed.clone()
    } else {
        format!("{routed} · {lost}")
    };
    html! {
        <g class={classes!("exchange", e.dead_letter.then_some("dead-letter"))} data-testid="exchange"
           data-name={e.name.clone()} data-routed={e.routed.to_string()} data-connect={format!("exchange:{}", e.name)}
           transform={format!("translate({},{})", e.x, e.y)}>
            <title>{ format!("{} exchange {}{}: {detail}", e.kind, e.name,
                             if e.dead_letter { " (dead-letter exchange)" } else { "" }) }</title>
            <rect width={EXCHANGE_W.to_string()} height={NODE_H.to_string()} rx="4" />
            <text class="name" x="10" y="20">{ &e.name }</text>
            <g class="badge" transform="translate(10,28)">
                <rect width="58" height="16" rx="8" />
                <text x="29" y="12">{ e.kind }</text>
            </g>
            <text class="detail" x="74" y="36">{ routed }</text>
            if !lost.is_empty() {
                <text class="detail" x="74" y="50">{ lost }</text>
            }
        </g>
    }
}

fn queue(q: &QueueNode, on_select: &Callback<Selection>, selected: Option<Selection>) -> Html {
    let cells = q.cells.iter().enumerate().map(|(i, m)| {
        let x = 10.0 + i as f64 * 22.0;
        let chosen = (selected == Some(Selection::Message(m.id))).then_some("selected");
        html! {
            <g class={classes!("ready-message", chosen)} data-testid="message" data-message={m.id.0.to_string()}
               aria-hidden="true">
                <rect x={x.to_string()} y="44" width="20" height="20" rx="4" fill={m.colour} />
                <text x={(x + 10.0).to_string()} y="58">{ &m.letter }</text>
            </g>
        }
    });
    let mut counts = format!("ready {} · unacked {}", q.ready, q.unacked);
    if q.discarded > 0 {
        let fate = if q.dead_letter_exchange.is_some() {
            "dead-lettered"
        } else {
            "dropped"
        };
        counts += &format!(" · {fate} {}", q.discarded);
    }
    if q.refused > 0 {
        counts += &format!(" · refused {}", q.refused);
    }
    let heading = match (q.deleted, q.features.is_empty()) {
        (true, _) => format!("{} · deleted", q.kind),
        (false, true) => q.kind.to_string(),
        (false, false) => format!("{} · {}", q.kind, q.features.join(" · ")),
    };
    let pick = pick(on_select, selected, Selection::Queue(q.id));
    html! {
        <g class={classes!("queue", q.dead_letter.then_some("dead-letter"), q.deleted.then_some("down"), pick.class)}
           data-testid="queue" data-name={q.name.clone()} data-ready={q.ready.to_string()} data-connect={format!("queue:{}", q.name)}
           data-unacked={q.unacked.to_string()} transform={format!("translate({},{})", q.x, q.y)}>
            { pick.button(
                format!("Queue {}, {heading}, {counts}: inspect", q.name),
                format!("Queue {} ({heading}): {counts}{}", q.name,
                        q.dead_letter_exchange.as_ref().map(|x| format!("; dead-letters to exchange {x}")).unwrap_or_default()),
                html! { <rect width={QUEUE_W.to_string()} height={QUEUE_H.to_string()} rx="6" /> },
            ) }
            <g class="face" aria-hidden="true">
                <text class="name" x="10" y="18">{ &q.name }</text>
                <text class="detail" x="10" y="34">{ heading }</text>
                if q.more > 0 {
                    <text class="detail" x={(14.0 + q.cells.len() as f64 * 22.0).to_string()} y="58">{ format!("+{}", q.more) }</text>
                }
                <text class="detail" x="10" y="78">{ counts }</text>
            </g>
            { for cells }
        </g>
    }
}

fn consumer(
    c: &ConsumerNode,
    on_select: &Callback<Selection>,
    selected: Option<Selection>,
) -> Html {
    let slots = if c.auto_ack {
        0
    } else if c.prefetch == 0 {
        WINDOW_SLOTS.min(c.window.len().max(1))
    } else {
        WINDOW_SLOTS.min(c.prefetch as usize)
    };
    let slot_w = 16.0;
    // The window's empty slots are drawn on the card (clicks go through
    // them to the consumer); the messages it holds sit on top, each
    // picked by a click.
    let slot_x = |i: usize| 12.0 + i as f64 * (slot_w + 2.0);
    let slots = (0..slots).map(|i| {
        html! { <rect class="slot" x={slot_x(i).to_string()} y="24" width={slot_w.to_string()} height="16" rx="3" /> }
    });
    let window = c.window.iter().take(WINDOW_SLOTS).enumerate().map(|(i, m)| {
        let x = slot_x(i);
        let chosen = (selected == Some(Selection::Message(m.id))).then_some("selected");
        html! {
            <g class={classes!("held", chosen)} data-testid="message" data-message={m.id.0.to_string()}
               aria-hidden="true">
                <rect x={x.to_string()} y="24" width={slot_w.to_string()} height="16" rx="3" fill={m.colour} />
                <text x={(x + slot_w / 2.0).to_string()} y="36">{ &m.letter }</text>
            </g>
        }
    });
    let window_words = if c.auto_ack {
        "auto-ack: no window".to_string()
    } else if c.prefetch == 0 {
        format!("holds {} · no prefetch limit", c.window.len())
    } else {
        format!("holds {} of prefetch {}", c.window.len(), c.prefetch)
    };
    let mut tally = format!("acked {}", c.acked);
    if c.requeued > 0 {
        tally += &format!(" · requeued {}", c.requeued);
    }
    if c.rejected > 0 {
        tally += &format!(" · rejected {}", c.rejected);
    }
    let status = match (c.running, c.cancelled) {
        (true, _) => "running",
        (false, true) => "cancelled",
        (false, false) => "✕ crashed",
    };
    let shown = if c.running {
        c.name.clone()
    } else {
        format!("{} · {status}", c.name)
    };
    let pick = pick(on_select, selected, Selection::RabbitConsumer(c.id));
    html! {
        <g class={classes!("consumer", "rabbit-consumer", (!c.running).then_some("down"), pick.class)} data-testid="rabbit-consumer"
           data-name={c.name.clone()} data-status={status} data-acked={c.acked.to_string()} data-connect={format!("consumer:{}", c.name)}
           data-held={c.window.len().to_string()} data-prefetch={c.prefetch.to_string()}
           transform={format!("translate({},{})", c.x, c.y)}>
            { pick.button(
                format!("Consumer {shown} on queue {}, {window_words}, {tally}: inspect, crash or restart", c.queue),
                format!("Consumer {} on queue {} ({status}): {window_words}; {tally}; {} waiting to be handled",
                        c.name, c.queue, c.waiting),
                html! { <rect width={CONSUMER_W.to_string()} height={CONSUMER_H.to_string()} rx="8" /> },
            ) }
            <g class="face" aria-hidden="true">
                <text class="name" x="12" y="17">{ fit(&shown, CONSUMER_NAME_CHARS) }</text>
                { for slots }
                <text class="detail" x="12" y="54">{ window_words }</text>
                <text class="detail" x="12" y="68">{ tally }</text>
            </g>
            { for window }
        </g>
    }
}
