//! Making a drawn thing selectable: a click, or Enter or Space when it has
//! the keyboard focus, selects it for the inspector. Every selectable SVG
//! group is `role="button"` with `tabindex="0"`, so the whole picture can be
//! walked with Tab. The button is the node's shape alone, named by its
//! `aria-label`; the text drawn on it is a layer above (`.face`) that lets
//! clicks through and is hidden from screen readers, who hear the label
//! instead. So a node's name holds all it says, and nothing drawn inside a
//! button goes unnamed. (A log cell, the most numerous thing drawn, has
//! its rect for a button, with no group around it: see `strip.rs`.)
//! Messages drawn in a queue or a consumer sit beside its button, not in
//! it (a button must not hold buttons): a click picks them, and from the
//! keyboard the queue's or consumer's inspector lists them.

use crate::inspect::Selection;
use mqsim::ids::{MessageId, RecordId};
use wasm_bindgen::JsCast;
use yew::prelude::*;

/// The handlers to put on one selectable element.
pub struct Pick {
    pub onclick: Callback<MouseEvent>,
    pub onkeydown: Callback<KeyboardEvent>,
    /// A class to add when it is the thing being inspected.
    pub class: Option<&'static str>,
}

/// Handlers that select `selection` through `on_select`.
pub fn pick(
    on_select: &Callback<Selection>,
    selected: Option<Selection>,
    selection: Selection,
) -> Pick {
    let click = on_select.clone();
    let key = on_select.clone();
    Pick {
        onclick: Callback::from(move |e: MouseEvent| {
            e.stop_propagation();
            click.emit(selection);
        }),
        onkeydown: Callback::from(move |e: KeyboardEvent| {
            if e.key() == "Enter" || e.key() == " " {
                e.prevent_default();
                key.emit(selection);
            }
        }),
        class: (selected == Some(selection)).then_some("selected"),
    }
}

impl Pick {
    /// A drawn node's button: its `shape` alone, named by `label` (all the
    /// node says) and titled by `title`, the tooltip. The node's text goes
    /// in a `.face` beside it.
    pub fn button(&self, label: String, title: String, shape: Html) -> Html {
        html! {
            <g class="hit" role="button" tabindex="0" aria-label={label}
               onclick={self.onclick.clone()} onkeydown={self.onkeydown.clone()}>
                <title>{ title }</title>
                { shape }
            </g>
        }
    }
}

/// The record or message marked on `target` or the element around it.
fn carried(target: Option<web_sys::EventTarget>) -> Option<Selection> {
    let element: web_sys::Element = target?.dyn_into().ok()?;
    let marked = element.closest("[data-record], [data-message]").ok()??;
    let id = |name: &str| marked.get_attribute(name)?.parse::<u64>().ok();
    id("data-record")
        .map(|id| Selection::Record(RecordId(id)))
        .or_else(|| id("data-message").map(|id| Selection::Message(MessageId(id))))
}

/// Handlers for a whole picture: a click (or Enter or Space) on anything
/// marked `data-record` or `data-message` — a log cell, a queued message, a
/// token in flight — selects that record or message. One pair of handlers
/// serves every cell and token, however many are drawn.
pub fn pick_carried(
    on_select: &Callback<Selection>,
) -> (Callback<MouseEvent>, Callback<KeyboardEvent>) {
    let click = on_select.clone();
    let key = on_select.clone();
    (
        Callback::from(move |e: MouseEvent| {
            if let Some(selection) = carried(e.target()) {
                click.emit(selection);
            }
        }),
        Callback::from(move |e: KeyboardEvent| {
            if (e.key() == "Enter" || e.key() == " ")
                && let Some(selection) = carried(e.target())
            {
                e.prevent_default();
                key.emit(selection);
            }
        }),
    )
}
