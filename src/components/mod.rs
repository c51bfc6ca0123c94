//! Yew components. Each takes plain props (usually part of a
//! [`Scene`](crate::scene::Scene)) and emits callbacks; none holds
//! simulation state.

pub mod controls;
pub mod kafka_view;
pub mod lag_table;
