//! Keyboard shortcuts for presenting: a teacher at the front of the room
//! with a clicker or a keyboard, not a mouse.
//!
//! Presentation clickers send `.` (or `b`) for "blank" and Page Up / Page
//! Down for "back" and "next", so those pause and step like Space and the
//! arrow keys do. Keys typed into a field, or pressed with Ctrl, Alt or ⌘,
//! are left alone, but for undo and redo (Ctrl or ⌘ with Z), which a field
//! keeps for its own text.

/// What a key asks for.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Shortcut {
    /// Play or pause.
    TogglePlay,
    /// Pause and run to the next event.
    StepForward,
    /// Pause and go back to the event before.
    StepBack,
    /// Open the preset at this position in the picker (0 for the tenth).
    Preset(usize),
    /// Show or hide the list of shortcuts.
    ToggleHelp,
    /// Large type and high contrast, for a projector.
    ToggleProjector,
    ToggleFullscreen,
    /// Close the shortcut list, or else the inspector.
    Close,
    /// Undo the last edit of the scenario (Ctrl or ⌘ with Z).
    Undo,
    /// Redo what was undone (Ctrl or ⌘ with Shift and Z, or Ctrl with Y).
    Redo,
}

/// Every shortcut, as the help overlay lists them: keys, then what they do.
pub const HELP: &[(&str, &str)] = &[
    ("Space  .  B", "Play or pause"),
    ("→  Page Down", "Pause and step to the next event"),
    ("←  Page Up", "Pause and step back to the event before"),
    ("1 … 9, 0", "Open preset 1 to 10"),
    ("P", "Projector theme: large type, high contrast"),
    ("F", "Full screen"),
    ("?", "Show or hide these shortcuts"),
    ("Esc", "Close this list, or the inspector"),
    ("Ctrl+Z  ⌘Z", "Undo the last change to the scenario"),
    ("Shift+Ctrl+Z  ⇧⌘Z", "Redo"),
];

impl Shortcut {
    /// The shortcut for a key pressed with Ctrl or ⌘, if any.
    pub fn for_command(key: &str, shift: bool) -> Option<Shortcut> {
        match key {
            "z" | "Z" if shift => Some(Shortcut::Redo),
            "z" | "Z" => Some(Shortcut::Undo),
            "y" | "Y" => Some(Shortcut::Redo),
            _ => None,
        }
    }

    /// The shortcut for a key (as `KeyboardEvent.key` names it), if any.
    pub fn for_key(key: &str) -> Option<Shortcut> {
        Some(match key {
            " " | "." | "b" | "B" => Shortcut::TogglePlay,
            "ArrowRight" | "PageDown" => Shortcut::StepForward,
            "ArrowLeft" | "PageUp" => Shortcut::StepBack,
            "?" => Shortcut::ToggleHelp,
            "p" | "P" => Shortcut::ToggleProjector,
            "f" | "F" => Shortcut::ToggleFullscreen,
            "Escape" => Shortcut::Close,
            _ => {
                let digit = key.parse::<usize>().ok().filter(|_| key.len() == 1)?;
                Shortcut::Preset((digit + 9) % 10)
            }
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn clicker_keys_pause_and_step_like_the_keyboard() {
        for key in [" ", ".", "b"] {
            assert_eq!(
                Shortcut::for_key(key),
                Some(Shortcut::TogglePlay),
                "{key:?}"
            );
        }
        assert_eq!(Shortcut::for_key("PageDown"), Some(Shortcut::StepForward));
        assert_eq!(Shortcut::for_key("ArrowRight"), Some(Shortcut::StepForward));
        assert_eq!(Shortcut::for_key("PageUp"), Some(Shortcut::StepBack));
        assert_eq!(Shortcut::for_key("ArrowLeft"), Some(Shortcut::StepBack));
    }

    #[test]
    fn digits_pick_presets_with_zero_the_tenth() {
        assert_eq!(Shortcut::for_key("1"), Some(Shortcut::Preset(0)));
        assert_eq!(Shortcut::for_key("9"), Some(Shortcut::Preset(8)));
        assert_eq!(Shortcut::for_key("0"), Some(Shortcut::Preset(9)));
        assert_eq!(Shortcut::for_key("12"), None);
        assert_eq!(Shortcut::for_key("x"), None);
    }
}
