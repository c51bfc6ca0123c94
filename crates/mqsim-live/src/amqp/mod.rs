//! AMQP 0-9-1, RabbitMQ's protocol, served to real clients (pika, amqplib,
//! the Java client…).
//!
//! [`AmqpServer`] accepts connections and serves each in a task of its own
//! ([`connection`]): the negotiation, channels, heartbeats, and closes with
//! RabbitMQ's reply codes ([`reply`]). The broker's methods are carried out
//! by the engine through the shared live run: declarations and bindings
//! ([`methods`]), publishing, consuming and acknowledging ([`basic`]).
//! [`clients`] knows which of the run's publishers and consumers are live
//! clients, and turns the run's events into what each is sent. Frames are
//! read and written with amq-protocol's codec ([`frames`]); messages on the
//! wire are assembled and converted in [`content`].

pub mod basic;
pub mod clients;
pub mod connection;
pub mod content;
pub mod frames;
pub mod methods;
pub mod reply;

use crate::broker::Shared;
use amq_protocol::protocol::AMQPSoftError;
use amq_protocol::types::{LongString, ShortString};
use reply::Reply;
use std::io;
use std::net::SocketAddr;
use std::sync::Arc;
use std::time::Duration;
use tokio::net::TcpListener;

/// Who may log in: one user, `guest`/`guest` unless told otherwise (as a
/// fresh RabbitMQ, which lets `guest` in from this machine only); and how
/// long a write to a client that has stopped reading may wait before the
/// connection is dropped (RabbitMQ's `send_timeout`, 15 s).
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Settings {
    pub user: String,
    pub password: String,
    pub send_timeout: Duration,
}

impl Default for Settings {
    fn default() -> Settings {
        Settings {
            user: "guest".into(),
            password: "guest".into(),
            send_timeout: Duration::from_secs(15),
        }
    }
}

impl Settings {
    /// Checks `connection.start-ok`'s credentials. SASL PLAIN's response is
    /// `authzid NUL user NUL password`.
    pub fn authenticate(
        &self,
        mechanism: &ShortString,
        response: &LongString,
    ) -> Result<(), LoginError> {
        if mechanism.as_str() != "PLAIN" {
            return Err(LoginError::Mechanism(mechanism.to_string()));
        }
        let mut parts = response.as_bytes().split(|b| *b == 0);
        let (Some(_), Some(user), Some(password), None) =
            (parts.next(), parts.next(), parts.next(), parts.next())
        else {
            return Err(LoginError::Malformed);
        };
        if user == self.user.as_bytes() && password == self.password.as_bytes() {
            Ok(())
        } else {
            Err(LoginError::Refused(Reply::soft(
                AMQPSoftError::ACCESSREFUSED,
                "Login was refused using authentication mechanism PLAIN. For details see the broker logfile.",
            )))
        }
    }
}

/// Why a login failed.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum LoginError {
    /// A SASL mechanism this server does not offer.
    Mechanism(String),
    /// A PLAIN response that is not `authzid NUL user NUL password`.
    Malformed,
    /// Wrong user or password: what a client that can take it is told.
    Refused(Reply),
}

impl std::fmt::Display for LoginError {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self {
            LoginError::Mechanism(name) => write!(f, "unknown authentication mechanism '{name}'"),
            LoginError::Malformed => write!(
                f,
                "a PLAIN response that is not authzid NUL user NUL password"
            ),
            LoginError::Refused(reply) => write!(f, "{}", reply.text),
        }
    }
}

/// A listening AMQP port.
pub struct AmqpServer {
    listener: TcpListener,
    settings: Arc<Settings>,
    broker: Shared,
}

impl AmqpServer {
    /// Listens on `addr` (port 0: any free port) for clients of `broker`.
    pub async fn bind(
        addr: SocketAddr,
        settings: Settings,
        broker: Shared,
    ) -> io::Result<AmqpServer> {
        Ok(AmqpServer {
            listener: TcpListener::bind(addr).await?,
            settings: Arc::new(settings),
            broker,
        })
    }

    pub fn local_addr(&self) -> io::Result<SocketAddr> {
        self.listener.local_addr()
    }

    /// Serves connections until the task is dropped; each connection in a
    /// task of its own, so that one client's trouble is its own. The tasks
    /// share the engine's thread: run this in a `tokio::task::LocalSet`.
    pub async fn run(self) -> io::Result<()> {
        loop {
            let (stream, _) = self.listener.accept().await?;
            let _ = stream.set_nodelay(true);
            let settings = Arc::clone(&self.settings);
            let broker = self.broker.clone();
            tokio::task::spawn_local(async move {
                let _connected = broker.connected();
                connection::serve(stream, &settings, broker).await;
            });
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn plain_credentials_are_checked() {
        let settings = Settings::default();
        let plain = ShortString::from("PLAIN");
        let login = |response: &str| settings.authenticate(&plain, &LongString::from(response));
        assert_eq!(login("\0guest\0guest"), Ok(()));
        assert!(matches!(login("\0guest\0wrong"), Err(LoginError::Refused(r)) if r.code == 403));
        assert_eq!(login("guest"), Err(LoginError::Malformed));
        let other = settings.authenticate(&ShortString::from("EXTERNAL"), &LongString::from(""));
        assert_eq!(other, Err(LoginError::Mechanism("EXTERNAL".into())));
    }
}
