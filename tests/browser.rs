//! The app compiled to wasm32 and mounted in headless Chromium
//! (`wasm-bindgen-test`): it renders the default scenario, animation frames
//! advance it, and the controls change it. The end-to-end tests in `e2e/`
//! cover the same from the outside, on the release build.

#![cfg(target_arch = "wasm32")]

use gloo::timers::future::TimeoutFuture;
use mq_playground::app::App;
use wasm_bindgen::JsCast;
use wasm_bindgen_test::{wasm_bindgen_test, wasm_bindgen_test_configure};
use web_sys::{Element, HtmlElement};

wasm_bindgen_test_configure!(run_in_browser);

/// Mounts the app in a fresh element and lets it render.
async fn mount() -> Element {
    let document = gloo::utils::document();
    let root = document.create_element("div").expect("div");
    document
        .body()
        .expect("body")
        .append_child(&root)
        .expect("append");
    yew::Renderer::<App>::with_root(root.clone()).render();
    yew::scheduler::flush().await;
    root
}

fn attr(root: &Element, selector: &str, name: &str) -> String {
    root.query_selector(selector)
        .expect("valid selector")
        .unwrap_or_else(|| panic!("{selector} is on the page"))
        .get_attribute(name)
        .unwrap_or_default()
}

fn clock_ms(root: &Element) -> u64 {
    attr(root, "[data-testid=clock]", "data-clock-ms")
        .parse()
        .expect("a number")
}

#[wasm_bindgen_test]
async fn the_default_scenario_renders_and_plays() {
    let root = mount().await;
    assert_eq!(
        root.query_selector_all("[data-testid=partition]")
            .expect("query")
            .length(),
        3
    );
    assert_eq!(
        root.query_selector_all("[data-testid=consumer]")
            .expect("query")
            .length(),
        2
    );
    let start = clock_ms(&root);
    TimeoutFuture::new(400).await;
    yew::scheduler::flush().await;
    assert!(
        clock_ms(&root) > start,
        "animation frames advance virtual time"
    );
}

#[wasm_bindgen_test]
async fn pausing_stops_virtual_time() {
    let root = mount().await;
    let button: HtmlElement = root
        .query_selector("[data-testid=play-pause]")
        .expect("query")
        .expect("button")
        .dyn_into()
        .expect("an HTML element");
    button.click();
    yew::scheduler::flush().await;
    assert_eq!(
        attr(&root, "[data-testid=play-pause]", "aria-pressed"),
        "true"
    );
    let paused = clock_ms(&root);
    TimeoutFuture::new(300).await;
    yew::scheduler::flush().await;
    assert_eq!(clock_ms(&root), paused);
}
