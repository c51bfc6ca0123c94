//! The Kafka side of the view: [`world`] folds the trace into topics and
//! their partition logs, producers, groups and their consumers, and every
//! record, fetch and commit on the wire; [`share`] keeps what share groups
//! hold of each partition; [`scene`] lays them out and places each flight.
//! Like the RabbitMQ side and the cluster, all are plain Rust, tested
//! without a browser.

pub mod scene;
pub mod share;
pub mod world;
