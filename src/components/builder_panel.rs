//! The builder's panel: the palette, the parts of the scenario, the form
//! of the one selected, undo and redo, and the scenario as JSON.
//!
//! Every button is named by its verb ("Add queue", "Delete", "Undo") and
//! every field by its config name (`partitions`, `x-message-ttl`), for
//! keyboards, screen readers and tests alike. A problem is shown beside the
//! field that caused it, with the engine's message; nothing is applied
//! until the engine accepts it.

use super::Frame;
use super::timeline_list::timeline_list;
use crate::builder::fields::{self, Field, Input, Of};
use crate::builder::palette::{self, Add};
use crate::builder::{self, Mode, Problem, Target, timeline};
use mqsim::scenario::ScenarioFile;
use mqsim::scenario::edit;
use serde_json::Value;
use web_sys::{HtmlInputElement, HtmlSelectElement, HtmlTextAreaElement};
use yew::prelude::*;

#[derive(Properties, PartialEq)]
pub struct BuilderPanelProps {
    /// The scenario on screen.
    pub file: Frame<ScenarioFile>,
    pub target: Target,
    pub mode: Mode,
    pub problems: Vec<Problem>,
    /// The field being typed in (by JSON pointer, `""` for the JSON view)
    /// and its text, shown until it is applied.
    pub typing: Option<(String, String)>,
    pub can_undo: bool,
    pub can_redo: bool,
    pub unsaved: bool,
    /// The moment on screen, as the clock shows it: where "now" is.
    pub moment: AttrValue,
    pub on_target: Callback<Target>,
    /// A field's new text, and whether it was committed (changed) or is
    /// still being typed.
    pub on_field: Callback<(Field, String, bool)>,
    pub on_add: Callback<Add>,
    pub on_delete: Callback<()>,
    pub on_duplicate: Callback<()>,
    pub on_add_step: Callback<()>,
    pub on_remove_step: Callback<()>,
    /// Undo (false) or redo (true).
    pub on_undo: Callback<bool>,
    pub on_mode: Callback<Mode>,
    /// Go to this moment (a timeline entry's).
    pub on_seek: Callback<f64>,
    /// Delete timeline entry `i`.
    pub on_unschedule: Callback<usize>,
    /// The JSON view's text, and whether it was committed.
    pub on_json: Callback<(String, bool)>,
    pub on_close: Callback<()>,
}

#[component]
pub fn BuilderPanel(props: &BuilderPanelProps) -> Html {
    let file = &props.file;
    let json = use_memo(props.file.clone(), |file| fields::json_of(file));
    let timeline_page = use_state(|| None::<usize>);
    let text = use_memo(props.file.clone(), |file| builder::to_text(file));
    let undo = props.on_undo.reform(|_: MouseEvent| false);
    let redo = props.on_undo.reform(|_: MouseEvent| true);
    let close = props.on_close.reform(|_: MouseEvent| ());
    let mode = |m: Mode, label: String| {
        let on_mode = props.on_mode.reform(move |_: Event| m);
        html! {
            <label class="mode-choice">
                <input type="radio" name="builder-mode" checked={props.mode == m} onchange={on_mode} />
                { label }
            </label>
        }
    };
    let palette = |title: &'static str, adds: &[Add]| {
        html! {
            <div class="palette" role="group" aria-label={title}>
                <span class="palette-title">{ title }</span>
                { for adds.iter().map(|&what| {
                    let on_add = props.on_add.reform(move |_: MouseEvent| what);
                    let unavailable = props.mode == Mode::Now && !what.now();
                    html! {
                        <button type="button" aria-disabled={unavailable.to_string()}
                                title={palette::explain(what, props.mode)} onclick={on_add}>
                            { what.label() }
                        </button>
                    }
                }) }
            </div>
        }
    };
    // Problems that belong to no field on the form.
    let form_fields = fields::fields(file, &props.target);
    let elsewhere: Vec<&Problem> = props
        .problems
        .iter()
        .filter(|p| !form_fields.iter().any(|f| is_about(p, f)))
        .collect();
    let on_json = {
        let typed = props.on_json.reform(|e: InputEvent| (value_of(&e), false));
        let left = props.on_json.reform(|e: Event| (value_of(&e), true));
        (typed, left)
    };
    let json_text = match &props.typing {
        Some((pointer, text)) if pointer.is_empty() => text.clone(),
        _ => (*text).clone(),
    };
    html! {
        <aside class="builder" data-testid="builder" aria-labelledby="builder-title">
            <header>
                <h2 id="builder-title">{ "Build" }</h2>
                if props.unsaved {
                    <span class="unsaved" data-testid="unsaved" title="Copy link or save the file to keep it">{ "Unsaved changes" }</span>
                }
                <button type="button" onclick={undo} disabled={!props.can_undo} title="Undo (Ctrl+Z)">{ "Undo" }</button>
                <button type="button" onclick={redo} disabled={!props.can_redo} title="Redo (Shift+Ctrl+Z)">{ "Redo" }</button>
                <button type="button" class="close" onclick={close} aria-label="Close the builder">{ "×" }</button>
            </header>
            <fieldset class="mode">
                <legend>{ "Each change" }</legend>
                { mode(Mode::Setup, "Change the setup (replays from the start)".into()) }
                { mode(Mode::Now, format!("Do it now, at {}", props.moment)) }
                if props.mode == Mode::Now {
                    <p class="hint">{ "The form shows the setup from time zero; what you change now is kept in the timeline at this moment. Anything but a broker can be added now; a consumer's prefetch and processing time and a topic's partitions can change now." }</p>
                }
            </fieldset>
            { palette("Kafka", &Add::KAFKA) }
            { palette("RabbitMQ", &Add::RABBIT) }
            { parts(file, &props.target, &props.on_target) }
            <section class="form" aria-label={heading(file, &props.target)}>
                <div class="form-head">
                    <h3>{ heading(file, &props.target) }</h3>
                    if matches!(props.target, Target::Part(_) | Target::Binding(_) | Target::Entry(_)) {
                        if matches!(props.target, Target::Part(_)) {
                            <button type="button" onclick={props.on_duplicate.reform(|_: MouseEvent| ())}>{ "Duplicate" }</button>
                        }
                        <button type="button" class="danger" onclick={props.on_delete.reform(|_: MouseEvent| ())}>{ "Delete" }</button>
                    }
                </div>
                if let Target::Entry(i) = props.target {
                    { started_parts(file, i, &props.on_target) }
                }
                if let (Target::Part(_), Some(at)) = (&props.target, started_at(file, &form_fields)) {
                    <p class="hint" data-testid="started-at">{ format!("It starts at {at}, in the timeline: its settings are that entry's.") }</p>
                }
                { for form_fields.iter().map(|field| input(field, file, &json, props, &props.on_field)) }
                if props.target == Target::Lesson {
                    <div class="actions">
                        <button type="button" onclick={props.on_add_step.reform(|_: MouseEvent| ())}>{ "Add step" }</button>
                        if file.narration.as_ref().is_some_and(|n| !n.try_this.is_empty()) {
                            <button type="button" onclick={props.on_remove_step.reform(|_: MouseEvent| ())}>{ "Remove last step" }</button>
                        }
                    </div>
                }
            </section>
            if !elsewhere.is_empty() {
                <ul class="problems" role="alert" data-testid="builder-problems">
                    { for elsewhere.iter().map(|p| html! { <li>{ said(p) }</li> }) }
                </ul>
            }
            if !file.timeline.is_empty() {
                { timeline_list(file, &props.target, &timeline_page, &props.on_target,
                                &props.on_seek, &props.on_unschedule) }
            }
            <details class="json">
                <summary>{ "JSON" }</summary>
                <textarea aria-label="Scenario JSON" data-testid="builder-json" spellcheck="false"
                          value={json_text} oninput={on_json.0} onchange={on_json.1} />
            </details>
        </aside>
    }
}

/// Buttons to the forms of the parts timeline entry `i` starts.
fn started_parts(file: &ScenarioFile, i: usize, on_target: &Callback<Target>) -> Html {
    let parts = file
        .timeline
        .get(i)
        .map(edit::started_by)
        .unwrap_or_default();
    let buttons = parts.into_iter().map(|part| {
        let label = format!("Settings of {}", part.describe());
        let pick = on_target.reform(move |_: MouseEvent| Target::Part(part.clone()));
        html! { <button type="button" class="link" onclick={pick}>{ label }</button> }
    });
    html! { <div class="actions">{ for buttons }</div> }
}

/// When the part a form shows starts, if the timeline starts it.
fn started_at(file: &ScenarioFile, fields: &[Field]) -> Option<mqsim::SimTime> {
    let entry = fields.first()?.pointer.strip_prefix("/timeline/")?;
    let i: usize = entry.split('/').next()?.parse().ok()?;
    Some(mqsim::SimTime::from_millis(file.timeline.get(i)?.at_ms))
}

/// Whether problem `p` is about `field` (or something inside it).
fn is_about(p: &Problem, field: &Field) -> bool {
    let path = field.path();
    p.path == path
        || p.path.starts_with(&format!("{path}."))
        || p.path.starts_with(&format!("{path}["))
}

fn said(p: &Problem) -> String {
    if p.path.is_empty() {
        p.message.clone()
    } else {
        format!("{}: {}", p.path, p.message)
    }
}

/// The form's title.
fn heading(file: &ScenarioFile, target: &Target) -> String {
    match target {
        Target::Entry(i) => match file.timeline.get(*i) {
            Some(entry) => format!("Timeline entry {}: {}", i + 1, timeline::describe(entry)),
            None => format!("Timeline entry {}", i + 1),
        },
        Target::Scenario => "Scenario".into(),
        Target::Cluster => "Kafka cluster".into(),
        Target::Lesson => "Lesson".into(),
        Target::Binding(i) => format!("Binding {}", i + 1),
        Target::Part(part) => part.describe(),
    }
}

/// The list of everything there is to select: the scenario, the lesson,
/// the cluster and each part, bindings as source → destination (key).
fn parts(file: &ScenarioFile, target: &Target, on_target: &Callback<Target>) -> Html {
    let item = |t: Target, label: String| {
        let pressed = *target == t;
        let pick = on_target.reform(move |_: MouseEvent| t.clone());
        html! {
            <li><button type="button" aria-pressed={pressed.to_string()} onclick={pick}>{ label }</button></li>
        }
    };
    let mut items = vec![
        item(Target::Scenario, "Scenario".into()),
        item(Target::Lesson, "Lesson".into()),
        item(Target::Cluster, "Kafka cluster".into()),
    ];
    for part in edit::parts(file) {
        let label = part.describe();
        items.push(item(Target::Part(part), label));
    }
    // Parts the timeline starts, with their moment.
    for entry in &file.timeline {
        for part in edit::started_by(entry) {
            let label = format!(
                "{} (from {})",
                part.describe(),
                mqsim::SimTime::from_millis(entry.at_ms)
            );
            items.push(item(Target::Part(part), label));
        }
    }
    for (i, b) in file.rabbit.bindings.iter().enumerate() {
        let key = if b.routing_key.is_empty() {
            String::new()
        } else {
            format!(" ({})", b.routing_key)
        };
        let label = format!("binding {} → {}{key}", b.source, b.destination.name());
        items.push(item(Target::Binding(i), label));
    }
    html! {
        <nav class="parts" aria-label="Parts of the scenario">
            <ul>{ for items }</ul>
        </nav>
    }
}

/// One field: its label, its input, and its problem if it has one.
fn input(
    field: &Field,
    file: &ScenarioFile,
    json: &Value,
    props: &BuilderPanelProps,
    on_field: &Callback<(Field, String, bool)>,
) -> Html {
    let value = match &props.typing {
        Some((pointer, text)) if *pointer == field.pointer => text.clone(),
        _ => fields::read(json, field),
    };
    let problem = props.problems.iter().find(|p| is_about(p, field));
    let id = format!("field{}", field.pointer.replace('/', "-"));
    let invalid = problem.is_some().to_string();
    let typed = {
        let field = field.clone();
        on_field.reform(move |e: InputEvent| (field.clone(), value_of(&e), false))
    };
    let changed = {
        let field = field.clone();
        on_field.reform(move |e: Event| (field.clone(), value_of(&e), true))
    };
    let placeholder = field.default;
    let control = match field.input {
        Input::Bool => {
            let field = field.clone();
            let toggled = on_field.reform(move |e: Event| {
                let on = e
                    .target_dyn_into::<HtmlInputElement>()
                    .is_some_and(|i| i.checked());
                (field.clone(), on.to_string(), true)
            });
            html! { <input {id} type="checkbox" checked={value == "true"} onchange={toggled} /> }
        }
        Input::Choice { options, optional } => {
            let names = options.iter().map(|o| o.to_string()).collect();
            select(
                &id,
                &value,
                shown_as_is(names),
                optional.then_some(placeholder),
                changed,
            )
        }
        Input::Switch(_) | Input::Tagged(_) => {
            let options = shown_as_is(field.input.tags().into_iter().map(str::to_string).collect());
            let value = if value.is_empty() {
                placeholder.to_string()
            } else {
                value
            };
            select(&id, &value, options, None, changed)
        }
        Input::Pick { of, optional } => {
            let mut options = shown_as_is(fields::choices(file, of));
            if of == Of::Exchange && !optional {
                options.insert(0, (String::new(), "(default exchange)".into()));
            }
            select(
                &id,
                &value,
                options,
                optional.then_some(placeholder),
                changed,
            )
        }
        Input::Lines | Input::Table | Input::Panes => html! {
            <textarea {id} rows="3" value={value} placeholder={placeholder} aria-invalid={invalid.clone()}
                      oninput={typed} onchange={changed} />
        },
        _ => html! {
            <input {id} type="text" value={value} placeholder={placeholder} aria-invalid={invalid.clone()}
                   oninput={typed} onchange={changed} />
        },
    };
    html! {
        <div class="field" data-field={field.path()}>
            <label for={format!("field{}", field.pointer.replace('/', "-"))}>{ field.label }</label>
            { control }
            if let Some(p) = problem {
                <p class="problem" role="alert" data-testid="field-problem">{ &p.message }</p>
            }
        </div>
    }
}

/// Options shown as their values.
fn shown_as_is(values: Vec<String>) -> Vec<(String, String)> {
    values.into_iter().map(|v| (v.clone(), v)).collect()
}

/// A drop-down of `(value, shown)` options, with an empty first option
/// showing the default when the setting may be left out.
fn select(
    id: &str,
    value: &str,
    mut options: Vec<(String, String)>,
    default: Option<&str>,
    changed: Callback<Event>,
) -> Html {
    if let Some(default) = default {
        options.insert(0, (String::new(), format!("default: {default}")));
    }
    if !options.iter().any(|(v, _)| v == value) {
        options.push((value.to_string(), value.to_string()));
    }
    html! {
        <select id={id.to_string()} onchange={changed}>
            { for options.into_iter().map(|(v, shown)| html! {
                <option selected={v == value} value={v.clone()}>{ shown }</option>
            }) }
        </select>
    }
}

/// The text of the input, select or text area an event came from.
fn value_of<E: AsRef<web_sys::Event>>(e: &E) -> String {
    let target = e.as_ref().target();
    use wasm_bindgen::JsCast;
    let target = target.as_ref();
    if let Some(i) = target.and_then(|t| t.dyn_ref::<HtmlInputElement>()) {
        i.value()
    } else if let Some(s) = target.and_then(|t| t.dyn_ref::<HtmlSelectElement>()) {
        s.value()
    } else if let Some(a) = target.and_then(|t| t.dyn_ref::<HtmlTextAreaElement>()) {
        a.value()
    } else {
        String::new()
    }
}
