//! The RabbitMQ side of the view: [`world`] folds the trace into queues,
//! exchanges and consumers; [`scene`] lays them out and places every
//! message in flight. Like their Kafka counterparts, both are plain Rust,
//! tested without a browser.

pub mod scene;
pub mod world;
