//! Presenting to a class: the keyboard, the projector theme, full screen.
//!
//! [`shortcuts`](crate::shortcuts) maps keys to what they do; this module
//! reads them from the page's key presses and holds the presenter's
//! settings.

use crate::shortcuts::Shortcut;
use wasm_bindgen::JsCast;
use web_sys::{Element, KeyboardEvent};

/// The presenter's settings.
#[derive(Clone, Copy, Debug, Default, PartialEq)]
pub struct Presenter {
    /// The shortcut list is shown.
    pub help: bool,
    /// Large type and high contrast.
    pub projector: bool,
}

/// The shortcut a key press asks for, or none: keys typed into a field, or
/// pressed with Ctrl, Alt or ⌘, or Space and Enter on a focused button or
/// drawn node (which press or select it), are the page's own.
pub fn shortcut_of(event: &web_sys::Event) -> Option<Shortcut> {
    let key: &KeyboardEvent = event.dyn_ref()?;
    // Taken already: Space or Enter on a drawn node selected it.
    let target = event.target().and_then(|t| t.dyn_into::<Element>().ok());
    let tag = target.map(|t| t.tag_name()).unwrap_or_default();
    let name = key.key();
    let typing = matches!(tag.as_str(), "INPUT" | "TEXTAREA");
    if (key.ctrl_key() || key.meta_key()) && !key.alt_key() && !typing {
        let shortcut = Shortcut::for_command(&name, key.shift_key())?;
        event.prevent_default();
        return Some(shortcut);
    }
    if event.default_prevented() || key.ctrl_key() || key.alt_key() || key.meta_key() {
        return None;
    }
    let pressing = tag == "BUTTON" && (name == " " || name == "Enter");
    if matches!(tag.as_str(), "INPUT" | "SELECT" | "TEXTAREA") || pressing {
        return None;
    }
    let shortcut = Shortcut::for_key(&name)?;
    // Space and Page Down would scroll the page as well.
    event.prevent_default();
    Some(shortcut)
}

/// Enters full screen, or leaves it.
pub fn toggle_fullscreen() {
    let Some(document) = web_sys::window().and_then(|w| w.document()) else {
        return;
    };
    // Refused without a user gesture or where full screen is not allowed:
    // the page simply stays as it is.
    if document.fullscreen_element().is_some() {
        document.exit_fullscreen();
    } else if let Some(root) = document.document_element() {
        let _ = root.request_fullscreen();
    }
}

/// A setting the page keeps between visits (in `localStorage`), if the
/// browser allows storage.
pub fn kept(name: &str) -> Option<String> {
    let storage = web_sys::window()?.local_storage().ok()??;
    storage.get_item(&format!("mq-playground.{name}")).ok()?
}

/// Keeps a setting between visits; where storage is refused, it lasts
/// until the page is closed.
pub fn keep(name: &str, value: &str) {
    if let Some(Ok(Some(storage))) = web_sys::window().map(|w| w.local_storage()) {
        let _ = storage.set_item(&format!("mq-playground.{name}"), value);
    }
}
