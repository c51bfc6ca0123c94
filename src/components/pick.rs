//! Making a drawn thing selectable: a click, or Enter or Space when it has
//! the keyboard focus, selects it for the inspector. Every selectable SVG
//! group is `role="button"` with `tabindex="0"`, so the whole picture can be
//! walked with Tab.

use crate::inspect::Selection;
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
