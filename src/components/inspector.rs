//! The inspector panel: the facts about the selected thing, and buttons for
//! what can be done to it. A button's intervention goes into the scenario's
//! timeline at the moment shown.

use super::send_form::SendFormView;
use crate::inspect::{Action, Inspection, Selection};
use yew::prelude::*;

#[derive(Properties, PartialEq)]
pub struct InspectorProps {
    pub inspection: super::Frame<Inspection>,
    /// A button was pressed: the action, and what it was done to.
    pub on_act: Callback<(Action, String)>,
    /// One of the messages listed was picked.
    pub on_select: Callback<Selection>,
    pub on_close: Callback<()>,
}

#[component]
pub fn Inspector(props: &InspectorProps) -> Html {
    let i = &props.inspection;
    let close = props.on_close.reform(|_: MouseEvent| ());
    html! {
        <aside class="inspector" data-testid="inspector" aria-labelledby="inspector-title">
            <header>
                <h2 id="inspector-title" data-testid="inspector-title">{ &i.title }</h2>
                <button class="close" data-testid="inspector-close" onclick={close} aria-label="Close the inspector">{ "×" }</button>
            </header>
            <p class="kind">{ &i.kind }</p>
            <dl>
                { for i.facts.iter().map(|(label, value)| html! {
                    <>
                        <dt>{ *label }</dt>
                        <dd data-fact={*label}>{ value }</dd>
                    </>
                }) }
            </dl>
            if !i.path.is_empty() {
                <h3>{ "Its path" }</h3>
                <ol class="path" data-testid="inspector-path">
                    { for i.path.iter().map(|(at, text)| html! {
                        <li><time>{ at.to_string() }</time>{ " " }{ text }</li>
                    }) }
                </ol>
            }
            if !i.messages.is_empty() {
                <h3>{ "Its messages" }</h3>
                <ul class="messages" data-testid="inspector-messages">
                    { for i.messages.iter().map(|(id, text)| {
                        let pick = props.on_select.reform({
                            let id = *id;
                            move |_: MouseEvent| Selection::Message(id)
                        });
                        html! {
                            <li><button data-testid="inspector-message" data-message={id.0.to_string()} onclick={pick}>
                                { text }
                            </button></li>
                        }
                    }) }
                </ul>
            }
            if let Some(form) = &i.form {
                <SendFormView form={form.clone()} target={i.title.clone()} on_act={props.on_act.clone()} />
            }
            if !i.actions.is_empty() {
                <div class="actions" role="group" aria-label="Actions">
                    { for i.actions.iter().map(|action| {
                        let on_act = props.on_act.clone();
                        let done = (action.clone(), i.title.clone());
                        html! {
                            <button data-testid="inspector-action" data-action={action.label.to_string()} title={action.explain}
                                    onclick={Callback::from(move |_: MouseEvent| on_act.emit(done.clone()))}>
                                { action.label.to_string() }
                            </button>
                        }
                    }) }
                </div>
            }
        </aside>
    }
}
