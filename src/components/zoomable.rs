//! The picture's viewport: pinch to zoom and drag to move on a touch screen
//! (or with a mouse, once zoomed in). The arithmetic is [`crate::zoom`]'s;
//! this reads the pointers and applies the transform.
//!
//! A tap is still a click on the node under the finger; a drag is not, so
//! moving the picture never selects what the finger started on.

use crate::zoom::{Point, Room, Zoom};
use gloo::events::{EventListener, EventListenerOptions, EventListenerPhase};
use std::cell::RefCell;
use std::rc::Rc;
use wasm_bindgen::JsCast;
use web_sys::{Element, HtmlElement, PointerEvent};
use yew::prelude::*;

/// The zoom the page shares between the viewport and the zoom buttons.
pub type SharedZoom = Rc<RefCell<Zoom>>;

/// How far a finger moves before a tap becomes a drag, in pixels.
const DRAG: f64 = 6.0;

/// The fingers (or the mouse) down on the viewport.
#[derive(Default)]
struct Gesture {
    /// Each pointer's id and where it is now.
    pointers: Vec<(i32, Point)>,
    /// Where the fingers were and the zoom when the gesture started.
    start: Option<(Vec<Point>, Zoom)>,
    /// This gesture moved the picture: the click that ends it is not one.
    dragged: bool,
}

/// The viewport around `picture`; [`listen`] makes it zoom. (Plain markup
/// in the page's own component: a component of its own would cost the
/// page more WebAssembly than all of its gestures.)
pub fn viewport(viewport: &NodeRef, picture: Html) -> Html {
    html! {
        <div class="viewport" ref={viewport.clone()} data-testid="viewport">
            <div class="zoomable">{ picture }</div>
        </div>
    }
}

/// Draws `zoom` on the viewport's picture: the transform, and the
/// viewport's height while zoomed in.
pub fn apply(viewport: &NodeRef, zoom: &Zoom) {
    let Some(element) = viewport.cast::<HtmlElement>() else {
        return;
    };
    let _ = element
        .class_list()
        .toggle_with_force("zoomed", zoom.is_zoomed());
    // The CSS object model, which the page's Content-Security-Policy
    // allows (a style attribute it would refuse).
    let style = element.style();
    if zoom.is_zoomed() {
        let height = room(viewport).view_height(zoom.scale);
        let _ = style.set_property("height", &format!("{}px", height.round() as u32));
    } else {
        let _ = style.remove_property("height");
    }
    // No transform at all while fitted: a transformed picture is painted
    // as a layer of its own, which costs every frame on a slow machine.
    if let Some(inner) = picture(&element) {
        let _ = match zoom.is_zoomed() {
            true => inner.style().set_property("transform", &zoom.css()),
            false => inner.style().remove_property("transform").map(drop),
        };
    }
}

/// The zoomable picture inside the viewport.
fn picture(viewport: &Element) -> Option<HtmlElement> {
    viewport
        .first_element_child()
        .and_then(|e| e.dyn_into::<HtmlElement>().ok())
}

/// The picture's size as fitted to the page (a transform does not change
/// it), and the tallest its viewport may grow: most of the window.
pub fn room(viewport: &NodeRef) -> Room {
    let fitted = viewport
        .cast::<Element>()
        .and_then(|e| picture(&e))
        .map_or((0.0, 0.0), |p| {
            (f64::from(p.offset_width()), f64::from(p.offset_height()))
        });
    let window = web_sys::window()
        .and_then(|w| w.inner_height().ok())
        .and_then(|h| h.as_f64())
        .unwrap_or(fitted.1);
    Room {
        width: fitted.0,
        height: fitted.1,
        tallest: window * 0.7,
    }
}

/// The viewport being followed, its listeners, and the zoom last drawn on
/// it.
#[derive(Default)]
pub struct Gestures {
    followed: Option<(HtmlElement, Vec<EventListener>)>,
    drawn: Option<Zoom>,
}

impl Gestures {
    /// Follows the pointers on the viewport now drawn, and draws the zoom
    /// on it if it changed: this runs every frame, and restyling the
    /// picture for nothing would cost every frame a style recalculation of
    /// all of it. The page may draw a new viewport element (when the
    /// inspector opens beside it, say); the old one's listeners then go
    /// with it, and the zoom is drawn on the new one.
    pub fn follow(&mut self, viewport: &NodeRef, zoom: &SharedZoom) {
        let Some(element) = viewport.cast::<HtmlElement>() else {
            return;
        };
        if !self.followed.as_ref().is_some_and(|(e, _)| *e == element) {
            let listeners = listen(element.clone(), viewport.clone(), zoom.clone());
            self.followed = Some((element, listeners));
            self.drawn = None;
        }
        let now = *zoom.borrow();
        if self.drawn != Some(now) {
            apply(viewport, &now);
            self.drawn = Some(now);
        }
    }
}

/// Whether a pointer went down on a node while the builder is open: its
/// drag connects the node to another (see `builder::connect`), and does
/// not move the picture.
fn connects(e: &PointerEvent) -> bool {
    e.target()
        .and_then(|t| t.dyn_into::<web_sys::Element>().ok())
        .and_then(|el| el.closest(".building [data-connect]").ok().flatten())
        .is_some()
}

/// Follows the pointers on `element` (the viewport), zooming `zoom`; the
/// listeners last as long as the returned handles.
fn listen(element: HtmlElement, viewport: NodeRef, zoom: SharedZoom) -> Vec<EventListener> {
    let gesture = Rc::new(RefCell::new(Gesture::default()));
    let at = {
        let element = element.clone();
        move |e: &PointerEvent| {
            let rect = element.get_bounding_client_rect();
            (
                f64::from(e.client_x()) - rect.left(),
                f64::from(e.client_y()) - rect.top(),
            )
        }
    };
    let down = {
        let (gesture, zoom, at) = (gesture.clone(), zoom.clone(), at.clone());
        move |e: &web_sys::Event| {
            let Some(e) = e.dyn_ref::<PointerEvent>() else {
                return;
            };
            if connects(e) {
                return;
            }
            let mut g = gesture.borrow_mut();
            if g.pointers.is_empty() {
                g.dragged = false;
            }
            g.pointers.retain(|(id, _)| *id != e.pointer_id());
            g.pointers.push((e.pointer_id(), at(e)));
            let points = g.pointers.iter().map(|(_, p)| *p).collect();
            g.start = Some((points, *zoom.borrow()));
        }
    };
    let moved = {
        let (gesture, zoom, viewport) = (gesture.clone(), zoom.clone(), viewport.clone());
        move |e: &web_sys::Event| {
            let Some(e) = e.dyn_ref::<PointerEvent>() else {
                return;
            };
            let mut g = gesture.borrow_mut();
            let Some(slot) = g.pointers.iter_mut().find(|(id, _)| *id == e.pointer_id()) else {
                return;
            };
            slot.1 = at(e);
            let Some((from, before)) = g.start.clone() else {
                return;
            };
            let room = room(&viewport);
            let next = match (from.as_slice(), g.pointers.as_slice()) {
                ([a, b], [(_, c), (_, d)]) => before.pinch([*a, *b], [*c, *d], room),
                ([a], [(_, c)]) if before.is_zoomed() => before.pan(c.0 - a.0, c.1 - a.1, room),
                _ => return,
            };
            let travelled = |(x, y): Point, (u, v): Point| (x - u).abs().max((y - v).abs());
            if g.pointers.len() > 1
                || from
                    .iter()
                    .zip(&g.pointers)
                    .any(|(a, (_, c))| travelled(*a, *c) > DRAG)
            {
                g.dragged = true;
            }
            *zoom.borrow_mut() = next;
            apply(&viewport, &next);
        }
    };
    let up = {
        let (gesture, zoom) = (gesture.clone(), zoom.clone());
        move |e: &web_sys::Event| {
            let Some(e) = e.dyn_ref::<PointerEvent>() else {
                return;
            };
            let mut g = gesture.borrow_mut();
            g.pointers.retain(|(id, _)| *id != e.pointer_id());
            // The finger left behind starts a drag of its own.
            let points = g.pointers.iter().map(|(_, p)| *p).collect();
            g.start = Some((points, *zoom.borrow()));
        }
    };
    // A drag ends in a click on whatever the finger started on; swallow it
    // before any node hears it.
    let click = move |e: &web_sys::Event| {
        if gesture.borrow().dragged {
            e.stop_propagation();
            e.prevent_default();
        }
    };
    let capture = EventListenerOptions {
        phase: EventListenerPhase::Capture,
        passive: false,
    };
    vec![
        EventListener::new(&element, "pointerdown", down),
        EventListener::new(&element, "pointermove", moved),
        EventListener::new(&element, "pointerup", up.clone()),
        EventListener::new(&element, "pointercancel", up),
        EventListener::new_with_options(&element, "click", capture, click),
    ]
}
