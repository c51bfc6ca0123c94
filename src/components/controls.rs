//! Play/pause, single step, restart, speed, the timeline scrubber that
//! rewinds to any earlier moment, and zooming into the picture.

use crate::playback::SPEEDS;
use crate::zoom::ZoomStep;
use mqsim::SimTime;
use web_sys::{HtmlInputElement, HtmlSelectElement};
use yew::prelude::*;

#[derive(Properties, PartialEq)]
pub struct ControlsProps {
    pub playing: bool,
    pub speed: f64,
    pub clock_ms: f64,
    pub duration_ms: f64,
    pub on_toggle: Callback<()>,
    pub on_step: Callback<()>,
    pub on_restart: Callback<()>,
    pub on_speed: Callback<f64>,
    /// Moves to a moment, in milliseconds: back (replayed) or forward.
    pub on_seek: Callback<f64>,
    pub on_zoom: Callback<ZoomStep>,
}

/// "×1/100" for 0.01, "×0.25" for 0.25, "×2" for 2.
fn speed_label(speed: f64) -> String {
    if speed < 0.25 {
        format!("×1/{}", (1.0 / speed).round())
    } else {
        format!("×{speed}")
    }
}

#[component]
pub fn Controls(props: &ControlsProps) -> Html {
    let toggle = props.on_toggle.reform(|_: MouseEvent| ());
    let restart = props.on_restart.reform(|_: MouseEvent| ());
    let step = props.on_step.reform(|_: MouseEvent| ());
    let on_seek = props.on_seek.clone();
    let seek = Callback::from(move |e: InputEvent| {
        // The browser reads the number: parsing text into an f64 here would
        // link core's decimal parser and its tables (14 KB gzipped) into the
        // wasm.
        let ms = e
            .target_unchecked_into::<HtmlInputElement>()
            .value_as_number();
        if ms.is_finite() {
            on_seek.emit(ms);
        }
    });
    let on_speed = props.on_speed.clone();
    let change_speed = Callback::from(move |e: Event| {
        let select: HtmlSelectElement = e.target_unchecked_into();
        let chosen = usize::try_from(select.selected_index()).ok();
        if let Some(&speed) = chosen.and_then(|i| SPEEDS.get(i)) {
            on_speed.emit(speed);
        }
    });
    let clock = SimTime::from_millis(props.clock_ms as u64);
    let end = SimTime::from_millis(props.duration_ms as u64);
    html! {
        <div class="controls" role="toolbar" aria-label="Playback">
            <button data-testid="play-pause" aria-pressed={(!props.playing).to_string()} onclick={toggle}>
                { if props.playing { "❚❚ Pause" } else { "▶ Play" } }
            </button>
            <button data-testid="step" onclick={step} title="Pause and run to the next event">{ "▸ Step" }</button>
            <button data-testid="restart" onclick={restart}>{ "↺ Restart" }</button>
            <label class="speed">
                { "Speed " }
                <select data-testid="speed" onchange={change_speed}>
                    { for SPEEDS.iter().map(|&s| html! {
                        <option value={s.to_string()} selected={s == props.speed}>{ speed_label(s) }</option>
                    }) }
                </select>
            </label>
            <input type="range" class="scrubber" data-testid="scrubber" min="0" max={props.duration_ms.to_string()} step="100"
                   value={props.clock_ms.floor().to_string()} oninput={seek}
                   aria-label="Time: drag back to rewind" aria-valuetext={clock.to_string()} />
            <span class="clock" data-testid="clock" data-clock-ms={(props.clock_ms as u64).to_string()}>
                { format!("{clock} / {end}") }
            </span>
            <span class="zoom" role="group" aria-label="Zoom">
                <button data-testid="zoom-out" aria-label="Zoom out" title="Zoom out"
                        onclick={props.on_zoom.reform(|_: MouseEvent| ZoomStep::Out)}>{ "−" }</button>
                <button data-testid="zoom-fit" aria-label="Fit the picture" title="The whole picture"
                        onclick={props.on_zoom.reform(|_: MouseEvent| ZoomStep::Fit)}>{ "Fit" }</button>
                <button data-testid="zoom-in" aria-label="Zoom in" title="Zoom in (pinch on a touch screen)"
                        onclick={props.on_zoom.reform(|_: MouseEvent| ZoomStep::In)}>{ "+" }</button>
            </span>
        </div>
    }
}
