//! Small line charts over the last two minutes of virtual time, each with
//! a legend saying the value now, so no line is read by colour alone.

use crate::charts::{CHART_H, CHART_W, Chart};
use yew::prelude::*;

#[derive(Properties, PartialEq)]
pub struct ChartsProps {
    pub charts: Vec<Chart>,
}

#[component]
pub fn Charts(props: &ChartsProps) -> Html {
    if props.charts.is_empty() {
        return html! {};
    }
    html! {
        <section class="charts" data-testid="charts" aria-label="Charts over time">
            { for props.charts.iter().map(chart) }
        </section>
    }
}

fn chart(c: &Chart) -> Html {
    let summary: Vec<String> = c
        .series
        .iter()
        .map(|s| format!("{} {}", s.name, s.last))
        .collect();
    html! {
        <figure class="chart" data-testid="chart" data-title={c.title}>
            <figcaption>{ c.title }</figcaption>
            <svg viewBox={format!("-4 -4 {} {}", CHART_W + 8.0, CHART_H + 8.0)} role="img"
                 aria-label={format!("{}: now {}", c.title, summary.join(", "))}>
                <line class="axis" x1="0" y1={CHART_H.to_string()} x2={CHART_W.to_string()} y2={CHART_H.to_string()} />
                <text class="max" x="2" y="8">{ &c.max_label }</text>
                { for c.series.iter().map(|s| {
                    let points: Vec<String> = s.points.iter().map(|(x, y)| format!("{x:.1},{y:.1}")).collect();
                    html! { <polyline points={points.join(" ")} stroke={s.colour} /> }
                }) }
            </svg>
            <ul class="legend">
                { for c.series.iter().map(|s| html! {
                    <li data-series={s.name.clone()} data-last={s.last.clone()}>
                        // A presentation attribute, not an inline style: the
                        // page's Content-Security-Policy allows no inline styles.
                        <svg class="swatch" viewBox="0 0 10 10" aria-hidden="true">
                            <rect width="10" height="10" rx="2" fill={s.colour} />
                        </svg>
                        { format!("{} {}", s.name, s.last) }
                    </li>
                }) }
            </ul>
        </figure>
    }
}
