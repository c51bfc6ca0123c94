//! A hook that calls back once per display frame with the milliseconds since
//! the previous frame.
//!
//! It uses `gloo::render::request_animation_frame`, a one-shot callback whose
//! handle cancels it when dropped. Each frame requests the next; the effect's
//! cleanup drops the pending handle, so the loop stops when the component
//! unmounts and nothing leaks. The callback is refreshed on every render, so
//! it always sees the component's current state.

use gloo::render::{AnimationFrame, request_animation_frame};
use std::cell::RefCell;
use std::rc::Rc;
use yew::prelude::*;

type FrameCallback = Rc<RefCell<Option<Rc<dyn Fn(f64)>>>>;
type PendingFrame = Rc<RefCell<Option<AnimationFrame>>>;

/// Calls `on_frame(elapsed_ms)` on every animation frame while mounted. The
/// first frame reports 0.
#[hook]
pub fn use_animation_frame<F>(on_frame: F)
where
    F: Fn(f64) + 'static,
{
    let callback: FrameCallback = use_mut_ref(|| None);
    *callback.borrow_mut() = Some(Rc::new(on_frame));
    use_effect_with((), move |_| {
        let pending: PendingFrame = Rc::default();
        request_next(pending.clone(), callback, None);
        move || {
            pending.borrow_mut().take();
        }
    });
}

fn request_next(pending: PendingFrame, callback: FrameCallback, previous: Option<f64>) {
    let next = pending.clone();
    let frame = request_animation_frame(move |timestamp| {
        let elapsed = previous.map_or(0.0, |p| (timestamp - p).max(0.0));
        let on_frame = callback.borrow().clone();
        if let Some(on_frame) = on_frame {
            on_frame(elapsed);
        }
        request_next(next, callback, Some(timestamp));
    });
    *pending.borrow_mut() = Some(frame);
}
