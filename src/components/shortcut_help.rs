//! The list of keyboard shortcuts, shown over the page by `?`.

use crate::shortcuts::HELP;
use yew::prelude::*;

#[derive(Properties, PartialEq)]
pub struct ShortcutHelpProps {
    pub on_close: Callback<()>,
}

#[component]
pub fn ShortcutHelp(props: &ShortcutHelpProps) -> Html {
    let close = props.on_close.reform(|_: MouseEvent| ());
    // The close button takes the focus, so that Enter or Escape closes it.
    let button = use_node_ref();
    {
        let button = button.clone();
        use_effect_with((), move |_| {
            if let Some(button) = button.cast::<web_sys::HtmlElement>() {
                let _ = button.focus();
            }
        });
    }
    html! {
        <div class="overlay" data-testid="shortcut-help" role="dialog" aria-modal="true"
             aria-labelledby="shortcut-help-title">
            <div class="overlay-card">
                <h2 id="shortcut-help-title">{ "Keyboard shortcuts" }</h2>
                <dl>
                    { for HELP.iter().map(|(keys, what)| html! {
                        <>
                            <dt><kbd>{ *keys }</kbd></dt>
                            <dd>{ *what }</dd>
                        </>
                    }) }
                </dl>
                <button ref={button} onclick={close}>{ "Close" }</button>
            </div>
        </div>
    }
}
