//! Live mode: the page following a run of `mqsim serve`, whose clients are
//! real programs (pika, kafka-python, librdkafka).
//!
//! `mqsim serve` tags the page it serves with where its WebSocket is
//! (`<meta name="mqsim-live">`). A page so tagged, opened without a
//! scenario in its link, follows the live run: it is sent the recording so
//! far, then every entry as the clients make it, and runs them on its own
//! engine ([`mqsim::live`] says why that is the same run). What the page
//! does to the run (a broker killed) is asked of the server, which makes
//! it an entry at its "now" like a client's action; it comes back to every
//! page following.
//!
//! This module is the socket; what the news does to the page is the app's
//! ([`Playback::live`](crate::playback::Playback::live),
//! [`Playback::grow`](crate::playback::Playback::grow)).

use gloo::events::EventListener;
use mqsim::live::{Ask, News};
use wasm_bindgen::JsCast;
use web_sys::{CloseEvent, MessageEvent, WebSocket};

/// What the socket hears.
pub enum Heard {
    News(Box<News>),
    /// The socket closed, or could not open; why, in words.
    Lost(String),
}

/// Where the live run's WebSocket is, if this page follows one: tagged by
/// `mqsim serve`, and opened without a scenario in its link (a share link
/// opened from the same server replays what it holds).
pub fn address() -> Option<String> {
    let window = web_sys::window()?;
    let location = window.location();
    if !location.hash().ok()?.trim_start_matches('#').is_empty() {
        return None;
    }
    let meta = (window.document()?)
        .query_selector(r#"meta[name="mqsim-live"]"#)
        .ok()??;
    let path = meta.get_attribute("content")?;
    let scheme = match location.protocol().ok()?.as_str() {
        "https:" => "wss:",
        _ => "ws:",
    };
    Some(format!("{scheme}//{}{path}", location.host().ok()?))
}

/// The open socket; dropped, it closes.
pub struct LiveLink {
    socket: WebSocket,
    _listeners: [EventListener; 3],
}

impl LiveLink {
    /// Connects to `url`; `heard` gets each message, and the end.
    pub fn open(url: &str, heard: impl Fn(Heard) + 'static) -> Result<LiveLink, String> {
        let socket = WebSocket::new(url).map_err(|_| format!("cannot connect to {url}"))?;
        let heard = std::rc::Rc::new(heard);
        let message = {
            let heard = heard.clone();
            EventListener::new(&socket, "message", move |e| {
                let text = (e.dyn_ref::<MessageEvent>())
                    .and_then(|e| e.data().as_string())
                    .unwrap_or_default();
                heard(match serde_json::from_str::<News>(&text) {
                    Ok(news) => Heard::News(Box::new(news)),
                    Err(e) => {
                        Heard::Lost(format!("the server sent what the page cannot read ({e})"))
                    }
                });
            })
        };
        let close = {
            let heard = heard.clone();
            EventListener::new(&socket, "close", move |e| {
                let said = e.dyn_ref::<CloseEvent>().map(CloseEvent::reason);
                heard(Heard::Lost(match said.filter(|r| !r.is_empty()) {
                    Some(reason) => reason,
                    None => "the connection to mqsim serve closed".into(),
                }));
            })
        };
        // An error is followed by a close, which says it.
        let error = EventListener::new(&socket, "error", |_| {});
        Ok(LiveLink {
            socket,
            _listeners: [message, close, error],
        })
    }

    /// Asks the server for something.
    pub fn ask(&self, ask: &Ask) -> Result<(), String> {
        let text = serde_json::to_string(ask).map_err(|e| e.to_string())?;
        (self.socket.send_with_str(&text))
            .map_err(|_| "the connection to mqsim serve is closed".to_string())
    }
}

impl Drop for LiveLink {
    fn drop(&mut self) {
        let _ = self.socket.close();
    }
}
