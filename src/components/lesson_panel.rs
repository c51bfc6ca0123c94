//! The lesson panel: what to watch for, with live counters, and the steps
//! to try, ticked off as the student does them.

use crate::lesson::Lesson;
use crate::presenting;
use mqsim::scenario::narration::{Piece, pieces};
use yew::prelude::*;

#[derive(Properties, PartialEq)]
pub struct LessonPanelProps {
    pub lesson: Lesson,
    /// The value now of each counter the watch lines name, by counter.
    pub counters: Vec<(String, String)>,
}

/// Where the panel's folding is kept between visits.
const FOLDED: &str = "lesson-folded";

#[component]
pub fn LessonPanel(props: &LessonPanelProps) -> Html {
    // Folded or not as the presenter left it, even after a reload.
    let folded = use_state(|| presenting::kept(FOLDED).as_deref() == Some("true"));
    let on_toggle = {
        let folded = folded.clone();
        Callback::from(move |e: Event| {
            let open = e
                .target_unchecked_into::<web_sys::HtmlDetailsElement>()
                .open();
            presenting::keep(FOLDED, &(!open).to_string());
            folded.set(!open);
        })
    };
    let narration = &props.lesson.narration;
    let value = |counter: &str| {
        let value = props.counters.iter().find(|(c, _)| c == counter);
        value.map_or("—", |(_, value)| value.as_str()).to_string()
    };
    let watch = narration.watch_for.iter().map(|line| {
        let pieces = pieces(line).into_iter().map(|piece| match piece {
            Piece::Text(text) => html! { { text } },
            Piece::Counter(counter) => html! {
                <span class="counter" data-testid="counter" data-counter={counter.to_string()}
                      title={counter.to_string()}>{ value(counter) }</span>
            },
        });
        html! { <li>{ for pieces }</li> }
    });
    let steps = narration.try_this.iter().enumerate().map(|(i, step)| {
        let done = props.lesson.done(i);
        html! {
            <li class={classes!(done.then_some("done"))} data-testid="lesson-step" data-done={done.to_string()}>
                <span class="tick" aria-hidden="true">{ if done { "✓" } else { "○" } }</span>
                { &step.text }
                if done {
                    <span class="visually-hidden">{ " (done)" }</span>
                }
            </li>
        }
    });
    let done = (0..narration.try_this.len())
        .filter(|i| props.lesson.done(*i))
        .count();
    html! {
        // Foldable, so that on a small projector the picture can have the
        // screen; it stays as the presenter leaves it.
        <details class="lesson" aria-label="Lesson" data-testid="lesson" open={!*folded}
                 ontoggle={on_toggle}>
            <summary>{ format!("Lesson · {done} of {} done", narration.try_this.len()) }</summary>
            <div class="lesson-body">
                if !narration.watch_for.is_empty() {
                    <div>
                        <h2>{ "Watch for" }</h2>
                        <ul>{ for watch }</ul>
                    </div>
                }
                if !narration.try_this.is_empty() {
                    <div>
                        <h2>{ "Try this" }</h2>
                        <ol class="steps">{ for steps }</ol>
                        <p class="progress" role="status" data-testid="steps-done">
                            { format!("{done} of {} done", narration.try_this.len()) }
                        </p>
                    </div>
                }
            </div>
        </details>
    }
}
