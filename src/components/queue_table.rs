//! The numbers behind the RabbitMQ picture, in the columns of
//! `rabbitmqctl list_queues name type messages_ready
//! messages_unacknowledged consumers`. Screen readers read this table; the
//! end-to-end tests compare it with `mqsim run`.

use crate::rabbit::scene::RabbitScene;
use yew::prelude::*;

#[derive(Properties, PartialEq)]
pub struct QueueTableProps {
    pub scene: super::Frame<RabbitScene>,
}

#[component]
pub fn QueueTable(props: &QueueTableProps) -> Html {
    let s = &props.scene;
    // A deleted queue is gone from the broker's list, and a queue's
    // consumers are those consuming now: not one crashed or cancelled, nor
    // one that only gets.
    let rows = s.queues.iter().filter(|q| !q.deleted).map(|q| {
        let consumers = (s.consumers.iter())
            .filter(|c| c.running && c.queue == q.name)
            .count();
        html! {
            <tr data-testid="queue-row" data-name={q.name.clone()} data-ready={q.ready.to_string()}
                data-unacked={q.unacked.to_string()}>
                <td>{ &q.name }</td>
                <td>{ q.kind }</td>
                <td class="num">{ q.ready }</td>
                <td class="num">{ q.unacked }</td>
                <td class="num">{ consumers }</td>
            </tr>
        }
    });
    html! {
        // Focusable: on a narrow screen it scrolls sideways, by keyboard too.
        <table class="lag-table" data-testid="queue-table" tabindex="0">
            <caption>{ "Queues (as rabbitmqctl list_queues shows them)" }</caption>
            <thead>
                <tr>
                    <th scope="col">{ "Queue" }</th>
                    <th scope="col">{ "Type" }</th>
                    <th scope="col">{ "Ready" }</th>
                    <th scope="col">{ "Unacked" }</th>
                    <th scope="col">{ "Consumers" }</th>
                </tr>
            </thead>
            <tbody>{ for rows }</tbody>
        </table>
    }
}
