//! A message in flight, drawn the same way in the Kafka and RabbitMQ
//! pictures: records and messages are discs coloured by key and marked
//! with its letter; requests, commits and settlements have shapes of their
//! own, so colour is never the only signal.

use crate::scene::{Token, TokenShape};
use yew::prelude::*;

pub fn token(t: &Token) -> Html {
    let body = match t.shape {
        TokenShape::Record => html! {
            <>
                <circle r="10" fill={t.colour} />
                <text y="4">{ &t.letter }</text>
            </>
        },
        TokenShape::FetchRequest => html! {
            <polygon class="pull" points="0,-7 7,0 0,7 -7,0" stroke={t.colour} />
        },
        TokenShape::Commit => html! {
            <>
                <rect class="commit" x="-10" y="-7" width="20" height="14" rx="3" />
                <text class="commit-offset" y="4">{ &t.letter }</text>
            </>
        },
        TokenShape::Heartbeat => html! {
            <circle class="heartbeat" r="5" fill={t.colour} />
        },
        TokenShape::LeaderAndIsr => html! {
            <>
                <rect class="leader-and-isr" x="-9" y="-7" width="18" height="14" rx="2" fill={t.colour} />
                <text y="4">{ &t.letter }</text>
            </>
        },
        TokenShape::Ack | TokenShape::Requeue | TokenShape::Reject => html! {
            <>
                <rect class="settlement" x="-8" y="-8" width="16" height="16" rx="8" fill={t.colour} />
                <text class="settlement-mark" y="4">{ &t.letter }</text>
            </>
        },
    };
    html! {
        <g key={t.id.clone()} class="token" data-testid="token" data-token={t.id.clone()}
           transform={format!("translate({:.1},{:.1})", t.x, t.y)}>
            <title>{ &t.title }</title>
            { body }
        </g>
    }
}
