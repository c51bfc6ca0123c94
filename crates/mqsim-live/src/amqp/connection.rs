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
//! gives up on a client it has heard nothing from for two intervals.
//!
//! Refusals follow RabbitMQ 4's reader (`rabbit_reader.erl`): during the
//! negotiation a client is mostly dropped without a word after 3 s (the
//! reason goes to the log), except a refused login when the client says it
//! can take one (`authentication_failure_close`, 403 ACCESS_REFUSED) and an
//! unknown virtual host (530 NOT_ALLOWED). Once open, a hard error closes
//! the connection: `connection.close` with the reply, then the socket once
//! the client answers `close-ok`; after a frame it cannot read past (too
//! large, or not ended by 206) the server sends the close, waits 3 s and
//! drops the socket. RabbitMQ 4 answers a header it does not take with
//! AMQP 1.0's, which it also speaks; this server speaks only 0-9-1 and
//! answers with that, as the 0-9-1 specification says.

use super::basic::{self, Client};
use super::clients::Push;
use super::content::{self, Incoming, Taken, properties_out};
use super::frames::{FrameReader, PROTOCOL_HEADER, ReadError, encode};
use super::methods::{self, ChannelState};
use super::reply::{Reply, erlang_binary, method_name, octets};
use super::{LoginError, Settings};
use crate::broker::Shared;
use amq_protocol::frame::AMQPFrame;
use amq_protocol::protocol::{
    AMQPClass, AMQPHardError, basic as wire, channel, confirm, connection, exchange, queue, tx,
};
use amq_protocol::types::{AMQPValue, FieldTable, LongString};
use mqsim::scenario::Intervention;
use std::collections::{BTreeMap, BTreeSet};
use std::fmt;
use std::net::SocketAddr;
use std::time::Duration;
use tokio::io::AsyncWriteExt;
use tokio::net::TcpStream;
use tokio::net::tcp::{OwnedReadHalf, OwnedWriteHalf};
use tokio::sync::mpsc::UnboundedReceiver;
use tokio::time::{Instant, sleep, sleep_until, timeout};

/// The most channels a connection may have open (RabbitMQ's
/// `channel_max`).
pub const CHANNEL_MAX: u16 = 2047;
/// The largest frame payload (RabbitMQ's `frame_max`).
pub const FRAME_MAX: u32 = 131_072;
/// The smallest `frame_max` a client may choose, and the limit before it
/// has chosen (RabbitMQ 4.1's `FRAME_MIN_SIZE`).
pub const FRAME_MIN: u32 = 8192;
/// The heartbeat interval offered, in seconds (RabbitMQ's `heartbeat`).
pub const HEARTBEAT_S: u16 = 60;
/// How long a client has to finish the negotiation (RabbitMQ's
/// `handshake_timeout`).
pub const HANDSHAKE_TIMEOUT: Duration = Duration::from_secs(10);
/// How long RabbitMQ waits before it drops a connection it refuses during
/// the negotiation, or after a frame it cannot read past.
const REFUSAL_WAIT: Duration = Duration::from_secs(3);
/// The 0-9 header, which RabbitMQ takes as 0-9-1.
const AMQP_0_9: [u8; 8] = *b"AMQP\x01\x01\x00\x09";

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
    /// The server dropped it during the negotiation without a word, as
    /// RabbitMQ does (the reason goes only to the log).
    RefusedSilently(String),
    /// Nothing from the client for two heartbeat intervals.
    HeartbeatMissed,
    /// The client stopped reading: a write waited longer than the send
    /// timeout.
    SendTimeout,
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
            End::RefusedSilently(reason) => write!(f, "refused during the negotiation: {reason}"),
            End::HeartbeatMissed => write!(f, "missed heartbeats from the client"),
            End::SendTimeout => write!(f, "the client stopped reading (send timeout)"),
            End::HandshakeTimeout => write!(f, "the negotiation took too long"),
            End::Io(e) => write!(f, "{e}"),
        }
    }
}

/// Serves one client until its connection ends, and says how it did.
pub(super) async fn serve(stream: TcpStream, settings: &Settings, broker: Shared) -> End {
    let peer = stream.peer_addr().ok();
    let (read, write) = stream.into_split();
    let mut connection = Connection {
        read,
        write,
        reader: FrameReader::new(FRAME_MIN),
        settings,
        broker,
        state: State::Starting,
        channel_max: CHANNEL_MAX,
        heartbeat: Duration::ZERO,
        closing_wait: REFUSAL_WAIT,
        open: BTreeMap::new(),
        closing: BTreeSet::new(),
        incoming: BTreeMap::new(),
        last_sent: Instant::now(),
        client: None,
    };
    let end = match timeout(HANDSHAKE_TIMEOUT, connection.negotiate()).await {
        Ok(Ok(pushes)) => connection.run(pushes).await,
        Ok(Err(end)) => end,
        Err(_) => End::HandshakeTimeout,
    };
    connection.leave();
    // Said before the socket's last wait, so that a server stopped just
    // after its last client still says how that client left.
    log(peer, &end);
    let _ = connection.write.shutdown().await;
    end
}

fn log(peer: Option<SocketAddr>, end: &End) {
    let peer = peer.map_or_else(|| "?".to_string(), |p| p.to_string());
    eprintln!("amqp: connection from {peer} ended: {end}");
}

/// Where the negotiation is, named as RabbitMQ names it in its texts.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
enum State {
    Starting,
    Tuning,
    Opening,
    Running,
}

impl fmt::Display for State {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(match self {
            State::Starting => "starting",
            State::Tuning => "tuning",
            State::Opening => "opening",
            State::Running => "running",
        })
    }
}

struct Connection<'a> {
    read: OwnedReadHalf,
    write: OwnedWriteHalf,
    reader: FrameReader,
    settings: &'a Settings,
    broker: Shared,
    state: State,
    channel_max: u16,
    /// Zero: no heartbeats.
    heartbeat: Duration,
    /// How long the server waits for `close-ok` after its
    /// `connection.close`: 3 s until tuned, then the heartbeat interval,
    /// at most 30 s (RabbitMQ's `close_connection`).
    closing_wait: Duration,
    /// Channels open, and what each remembers.
    open: BTreeMap<u16, ChannelState>,
    /// Channels the server closed, awaiting the client's `close-ok`.
    closing: BTreeSet<u16>,
    /// Publishes waiting for the rest of their content, by channel.
    incoming: BTreeMap<u16, Incoming>,
    last_sent: Instant,
    /// Who the client is to the run, once the connection is open.
    client: Option<Client>,
}

impl Connection<'_> {
    /// Sends `frame`; a client that has not taken it within the send
    /// timeout has stopped reading, and the connection is dropped (what the
    /// server holds for it stays bounded).
    async fn send(&mut self, frame: AMQPFrame) -> Result<(), End> {
        let bytes = encode(&frame).map_err(End::Io)?;
        match timeout(self.settings.send_timeout, self.write.write_all(&bytes)).await {
            Ok(written) => written.map_err(End::Io)?,
            Err(_) => return Err(End::SendTimeout),
        }
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

    /// A frame that could not be read, answered as RabbitMQ's reader does.
    async fn read_failed(&mut self, error: ReadError) -> End {
        let (reply, fatal) = match error {
            ReadError::Closed => return End::Dropped,
            ReadError::Io(e) => return End::Io(e),
            ReadError::TooLarge {
                frame_type,
                payload,
                limit,
            } => (
                Reply::hard(
                    AMQPHardError::FRAMEERROR,
                    format!(
                        "type {frame_type}, all octets = <<>>: {{frame_too_large,{payload},{limit}}}"
                    ),
                ),
                true,
            ),
            ReadError::BadFrameEnd {
                frame_type,
                payload,
                end,
            } => (
                Reply::hard(
                    AMQPHardError::FRAMEERROR,
                    format!(
                        "type {frame_type}, {}: {{invalid_frame_end_marker,{end}}}",
                        octets(&payload)
                    ),
                ),
                true,
            ),
            ReadError::UnknownFrame {
                frame_type,
                payload,
            } => (
                Reply::hard(
                    AMQPHardError::FRAMEERROR,
                    format!("type {frame_type}, {}: unknown_frame", octets(&payload)),
                ),
                false,
            ),
            ReadError::Undecodable { channel: 0, .. } => (Reply::internal_error(), false),
            ReadError::Undecodable { payload, .. } => {
                let id = |i: usize| u16::from_be_bytes([payload[i], payload[i + 1]]);
                let reply = Reply::hard(
                    AMQPHardError::FRAMEERROR,
                    format!("cannot decode {}", erlang_binary(&payload[4..], false)),
                );
                (reply.caused_by_ids(id(0), id(2)), false)
            }
        };
        if matches!(self.state, State::Starting | State::Tuning) {
            return self.refuse_silently(reply.text).await;
        }
        if fatal {
            // Nothing more can be read: the close, a wait, and the socket.
            if let Err(end) = self.send_close(&reply).await {
                return end;
            }
            sleep(REFUSAL_WAIT).await;
            return End::Refused(reply);
        }
        self.close(reply).await
    }

    /// The negotiation, up to `connection.open-ok`; then the connection is
    /// one of the run's clients, and what the run has for it arrives on
    /// the receiver returned.
    async fn negotiate(&mut self) -> Result<UnboundedReceiver<Push>, End> {
        let header = match self.reader.header(&mut self.read).await {
            Ok(header) => header,
            Err(e) => return Err(self.read_failed(e).await),
        };
        if header != PROTOCOL_HEADER && header != AMQP_0_9 {
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
            other => return Err(self.unexpected(other).await),
        };
        match self
            .settings
            .authenticate(&start_ok.mechanism, &start_ok.response)
        {
            Ok(()) => {}
            // Only a client that says it can take it is told why.
            Err(LoginError::Refused(reply)) if closes_on_failure(&start_ok.client_properties) => {
                return Err(self.close(reply).await);
            }
            Err(refused) => return Err(self.refuse_silently(refused.to_string()).await),
        }
        self.state = State::Tuning;
        self.send_connection(connection::AMQPMethod::Tune(connection::Tune {
            channel_max: CHANNEL_MAX,
            frame_max: FRAME_MAX,
            heartbeat: HEARTBEAT_S,
        }))
        .await?;
        let tune_ok = match self.next().await? {
            AMQPFrame::Method(0, AMQPClass::Connection(connection::AMQPMethod::TuneOk(ok))) => ok,
            other => return Err(self.unexpected(other).await),
        };
        if let Err(reason) = self.tune(&tune_ok) {
            return Err(self.refuse_silently(reason).await);
        }
        self.state = State::Opening;
        let open = match self.next().await? {
            AMQPFrame::Method(0, AMQPClass::Connection(connection::AMQPMethod::Open(open))) => open,
            other => return Err(self.unexpected(other).await),
        };
        if open.virtual_host.as_str() != "/" {
            let cause = AMQPClass::Connection(connection::AMQPMethod::Open(open.clone()));
            let reply = Reply::hard(
                AMQPHardError::NOTALLOWED,
                format!("vhost {} not found", open.virtual_host),
            );
            return Err(self.close(reply.caused_by(&cause)).await);
        }
        self.send_connection(connection::AMQPMethod::OpenOk(connection::OpenOk {}))
            .await?;
        self.state = State::Running;
        let (id, pushes) = self.broker.borrow().clients.connect();
        let named = match start_ok.client_properties.inner().get("connection_name") {
            Some(AMQPValue::LongString(name)) => String::from_utf8_lossy(name.as_bytes()).into(),
            Some(AMQPValue::ShortString(name)) => name.to_string(),
            _ => "amqp".to_string(),
        };
        self.client = Some(Client {
            id,
            name: format!("{named}-{id}"),
            user: login_user(&start_ok.response),
        });
        Ok(pushes)
    }

    /// The connection is over: its channels close, and the run forgets
    /// the client.
    fn leave(&mut self) {
        let Some(client) = self.client.take() else {
            return;
        };
        let mut broker = self.broker.borrow();
        for (channel, state) in std::mem::take(&mut self.open) {
            basic::closed(&mut broker, &client, channel, &state);
        }
        // Its exclusive queues go with it.
        for queue in broker.clients.disconnect(client.id) {
            let _ = broker.apply(Intervention::RabbitQueueDelete { queue });
        }
    }

    /// Takes the client's `tune-ok`, which must stay within what the
    /// server offered (zero, "no limit", does not).
    fn tune(&mut self, ok: &connection::TuneOk) -> Result<(), String> {
        if ok.frame_max < FRAME_MIN {
            return Err(format!(
                "negotiated frame_max = {} is lower than the minimum allowed value ({FRAME_MIN})",
                ok.frame_max
            ));
        }
        if ok.frame_max > FRAME_MAX {
            return Err(format!(
                "negotiated frame_max = {} is higher than the maximum allowed value ({FRAME_MAX})",
                ok.frame_max
            ));
        }
        if ok.channel_max == 0 || ok.channel_max > CHANNEL_MAX {
            let none = if ok.channel_max == 0 {
                " (no limit)"
            } else {
                ""
            };
            return Err(format!(
                "negotiated channel_max = {}{none} is higher than the maximum allowed value ({CHANNEL_MAX})",
                ok.channel_max
            ));
        }
        self.reader.frame_max = ok.frame_max;
        self.channel_max = ok.channel_max;
        self.heartbeat = Duration::from_secs(u64::from(ok.heartbeat));
        self.closing_wait = match ok.heartbeat {
            1..30 => self.heartbeat,
            _ => Duration::from_secs(30),
        };
        Ok(())
    }

    /// The open connection: frames in, answers out, what the run has for
    /// the client out, heartbeats both ways.
    async fn run(&mut self, mut pushes: UnboundedReceiver<Push>) -> End {
        let mut last_heard = Instant::now();
        loop {
            // Without heartbeats, a wait that never ends.
            let beat = self.last_sent + self.heartbeat / 2;
            let give_up = last_heard + self.heartbeat * 2;
            let wake = if self.heartbeat.is_zero() {
                Instant::now() + Duration::from_secs(86_400)
            } else {
                beat.min(give_up)
            };
            let frame = tokio::select! {
                frame = self.reader.next(&mut self.read) => frame,
                Some(push) = pushes.recv() => {
                    if let Err(end) = self.on_push(push).await {
                        return end;
                    }
                    continue;
                }
                _ = sleep_until(wake) => {
                    if self.heartbeat.is_zero() {
                        continue;
                    }
                    if Instant::now() >= give_up {
                        return End::HeartbeatMissed;
                    }
                    if let Err(end) = self.send(AMQPFrame::Heartbeat).await {
                        return end;
                    }
                    continue;
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
            AMQPFrame::Method(0, method) => {
                Err(self.unexpected(AMQPFrame::Method(0, method)).await)
            }
            // A publish waiting for content takes the next frame, whatever
            // it is.
            frame @ (AMQPFrame::Method(channel, _)
            | AMQPFrame::Header(channel, ..)
            | AMQPFrame::Body(channel, _))
                if self.incoming.contains_key(&channel) =>
            {
                self.on_content(channel, frame).await
            }
            AMQPFrame::Method(channel, AMQPClass::Channel(method)) => {
                self.on_channel(channel, method).await
            }
            // A channel the server closed drops what comes before the
            // client's close-ok.
            AMQPFrame::Method(channel, _) if self.closing.contains(&channel) => Ok(()),
            AMQPFrame::Method(channel, method) if !self.open.contains_key(&channel) => {
                let reply = Reply::hard(AMQPHardError::CHANNELERROR, "expected 'channel.open'")
                    .caused_by(&method);
                Err(self.close(reply).await)
            }
            AMQPFrame::Method(channel, method) => self.on_method(channel, method).await,
            // Content for a channel the server closed is dropped.
            AMQPFrame::Header(channel, ..) | AMQPFrame::Body(channel, _)
                if self.closing.contains(&channel) =>
            {
                Ok(())
            }
            AMQPFrame::Header(..) | AMQPFrame::Body(..) => {
                let reply = Reply::hard(
                    AMQPHardError::UNEXPECTEDFRAME,
                    "expected method frame, got non method frame instead",
                );
                Err(self.close(reply).await)
            }
            AMQPFrame::InvalidHeartbeat(_) => {
                let reply =
                    Reply::hard(AMQPHardError::UNEXPECTEDFRAME, "type 8, all octets = <<>>");
                Err(self.close(reply).await)
            }
            // The reader takes a frame that starts with `A` (65) as a frame
            // of unknown type 65, never as a protocol header.
            AMQPFrame::ProtocolHeader(_) => Err(self.close(Reply::internal_error()).await),
        }
    }

    async fn on_channel(&mut self, channel: u16, method: channel::AMQPMethod) -> Result<(), End> {
        let cause = AMQPClass::Channel(method.clone());
        if self.closing.contains(&channel) {
            // Closing: only the close handshake counts.
            return match method {
                channel::AMQPMethod::CloseOk(_) => {
                    self.closing.remove(&channel);
                    Ok(())
                }
                channel::AMQPMethod::Close(_) => {
                    self.send_channel(channel, channel::AMQPMethod::CloseOk(channel::CloseOk {}))
                        .await
                }
                _ => Ok(()),
            };
        }
        match method {
            channel::AMQPMethod::Open(_) if self.open.contains_key(&channel) => {
                let reply = Reply::hard(AMQPHardError::CHANNELERROR, "second 'channel.open' seen")
                    .caused_by(&cause);
                Err(self.close(reply).await)
            }
            channel::AMQPMethod::Open(_) if self.open.len() >= usize::from(self.channel_max) => {
                let reply = Reply::hard(
                    AMQPHardError::NOTALLOWED,
                    format!(
                        "number of channels opened ({}) has reached the negotiated channel_max ({})",
                        self.open.len(),
                        self.channel_max
                    ),
                );
                Err(self.close(reply).await)
            }
            channel::AMQPMethod::Open(_) => {
                let connection = self.client.as_ref().map_or(0, |c| c.id);
                self.open.insert(channel, ChannelState::on(connection));
                self.send_channel(channel, channel::AMQPMethod::OpenOk(channel::OpenOk {}))
                    .await
            }
            _ if !self.open.contains_key(&channel) => {
                let reply = Reply::hard(AMQPHardError::CHANNELERROR, "expected 'channel.open'")
                    .caused_by(&cause);
                Err(self.close(reply).await)
            }
            channel::AMQPMethod::Close(_) => {
                self.channel_gone(channel);
                self.send_channel(channel, channel::AMQPMethod::CloseOk(channel::CloseOk {}))
                    .await
            }
            // RabbitMQ does not stop a channel's deliveries on request.
            channel::AMQPMethod::Flow(flow) if !flow.active => {
                let reply =
                    Reply::hard(AMQPHardError::NOTIMPLEMENTED, "active=false").caused_by(&cause);
                Err(self.close(reply).await)
            }
            channel::AMQPMethod::Flow(flow) => {
                let active = flow.active;
                self.send_channel(
                    channel,
                    channel::AMQPMethod::FlowOk(channel::FlowOk { active }),
                )
                .await
            }
            _ => {
                let reply = Reply::hard(
                    AMQPHardError::COMMANDINVALID,
                    format!("'{}' is the server's to send", method_name(&cause)),
                )
                .caused_by(&cause);
                Err(self.close(reply).await)
            }
        }
    }

    /// A broker method on an open channel, carried out by the engine. A
    /// soft refusal closes the channel, a hard one the connection.
    async fn on_method(&mut self, channel: u16, method: AMQPClass) -> Result<(), End> {
        if let AMQPClass::Basic(wire::AMQPMethod::Publish(publish)) = &method {
            if publish.immediate {
                let reply =
                    Reply::hard(AMQPHardError::NOTIMPLEMENTED, "immediate=true").caused_by(&method);
                return Err(self.close(reply).await);
            }
            self.incoming
                .insert(channel, Incoming::new(publish.clone()));
            return Ok(());
        }
        let answer = {
            let mut broker = self.broker.borrow();
            // Settlements are recorded to share a millisecond with what
            // follows; anything else first sees them run.
            if !matches!(
                method,
                AMQPClass::Basic(
                    wire::AMQPMethod::Ack(_)
                        | wire::AMQPMethod::Nack(_)
                        | wire::AMQPMethod::Reject(_)
                )
            ) {
                broker.run_recorded();
            }
            let Some(state) = self.open.get_mut(&channel) else {
                return Ok(());
            };
            let Some(client) = &self.client else {
                return Ok(());
            };
            match &method {
                AMQPClass::Exchange(exchange::AMQPMethod::Declare(d)) => {
                    Some(methods::exchange_declare(&mut broker, d))
                }
                AMQPClass::Exchange(exchange::AMQPMethod::Delete(d)) => {
                    Some(methods::exchange_delete(&mut broker, d))
                }
                AMQPClass::Queue(queue::AMQPMethod::Purge(p)) => {
                    Some(methods::queue_purge(&mut broker, state, p))
                }
                AMQPClass::Exchange(exchange::AMQPMethod::Bind(b)) => {
                    Some(methods::exchange_bind(&mut broker, state, b))
                }
                AMQPClass::Exchange(exchange::AMQPMethod::Unbind(u)) => {
                    Some(methods::exchange_unbind(&mut broker, state, u))
                }
                AMQPClass::Queue(queue::AMQPMethod::Declare(d)) => {
                    Some(methods::queue_declare(&mut broker, state, d))
                }
                AMQPClass::Queue(queue::AMQPMethod::Bind(b)) => {
                    Some(methods::queue_bind(&mut broker, state, b))
                }
                AMQPClass::Queue(queue::AMQPMethod::Unbind(u)) => {
                    Some(methods::queue_unbind(&mut broker, state, u))
                }
                AMQPClass::Queue(queue::AMQPMethod::Delete(d)) => {
                    Some(methods::queue_delete(&mut broker, state, d))
                }
                AMQPClass::Basic(wire::AMQPMethod::Qos(q)) => Some(basic::qos(state, q)),
                AMQPClass::Basic(wire::AMQPMethod::Consume(c)) => {
                    Some(basic::consume(&mut broker, client, channel, state, c))
                }
                AMQPClass::Basic(wire::AMQPMethod::Cancel(c)) => {
                    Some(basic::cancel(&mut broker, state, c))
                }
                AMQPClass::Basic(
                    wire::AMQPMethod::Ack(_)
                    | wire::AMQPMethod::Nack(_)
                    | wire::AMQPMethod::Reject(_),
                ) => Some(basic::settle_method(&mut broker, state, &method)),
                AMQPClass::Basic(wire::AMQPMethod::Get(g)) => {
                    Some(basic::get(&mut broker, client, channel, state, g))
                }
                AMQPClass::Basic(
                    wire::AMQPMethod::Recover(wire::Recover { requeue })
                    | wire::AMQPMethod::RecoverAsync(wire::RecoverAsync { requeue }),
                ) => {
                    let asynchronous =
                        matches!(method, AMQPClass::Basic(wire::AMQPMethod::RecoverAsync(_)));
                    let recovered = basic::recover(
                        &mut broker,
                        client,
                        channel,
                        state,
                        *requeue,
                        asynchronous,
                        &method,
                    );
                    Some(recovered.map(|()| None))
                }
                AMQPClass::Tx(tx::AMQPMethod::Select(_)) => Some(basic::tx_select(state, &method)),
                AMQPClass::Tx(tx::AMQPMethod::Commit(_)) => Some(basic::tx_commit(
                    &mut broker,
                    client,
                    channel,
                    state,
                    &method,
                )),
                AMQPClass::Tx(tx::AMQPMethod::Rollback(_)) => {
                    Some(basic::tx_rollback(state, &method))
                }
                AMQPClass::Confirm(confirm::AMQPMethod::Select(s)) => {
                    Some(basic::confirm_select(state, s))
                }
                _ => None,
            }
        };
        match answer {
            Some(Ok(Some(reply))) => self.send(AMQPFrame::Method(channel, reply)).await,
            Some(Ok(None)) => Ok(()),
            Some(Err(reply)) if reply.is_soft() => self.close_channel(channel, reply).await,
            Some(Err(reply)) => Err(self.close(reply).await),
            None => {
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
        }
    }

    /// A frame for a publish waiting for its content: the whole message
    /// goes to the run.
    async fn on_content(&mut self, channel: u16, frame: AMQPFrame) -> Result<(), End> {
        let Some(incoming) = self.incoming.remove(&channel) else {
            return Ok(());
        };
        let published = match incoming.take(frame) {
            Ok(Taken::More(incoming)) => {
                self.incoming.insert(channel, incoming);
                return Ok(());
            }
            Ok(Taken::Whole(published)) => published,
            Err(reply) => return Err(self.close(reply).await),
        };
        let outcome = {
            let mut broker = self.broker.borrow();
            match (self.open.get_mut(&channel), &self.client) {
                (Some(state), Some(client)) => {
                    basic::publish(&mut broker, client, channel, state, published)
                }
                _ => Ok(()),
            }
        };
        match outcome {
            Ok(()) => Ok(()),
            Err(reply) => self.close_channel(channel, reply).await,
        }
    }

    /// What the run has for the client, sent.
    async fn on_push(&mut self, push: Push) -> Result<(), End> {
        // A channel closed since is not sent to.
        if !self.open.contains_key(&push.channel()) {
            return Ok(());
        }
        let frame_max = self.reader.frame_max;
        let epoch_ms = self.broker.borrow().epoch_ms();
        let frames = match push {
            Push::Deliver {
                channel,
                consumer_tag,
                consumer,
                engine_tag,
                redelivered,
                message,
            } => {
                let Some(state) = self.open.get_mut(&channel) else {
                    return Ok(());
                };
                let Some(delivery_tag) = state.basic.deliver(consumer, engine_tag) else {
                    return Ok(());
                };
                let exchange = message.exchange.as_ref().into();
                let routing_key = message.routing_key.as_ref().into();
                let deliver = match consumer_tag {
                    Some(tag) => wire::AMQPMethod::Deliver(wire::Deliver {
                        consumer_tag: tag.as_str().into(),
                        delivery_tag,
                        redelivered,
                        exchange,
                        routing_key,
                    }),
                    None => wire::AMQPMethod::GetOk(wire::GetOk {
                        delivery_tag,
                        redelivered,
                        exchange,
                        routing_key,
                        message_count: state.basic.got(),
                    }),
                };
                let body = message
                    .content
                    .as_ref()
                    .and_then(|c| c.body_bytes())
                    .unwrap_or_default();
                let properties = properties_out(&message, epoch_ms);
                content::frames(channel, deliver, properties, &body, frame_max)
            }
            Push::Confirm { channel, seq, ack } => {
                let method = if ack {
                    wire::AMQPMethod::Ack(wire::Ack {
                        delivery_tag: seq,
                        multiple: false,
                    })
                } else {
                    wire::AMQPMethod::Nack(wire::Nack {
                        delivery_tag: seq,
                        multiple: false,
                        requeue: false,
                    })
                };
                vec![AMQPFrame::Method(channel, AMQPClass::Basic(method))]
            }
            Push::Return { channel, returned } => {
                let method = wire::AMQPMethod::Return(wire::Return {
                    reply_code: 312,
                    reply_text: "NO_ROUTE".into(),
                    exchange: returned.exchange.as_str().into(),
                    routing_key: returned.routing_key.as_str().into(),
                });
                let properties = returned.properties.clone();
                content::frames(channel, method, properties, &returned.body, frame_max)
            }
            Push::Answer { channel, method } => vec![AMQPFrame::Method(channel, method)],
            Push::Cancel {
                channel,
                consumer_tag,
            } => {
                let Some(state) = self.open.get_mut(&channel) else {
                    return Ok(());
                };
                state.basic.forget(&consumer_tag);
                let cancel = wire::AMQPMethod::Cancel(wire::Cancel {
                    consumer_tag: consumer_tag.as_str().into(),
                    nowait: true,
                });
                vec![AMQPFrame::Method(channel, AMQPClass::Basic(cancel))]
            }
        };
        for frame in frames {
            self.send(frame).await?;
        }
        Ok(())
    }

    /// A channel is gone (closed by the client or the server): its
    /// consumers stop and their deliveries go back to their queues.
    fn channel_gone(&mut self, channel: u16) {
        self.incoming.remove(&channel);
        let Some(state) = self.open.remove(&channel) else {
            return;
        };
        if let Some(client) = &self.client {
            basic::closed(&mut self.broker.borrow(), client, channel, &state);
        }
    }

    /// Closes `channel` with `reply`; it drops what comes until the
    /// client's `close-ok`.
    async fn close_channel(&mut self, channel: u16, reply: Reply) -> Result<(), End> {
        self.channel_gone(channel);
        self.closing.insert(channel);
        let close = channel::Close {
            reply_code: reply.code,
            reply_text: reply.short_text(),
            class_id: reply.class_id,
            method_id: reply.method_id,
        };
        self.send_channel(channel, channel::AMQPMethod::Close(close))
            .await
    }

    /// A frame the connection does not expect in its state: dropped in
    /// silence during the negotiation, a channel error once opening.
    async fn unexpected(&mut self, frame: AMQPFrame) -> End {
        let reply = Reply::hard(
            AMQPHardError::CHANNELERROR,
            format!("unexpected method in connection state {}", self.state),
        );
        let reply = match &frame {
            AMQPFrame::Method(_, method) => reply.caused_by(method),
            _ => reply,
        };
        match self.state {
            State::Starting | State::Tuning => self.refuse_silently(reply.text).await,
            State::Opening | State::Running => self.close(reply).await,
        }
    }

    /// Drops the connection without a word after RabbitMQ's wait.
    async fn refuse_silently(&mut self, reason: String) -> End {
        sleep(REFUSAL_WAIT).await;
        End::RefusedSilently(reason)
    }

    async fn send_close(&mut self, reply: &Reply) -> Result<(), End> {
        let close = connection::Close {
            reply_code: reply.code,
            reply_text: reply.short_text(),
            class_id: reply.class_id,
            method_id: reply.method_id,
        };
        self.send_connection(connection::AMQPMethod::Close(close))
            .await
    }

    /// Closes the connection with `reply`: `connection.close`, then the
    /// client's `close-ok` (whatever else it sends meanwhile is dropped;
    /// its own `connection.close` is answered), or the closing wait.
    async fn close(&mut self, reply: Reply) -> End {
        if let Err(end) = self.send_close(&reply).await {
            return end;
        }
        let _ = timeout(self.closing_wait, async {
            loop {
                match self.reader.next(&mut self.read).await {
                    Ok(AMQPFrame::Method(
                        0,
                        AMQPClass::Connection(connection::AMQPMethod::CloseOk(_)),
                    )) => return,
                    Ok(AMQPFrame::Method(
                        0,
                        AMQPClass::Connection(connection::AMQPMethod::Close(_)),
                    )) => {
                        let ok = connection::AMQPMethod::CloseOk(connection::CloseOk {});
                        let _ = self.send_connection(ok).await;
                    }
                    Ok(_) | Err(ReadError::UnknownFrame { .. } | ReadError::Undecodable { .. }) => {
                    }
                    Err(_) => return,
                }
            }
        })
        .await;
        End::Refused(reply)
    }
}

/// The user a PLAIN response (`\0user\0password`) names.
fn login_user(response: &LongString) -> String {
    let bytes = response.as_bytes();
    let mut parts = bytes.split(|b| *b == 0);
    let user = parts.nth(1).unwrap_or_default();
    String::from_utf8_lossy(user).into_owned()
}

/// Whether the client said it takes a refused login's close
/// (`authentication_failure_close` among its capabilities).
fn closes_on_failure(client_properties: &FieldTable) -> bool {
    let capabilities = match client_properties.inner().get("capabilities") {
        Some(AMQPValue::FieldTable(capabilities)) => capabilities,
        _ => return false,
    };
    capabilities.inner().get("authentication_failure_close") == Some(&AMQPValue::Boolean(true))
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
