//! Kafka's protocol, served to real clients (kafka-python, librdkafka and
//! the clients built on it, kafkajs, the Java client…).
//!
//! A Kafka client talks to every broker of a cluster, each over its own
//! connection. It starts from one address, asks that broker for the
//! versions it speaks (`ApiVersions`) and for the cluster's metadata: every
//! live broker with its host and port, and each partition's leader. It
//! then sends each partition's records to its leader. So [`KafkaServer`]
//! gives each of the run's brokers a port of its own, broker *i* at the
//! first port + *i*, and the metadata names the run's leaders at those
//! ports: a client's records go to the broker the simulation has leading
//! the partition, and when that broker goes down in the run (killed in the
//! page, say), its port closes (a connect is refused) and the client finds the new
//! leader, as it would in a real cluster.
//!
//! Each connection is served in a task of its own ([`connection`]),
//! requests read and answers written with kafka-protocol's codec
//! ([`frames`]): the versions served ([`versions`]), the cluster and its
//! topics ([`metadata`]), records produced ([`produce`]) and read
//! ([`fetch`]) after a leader change ([`epochs`]), consumer groups on the classic protocol ([`groups`],
//! [`coordinator`]) and on the consumer protocol ([`consumer_protocol`]),
//! their offsets ([`offsets`]) and what admin tools ask of them
//! ([`describe`]). [`clients`] keeps the
//! run's producers that stand for live clients, and hands each its
//! acknowledgements, and each group's members their answers, when they
//! reach them in the run.

pub mod clients;
pub mod connection;
pub mod consumer_protocol;
pub mod coordinator;
pub mod describe;
pub mod epochs;
pub mod fetch;
pub mod frames;
pub mod groups;
pub mod metadata;
pub mod offsets;
pub mod produce;
pub mod versions;

use crate::broker::Shared;
use mqsim::ids::BrokerId;
use std::io;
use std::net::SocketAddr;
use std::sync::Arc;
use std::time::Duration;
use tokio::net::{TcpListener, TcpSocket};

/// Where the run's brokers listen: one host, broker *i* on `base_port` + *i*.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Listeners {
    pub host: String,
    pub base_port: u16,
}

impl Listeners {
    /// The port broker `broker` listens on.
    pub fn port(&self, broker: BrokerId) -> i32 {
        i32::from(self.base_port) + broker.0 as i32
    }
}

/// Who sent a request: its `client.id`, the address it connected from as
/// Kafka shows it (`/127.0.0.1`), and on which of this server's
/// connections.
#[derive(Clone, Debug)]
pub struct Client {
    pub id: String,
    pub host: String,
    pub connection: u64,
}

/// The run's brokers, listening.
pub struct KafkaServer {
    listeners: Vec<(BrokerId, TcpListener)>,
    advertised: Arc<Listeners>,
    broker: Shared,
}

impl KafkaServer {
    /// Listens for clients of `broker`'s run: its broker *i* on `addr`'s
    /// port + *i*. With port 0 the first broker takes any free port and
    /// the others the ports after it, if they are free.
    pub async fn bind(addr: SocketAddr, broker: Shared) -> io::Result<KafkaServer> {
        let count = broker.borrow().kafka().cluster.brokers.len();
        let first = listen(addr)?;
        let base = first.local_addr()?;
        let mut listeners = vec![(BrokerId(0), first)];
        for i in 1..count {
            let port = (base.port() as usize + i).try_into().map_err(|_| {
                io::Error::new(
                    io::ErrorKind::InvalidInput,
                    "the brokers' ports run past 65535",
                )
            })?;
            let mut at = base;
            at.set_port(port);
            let listener = listen(at).map_err(|e| {
                io::Error::new(e.kind(), format!("broker {i} cannot listen on {at}: {e}"))
            })?;
            listeners.push((BrokerId(i as u32), listener));
        }
        Ok(KafkaServer {
            listeners,
            advertised: Arc::new(Listeners {
                host: base.ip().to_string(),
                base_port: base.port(),
            }),
            broker,
        })
    }

    /// Where the brokers listen.
    pub fn listeners(&self) -> &Listeners {
        &self.advertised
    }

    /// Serves connections until the task is dropped, each in a task of its
    /// own on the engine's thread: run this in a `tokio::task::LocalSet`.
    pub async fn run(self) -> io::Result<()> {
        let mut accepting = tokio::task::JoinSet::new();
        for (node, listener) in self.listeners {
            let advertised = Arc::clone(&self.advertised);
            accepting.spawn_local(accept(listener, node, advertised, self.broker.clone()));
        }
        match accepting.join_next().await {
            Some(Ok(result)) => result,
            Some(Err(e)) => Err(io::Error::other(e)),
            None => Ok(()),
        }
    }
}

/// A listener on `addr` that can be bound again as soon as it is closed
/// (`SO_REUSEADDR`: the port's closed connections may still be waiting out
/// TCP's TIME_WAIT).
fn listen(addr: SocketAddr) -> io::Result<TcpListener> {
    let socket = match addr {
        SocketAddr::V4(_) => TcpSocket::new_v4()?,
        SocketAddr::V6(_) => TcpSocket::new_v6()?,
    };
    socket.set_reuseaddr(true)?;
    socket.bind(addr)?;
    socket.listen(1024)
}

/// How often a broker's closed port looks whether its broker is back.
const WATCH: Duration = Duration::from_millis(50);

/// Accepts broker `node`'s connections until accepting fails. While the
/// run's broker is down its port is closed, so a client's connection is
/// refused, as a dead broker's is; it opens again when the broker
/// restarts.
async fn accept(
    mut listener: TcpListener,
    node: BrokerId,
    advertised: Arc<Listeners>,
    broker: Shared,
) -> io::Result<()> {
    let addr = listener.local_addr()?;
    loop {
        let accepted = tokio::select! {
            accepted = listener.accept() => Some(accepted?),
            () = connection::down(&broker, node) => None,
        };
        let Some((stream, _)) = accepted else {
            drop(listener);
            listener = reopen(addr, node, &broker).await;
            continue;
        };
        let _ = stream.set_nodelay(true);
        let advertised = Arc::clone(&advertised);
        let broker = broker.clone();
        tokio::task::spawn_local(async move {
            let _connected = broker.connected();
            connection::serve(stream, node, &advertised, broker).await;
        });
    }
}

/// Broker `node`'s port, opened again once the run's broker is up. If
/// another program took the port meanwhile, it says so and tries again
/// each second.
async fn reopen(addr: SocketAddr, node: BrokerId, broker: &Shared) -> TcpListener {
    loop {
        while !broker.borrow().kafka_broker_up(node) {
            tokio::time::sleep(WATCH).await;
        }
        match listen(addr) {
            Ok(listener) => return listener,
            Err(e) => {
                eprintln!(
                    "kafka: broker {} cannot listen on {addr} again: {e}",
                    node.0
                );
                tokio::time::sleep(Duration::from_secs(1)).await;
            }
        }
    }
}
