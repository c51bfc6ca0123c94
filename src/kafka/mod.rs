//! The Kafka side of the view: [`world`] folds the trace into topics and
//! their partition logs, producers, groups and their consumers, and every
//! record, fetch and commit on the wire; [`scene`] lays them out and places
//! each flight. Like the RabbitMQ side and the cluster, both are plain Rust,
//! tested without a browser.

pub mod scene;
pub mod world;
