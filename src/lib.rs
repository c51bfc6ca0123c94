//! # MQ Playground: the browser app
//!
//! A Yew single-page app that runs the `mqsim` engine in the page (compiled to
//! WebAssembly) and animates every message.
//!
//! Data flows one way:
//! scenario → [`Simulation`](mqsim::Simulation) steps → events →
//! a world per side (folded view state) → a scene per side (positions at
//! this instant) → SVG components.
//!
//! ## Layout
//! - [`playback`]: the engine paced by animation frames (play, pause, speed),
//!   its checkpoints, and the worlds it folds.
//! - [`kafka`], [`rabbit`], [`cluster`]: one room per side, each with the
//!   same two steps: `world` (the trace folded into what the view knows) and
//!   `scene` (pure layout and interpolation, tested natively).
//! - [`picture`]: what every scene shares: tokens, easing, key colours.
//! - [`pacing`]: how often each part of the page is drawn again.
//! - [`flights`]: messages in the air, in the order they land; [`wire`]:
//!   what a record or message carries until it lands.
//! - [`zoom`]: pinching, dragging and the zoom buttons, as arithmetic.
//! - [`inspect`]: what a clicked thing is, described as plain data.
//! - [`lesson`], [`event_log`], [`charts`]: the narration, the log and the
//!   charts beside the run.
//! - [`shortcuts`], [`presenting`]: the keyboard, the projector theme and
//!   full screen.
//! - [`share`], [`files`], [`preset_files`]: links, files and presets.
//! - [`live`]: following a live run of `mqsim serve`.
//! - [`builder`]: making and changing a scenario in the page: fields,
//!   palette, undo, the draft.
//! - [`hooks`]: the animation-frame hook.
//! - [`components`]: the SVG views, controls, inspector and tables.
//! - [`app`]: the root component.
//!
//! Everything above `components` and `app` is plain Rust with no Yew import,
//! so it runs in `cargo test` without a browser.

pub mod app;
pub mod bench;
pub mod builder;
pub mod charts;
pub mod checkpoints;
pub mod cluster;
pub mod components;
pub mod event_log;
pub mod files;
pub mod flights;
pub mod hooks;
pub mod inspect;
pub mod kafka;
pub mod lesson;
pub mod live;
pub mod pacing;
pub mod picture;
pub mod playback;
pub mod presenting;
pub mod preset_files;
pub mod rabbit;
pub mod share;
pub mod shortcuts;
pub mod wire;
pub mod zoom;

/// Mounts the app on the page's `<body>`.
pub fn start() {
    show_panics_on_the_page();
    // Tokens jump instead of glide for readers who ask for less motion.
    let less_motion = web_sys::window()
        .and_then(|w| {
            w.match_media("(prefers-reduced-motion: reduce)")
                .ok()
                .flatten()
        })
        .is_some_and(|query| query.matches());
    picture::reduce_motion(less_motion);
    yew::Renderer::<app::App>::new().render();
}

/// A panic is a bug. Instead of a silently frozen page, show what happened
/// in a banner and log it to the console. (Set through Yew, which would
/// otherwise replace any hook with its own console-only one.)
fn show_panics_on_the_page() {
    yew::set_custom_panic_hook(Box::new(|info| {
        let message = format!("MQ Playground stopped because of a bug: {info}");
        gloo::console::error!(message.clone());
        let banner = web_sys::window()
            .and_then(|w| w.document())
            .and_then(|doc| {
                let banner = doc.create_element("div").ok()?;
                banner.set_class_name("fatal-error");
                banner.set_attribute("role", "alert").ok()?;
                banner
                    .set_text_content(Some(&format!("{message}. Reload the page to start again.")));
                doc.body()?.prepend_with_node_1(&banner).ok()
            });
        if banner.is_none() {
            gloo::console::error!("could not show the error banner");
        }
    }));
}
