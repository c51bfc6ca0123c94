//! What a message carries besides its routing: its *properties* and its
//! *body*.
//!
//! On the wire an AMQP 0-9-1 message is three things: the `basic.publish`
//! method (exchange, routing key, `mandatory`), a content header (the
//! body's size and the `basic` class's properties) and the body, cut into
//! frames. The broker routes on the exchange and routing key, and a
//! headers exchange on the `headers` property (kept apart, in
//! [`Message::headers`](super::message::Message)). The other properties
//! and the body it carries to the consumer as they came, with one it acts
//! on itself: `expiration`, the message's own time to live, which RabbitMQ
//! applies beside the queue's `x-message-ttl` (the earlier wins) and takes
//! off a message it dead-letters, so that it does not expire again
//! wherever it goes next.
//!
//! A scenario writes a body as text (`body`), or, when it is not UTF-8,
//! as standard base64 (`body_base64`).
//!
//! Sources: the AMQP 0-9-1 specification's `basic` class for the
//! properties; RabbitMQ's "Time-To-Live and Expiration" guide for
//! `expiration` (the lower of the two TTLs, expiry at the head), and
//! `rabbit_dead_letter.erl` for dropping it on dead-lettering and keeping
//! it in `x-death` as `original-expiration`.

use super::headers::{FieldTable, FieldValue};
use base64::Engine;
use base64::engine::general_purpose::STANDARD;
use std::borrow::Cow;

/// A message's properties and body, as published.
#[derive(Clone, Debug, Default, PartialEq)]
pub struct Content {
    /// The body as text.
    pub body: Option<String>,
    /// The body as standard base64, for bytes that are not UTF-8 text.
    pub body_base64: Option<String>,
    pub properties: Properties,
}

impl Content {
    pub fn is_empty(&self) -> bool {
        *self == Content::default()
    }

    /// The body's bytes ([`body`]).
    pub fn body_bytes(&self) -> Option<Vec<u8>> {
        body(self.body.as_deref(), self.body_base64.as_deref()).map(Cow::into_owned)
    }

    /// The content with `body` as its body: text if it is UTF-8, base64
    /// otherwise.
    pub fn with_body(self, body: Vec<u8>) -> Content {
        let (body, body_base64) = match String::from_utf8(body) {
            Ok(text) if text.is_empty() => (None, None),
            Ok(text) => (Some(text), None),
            Err(bytes) => (None, Some(STANDARD.encode(bytes.as_bytes()))),
        };
        Content {
            body,
            body_base64,
            ..self
        }
    }

    /// The `expiration` property, if set.
    pub fn expiration(&self) -> Option<&str> {
        expiration(&self.properties)
    }

    /// The message's own time to live, from `expiration`, if it has one
    /// that is a number.
    pub fn ttl_ms(&self) -> Option<u64> {
        ttl_ms(&self.properties)
    }

    /// The content as a dead-lettered copy carries it: without
    /// `expiration`.
    pub fn without_expiration(&self) -> Content {
        let mut content = self.clone();
        content.properties.remove("expiration");
        content
    }
}

/// The `basic` class's properties (AMQP 0-9-1, `basic.properties`) other
/// than `headers`, by their names: `content_type`, `content_encoding`,
/// `delivery_mode` (1 transient, 2 persistent), `priority`,
/// `correlation_id`, `reply_to`, `expiration`, `message_id`, `timestamp`
/// (seconds since 1970), `type`, `user_id` and `app_id`. Numbers are
/// whole numbers, the rest strings. The broker passes all of them on; it
/// reads only `expiration` (and, on publishing, checks `user_id`).
pub type Properties = FieldTable;

/// The bytes of a body written as text (`body`, borrowed) or as base64
/// (`body_base64`, decoded; `None` if it is not valid base64).
pub fn body<'a>(body: Option<&'a str>, body_base64: Option<&str>) -> Option<Cow<'a, [u8]>> {
    match (body, body_base64) {
        (_, Some(encoded)) => STANDARD.decode(encoded).ok().map(Cow::Owned),
        (text, None) => Some(Cow::Borrowed(text.unwrap_or_default().as_bytes())),
    }
}

/// The `expiration` property of `properties`, if set.
pub fn expiration(properties: &Properties) -> Option<&str> {
    match properties.get("expiration") {
        Some(FieldValue::Str(text)) => Some(text),
        _ => None,
    }
}

/// The time to live `properties` give a message, if their `expiration`
/// is a number.
pub fn ttl_ms(properties: &Properties) -> Option<u64> {
    expiration(properties)?.parse().ok()
}

/// Each property's name, and whether its value is a number (else text).
pub const PROPERTIES: [(&str, bool); 12] = [
    ("content_type", false),
    ("content_encoding", false),
    ("delivery_mode", true),
    ("priority", true),
    ("correlation_id", false),
    ("reply_to", false),
    ("expiration", false),
    ("message_id", false),
    ("timestamp", true),
    ("type", false),
    ("user_id", false),
    ("app_id", false),
];

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_body_is_text_when_it_can_be_and_base64_when_not() {
        let text = Content::default().with_body(b"hello".to_vec());
        assert_eq!(text.body.as_deref(), Some("hello"));
        assert_eq!(text.body_bytes(), Some(b"hello".to_vec()));
        let bytes = Content::default().with_body(vec![0xff, 0x00, 0x41]);
        assert_eq!(bytes.body_base64.as_deref(), Some("/wBB"));
        assert_eq!(bytes.body_bytes(), Some(vec![0xff, 0x00, 0x41]));
        assert!(Content::default().with_body(Vec::new()).is_empty());
    }

    #[test]
    fn expiration_is_a_number_of_milliseconds_and_goes_when_dead_lettered() {
        let mut content = Content::default();
        let expiration = FieldValue::Str("1500".into());
        content.properties.insert("expiration".into(), expiration);
        assert_eq!(content.ttl_ms(), Some(1500));
        assert_eq!(content.without_expiration().ttl_ms(), None);
    }
}
