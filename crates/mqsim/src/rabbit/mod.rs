//! The RabbitMQ side of the engine (AMQP 0-9-1).
//!
//! RabbitMQ has no offsets and no partitions. Publishers send messages to
//! *exchanges*; an exchange routes each message, by its routing key or
//! headers, along *bindings* to *queues*; the broker *pushes* each queued
//! message to one of the queue's consumers, and forgets it once the
//! consumer acknowledges it.
//!
//! # Layout
//! - [`topology`]: exchanges, queues, bindings, and routing a message
//!   through them (default exchange, exchange-to-exchange bindings,
//!   alternate exchanges).
//! - [`topic`]: topic patterns, matched with a trie as RabbitMQ does.
//! - [`headers`]: headers exchange matching and AMQP field values.
//! - [`definitions`]: reading `rabbitmqctl export_definitions` files.
//! - [`queue`]: ready and unacknowledged messages, requeue positions, TTL
//!   and length limits.
//! - [`message`]: messages and their `x-death` history.
//! - [`content`]: the properties and body a message carries.
//! - [`client`]: publishers and push consumers.
//! - [`broker`]: publishing, routing, pushing, settling, dead-lettering.
//! - [`summary`]: queue depths and consumers, as `rabbitmqctl` lists them.

pub mod broker;
pub mod client;
pub mod content;
pub mod declare;
pub mod definitions;
pub mod headers;
pub mod message;
pub mod queue;
pub mod summary;
mod timeline;
pub mod topic;
pub mod topology;
