//! Presets in the browser: each is fetched from `presets/ID.json` beside
//! the page (trunk copies `crates/mqsim/presets/` there), so the lessons
//! stay out of the WebAssembly. Only the default scenario is built in.

use mqsim::Scenario;
use wasm_bindgen::JsCast;
use wasm_bindgen_futures::JsFuture;

/// The preset `id`'s scenario, or why it could not be had.
pub async fn fetch(id: &str) -> Result<Scenario, String> {
    let text = fetch_text(&format!("presets/{id}.json"))
        .await
        .map_err(|why| format!("the preset {id:?} could not be fetched ({why})"))?;
    Scenario::from_json(&text).map_err(|err| format!("the preset {id:?} is not valid: {err}"))
}

async fn fetch_text(url: &str) -> Result<String, String> {
    let window = web_sys::window().ok_or("no window")?;
    let response = JsFuture::from(window.fetch_with_str(url))
        .await
        .map_err(|_| "the network refused")?;
    let response: web_sys::Response = response.dyn_into().map_err(|_| "not a response")?;
    if !response.ok() {
        return Err(format!("HTTP {}", response.status()));
    }
    let text = response.text().map_err(|_| "no body")?;
    let text = JsFuture::from(text)
        .await
        .map_err(|_| "the body broke off")?;
    text.as_string()
        .ok_or_else(|| "the body is not text".into())
}
