//! The stage's actions: what opening a scenario or a preset, a keyboard
//! shortcut, or a notice does to the page. The page's component holds the
//! state (the playback, the lesson, the selection) and hands it here.

use super::following::Following;
use crate::builder::Builder;
use crate::inspect::Selection;
use crate::lesson::{Deed, Lesson};
use crate::playback::Playback;
use crate::presenting::{self, Presenter};
use crate::preset_files;
use crate::share;
use crate::shortcuts::Shortcut;
use mqsim::Scenario;
use mqsim::scenario::presets::PRESETS;
use std::cell::RefCell;
use std::rc::Rc;
use yew::prelude::*;

/// A message above the playground: a problem, or news of an action.
#[derive(Clone, PartialEq)]
pub(super) enum Notice {
    Problem(String),
    Info(String),
    /// A problem the scenario's file gets round (too large for a link):
    /// shown with a button that saves the file.
    SaveInstead(String),
}

impl Notice {
    /// Information (`Ok`) or a problem (`Err`).
    pub(super) fn of(said: Result<String, String>) -> Notice {
        said.map_or_else(Notice::Problem, Notice::Info)
    }
}

/// What the page's actions work on: the playback on stage, its lesson,
/// the selection, the notice and the presenter's settings.
#[derive(Clone)]
pub(super) struct Stage {
    pub(super) playback: Rc<RefCell<Playback>>,
    pub(super) presenter: Rc<RefCell<Presenter>>,
    pub(super) lesson: Rc<RefCell<Option<Lesson>>>,
    pub(super) selected: UseStateHandle<Option<Selection>>,
    pub(super) notice: UseStateHandle<Option<Notice>>,
    /// Scenarios opened so far, shown as `data-loads` so that tests can
    /// wait for a fetched preset.
    pub(super) loads: Rc<RefCell<u32>>,
    pub(super) builder: Rc<RefCell<Builder>>,
    pub(super) redraw: UseForceUpdateHandle,
    /// The live run followed, if the page was opened for one.
    pub(super) following: Rc<RefCell<Following>>,
}

impl Stage {
    /// Puts a scenario on screen: a fresh playback, its lesson, nothing
    /// selected.
    pub(super) fn open(&self, scenario: Scenario) {
        self.leave_live();
        self.show(Playback::new(scenario));
    }

    /// Puts a playback on stage: its lesson, nothing selected.
    pub(super) fn show(&self, playback: Playback) {
        self.builder.borrow_mut().start_over();
        *self.lesson.borrow_mut() = Lesson::of(playback.scenario());
        *self.playback.borrow_mut() = playback;
        *self.loads.borrow_mut() += 1;
        self.fetch_narration();
        self.selected.set(None);
        self.redraw.force_update();
    }

    /// A link to a preset leaves its narration out: it comes from the
    /// preset's file, if the scenario on screen is still that preset's.
    pub(super) fn fetch_narration(&self) {
        let id = {
            let playback = self.playback.borrow();
            let file = playback.scenario().file();
            match (&file.preset, &file.narration) {
                (Some(id), None) => id.clone(),
                _ => return,
            }
        };
        let this = self.clone();
        yew::platform::spawn_local(async move {
            let fetched = preset_files::fetch(&id).await;
            let current = this.playback.borrow().scenario().file().preset.clone();
            if current.as_deref() != Some(&id) {
                return;
            }
            match fetched {
                Ok(preset) => {
                    *this.lesson.borrow_mut() = Lesson::of(&preset);
                    // In the file too, so that the builder can edit it (a
                    // link to the preset still leaves it out).
                    let narration = preset.file().narration.clone();
                    this.playback.borrow_mut().set_narration(narration);
                }
                Err(why) => this.notice.set(Some(Notice::Problem(format!(
                    "This scenario's lesson could not be had: {why}. It runs without it."
                )))),
            }
            this.redraw.force_update();
        });
    }

    /// Shows the lesson of `scenario`, whose narration was edited; steps
    /// left as they were stay done.
    pub(super) fn relesson(&self, scenario: &Scenario) {
        let mut lesson = self.lesson.borrow_mut();
        *lesson = match (lesson.as_ref(), scenario.file().narration.clone()) {
            (Some(old), Some(narration)) => Some(old.revised(narration)),
            (None, narration) => narration.map(Lesson::new),
            (_, None) => None,
        };
    }

    /// Fetches the preset `id` and opens it; the scenario on screen stays
    /// if it cannot be had.
    pub(super) fn open_preset(&self, id: String) {
        if !self.may_leave() {
            // The picker still shows what was chosen; draw it back.
            self.redraw.force_update();
            return;
        }
        let this = self.clone();
        yew::platform::spawn_local(async move {
            match preset_files::fetch(&id).await {
                Ok(scenario) => {
                    share::remember(&scenario);
                    this.notice.set(None);
                    this.open(scenario);
                }
                Err(why) => this.notice.set(Some(Notice::Problem(format!(
                    "{why}. The scenario on screen stays."
                )))),
            }
        });
    }

    /// Does what a keyboard shortcut asks.
    pub(super) fn shortcut(&self, shortcut: Shortcut) {
        match shortcut {
            Shortcut::TogglePlay => self.playback.borrow_mut().toggle_playing(),
            Shortcut::StepForward => self.playback.borrow_mut().step(),
            Shortcut::StepBack => {
                self.playback.borrow_mut().step_back();
                self.note(Deed::Rewound);
            }
            Shortcut::Preset(n) => {
                if let Some(preset) = PRESETS.get(n) {
                    self.open_preset(preset.id.to_string());
                }
            }
            Shortcut::ToggleHelp => {
                let mut presenter = self.presenter.borrow_mut();
                presenter.help = !presenter.help;
            }
            Shortcut::ToggleProjector => {
                let mut presenter = self.presenter.borrow_mut();
                presenter.projector = !presenter.projector;
            }
            Shortcut::ToggleFullscreen => presenting::toggle_fullscreen(),
            Shortcut::Undo => self.undo(false),
            Shortcut::Redo => self.undo(true),
            Shortcut::Close => {
                let mut presenter = self.presenter.borrow_mut();
                if presenter.help {
                    presenter.help = false;
                } else {
                    self.close_inspector();
                }
            }
        }
        self.redraw.force_update();
    }

    /// Closes the inspector: nothing selected, nothing followed.
    pub(super) fn close_inspector(&self) {
        self.playback.borrow_mut().watch(None);
        self.selected.set(None);
    }

    /// A callback (for a button, say) that does what a shortcut does.
    pub(super) fn on<E: 'static>(&self, shortcut: Shortcut) -> Callback<E> {
        let stage = self.clone();
        Callback::from(move |_| stage.shortcut(shortcut))
    }

    /// Ticks off the lesson's steps that `deed` does.
    pub(super) fn note(&self, deed: Deed) {
        if let Some(lesson) = self.lesson.borrow_mut().as_mut() {
            lesson.note(&deed);
        }
    }
}
