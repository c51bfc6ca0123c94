//! How the broker says what went wrong: a reply code and a text, in a
//! `channel.close` or a `connection.close`. A *soft* error (404 NOT_FOUND,
//! 406 PRECONDITION_FAILED…) ends only the channel it happened on; a *hard*
//! one (501 FRAME_ERROR, 504 CHANNEL_ERROR…) ends the whole connection. The
//! close also names the method that caused it (its class and method ids),
//! and RabbitMQ writes its texts as `NAME - what happened`.

use amq_protocol::protocol::{AMQPClass, AMQPHardError, AMQPSoftError};
use amq_protocol::types::ShortString;

/// A reply to put in a close.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Reply {
    pub code: u16,
    pub text: String,
    /// The method that caused it, if one did: class and method ids.
    pub class_id: u16,
    pub method_id: u16,
}

impl Reply {
    /// A connection error: `NAME - detail`.
    pub fn hard(error: AMQPHardError, detail: impl std::fmt::Display) -> Reply {
        Reply::new(error.get_id(), &error.to_string(), detail)
    }

    /// A channel error: `NAME - detail`.
    pub fn soft(error: AMQPSoftError, detail: impl std::fmt::Display) -> Reply {
        Reply::new(error.get_id(), &error.to_string(), detail)
    }

    fn new(code: u16, name: &str, detail: impl std::fmt::Display) -> Reply {
        // amq-protocol spells the names with hyphens, RabbitMQ with
        // underscores: NOT_FOUND.
        Reply {
            code,
            text: format!("{} - {detail}", name.replace('-', "_")),
            class_id: 0,
            method_id: 0,
        }
    }

    /// 541 with nothing more: what RabbitMQ says when something it did not
    /// foresee went wrong.
    pub fn internal_error() -> Reply {
        Reply {
            code: 541,
            text: "INTERNAL_ERROR".into(),
            class_id: 0,
            method_id: 0,
        }
    }

    /// The same reply, naming the method of class `class_id` and method
    /// `method_id` as its cause.
    pub fn caused_by_ids(self, class_id: u16, method_id: u16) -> Reply {
        Reply {
            class_id,
            method_id,
            ..self
        }
    }

    /// The same reply, naming `method` as its cause.
    pub fn caused_by(self, method: &AMQPClass) -> Reply {
        Reply {
            class_id: method.get_amqp_class_id(),
            method_id: method.get_amqp_method_id(),
            ..self
        }
    }

    /// Whether it ends only the channel (311 to 313, 403 to 406).
    pub fn is_soft(&self) -> bool {
        AMQPSoftError::from_id(self.code).is_some()
    }

    /// The text as a short string: at most 255 bytes, cut at a character.
    pub fn short_text(&self) -> ShortString {
        let mut end = self.text.len().min(255);
        while !self.text.is_char_boundary(end) {
            end -= 1;
        }
        ShortString::from(&self.text[..end])
    }
}

/// A frame's payload as RabbitMQ's frame errors print it, with Erlang's
/// `~tp`: `all octets = <<"hello">>` (or `<<1,2,3>>` when some byte is not
/// printable), the first 16 only of a longer one.
pub fn octets(payload: &[u8]) -> String {
    let (which, shown) = if payload.len() > 16 {
        ("first 16 octets", &payload[..16])
    } else {
        ("all octets", payload)
    };
    format!("{which} = {}", erlang_binary(shown, true))
}

/// A binary as Erlang prints it: `<<"text">>` when `as_text` and every
/// byte is printable, else its bytes in decimal, `<<1,2,3>>` (`~w` always
/// prints the bytes).
pub fn erlang_binary(bytes: &[u8], as_text: bool) -> String {
    let printable = |b: u8| (32..=126).contains(&b) || b >= 160;
    if as_text && !bytes.is_empty() && bytes.iter().all(|&b| printable(b)) {
        let text: String = bytes
            .iter()
            .flat_map(|&b| match b {
                b'"' | b'\\' => vec!['\\', char::from(b)],
                _ => vec![char::from(b)],
            })
            .collect();
        format!("<<\"{text}\">>")
    } else {
        let numbers: Vec<String> = bytes.iter().map(u8::to_string).collect();
        format!("<<{}>>", numbers.join(","))
    }
}

/// A method as RabbitMQ names it in its texts: `channel.open`,
/// `connection.start_ok`.
pub fn method_name(method: &AMQPClass) -> String {
    let (class, inner) = match method {
        AMQPClass::Connection(m) => ("connection", format!("{m:?}")),
        AMQPClass::Channel(m) => ("channel", format!("{m:?}")),
        AMQPClass::Access(m) => ("access", format!("{m:?}")),
        AMQPClass::Exchange(m) => ("exchange", format!("{m:?}")),
        AMQPClass::Queue(m) => ("queue", format!("{m:?}")),
        AMQPClass::Basic(m) => ("basic", format!("{m:?}")),
        AMQPClass::Tx(m) => ("tx", format!("{m:?}")),
        AMQPClass::Confirm(m) => ("confirm", format!("{m:?}")),
    };
    // The variant's name, `StartOk`, as `start_ok`.
    let variant = inner.split(['(', ' ', '{']).next().unwrap_or_default();
    let mut name = String::new();
    for (i, c) in variant.chars().enumerate() {
        if c.is_ascii_uppercase() && i > 0 {
            name.push('_');
        }
        name.push(c.to_ascii_lowercase());
    }
    format!("{class}.{name}")
}

#[cfg(test)]
mod tests {
    use super::*;
    use amq_protocol::protocol::{channel, connection, queue};

    #[test]
    fn texts_read_as_rabbitmqs() {
        let reply = Reply::soft(AMQPSoftError::NOTFOUND, "no queue 'q' in vhost '/'");
        assert_eq!(
            (reply.code, reply.text.as_str()),
            (404, "NOT_FOUND - no queue 'q' in vhost '/'")
        );
        let declare = AMQPClass::Queue(queue::AMQPMethod::Declare(queue::Declare::default()));
        let reply = reply.caused_by(&declare);
        assert_eq!((reply.class_id, reply.method_id), (50, 10));
        let frame = Reply::hard(AMQPHardError::FRAMEERROR, "too large");
        assert_eq!(
            (frame.code, frame.text.as_str()),
            (501, "FRAME_ERROR - too large")
        );
    }

    #[test]
    fn a_long_text_is_cut_to_a_short_string() {
        let reply = Reply::soft(AMQPSoftError::NOTFOUND, "é".repeat(300));
        assert!(reply.short_text().as_str().len() <= 255);
    }

    #[test]
    fn payloads_are_printed_as_erlang_prints_binaries() {
        assert_eq!(octets(b"hello"), "all octets = <<\"hello\">>");
        assert_eq!(octets(&[0, 10, 0, 40]), "all octets = <<0,10,0,40>>");
        assert_eq!(octets(&[]), "all octets = <<>>");
        assert_eq!(
            octets(&[b'a'; 20]),
            format!("first 16 octets = <<\"{}\">>", "a".repeat(16))
        );
        assert_eq!(erlang_binary(b"ok", false), "<<111,107>>");
    }

    #[test]
    fn methods_are_named_as_in_rabbitmqs_texts() {
        let open = AMQPClass::Channel(channel::AMQPMethod::Open(channel::Open {}));
        assert_eq!(method_name(&open), "channel.open");
        let start_ok = AMQPClass::Connection(connection::AMQPMethod::StartOk(Default::default()));
        assert_eq!(method_name(&start_ok), "connection.start_ok");
    }
}
