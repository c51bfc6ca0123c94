//! Share links in the browser: the scenario a page was opened with, and
//! putting the current one in the address bar.
//!
//! A link carries the whole scenario in the URL fragment (see
//! [`mqsim::scenario::link`]). Opening the page reads it; "Copy link"
//! writes it as a new history entry, so the browser's back and forward
//! buttons move between the scenarios a user loaded.

use mqsim::Scenario;
use mqsim::scenario::edit::Blank;
use mqsim::scenario::{link, presets};

/// What the address bar asks for.
pub enum Opened {
    /// No link: the default scenario.
    Default,
    /// A link holding a valid scenario.
    Shared(Box<Scenario>),
    /// A link that could not be opened, and why.
    Broken(String),
    /// `?new=kafka`, `?new=rabbitmq` or `?new=both`: an empty scenario to
    /// build in.
    Blank(Blank),
}

impl Opened {
    /// The scenario to show: the shared one, or else the default.
    pub fn scenario(&self) -> Scenario {
        match self {
            Opened::Shared(scenario) => (**scenario).clone(),
            Opened::Blank(blank) => blank.scenario().validate().expect("a blank is valid"),
            Opened::Default | Opened::Broken(_) => presets::default_scenario(),
        }
    }

    /// The message to show about a broken link, if any.
    pub fn problem(&self) -> Option<String> {
        match self {
            Opened::Broken(why) => Some(format!(
                "This link could not be opened: {why}. Showing the default scenario instead."
            )),
            Opened::Default | Opened::Shared(_) | Opened::Blank(_) => None,
        }
    }

    /// What to tell about the link: why it could not be opened, or the
    /// warnings of the scenario it holds.
    pub fn notice(&self) -> Option<Result<String, String>> {
        match self {
            Opened::Shared(scenario) => warnings(scenario).map(Ok),
            Opened::Default | Opened::Broken(_) | Opened::Blank(_) => self.problem().map(Err),
        }
    }
}

/// A scenario's warnings (it runs, but its author should hear of them), as
/// one sentence; none when it has none.
pub fn warnings(scenario: &Scenario) -> Option<String> {
    let warnings = scenario.warnings();
    (!warnings.is_empty()).then(|| {
        let listed: Vec<String> = warnings.iter().map(|w| w.to_string()).collect();
        format!("Warning: {}.", listed.join("; "))
    })
}

/// Reads the scenario from the page's URL fragment.
pub fn opened() -> Opened {
    let hash = web_sys::window()
        .and_then(|w| w.location().hash().ok())
        .unwrap_or_default();
    let fragment = hash.trim_start_matches('#');
    if fragment.is_empty() {
        let blank = query("new").and_then(|name| Blank::named(&name));
        return blank.map_or(Opened::Default, Opened::Blank);
    }
    match link::decode(fragment) {
        Ok(scenario) => Opened::Shared(Box::new(scenario)),
        Err(err) => Opened::Broken(err.to_string()),
    }
}

/// Puts `scenario`'s link in the address bar as a new history entry, so
/// that back returns to the scenario before. Returns the whole link.
pub fn remember(scenario: &Scenario) -> String {
    let fragment = format!("#{}", link::encode(scenario));
    let Some(window) = web_sys::window() else {
        return fragment;
    };
    if let Ok(history) = window.history() {
        // Failing only if the page was opened from an odd origin; the
        // link is still returned.
        let _ = history.push_state_with_url(&wasm_bindgen::JsValue::NULL, "", Some(&fragment));
    }
    window.location().href().unwrap_or(fragment)
}

/// Puts the address of an empty scenario (`?new=kafka`) in the address bar
/// as a new history entry.
pub fn remember_blank(blank: Blank) {
    let Some((name, _)) = Blank::ALL.iter().find(|(_, b)| *b == blank) else {
        return;
    };
    if let Some(Ok(history)) = web_sys::window().map(|w| w.history()) {
        let url = format!("?new={name}");
        let _ = history.push_state_with_url(&wasm_bindgen::JsValue::NULL, "", Some(&url));
    }
}

/// Why `scenario` cannot be shared as a link of at most `limit`
/// characters (the most a link may have when it is opened), if it cannot.
pub fn too_large(scenario: &Scenario, limit: usize) -> Option<String> {
    let chars = link::encode(scenario).len();
    (chars > limit).then(|| {
        format!(
            "This scenario is too large for a link: it would take {chars} characters, and a link may have at most {limit}. Save it as a file instead (File › Save file)."
        )
    })
}

/// Remembers `scenario` and copies its link to the clipboard where the
/// browser allows. Returns the link.
pub fn publish(scenario: &Scenario) -> String {
    let url = remember(scenario);
    // Clipboard access may be refused (no focus, no permission): the
    // address bar holds the link either way.
    if let Some(window) = web_sys::window() {
        let _ = window.navigator().clipboard().write_text(&url);
    }
    url
}

/// The value of `name` in the page's query (`?new=kafka`), if it is there.
fn query(name: &str) -> Option<String> {
    let search = web_sys::window()?.location().search().ok()?;
    search
        .trim_start_matches('?')
        .split('&')
        .find_map(|pair| pair.strip_prefix(name)?.strip_prefix('='))
        .map(str::to_string)
}

/// Where the page is, without the origin: its draft is kept under this.
pub fn address() -> String {
    web_sys::window()
        .map(|w| {
            let location = w.location();
            let part = |p: Result<String, _>| p.unwrap_or_default();
            format!(
                "{}{}{}",
                part(location.pathname()),
                part(location.search()),
                part(location.hash())
            )
        })
        .unwrap_or_default()
}

/// Whether the page was opened to be embedded (`?embed`): only the picture,
/// the playback controls and a link to the whole playground.
pub fn embedded() -> bool {
    web_sys::window()
        .and_then(|w| w.location().search().ok())
        .is_some_and(|search| {
            search
                .trim_start_matches('?')
                .split('&')
                .any(|pair| pair == "embed" || pair.starts_with("embed="))
        })
}

/// The whole playground's address for the page on screen: the same link
/// without `?embed`.
pub fn full_app_href() -> String {
    let Some(location) = web_sys::window().map(|w| w.location()) else {
        return String::new();
    };
    let origin = location.origin().unwrap_or_default();
    let path = location.pathname().unwrap_or_default();
    let hash = location.hash().unwrap_or_default();
    format!("{origin}{path}{hash}")
}

/// Remembers `scenario` and copies an `<iframe>` showing it (in embed mode)
/// to the clipboard where the browser allows. Returns the snippet.
pub fn publish_embed(scenario: &Scenario) -> String {
    let url = remember(scenario);
    let (page, fragment) = url.split_once('#').unwrap_or((&url, ""));
    let page = page.split('?').next().unwrap_or(page);
    let snippet = embed_code(&format!("{page}?embed#{fragment}"), &scenario.file().name);
    if let Some(window) = web_sys::window() {
        let _ = window.navigator().clipboard().write_text(&snippet);
    }
    snippet
}

/// The `<iframe>` snippet for an embed link.
pub fn embed_code(src: &str, name: &str) -> String {
    format!(
        r#"<iframe src="{}" title="MQ Playground: {}" width="960" height="600" style="border:0" allow="fullscreen" loading="lazy"></iframe>"#,
        attribute(src),
        attribute(name)
    )
}

/// Text made safe inside a double-quoted HTML attribute.
fn attribute(text: &str) -> String {
    text.replace('&', "&amp;")
        .replace('"', "&quot;")
        .replace('<', "&lt;")
        .replace('>', "&gt;")
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_scenario_too_large_for_a_link_says_so_and_offers_the_file() {
        let scenario = presets::default_scenario();
        let chars = link::encode(&scenario).len();
        assert_eq!(too_large(&scenario, chars), None);
        let why = too_large(&scenario, chars - 1).expect("too large");
        assert_eq!(
            why,
            format!(
                "This scenario is too large for a link: it would take {chars} characters, and a link may have at most {}. Save it as a file instead (File › Save file).",
                chars - 1
            )
        );
        // Every preset fits the real limit with room to spare.
        for preset in presets::PRESETS {
            assert_eq!(too_large(&preset.scenario(), link::MAX_LINK_CHARS), None);
        }
    }

    #[test]
    fn the_embed_code_is_an_iframe_with_a_safe_title() {
        let code = embed_code("https://x.test/?embed#s=2.abc", r#"Orders & "more" <b>"#);
        assert_eq!(
            code,
            r#"<iframe src="https://x.test/?embed#s=2.abc" title="MQ Playground: Orders &amp; &quot;more&quot; &lt;b&gt;" width="960" height="600" style="border:0" allow="fullscreen" loading="lazy"></iframe>"#
        );
    }
}
