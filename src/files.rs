//! Scenario files in the browser: saving the current scenario as JSON, and
//! opening one from disk. An opened file is validated like any scenario;
//! one that is not valid leaves the current scenario in place.

use mqsim::Scenario;
use wasm_bindgen::JsCast;

/// Offers the scenario as a `.json` download, named after its title.
pub fn download(scenario: &Scenario) -> Result<(), String> {
    let window = web_sys::window().ok_or("no window")?;
    let document = window.document().ok_or("no document")?;
    let parts = js_sys::Array::of1(&wasm_bindgen::JsValue::from_str(&scenario.to_json()));
    let options = web_sys::BlobPropertyBag::new();
    options.set_type("application/json");
    let blob = web_sys::Blob::new_with_str_sequence_and_options(&parts, &options)
        .map_err(|_| "the browser refused to make the file")?;
    let url = web_sys::Url::create_object_url_with_blob(&blob)
        .map_err(|_| "the browser refused to make the file")?;
    let anchor: web_sys::HtmlAnchorElement = document
        .create_element("a")
        .map_err(|_| "no link element")?
        .unchecked_into();
    anchor.set_href(&url);
    anchor.set_download(&file_name(&scenario.file().name));
    anchor.click();
    let _ = web_sys::Url::revoke_object_url(&url);
    Ok(())
}

/// `Order notifications` → `order-notifications.json`.
pub fn file_name(title: &str) -> String {
    let slug: String = title
        .chars()
        .map(|c| {
            if c.is_alphanumeric() {
                c.to_ascii_lowercase()
            } else {
                '-'
            }
        })
        .collect();
    let slug = slug
        .split('-')
        .filter(|w| !w.is_empty())
        .collect::<Vec<_>>()
        .join("-");
    format!("{}.json", if slug.is_empty() { "scenario" } else { &slug })
}

/// What reading a chosen file gave.
pub fn parse(name: &str, text: &str) -> Result<Scenario, String> {
    Scenario::from_json(text).map_err(|err| format!("{name} is not a valid scenario: {err}"))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn file_names_follow_the_title() {
        assert_eq!(file_name("Order notifications"), "order-notifications.json");
        assert_eq!(
            file_name("Leader failover: ZooKeeper, the controller and the ISR"),
            "leader-failover-zookeeper-the-controller-and-the-isr.json"
        );
        assert_eq!(file_name("  "), "scenario.json");
    }
}
