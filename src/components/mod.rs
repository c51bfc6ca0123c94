//! Yew components. Each takes plain props (usually part of a
//! [`Scene`](crate::scene::Scene)) and emits callbacks; none holds
//! simulation state.

pub mod bench_result;
pub mod charts;
pub mod cluster_view;
pub mod controls;
pub mod event_log;
pub mod inspector;
pub mod kafka_view;
pub mod lag_table;
pub mod pick;
pub mod queue_table;
pub mod rabbit_view;
pub mod send_form;
pub mod token;
