//! Messages in flight, drawn the same way in the Kafka, cluster and
//! RabbitMQ pictures: records and messages are discs coloured by key and
//! marked with its letter; requests, commits and settlements have shapes of
//! their own, so colour is never the only signal.
//!
//! The token layer is drawn directly rather than through Yew's diffing:
//! Yew renders an empty group, and after each render the layer updates it.
//! Up to [`DETAILED_TOKENS`] tokens, each is its own SVG element with its letter
//! and a title, created when the token appears, moved by its `transform`
//! and removed when it lands. A busy run has a thousand tokens moving at
//! once; a thousand elements moving every frame cost the browser several
//! frames' time in style, layout and paint. Then the tokens are a crowd of
//! dots on a canvas ([`Crowd`]), and the picture says how many are in
//! flight.

use super::crowd::Crowd;
use crate::picture::{DETAILED_TOKENS, Token, TokenShape};
use crate::playback::Subject;
use std::collections::HashMap;
use std::rc::Rc;
use web_sys::{Document, Element};
use yew::prelude::*;

const SVG: &str = "http://www.w3.org/2000/svg";

/// The tokens of one picture at one instant. Compared by identity: each
/// scene makes a new list.
#[derive(Clone)]
pub struct Tokens(pub Rc<[Token]>);

impl PartialEq for Tokens {
    fn eq(&self, other: &Self) -> bool {
        Rc::ptr_eq(&self.0, &other.0)
    }
}

#[derive(Properties, PartialEq)]
pub struct TokenLayerProps {
    pub tokens: Tokens,
    /// The picture's size in its own units (its viewBox): a crowd covers it.
    pub width: f64,
    pub height: f64,
}

/// A token's element and where it was last put.
struct Drawn {
    element: Element,
    transform: String,
    frame: u64,
}

#[derive(Default)]
struct Layer {
    drawn: HashMap<String, Drawn>,
    crowd: Option<Crowd>,
    frame: u64,
}

#[component]
pub fn TokenLayer(props: &TokenLayerProps) -> Html {
    let group = use_node_ref();
    let layer = use_mut_ref(Layer::default);
    {
        let group = group.clone();
        let tokens = props.tokens.clone();
        let size = (props.width, props.height);
        use_effect(move || {
            let _tokens = crate::bench::Measure::start("tokens");
            if let (Some(group), Some(document)) = (
                group.cast::<Element>(),
                web_sys::window().and_then(|w| w.document()),
            ) {
                layer.borrow_mut().sync(&group, &document, &tokens.0, size);
            }
        });
    }
    html! { <g class="tokens" ref={group}></g> }
}

impl Layer {
    /// Makes the group's children match `tokens`.
    fn sync(
        &mut self,
        group: &Element,
        document: &Document,
        tokens: &[Token],
        (width, height): (f64, f64),
    ) {
        if tokens.len() > DETAILED_TOKENS {
            self.forget_detailed();
            if self.crowd.is_none() {
                self.crowd = Crowd::new(document, group);
            }
            if let Some(crowd) = &mut self.crowd {
                crowd.draw(tokens, width, height);
            }
        } else {
            if let Some(crowd) = self.crowd.take() {
                crowd.remove();
            }
            self.sync_detailed(group, document, tokens);
        }
    }

    fn forget_detailed(&mut self) {
        for (_, drawn) in self.drawn.drain() {
            drawn.element.remove();
        }
    }

    /// Draws each token as its own element.
    fn sync_detailed(&mut self, group: &Element, document: &Document, tokens: &[Token]) {
        self.frame += 1;
        let frame = self.frame;
        for t in tokens {
            let transform = format!("translate({:.1},{:.1})", t.x, t.y);
            match self.drawn.get_mut(&t.id) {
                Some(drawn) => {
                    if drawn.transform != transform {
                        set(&drawn.element, "transform", &transform);
                        drawn.transform = transform;
                    }
                    drawn.frame = frame;
                }
                None => {
                    let Some(element) = draw(document, t, &transform) else {
                        continue;
                    };
                    if group.append_child(&element).is_ok() {
                        self.drawn.insert(
                            t.id.clone(),
                            Drawn {
                                element,
                                transform,
                                frame,
                            },
                        );
                    }
                }
            }
        }
        self.drawn.retain(|_, drawn| {
            let current = drawn.frame == frame;
            if !current {
                drawn.element.remove();
            }
            current
        });
    }
}

pub(super) fn set(element: &Element, name: &str, value: &str) {
    // Only fails for an invalid attribute name, and these are fixed.
    let _ = element.set_attribute(name, value);
}

/// One SVG element of `tag` with `attributes`, inside `parent`.
pub(super) fn child(
    document: &Document,
    parent: &Element,
    tag: &str,
    attributes: &[(&str, &str)],
) -> Option<Element> {
    let element = document.create_element_ns(Some(SVG), tag).ok()?;
    for (name, value) in attributes {
        set(&element, name, value);
    }
    parent.append_child(&element).ok()?;
    Some(element)
}

/// A token's group: its title (read by screen readers and as a tooltip),
/// then its shape.
fn draw(document: &Document, t: &Token, transform: &str) -> Option<Element> {
    let g = document.create_element_ns(Some(SVG), "g").ok()?;
    set(&g, "class", "token");
    set(&g, "data-testid", "token");
    set(&g, "data-token", &t.id);
    // What it carries can be clicked and inspected while it moves.
    match t.carries {
        Some(Subject::Record(id)) => set(&g, "data-record", &id.0.to_string()),
        Some(Subject::Message(id)) => set(&g, "data-message", &id.0.to_string()),
        None => {}
    }
    set(&g, "transform", transform);
    child(document, &g, "title", &[])?.set_text_content(Some(&t.title));
    let letter = |class: &str| -> Option<()> {
        let text = child(document, &g, "text", &[("class", class), ("y", "4")])?;
        text.set_text_content(Some(&t.letter));
        Some(())
    };
    match t.shape {
        TokenShape::Record => {
            child(document, &g, "circle", &[("r", "10"), ("fill", t.colour)])?;
            letter("")?;
        }
        TokenShape::FetchRequest => {
            child(
                document,
                &g,
                "polygon",
                &[
                    ("class", "pull"),
                    ("points", "0,-7 7,0 0,7 -7,0"),
                    ("stroke", t.colour),
                ],
            )?;
        }
        TokenShape::Commit => {
            child(
                document,
                &g,
                "rect",
                &[
                    ("class", "commit"),
                    ("x", "-10"),
                    ("y", "-7"),
                    ("width", "20"),
                    ("height", "14"),
                    ("rx", "3"),
                ],
            )?;
            letter("commit-offset")?;
        }
        TokenShape::Heartbeat => {
            child(
                document,
                &g,
                "circle",
                &[("class", "heartbeat"), ("r", "5"), ("fill", t.colour)],
            )?;
        }
        TokenShape::LeaderAndIsr => {
            child(
                document,
                &g,
                "rect",
                &[
                    ("class", "leader-and-isr"),
                    ("x", "-9"),
                    ("y", "-7"),
                    ("width", "18"),
                    ("height", "14"),
                    ("rx", "2"),
                    ("fill", t.colour),
                ],
            )?;
            letter("")?;
        }
        TokenShape::Ack | TokenShape::Requeue | TokenShape::Reject => {
            child(
                document,
                &g,
                "rect",
                &[
                    ("class", "settlement"),
                    ("x", "-8"),
                    ("y", "-8"),
                    ("width", "16"),
                    ("height", "16"),
                    ("rx", "8"),
                    ("fill", t.colour),
                ],
            )?;
            letter("settlement-mark")?;
        }
    }
    Some(g)
}
