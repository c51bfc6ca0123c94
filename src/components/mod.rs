//! Yew components. Each takes plain props (usually part of a
//! [`Scene`](crate::kafka::scene::Scene)) and emits callbacks; none holds
//! simulation state.

pub mod bench_result;
pub mod builder_panel;
pub mod charts;
pub mod cluster_view;
pub mod controls;
pub mod crowd;
pub mod event_log;
pub mod inspector;
pub mod kafka_view;
pub mod lag_table;
pub mod lesson_panel;
pub mod live_banner;
pub mod pick;
pub mod queue_table;
pub mod rabbit_view;
pub mod send_form;
pub mod shortcut_help;
pub mod strip;
pub mod timeline_list;
pub mod token;
pub mod top_bar;
pub mod zoomable;

use std::ops::Deref;
use std::rc::Rc;

/// A scene (or the inspector's description) handed to a component. They are
/// built afresh for every frame, so two are the same only when they are one:
/// comparing their contents would walk the whole picture each frame (and put
/// that code in the page) to learn what the clock already tells.
pub struct Frame<T>(pub Rc<T>);

impl<T> Clone for Frame<T> {
    fn clone(&self) -> Self {
        Frame(self.0.clone())
    }
}

impl<T> PartialEq for Frame<T> {
    fn eq(&self, other: &Self) -> bool {
        Rc::ptr_eq(&self.0, &other.0)
    }
}

impl<T> Deref for Frame<T> {
    type Target = T;
    fn deref(&self) -> &T {
        &self.0
    }
}
