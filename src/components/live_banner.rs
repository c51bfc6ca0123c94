//! The banner over a live run: that it is live, how many clients are
//! connected to `mqsim serve`, whether the picture keeps up with the run
//! (after a rewind it replays the recording, and a button goes back), and
//! a button that saves the live run as a scenario file. Once the server
//! stops, it says so: the recording stays, to replay, save or share.
//!
//! A function rather than a component: it has no state of its own, and a
//! component costs the page about 2 KB (gzipped) of lifecycle code.

use yew::prelude::*;

/// What the banner says.
pub struct LiveState<'a> {
    /// Client connections open at the server.
    pub connections: u32,
    /// Whether the picture keeps up with the run.
    pub following: bool,
    /// Why the run is no longer followed, once it is not: a sentence.
    pub lost: Option<&'a str>,
}

/// The banner; `on_go_live` follows the run again, `on_save` saves it.
pub fn live_banner(state: LiveState<'_>, on_go_live: Callback<()>, on_save: Callback<()>) -> Html {
    let save = html! {
        <button type="button" data-testid="save-live" onclick={on_save.reform(|_: MouseEvent| ())}>
            { "Save this live run" }
        </button>
    };
    if let Some(why) = state.lost {
        return html! {
            <div class="live-banner ended" data-testid="live-banner" data-live="ended" role="status">
                <p>{ format!("{why}. What the live run recorded stays: play it again, save it or Copy link.") }</p>
                { save }
            </div>
        };
    }
    let clients = match state.connections {
        1 => "1 client connection".to_string(),
        n => format!("{n} client connections"),
    };
    html! {
        <div class="live-banner" data-testid="live-banner" data-live={if state.following { "following" } else { "replaying" }}
             data-connections={state.connections.to_string()} role="status">
            <p>
                <span class="live-dot" aria-hidden="true" />
                <strong>{ "Live" }</strong>
                { format!(" · mqsim serve · {clients}") }
                if !state.following {
                    { " · replaying the recording" }
                }
            </p>
            if !state.following {
                <button type="button" data-testid="go-live" onclick={on_go_live.reform(|_: MouseEvent| ())}>
                    { "Back to live" }
                </button>
            }
            { save }
        </div>
    }
}
