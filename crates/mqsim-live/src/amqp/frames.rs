//! Frames on the wire. Every AMQP 0-9-1 frame is a type octet, a channel
//! number, a payload size, the payload and a frame-end octet (206).
//! [`FrameReader`] cuts a connection's bytes into frames itself, checking
//! what RabbitMQ's reader checks in the order it does (the size as soon as
//! it is read, before the payload arrives, so that a connection never
//! holds more than one frame's worth of bytes; then the frame-end octet;
//! then the type), and hands each whole frame to amq-protocol's parser for
//! its contents. [`encode`] writes a frame with amq-protocol's generator.

use amq_protocol::frame::{AMQPFrame, WriteContext, gen_frame, parse_frame};
use std::io;
use tokio::io::{AsyncRead, AsyncReadExt};

/// The protocol header a client opens with: `AMQP`, 0, then version 0-9-1.
pub const PROTOCOL_HEADER: [u8; 8] = *b"AMQP\x00\x00\x09\x01";

/// A frame's bytes besides its payload: type, channel, size and frame end.
pub const FRAME_OVERHEAD: usize = 8;

/// The frame-end octet.
const FRAME_END: u8 = 206;

/// Why no frame could be read.
#[derive(Debug)]
pub enum ReadError {
    /// The client closed its side of the connection.
    Closed,
    Io(io::Error),
    /// A payload larger than the connection allows: RabbitMQ stops reading.
    TooLarge {
        frame_type: u8,
        payload: u32,
        limit: u32,
    },
    /// A frame not ended by 206: RabbitMQ stops reading.
    BadFrameEnd {
        frame_type: u8,
        payload: Vec<u8>,
        end: u8,
    },
    /// A frame of a type AMQP 0-9-1 does not have (or too short for its
    /// type); the frame itself is skipped.
    UnknownFrame {
        frame_type: u8,
        payload: Vec<u8>,
    },
    /// A frame whose contents cannot be decoded (a method with unknown ids
    /// or arguments that do not parse); the frame itself is skipped.
    Undecodable {
        channel: u16,
        payload: Vec<u8>,
    },
}

/// A connection's incoming bytes, read frame by frame.
pub struct FrameReader {
    buf: Vec<u8>,
    /// Where the unread bytes start in `buf`.
    start: usize,
    /// The connection's `frame_max`: the largest payload accepted (RabbitMQ
    /// tolerates the frame's 8 bytes of overhead on top).
    pub frame_max: u32,
}

impl FrameReader {
    pub fn new(frame_max: u32) -> FrameReader {
        FrameReader {
            buf: Vec::new(),
            start: 0,
            frame_max,
        }
    }

    /// The 8 bytes a connection opens with: the protocol header.
    pub async fn header<R: AsyncRead + Unpin>(
        &mut self,
        stream: &mut R,
    ) -> Result<[u8; 8], ReadError> {
        while self.unread().len() < 8 {
            self.fill(stream).await?;
        }
        let mut header = [0; 8];
        header.copy_from_slice(&self.unread()[..8]);
        self.start += 8;
        Ok(header)
    }

    /// The next frame. Safe to cancel: what was read stays buffered.
    pub async fn next<R: AsyncRead + Unpin>(
        &mut self,
        stream: &mut R,
    ) -> Result<AMQPFrame, ReadError> {
        loop {
            if let Some(frame) = self.frame()? {
                return Ok(frame);
            }
            self.fill(stream).await?;
        }
    }

    fn unread(&self) -> &[u8] {
        &self.buf[self.start..]
    }

    /// How many bytes wait to be read: never a whole frame's more than
    /// `frame_max` allows.
    pub fn buffered(&self) -> usize {
        self.unread().len()
    }

    /// Adds bytes as they came from the connection.
    pub fn push(&mut self, bytes: &[u8]) {
        self.buf.drain(..self.start);
        self.start = 0;
        self.buf.extend_from_slice(bytes);
    }

    /// The decoder's entry point: the next whole frame from the bytes
    /// pushed so far, if one is there. A frame that cannot be read is
    /// consumed with its error, except one too large, which is not read.
    pub fn frame(&mut self) -> Result<Option<AMQPFrame>, ReadError> {
        let unread = self.unread();
        if unread.len() < 7 {
            return Ok(None);
        }
        let frame_type = unread[0];
        let channel = u16::from_be_bytes([unread[1], unread[2]]);
        let size = u32::from_be_bytes([unread[3], unread[4], unread[5], unread[6]]);
        // RabbitMQ allows the payload the frame's 8 bytes of overhead too.
        if size > self.frame_max {
            return Err(ReadError::TooLarge {
                frame_type,
                payload: size,
                limit: self.frame_max - FRAME_OVERHEAD as u32,
            });
        }
        let whole = size as usize + FRAME_OVERHEAD;
        if unread.len() < whole {
            return Ok(None);
        }
        let frame = &unread[..whole];
        let payload = &frame[7..whole - 1];
        let end = frame[whole - 1];
        let known = match frame_type {
            1 => payload.len() >= 4,
            2 => payload.len() >= 14,
            3 => true,
            8 => payload.is_empty(),
            _ => false,
        };
        let read = if end != FRAME_END {
            Err(ReadError::BadFrameEnd {
                frame_type,
                payload: payload.to_vec(),
                end,
            })
        } else if !known {
            Err(ReadError::UnknownFrame {
                frame_type,
                payload: payload.to_vec(),
            })
        } else {
            parse_frame(frame)
                .map(|(_, frame)| Some(frame))
                .map_err(|_| ReadError::Undecodable {
                    channel,
                    payload: payload.to_vec(),
                })
        };
        self.start += whole;
        read
    }

    /// Reads what the stream has into the buffer.
    async fn fill<R: AsyncRead + Unpin>(&mut self, stream: &mut R) -> Result<(), ReadError> {
        let mut chunk = [0; 16 * 1024];
        let n = stream.read(&mut chunk).await.map_err(ReadError::Io)?;
        if n == 0 {
            return Err(ReadError::Closed);
        }
        self.push(&chunk[..n]);
        Ok(())
    }
}

/// `frame` as bytes on the wire.
pub fn encode(frame: &AMQPFrame) -> io::Result<Vec<u8>> {
    let written = gen_frame(frame)(WriteContext::from(Vec::new()))
        .map_err(|e| io::Error::other(format!("cannot encode {frame}: {e}")))?;
    Ok(written.into_inner().0)
}

#[cfg(test)]
mod tests {
    use super::*;
    use amq_protocol::protocol::{AMQPClass, channel};

    fn open(channel: u16) -> AMQPFrame {
        AMQPFrame::Method(
            channel,
            AMQPClass::Channel(channel::AMQPMethod::Open(channel::Open {})),
        )
    }

    #[tokio::test]
    async fn frames_are_read_whole_however_the_bytes_arrive() {
        let mut bytes = PROTOCOL_HEADER.to_vec();
        bytes.extend(encode(&open(1)).unwrap());
        bytes.extend(encode(&AMQPFrame::Heartbeat).unwrap());
        // One byte at a time.
        let (mut client, mut server) = tokio::io::duplex(1);
        tokio::spawn(async move {
            use tokio::io::AsyncWriteExt;
            client.write_all(&bytes).await.unwrap();
        });
        let mut reader = FrameReader::new(4096);
        assert_eq!(reader.header(&mut server).await.unwrap(), PROTOCOL_HEADER);
        assert_eq!(reader.next(&mut server).await.unwrap(), open(1));
        assert_eq!(
            reader.next(&mut server).await.unwrap(),
            AMQPFrame::Heartbeat
        );
        assert!(matches!(
            reader.next(&mut server).await,
            Err(ReadError::Closed)
        ));
    }

    #[tokio::test]
    async fn a_frame_larger_than_frame_max_is_refused_from_its_size() {
        // A method frame that says its payload is 1 GB: refused at once.
        let bytes = [1u8, 0, 1, 0x40, 0, 0, 0];
        let mut reader = FrameReader::new(131_072);
        let mut stream = &bytes[..];
        match reader.next(&mut stream).await {
            Err(ReadError::TooLarge { payload, limit, .. }) => {
                assert_eq!((payload, limit), (0x4000_0000, 131_064));
            }
            other => panic!("expected TooLarge, got {other:?}"),
        }
    }

    #[tokio::test]
    async fn frames_that_cannot_be_read_are_told_apart() {
        let mut reader = FrameReader::new(4096);
        // A frame of type 9, which AMQP 0-9-1 does not have: skipped, and
        // the heartbeat after it is read.
        let mut stream: &[u8] = &[
            9, 0, 0, 0, 0, 0, 2, b'h', b'i', 206, 8, 0, 0, 0, 0, 0, 0, 206,
        ];
        let unknown = reader.next(&mut stream).await;
        assert!(
            matches!(unknown, Err(ReadError::UnknownFrame { frame_type: 9, payload }) if payload == b"hi")
        );
        assert_eq!(
            reader.next(&mut stream).await.unwrap(),
            AMQPFrame::Heartbeat
        );
        // A method of class 999.
        let mut stream: &[u8] = &[1, 0, 1, 0, 0, 0, 4, 3, 231, 0, 10, 206];
        assert!(matches!(
            reader.next(&mut stream).await,
            Err(ReadError::Undecodable { channel: 1, .. })
        ));
        // A frame ended by 0 instead of 206.
        let mut stream: &[u8] = &[8, 0, 0, 0, 0, 0, 0, 0];
        assert!(matches!(
            reader.next(&mut stream).await,
            Err(ReadError::BadFrameEnd {
                frame_type: 8,
                end: 0,
                ..
            })
        ));
    }
}
