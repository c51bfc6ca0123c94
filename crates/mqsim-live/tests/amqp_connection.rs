//! An AMQP connection's life against a real socket, byte for byte as a
//! client sends it: the negotiation, channels, and every way the server
//! closes a connection, with RabbitMQ's reply codes. After each bad client
//! the server still serves the next one.

use amq_protocol::frame::{AMQPContentHeader, AMQPFrame, parse_frame};
use amq_protocol::protocol::{AMQPClass, BasicProperties, basic, channel, connection, queue};
use amq_protocol::types::{AMQPValue, FieldTable};
use mqsim_live::amqp::frames::{PROTOCOL_HEADER, encode};
use mqsim_live::amqp::{AmqpServer, Settings};
use mqsim_live::broker::{Broker, Shared, blank, keep_time};
use std::net::SocketAddr;
use std::time::Duration;
use tokio::io::{AsyncReadExt, AsyncWriteExt};
use tokio::net::TcpStream;
use tokio::time::timeout;

/// A server on a free port, serving a blank live run on the wall clock;
/// its tasks run on the test's thread, inside [`local`].
async fn server() -> SocketAddr {
    server_with(Settings::default()).await
}

/// A server as [`server`], with `settings`.
async fn server_with(settings: Settings) -> SocketAddr {
    let broker = Shared::new(Broker::new(blank(), None));
    let broker_clock = broker.clone();
    let server = AmqpServer::bind("127.0.0.1:0".parse().unwrap(), settings, broker)
        .await
        .unwrap();
    let addr = server.local_addr().unwrap();
    tokio::task::spawn_local(keep_time(broker_clock));
    tokio::task::spawn_local(server.run());
    addr
}

/// Runs a test's body where the server's tasks can run: on one thread, as
/// `mqsim serve` does.
async fn local<F: std::future::Future>(body: F) -> F::Output {
    tokio::task::LocalSet::new().run_until(body).await
}

/// A client that speaks raw frames.
struct Client {
    stream: TcpStream,
    buf: Vec<u8>,
}

impl Client {
    async fn connect(addr: SocketAddr) -> Client {
        Client {
            stream: TcpStream::connect(addr).await.unwrap(),
            buf: Vec::new(),
        }
    }

    async fn send_bytes(&mut self, bytes: &[u8]) {
        self.stream.write_all(bytes).await.unwrap();
    }

    async fn send(&mut self, frame: AMQPFrame) {
        let bytes = encode(&frame).unwrap();
        self.send_bytes(&bytes).await;
    }

    /// The next frame from the server, or none once it closed the socket.
    async fn next(&mut self) -> Option<AMQPFrame> {
        loop {
            if !self.buf.is_empty() {
                match parse_frame(self.buf.as_slice()) {
                    Ok((rest, frame)) => {
                        let used = self.buf.len() - rest.len();
                        self.buf.drain(..used);
                        return Some(frame);
                    }
                    Err(e) if e.is_incomplete() => {}
                    Err(e) => panic!("the server sent a malformed frame: {e}"),
                }
            }
            let mut chunk = [0; 4096];
            let n = timeout(Duration::from_secs(5), self.stream.read(&mut chunk))
                .await
                .expect("the server answers within 5 s")
                .unwrap_or(0);
            if n == 0 {
                return None;
            }
            self.buf.extend_from_slice(&chunk[..n]);
        }
    }

    async fn expect_connection(&mut self) -> connection::AMQPMethod {
        match self.next().await {
            Some(AMQPFrame::Method(0, AMQPClass::Connection(method))) => method,
            other => panic!("expected a connection method, got {other:?}"),
        }
    }

    /// The negotiation up to `open-ok`.
    async fn open(addr: SocketAddr) -> Client {
        Client::open_with(addr, 2047).await
    }

    /// The negotiation up to `open-ok`, asking for `channel_max`.
    async fn open_with(addr: SocketAddr, channel_max: u16) -> Client {
        let mut client = Client::start(addr, "PLAIN", "guest", true).await;
        let tune = client.expect_connection().await;
        assert!(
            matches!(tune, connection::AMQPMethod::Tune(t) if t.frame_max == 131_072 && t.channel_max == 2047 && t.heartbeat == 60)
        );
        client.send(tune_ok(channel_max, 131_072)).await;
        client
            .send(connection_frame(connection::AMQPMethod::Open(
                connection::Open {
                    virtual_host: "/".into(),
                },
            )))
            .await;
        assert!(matches!(
            client.expect_connection().await,
            connection::AMQPMethod::OpenOk(_)
        ));
        client
    }

    /// The protocol header, `start`, and `start-ok` with `mechanism` and
    /// `password`, saying whether the client takes a refused login's close.
    async fn start(
        addr: SocketAddr,
        mechanism: &str,
        password: &str,
        closes_on_failure: bool,
    ) -> Client {
        let mut client = Client::connect(addr).await;
        client.send_bytes(&PROTOCOL_HEADER).await;
        let start = client.expect_connection().await;
        let connection::AMQPMethod::Start(start) = start else {
            panic!("expected connection.start, got {start:?}");
        };
        assert_eq!(start.mechanisms.to_string(), "PLAIN");
        client
            .send(connection_frame(connection::AMQPMethod::StartOk(
                connection::StartOk {
                    client_properties: capabilities(closes_on_failure),
                    mechanism: mechanism.into(),
                    response: format!("\0guest\0{password}").into(),
                    locale: "en_US".into(),
                },
            )))
            .await;
        client
    }

    /// The server drops the connection without a word, after RabbitMQ's
    /// 3 s.
    async fn expect_silence(&mut self) {
        let started = std::time::Instant::now();
        assert_eq!(self.next().await, None, "no frame, the socket closes");
        assert!(
            started.elapsed() >= Duration::from_millis(2_900),
            "after 3 s"
        );
    }

    /// Opens channel `channel`, which the server opens.
    async fn open_channel(&mut self, channel: u16) {
        self.send(channel_frame(
            channel,
            channel::AMQPMethod::Open(channel::Open {}),
        ))
        .await;
        let open_ok = channel_frame(channel, channel::AMQPMethod::OpenOk(channel::OpenOk {}));
        assert_eq!(self.next().await, Some(open_ok));
    }

    /// The server closes the connection with `code`: its close, our
    /// close-ok, then the socket closes. Returns the reply text.
    async fn expect_close(&mut self, code: u16) -> String {
        let close = self.expect_connection().await;
        let connection::AMQPMethod::Close(close) = close else {
            panic!("expected connection.close, got {close:?}");
        };
        assert_eq!(close.reply_code, code, "{}", close.reply_text);
        self.send(connection_frame(connection::AMQPMethod::CloseOk(
            connection::CloseOk {},
        )))
        .await;
        assert_eq!(self.next().await, None, "the socket closes");
        close.reply_text.to_string()
    }
}

/// The client's properties: its capabilities.
fn capabilities(closes_on_failure: bool) -> FieldTable {
    let mut capabilities = FieldTable::default();
    capabilities.insert(
        "authentication_failure_close".into(),
        AMQPValue::Boolean(closes_on_failure),
    );
    let mut properties = FieldTable::default();
    properties.insert("capabilities".into(), AMQPValue::FieldTable(capabilities));
    properties
}

fn tune_ok(channel_max: u16, frame_max: u32) -> AMQPFrame {
    connection_frame(connection::AMQPMethod::TuneOk(connection::TuneOk {
        channel_max,
        frame_max,
        heartbeat: 0,
    }))
}

fn connection_frame(method: connection::AMQPMethod) -> AMQPFrame {
    AMQPFrame::Method(0, AMQPClass::Connection(method))
}

fn channel_frame(channel: u16, method: channel::AMQPMethod) -> AMQPFrame {
    AMQPFrame::Method(channel, AMQPClass::Channel(method))
}

fn queue_frame(channel: u16, method: queue::AMQPMethod) -> AMQPFrame {
    AMQPFrame::Method(channel, AMQPClass::Queue(method))
}

fn basic_frame(channel: u16, method: basic::AMQPMethod) -> AMQPFrame {
    AMQPFrame::Method(channel, AMQPClass::Basic(method))
}

/// The server still serves a well-behaved client.
async fn still_serves(addr: SocketAddr) {
    let mut client = Client::open(addr).await;
    client
        .send(connection_frame(connection::AMQPMethod::Close(
            connection::Close::default(),
        )))
        .await;
    assert!(matches!(
        client.expect_connection().await,
        connection::AMQPMethod::CloseOk(_)
    ));
}

#[tokio::test]
async fn a_client_negotiates_opens_and_closes_channels_and_closes() {
    local(async {
        let addr = server().await;
        let mut client = Client::open(addr).await;
        for ch in [1, 2] {
            client.open_channel(ch).await;
        }
        client
            .send(channel_frame(
                1,
                channel::AMQPMethod::Flow(channel::Flow { active: true }),
            ))
            .await;
        assert_eq!(
            client.next().await,
            Some(channel_frame(
                1,
                channel::AMQPMethod::FlowOk(channel::FlowOk { active: true })
            ))
        );
        client
            .send(channel_frame(
                1,
                channel::AMQPMethod::Close(channel::Close::default()),
            ))
            .await;
        assert_eq!(
            client.next().await,
            Some(channel_frame(
                1,
                channel::AMQPMethod::CloseOk(channel::CloseOk {})
            ))
        );
        // Channel 1 may open again once closed.
        client.open_channel(1).await;
        client.send(AMQPFrame::Heartbeat).await;
        client
            .send(connection_frame(connection::AMQPMethod::Close(
                connection::Close::default(),
            )))
            .await;
        assert!(matches!(
            client.expect_connection().await,
            connection::AMQPMethod::CloseOk(_)
        ));
        // RabbitMQ does not stop a channel on request.
        let mut client = Client::open(addr).await;
        client.open_channel(1).await;
        client
            .send(channel_frame(
                1,
                channel::AMQPMethod::Flow(channel::Flow { active: false }),
            ))
            .await;
        assert_eq!(
            client.expect_close(540).await,
            "NOT_IMPLEMENTED - active=false"
        );
    })
    .await
}

#[tokio::test]
async fn another_protocol_is_answered_with_ours_and_the_socket_closes() {
    local(async {
        let addr = server().await;
        let mut client = Client::connect(addr).await;
        client.send_bytes(b"AMQP\x01\x01\x00\x0a").await;
        let mut answer = Vec::new();
        timeout(
            Duration::from_secs(5),
            client.stream.read_to_end(&mut answer),
        )
        .await
        .unwrap()
        .unwrap();
        assert_eq!(answer, PROTOCOL_HEADER);
        still_serves(addr).await;
    })
    .await
}

#[tokio::test]
async fn wrong_credentials_are_refused_with_access_refused() {
    local(async {
        let addr = server().await;
        let mut client = Client::start(addr, "PLAIN", "not-the-password", true).await;
        let text = client.expect_close(403).await;
        assert_eq!(
            text,
            "ACCESS_REFUSED - Login was refused using authentication mechanism PLAIN. For details see the broker logfile."
        );
        still_serves(addr).await;
    })
    .await
}

#[tokio::test]
async fn refusals_during_the_negotiation_are_silent_as_rabbitmqs() {
    local(async {
        let addr = server().await;
        // A client that does not say it takes a refused login's close.
        Client::start(addr, "PLAIN", "not-the-password", false)
            .await
            .expect_silence()
            .await;
        // A mechanism this server does not offer.
        Client::start(addr, "AMQPLAIN", "guest", true)
            .await
            .expect_silence()
            .await;
        // A frame_max of 0 ("no limit") is more than the server offered.
        let mut client = Client::start(addr, "PLAIN", "guest", true).await;
        client.expect_connection().await;
        client.send(tune_ok(2047, 0)).await;
        client.expect_silence().await;
        still_serves(addr).await;
    })
    .await
}

#[tokio::test]
async fn an_unknown_virtual_host_is_not_allowed() {
    local(async {
        let addr = server().await;
        let mut client = Client::start(addr, "PLAIN", "guest", true).await;
        client.expect_connection().await;
        client.send(tune_ok(2047, 131_072)).await;
        client
            .send(connection_frame(connection::AMQPMethod::Open(
                connection::Open {
                    virtual_host: "staging".into(),
                },
            )))
            .await;
        assert_eq!(
            client.expect_close(530).await,
            "NOT_ALLOWED - vhost staging not found"
        );
    })
    .await
}

#[tokio::test]
async fn a_frame_larger_than_frame_max_is_a_frame_error() {
    local(async {
        let addr = server().await;
        let mut client = Client::open(addr).await;
        // A method frame on channel 1 that says its payload is 1 MB.
        client.send_bytes(&[1, 0, 1, 0, 0x10, 0, 0]).await;
        let text = client.expect_close(501).await;
        assert_eq!(
            text,
            "FRAME_ERROR - type 1, all octets = <<>>: {frame_too_large,1048576,131064}"
        );
        still_serves(addr).await;
    })
    .await
}

#[tokio::test]
async fn garbage_after_the_header_is_a_frame_error() {
    local(async {
        let addr = server().await;
        let mut client = Client::open(addr).await;
        client
            .send_bytes(&[9, 0, 0, 0, 0, 0, 2, b'h', b'i', 206])
            .await;
        let text = client.expect_close(501).await;
        assert_eq!(
            text,
            "FRAME_ERROR - type 9, all octets = <<\"hi\">>: unknown_frame"
        );
        still_serves(addr).await;
    })
    .await
}

#[tokio::test]
async fn channel_misuse_is_a_channel_error() {
    local(async {
        let addr = server().await;
        // A method on a channel never opened.
        let mut client = Client::open(addr).await;
        client
            .send(queue_frame(
                3,
                queue::AMQPMethod::Declare(queue::Declare::default()),
            ))
            .await;
        assert_eq!(
            client.expect_close(504).await,
            "CHANNEL_ERROR - expected 'channel.open'"
        );
        // A second channel.open on an open channel.
        let mut client = Client::open(addr).await;
        for _ in 0..2 {
            client
                .send(channel_frame(
                    1,
                    channel::AMQPMethod::Open(channel::Open {}),
                ))
                .await;
        }
        client.next().await;
        assert_eq!(
            client.expect_close(504).await,
            "CHANNEL_ERROR - second 'channel.open' seen"
        );
        // A channel's method on channel 0.
        let mut client = Client::open(addr).await;
        client
            .send(channel_frame(
                0,
                channel::AMQPMethod::Open(channel::Open {}),
            ))
            .await;
        let text = client.expect_close(504).await;
        assert_eq!(
            text,
            "CHANNEL_ERROR - unexpected method in connection state running"
        );
        // More channels than the negotiated channel_max.
        let mut client = Client::open_with(addr, 1).await;
        client.open_channel(7).await;
        client
            .send(channel_frame(
                8,
                channel::AMQPMethod::Open(channel::Open {}),
            ))
            .await;
        let text = client.expect_close(530).await;
        assert_eq!(
            text,
            "NOT_ALLOWED - number of channels opened (1) has reached the negotiated channel_max (1)"
        );
        still_serves(addr).await;
    })
    .await
}

#[tokio::test]
async fn a_client_that_never_finishes_the_negotiation_does_not_stop_others() {
    local(async {
        let addr = server().await;
        // Half a protocol header, then silence.
        let mut stalled = Client::connect(addr).await;
        stalled.send_bytes(b"AMQ").await;
        still_serves(addr).await;
    })
    .await
}

/// 200 clients at once, each negotiating, opening a channel and closing:
/// all are served, within a bound. (The server serves every connection in
/// a task of its own on one thread.)
#[tokio::test]
async fn two_hundred_concurrent_connections_are_all_served() {
    local(async {
        let addr = server().await;
        let started = std::time::Instant::now();
        let clients: Vec<_> = (0..200)
            .map(|_| {
                tokio::spawn(async move {
                    let mut client = Client::open(addr).await;
                    client.open_channel(1).await;
                    client
                })
            })
            .collect();
        let mut open = Vec::new();
        for client in clients {
            open.push(client.await.expect("a client is served"));
        }
        // All 200 are open at once; then each closes.
        for mut client in open {
            client
                .send(connection_frame(connection::AMQPMethod::Close(
                    connection::Close::default(),
                )))
                .await;
            assert!(matches!(
                client.expect_connection().await,
                connection::AMQPMethod::CloseOk(_)
            ));
        }
        assert!(
            started.elapsed() < Duration::from_secs(10),
            "took {:?}",
            started.elapsed()
        );
    })
    .await
}

fn publish_frame(channel: u16, routing_key: &str, immediate: bool) -> AMQPFrame {
    basic_frame(
        channel,
        basic::AMQPMethod::Publish(basic::Publish {
            exchange: "".into(),
            routing_key: routing_key.into(),
            mandatory: false,
            immediate,
        }),
    )
}

fn header_frame(channel: u16, body_size: u64) -> AMQPFrame {
    AMQPFrame::Header(
        channel,
        AMQPContentHeader {
            class_id: 60,
            body_size,
            properties: BasicProperties::default().with_content_type("text/plain".into()),
        },
    )
}

/// `rabbit_command_assembler.erl`: content where a method belongs, a
/// method where content belongs, a body beyond the size announced, each
/// closes the connection; `immediate` is not implemented (RabbitMQ 3 and
/// later).
#[tokio::test]
async fn a_publish_whose_content_is_out_of_order_closes_the_connection() {
    local(async {
        let addr = server().await;
        let cases: [(Vec<AMQPFrame>, u16, &str); 4] = [
            (
                vec![header_frame(1, 1)],
                505,
                "UNEXPECTED_FRAME - expected method frame, got non method frame instead",
            ),
            (
                vec![
                    publish_frame(1, "q", false),
                    AMQPFrame::Body(1, b"x".to_vec()),
                ],
                505,
                "UNEXPECTED_FRAME - expected content header for class 60, got non content header frame instead",
            ),
            (
                vec![
                    publish_frame(1, "q", false),
                    header_frame(1, 1),
                    AMQPFrame::Body(1, b"xy".to_vec()),
                ],
                501,
                "FRAME_ERROR - content body frame exceeds remaining content size",
            ),
            (
                vec![publish_frame(1, "q", true)],
                540,
                "NOT_IMPLEMENTED - immediate=true",
            ),
        ];
        for (frames, code, text) in cases {
            let mut client = Client::open(addr).await;
            client.open_channel(1).await;
            for frame in frames {
                client.send(frame).await;
            }
            assert_eq!(client.expect_close(code).await, text);
        }
        still_serves(addr).await;
    })
    .await
}

/// A message published in three frames (method, header, body) reaches a
/// consumer as three frames, with its properties, once the run hands it
/// over; an acknowledgement of a tag the channel never gave closes the
/// channel with 406.
#[tokio::test]
async fn a_message_goes_from_a_publish_to_a_delivery() {
    local(async {
        let addr = server().await;
        let mut client = Client::open(addr).await;
        client.open_channel(1).await;
        client
            .send(queue_frame(1, queue::AMQPMethod::Declare(queue::Declare {
                    queue: "q".into(),
                    ..Default::default()
                })))
            .await;
        assert!(matches!(
            client.next().await,
            Some(AMQPFrame::Method(1, AMQPClass::Queue(queue::AMQPMethod::DeclareOk(_))))
        ));
        client.send(publish_frame(1, "q", false)).await;
        client.send(header_frame(1, 5)).await;
        client.send(AMQPFrame::Body(1, b"he".to_vec())).await;
        client.send(AMQPFrame::Body(1, b"llo".to_vec())).await;
        client
            .send(basic_frame(1, basic::AMQPMethod::Consume(basic::Consume {
                    queue: "q".into(),
                    consumer_tag: "c".into(),
                    no_ack: false,
                    ..Default::default()
                })))
            .await;
        assert!(matches!(
            client.next().await,
            Some(AMQPFrame::Method(1, AMQPClass::Basic(basic::AMQPMethod::ConsumeOk(ok)))) if ok.consumer_tag.as_str() == "c"
        ));
        let Some(AMQPFrame::Method(1, AMQPClass::Basic(basic::AMQPMethod::Deliver(deliver)))) =
            client.next().await
        else {
            panic!("expected basic.deliver");
        };
        assert_eq!(
            (deliver.delivery_tag, deliver.routing_key.as_str()),
            (1, "q")
        );
        let Some(AMQPFrame::Header(1, header)) = client.next().await else {
            panic!("expected the content header");
        };
        assert_eq!(header.body_size, 5);
        assert_eq!(
            header.properties.content_type().as_ref().map(|t| t.as_str()),
            Some("text/plain")
        );
        assert_eq!(client.next().await, Some(AMQPFrame::Body(1, b"hello".to_vec())));
        client
            .send(basic_frame(1, basic::AMQPMethod::Ack(basic::Ack {
                    delivery_tag: 2,
                    multiple: false,
                })))
            .await;
        let Some(AMQPFrame::Method(1, AMQPClass::Channel(channel::AMQPMethod::Close(close)))) =
            client.next().await
        else {
            panic!("expected channel.close");
        };
        assert_eq!(close.reply_code, 406);
        assert_eq!(
            close.reply_text.as_str(),
            "PRECONDITION_FAILED - unknown delivery tag 2"
        );
        assert_eq!((close.class_id, close.method_id), (60, 80));
    })
    .await
}

/// A client that stops reading while the broker pushes to it is dropped
/// once a write has waited longer than the send timeout (RabbitMQ's
/// `send_timeout`, 15 s; 1 s here), so that what the server holds for it
/// stays bounded; other clients carry on.
#[tokio::test]
async fn a_client_that_stops_reading_is_dropped() {
    local(async {
        let settings = Settings {
            send_timeout: Duration::from_secs(1),
            ..Settings::default()
        };
        let addr = server_with(settings).await;
        let mut client = Client::open(addr).await;
        client.open_channel(1).await;
        client
            .send(queue_frame(
                1,
                queue::AMQPMethod::Declare(queue::Declare {
                    queue: "q".into(),
                    nowait: true,
                    ..Default::default()
                }),
            ))
            .await;
        // 16 MB: more than the sockets' buffers hold.
        let body = vec![b'x'; 64_000];
        for _ in 0..250 {
            client.send(publish_frame(1, "q", false)).await;
            client.send(header_frame(1, body.len() as u64)).await;
            client.send(AMQPFrame::Body(1, body.clone())).await;
        }
        client
            .send(basic_frame(
                1,
                basic::AMQPMethod::Consume(basic::Consume {
                    queue: "q".into(),
                    consumer_tag: "c".into(),
                    no_ack: true,
                    nowait: true,
                    ..Default::default()
                }),
            ))
            .await;
        // Not reading for a while: the server's writes wait, then it gives up.
        tokio::time::sleep(Duration::from_secs(4)).await;
        let mut deliveries = 0;
        while let Some(frame) = client.next().await {
            if matches!(
                frame,
                AMQPFrame::Method(_, AMQPClass::Basic(basic::AMQPMethod::Deliver(_)))
            ) {
                deliveries += 1;
            }
        }
        assert!(
            deliveries < 250,
            "the socket closed before all {deliveries} deliveries were read"
        );
        still_serves(addr).await;
    })
    .await
}
