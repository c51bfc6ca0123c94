//! The builder's list of timeline entries, each a button to its moment and
//! its form, and one to delete it.
//!
//! A scenario written by hand has a few dozen entries; the recording of a
//! live run can have tens of thousands, one per message a client published.
//! So the list shows a page of them at a time: the latest, or the page with
//! the entry selected, and buttons to the pages before and after.

use crate::builder::{Target, timeline};
use mqsim::scenario::ScenarioFile;
use yew::prelude::*;

/// Entries shown at a time.
const PAGE: usize = 200;

/// Which page of the list shows: chosen with its buttons (by its first
/// entry), or, with none chosen, the page with the entry selected, or else
/// the latest.
pub type Page = UseStateHandle<Option<usize>>;

/// The list of `file`'s timeline entries, a page at a time (`page`, the
/// builder's state). Each entry's button goes to its moment and selects it
/// (`on_seek`, `on_target`); its × deletes it (`on_unschedule`).
pub fn timeline_list(
    file: &ScenarioFile,
    target: &Target,
    page: &Page,
    on_target: &Callback<Target>,
    on_seek: &Callback<f64>,
    on_unschedule: &Callback<usize>,
) -> Html {
    let entries = &file.timeline;
    let last_page = entries.len().saturating_sub(1) / PAGE * PAGE;
    let start = match (**page, target) {
        (Some(start), _) => start.min(last_page),
        (None, Target::Entry(i)) => i / PAGE * PAGE,
        (None, _) => last_page,
    };
    let end = (start + PAGE).min(entries.len());
    let turn = |to: Option<usize>| {
        let page = page.clone();
        Callback::from(move |_: MouseEvent| page.set(to))
    };
    html! {
        <details class="timeline">
            <summary>{ format!("Timeline ({})", entries.len()) }</summary>
            if entries.len() > PAGE {
                <div class="pages" data-testid="timeline-pages">
                    <span>{ format!("Entries {}–{} of {}", start + 1, end, entries.len()) }</span>
                    <button type="button" disabled={start == 0}
                            onclick={turn(Some(start.saturating_sub(PAGE)))}>{ "Earlier" }</button>
                    <button type="button" disabled={end == entries.len()}
                            onclick={turn(Some(start + PAGE))}>{ "Later" }</button>
                    <button type="button" disabled={start == last_page}
                            onclick={turn(None)}>{ "Latest" }</button>
                </div>
            }
            <ol start={(start + 1).to_string()}>
                { for entries[start..end].iter().enumerate().map(|(k, entry)| {
                    let i = start + k;
                    let at = entry.at_ms as f64;
                    let (seek, pick) = (on_seek.clone(), on_target.clone());
                    let go = Callback::from(move |_: MouseEvent| {
                        seek.emit(at);
                        pick.emit(Target::Entry(i));
                    });
                    let gone = on_unschedule.reform(move |_: MouseEvent| i);
                    let pressed = *target == Target::Entry(i);
                    html! {
                        <li>
                            <button type="button" class="go" title="Go to this moment and show the entry"
                                    aria-pressed={pressed.to_string()} onclick={go}>
                                { timeline::describe(entry) }
                            </button>
                            <button type="button" aria-label={format!("Delete timeline entry {}", i + 1)}
                                    onclick={gone}>{ "×" }</button>
                        </li>
                    }
                }) }
            </ol>
        </details>
    }
}
