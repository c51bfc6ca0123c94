//! The AMQP decoder's entry point ([`FrameReader::frame`]) fed what no
//! client should send: frames of every kind a client sends, mutated (bits
//! flipped, bytes overwritten, sizes lied about, cut short, bytes inserted,
//! frames spliced together), and plain random bytes, pushed in random
//! pieces. Whatever comes in, the reader answers with frames or errors,
//! never panics, never loops, and never holds more than one frame's worth
//! of bytes.
//!
//! A run tries 20,000 inputs; `FUZZ_INPUTS=1000000 cargo test --release -p
//! mqsim-live --test fuzz_amqp -- --nocapture` tries a million and prints
//! the count (the figure in the notes).

use amq_protocol::frame::{AMQPContentHeader, AMQPFrame, ProtocolVersion};
use amq_protocol::protocol::{
    AMQPClass, BasicProperties, basic, channel, connection, exchange, queue,
};
use amq_protocol::types::{AMQPValue, FieldArray, FieldTable};
use mqsim_live::amqp::frames::{FrameReader, ReadError, encode};
mod common;

use rand::{Rng, SeedableRng};
use rand_pcg::Pcg64;

/// Frames a client sends, well formed.
fn corpus() -> Vec<Vec<u8>> {
    let mut arguments = FieldTable::default();
    arguments
        .insert("x-message-ttl".into(), AMQPValue::LongInt(30_000))
        .insert(
            "x-dead-letter-exchange".into(),
            AMQPValue::LongString("dlx".into()),
        )
        .insert(
            "x-list".into(),
            AMQPValue::FieldArray(FieldArray::from(vec![
                AMQPValue::Boolean(true),
                AMQPValue::Double(0.5),
            ])),
        );
    let mut nested = FieldTable::default();
    nested.insert("inner".into(), AMQPValue::FieldTable(arguments.clone()));
    let method = |channel: u16, class: AMQPClass| AMQPFrame::Method(channel, class);
    let frames = vec![
        AMQPFrame::ProtocolHeader(ProtocolVersion::amqp_0_9_1()),
        AMQPFrame::Heartbeat,
        method(
            0,
            AMQPClass::Connection(connection::AMQPMethod::StartOk(connection::StartOk {
                client_properties: nested.clone(),
                mechanism: "PLAIN".into(),
                response: "\0guest\0guest".into(),
                locale: "en_US".into(),
            })),
        ),
        method(
            0,
            AMQPClass::Connection(connection::AMQPMethod::TuneOk(connection::TuneOk {
                channel_max: 2047,
                frame_max: 131_072,
                heartbeat: 60,
            })),
        ),
        method(
            0,
            AMQPClass::Connection(connection::AMQPMethod::Open(connection::Open {
                virtual_host: "/".into(),
            })),
        ),
        method(
            1,
            AMQPClass::Channel(channel::AMQPMethod::Open(channel::Open {})),
        ),
        method(
            1,
            AMQPClass::Exchange(exchange::AMQPMethod::Declare(exchange::Declare {
                exchange: "orders".into(),
                kind: "topic".into(),
                arguments: arguments.clone(),
                ..Default::default()
            })),
        ),
        method(
            1,
            AMQPClass::Queue(queue::AMQPMethod::Declare(queue::Declare {
                queue: "billing".into(),
                arguments,
                ..Default::default()
            })),
        ),
        method(
            1,
            AMQPClass::Basic(basic::AMQPMethod::Publish(basic::Publish {
                exchange: "orders".into(),
                routing_key: "eu.paid".into(),
                ..Default::default()
            })),
        ),
        AMQPFrame::Header(
            1,
            AMQPContentHeader {
                class_id: 60,
                body_size: 5,
                properties: BasicProperties::default()
                    .with_content_type("text/plain".into())
                    .with_delivery_mode(2)
                    .with_headers(nested),
            },
        ),
        AMQPFrame::Body(1, b"hello".to_vec()),
        method(
            1,
            AMQPClass::Basic(basic::AMQPMethod::Ack(basic::Ack {
                delivery_tag: 7,
                multiple: true,
            })),
        ),
        method(
            0,
            AMQPClass::Connection(connection::AMQPMethod::Close(connection::Close::default())),
        ),
    ];
    frames.iter().map(|f| encode(f).expect("encodes")).collect()
}

/// One input: a frame or two, mutated, or random bytes; its lies are
/// about the frame's size.
fn input(rng: &mut Pcg64, corpus: &[Vec<u8>]) -> Vec<u8> {
    common::input(rng, corpus, |rng, bytes, _| {
        if bytes.len() >= 7 {
            bytes[3..7].copy_from_slice(&common::length(rng).to_be_bytes());
        }
    })
}

/// Reads `bytes`, pushed in random pieces, as a connection would.
fn read_all(rng: &mut Pcg64, bytes: &[u8], frame_max: u32) -> (usize, usize) {
    let mut reader = FrameReader::new(frame_max);
    let (mut frames, mut errors) = (0, 0);
    let mut rest = bytes;
    while !rest.is_empty() {
        let piece = rng.random_range(1..=rest.len());
        reader.push(&rest[..piece]);
        rest = &rest[piece..];
        loop {
            match reader.frame() {
                Ok(Some(_)) => frames += 1,
                Ok(None) => break,
                Err(ReadError::TooLarge { .. } | ReadError::BadFrameEnd { .. }) => {
                    // The connection reads no further.
                    return (frames, errors + 1);
                }
                Err(_) => errors += 1,
            }
        }
        // At most one frame waits for the rest of its bytes.
        assert!(reader.buffered() < frame_max as usize + 8, "bounded");
    }
    (frames, errors)
}

#[test]
fn the_decoder_never_panics_on_what_comes_in() {
    let inputs: usize = std::env::var("FUZZ_INPUTS")
        .ok()
        .and_then(|n| n.parse().ok())
        .unwrap_or(20_000);
    let corpus = corpus();
    let mut rng = Pcg64::seed_from_u64(0x5eed_a319_u64);
    let (mut frames, mut errors) = (0, 0);
    for _ in 0..inputs {
        let bytes = input(&mut rng, &corpus);
        let frame_max = if rng.random_bool(0.5) { 8192 } else { 131_072 };
        let (f, e) = read_all(&mut rng, &bytes, frame_max);
        frames += f;
        errors += e;
    }
    println!("{inputs} inputs: {frames} frames read, {errors} refused, 0 panics");
    assert!(
        frames > inputs / 4,
        "mutated inputs still hold frames: {frames}"
    );
    assert!(errors > inputs / 4, "and refusals: {errors}");
}
