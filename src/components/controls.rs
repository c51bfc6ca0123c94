//! Play/pause, restart, speed and the clock.

use crate::playback::SPEEDS;
use mqsim::SimTime;
use web_sys::HtmlSelectElement;
use yew::prelude::*;

#[derive(Properties, PartialEq)]
pub struct ControlsProps {
    pub playing: bool,
    pub speed: f64,
    pub clock_ms: f64,
    pub duration_ms: f64,
    pub on_toggle: Callback<()>,
    pub on_restart: Callback<()>,
    pub on_speed: Callback<f64>,
}

/// "×0.25" for 0.25, "×2" for 2.
fn speed_label(speed: f64) -> String {
    format!("×{speed}")
}

#[component]
pub fn Controls(props: &ControlsProps) -> Html {
    let toggle = props.on_toggle.reform(|_: MouseEvent| ());
    let restart = props.on_restart.reform(|_: MouseEvent| ());
    let on_speed = props.on_speed.clone();
    let change_speed = Callback::from(move |e: Event| {
        let select: HtmlSelectElement = e.target_unchecked_into();
        if let Ok(speed) = select.value().parse::<f64>() {
            on_speed.emit(speed);
        }
    });
    let clock = SimTime::from_millis(props.clock_ms as u64);
    let end = SimTime::from_millis(props.duration_ms as u64);
    let progress = if props.duration_ms > 0.0 {
        props.clock_ms / props.duration_ms
    } else {
        0.0
    };
    html! {
        <div class="controls" role="toolbar" aria-label="Playback">
            <button data-testid="play-pause" aria-pressed={(!props.playing).to_string()} onclick={toggle}>
                { if props.playing { "❚❚ Pause" } else { "▶ Play" } }
            </button>
            <button data-testid="restart" onclick={restart}>{ "↺ Restart" }</button>
            <label class="speed">
                { "Speed " }
                <select data-testid="speed" onchange={change_speed}>
                    { for SPEEDS.iter().map(|&s| html! {
                        <option value={s.to_string()} selected={s == props.speed}>{ speed_label(s) }</option>
                    }) }
                </select>
            </label>
            <progress max="1" value={progress.to_string()} aria-label="Time through the scenario"></progress>
            <span class="clock" data-testid="clock" data-clock-ms={(props.clock_ms as u64).to_string()}>
                { format!("{clock} / {end}") }
            </span>
        </div>
    }
}
