//! One client connection, from its protocol header to its close.
//!
//! An AMQP 0-9-1 connection opens with a negotiation on channel 0:
//! 1. the client sends the protocol header `AMQP 0-9-1`; a client that
//!    speaks another version is sent the header this server speaks, and
//!    the socket closes;
//! 2. the server offers `connection.start` (its properties and SASL
//!    mechanisms), the client answers `start-ok` with its credentials;
//! 3. `connection.tune` proposes the most channels, the largest frame and
//!    the heartbeat interval; the client answers `tune-ok` with what it
//!    will use;
//! 4. `connection.open` names a virtual host; `open-ok` and the connection
//!    is open.
//!
//! Then channels open and close on it (`channel.open`, `channel.close`),
//! each numbered by the client. Heartbeats keep it alive: each side sends
//! one when it has sent nothing else for half the interval, and the server
//! gives up on a client it has heard nothing from for two intervals. A
//! hard error closes the connection: `connection.close` with the reply,
//! then the socket once the client answers `close-ok` (or after a second).

use super::Settings;
use super::frames::{FrameReader, PROTOCOL_HEADER, ReadError, encode};
use super::reply::{Reply, method_name};
use amq_protocol::frame::AMQPFrame;
use amq_protocol::protocol::{AMQPClass, AMQPHardError, channel, connection};
use amq_protocol::types::{AMQPValue, FieldTable, LongString};
use std::collections::BTreeSet;
use std::fmt;
use std::net::SocketAddr;
use std::time::Duration;
use tokio::io::AsyncWriteExt;
use tokio::net::TcpStream;
use tokio::net::tcp::{OwnedReadHalf, OwnedWriteHalf};
use tokio::time::{Instant, sleep_until, timeout};

/// The most channels a connection may open (RabbitMQ's `channel_max`).
pub const CHANNEL_MAX: u16 = 2047;
/// The largest frame, overhead included (RabbitMQ's `frame_max`).
pub const FRAME_MAX: u32 = 131_072;
/// The smallest `frame_max` a client may choose (the spec's
/// `frame-min-size`).
pub const FRAME_MIN: u32 = 4096;
/// The heartbeat interval offered, in seconds (RabbitMQ's `heartbeat`).
pub const HEARTBEAT_S: u16 = 60;
/// How long a client has to finish the negotiation (RabbitMQ's
/// `handshake_timeout`).
pub const HANDSHAKE_TIMEOUT: Duration = Duration::from_secs(10);
/// How long the server waits for `close-ok` after its `connection.close`.
const CLOSE_OK_WAIT: Duration = Duration::from_secs(1);

/// How a connection ended.
#[derive(Debug)]
pub enum End {
    /// The client closed it with `connection.close`.
    Closed,
    /// The client went away without closing.
    Dropped,
    /// The client spoke another protocol (its header).
    WrongProtocol([u8; 8]),
    /// The server closed it with a reply.
    Refused(Reply),
    /// Nothing from the client for two heartbeat intervals.
    HeartbeatMissed,
    /// The negotiation took too long.
    HandshakeTimeout,
    Io(std::io::Error),
}

impl fmt::Display for End {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            End::Closed => write!(f, "closed by the client"),
            End::Dropped => write!(f, "the client went away without closing"),
            End::WrongProtocol(header) => {
                write!(
                    f,
                    "not AMQP 0-9-1 (header {}), sent ours",
                    header.escape_ascii()
                )
            }
            End::Refused(reply) => write!(f, "closed: {} {}", reply.code, reply.text),
            End::HeartbeatMissed => write!(f, "missed heartbeats from the client"),
            End::HandshakeTimeout => write!(f, "the negotiation took too long"),
            End::Io(e) => write!(f, "{e}"),
        }
    }
}

/// Serves one client until its connection ends, and says how it did.
pub(super) async fn serve(stream: TcpStream, settings: &Settings) -> End {
    let peer = stream.peer_addr().ok();
    let (read, write) = stream.into_split();
    let mut connection = Connection {
        read,
        write,
        reader: FrameReader::new(FRAME_MIN),
        settings,
        channel_max: CHANNEL_MAX,
        heartbeat: Duration::ZERO,
        open: BTreeSet::new(),
        closing: BTreeSet::new(),
        last_sent: Instant::now(),
    };
    let end = match timeout(HANDSHAKE_TIMEOUT, connection.negotiate()).await {
        Ok(Ok(())) => connection.run().await,
        Ok(Err(end)) => end,
        Err(_) => End::HandshakeTimeout,
    };
    let _ = connection.write.shutdown().await;
    log(peer, &end);
    end
}

fn log(peer: Option<SocketAddr>, end: &End) {
    let peer = peer.map_or_else(|| "?".to_string(), |p| p.to_string());
    eprintln!("amqp: connection from {peer} ended: {end}");
}

struct Connection<'a> {
    read: OwnedReadHalf,
    write: OwnedWriteHalf,
    reader: FrameReader,
    settings: &'a Settings,
    channel_max: u16,
    /// Zero: no heartbeats.
    heartbeat: Duration,
    /// Channels open.
    open: BTreeSet<u16>,
    /// Channels the server closed, awaiting the client's `close-ok`.
    closing: BTreeSet<u16>,
    last_sent: Instant,
}

impl Connection<'_> {
    async fn send(&mut self, frame: AMQPFrame) -> Result<(), End> {
        let bytes = encode(&frame).map_err(End::Io)?;
        self.write.write_all(&bytes).await.map_err(End::Io)?;
        self.last_sent = Instant::now();
        Ok(())
    }

    async fn send_connection(&mut self, method: connection::AMQPMethod) -> Result<(), End> {
        self.send(AMQPFrame::Method(0, AMQPClass::Connection(method)))
            .await
    }

    async fn send_channel(&mut self, channel: u16, method: channel::AMQPMethod) -> Result<(), End> {
        self.send(AMQPFrame::Method(channel, AMQPClass::Channel(method)))
            .await
    }

    /// The next frame, or how the connection ended trying to read it.
    async fn next(&mut self) -> Result<AMQPFrame, End> {
        match self.reader.next(&mut self.read).await {
            Ok(frame) => Ok(frame),
            Err(e) => Err(self.read_failed(e).await),
        }
    }

    async fn read_failed(&mut self, error: ReadError) -> End {
        match error {
            ReadError::Closed => End::Dropped,
            ReadError::Io(e) => End::Io(e),
            ReadError::Malformed(what) => {
                let reply = Reply::hard(
                    AMQPHardError::FRAMEERROR,
                    format!("malformed frame: {what}"),
                );
                self.close(reply).await
            }
            ReadError::TooLarge { size, frame_max } => {
                let reply = Reply::hard(
                    AMQPHardError::FRAMEERROR,
                    format!("type 1, all octets = <<>>: {{frame_too_large,{size},{frame_max}}}"),
                );
                self.close(reply).await
            }
        }
    }

    /// The negotiation, up to `connection.open-ok`.
    async fn negotiate(&mut self) -> Result<(), End> {
        let header = match self.reader.header(&mut self.read).await {
            Ok(header) => header,
            Err(e) => return Err(self.read_failed(e).await),
        };
        if header != PROTOCOL_HEADER {
            // The spec's answer: the header this server speaks, then close.
            self.write
                .write_all(&PROTOCOL_HEADER)
                .await
                .map_err(End::Io)?;
            return Err(End::WrongProtocol(header));
        }
        self.send_connection(connection::AMQPMethod::Start(start()))
            .await?;
        let start_ok = match self.next().await? {
            AMQPFrame::Method(0, AMQPClass::Connection(connection::AMQPMethod::StartOk(ok))) => ok,
            other => return Err(self.unexpected(other, "connection.start_ok").await),
        };
        if let Err(reply) = self
            .settings
            .authenticate(&start_ok.mechanism, &start_ok.response)
        {
            return Err(self.close(reply).await);
        }
        self.send_connection(connection::AMQPMethod::Tune(connection::Tune {
            channel_max: CHANNEL_MAX,
            frame_max: FRAME_MAX,
            heartbeat: HEARTBEAT_S,
        }))
        .await?;
        let tune_ok = match self.next().await? {
            AMQPFrame::Method(0, AMQPClass::Connection(connection::AMQPMethod::TuneOk(ok))) => ok,
            other => return Err(self.unexpected(other, "connection.tune_ok").await),
        };
        self.tune(&tune_ok).await?;
        let open = match self.next().await? {
            AMQPFrame::Method(0, AMQPClass::Connection(connection::AMQPMethod::Open(open))) => open,
            other => return Err(self.unexpected(other, "connection.open").await),
        };
        if open.virtual_host.as_str() != "/" {
            let reply = Reply::hard(
                AMQPHardError::NOTALLOWED,
                format!("vhost {} not found", open.virtual_host),
            );
            return Err(self.close(reply).await);
        }
        self.send_connection(connection::AMQPMethod::OpenOk(connection::OpenOk {}))
            .await
    }

    /// Takes the client's `tune-ok`: zero means "no limit of my own", so the
    /// server's applies; more than the server offered is refused.
    async fn tune(&mut self, ok: &connection::TuneOk) -> Result<(), End> {
        let frame_max = if ok.frame_max == 0 {
            FRAME_MAX
        } else {
            ok.frame_max
        };
        if !(FRAME_MIN..=FRAME_MAX).contains(&frame_max) {
            let reply = Reply::hard(
                AMQPHardError::NOTALLOWED,
                format!("frame_max={frame_max} outside {FRAME_MIN}..{FRAME_MAX}"),
            );
            return Err(self.close(reply).await);
        }
        let channel_max = if ok.channel_max == 0 {
            CHANNEL_MAX
        } else {
            ok.channel_max
        };
        if channel_max > CHANNEL_MAX {
            let reply = Reply::hard(
                AMQPHardError::NOTALLOWED,
                format!("channel_max={channel_max} > {CHANNEL_MAX} max"),
            );
            return Err(self.close(reply).await);
        }
        self.reader.frame_max = frame_max;
        self.channel_max = channel_max;
        self.heartbeat = Duration::from_secs(u64::from(ok.heartbeat));
        Ok(())
    }

    /// The open connection: frames in, answers out, heartbeats both ways.
    async fn run(&mut self) -> End {
        let mut last_heard = Instant::now();
        loop {
            let frame = if self.heartbeat.is_zero() {
                self.reader.next(&mut self.read).await
            } else {
                let beat = self.last_sent + self.heartbeat / 2;
                let give_up = last_heard + self.heartbeat * 2;
                tokio::select! {
                    frame = self.reader.next(&mut self.read) => frame,
                    _ = sleep_until(beat.min(give_up)) => {
                        if Instant::now() >= give_up {
                            return End::HeartbeatMissed;
                        }
                        if let Err(end) = self.send(AMQPFrame::Heartbeat).await {
                            return end;
                        }
                        continue;
                    }
                }
            };
            last_heard = Instant::now();
            let result = match frame {
                Ok(frame) => self.on_frame(frame).await,
                Err(e) => Err(self.read_failed(e).await),
            };
            if let Err(end) = result {
                return end;
            }
        }
    }

    async fn on_frame(&mut self, frame: AMQPFrame) -> Result<(), End> {
        match frame {
            AMQPFrame::Heartbeat => Ok(()),
            AMQPFrame::Method(0, AMQPClass::Connection(connection::AMQPMethod::Close(_))) => {
                self.send_connection(connection::AMQPMethod::CloseOk(connection::CloseOk {}))
                    .await?;
                Err(End::Closed)
            }
            AMQPFrame::Method(channel, AMQPClass::Channel(method)) if channel != 0 => {
                self.on_channel(channel, method).await
            }
            // A channel the server closed drops what comes before the
            // client's close-ok.
            AMQPFrame::Method(channel, _) if channel != 0 && self.closing.contains(&channel) => {
                Ok(())
            }
            AMQPFrame::Method(channel, method) if channel != 0 && !self.open.contains(&channel) => {
                let reply = Reply::hard(AMQPHardError::CHANNELERROR, "expected 'channel.open'")
                    .caused_by(&method);
                Err(self.close(reply).await)
            }
            AMQPFrame::Method(channel, method) if channel != 0 => {
                let reply = Reply::hard(
                    AMQPHardError::NOTIMPLEMENTED,
                    format!(
                        "'{}' is not implemented yet by mqsim serve",
                        method_name(&method)
                    ),
                )
                .caused_by(&method);
                Err(self.close(reply).await)
            }
            AMQPFrame::Method(_, method) => {
                let reply = Reply::hard(
                    AMQPHardError::COMMANDINVALID,
                    format!(
                        "'{}' on channel 0, which carries only the connection's methods",
                        method_name(&method)
                    ),
                )
                .caused_by(&method);
                Err(self.close(reply).await)
            }
            AMQPFrame::Header(channel, _) | AMQPFrame::Body(channel, _) => {
                let reply = Reply::hard(
                    AMQPHardError::UNEXPECTEDFRAME,
                    format!("content on channel {channel} with no basic.publish before it"),
                );
                Err(self.close(reply).await)
            }
            AMQPFrame::InvalidHeartbeat(channel) => {
                let reply = Reply::hard(
                    AMQPHardError::FRAMEERROR,
                    format!("heartbeat frame on channel {channel}: heartbeats belong on channel 0"),
                );
                Err(self.close(reply).await)
            }
            AMQPFrame::ProtocolHeader(_) => {
                let reply = Reply::hard(
                    AMQPHardError::FRAMEERROR,
                    "a protocol header on an open connection",
                );
                Err(self.close(reply).await)
            }
        }
    }

    async fn on_channel(&mut self, channel: u16, method: channel::AMQPMethod) -> Result<(), End> {
        let cause = AMQPClass::Channel(method.clone());
        match method {
            channel::AMQPMethod::Open(_) if channel > self.channel_max => {
                let reply = Reply::hard(
                    AMQPHardError::CHANNELERROR,
                    format!(
                        "channel {channel} is above channel_max {}",
                        self.channel_max
                    ),
                )
                .caused_by(&cause);
                Err(self.close(reply).await)
            }
            channel::AMQPMethod::Open(_)
                if self.open.contains(&channel) || self.closing.contains(&channel) =>
            {
                let reply = Reply::hard(AMQPHardError::CHANNELERROR, "second 'channel.open' seen")
                    .caused_by(&cause);
                Err(self.close(reply).await)
            }
            channel::AMQPMethod::Open(_) => {
                self.open.insert(channel);
                self.send_channel(channel, channel::AMQPMethod::OpenOk(channel::OpenOk {}))
                    .await
            }
            channel::AMQPMethod::CloseOk(_) if self.closing.remove(&channel) => Ok(()),
            _ if self.closing.contains(&channel) => Ok(()),
            _ if !self.open.contains(&channel) => {
                let reply = Reply::hard(AMQPHardError::CHANNELERROR, "expected 'channel.open'")
                    .caused_by(&cause);
                Err(self.close(reply).await)
            }
            channel::AMQPMethod::Close(_) => {
                self.open.remove(&channel);
                self.send_channel(channel, channel::AMQPMethod::CloseOk(channel::CloseOk {}))
                    .await
            }
            channel::AMQPMethod::Flow(flow) => {
                let active = flow.active;
                self.send_channel(
                    channel,
                    channel::AMQPMethod::FlowOk(channel::FlowOk { active }),
                )
                .await
            }
            other => {
                let cause = AMQPClass::Channel(other);
                let reply = Reply::hard(
                    AMQPHardError::COMMANDINVALID,
                    format!("'{}' is the server's to send", method_name(&cause)),
                )
                .caused_by(&cause);
                Err(self.close(reply).await)
            }
        }
    }

    /// A frame that is not the one the negotiation waits for.
    async fn unexpected(&mut self, frame: AMQPFrame, expected: &str) -> End {
        let reply = Reply::hard(
            AMQPHardError::COMMANDINVALID,
            format!("expected '{expected}'"),
        );
        let reply = match &frame {
            AMQPFrame::Method(_, method) => reply.caused_by(method),
            _ => reply,
        };
        self.close(reply).await
    }

    /// Closes the connection with `reply`: `connection.close`, then the
    /// client's `close-ok` (whatever else it sends meanwhile is dropped),
    /// or a second's wait.
    async fn close(&mut self, reply: Reply) -> End {
        let close = connection::Close {
            reply_code: reply.code,
            reply_text: reply.short_text(),
            class_id: reply.class_id,
            method_id: reply.method_id,
        };
        if let Err(end) = self
            .send_connection(connection::AMQPMethod::Close(close))
            .await
        {
            return end;
        }
        let _ = timeout(CLOSE_OK_WAIT, async {
            loop {
                match self.reader.next(&mut self.read).await {
                    Ok(AMQPFrame::Method(
                        0,
                        AMQPClass::Connection(connection::AMQPMethod::CloseOk(_)),
                    ))
                    | Err(_) => {
                        return;
                    }
                    Ok(_) => {}
                }
            }
        })
        .await;
        End::Refused(reply)
    }
}

/// `connection.start`: who the server is, what it can do, how to log in.
fn start() -> connection::Start {
    let mut capabilities = FieldTable::default();
    for capability in [
        "publisher_confirms",
        "exchange_exchange_bindings",
        "basic.nack",
        "consumer_cancel_notify",
        "connection.blocked",
        "authentication_failure_close",
        "per_consumer_qos",
    ] {
        capabilities.insert(capability.into(), AMQPValue::Boolean(true));
    }
    let mut properties = FieldTable::default();
    let text = |s: &str| AMQPValue::LongString(LongString::from(s));
    properties
        .insert("product".into(), text("MQ Playground (mqsim serve)"))
        .insert("version".into(), text(env!("CARGO_PKG_VERSION")))
        .insert("platform".into(), text("Rust"))
        .insert("capabilities".into(), AMQPValue::FieldTable(capabilities));
    connection::Start {
        version_major: 0,
        version_minor: 9,
        server_properties: properties,
        mechanisms: "PLAIN".into(),
        locales: "en_US".into(),
    }
}
