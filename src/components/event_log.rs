//! The event log panel: timestamped sentences, newest first, with a
//! checkbox per kind of event, a switch for routine chatter and a search.

use crate::event_log::LogFilter;
use mqsim::words::{About, Sentence};
use web_sys::HtmlInputElement;
use yew::prelude::*;

#[derive(Properties, PartialEq)]
pub struct EventLogProps {
    /// Newest first.
    pub lines: Vec<Sentence>,
    pub filter: LogFilter,
    pub on_filter: Callback<LogFilter>,
}

#[component]
pub fn EventLog(props: &EventLogProps) -> Html {
    let toggles = About::ALL.iter().map(|&about| {
        let filter = props.filter.clone();
        let on_filter = props.on_filter.clone();
        let onchange = Callback::from(move |_: Event| {
            let mut filter = filter.clone();
            filter.toggle(about);
            on_filter.emit(filter);
        });
        html! {
            <label>
                <input type="checkbox" checked={props.filter.shown.contains(&about)} {onchange}
                       data-testid="log-kind" data-kind={about.label()} />
                { about.label() }
            </label>
        }
    });
    let routine = {
        let filter = props.filter.clone();
        let on_filter = props.on_filter.clone();
        Callback::from(move |_: Event| {
            on_filter.emit(LogFilter {
                routine: !filter.routine,
                ..filter.clone()
            })
        })
    };
    let search = {
        let filter = props.filter.clone();
        let on_filter = props.on_filter.clone();
        Callback::from(move |e: InputEvent| {
            let input: HtmlInputElement = e.target_unchecked_into();
            on_filter.emit(LogFilter {
                text: input.value(),
                ..filter.clone()
            })
        })
    };
    html! {
        <details class="event-log" data-testid="event-log" open=true>
            <summary>{ "Event log" }</summary>
            <div class="log-filter" role="group" aria-label="Which events to show">
                { for toggles }
                <label>
                    <input type="checkbox" checked={props.filter.routine} onchange={routine} data-testid="log-routine" />
                    { "heartbeats and polls" }
                </label>
                <input type="search" placeholder="Search the log" aria-label="Search the log"
                       value={props.filter.text.clone()} oninput={search} data-testid="log-search" />
            </div>
            // A log a screen reader can read (and Tab into, to scroll), but
            // not one that talks over the teacher at every event.
            <div class="log-lines" role="log" aria-live="off" aria-label="Events, oldest first" tabindex="0">
                <ol>
                    { for props.lines.iter().map(|line| html! {
                        <li class={classes!("log-line", about_class(line.about))} data-testid="log-line">
                            <time>{ line.at.to_string() }</time>
                            <span>{ &line.text }</span>
                        </li>
                    }) }
                </ol>
            </div>
        </details>
    }
}

fn about_class(about: About) -> &'static str {
    match about {
        About::Producing => "producing",
        About::Consuming => "consuming",
        About::Groups => "groups",
        About::Cluster => "cluster",
        About::Rabbit => "rabbit",
    }
}
