//! Undo and redo: every version of the scenario the builder has made,
//! each one valid, and which of them the user is at.

use mqsim::scenario::ScenarioFile;

/// The most versions kept behind the current one.
pub const UNDO_DEPTH: usize = 200;

/// The versions before and after the current one.
#[derive(Clone, Debug, Default)]
pub struct History {
    past: Vec<ScenarioFile>,
    future: Vec<ScenarioFile>,
    /// Edits since the scenario was opened, saved or shared, counting an
    /// undo as one back.
    unsaved: i64,
}

impl History {
    /// Records that `before` was the scenario before an edit; the redo
    /// list is dropped, as every editor drops it.
    pub fn edited(&mut self, before: ScenarioFile) {
        self.past.push(before);
        if self.past.len() > UNDO_DEPTH {
            self.past.remove(0);
        }
        self.future.clear();
        self.unsaved += 1;
    }

    /// The version before `current`, which is kept for redo.
    pub fn undo(&mut self, current: ScenarioFile) -> Option<ScenarioFile> {
        let before = self.past.pop()?;
        self.future.push(current);
        self.unsaved -= 1;
        Some(before)
    }

    /// The version undone last, with `current` kept for undo.
    pub fn redo(&mut self, current: ScenarioFile) -> Option<ScenarioFile> {
        let after = self.future.pop()?;
        self.past.push(current);
        self.unsaved += 1;
        Some(after)
    }

    pub fn can_undo(&self) -> bool {
        !self.past.is_empty()
    }

    pub fn can_redo(&self) -> bool {
        !self.future.is_empty()
    }

    /// Whether the scenario differs from the one opened, saved or shared.
    pub fn unsaved(&self) -> bool {
        self.unsaved != 0
    }

    /// The scenario on screen is a draft brought back after a reload: it
    /// differs from what its address holds, with nothing to undo.
    pub fn restored(&mut self) {
        self.unsaved = 1;
    }

    /// The scenario on screen was saved or shared as it is.
    pub fn saved(&mut self) {
        self.unsaved = 0;
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn named(name: &str) -> ScenarioFile {
        let mut file = mqsim::scenario::edit::Blank::Kafka.scenario();
        file.name = name.into();
        file
    }

    #[test]
    fn undo_and_redo_walk_the_versions_and_a_new_edit_drops_the_redo_list() {
        let mut history = History::default();
        assert!(!history.unsaved());
        history.edited(named("a"));
        history.edited(named("b"));
        // Now at "c".
        assert_eq!(history.undo(named("c")), Some(named("b")));
        assert_eq!(history.undo(named("b")), Some(named("a")));
        assert_eq!(history.undo(named("a")), None);
        assert!(!history.unsaved(), "back where it was opened");
        assert_eq!(history.redo(named("a")), Some(named("b")));
        assert!(history.can_redo());
        history.edited(named("b"));
        assert!(!history.can_redo());
        assert!(history.unsaved());
        history.saved();
        assert!(!history.unsaved());
    }
}
