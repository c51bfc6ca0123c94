//! The numbers behind the picture: per partition, its log end offset and
//! each group's committed offset and lag. Screen readers read this table;
//! the end-to-end tests read it too.

use crate::kafka::scene::Scene;
use yew::prelude::*;

#[derive(Properties, PartialEq)]
pub struct LagTableProps {
    pub scene: super::Frame<Scene>,
}

#[component]
pub fn LagTable(props: &LagTableProps) -> Html {
    let dash = |v: Option<u64>| v.map_or("—".to_string(), |v| v.to_string());
    let rows = props.scene.lag_rows.iter().map(|row| {
        html! {
            <tr data-testid="lag-row" data-group={row.group.clone()} data-topic={row.topic.clone()}
                data-partition={row.partition.to_string()} data-log-end={row.log_end.to_string()}
                data-committed={row.committed.map(|c| c.to_string()).unwrap_or_default()}>
                <td>{ &row.group }</td>
                <td>{ format!("{} · P{}", row.topic, row.partition) }</td>
                <td class="num">{ row.log_end }</td>
                <td class="num">{ dash(row.committed) }</td>
                <td class="num">{ dash(row.lag) }</td>
                <td>{ row.owner.clone().unwrap_or_else(|| "—".to_string()) }</td>
            </tr>
        }
    });
    html! {
        // Focusable: on a narrow screen it scrolls sideways, by keyboard too.
        <table class="lag-table" data-testid="lag-table" tabindex="0">
            <caption>{ "Offsets and lag (lag = log end − committed)" }</caption>
            <thead>
                <tr>
                    <th scope="col">{ "Group" }</th>
                    <th scope="col">{ "Partition" }</th>
                    <th scope="col">{ "Log end" }</th>
                    <th scope="col">{ "Committed" }</th>
                    <th scope="col">{ "Lag" }</th>
                    <th scope="col">{ "Owner" }</th>
                </tr>
            </thead>
            <tbody>{ for rows }</tbody>
        </table>
    }
}
