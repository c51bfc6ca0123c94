//! Messages on the wire: a content-bearing method (`basic.publish`,
//! `basic.deliver`, `basic.return`), then a content header (class 60, the
//! body's size and the properties), then the body cut into frames no
//! larger than the connection's `frame_max`.
//!
//! [`Incoming`] puts a publish back together as RabbitMQ's command
//! assembler does (`rabbit_command_assembler.erl`), with its refusals: a
//! content frame where a method belongs, a method where content belongs,
//! a header of another class, a body frame beyond the size announced.
//! The rest converts between the wire's properties and field tables and
//! the engine's.

use super::reply::Reply;
use amq_protocol::frame::{AMQPContentHeader, AMQPFrame};
use amq_protocol::protocol::{AMQPClass, AMQPHardError, BasicProperties, basic};
use amq_protocol::types::{
    AMQPValue, FieldArray, FieldTable as AmqpTable, LongString, ShortString,
};
use mqsim::rabbit::content::Properties;
use mqsim::rabbit::headers::{FieldTable, FieldValue, Table};
use mqsim::rabbit::message::Message;
use mqsim::scenario::limits::MAX_BODY_BYTES;
use mqsim::trace::DeathReason;

/// The `basic` class.
const BASIC: u16 = 60;
/// `basic.publish`'s method id.
const PUBLISH: u16 = 40;

/// A `basic.publish` waiting for its content.
#[derive(Debug)]
pub struct Incoming {
    pub publish: basic::Publish,
    /// The size and properties, once the content header came.
    header: Option<(u64, BasicProperties)>,
    /// The body so far (only as much as a message may hold).
    body: Vec<u8>,
    received: u64,
}

/// A publish with all its content.
#[derive(Debug)]
pub struct Published {
    pub publish: basic::Publish,
    pub properties: BasicProperties,
    pub body: Vec<u8>,
    /// The body's size as sent, which may be more than was kept.
    pub size: u64,
}

impl Incoming {
    pub fn new(publish: basic::Publish) -> Incoming {
        Incoming {
            publish,
            header: None,
            body: Vec::new(),
            received: 0,
        }
    }

    /// Takes the next frame of the content: the whole message once its
    /// last byte is in.
    pub fn take(mut self, frame: AMQPFrame) -> Result<Taken, Reply> {
        let refuse = |detail: &str| {
            Err(Reply::hard(AMQPHardError::UNEXPECTEDFRAME, detail).caused_by_ids(BASIC, PUBLISH))
        };
        match (frame, &self.header) {
            (AMQPFrame::Header(_, header), None) => {
                let AMQPContentHeader {
                    class_id,
                    body_size,
                    properties,
                } = header;
                if class_id != BASIC {
                    return refuse(&format!(
                        "expected content header for class 60, got one for class {class_id} instead"
                    ));
                }
                self.header = Some((body_size, properties));
            }
            (AMQPFrame::Body(_, bytes), Some((size, _))) => {
                let left = size - self.received;
                if bytes.len() as u64 > left {
                    return Err(Reply::hard(
                        AMQPHardError::FRAMEERROR,
                        "content body frame exceeds remaining content size",
                    )
                    .caused_by_ids(BASIC, PUBLISH));
                }
                self.received += bytes.len() as u64;
                let room = MAX_BODY_BYTES.saturating_sub(self.body.len());
                self.body.extend_from_slice(&bytes[..bytes.len().min(room)]);
            }
            (_, None) => {
                return refuse(
                    "expected content header for class 60, got non content header frame instead",
                );
            }
            (_, Some(_)) => {
                return refuse("expected content body, got non content body frame instead");
            }
        }
        Ok(match self.header {
            Some((size, properties)) if self.received == size => Taken::Whole(Published {
                publish: self.publish,
                properties,
                body: self.body,
                size,
            }),
            _ => Taken::More(self),
        })
    }
}

/// What a content frame left.
#[derive(Debug)]
pub enum Taken {
    More(Incoming),
    Whole(Published),
}

/// The frames of a message sent to a client on `channel`: `method`, its
/// content header, and the body in frames of at most `frame_max` bytes.
pub fn frames(
    channel: u16,
    method: basic::AMQPMethod,
    properties: BasicProperties,
    body: &[u8],
    frame_max: u32,
) -> Vec<AMQPFrame> {
    let mut frames = vec![
        AMQPFrame::Method(channel, AMQPClass::Basic(method)),
        AMQPFrame::Header(
            channel,
            AMQPContentHeader {
                class_id: BASIC,
                body_size: body.len() as u64,
                properties,
            },
        ),
    ];
    let most = (frame_max as usize).saturating_sub(super::frames::FRAME_OVERHEAD);
    frames.extend(
        body.chunks(most.max(1))
            .map(|chunk| AMQPFrame::Body(channel, chunk.to_vec())),
    );
    frames
}

/// A client's properties as the engine keeps them: the `headers`, and the
/// others by name.
pub fn properties_in(properties: &BasicProperties) -> (FieldTable, Properties) {
    let headers = properties.headers().as_ref().map(table).unwrap_or_default();
    let mut named = Properties::new();
    let mut text = |name: &str, value: &Option<ShortString>| {
        if let Some(value) = value {
            named.insert(name.to_string(), FieldValue::Str(value.to_string()));
        }
    };
    text("content_type", properties.content_type());
    text("content_encoding", properties.content_encoding());
    text("correlation_id", properties.correlation_id());
    text("reply_to", properties.reply_to());
    text("expiration", properties.expiration());
    text("message_id", properties.message_id());
    text("type", properties.kind());
    text("user_id", properties.user_id());
    text("app_id", properties.app_id());
    let mut number = |name: &str, value: Option<i64>| {
        if let Some(value) = value {
            named.insert(name.to_string(), FieldValue::Int(value));
        }
    };
    number("delivery_mode", properties.delivery_mode().map(i64::from));
    number("priority", properties.priority().map(i64::from));
    number("timestamp", properties.timestamp().map(|t| t as i64));
    (headers, named)
}

/// A message's properties as a client receives it, its headers with the
/// `x-death` history RabbitMQ writes (times in seconds since 1970: the
/// run's start is `epoch_ms`).
pub fn properties_out(message: &Message, epoch_ms: u64) -> BasicProperties {
    let mut headers = amqp_table(&message.headers);
    let text = |s: &str| AMQPValue::LongString(LongString::from(s));
    if !message.deaths.is_empty() {
        let deaths: Vec<AMQPValue> = message
            .deaths
            .iter()
            .map(|death| {
                let mut entry = AmqpTable::default();
                let keys: Vec<AMQPValue> = death.routing_keys.iter().map(|k| text(k)).collect();
                entry
                    .insert("count".into(), AMQPValue::LongLongInt(death.count.into()))
                    .insert("reason".into(), text(reason(death.reason)))
                    .insert("queue".into(), text(&death.queue))
                    .insert(
                        "time".into(),
                        AMQPValue::Timestamp((epoch_ms + death.time.as_millis()) / 1000),
                    )
                    .insert("exchange".into(), text(&death.exchange))
                    .insert(
                        "routing-keys".into(),
                        AMQPValue::FieldArray(FieldArray::from(keys)),
                    );
                if let Some(expiration) = &death.original_expiration {
                    entry.insert("original-expiration".into(), text(expiration));
                }
                AMQPValue::FieldTable(entry)
            })
            .collect();
        headers.insert("x-death".into(), AMQPValue::FieldArray(deaths.into()));
        if let Some((queue, why, exchange)) = &message.first_death {
            headers
                .insert("x-first-death-queue".into(), text(queue))
                .insert("x-first-death-reason".into(), text(reason(*why)))
                .insert("x-first-death-exchange".into(), text(exchange));
        }
        let last = &message.deaths[0];
        headers
            .insert("x-last-death-queue".into(), text(&last.queue))
            .insert("x-last-death-reason".into(), text(reason(last.reason)))
            .insert("x-last-death-exchange".into(), text(&last.exchange));
    }
    let mut out = BasicProperties::default();
    if !headers.inner().is_empty() {
        out = out.with_headers(headers);
    }
    let Some(content) = &message.content else {
        return out;
    };
    for (name, value) in &content.properties {
        let text = || match value {
            FieldValue::Str(s) => ShortString::from(s.as_str()),
            other => ShortString::from(other.to_string()),
        };
        let number = || match value {
            FieldValue::Int(n) => *n,
            _ => 0,
        };
        out = match name.as_str() {
            "content_type" => out.with_content_type(text()),
            "content_encoding" => out.with_content_encoding(text()),
            "correlation_id" => out.with_correlation_id(text()),
            "reply_to" => out.with_reply_to(text()),
            "expiration" => out.with_expiration(text()),
            "message_id" => out.with_message_id(text()),
            "type" => out.with_type(text()),
            "user_id" => out.with_user_id(text()),
            "app_id" => out.with_app_id(text()),
            "delivery_mode" => out.with_delivery_mode(number() as u8),
            "priority" => out.with_priority(number() as u8),
            "timestamp" => out.with_timestamp(number() as u64),
            _ => out,
        };
    }
    out
}

/// RabbitMQ's name for why a message died.
fn reason(reason: DeathReason) -> &'static str {
    match reason {
        DeathReason::Rejected => "rejected",
        DeathReason::Expired => "expired",
        DeathReason::Maxlen => "maxlen",
        DeathReason::DeliveryLimit => "delivery_limit",
    }
}

/// An AMQP field table as the engine's.
pub fn table(amqp: &AmqpTable) -> FieldTable {
    amqp.inner()
        .iter()
        .map(|(k, v)| (k.to_string(), value(v)))
        .collect()
}

fn value(v: &AMQPValue) -> FieldValue {
    match v {
        AMQPValue::Boolean(b) => FieldValue::Bool(*b),
        AMQPValue::ShortShortInt(n) => FieldValue::Int(i64::from(*n)),
        AMQPValue::ShortShortUInt(n) => FieldValue::Int(i64::from(*n)),
        AMQPValue::ShortInt(n) => FieldValue::Int(i64::from(*n)),
        AMQPValue::ShortUInt(n) => FieldValue::Int(i64::from(*n)),
        AMQPValue::LongInt(n) => FieldValue::Int(i64::from(*n)),
        AMQPValue::LongUInt(n) => FieldValue::Int(i64::from(*n)),
        AMQPValue::LongLongInt(n) => FieldValue::Int(*n),
        AMQPValue::Timestamp(n) => FieldValue::Int(*n as i64),
        AMQPValue::Float(x) => FieldValue::Float(f64::from(*x)),
        AMQPValue::Double(x) => FieldValue::Float(*x),
        AMQPValue::DecimalValue(d) => {
            FieldValue::Float(f64::from(d.value) / 10f64.powi(i32::from(d.scale)))
        }
        AMQPValue::ShortString(s) => FieldValue::Str(s.to_string()),
        AMQPValue::LongString(s) => {
            FieldValue::Str(String::from_utf8_lossy(s.as_bytes()).into_owned())
        }
        AMQPValue::ByteArray(b) => {
            FieldValue::Str(String::from_utf8_lossy(b.as_slice()).into_owned())
        }
        AMQPValue::FieldArray(a) => FieldValue::Array(a.as_slice().iter().map(value).collect()),
        AMQPValue::FieldTable(t) => FieldValue::Table(Table(
            t.inner()
                .iter()
                .map(|(k, v)| (k.to_string(), value(v)))
                .collect(),
        )),
        AMQPValue::Void => FieldValue::Void(()),
    }
}

/// The engine's field table as AMQP's: whole numbers as `long` (64 bits),
/// as RabbitMQ writes them, and text as long strings.
pub fn amqp_table(table: &FieldTable) -> AmqpTable {
    let mut amqp = AmqpTable::default();
    for (name, v) in table {
        amqp.insert(name.as_str().into(), amqp_value(v));
    }
    amqp
}

fn amqp_value(v: &FieldValue) -> AMQPValue {
    match v {
        FieldValue::Void(()) => AMQPValue::Void,
        FieldValue::Bool(b) => AMQPValue::Boolean(*b),
        FieldValue::Int(n) => AMQPValue::LongLongInt(*n),
        FieldValue::Float(x) => AMQPValue::Double(*x),
        FieldValue::Str(s) => AMQPValue::LongString(LongString::from(s.as_str())),
        FieldValue::Array(values) => {
            AMQPValue::FieldArray(values.iter().map(amqp_value).collect::<Vec<_>>().into())
        }
        FieldValue::Table(Table(entries)) => {
            let mut nested = AmqpTable::default();
            for (name, v) in entries {
                nested.insert(name.as_str().into(), amqp_value(v));
            }
            AMQPValue::FieldTable(nested)
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn publish() -> basic::Publish {
        basic::Publish {
            exchange: "x".into(),
            routing_key: "k".into(),
            mandatory: false,
            immediate: false,
        }
    }

    fn header(class_id: u16, body_size: u64) -> AMQPFrame {
        AMQPFrame::Header(
            1,
            AMQPContentHeader {
                class_id,
                body_size,
                properties: BasicProperties::default(),
            },
        )
    }

    fn whole(taken: Result<Taken, Reply>) -> Published {
        match taken {
            Ok(Taken::Whole(published)) => published,
            other => panic!("not whole: {other:?}"),
        }
    }

    fn more(taken: Result<Taken, Reply>) -> Incoming {
        match taken {
            Ok(Taken::More(incoming)) => incoming,
            other => panic!("whole or refused: {other:?}"),
        }
    }

    #[test]
    fn a_publish_is_whole_after_its_header_and_bodies() {
        let incoming = more(Incoming::new(publish()).take(header(60, 5)));
        let incoming = more(incoming.take(AMQPFrame::Body(1, b"hel".to_vec())));
        let published = whole(incoming.take(AMQPFrame::Body(1, b"lo".to_vec())));
        assert_eq!(published.body, b"hello");
        let empty = whole(Incoming::new(publish()).take(header(60, 0)));
        assert!(empty.body.is_empty());
    }

    /// `rabbit_command_assembler.erl`'s refusals, each naming
    /// `basic.publish` (60/40).
    #[test]
    fn content_out_of_order_is_refused_as_rabbitmq_refuses_it() {
        let refused = |taken: Result<Taken, Reply>| match taken {
            Err(reply) => (reply.code, reply.text, reply.class_id, reply.method_id),
            Ok(other) => panic!("taken: {other:?}"),
        };
        let body = AMQPFrame::Body(1, b"x".to_vec());
        assert_eq!(
            refused(Incoming::new(publish()).take(body.clone())),
            (
                505,
                "UNEXPECTED_FRAME - expected content header for class 60, got non content header frame instead".into(),
                60,
                40
            )
        );
        assert_eq!(
            refused(Incoming::new(publish()).take(header(50, 1))).1,
            "UNEXPECTED_FRAME - expected content header for class 60, got one for class 50 instead"
        );
        let waiting = more(Incoming::new(publish()).take(header(60, 1)));
        assert_eq!(
            refused(waiting.take(header(60, 1))).1,
            "UNEXPECTED_FRAME - expected content body, got non content body frame instead"
        );
        let waiting = more(Incoming::new(publish()).take(header(60, 1)));
        assert_eq!(
            refused(waiting.take(AMQPFrame::Body(1, b"xy".to_vec()))),
            (
                501,
                "FRAME_ERROR - content body frame exceeds remaining content size".into(),
                60,
                40
            )
        );
    }

    #[test]
    fn a_body_is_cut_into_frames_no_larger_than_frame_max() {
        let method = basic::AMQPMethod::Publish(publish());
        let body = vec![7u8; 20_000];
        let frames = frames(1, method, BasicProperties::default(), &body, 8192);
        let sizes: Vec<usize> = frames
            .iter()
            .filter_map(|f| match f {
                AMQPFrame::Body(_, b) => Some(b.len()),
                _ => None,
            })
            .collect();
        assert_eq!(sizes, [8184, 8184, 3632]);
    }

    #[test]
    fn properties_go_in_and_out_unchanged() {
        let mut headers = AmqpTable::default();
        headers.insert("n".into(), AMQPValue::LongLongInt(3));
        let sent = BasicProperties::default()
            .with_content_type("application/json".into())
            .with_delivery_mode(2)
            .with_correlation_id("c-1".into())
            .with_timestamp(1_700_000_000)
            .with_type("order".into())
            .with_headers(headers);
        let (headers, named) = properties_in(&sent);
        let message = Message {
            id: mqsim::ids::MessageId(0),
            exchange: "x".into(),
            routing_key: "k".into(),
            headers,
            deaths: Vec::new(),
            first_death: None,
            content: Some(std::rc::Rc::new(mqsim::rabbit::content::Content {
                body: None,
                body_base64: None,
                properties: named,
            })),
        };
        assert_eq!(properties_out(&message, 0), sent);
    }
}
