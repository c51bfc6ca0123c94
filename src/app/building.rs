//! What the builder's buttons and fields do to the page: each edit is
//! checked by the engine first, applied to the playback (a setup change
//! replays to the moment shown, a change made now joins the timeline),
//! recorded for undo and kept as the draft.

use super::following::Done;
use super::stage::{Notice, Stage};
use crate::builder::connect;
use crate::builder::fields::{self, Field};
use crate::builder::palette::{self, Add};
use crate::builder::{self, Mode, Problem, Target, now, store};
use crate::share;
use mqsim::Scenario;
use mqsim::scenario::ScenarioFile;
use mqsim::scenario::edit::{self, Part};

impl Stage {
    /// The scenario on screen, as a file.
    fn current(&self) -> ScenarioFile {
        self.playback.borrow().scenario().file().clone()
    }

    /// Makes `scenario` the setup, replaying to the moment shown, as one
    /// edit that can be undone.
    pub(super) fn change_setup(&self, scenario: Scenario) {
        let before = self.current();
        self.put(scenario);
        let mut builder = self.builder.borrow_mut();
        builder.history.edited(before);
        builder.settle();
        builder.built = true;
    }

    /// Puts `scenario` on screen in place of the one there (no history).
    fn put(&self, scenario: Scenario) {
        let lesson_changed =
            scenario.file().narration != self.playback.borrow().scenario().file().narration;
        store::keep(&share::address(), scenario.file());
        if lesson_changed {
            self.relesson(&scenario);
        }
        let live = self.playback.borrow().is_live().is_some();
        self.playback.borrow_mut().change_setup(scenario);
        if live {
            self.setup_changed();
        }
        self.redraw.force_update();
    }

    /// Makes `intervention` happen at the moment shown, as a builder edit;
    /// whether it could be (if not, the reason is shown).
    fn do_now(&self, intervention: mqsim::scenario::Intervention) -> bool {
        let before = self.current();
        match self.happen(vec![intervention]) {
            Ok(Done::Here) => self.built(before),
            // The live run's entry: its server keeps it, not the undo.
            Ok(Done::Asked) => {}
            Err(why) => {
                self.refuse(format!("That cannot be done now: {why}"));
                return false;
            }
        }
        true
    }

    /// Records an intervention the builder made now (`before` is the
    /// scenario without it): one edit that can be undone, and work to keep.
    fn built(&self, before: ScenarioFile) {
        self.intervened(before);
        self.builder.borrow_mut().built = true;
    }

    /// Records an intervention that was made now (`before` is the scenario
    /// without it), so that it can be undone.
    pub(super) fn intervened(&self, before: ScenarioFile) {
        store::keep(&share::address(), &self.current());
        let mut builder = self.builder.borrow_mut();
        builder.history.edited(before);
        builder.problems.clear();
    }

    /// A field was typed in (`commit` false: only checked, so that a
    /// problem shows as it is typed) or changed (`commit`: applied if the
    /// engine accepts it).
    pub(super) fn edit_field(&self, field: &Field, text: &str, commit: bool) {
        let (target, mode) = {
            let builder = self.builder.borrow();
            (builder.target.clone(), builder.mode)
        };
        // An entry's fields are the timeline's plan, changed as the setup.
        if mode == Mode::Now && commit && !matches!(target, Target::Entry(_)) {
            return self.change_now(&target, field, text);
        }
        let mut file = self.current();
        if matches!(target, Target::Lesson) {
            // The lesson is the author's now: a link carries it.
            file.preset = None;
        }
        let result = builder::set_field(&file, &target, field, text);
        self.builder.borrow_mut().typing = Some((field.pointer.clone(), text.to_string()));
        match result {
            Ok(scenario) if commit => {
                let next = builder::followed(&target, field, text, &file);
                self.builder.borrow_mut().target = next;
                self.change_setup(scenario);
            }
            Ok(_) => self.builder.borrow_mut().problems.clear(),
            Err(problems) => self.builder.borrow_mut().problems = problems,
        }
        self.redraw.force_update();
    }

    /// A field changed at the moment on screen: its intervention joins the
    /// timeline, or the reason it cannot is shown beside the field.
    fn change_now(&self, target: &Target, field: &Field, text: &str) {
        let before = self.current();
        let done = now::intervention(&before, target, field, text)
            .and_then(|action| self.happen(vec![action]));
        // Done, the field keeps what was done now (the form shows the
        // setup) until another part is chosen; refused, what was typed.
        let mut builder = self.builder.borrow_mut();
        builder.typing = Some((field.pointer.clone(), text.to_string()));
        match done {
            Ok(Done::Here) => {
                drop(builder);
                self.built(before);
            }
            Ok(Done::Asked) => {}
            Err(message) => {
                builder.problems = vec![Problem {
                    path: field.path(),
                    message,
                }];
            }
        }
        self.redraw.force_update();
    }

    /// The palette's button for `what`: added to the setup, or done now.
    pub(super) fn add(&self, what: Add) {
        let (target, mode) = {
            let builder = self.builder.borrow();
            (builder.target.clone(), builder.mode)
        };
        let added = match palette::add(&self.current(), what, &target) {
            Ok(added) => added,
            Err(why) => return self.refuse(why),
        };
        match (mode, added.now) {
            (Mode::Setup, _) if added.only_now.is_some() => {
                return self.refuse(added.only_now.unwrap_or_default());
            }
            (Mode::Setup, _) => match builder::check(added.file) {
                Ok(scenario) => self.change_setup(scenario),
                Err(problems) => return self.refuse(said(&problems)),
            },
            (Mode::Now, Some(intervention)) => {
                if !self.do_now(intervention) {
                    return;
                }
            }
            (Mode::Now, None) => {
                return self.refuse(format!(
                    "{} is a change to the setup only: choose \"Change the setup\".",
                    what.label()
                ));
            }
        }
        self.builder.borrow_mut().target = added.target;
        self.redraw.force_update();
    }

    /// A drag from one node to another connects them (see
    /// [`connect`]) and shows what was made; a new binding's routing key is
    /// typed next. Done now, only a binding can be made: its key is asked
    /// for first, since it cannot be changed afterwards.
    pub(super) fn connect(&self, from: &Part, to: &Part) {
        let mode = self.builder.borrow().mode;
        let (file, target) = match connect::connect(&self.current(), from, to) {
            Ok(made) => made,
            Err(why) => return self.refuse(why),
        };
        if mode == Mode::Now {
            let Target::Binding(i) = target else {
                return self.refuse(
                    "Only a binding can be made now by connecting; anything else is a change to the setup: choose \"Change the setup\".".into(),
                );
            };
            let Some(mut binding) = file.rabbit.bindings.get(i).cloned() else {
                return;
            };
            let question = format!(
                "Routing key of the binding {} → {}:",
                binding.source,
                binding.destination.name()
            );
            let Some(key) = asked(&question) else {
                return;
            };
            binding.routing_key = key;
            if self.do_now(mqsim::scenario::Intervention::RabbitBind { binding }) {
                self.redraw.force_update();
            }
            return;
        }
        match builder::check(file) {
            Ok(scenario) => {
                self.change_setup(scenario);
                if let Target::Binding(i) = target {
                    focus_soon(format!("field-rabbit-bindings-{i}-routing_key"));
                }
                self.builder.borrow_mut().target = target;
            }
            Err(problems) => self.refuse(said(&problems)),
        }
        self.redraw.force_update();
    }

    /// Shows the form of `target`.
    pub(super) fn pick(&self, target: Target) {
        let mut builder = self.builder.borrow_mut();
        builder.target = target;
        builder.settle();
        drop(builder);
        self.redraw.force_update();
    }

    /// Deletes what the form shows, and what cannot stand without it, once
    /// the user agrees to lose those too.
    pub(super) fn delete(&self) {
        let target = self.builder.borrow().target.clone();
        let mut file = self.current();
        let gone = match &target {
            Target::Part(part) => {
                let with = edit::delete(&mut file, part);
                let question = if with.is_empty() {
                    None
                } else {
                    Some(format!(
                        "Delete {}? With it go: {}.",
                        part.describe(),
                        with.join(", ")
                    ))
                };
                if question.is_some_and(|q| !confirmed(&q)) {
                    return;
                }
                part.describe()
            }
            Target::Entry(i) => return self.unschedule(*i),
            Target::Binding(i) if *i < file.rabbit.bindings.len() => {
                file.rabbit.bindings.remove(*i);
                "the binding".to_string()
            }
            _ => return,
        };
        match builder::check(file) {
            Ok(scenario) => {
                self.change_setup(scenario);
                self.builder.borrow_mut().target = Target::Scenario;
                self.notice.set(Some(Notice::Info(format!(
                    "Deleted {gone}. Undo brings it back."
                ))));
            }
            Err(problems) => self.refuse(said(&problems)),
        }
        self.redraw.force_update();
    }

    /// Duplicates the part the form shows, and shows the copy.
    pub(super) fn duplicate(&self) {
        let Target::Part(part) = self.builder.borrow().target.clone() else {
            return;
        };
        let mut file = self.current();
        let Some(copy) = edit::duplicate(&mut file, &part) else {
            return;
        };
        match builder::check(file) {
            Ok(scenario) => {
                self.change_setup(scenario);
                self.builder.borrow_mut().target = Target::Part(part.with_name(&copy));
            }
            Err(problems) => self.refuse(said(&problems)),
        }
        self.redraw.force_update();
    }

    /// Adds a try-this step to the lesson, for the author to write.
    pub(super) fn add_step(&self) {
        let mut file = self.current();
        file.preset = None;
        let narration = file.narration.get_or_insert_with(Default::default);
        narration.try_this.push(mqsim::scenario::narration::Step {
            text: "What to do".into(),
            done_when: "rewound".into(),
        });
        match builder::check(file) {
            Ok(scenario) => self.change_setup(scenario),
            Err(problems) => self.refuse(said(&problems)),
        }
    }

    /// Deletes timeline entry `i`; refused, with the reason, where later
    /// entries need it (a binding to a queue it declared, say).
    pub(super) fn unschedule(&self, i: usize) {
        let file = builder::timeline::without(&self.current(), i);
        match builder::check(file) {
            Ok(scenario) => {
                // An entry's form, or a form of what it started, is gone.
                let mut builder = self.builder.borrow_mut();
                let target = &builder.target;
                if matches!(target, Target::Entry(_))
                    || fields::pointer_of(scenario.file(), target).is_none()
                {
                    builder.target = Target::Scenario;
                }
                drop(builder);
                self.change_setup(scenario);
            }
            Err(problems) => self.refuse(format!(
                "That entry cannot go while later ones need it: {}",
                said(&problems)
            )),
        }
        self.redraw.force_update();
    }

    /// Removes the lesson's last try-this step.
    pub(super) fn remove_step(&self) {
        let mut file = self.current();
        file.preset = None;
        if let Some(narration) = &mut file.narration {
            narration.try_this.pop();
        }
        match builder::check(file) {
            Ok(scenario) => self.change_setup(scenario),
            Err(problems) => self.refuse(said(&problems)),
        }
    }

    /// The JSON view was typed in (`commit` false: only checked) or left.
    pub(super) fn edit_json(&self, text: &str, commit: bool) {
        self.builder.borrow_mut().typing = Some((String::new(), text.to_string()));
        match builder::from_text(text) {
            Ok(scenario) if commit => {
                let unchanged = scenario.file() == self.playback.borrow().scenario().file();
                if unchanged {
                    self.builder.borrow_mut().typing = None;
                } else {
                    self.change_setup(scenario);
                }
            }
            Ok(_) => self.builder.borrow_mut().problems.clear(),
            Err(problems) => self.builder.borrow_mut().problems = problems,
        }
        self.redraw.force_update();
    }

    /// Undo (or, with `redo`, redo) the last edit.
    pub(super) fn undo(&self, redo: bool) {
        let current = self.current();
        let other = {
            let history = &mut self.builder.borrow_mut().history;
            if redo {
                history.redo(current)
            } else {
                history.undo(current)
            }
        };
        // Every version kept was valid when it was made.
        if let Some(Ok(scenario)) = other.map(ScenarioFile::validate) {
            self.put(scenario);
            self.builder.borrow_mut().settle();
        }
        self.redraw.force_update();
    }

    /// Whether the scenario on screen may give way to another: nothing was
    /// built in it since it was opened or saved (a kill or a crash from the
    /// inspector is playing, not building), or the user agrees to lose it.
    pub(super) fn may_leave(&self) -> bool {
        let builder = self.builder.borrow();
        if !builder.built || !builder.history.unsaved() {
            return true;
        }
        drop(builder);
        let name = self.current().name;
        confirmed(&format!(
            "\"{name}\" has changes that are not saved. Open another scenario and lose them? (Cancel, then Copy link or File › Save file, to keep them.)"
        ))
    }

    /// An edit that could not be made: the reason, and nothing changes.
    fn refuse(&self, why: String) {
        self.notice.set(Some(Notice::Problem(why)));
        self.redraw.force_update();
    }
}

/// Problems as one sentence.
fn said(problems: &[Problem]) -> String {
    let listed: Vec<String> = problems
        .iter()
        .map(|p| format!("{}: {}", p.path, p.message))
        .collect();
    listed.join("; ")
}

/// Asks the user for a line of text; `None` if they cancel.
fn asked(question: &str) -> Option<String> {
    web_sys::window()?.prompt_with_message(question).ok()?
}

/// Moves the keyboard to the element `id` once the page has drawn it.
fn focus_soon(id: String) {
    gloo::timers::callback::Timeout::new(0, move || {
        use wasm_bindgen::JsCast;
        let element = web_sys::window()
            .and_then(|w| w.document())
            .and_then(|d| d.get_element_by_id(&id))
            .and_then(|e| e.dyn_into::<web_sys::HtmlElement>().ok());
        if let Some(element) = element {
            let _ = element.focus();
        }
    })
    .forget();
}

/// Asks the user; a page that cannot ask (no window) does not delete.
fn confirmed(question: &str) -> bool {
    web_sys::window().is_some_and(|w| w.confirm_with_message(question).unwrap_or(false))
}
