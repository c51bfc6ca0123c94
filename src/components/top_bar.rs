//! The bar above the stage: the scenario picker, sharing, the File menu and
//! presenting, in one line, so that the picture starts high on the screen.
//!
//! On a wide screen every item sits in the bar and File opens a small menu
//! of the file and definitions actions. On a phone the bar is the title and
//! a Menu button, which opens everything as one list.

use mqsim::scenario::edit::Blank;
use mqsim::scenario::presets::PRESETS;
use yew::prelude::*;

#[derive(Properties, PartialEq)]
pub struct TopBarProps {
    /// The preset on screen, if it is one.
    pub preset: Option<AttrValue>,
    pub scenario_name: AttrValue,
    pub projector: bool,
    /// A preset's id was chosen.
    pub on_preset: Callback<String>,
    pub on_share: Callback<()>,
    pub on_embed: Callback<()>,
    pub on_download: Callback<()>,
    /// A scenario file was chosen (the input's change event).
    pub on_open: Callback<Event>,
    pub on_export: Callback<()>,
    /// A definitions file was chosen.
    pub on_import: Callback<Event>,
    pub on_projector: Callback<()>,
    pub on_fullscreen: Callback<()>,
    pub on_help: Callback<()>,
    /// An empty scenario to build in.
    pub on_new: Callback<Blank>,
}

#[component]
pub fn TopBar(props: &TopBarProps) -> Html {
    // The phone's menu and the File menu; choosing an item closes both.
    let menu_open = use_state(|| false);
    let file_open = use_state(|| false);
    let close = {
        let (menu_open, file_open) = (menu_open.clone(), file_open.clone());
        move || {
            menu_open.set(false);
            file_open.set(false);
        }
    };
    let item = |callback: &Callback<()>| {
        let (callback, close) = (callback.clone(), close.clone());
        Callback::from(move |_: MouseEvent| {
            close();
            callback.emit(());
        })
    };
    let chosen = |callback: &Callback<Event>| {
        let (callback, close) = (callback.clone(), close.clone());
        Callback::from(move |e: Event| {
            close();
            callback.emit(e);
        })
    };
    let toggle = |state: &UseStateHandle<bool>| {
        let state = state.clone();
        Callback::from(move |_: MouseEvent| state.set(!*state))
    };
    let on_key = {
        let close = close.clone();
        Callback::from(move |e: KeyboardEvent| {
            if e.key() == "Escape" {
                close();
            }
        })
    };
    let on_preset = {
        let (on_preset, close) = (props.on_preset.clone(), close.clone());
        Callback::from(move |e: Event| {
            let select: web_sys::HtmlSelectElement = e.target_unchecked_into();
            close();
            on_preset.emit(select.value());
        })
    };
    let preset = props.preset.as_deref();
    html! {
        <header class="topbar" data-testid="topbar" onkeydown={on_key}>
            <h1>{ "MQ Playground" }</h1>
            <button class="menu-toggle" data-testid="menu" aria-expanded={menu_open.to_string()}
                    aria-controls="topbar-menu" onclick={toggle(&menu_open)}>{ "☰ Menu" }</button>
            <div id="topbar-menu" class={classes!("topbar-menu", menu_open.then_some("open"))}>
                <label class="preset-picker">
                    { "Scenario " }
                    <select data-testid="preset" onchange={on_preset}>
                        { for PRESETS.iter().map(|p| html! {
                            <option value={p.id} selected={preset == Some(p.id)}>{ p.title }</option>
                        }) }
                        if !PRESETS.iter().any(|p| preset == Some(p.id)) {
                            <option value="" selected=true>{ &props.scenario_name }</option>
                        }
                    </select>
                </label>
                <button class="share" data-testid="share" onclick={item(&props.on_share)}>{ "Copy link" }</button>
                <button class="embed" data-testid="embed-code" onclick={item(&props.on_embed)}
                        title="An <iframe> of this scenario, for slides or a web page">
                    { "Copy embed code" }
                </button>
                <div class="file-menu">
                    <button class="file-toggle" data-testid="file-menu" aria-expanded={file_open.to_string()}
                            aria-controls="file-items" onclick={toggle(&file_open)}>{ "File ▾" }</button>
                    <div id="file-items" class={classes!("file-items", file_open.then_some("open"))}
                         role="group" aria-label="File">
                        { for [(Blank::Kafka, "New Kafka scenario"), (Blank::Rabbit, "New RabbitMQ scenario"),
                               (Blank::Both, "New Kafka and RabbitMQ scenario")].into_iter().map(|(blank, label)| {
                            let on_new = item(&props.on_new.reform(move |()| blank));
                            html! { <button onclick={on_new}>{ label }</button> }
                        }) }
                        <button data-testid="download" onclick={item(&props.on_download)}>{ "Save file" }</button>
                        <label class="open-file">
                            { "Open file " }
                            <input type="file" accept=".json,application/json" data-testid="open-file"
                                   onchange={chosen(&props.on_open)} />
                        </label>
                        <button data-testid="export-definitions" onclick={item(&props.on_export)}>
                            { "Save RabbitMQ definitions" }
                        </button>
                        <label class="open-file">
                            { "Import RabbitMQ definitions " }
                            <input type="file" accept=".json,application/json" data-testid="import-definitions"
                                   onchange={chosen(&props.on_import)} />
                        </label>
                    </div>
                </div>
                <div class="presenting" role="group" aria-label="Presenting">
                    <button data-testid="projector" aria-pressed={props.projector.to_string()}
                            title="Large type and high contrast (P)" onclick={item(&props.on_projector)}>
                        { "Projector" }
                    </button>
                    <button data-testid="fullscreen" title="Full screen (F)"
                            onclick={item(&props.on_fullscreen)}>{ "Full screen" }</button>
                    <button data-testid="shortcuts" title="Keyboard shortcuts (?)" aria-keyshortcuts="?"
                            onclick={item(&props.on_help)}>{ "Shortcuts ?" }</button>
                </div>
            </div>
        </header>
    }
}
