//! Sending by hand: a record through a Kafka producer (key, value,
//! partition, headers) or a message through a RabbitMQ publisher (routing
//! key, headers), ordinary or poison. What is sent becomes an intervention
//! at the moment shown, like the inspector's other buttons.

use crate::inspect::{Action, SendForm, parse_field_table, parse_headers};
use mqsim::scenario::Intervention;
use web_sys::{HtmlInputElement, HtmlSelectElement};
use yew::prelude::*;

#[derive(Properties, PartialEq)]
pub struct SendFormProps {
    pub form: SendForm,
    /// What it is sent through, for the notice: "Producer checkout".
    pub target: String,
    pub on_act: Callback<(Action, String)>,
}

/// The form's fields as typed.
#[derive(Clone, Default, PartialEq)]
struct Typed {
    key: String,
    value: String,
    /// Empty: the partitioner decides.
    partition: String,
    headers: String,
}

#[component]
pub fn SendFormView(props: &SendFormProps) -> Html {
    let typed = use_state(Typed::default);
    let problem = use_state(|| None::<String>);
    let field = |set: fn(&mut Typed, String)| {
        let typed = typed.clone();
        Callback::from(move |e: InputEvent| {
            let input: HtmlInputElement = e.target_unchecked_into();
            let mut next = (*typed).clone();
            set(&mut next, input.value());
            typed.set(next);
        })
    };
    let pick_partition = {
        let typed = typed.clone();
        Callback::from(move |e: Event| {
            let select: HtmlSelectElement = e.target_unchecked_into();
            typed.set(Typed {
                partition: select.value(),
                ..(*typed).clone()
            });
        })
    };
    // Sends what is typed: ordinary (false) or poison (true).
    let send = {
        let typed = typed.clone();
        let problem = problem.clone();
        let form = props.form.clone();
        let target = props.target.clone();
        let on_act = props.on_act.clone();
        Callback::from(
            move |poison: bool| match intervention(&form, &typed, poison) {
                Ok(intervention) => {
                    problem.set(None);
                    let action = Action {
                        label: if poison { "Sent poison" } else { "Sent" }.into(),
                        explain: "",
                        interventions: vec![intervention],
                    };
                    on_act.emit((action, target.clone()));
                }
                Err(why) => problem.set(Some(why)),
            },
        )
    };
    // Kafka header values are bytes (strings here); AMQP's may be tables
    // and arrays, typed as JSON.
    let headers_hint = match &props.form {
        SendForm::Record { .. } => "name=value, name=value",
        SendForm::Message { .. } => r#"name=value, … or {"geo": {"country": "IN"}}"#,
    };
    let (fields, what) = match &props.form {
        SendForm::Record {
            partitions, keys, ..
        } => (
            html! {
                <>
                    <label>{ "Key " }
                        <input list="send-keys" value={typed.key.clone()} oninput={field(|t, v| t.key = v)}
                               placeholder="none: no key" data-testid="send-key" />
                    </label>
                    <datalist id="send-keys">{ for keys.iter().map(|k| html! { <option value={k.clone()} /> }) }</datalist>
                    <label>{ "Value " }
                        <input value={typed.value.clone()} oninput={field(|t, v| t.value = v)}
                               placeholder="by-hand-n" data-testid="send-value" />
                    </label>
                    <label>{ "Partition " }
                        <select onchange={pick_partition} data-testid="send-partition">
                            <option value="" selected={typed.partition.is_empty()}>{ "partitioner decides" }</option>
                            { for (0..*partitions).map(|p| html! {
                                <option value={p.to_string()} selected={typed.partition == p.to_string()}>{ p }</option>
                            }) }
                        </select>
                    </label>
                </>
            },
            "record",
        ),
        SendForm::Message { routing_keys, .. } => (
            html! {
                <>
                    <label>{ "Routing key " }
                        <input list="send-routing-keys" value={typed.key.clone()} oninput={field(|t, v| t.key = v)}
                               placeholder="e.g. order.card" data-testid="send-key" />
                    </label>
                    <datalist id="send-routing-keys">
                        { for routing_keys.iter().map(|k| html! { <option value={k.clone()} /> }) }
                    </datalist>
                </>
            },
            "message",
        ),
    };
    html! {
        <form class="send-form" data-testid="send-form" onsubmit={send.reform(|e: SubmitEvent| {
            e.prevent_default();
            false
        })}>
            <h3>{ format!("Send a {what} by hand") }</h3>
            { fields }
            <label>{ "Headers " }
                <input value={typed.headers.clone()} oninput={field(|t, v| t.headers = v)}
                       placeholder={headers_hint} data-testid="send-headers" />
            </label>
            if let Some(why) = &*problem {
                <p class="problem" role="alert">{ why }</p>
            }
            <div class="actions">
                <button type="submit" data-testid="send">{ "Send" }</button>
                <button type="button" data-testid="send-poison"
                        title="Every consumer fails on it: watch it be retried, then dead-lettered"
                        onclick={send.reform(|_: MouseEvent| true)}>
                    { "☠ Send poison" }
                </button>
            </div>
        </form>
    }
}

/// The intervention the typed fields ask for.
fn intervention(form: &SendForm, typed: &Typed, poison: bool) -> Result<Intervention, String> {
    let text = |s: &str| (!s.trim().is_empty()).then(|| s.trim().to_string());
    Ok(match form {
        SendForm::Record { producer, .. } => Intervention::Produce {
            producer: producer.clone(),
            key: text(&typed.key),
            value: text(&typed.value),
            partition: typed.partition.parse().ok(),
            headers: parse_headers(&typed.headers)?,
            poison,
            broker: None,
        },
        SendForm::Message { publisher, .. } => Intervention::RabbitPublish {
            publisher: publisher.clone(),
            exchange: None,
            routing_key: typed.key.trim().to_string(),
            headers: parse_field_table(&typed.headers)?,
            poison,
            mandatory: false,
            body: None,
            body_base64: None,
            properties: Default::default(),
        },
    })
}
