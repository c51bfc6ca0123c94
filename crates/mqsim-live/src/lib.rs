//! Live mode: the native build as a broker that real clients talk to.
//!
//! A student points pika or kafka-python at `mqsim serve` and watches their
//! own messages in the page. The clients speak the real wire protocols;
//! this crate is the front end that speaks them back:
//! - [`amqp`]: AMQP 0-9-1, RabbitMQ's protocol. A connection opens with a
//!   protocol header and a negotiation (`connection.start`, `start-ok` with
//!   the credentials, `tune`, `tune-ok`, `open`), then carries numbered
//!   channels, each a conversation of its own. Errors close a channel or
//!   the whole connection with RabbitMQ's reply codes and texts.
//! - [`kafka`]: Kafka's protocol. Each of the run's brokers listens on a
//!   port of its own, and clients find the run's leaders through its
//!   metadata.
//!
//! - [`page`]: the page's HTTP server, and the WebSocket through which the
//!   page follows the live run;
//! - [`broker`]: the one live run every client shares, and its recording
//!   written to a file as it grows;
//! - [`live`]: the engine on the wall clock, taking what clients do as
//!   timeline entries at "now" and keeping them as a recording that
//!   replays the live run exactly;
//! - [`recorder`]: `--record FILE`, the recording kept in a file;
//! - [`reserve`]: the allocator that keeps a malformed request's claimed
//!   lengths from aborting the server.
//!
//! Servers bind 127.0.0.1 unless told otherwise: a playground is not a
//! broker for a network.

pub mod amqp;
pub mod broker;
pub mod kafka;
pub mod live;
pub mod page;
pub mod recorder;
pub mod reserve;

use std::net::SocketAddr;

/// Whether `addr` is reachable only from this machine. `mqsim serve`
/// warns before it listens anywhere else.
pub fn is_loopback(addr: &SocketAddr) -> bool {
    addr.ip().is_loopback()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn only_loopback_addresses_count_as_loopback() {
        assert!(is_loopback(&"127.0.0.1:5672".parse().unwrap()));
        assert!(is_loopback(&"[::1]:5672".parse().unwrap()));
        assert!(!is_loopback(&"0.0.0.0:5672".parse().unwrap()));
        assert!(!is_loopback(&"192.168.1.20:5672".parse().unwrap()));
    }
}
