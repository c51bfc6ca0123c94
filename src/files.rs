//! Scenario files in the browser: saving the current scenario as JSON, and
//! opening one from disk. An opened file is validated like any scenario;
//! one that is not valid leaves the current scenario in place.

use gloo::file::callbacks::FileReader;
use mqsim::Scenario;
use std::cell::RefCell;
use std::rc::Rc;
use wasm_bindgen::JsCast;

/// Reads the file chosen in the `<input type="file">` that `event` came
/// from, then calls `done` with its name and text (or why it could not be
/// read). The reader is kept in `slot` until it finishes; the input is
/// cleared, so choosing the same file again reads it again.
pub fn read_chosen(
    event: &web_sys::Event,
    slot: &Rc<RefCell<Option<FileReader>>>,
    done: impl FnOnce(String, Result<String, String>) + 'static,
) {
    let Some(input) = event
        .target()
        .and_then(|t| t.dyn_into::<web_sys::HtmlInputElement>().ok())
    else {
        return;
    };
    let Some(file) = input.files().and_then(|files| files.get(0)) else {
        return;
    };
    input.set_value("");
    let name = file.name();
    let reader = gloo::file::callbacks::read_as_text(&file.into(), move |text| {
        let text = text.map_err(|err| format!("{name} could not be read: {err}"));
        done(name, text);
    });
    *slot.borrow_mut() = Some(reader);
}

/// Offers the scenario as a `.json` download, named after its title.
pub fn download(scenario: &Scenario) -> Result<(), String> {
    save_json(&file_name(&scenario.file().name), &scenario.to_json())
}

/// Offers the scenario's RabbitMQ topology as a definitions file that
/// `rabbitmqctl import_definitions` accepts.
pub fn download_definitions(scenario: &Scenario) -> Result<(), String> {
    let definitions = mqsim::rabbit::definitions::export(&scenario.file().rabbit, "/");
    let text = serde_json::to_string_pretty(&definitions).map_err(|err| err.to_string())?;
    let title = format!("{} definitions", scenario.file().name);
    save_json(&file_name(&title), &text)
}

/// Offers `text` as a JSON download named `name`.
fn save_json(name: &str, text: &str) -> Result<(), String> {
    let window = web_sys::window().ok_or("no window")?;
    let document = window.document().ok_or("no document")?;
    let parts = js_sys::Array::of1(&wasm_bindgen::JsValue::from_str(text));
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
    anchor.set_download(name);
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

/// The current scenario with its RabbitMQ topology replaced by the
/// exchanges, queues and bindings of a definitions file (its RabbitMQ
/// clients are dropped: they may name queues the file lacks). Returns the
/// scenario and what the file holds that is not modelled.
pub fn import_definitions(
    current: &Scenario,
    name: &str,
    text: &str,
) -> Result<(Scenario, Vec<String>), String> {
    let definitions = mqsim::rabbit::definitions::Definitions::from_json(text)
        .map_err(|err| format!("{name} is not a usable definitions file: {err}"))?;
    let mut file = current.file().clone();
    file.rabbit = definitions.to_rabbit_spec();
    // The view, the lesson and the preset were about the topology replaced.
    file.view = Default::default();
    file.narration = None;
    file.preset = None;
    file.timeline.retain(|entry| {
        !matches!(
            entry.action,
            mqsim::scenario::Intervention::RabbitConsumerCrash { .. }
                | mqsim::scenario::Intervention::RabbitConsumerRestart { .. }
        )
    });
    let scenario = file
        .validate()
        .map_err(|err| format!("{name} does not fit this scenario: {err}"))?;
    Ok((scenario, definitions.not_modelled))
}

/// What reading a chosen file gave.
pub fn parse(name: &str, text: &str) -> Result<Scenario, String> {
    Scenario::from_json(text).map_err(|err| format!("{name} is not a valid scenario: {err}"))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn definitions_replace_the_rabbit_topology() {
        let current = mqsim::scenario::presets::Preset::find("rabbit-retry-dead-letter")
            .expect("preset")
            .scenario();
        let text = r#"{"users": [{"name": "guest"}],
            "queues": [{"name": "q", "vhost": "/", "arguments": {"x-max-priority": 5}}],
            "exchanges": [{"name": "x", "vhost": "/", "type": "fanout"}],
            "bindings": [{"source": "x", "vhost": "/", "destination": "q", "destination_type": "queue", "routing_key": ""}]}"#;
        let (scenario, not_modelled) =
            import_definitions(&current, "defs.json", text).expect("imported");
        let rabbit = &scenario.file().rabbit;
        assert_eq!(rabbit.queues.len(), 1);
        assert!(rabbit.consumers.is_empty() && rabbit.publishers.is_empty());
        assert_eq!(not_modelled.len(), 2, "{not_modelled:?}");
        let err = import_definitions(&current, "bad.json", "{").expect_err("broken");
        assert!(
            err.starts_with("bad.json is not a usable definitions file"),
            "{err}"
        );
    }

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
