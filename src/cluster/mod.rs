//! The Kafka cluster in the view: brokers holding partition replicas,
//! ZooKeeper and the controller. [`world`] folds the trace; [`scene`] lays
//! the brokers out as cards and places heartbeats, replica fetches and
//! `LeaderAndIsr` requests in flight.

pub mod scene;
pub mod world;
