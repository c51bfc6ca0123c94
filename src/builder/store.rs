//! Keeping the scenario being built across a reload: after each edit it is
//! written to the browser's local storage with the address it was opened
//! from, and opening that address again brings it back, until another
//! scenario is built there.

use mqsim::scenario::ScenarioFile;

const KEY: &str = "mq-playground.draft";

/// The address the draft belongs to and the draft, one line each.
fn storage() -> Option<web_sys::Storage> {
    web_sys::window()?.local_storage().ok()?
}

/// Keeps `file` as the draft of the page opened at `address`.
pub fn keep(address: &str, file: &ScenarioFile) {
    if let (Some(storage), Ok(json)) = (storage(), serde_json::to_string(file)) {
        // A full or refused storage only loses the safety net.
        let _ = storage.set_item(KEY, &format!("{address}\n{json}"));
    }
}

/// The draft kept for `address`, if there is one and it still reads.
pub fn kept(address: &str) -> Option<ScenarioFile> {
    let stored = storage()?.get_item(KEY).ok()??;
    let (at, json) = stored.split_once('\n')?;
    (at == address)
        .then(|| ScenarioFile::from_json(json).ok())
        .flatten()
}

/// Forgets the draft: the user started another scenario.
pub fn forget() {
    if let Some(storage) = storage() {
        let _ = storage.remove_item(KEY);
    }
}
